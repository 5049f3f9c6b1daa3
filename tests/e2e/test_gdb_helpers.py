#!/usr/bin/env python3
"""test_gdb_helpers - the gdb helper commands of scripts/gdb/irqlab_gdb.py read the right state.

Two sessions, each QEMU paused (TCG, -smp 2, an edu device, a gdb stub on a free port) with
`gdb -batch` started exactly as `make gdb` starts it (irqlab_qemu.gdb_argv: build/ktest.elf,
then scripts/irqlab.gdb, which sources the helpers):

  1. ktest=dpc.dpc_runs_after_its_isr: a test ISR (queueing_isr) on a freshly allocated vector,
     fired as a self-IPI, queues a DPC (record_dpc). Stopped in the ISR: `bt` shows the path of
     docs/gdb.md's walk-through (vector stub -> trap_dispatch -> ke_dispatch_interrupt ->
     ke_walk_chain -> invoke_isr -> ISR), `irql` two CPUs with CPU 0 at the vector's IRQL inside
     the dispatcher, `interrupts` the clock (0xd1), IPI (0xe1), edu MSI and test vectors,
     `kinterrupt` the test object / the clock object / a vector's chain, `pcidev` the edu device,
     `bugcheck` none. After `finish`, `dpcs` shows the queued KDPC; at `break ke_drain_dpcs` the
     DPC is about to run from the dispatcher; in record_dpc `irql` says DISPATCH_LEVEL, in a DPC.
     Bad arguments print one line, never a Python traceback.
  2. ktest=crash.bugcheck_call: `bugcheck` says none at the start and shows 0x000000E2
     MANUALLY_INITIATED_CRASH with parameters 1 2 3 4 once the stop screen reaches ke_exit.

Every line the helpers print must fit in 80 columns. Only facts later edits keep true are
checked (no line numbers, no addresses, no vector numbers the allocator may change).

    python3 tests/e2e/test_gdb_helpers.py
    IRQLAB_BUILD=build-gdb python3 tests/e2e/test_gdb_helpers.py
"""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_qemu import Qemu, free_port, gdb_argv, ktest_elf  # noqa: E402
from tap import Tap  # noqa: E402

DEVICES = ["-nic", "none", "-device", "edu,addr=03.0"]
SMP = 2
GDB_TIMEOUT = 150
QEMU_TIMEOUT = 200

# Markers (@@name) split gdb's output into one section per step; sections whose name starts with
# "h_" hold only helper output (checked for 80 columns).
ISR_SCRIPT = r"""
break queueing_isr
continue
echo @@bt\n
bt
echo @@h_irql\n
irql
echo @@h_interrupts\n
interrupts
echo @@h_kinterrupt\n
kinterrupt interrupt
echo @@h_kinterrupt_clock\n
kinterrupt &clock_interrupts[1]
echo @@h_kinterrupt_vector\n
kinterrupt 0xe1
echo @@h_pcidev\n
pcidev
echo @@h_bugcheck\n
bugcheck
echo @@h_errors\n
kinterrupt
kinterrupt no_such_symbol_here
interrupts 0x300
echo @@finish\n
finish
echo @@h_dpcs\n
dpcs
echo @@drain_break\n
break ke_drain_dpcs
continue
echo @@drain\n
bt
echo @@h_drain_dpcs\n
dpcs
echo @@dpc_break\n
break record_dpc
continue
echo @@h_in_dpc_irql\n
irql
echo @@h_in_dpc_dpcs\n
dpcs
echo @@h_in_dpc_interrupts\n
interrupts
echo @@kill\n
kill
"""

CRASH_SCRIPT = r"""
echo @@h_before\n
bugcheck
echo @@break\n
hbreak ke_exit
continue
echo @@h_after\n
bugcheck
echo @@h_crash_irql\n
irql
echo @@kill\n
kill
"""


def sections(output):
    parts, name = {}, "start"
    for line in output.splitlines():
        m = re.match(r"^@@(\w+)$", line.strip())
        if m:
            name = m.group(1)
            continue
        parts.setdefault(name, []).append(line)
    return {k: "\n".join(v) for k, v in parts.items()}


