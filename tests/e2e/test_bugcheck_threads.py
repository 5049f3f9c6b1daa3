#!/usr/bin/env python3
"""test_bugcheck_threads - waits and mutexes used against the WDK's rules stop with Windows' codes.

Boots build/ktest.elf with `ktest=thread_crash.<case>` (tests/ktest/thread_crash_test.c) and
reads the stop screen with tests/e2e/test_bugcheck.py's checks:

    wait_at_dispatch_level   0xA IRQL_NOT_LESS_OR_EQUAL: P1 = KeWaitForSingleObject, P2 = 2, P3 = 1
    wait_in_dpc              0xB8 ATTEMPTED_SWITCH_FROM_DPC: P2 = 0, P4 = the DPC routine
    release_unowned_mutex    0x1E KMODE_EXCEPTION_NOT_HANDLED: P1 = STATUS_MUTANT_NOT_OWNED, P4 = 0
    too_many_wait_objects    0xC MAXIMUM_WAIT_OBJECTS_EXCEEDED: P1 = 4, P2 = 3, P3 = 0
    terminate_holding_mutex  0x4000008A THREAD_TERMINATE_HELD_MUTEX: P3 = P4 = 0, in the thread

    python3 tests/e2e/test_bugcheck_threads.py            # pc and q35, -smp 1 and 2
    python3 tests/e2e/test_bugcheck_threads.py --quick    # pc, -smp 2
"""
import argparse
import dataclasses
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_qemu import ktest_elf, run_qemu  # noqa: E402
from tap import Tap  # noqa: E402
from test_bugcheck import Case, check_stop_screen, symbols  # noqa: E402

CASES = [
    Case("wait_at_dispatch_level", 0x0A, "IRQL_NOT_LESS_OR_EQUAL",
         {1: "sym:KeWaitForSingleObject", 2: 2, 3: 1, 4: "rip"}, suite="thread_crash", fn="wait_at_dispatch_level",
         explanation="called KeWaitForSingleObject at IRQL 2 (DISPATCH_LEVEL); it may only be called at IRQL <= 1"),
    Case("wait_in_dpc", 0xB8, "ATTEMPTED_SWITCH_FROM_DPC", {2: 0, 4: "rip"}, suite="thread_crash",
         fn="crash_waiting_dpc", explanation="waited inside a DPC routine",
         trace=("ke_drain_dpcs", "wait_in_dpc", "ktest_main")),
    Case("release_unowned_mutex", 0x1E, "KMODE_EXCEPTION_NOT_HANDLED", {1: 0xC0000046, 2: "rip", 4: 0},
         suite="thread_crash", fn="release_unowned_mutex", explanation="which this thread does not own"),
    Case("too_many_wait_objects", 0x0C, "MAXIMUM_WAIT_OBJECTS_EXCEEDED", {1: 4, 2: 3, 3: 0, 4: "rip"},
         suite="thread_crash", fn="too_many_wait_objects", explanation="without a WaitBlockArray"),
    Case("terminate_holding_mutex", 0x4000008A, "THREAD_TERMINATE_HELD_MUTEX", {3: 0, 4: 0}, suite="thread_crash",
         fn="crash_keep_mutex_thread", explanation="ended while it owned the kernel mutex",
         trace=("PsTerminateSystemThread",)),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--elf", default=None, help="the test kernel (default: $IRQLAB_BUILD/ktest.elf or build/)")
    ap.add_argument("--quick", action="store_true", help="only -machine pc -smp 2")
    ap.add_argument("--timeout", type=int, default=60)
    args = ap.parse_args()

    elf = args.elf or ktest_elf()
    tap = Tap()
    if not os.path.exists(elf):
        tap.ok(False, f"{elf} exists", diag="build it first: make build/ktest.elf")
        return tap.finish()
    syms = symbols(elf)
    runs = [("pc", 2)] if args.quick else [("pc", 2), ("q35", 2), ("pc", 1)]
    for case in CASES:
        for machine, smp in runs:
            run_case = dataclasses.replace(case, smp=smp)
            r = run_qemu(elf, machine=machine, boot="kernel", cmdline=f"ktest={case.suite}.{case.name}",
                         timeout=args.timeout, smp=smp)
            problems = check_stop_screen(run_case, r, syms)
            diag = ""
            if problems:
                tail = "\n".join(r.serial.rstrip("\n").split("\n")[-45:])
                diag = "\n".join(problems) + "\n--- argv: " + " ".join(r.argv) + "\n--- serial (end):\n" + tail
            tap.ok(not problems, f"{case.suite}.{case.name} on {machine} -smp {smp}: 0x{case.code:02X} {case.stop_name}",
                   diag=diag)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
