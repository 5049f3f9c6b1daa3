#!/usr/bin/env python3
"""trace - record irqlab's per-CPU interrupt trace and turn it into pictures (`make trace`).

    python3 scripts/trace.py [--machine pc] [--smp 2] [--out build/trace] [--build build]
    python3 scripts/trace.py --from-dump dump.txt [--out dir]      (a dump saved from the shell)

Boots build/kernel.elf with `trace=on` and two edu devices, runs a short workload at the prompt
(`ktest trace_workload`: self-IPIs whose ISR queues a DPC on every CPU, a thread woken by a DPC, the
edu devices' interrupts), stops the trace and reads `trace dump` (kernel/shell/cmd_trace.c) from
COM1. Writes into --out:
  trace.json        Chrome trace-event JSON: open it in https://ui.perfetto.dev or chrome://tracing.
                    One track per CPU ("CPU n"); interrupts, ISRs and DPCs are slices (ISRs nested
                    inside their interrupt), DPC queueing and context switches instant events, and a
                    flow arrow from each DPC's queueing to its run.
  isr_duration.png, dpc_duration.png, isr_to_dpc.png   histograms (gnuplot), as xperf's DPC/ISR
                    duration summaries: microseconds on x, count on y.
  dump.txt          the raw dump; stats.json: counts and percentiles of the three distributions.
validate(events) checks what tests/e2e/test_trace.py relies on: slices balanced per track, every
ISR slice inside an interrupt slice of its vector.
"""
import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

LINE = re.compile(r"^T (\d+) (\d+) (\d+) (\w+) (\d+) (\d+) ([0-9a-f]+) ([0-9a-f]+) (\S+)")
HEADER = re.compile(r"trace: dump tsc_hz=(\d+) cpus=(\d+) events_per_cpu=(\d+)")
END = re.compile(r"trace: end (\d+) events")
WORKLOAD = "ktest trace_workload"


def parse_dump(text):
    """(tsc_hz, {cpu: [event dict in seq order]}) from `trace dump` output."""
    m = HEADER.search(text)
    if not m:
        raise ValueError("no 'trace: dump' header")
    hz = int(m.group(1))
    per_cpu = {}
    for line in text[m.end():].splitlines():
        line = line.strip()
        if END.match(line):
            break
        e = LINE.match(line)
        if not e:
            continue
        cpu = int(e.group(1))
        per_cpu.setdefault(cpu, []).append({
            "cpu": cpu, "seq": int(e.group(2)), "tsc": int(e.group(3)), "type": e.group(4),
            "vector": int(e.group(5)), "arg": int(e.group(6)), "what": int(e.group(7), 16),
            "object": int(e.group(8), 16), "symbol": e.group(9)})
    return hz, per_cpu


def short_symbol(symbol):
    return symbol.split("+")[0] if symbol.endswith("+0x0") else symbol


