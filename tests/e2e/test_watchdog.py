#!/usr/bin/env python3
"""test_watchdog - a hung CPU stops the kernel with Windows' watchdog stop codes; poweroff never hangs.

Boots build/ktest.elf with `ktest=watchdog_crash.<case>` (tests/ktest/watchdog_crash_test.c) and
short limits on the kernel command line, and checks the stop screen like test_bugcheck.py does
(exit status 35, one STOP line with the parameters, the stop-code name, the sentence naming the
routine, the CPU, the backtrace):

  * 0x133 DPC_WATCHDOG_VIOLATION, P1 = 0: a DPC routine / an ISR that never returns
    (P2 = 51 ticks run, P3 = the limit, 50 ticks = dpc_watchdog=500; P4 = the triage block);
  * 0x133, P1 = 1: a CPU kept at DISPATCH_LEVEL, and an ISR that claims a level line its device
    keeps asserted (P2 = the period, 100 ticks = dpc_watchdog_period=1000);
  * 0xF2 HARDWARE_INTERRUPT_STORM for that claimed storm with verifier=storm, naming the ISR - found
    by the dispatcher's claimed-storm check (kernel/ke/storm.c) before the watchdog's period ends;
  * 0x101 CLOCK_WATCHDOG_TIMEOUT: a CPU spinning with interrupts off, found by the CPU before it
    (P1 = 100 ticks = clock_watchdog=1000, P3 = its KPRCB, P4 = its number; needs -smp 2);
  * `poweroff` while a DPC never returns (watchdogs off): it names what it waits for and exits 35.

Before the watchdogs every one of these hung until the timeout.

    python3 tests/e2e/test_watchdog.py
    python3 tests/e2e/test_watchdog.py --case stuck_dpc --quick
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from irqlab_qemu import EXIT_FAILURE, ktest_elf, run_qemu  # noqa: E402
from tap import Tap  # noqa: E402
from test_bugcheck import STOP_RE, Case, check_stop_screen, failure_diag, symbols  # noqa: E402

EDU = ("-nic", "none", "-device", "edu,addr=03.0")
CLOCK = ("ke_watchdog_clock_tick",)  # every watchdog stop comes from a clock interrupt


def watchdog_case(name, code, stop_name, params, explanation, *, smp=1, cpu=0, fn, cmdline, fn_in_trace=True,
                  extra=(), label=None, trace=CLOCK):
    c = Case(name, code, stop_name, params, explanation=explanation, smp=smp, cpu=cpu, fn=fn, trace=trace,
             fn_in_trace=fn_in_trace, suite="watchdog_crash", cmdline=cmdline, extra=extra)
    c.label = label or name
    return c


# (case, machines). P4 of 0x133/P1=0 and P3 of P1=1 (the triage block) and P3 of 0x101 (a KPRCB)
# are addresses: checked to be non-zero below.
CASES = [
    (watchdog_case("stuck_dpc", 0x133, "DPC_WATCHDOG_VIOLATION", {1: 0, 2: 51, 3: 50},
                   "The DPC routine watchdog_stuck_dpc+0x0 ran for 51 clock ticks", fn="watchdog_stuck_dpc",
                   cmdline="dpc_watchdog=500"), ("pc", "q35")),
    (watchdog_case("stuck_dpc_other_cpu", 0x133, "DPC_WATCHDOG_VIOLATION", {1: 0, 2: 51, 3: 50},
                   "The DPC routine watchdog_stuck_dpc+0x0 ran for 51 clock ticks (510 ms) on CPU 1", smp=2, cpu=1,
                   fn="watchdog_stuck_dpc", cmdline="dpc_watchdog=500"), ("pc",)),
    (watchdog_case("stuck_isr", 0x133, "DPC_WATCHDOG_VIOLATION", {1: 0, 2: 51, 3: 50},
                   "The ISR watchdog_stuck_isr+0x0 ran for 51 clock ticks", fn="watchdog_stuck_isr",
                   cmdline="dpc_watchdog=500"), ("pc", "q35")),
    (watchdog_case("spin_at_dispatch", 0x133, "DPC_WATCHDOG_VIOLATION", {1: 1, 2: 100, 4: 0},
                   "CPU 0 spent 100 clock ticks (1000 ms) at DISPATCH_LEVEL or above", fn="watchdog_spin_at_dispatch",
                   cmdline="dpc_watchdog_period=1000"), ("pc",)),
    (watchdog_case("claimed_storm", 0x133, "DPC_WATCHDOG_VIOLATION", {1: 1, 2: 100, 4: 0},
                   "ISR watchdog_claiming_isr+0x0: it claims them, but its device keeps interrupting",
                   fn="watchdog_claiming_isr", fn_in_trace=False, cmdline="dpc_watchdog_period=1000", extra=EDU),
     ("pc",)),
    (watchdog_case("claimed_storm", 0x133, "DPC_WATCHDOG_VIOLATION", {1: 1, 2: 100, 4: 0},
                   "CPU 1 spent 100 clock ticks", smp=2, cpu=1, fn="watchdog_claiming_isr", fn_in_trace=False,
                   cmdline="dpc_watchdog_period=1000", extra=EDU, label="claimed_storm on CPU 1"), ("pc", "q35")),
    (watchdog_case("claimed_storm", 0xF2, "HARDWARE_INTERRUPT_STORM", {1: "fn", 4: 1},
                   "or one claimed it without quieting its device (first ISR watchdog_claiming_isr+0x0", smp=2, cpu=1,
                   fn="watchdog_claiming_isr", fn_in_trace=False, cmdline="dpc_watchdog_period=1000 verifier=storm",
                   extra=EDU, label="claimed_storm with verifier=storm", trace=("ke_dispatch_interrupt",)), ("pc",)),
    (watchdog_case("cli_forever", 0x101, "CLOCK_WATCHDOG_TIMEOUT", {1: 100, 2: 0, 4: 1},
                   "CPU 1 took no clock interrupt for 100 ticks (1000 ms, clock_watchdog=)", smp=2, cpu=0,
                   fn="watchdog_cli_forever", fn_in_trace=False, cmdline="clock_watchdog=1000"), ("pc",)),
    (watchdog_case("cli_forever", 0x101, "CLOCK_WATCHDOG_TIMEOUT", {1: 100, 2: 0, 4: 3},
                   "An NMI found it at watchdog_cli_forever+0x", smp=4, cpu=2, fn="watchdog_cli_forever",
                   fn_in_trace=False, cmdline="clock_watchdog=1000", label="cli_forever on CPU 3 of 4"), ("q35",)),
]

POWEROFF_CMDLINE = "dpc_watchdog=0 dpc_watchdog_period=0 poweroff_timeout=2000"


def address_params(case):
    """Parameters that hold an address of irqlab's own data: must not be 0."""
    if case.code == 0x133:
        return (4,) if case.params.get(1) == 0 else (3,)
    if case.code == 0x101:
        return (3,)
    return ()


