#!/usr/bin/env python3
"""test_trace - `make trace` (scripts/trace.py) on a short workload gives a trace one can open.

Boots the kernel with trace=on and 2 CPUs, runs `ktest trace_workload` at the prompt, dumps the
trace, and checks what Perfetto / chrome://tracing need and what docs/performance.md promises,
with its own checks (not trace.py's):
  * trace.json is JSON with a traceEvents list; one named track per CPU;
  * on every track, B and E events balance and nest, and time never goes back inside a slice;
  * every ISR slice lies inside an interrupt slice; there are ISR and DPC slices, DPC flow arrows
    and context-switch events;
  * the three histograms exist and are PNGs; stats.json counts samples of each;
  * `make trace` is a Makefile target that runs scripts/trace.py (make -n).
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_qemu import REPO, build_dir  # noqa: E402
from tap import Tap  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"
SMP = 2


def check_tracks(events):
    """(problems, counts by category) for B/E nesting per track."""
    problems, counts, stacks = [], {}, {}
    for e in events:
        ph = e.get("ph")
        if ph == "M":
            continue
        key = (e.get("pid"), e.get("tid"))
        stack = stacks.setdefault(key, [])
        counts[(ph, e.get("cat"))] = counts.get((ph, e.get("cat")), 0) + 1
        if ph == "B":
            if e.get("cat") == "isr" and not any(s.get("cat") == "interrupt" for s in stack):
                problems.append(f"ISR {e.get('name')} at {e.get('ts')} outside an interrupt")
            stack.append(e)
        elif ph == "E":
            if not stack:
                problems.append(f"E without B on track {key}")
            elif e["ts"] < stack.pop()["ts"]:
                problems.append(f"slice on {key} ends before it begins")
    problems += [f"track {k}: {len(s)} open slices" for k, s in stacks.items() if s]
    return problems, counts


def main():
    t = Tap()
    with tempfile.TemporaryDirectory() as out:
        r = subprocess.run([sys.executable, os.path.join(REPO, "scripts", "trace.py"), "--smp", str(SMP), "--out", out,
                            "--build", build_dir()], cwd=REPO, capture_output=True, text=True, timeout=900,
                           stdin=subprocess.DEVNULL)
        t.ok(r.returncode == 0, "trace.py records, converts and validates", diag=r.stdout[-2000:] + r.stderr[-3000:])
        try:
            with open(os.path.join(out, "trace.json")) as f:
                trace = json.load(f)
            events = trace["traceEvents"]
            assert isinstance(events, list)
        except (OSError, ValueError, KeyError, AssertionError) as e:
            t.ok(False, "trace.json is Chrome trace-event JSON", diag=str(e))
            return t.finish()
        t.ok(True, f"trace.json is Chrome trace-event JSON ({len(events)} events)")
        tracks = [e for e in events if e.get("ph") == "M" and e.get("name") == "thread_name"]
        t.ok(sorted(e["args"]["name"] for e in tracks) == [f"CPU {c}" for c in range(SMP)],
             "one track per CPU", diag=str(tracks))
        problems, counts = check_tracks(events)
        t.ok(not problems, "slices balanced and nested on every track; every ISR inside an interrupt",
             diag="\n".join(problems[:20]))
        t.ok(counts.get(("B", "isr"), 0) >= 80 and counts.get(("B", "dpc"), 0) >= 80,
             "ISR and DPC slices of the workload are there (40 self-IPIs per CPU, each with a DPC)", diag=str(counts))
        t.ok(counts.get(("s", "dpc"), 0) > 0 and counts.get(("i", "switch"), 0) > 0,
             "DPC flow arrows and context switches are there", diag=str(counts))
        bad = []
        for p in ("isr_duration.png", "dpc_duration.png", "isr_to_dpc.png"):
            try:
                with open(os.path.join(out, p), "rb") as f:
                    if f.read(8) != PNG:
                        bad.append(p)
            except OSError:
                bad.append(p)
        t.ok(not bad, "the three histograms are PNGs", diag=str(bad))
        with open(os.path.join(out, "stats.json")) as f:
            stats = json.load(f)
        t.ok(all(stats[k]["count"] > 0 for k in ("isr_us", "dpc_us", "isr_to_dpc_us")),
             "stats.json has samples of ISR and DPC durations and ISR->DPC latency", diag=str(stats))
    r = subprocess.run(["make", "-n", "trace"], cwd=REPO, capture_output=True, text=True, timeout=60)
    t.ok(r.returncode == 0 and "scripts/trace.py" in r.stdout, "make trace runs scripts/trace.py",
         diag=r.stdout + r.stderr)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
