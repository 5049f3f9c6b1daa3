#!/usr/bin/env python3
"""test_bench - `make bench` produces well-formed output (scripts/bench.py --short; docs/performance.md).

Runs the short bench (the `bench` suite under -icount and one boot) into a scratch directory and
checks the FORM of what it writes, never the numbers (they are for people, and wall-clock ones
depend on the host):
  * results.json has the schema: "schema" irqlab-bench/1, figures with name/group/title/value/unit/
    method/runs/min/max/baseline/ratio of the right types, every baseline a figure of the same run;
  * every figure of the short set is there (the floor, the three dispatch kinds, the chain, the
    primitives, a boot time);
  * the table on stdout has one row per figure, in the JSON's order;
  * every plot listed exists and starts with the PNG signature;
  * `make bench` is a Makefile target that runs scripts/bench.py (make -n: nothing runs).
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
SHORT_SET = ["floor", "dispatch_fully_specified", "dispatch_line_based", "dispatch_message_based",
             "dispatch_trace_on", "isr_to_dpc", "chain_1", "chain_2", "chain_4", "chain_8", "call",
             "synchronize_execution", "raise_lower", "spin_lock_pair", "boot_kernel"]
FIELDS = {"name": str, "group": str, "title": str, "unit": str, "method": str, "runs": list}


def figure_problems(f, names):
    bad = [k for k, t in FIELDS.items() if not isinstance(f.get(k), t)]
    for k in ("value", "min", "max"):
        if not isinstance(f.get(k), (int, float)) or isinstance(f.get(k), bool):
            bad.append(k)
    if f.get("method") not in ("icount", "wallclock"):
        bad.append("method")
    if not f.get("runs") or not all(isinstance(v, (int, float)) for v in f.get("runs", [])):
        bad.append("runs")
    if f.get("baseline") is not None and (f["baseline"] not in names or not isinstance(f.get("ratio"), (int, float))):
        bad.append("baseline/ratio")
    return bad


def main():
    t = Tap()
    with tempfile.TemporaryDirectory() as out:
        r = subprocess.run([sys.executable, os.path.join(REPO, "scripts", "bench.py"), "--short", "--out", out,
                            "--build", build_dir()], cwd=REPO, capture_output=True, text=True, timeout=900,
                           stdin=subprocess.DEVNULL)
        t.ok(r.returncode == 0, "bench.py --short exits 0", diag=r.stdout[-3000:] + r.stderr[-3000:])
        path = os.path.join(out, "results.json")
        try:
            with open(path) as f:
                result = json.load(f)
        except (OSError, ValueError) as e:
            t.ok(False, "results.json is JSON", diag=str(e))
            return t.finish()
        t.ok(result.get("schema") == "irqlab-bench/1" and isinstance(result.get("figures"), list) and
             isinstance(result.get("plots"), list) and result.get("short") is True,
             "results.json: schema irqlab-bench/1 with figures and plots", diag=str(result)[:500])
        figures = result.get("figures", [])
        names = [f.get("name") for f in figures]
        problems = {f.get("name"): figure_problems(f, names) for f in figures}
        problems = {k: v for k, v in problems.items() if v}
        t.ok(figures and not problems, "every figure has its fields with the right types", diag=str(problems))
        missing = [n for n in SHORT_SET if n not in names]
        t.ok(not missing, "the short set of figures is complete", diag=f"missing {missing}")
        rows = [line.split("|")[1].strip() for line in r.stdout.splitlines()
                if line.startswith("| ") and not line.startswith("| figure")]
        t.ok(rows == names, "the table has one row per figure, in order", diag=f"{rows} vs {names}")
        bad_png = []
        for p in result.get("plots", []):
            try:
                with open(os.path.join(out, p), "rb") as f:
                    if f.read(8) != PNG:
                        bad_png.append(p)
            except OSError:
                bad_png.append(p)
        t.ok(result.get("plots") and not bad_png, f"{len(result.get('plots', []))} plots exist and are PNGs",
             diag=f"bad: {bad_png}")
    r = subprocess.run(["make", "-n", "bench"], cwd=REPO, capture_output=True, text=True, timeout=60)
    t.ok(r.returncode == 0 and "scripts/bench.py" in r.stdout, "make bench runs scripts/bench.py",
         diag=r.stdout + r.stderr)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