def to_chrome(hz, per_cpu):
    """Chrome trace events plus the three distributions (microseconds)."""
    t0 = min((evs[0]["tsc"] for evs in per_cpu.values() if evs), default=0)

    def us(tsc):
        return round((tsc - t0) * 1e6 / hz, 3)

    events = [{"ph": "M", "name": "process_name", "pid": 0, "args": {"name": "irqlab"}}]
    isr_us, dpc_us, latency_us = [], [], []
    queued = {}  # KDPC address -> (cpu, tsc) of its queueing from an ISR, for the latency
    flow_id = 0
    for cpu in sorted(per_cpu):
        evs = per_cpu[cpu]
        events.append({"ph": "M", "name": "thread_name", "pid": 0, "tid": cpu, "args": {"name": f"CPU {cpu}"}})
        events.append({"ph": "M", "name": "thread_sort_index", "pid": 0, "tid": cpu, "args": {"sort_index": cpu}})
    # Queue and run of one DPC may be on different CPUs: walk all events in time order.
    merged = sorted((e for evs in per_cpu.values() for e in evs), key=lambda e: (e["tsc"], e["cpu"], e["seq"]))
    stacks = {cpu: [] for cpu in per_cpu}  # open slices per CPU: (kind, vector/object, begin tsc)
    isr_depth = {cpu: 0 for cpu in per_cpu}
    for e in merged:
        cpu, kind, ts = e["cpu"], e["type"], us(e["tsc"])
        base = {"pid": 0, "tid": cpu, "ts": ts}
        stack = stacks[cpu]
        if kind == "int":
            stack.append(("int", e["vector"], e["tsc"]))
            events.append({**base, "ph": "B", "name": f"interrupt 0x{e['vector']:02x}", "cat": "interrupt",
                           "args": {"vector": e["vector"], "irql": e["vector"] >> 4}})
        elif kind == "isr":
            stack.append(("isr", e["vector"], e["tsc"]))
            isr_depth[cpu] += 1
            events.append({**base, "ph": "B", "name": short_symbol(e["symbol"]), "cat": "isr",
                           "args": {"vector": e["vector"], "interrupt": hex(e["object"])}})
        elif kind == "dpc":
            stack.append(("dpc", e["object"], e["tsc"]))
            events.append({**base, "ph": "B", "name": short_symbol(e["symbol"]), "cat": "dpc",
                           "args": {"dpc": hex(e["object"])}})
            q = queued.pop(e["object"], None)
            if q:
                latency_us.append((e["tsc"] - q[1]) * 1e6 / hz)
                flow_id += 1
                events.append({"ph": "s", "id": flow_id, "pid": 0, "tid": q[0], "ts": us(q[1]), "name": "DPC",
                               "cat": "dpc"})
                events.append({**base, "ph": "f", "bp": "e", "id": flow_id, "name": "DPC", "cat": "dpc"})
        elif kind in ("int_end", "isr_end", "dpc_end"):
            want = kind[:-4]
            if not stack or stack[-1][0] != want:
                continue  # its beginning was overwritten (the ring wrapped): drop the end too
            _, _, begin = stack.pop()
            if want == "isr":
                isr_depth[cpu] -= 1
                isr_us.append((e["tsc"] - begin) * 1e6 / hz)
            elif want == "dpc":
                dpc_us.append((e["tsc"] - begin) * 1e6 / hz)
            args = {"claimed": bool(e["arg"])} if want == "isr" else {}
            events.append({**base, "ph": "E", "args": args})
        elif kind == "dpc_queue":
            if isr_depth[cpu]:
                queued[e["object"]] = (cpu, e["tsc"])
            events.append({**base, "ph": "i", "s": "t", "name": f"queue {short_symbol(e['symbol'])}",
                           "cat": "dpc", "args": {"target_cpu": e["arg"]}})
        elif kind == "switch":
            events.append({**base, "ph": "i", "s": "t", "name": f"switch {e['what']} -> {e['object']}",
                           "cat": "switch", "args": {"old_thread": e["what"], "new_thread": e["object"]}})
    # Slices still open when the trace stopped: close them at the last event of their CPU.
    for cpu, stack in stacks.items():
        last = us(per_cpu[cpu][-1]["tsc"]) if per_cpu[cpu] else 0
        while stack:
            stack.pop()
            events.append({"pid": 0, "tid": cpu, "ts": last, "ph": "E", "args": {"truncated": True}})
    return {"traceEvents": events, "displayTimeUnit": "ns"}, {"isr_us": isr_us, "dpc_us": dpc_us,
                                                              "isr_to_dpc_us": latency_us}


def validate(trace):
    """Problems (empty = good): JSON shape, B/E balanced and nested per track, every ISR slice
    inside an interrupt slice."""
    problems = []
    events = trace.get("traceEvents") if isinstance(trace, dict) else None
    if not isinstance(events, list):
        return ["no traceEvents list"]
    stacks = {}
    for i, e in enumerate(events):
        if not isinstance(e, dict) or "ph" not in e:
            problems.append(f"event {i} has no ph")
            continue
        if e["ph"] == "M":
            continue
        if not isinstance(e.get("ts"), (int, float)) or "tid" not in e or "pid" not in e:
            problems.append(f"event {i} lacks ts/pid/tid")
            continue
        stack = stacks.setdefault((e["pid"], e["tid"]), [])
        if e["ph"] == "B":
            if stack and e["ts"] < stack[-1]["ts"]:
                problems.append(f"event {i} begins before its parent")
            if e.get("cat") == "isr" and not any(s.get("cat") == "interrupt" for s in stack):
                problems.append(f"ISR slice {e.get('name')} at {e['ts']} us is not inside an interrupt slice")
            stack.append(e)
        elif e["ph"] == "E":
            if not stack:
                problems.append(f"event {i}: an end without a begin on track {e['tid']}")
            else:
                begin = stack.pop()
                if e["ts"] < begin["ts"]:
                    problems.append(f"event {i}: slice {begin.get('name')} ends before it begins")
    for (pid, tid), stack in stacks.items():
        if stack:
            problems.append(f"track {tid}: {len(stack)} slices never end")
    return problems


def percentile(values, p):
    if not values:
        return None
    s = sorted(values)
    return round(s[min(len(s) - 1, int(p / 100 * len(s)))], 3)


