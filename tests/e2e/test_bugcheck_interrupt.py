#!/usr/bin/env python3
"""test_bugcheck_interrupt - an interrupt object used after IoDisconnectInterruptEx gave it back.

Boots build/ktest.elf with `ktest=io_stale_crash.<case>` (tests/ktest/io_stale_crash_test.c) and
reads the stop screen, as tests/e2e/test_bugcheck.py does for its cases (same checks, same
helpers): 0xD5 DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL, P2 = 0 (a read), P3 = the caller (inside
the crash function), P4 = 0, an explanation naming the disconnected interrupt object, and a
backtrace through the kernel routine that noticed it.

    python3 tests/e2e/test_bugcheck_interrupt.py            # pc and q35, -smp 1 and 2
    python3 tests/e2e/test_bugcheck_interrupt.py --quick    # pc, -smp 2
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

EXPLANATION = "was disconnected"

CASES = [
    Case("synchronize_after_disconnect", 0xD5, "DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL", {2: 0, 3: "rip", 4: 0},
         suite="io_stale_crash", fn="synchronize_after_disconnect", explanation=EXPLANATION,
         trace=("KeSynchronizeExecution", "ktest_main")),
    Case("acquire_lock_after_disconnect", 0xD5, "DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL", {2: 0, 3: "rip", 4: 0},
         suite="io_stale_crash", fn="acquire_lock_after_disconnect", explanation=EXPLANATION,
         trace=("KeAcquireInterruptSpinLock", "ktest_main")),
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
