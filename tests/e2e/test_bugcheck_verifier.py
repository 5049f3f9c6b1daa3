#!/usr/bin/env python3
"""test_bugcheck_verifier - the verifier checks that stop (docs/verifier.md) give Windows' codes.

Boots build/ktest.elf with `ktest=verifier_crash.<case>` (tests/ktest/verifier_crash_test.c) and
the check switched on, and reads the stop screen with tests/e2e/test_bugcheck.py's checks:

    spinlock_released_out_of_order   verifier=spinlock: 0xC4 DRIVER_VERIFIER_DETECTED_VIOLATION,
                                     P1 = 0x31, P2 = 2 (the IRQL), P3 = 0 (asked for), P4 = the call site
    claimed_storm_without_watchdog   verifier=storm with the DPC watchdog off: 0xF2
                                     HARDWARE_INTERRUPT_STORM, P1 = the claiming ISR, P4 = 1 (not
                                     shared) - found by the claimed-storm check alone (before it,
                                     this case ran until the timeout)
    special_pool_overrun             verifier=special verifier_special_tag=VfOv: 0xD6
                                     DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION, P2 = 1 (write),
                                     P3 = the writing instruction; the screen names the 112-byte
                                     allocation, its tag and its allocator (before: the write went
                                     into the next heap block unnoticed)
    set_event_in_isr_context         verifier=irql: 0xA IRQL_NOT_LESS_OR_EQUAL, P1 = KeSetEvent,
                                     P2 = 5 (the IRQL), P3 = 2 (its maximum), P4 = the call site
    create_device_at_dispatch        verifier=irql: 0xA, P1 = IoCreateDevice, P2 = 2, P3 = 0

    python3 tests/e2e/test_bugcheck_verifier.py            # pc and q35, -smp 1 and 2
    python3 tests/e2e/test_bugcheck_verifier.py --quick    # pc, -smp 2
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from test_bugcheck import Case, run_suite_cases  # noqa: E402

EDU = ("-nic", "none", "-device", "edu,addr=03.0")

CASES = [
    Case("spinlock_released_out_of_order", 0xC4, "DRIVER_VERIFIER_DETECTED_VIOLATION", {1: 0x31, 2: 2, 3: 0, 4: "rip"},
         suite="verifier_crash", fn="verifier_release_out_of_order", cmdline="verifier=spinlock",
         explanation="Rule spinlock (verifier=spinlock): verifier_release_out_of_order+0x"),
    Case("claimed_storm_without_watchdog", 0xF2, "HARDWARE_INTERRUPT_STORM", {1: "sym:verifier_claiming_isr", 4: 1},
         suite="verifier_crash", fn="verifier_claiming_isr", fn_in_trace=False, trace=(),
         cmdline="verifier=storm dpc_watchdog=0 dpc_watchdog_period=0", extra=EDU,
         explanation="or one claimed it without quieting its device (first ISR verifier_claiming_isr+0x0"),
    Case("special_pool_overrun", 0xD6, "DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION", {2: 1, 3: "rip"},
         suite="verifier_crash", fn="verifier_overrun", cmdline="verifier=special verifier_special_tag=VfOv",
         explanation="wrote 0x"),
    Case("set_event_in_isr_context", 0x0A, "IRQL_NOT_LESS_OR_EQUAL", {1: "sym:KeSetEvent", 2: 5, 3: 2, 4: "rip"},
         suite="verifier_crash", fn="verifier_set_event_at_dirql", cmdline="verifier=irql",
         explanation="KeSetEvent at IRQL 5"),
    Case("create_device_at_dispatch", 0x0A, "IRQL_NOT_LESS_OR_EQUAL", {1: "sym:IoCreateDevice", 2: 2, 3: 0, 4: "rip"},
         suite="verifier_crash", fn="verifier_create_device_at_dispatch", cmdline="verifier=irql",
         explanation="IoCreateDevice at IRQL 2"),
]


def main():
    return run_suite_cases(CASES, __doc__)


if __name__ == "__main__":
    sys.exit(main())
