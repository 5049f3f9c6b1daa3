#!/usr/bin/env python3
"""test_bugcheck_irp - pending IRPs cancelled against the WDK's rules stop with Windows' codes.

Boots build/ktest.elf with `ktest=irp_crash.<case>` (tests/ktest/irp_crash_test.c) and reads the
stop screen with tests/e2e/test_bugcheck.py's checks:

    complete_with_cancel_routine_set  0x48 CANCEL_STATE_IN_COMPLETED_IRP: P2 = the cancel routine
    cancel_routine_keeps_the_lock     0x11B DRIVER_RETURNED_HOLDING_CANCEL_LOCK: P2 = the routine
    cancel_completed_irp              0x48 CANCEL_STATE_IN_COMPLETED_IRP: P2 = the cancel routine (IoCancelIrp)
    cancel_above_dispatch_level       0xA IRQL_NOT_LESS_OR_EQUAL: P1 = IoCancelIrp, P2 = 3, P3 = 2
  with verifier=io (Driver Verifier's I/O verification), 0xC9 DRIVER_VERIFIER_IOMANAGER_VIOLATION:
    verified_complete_with_cancel_routine_set   P1 = 7, P2 = the cancel routine
    verified_complete_with_pending_status       P1 = 6, P2 = STATUS_PENDING (0x103)

    python3 tests/e2e/test_bugcheck_irp.py            # pc and q35, -smp 1 and 2
    python3 tests/e2e/test_bugcheck_irp.py --quick    # pc, -smp 2
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from test_bugcheck import Case, run_suite_cases  # noqa: E402

CASES = [
    Case("complete_with_cancel_routine_set", 0x48, "CANCEL_STATE_IN_COMPLETED_IRP",
         {2: "sym:pend_cancel_routine", 3: 0, 4: 0}, suite="irp_crash", fn="complete_with_cancel_routine_set",
         explanation="completed with the routine still set", trace=("IofCompleteRequest", "ktest_main")),
    Case("cancel_routine_keeps_the_lock", 0x11B, "DRIVER_RETURNED_HOLDING_CANCEL_LOCK",
         {2: "sym:keep_the_lock", 3: 0, 4: 0}, suite="irp_crash", fn="cancel_routine_keeps_the_lock",
         explanation="still holding the cancel spin lock", trace=("IoCancelIrp", "ktest_main")),
    Case("cancel_completed_irp", 0x48, "CANCEL_STATE_IN_COMPLETED_IRP", {2: "sym:keep_the_lock", 3: 0, 4: 0},
         suite="irp_crash", fn="cancel_completed_irp", explanation="when no driver held it any more",
         trace=("IoCancelIrp", "ktest_main")),
    Case("cancel_above_dispatch_level", 0x0A, "IRQL_NOT_LESS_OR_EQUAL",
         {1: "sym:IoCancelIrp", 2: 3, 3: 2, 4: "rip"}, suite="irp_crash", fn="cancel_above_dispatch_level",
         explanation="IoCancelIrp"),
    Case("verified_complete_with_cancel_routine_set", 0xC9, "DRIVER_VERIFIER_IOMANAGER_VIOLATION",
         {1: 7, 2: "sym:pend_cancel_routine", 4: 0}, suite="irp_crash", fn="complete_with_cancel_routine_set",
         explanation="was completed while its cancel routine", trace=("IofCompleteRequest", "ktest_main"),
         cmdline="verifier=io"),
    Case("verified_complete_with_pending_status", 0xC9, "DRIVER_VERIFIER_IOMANAGER_VIOLATION",
         {1: 6, 2: 0x103, 4: 0}, suite="irp_crash", fn="verified_complete_with_pending_status",
         explanation="a pending status is not a result", trace=("IofCompleteRequest", "ktest_main"),
         cmdline="verifier=io"),
]


def main():
    return run_suite_cases(CASES, __doc__)


if __name__ == "__main__":
    sys.exit(main())
