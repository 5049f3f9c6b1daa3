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
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from test_bugcheck import Case, run_suite_cases  # noqa: E402

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
    return run_suite_cases(CASES, __doc__)


if __name__ == "__main__":
    sys.exit(main())
