#!/usr/bin/env python3
"""test_parport - the parallel-port stack (drivers/parport, parprint, parwatch) seen from the host.

  * Printing: build/ktest.elf with `ktest=par_e2e` (tests/ktest/par_e2e_test.c) and QEMU's
    `-parallel file:PATH` prints a 4608-byte text holding every byte value through parprint, with
    parwatch sharing the port interrupt. PATH must then hold exactly that text, and the counts the
    guest reports must fit it: one acknowledge interrupt per byte (or the ACK-timeout poll for a
    byte whose interrupt was late), parwatch saw every port interrupt and claimed none.
    On pc and q35 with one CPU, and q35 with four.
  * The shell: build/kernel.elf, `lpt <text>` puts the text and a newline in PATH; `lpt status`
    shows the port free with its interrupt disconnected and the IOAPIC pin masked.
  * Requests at the wrong IRQL and IRP misuse stop the kernel with the documented stop code
    (tests/ktest/par_crash_test.c): CONNECT/DISCONNECT_INTERRUPT at DISPATCH_LEVEL and
    IoBuildDeviceIoControlRequest at DISPATCH_LEVEL are IRQL_NOT_LESS_OR_EQUAL naming the routine,
    IoCallDriver above DISPATCH_LEVEL the same with P3 = 2, completing an IRP twice is 0x44.

    python3 tests/e2e/test_parport.py [--quick]          (IRQLAB_BUILD=build-par for another build)
"""
import argparse
import os
import re
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
sys.path.insert(0, HERE)
from irqlab_qemu import EXIT_FAILURE, EXIT_SUCCESS, Qemu, kernel_elf, ktest_elf, run_qemu  # noqa: E402
from tap import Tap  # noqa: E402
from test_bugcheck import Case, backtrace_lines, check_stop_screen, symbols  # noqa: E402

PATTERN_BYTES = 4608  # PAR_TEST_PATTERN_BYTES in tests/ktest/par_helpers.h
COUNTS = re.compile(r"par_e2e bytes=(\d+) interrupts=(\d+) timeouts=(\d+) port_interrupts=(\d+) "
                    r"unclaimed=(\d+) seen=(\d+) claimed=(\d+)")
STOP = re.compile(r"^\*\*\* STOP: 0x([0-9A-F]{8}) \(0x([0-9A-F]{16}), 0x([0-9A-F]{16}), "
                  r"0x([0-9A-F]{16}), 0x([0-9A-F]{16})\)$", re.M)