def run_session(cmdline, script_text):
    """Boot build/ktest.elf paused, run `script_text` in gdb -batch; (output, argv, qemu status)."""
    port = free_port()
    with tempfile.NamedTemporaryFile("w", suffix=".gdb", delete=False) as f:
        f.write(script_text)
        script = f.name
    argv = gdb_argv(ktest_elf(), port, batch=True, scripts=[script])
    try:
        with Qemu(ktest_elf(), smp=SMP, cmdline=cmdline, timeout=QEMU_TIMEOUT,
                  extra=["-S", "-gdb", f"tcp:127.0.0.1:{port}"] + DEVICES) as q:
            try:
                g = subprocess.run(argv, capture_output=True, text=True, timeout=GDB_TIMEOUT,
                                   stdin=subprocess.DEVNULL)
                out = g.stdout + g.stderr
            except subprocess.TimeoutExpired as e:
                out = f"gdb timed out after {GDB_TIMEOUT} s\n{_text(e.stdout)}{_text(e.stderr)}"
            status = q.wait(20)
            serial = q.read()
    finally:
        os.unlink(script)
    return out, argv, status, serial


def _text(b):
    if b is None:
        return ""
    return b.decode(errors="replace") if isinstance(b, bytes) else b


def row(text, pattern):
    """The first line of `text` matching regex `pattern` (anchored at the line start), or ""."""
    m = re.search(r"^" + pattern + r".*$", text, re.M)
    return m.group(0) if m else ""


def check_width(t, s, diag):
    long_lines = [(name, line) for name, body in s.items() if name.startswith("h_")
                  for line in body.splitlines() if len(line) > 80]
    t.ok(not long_lines, "every helper line fits in 80 columns",
         diag="\n".join(f"{n}: {len(l)}: {l}" for n, l in long_lines) or diag)