def check_poweroff(result):
    problems = []
    serial = result.serial
    if result.timed_out:
        problems.append("QEMU did not exit before the timeout: poweroff hung")
    elif result.status != EXIT_FAILURE:
        problems.append(f"QEMU exit status {result.status}, expected {EXIT_FAILURE} (not a clean shutdown)")
    for want in ("powering off: stopping devices", "powering off: gave up: still waiting for driver ",
                 "powering off:   CPU 1 has been running DPC routine watchdog_forever_dpc+0x0 for ",
                 "powering off: not a clean shutdown; QEMU exits with status 35."):
        if want not in serial:
            problems.append(f"no line {want!r}")
    if STOP_RE.search(serial):
        problems.append("a stop screen: the watchdogs were switched off, poweroff alone must end it")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--elf", default=None, help="the test kernel (default: $IRQLAB_BUILD/ktest.elf or build/)")
    ap.add_argument("--case", action="append", help="only this case (repeatable; `poweroff` for the shutdown)")
    ap.add_argument("--quick", action="store_true", help="only -machine pc")
    ap.add_argument("--timeout", type=int, default=60)
    args = ap.parse_args()

    elf = args.elf or ktest_elf()
    tap = Tap()
    if not os.path.exists(elf):
        tap.ok(False, f"{elf} exists", diag="build it first: make build/ktest.elf")
        return tap.finish()
    syms = symbols(elf)

    for case, machines in CASES:
        if args.case and case.name not in args.case:
            continue
        for machine in machines[:1] if args.quick else machines:
            cmdline = f"ktest={case.suite}.{case.name} {case.cmdline}"
            r = run_qemu(elf, machine=machine, cmdline=cmdline, timeout=args.timeout, smp=case.smp,
                         extra=list(case.extra))
            problems = check_stop_screen(case, r, syms)
            stops = STOP_RE.findall(r.serial)
            for number in address_params(case) if stops else ():
                if int(stops[0][number], 16) == 0:
                    problems.append(f"P{number} is 0, expected an address")
            name = f"{case.label} on {machine} -smp {case.smp}: 0x{case.code:X} {case.stop_name}"
            diag = failure_diag(problems, r, 40)
            tap.ok(not problems, name, diag=diag)

    if not args.case or "poweroff" in args.case:
        for machine in ("pc",) if args.quick else ("pc", "q35"):
            r = run_qemu(elf, machine=machine, smp=2, timeout=args.timeout,
                         cmdline=f"ktest=watchdog_crash.poweroff_stuck_dpc {POWEROFF_CMDLINE}")
            problems = check_poweroff(r)
            diag = failure_diag(problems, r, 30)
            tap.ok(not problems, f"poweroff with a DPC stuck on CPU 1 on {machine} -smp 2: names it, exits 35",
                   diag=diag)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
