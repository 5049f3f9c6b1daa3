#!/usr/bin/env python3
"""bench - what an interrupt costs in irqlab, as a table, JSON and plots (`make bench`).

    python3 scripts/bench.py [--short] [--runs 3] [--out build/bench] [--build build] [--no-net]

Deterministic figures: the manual ktest suites `bench`, `bench_switch`, `bench_sched`
(tests/ktest/bench*_test.c) under `-icount shift=0,sleep=off`, where QEMU runs one guest
instruction per nanosecond and the TSC counts instructions: the same numbers on every host, however
loaded. Each suite prints `bench-figure <name> <ticks> <baseline>` lines; every figure is shown next
to its floor or baseline from the same run, as a ratio. A second build with -DIRQLAB_NO_TRACE
(kernel/ke/trace.h) shows what the trace hooks cost while tracing is off.

Wall-clock figures (plain TCG, vary with the host; each run repeated --runs times, reported as
median with min and max): edu MSI interrupts/s on 1 and 4 CPUs (suite bench_edu), e1000/e1000e
UDP echo packets/s and RTT per interrupt mode with moderation off and on (scripts/net_measure.py's
guests), boot time from QEMU start to the prompt for `-kernel` (PVH) and the GRUB ISO.

--short (what `make test` runs, tests/e2e/test_bench.py): the `bench` suite and one boot only.
Output: a table on stdout, <out>/results.json (schema below, docs/performance.md) and PNG plots
drawn by gnuplot. The numbers are never judged here: only measured and written.

results.json: {"schema": "irqlab-bench/1", "date", "git", "short": bool, "figures": [{"name",
"group", "title", "value", "unit", "method": "icount"|"wallclock", "baseline", "baseline_value",
"ratio", "runs": [...], "min", "max"}], "plots": ["interrupt_path.png", ...]}
"""
import argparse
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import irqlab_qemu  # noqa: E402
from ktest_runner import KTEST_DEVICES, run_ktest  # noqa: E402

ICOUNT = ["-icount", "shift=0,sleep=off"]
FIGURE = re.compile(r"bench-figure (\S+) (\d+) (\S+)")
SCHEMA = "irqlab-bench/1"

# name -> (group, title, unit). Order = table order.
TITLES = {
    "floor": ("interrupt path", "bare vector stub (EOI, iretq) self-IPI round trip: the floor", "instructions"),
    "dispatch_fully_specified": ("interrupt path", "full dispatch, empty ISR, FULLY_SPECIFIED", "instructions"),
    "dispatch_line_based": ("interrupt path", "full dispatch, empty ISR, LINE_BASED", "instructions"),
    "dispatch_message_based": ("interrupt path", "full dispatch, empty ISR, MESSAGE_BASED", "instructions"),
    "dispatch_trace_on": ("interrupt path", "full dispatch, FULLY_SPECIFIED, trace recording", "instructions"),
    "dispatch_no_hooks": ("interrupt path", "full dispatch, FULLY_SPECIFIED, trace hooks compiled out",
                          "instructions"),
    "dispatch_fully_specified_4cpu": ("interrupt path", "full dispatch, FULLY_SPECIFIED, q35 with 4 CPUs",
                                      "instructions"),
    "ipi_self": ("interrupt path", "self-IPI on the IPI vector 0xE1 (the kernel's per-CPU object)", "instructions"),
    "ipi_self_4cpu": ("interrupt path", "self-IPI on the IPI vector 0xE1, q35 with 4 CPUs", "instructions"),
    "isr_to_dpc": ("interrupt path", "ISR first instruction -> its DPC's first instruction", "instructions"),
    "interrupt_to_thread": ("interrupt path", "interrupt -> ISR -> DPC -> KeSetEvent -> waiting thread runs",
                            "instructions"),
    "chain_1": ("shared chain", "LINE_BASED chain, 1 ISR", "instructions"),
    "chain_2": ("shared chain", "LINE_BASED chain, 2 sharers (the last claims)", "instructions"),
    "chain_4": ("shared chain", "LINE_BASED chain, 4 sharers", "instructions"),
    "chain_8": ("shared chain", "LINE_BASED chain, 8 sharers", "instructions"),
    "call": ("primitives", "empty out-of-line call: the baseline", "instructions"),
    "synchronize_execution": ("primitives", "KeSynchronizeExecution round trip, empty routine", "instructions"),
    "raise_lower": ("primitives", "KeRaiseIrql(DISPATCH_LEVEL) + KeLowerIrql", "instructions"),
    "spin_lock_pair": ("primitives", "KeAcquireSpinLock + KeReleaseSpinLock", "instructions"),
    "set_and_wait": ("threads", "KeSetEvent + satisfied wait, no switch: the baseline", "instructions"),
    "context_switch": ("threads", "context switch (KeSetEvent + wait + switch, half a round trip)",
                       "instructions"),
    "switches_per_second_1cpu": ("threads", "context switches per 10^9 instructions, 1 CPU", "per 1e9 instr"),
    "edu_msi_per_second_1cpu": ("wall clock", "edu MSI interrupts/s, back to back, 1 CPU", "interrupts/s"),
    "edu_msi_per_second_4cpu": ("wall clock", "edu MSI interrupts/s, back to back, 4 CPUs", "interrupts/s"),
    "boot_kernel": ("wall clock", "boot: QEMU start -> prompt, -kernel (PVH)", "s"),
    "boot_iso": ("wall clock", "boot: QEMU start -> prompt, GRUB ISO", "s"),
}
NET_MODES = [("e1000", "", "line"), ("e1000e", "", "msix"), ("e1000e", "msix=off", "msi"),
             ("e1000e", "msi=off", "line")]


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def figures_of(serial):
    """{name: (ticks, baseline)} from a run's bench-figure lines."""
    return {m.group(1): (int(m.group(2)), m.group(3)) for m in FIGURE.finditer(serial)}