def isr_session(t):
    out, argv, status, serial = run_session("ktest=dpc.dpc_runs_after_its_isr", ISR_SCRIPT)
    s = sections(out)
    diag = f"{' '.join(argv)}\n{out[-4000:]}"

    t.ok("Traceback" not in out and "Python Exception" not in out, "no Python traceback anywhere", diag=diag)
    bt = s.get("bt", "")
    frames = re.findall(r"^#\d+\s+(?:0x[0-9a-f]+ in )?(\w+)", bt, re.M)
    path = ["queueing_isr", "invoke_isr", "ke_walk_chain", "ke_dispatch_interrupt", "trap_dispatch"]
    t.ok(frames[:5] == path and re.search(r"vectors\.asm", bt),
         "bt in the ISR: vector stub -> trap_dispatch -> ke_dispatch_interrupt -> ke_walk_chain -> invoke_isr -> ISR",
         diag=bt or diag)

    # The test vector: allocated at run time, so read it from `kinterrupt interrupt`.
    kint = s.get("h_kinterrupt", "")
    m = re.search(r"^\s+Vector\s+0x([0-9a-f]+)$", kint, re.M)
    vector = int(m.group(1), 16) if m else None
    t.ok(vector is not None and 0x30 <= vector <= 0xBF and re.search(r"ServiceRoutine\s+0x[0-9a-f]+ queueing_isr", kint)
         and "owner ktest" in kint and re.search(r"Connected\s+yes", kint)
         and re.search(rf"Irql\s+{vector >> 4 if vector else -1} DIRQL", kint)
         and re.search(r"^\s+0\s+0\s+0$", kint, re.M) and re.search(r"^\s+1\s+0\s+0$", kint, re.M),
         "kinterrupt interrupt: queueing_isr, owner ktest, connected, DIRQL = vector >> 4, per-CPU counts",
         diag=kint or diag)
    irql = vector >> 4 if vector else -1

    ir = s.get("h_irql", "")
    cpu0, cpu1 = row(ir, r"\s+0\s+0\s+1\*"), row(ir, r"\s+1\s+1\s+2\s")
    t.ok(cpu0 and cpu1 and len(re.findall(r"^\s+\d+\s+\d+\s+\d+", ir, re.M)) == SMP,
         "irql: one row per CPU (2), CPU 0 is gdb thread 1 (selected), CPU 1 thread 2", diag=ir or diag)
    t.ok(re.search(rf"\b{irql} DIRQL\s+1\s+no\s+queueing_isr", cpu0),
         "irql: CPU 0 is at the vector's IRQL (its CR8), nesting 1, not in a DPC, in queueing_isr", diag=ir or diag)
    # CPU 1 idles at PASSIVE_LEVEL, unless a clock tick or an IPI is being handled there right now.
    t.ok(re.search(r"\s(0 PASSIVE_LEVEL|13 CLOCK_LEVEL|14 IPI_LEVEL)\s", cpu1),
         "irql: CPU 1 shows its own CR8 (not CPU 0's)", diag=ir or diag)

    it = s.get("h_interrupts", "")
    clock, ipi = row(it, r"0xd1\s+13\s+LAPIC timer\s+each"), row(it, r"0xe1\s+14\s+IPI\s+each")
    t.ok(clock and "kernel:clock" in clock and re.search(r"\s+on\s+", clock)
         and re.match(r"^vec\s+IRQL\s+source\s+to\s+CPU0\s+CPU1\s+uncl\.\s+state\s+owner", it),
         "interrupts: 0xd1 LAPIC timer at IRQL 13, owner kernel:clock, columns CPU0 CPU1", diag=it or diag)
    t.ok(ipi and "kernel:ipi" in ipi, "interrupts: 0xe1 IPI at IRQL 14, owner kernel:ipi", diag=it or diag)
    t.ok(re.search(r"^0x[3-9a-b][0-9a-f]\s+\d+\s+00:03\.0 MSI 0\s+cpu\d\s+.*\bedu\b", it, re.M),
         "interrupts: the edu device's MSI vector, its target CPU and owner edu", diag=it or diag)
    test_row = row(it, rf"0x{vector or 0:02x}\s+{irql}\s") if vector else ""
    t.ok(test_row and re.search(r"\bktest\b", test_row), "interrupts: the test vector, owner ktest", diag=it or diag)
    t.ok(row(it, r"0xff\s+15\s+LAPIC spurious") and "interrupt storms detected since boot: 0" in it,
         "interrupts: 0xff LAPIC spurious row and the storm/PIC footer", diag=it or diag)

    kc = s.get("h_kinterrupt_clock", "")
    t.ok(re.search(r"ServiceRoutine\s+0x[0-9a-f]+ clock_isr", kc) and re.search(r"Vector\s+0xd1", kc)
         and re.search(r"Irql\s+13 CLOCK_LEVEL", kc) and "owner kernel:clock" in kc and "(CPU 1)" in kc,
         "kinterrupt &clock_interrupts[1]: clock_isr, vector 0xd1, CLOCK_LEVEL, CPU 1's own object", diag=kc or diag)
    kv = s.get("h_kinterrupt_vector", "")
    t.ok(re.search(r"ServiceRoutine\s+0x[0-9a-f]+ ipi_isr", kv) and "owner kernel:ipi" in kv,
         "kinterrupt 0xe1: the vector's chain (ipi_isr)", diag=kv or diag)

    pci = s.get("h_pcidev", "")
    edu = row(pci, r"00:03\.0\s+1234:11e8")
    t.ok(edu and "edu" in edu and re.search(r"x1 on", edu) and re.search(r"vectors: 0x[0-9a-f]+ MSI cpu\d \(edu", pci)
         and row(pci, r"00:00\.0\s+8086:1237"),
         "pcidev: host bridge 8086:1237 and edu 1234:11e8 at 00:03.0 with MSI on and its vector", diag=pci or diag)

    t.ok(s.get("h_bugcheck", "").strip() == "no bugcheck has happened", "bugcheck: none yet",
         diag=s.get("h_bugcheck", diag))
    err = s.get("h_errors", "")
    t.ok(re.search(r"^kinterrupt: usage: kinterrupt EXPR", err, re.M)
         and re.search(r"^kinterrupt: cannot evaluate 'no_such_symbol_here'", err, re.M)
         and re.search(r"^interrupts: vector 0x300 is not in", err, re.M),
         "bad arguments give one line each", diag=err or diag)

    dp = s.get("h_dpcs", "")
    q0 = row(dp, r"\s+0\s+[1-9]\d*\s+\d+\s+\d+\s+\d+\s+no")
    t.ok(q0 and row(dp, r"\s+1\s+\d+") and re.search(r"^\s+1\. KDPC 0x[0-9a-f]+ record_dpc context 0x[0-9a-f]+ args "
                                                     r"0x[0-9a-f]+ 0x0 \[medium\]", dp, re.M),
         "dpcs after the ISR: CPU 0 has record_dpc queued (args: the KINTERRUPT, 0), CPU 1 line",
         diag=dp or diag)
    drain = s.get("drain", "")
    frames = re.findall(r"^#\d+\s+(?:0x[0-9a-f]+ in )?(\w+)", drain, re.M)
    t.ok(frames[:3] == ["ke_drain_dpcs", "ke_lower_from_dispatch", "ke_dispatch_interrupt"],
         "break ke_drain_dpcs: called from the dispatcher's IRQL drop (ke_lower_from_dispatch)", diag=drain or diag)
    t.ok("record_dpc" in s.get("h_drain_dpcs", ""), "dpcs at ke_drain_dpcs: record_dpc still queued",
         diag=s.get("h_drain_dpcs", diag))
    ir2 = s.get("h_in_dpc_irql", "")
    t.ok(re.search(r"^\s+0\s+0\s+1\*\s+2 DISPATCH_LEVEL\s+0\s+yes\s+record_dpc", ir2, re.M),
         "irql in record_dpc: CPU 0 at DISPATCH_LEVEL, nesting 0, in a DPC", diag=ir2 or diag)
    in_dpc = s.get("h_in_dpc_dpcs", "")
    t.ok(row(in_dpc, r"\s+0\s+\d+\s+\d+\s+[1-9]\d*\s+\d+\s+yes") and "record_dpc" not in in_dpc,
         "dpcs in record_dpc: CPU 0 running a DPC, record_dpc no longer queued", diag=in_dpc or diag)
    it2 = s.get("h_in_dpc_interrupts", "")
    t.ok(vector and re.search(rf"^0x{vector:02x}\s+{irql}\s+.*\s+1\s+0\s+0\s+on\s+ktest", it2, re.M),
         "interrupts after the ISR: the test vector taken once on CPU 0, none unclaimed", diag=it2 or diag)
    check_width(t, s, diag)
    t.ok(status is not None and "ktest-start dpc.dpc_runs_after_its_isr" in serial,
         "QEMU ran the test case and ended with kill", diag=f"status {status}\n{serial[-1500:]}")