def pattern(n=PATTERN_BYTES):
    """par_test_pattern(): byte i = (7 * i + i / 256) mod 256."""
    return bytes((7 * i + i // 256) & 0xFF for i in range(n))


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"first difference at byte {i}: got 0x{x:02x}, expected 0x{y:02x}"
    return f"lengths differ: got {len(a)} bytes, expected {len(b)}"


def print_test(t, machine, smp, tmp):
    name = f"{machine}/smp{smp}"
    path = os.path.join(tmp, f"lpt-{machine}-{smp}.bin")
    r = run_qemu(ktest_elf(), machine=machine, smp=smp, cmdline="ktest=par_e2e", timeout=120,
                 extra=["-parallel", f"file:{path}"])
    tail = "\n".join(r.serial.rstrip("\n").split("\n")[-30:])
    passed = r.status == EXIT_SUCCESS and re.search(r"# Totals: pass:1 fail:0", r.serial)
    t.ok(passed, f"{name}: par_e2e prints through parprint and passes in the guest",
         diag=f"status {r.status}\n{' '.join(r.argv)}\n{tail}")
    data = open(path, "rb").read() if os.path.exists(path) else b""
    want = pattern()
    t.ok(data == want, f"{name}: the host file holds the {len(want)}-byte text exactly (every byte value)",
         diag=first_difference(data, want))
    m = COUNTS.search(r.serial)
    if not t.ok(m, f"{name}: the guest reports its counts", diag=tail):
        return
    n, interrupts, timeouts, port, unclaimed, seen, claimed = (int(x) for x in m.groups())
    t.ok(n == len(want) and interrupts + timeouts == n,
         f"{name}: every byte acknowledged once: {interrupts} interrupts + {timeouts} timeout polls = {n}",
         diag=m.group(0))
    consistent = port == interrupts and unclaimed == 0 if timeouts == 0 else port >= interrupts
    t.ok(consistent, f"{name}: port interrupts ({port}) consistent with the bytes sent", diag=m.group(0))
    t.ok(seen == port and claimed == 0,
         f"{name}: parwatch saw all {port} port interrupts and claimed none (it did not own the port)",
         diag=m.group(0))
    if timeouts:
        t.diag(f"{name}: {timeouts} bytes needed the ACK-timeout poll (a slow host)")


def shell_test(t, machine, tmp):
    path = os.path.join(tmp, f"lpt-shell-{machine}.bin")
    text = "Hello, LPT1 - irqlab"
    with Qemu(kernel_elf(), machine=machine, timeout=60, stdin=True, extra=["-parallel", f"file:{path}"]) as q:
        if not t.ok(q.expect(r"irqlab> "), f"{machine}: kernel.elf boots to the prompt", diag=q.read()[-1500:]):
            return
        q.send("help lpt\n")
        if not q.expect(r"lpt <text>", timeout=20):
            t.skip(f"{machine}: lpt <text> and lpt status", "the shell has no `lpt` command")
            return
        q.expect(r"irqlab> ")
        q.send(f"lpt {text}\n")
        sent = q.expect(r"lpt: (\d+) bytes sent \((\d+) ACK interrupts, (\d+) ACK timeouts\)", timeout=20)
        t.ok(sent and int(sent.group(1)) == len(text) + 1 and int(sent.group(2)) + int(sent.group(3)) == len(text) + 1,
             f"{machine}: `lpt {text}` sends {len(text) + 1} bytes, one acknowledge each",
             diag=q.read()[-1500:])
        q.expect(r"irqlab> ")
        q.send("lpt status\n")
        status = q.expect(r"(?s)ParallelPort0.*?owner\s+(.*?)\n.*?interrupt\s+(.*?)\n", timeout=20)
        t.ok(status and status.group(1).startswith("nobody") and "not connected" in status.group(2)
             and "pin masked" in status.group(2),
             f"{machine}: `lpt status`: port free, interrupt disconnected, IOAPIC pin masked",
             diag=q.read()[-1500:])
        q.expect(r"irqlab> ")
        q.send("poweroff\n")
        q.wait(20)
    data = open(path, "rb").read() if os.path.exists(path) else b""
    t.ok(data == (text + "\n").encode(), f"{machine}: the host file holds the text and a newline",
         diag=repr(data[:200]))


# ---- stop codes ------------------------------------------------------------------------------------
PASSIVE_ONLY = "it may only be called at PASSIVE_LEVEL"
CRASHES = [
    Case("par_connect_at_dispatch", 0x0A, "IRQL_NOT_LESS_OR_EQUAL",
         {1: "sym:ParportConnectInterrupt", 2: 2, 3: 0, 4: "rip"}, suite="par_crash", fn="par_connect_at_dispatch",
         explanation="called ParportConnectInterrupt at IRQL 2 (DISPATCH_LEVEL); " + PASSIVE_ONLY,
         trace=("ParportDispatchInternalDeviceControl", "IofCallDriver", "ktest_main")),
    Case("par_disconnect_at_dispatch", 0x0A, "IRQL_NOT_LESS_OR_EQUAL",
         {1: "sym:ParportDisconnectInterrupt", 2: 2, 3: 0, 4: "rip"}, suite="par_crash",
         fn="par_disconnect_at_dispatch",
         explanation="called ParportDisconnectInterrupt at IRQL 2 (DISPATCH_LEVEL); " + PASSIVE_ONLY),
    Case("par_build_at_dispatch", 0x0A, "IRQL_NOT_LESS_OR_EQUAL",
         {1: "sym:IoBuildDeviceIoControlRequest", 2: 2, 3: 0, 4: "rip"}, suite="par_crash",
         fn="par_build_at_dispatch",
         explanation="called IoBuildDeviceIoControlRequest at IRQL 2 (DISPATCH_LEVEL); " + PASSIVE_ONLY),
    # P3 = DISPATCH_LEVEL, the highest IRQL IoCallDriver allows (the explanation text is the
    # kernel's generic one for P1 = a routine; not checked here).
    Case("par_call_driver_at_dirql", 0x0A, "IRQL_NOT_LESS_OR_EQUAL", {1: "sym:IofCallDriver", 2: 5, 3: 2, 4: "rip"},
         suite="par_crash", fn="par_call_driver_at_dirql"),
]


def complete_twice_test(t, machine, syms):
    r = run_qemu(ktest_elf(), machine=machine, cmdline="ktest=par_crash.par_complete_twice", timeout=60)
    stops = STOP.findall(r.serial)
    problems = []
    if r.status != EXIT_FAILURE:
        problems.append(f"QEMU exit status {r.status}, expected {EXIT_FAILURE}")
    if len(stops) != 1:
        problems.append(f"{len(stops)} STOP lines, expected 1")
    else:
        code, p1 = int(stops[0][0], 16), int(stops[0][1], 16)
        if code != 0x44:
            problems.append(f"stop code 0x{code:X}, expected 0x44 MULTIPLE_IRP_COMPLETE_REQUESTS")
        if not p1:
            problems.append("P1 (the IRP) is 0")
    trace = "\n".join(backtrace_lines(r.serial))
    for fn in ("IofCompleteRequest", "CompleteTwice", "par_complete_twice"):
        if not re.search(r"\b" + fn + r"\+0x", trace):
            problems.append(f"the backtrace does not name {fn}")
    t.ok(not problems, f"par_crash.par_complete_twice on {machine}: 0x44 MULTIPLE_IRP_COMPLETE_REQUESTS, P1 = the IRP",
         diag="\n".join(problems) + "\n" + "\n".join(r.serial.rstrip("\n").split("\n")[-30:]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="pc only")
    args = ap.parse_args()
    t = Tap()
    for elf in (ktest_elf(), kernel_elf()):
        if not os.path.exists(elf):
            t.ok(False, f"{elf} exists", diag="build it first: make all")
            return t.finish()
    syms = symbols(ktest_elf())
    machines = ["pc"] if args.quick else ["pc", "q35"]
    with tempfile.TemporaryDirectory(prefix="irqlab-lpt-") as tmp:
        for machine in machines:
            print_test(t, machine, 1, tmp)
        if not args.quick:
            print_test(t, "q35", 4, tmp)
        for machine in machines:
            shell_test(t, machine, tmp)
    for case in CRASHES:
        for machine in machines if case.name == "par_connect_at_dispatch" else ["pc"]:
            r = run_qemu(ktest_elf(), machine=machine, cmdline=f"ktest={case.suite}.{case.name}", timeout=60)
            problems = check_stop_screen(case, r, syms)
            diag = ""
            if problems:
                tail = "\n".join(r.serial.rstrip("\n").split("\n")[-40:])
                diag = "\n".join(problems) + "\n--- argv: " + " ".join(r.argv) + "\n--- serial (end):\n" + tail
            t.ok(not problems, f"{case.suite}.{case.name} on {machine}: 0x{case.code:02X} {case.stop_name}", diag=diag)
    complete_twice_test(t, "pc", syms)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