def icount_run(elf, glob, machine="pc", smp=1, logs=None, name="icount"):
    log(f"{glob} on {machine}/{smp} CPU(s) under -icount shift=0,sleep=off")
    run = run_ktest(elf, glob, machine=machine, smp=smp, extra=ICOUNT, per_test_timeout=300,
                    log_path=os.path.join(logs, f"{name}.serial.log") if logs else None)
    if not run.ok:
        raise SystemExit(f"bench: the {glob} suites failed; serial log {run.log_path}")
    return figures_of(run.serial)


def wallclock_ktest(elf, glob, smp, runs, logs):
    values = {}
    for i in range(runs):
        run = run_ktest(elf, glob, smp=smp, per_test_timeout=120, extra=KTEST_DEVICES,  # the edu devices
                        log_path=os.path.join(logs, f"{glob}-smp{smp}-{i}.serial.log"))
        found = figures_of(run.serial)
        if not run.ok or not found:
            raise SystemExit(f"bench: {glob} failed or was skipped; serial log {run.log_path}")
        for name, (v, _) in found.items():
            values.setdefault(name, []).append(v)
    return values


def boot_time(boot, runs, logs):
    """Seconds from starting QEMU to the first prompt."""
    times = []
    for i in range(runs):
        q = irqlab_qemu.Qemu(irqlab_qemu.kernel_elf(), boot=boot, timeout=120, extra=["-nic", "none"],
                             log_path=os.path.join(logs, f"boot-{boot}-{i}.serial.log"))
        with q:
            if not q.expect(r"irqlab> ", timeout=120):
                raise SystemExit(f"bench: no prompt booting with {boot}; log {q.log_path}")
            times.append(round(q.elapsed(), 3))
    return times


def net_figures(runs):
    from irqlab_net import ServeGuest
    from udp_echo_client import run_echo
    out = {}
    for model, cmdline, mode in NET_MODES:
        for itr in (0, 4000):
            key = f"{model}_{mode}_itr_{'on' if itr else 'off'}"
            pps, rtt = [], []
            for attempt in range(runs + 2):  # a guest that does not come up (a loaded host) is retried
                if len(pps) == runs:
                    break
                with ServeGuest(model, cmdline=(cmdline + f" e1000_itr={itr}").strip()) as g:
                    if not g.ready:
                        log(f"{key}: the guest did not get ready (log {g.qemu.log_path}); retrying")
                        continue
                    port = g.net.echo_ports[0]
                    run_echo(port, 200, sizes=[64], window=8)  # warm up: ARP, TCG translation
                    bulk = run_echo(port, 3000, sizes=[64], window=32, timeout=10)
                    ping = run_echo(port, 300, sizes=[64], window=1, timeout=10)
                    g.stop()
                pps.append(round(bulk.pps))
                rtt.append(round(ping.median_rtt_ms * 1000, 1))
            if not pps:
                log(f"{key}: no run got through; left out")
                continue
            out[f"net_pps_{key}"] = (pps, f"{model} {mode} interrupts, ITR {'on' if itr else 'off'}: UDP echo "
                                          "packets/s, 32 in flight", "packets/s")
            out[f"net_rtt_{key}"] = (rtt, f"{model} {mode} interrupts, ITR {'on' if itr else 'off'}: median RTT, "
                                          "1 in flight", "us")
            log(f"{key}: {pps} packets/s, {rtt} us")
    return out


