#!/usr/bin/env python3
"""test_bugcheck_passive - the interrupt spin lock of a passive-level ISR stops with Windows' code.

Boots build/ktest.elf with `ktest=passive_crash.<case>` (tests/ktest/passive_crash_test.c) and the
an edu and no NIC (the case connects a passive-level ISR to the edu's line), and reads the stop screen with
tests/e2e/test_bugcheck.py's checks:

    acquire_interrupt_spin_lock   0x13B PASSIVE_INTERRUPT_ERROR: P1 = 1, P3 = P4 = 0, P2 = the object
    release_interrupt_spin_lock   the same, from KeReleaseInterruptSpinLock

    python3 tests/e2e/test_bugcheck_passive.py            # pc and q35, -smp 1 and 2
    python3 tests/e2e/test_bugcheck_passive.py --quick    # pc, -smp 2
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from test_bugcheck import Case, run_suite_cases  # noqa: E402

# No NIC: on -machine pc the default e1000 shares the edu's GSI 11, and a passive-level ISR
# never shares its line (the connect would be refused with STATUS_INVALID_PARAMETER).
EDU = ("-nic", "none", "-device", "edu,addr=07.0")

CASES = [
    Case("acquire_interrupt_spin_lock", 0x13B, "PASSIVE_INTERRUPT_ERROR", {1: 1, 3: 0, 4: 0}, suite="passive_crash",
         fn="acquire_interrupt_spin_lock", explanation="whose ISR runs at PASSIVE_LEVEL: it has no spin lock",
         trace=("KeAcquireInterruptSpinLock", "ktest_main"), extra=EDU),
    Case("release_interrupt_spin_lock", 0x13B, "PASSIVE_INTERRUPT_ERROR", {1: 1, 3: 0, 4: 0}, suite="passive_crash",
         fn="release_interrupt_spin_lock", explanation="whose ISR runs at PASSIVE_LEVEL: it has no spin lock",
         trace=("KeReleaseInterruptSpinLock", "ktest_main"), extra=EDU),
]


def main():
    return run_suite_cases(CASES, __doc__)


if __name__ == "__main__":
    sys.exit(main())
