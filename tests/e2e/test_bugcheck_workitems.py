#!/usr/bin/env python3
"""test_bugcheck_workitems - work items used against the WDK's rules stop with Windows' codes.

Boots build/ktest.elf with `ktest=workitem_crash.<case>` (tests/ktest/workitem_crash_test.c) and
reads the stop screen with tests/e2e/test_bugcheck.py's checks (learn.microsoft.com "Bug Check
0xE1: WORKER_THREAD_RETURNED_AT_BAD_IRQL", "Bug Check 0xE4: WORKER_INVALID"):

    queue_above_dispatch     0xA: P1 = ExQueueWorkItem, P2 = 5 (the IRQL), P3 = 2 (the highest allowed)
    returned_at_bad_irql     0xE1: P1 = the routine, P2 = 2, P3 = its parameter (P4 = the item)
    io_returned_at_bad_irql  0xE1: P1 = the driver's IO_WORKITEM_ROUTINE, P2 = 2, P3 = its Context
    queue_twice              0xE4: P1 = 1 (an active item queued), P3 = 2 (HyperCriticalWorkQueue), P4 = 0
    free_queued              0xE4: P1 = 2 (a queued I/O item freed), P3 = its routine, P4 = 0
    invalid_object           0xE4: P1 = 3 (an I/O item initialized with an invalid object), P4 = 0

    python3 tests/e2e/test_bugcheck_workitems.py            # pc and q35, -smp 1 and 2
    python3 tests/e2e/test_bugcheck_workitems.py --quick    # pc, -smp 2
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from test_bugcheck import Case, run_suite_cases  # noqa: E402

SUITE = "workitem_crash"
CASES = [
    Case("queue_above_dispatch", 0x0A, "IRQL_NOT_LESS_OR_EQUAL", {1: "sym:ExQueueWorkItem", 2: 5, 3: 2, 4: "rip"},
         suite=SUITE, explanation="called ExQueueWorkItem at IRQL 5"),
    Case("returned_at_bad_irql", 0xE1, "WORKER_THREAD_RETURNED_AT_BAD_IRQL", {1: "fn", 2: 2, 3: 0x1234}, suite=SUITE,
         fn="crash_raise_and_return", fn_in_trace=False, trace=("worker_thread",),
         explanation="returned at IRQL 2 (DISPATCH_LEVEL)"),
    Case("io_returned_at_bad_irql", 0xE1, "WORKER_THREAD_RETURNED_AT_BAD_IRQL", {1: "fn", 2: 2, 3: 0x5678},
         suite=SUITE, fn="crash_io_raise_and_return", fn_in_trace=False, trace=("io_work_item_run", "worker_thread"),
         explanation="returned at IRQL 2 (DISPATCH_LEVEL)"),
    Case("queue_twice", 0xE4, "WORKER_INVALID", {1: 1, 3: 2, 4: 0}, suite=SUITE,
         explanation="was queued again (queue 2) while it was still queued"),
    Case("free_queued", 0xE4, "WORKER_INVALID", {1: 2, 3: "sym:io_nothing", 4: 0}, suite=SUITE,
         trace=("IoFreeWorkItem",), explanation="was freed while it was queued"),
    Case("invalid_object", 0xE4, "WORKER_INVALID", {1: 3, 4: 0}, suite=SUITE,
         trace=("IoInitializeWorkItem",), explanation="which is not a device or driver object"),
]


def main():
    return run_suite_cases(CASES, __doc__)


if __name__ == "__main__":
    sys.exit(main())