def histograms(dists, out):
    made = []
    titles = {"isr_us": ("isr_duration.png", "ISR duration (ISR call to return)"),
              "dpc_us": ("dpc_duration.png", "DPC duration (routine call to return)"),
              "isr_to_dpc_us": ("isr_to_dpc.png", "ISR -> DPC latency (queued in the ISR to the start of its routine)")}
    for key, (png, title) in titles.items():
        values = dists[key]
        dat = png.replace(".png", ".dat")
        with open(os.path.join(out, dat), "w") as f:
            f.write("\n".join(f"{v:.3f}" for v in values) + "\n")
        hi = max(values) if values else 1.0
        width = max(hi / 40, 0.001)
        script = (f"set terminal png size 800,450 noenhanced\nset output '{png}'\nset title '{title}, "
                  f"{len(values)} samples'\nset xlabel 'microseconds'\nset ylabel 'count'\nset key off\n"
                  "set style fill solid 0.6\nset grid ytics\n"
                  f"bw = {width}\nbin(x) = bw * floor(x / bw) + bw / 2\nset boxwidth bw\n")
        if values:
            script += f"plot '{dat}' using (bin($1)):(1.0) smooth frequency with boxes\n"
        else:
            script += "set xrange [0:1]\nset yrange [0:1]\nplot 2 notitle\n"  # an empty chart still says so
        subprocess.run(["gnuplot"], input=script, text=True, cwd=out, check=True)
        made.append(png)
    return made


def record(machine, smp, build, out):
    """Boot with trace=on, run the workload, return the dump text."""
    os.environ["IRQLAB_BUILD"] = os.path.abspath(build)
    import irqlab_qemu
    log_path = os.path.join(out, "serial.log")
    q = irqlab_qemu.Qemu(irqlab_qemu.kernel_elf(), machine=machine, smp=smp, cmdline="trace=on", timeout=600,
                         stdin=True, log_path=log_path,
                         extra=["-nic", "none", "-device", "edu,addr=03.0", "-device", "edu,addr=07.0"])
    with q:
        def command(text, done=None, timeout=300):
            q.send(text + "\n")
            for pattern in ([done] if done else []) + [r"irqlab> "]:
                if not q.expect(pattern, timeout=timeout):
                    raise SystemExit(f"trace: '{text}' did not finish; serial log {log_path}")
        if not q.expect(r"irqlab> ", timeout=120):
            raise SystemExit(f"trace: no prompt; serial log {log_path}")
        command("trace clear")
        command(WORKLOAD, done=r"ktest: \d+ passed, 0 failed")
        command("trace stop")
        q.send("trace dump\n")
        if not q.expect(r"trace: end \d+ events", timeout=300):
            raise SystemExit(f"trace: the dump did not end; serial log {log_path}")
        text = q.read()
        q.send("poweroff\n")
        q.wait(10)
    start = text.rfind("trace: dump ")
    return text[start:]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--machine", default="pc")
    ap.add_argument("--smp", type=int, default=2)
    ap.add_argument("--build", default=os.environ.get("IRQLAB_BUILD", os.path.join(ROOT, "build")))
    ap.add_argument("--out", default=None, help="output directory (default <build>/trace)")
    ap.add_argument("--from-dump", help="convert this saved `trace dump` output instead of booting")
    args = ap.parse_args()
    out = os.path.abspath(args.out or os.path.join(args.build, "trace"))
    os.makedirs(out, exist_ok=True)
    if args.from_dump:
        with open(args.from_dump, errors="replace") as f:
            text = f.read()
    else:
        text = record(args.machine, args.smp, args.build, out)
        with open(os.path.join(out, "dump.txt"), "w") as f:
            f.write(text)
    hz, per_cpu = parse_dump(text)
    trace, dists = to_chrome(hz, per_cpu)
    problems = validate(trace)
    with open(os.path.join(out, "trace.json"), "w") as f:
        json.dump(trace, f)
    made = histograms(dists, out)
    stats = {k: {"count": len(v), "p50": percentile(v, 50), "p90": percentile(v, 90), "p99": percentile(v, 99),
                 "max": round(max(v), 3) if v else None} for k, v in dists.items()}
    stats["events"] = sum(len(v) for v in per_cpu.values())
    stats["cpus"] = len(per_cpu)
    with open(os.path.join(out, "stats.json"), "w") as f:
        json.dump(stats, f, indent=1)
    print(f"trace: {stats['events']} events from {stats['cpus']} CPU(s) -> {out}/trace.json "
          "(open in https://ui.perfetto.dev or chrome://tracing)")
    for k in ("isr_us", "dpc_us", "isr_to_dpc_us"):
        s = stats[k]
        print(f"  {k:14} {s['count']:6} samples  p50 {s['p50']} us  p90 {s['p90']} us  max {s['max']} us")
    print("  plots: " + ", ".join(made))
    for p in problems:
        print(f"trace: problem: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