def crash_session(t):
    out, argv, status, serial = run_session("ktest=crash.bugcheck_call", CRASH_SCRIPT)
    s = sections(out)
    diag = f"{' '.join(argv)}\n{out[-3000:]}"
    t.ok("Traceback" not in out and "Python Exception" not in out, "crash: no Python traceback", diag=diag)
    t.ok(s.get("h_before", "").strip() == "no bugcheck has happened", "crash: bugcheck says none before the crash",
         diag=s.get("h_before", diag))
    after = s.get("h_after", "")
    params = re.findall(r"^\s+P(\d) = 0x([0-9A-F]{16})", after, re.M)
    t.ok(re.search(r"^STOP 0x000000E2 MANUALLY_INITIATED_CRASH$", after, re.M)
         and [(int(n), int(v, 16)) for n, v in params] == [(1, 1), (2, 2), (3, 3), (4, 4)],
         "crash: bugcheck shows 0x000000E2 MANUALLY_INITIATED_CRASH with parameters 1 2 3 4", diag=after or diag)
    t.ok(re.search(r"on CPU 0, IRQL 0 PASSIVE_LEVEL, RIP 0x[0-9a-f]+ crash_bugcheck_call\+0x", after),
         "crash: bugcheck names the CPU, the IRQL it happened at and the caller", diag=after or diag)
    ir = s.get("h_crash_irql", "")
    t.ok(re.search(r"^\s+0\s+0\s+1\*\s+15 HIGH_LEVEL", ir, re.M),
         "crash: irql shows the stopping CPU at HIGH_LEVEL (the stop screen raised CR8)", diag=ir or diag)
    check_width(t, s, diag)
    t.ok("*** STOP: 0x000000E2" in serial, "crash: the stop screen was printed", diag=serial[-1500:])


def main():
    t = Tap()
    if not os.path.exists(ktest_elf()):
        t.ok(False, f"{ktest_elf()} exists (make ktest)")
        return t.finish()
    isr_session(t)
    crash_session(t)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
