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
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from test_bugcheck import Case, run_suite_cases  # noqa: E402

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
    return run_suite_cases(CASES, __doc__)


if __name__ == "__main__":
    sys.exit(main())