def build_no_hooks(build):
    """A ktest.elf with the trace hooks compiled out (IRQLAB_NO_TRACE), in its own build dir."""
    out = os.path.join(build, "bench-nohooks")
    log("building the kernel without trace hooks (" + out + ")")
    subprocess.run(["make", "--no-print-directory", f"BUILD={out}", "BENCH_CFLAGS=-DIRQLAB_NO_TRACE",
                    f"{out}/ktest.elf"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return os.path.join(out, "ktest.elf")


def make_figure(name, values, baseline=None, baselines=None, method="icount", title=None, unit=None, group=None):
    dgroup, dtitle, dunit = TITLES.get(name, ("wall clock", name, ""))
    values = values if isinstance(values, list) else [values]
    value = statistics.median(values)
    fig = {"name": name, "group": group or dgroup, "title": title or dtitle, "value": value,
           "unit": unit or dunit, "method": method, "runs": values, "min": min(values), "max": max(values),
           "baseline": None, "baseline_value": None, "ratio": None}
    if baseline and baselines and baseline in baselines and baselines[baseline]:
        fig["baseline"] = baseline
        fig["baseline_value"] = baselines[baseline]
        fig["ratio"] = round(value / baselines[baseline], 2)
    return fig


def table(figures):
    rows = ["| figure | value | unit | baseline | ratio | spread (min..max) |", "|---|---|---|---|---|---|"]
    for f in figures:
        spread = f"{f['min']:g}..{f['max']:g}" if len(f["runs"]) > 1 else "-"
        ratio = f"{f['ratio']:.2f}x" if f["ratio"] is not None else "-"
        rows.append(f"| {f['name']} | {f['value']:g} | {f['unit']} | {f['baseline'] or '-'} | {ratio} | {spread} |")
    return "\n".join(rows)


def gnuplot(script, out_dir):
    subprocess.run(["gnuplot"], input=script, text=True, cwd=out_dir, check=True)


def plots(figures, out_dir):
    """One PNG per group that has figures; returns the file names."""
    made = []
    by = {f["name"]: f for f in figures}
    head = "set terminal png size 900,480 noenhanced\nset style fill solid 0.6\nset boxwidth 0.6\nset grid ytics\n" \
           "set key off\nset xtics rotate by -30\n"

    def bars(file, title, ylabel, names):
        rows = [by[n] for n in names if n in by]
        if not rows:
            return
        dat = file.replace(".png", ".dat")
        with open(os.path.join(out_dir, dat), "w") as f:
            for i, r in enumerate(rows):
                label = f"{r['ratio']:.2f}x" if r["ratio"] is not None else ""
                f.write(f"{i} \"{r['name']}\" {r['value']} {r['min']} {r['max']} \"{label}\"\n")
        gnuplot(head + f"set output '{file}'\nset title '{title}'\nset ylabel '{ylabel}'\nset yrange [0:*]\n"
                f"plot '{dat}' using 1:3:xtic(2) with boxes, '' using 1:3:4:5 with yerrorbars lc rgb 'black', "
                f"'' using 1:3:6 with labels offset 0,1\n", out_dir)
        made.append(file)

    bars("interrupt_path.png", "Interrupt path, instructions (-icount); label = ratio to its floor", "instructions",
         [n for n in by if by[n]["group"] == "interrupt path"])
    bars("primitives.png", "Synchronization primitives and threads, instructions; label = ratio to baseline",
         "instructions", [n for n in by if by[n]["group"] in ("primitives", "threads") and by[n]["unit"] ==
                          "instructions"])
    chain = [by[f"chain_{n}"] for n in (1, 2, 4, 8) if f"chain_{n}" in by]
    if chain:
        with open(os.path.join(out_dir, "shared_chain.dat"), "w") as f:
            for r in chain:
                f.write(f"{r['name'].split('_')[1]} {r['value']}\n")
        gnuplot(head.replace("set xtics rotate by -30\n", "") +
                "set output 'shared_chain.png'\nset title 'Shared LINE_BASED chain: cost per interrupt by sharers'"
                "\nset xlabel 'ISRs on the chain'\nset ylabel 'instructions'\nset yrange [0:*]\n"
                "plot 'shared_chain.dat' using 1:2 with linespoints pt 7\n", out_dir)
        made.append("shared_chain.png")
    bars("boot.png", "Boot, QEMU start -> prompt (median, min..max)", "seconds",
         [n for n in by if n.startswith("boot_")])
    bars("edu_msi.png", "edu MSI interrupts/s, plain TCG (median, min..max)", "interrupts/s",
         [n for n in by if n.startswith("edu_msi")])
    bars("net_pps.png", "UDP echo packets/s per interrupt mode and ITR (median, min..max)", "packets/s",
         [n for n in by if n.startswith("net_pps")])
    bars("net_rtt.png", "UDP echo median RTT per interrupt mode and ITR (median, min..max)", "microseconds",
         [n for n in by if n.startswith("net_rtt")])
    return made


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--short", action="store_true", help="the bench suite and one boot: a quick check")
    ap.add_argument("--runs", type=int, default=3, help="repetitions of each wall-clock figure")
    ap.add_argument("--out", default=None, help="output directory (default <build>/bench)")
    ap.add_argument("--build", default=os.environ.get("IRQLAB_BUILD", os.path.join(ROOT, "build")))
    ap.add_argument("--no-net", action="store_true", help="leave out the e1000/e1000e figures")
    args = ap.parse_args()
    os.environ["IRQLAB_BUILD"] = os.path.abspath(args.build)
    out = os.path.abspath(args.out or os.path.join(args.build, "bench"))
    logs = os.path.join(out, "logs")
    os.makedirs(logs, exist_ok=True)
    elf = irqlab_qemu.ktest_elf()
    started = time.monotonic()

    raw = icount_run(elf, "bench" if args.short else "bench,bench_switch,bench_sched", logs=logs, name="icount-pc1")
    if not args.short:
        four = icount_run(elf, "bench.floor_stub,bench.dispatch_fully_specified,bench.ipi_self", machine="q35", smp=4,
                          logs=logs, name="icount-q35-4")
        raw["dispatch_fully_specified_4cpu"] = (four["dispatch_fully_specified"][0], "floor_4cpu")
        raw["ipi_self_4cpu"] = (four["ipi_self"][0], "floor_4cpu")
        raw["floor_4cpu"] = four["floor"]
        nohooks = icount_run(build_no_hooks(args.build), "bench.floor_stub,bench.dispatch_fully_specified",
                             logs=logs, name="icount-nohooks")
        raw["dispatch_no_hooks"] = (nohooks["dispatch_fully_specified"][0], "floor")
    baselines = {name: v for name, (v, _) in raw.items()}
    baselines["floor_4cpu"] = raw.get("floor_4cpu", (None,))[0]
    figures = [make_figure(n, raw[n][0], raw[n][1], baselines) for n in TITLES if n in raw]
    figures += [make_figure(n, v, b, baselines) for n, (v, b) in raw.items() if n not in TITLES and n != "floor_4cpu"]

    wall = {}
    wall["boot_kernel"] = boot_time("kernel", 1 if args.short else args.runs, logs)
    if not args.short:
        subprocess.run(["make", "--no-print-directory", f"BUILD={args.build}", f"{args.build}/irqlab.iso"], cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL)
        wall["boot_iso"] = boot_time("iso", args.runs, logs)
        for smp in (1, 4):
            wall.update(wallclock_ktest(elf, "bench_edu", smp, args.runs, logs))
    for name, values in wall.items():
        figures.append(make_figure(name, values, method="wallclock"))
    if not args.short and not args.no_net:
        for name, (values, title, unit) in net_figures(args.runs).items():
            figures.append(make_figure(name, values, method="wallclock", title=title, unit=unit, group="network"))

    made = plots(figures, out)
    result = {"schema": SCHEMA, "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "git": subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True,
                                    text=True).stdout.strip(),
              "short": args.short, "figures": figures, "plots": made}
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(result, f, indent=1)
    print(table(figures))
    print(f"\nbench: {len(figures)} figures, {len(made)} plots in {out} ({time.monotonic() - started:.0f} s); "
          f"ratio = value / baseline from the same run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
