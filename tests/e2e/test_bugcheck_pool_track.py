#!/usr/bin/env python3
"""test_bugcheck_pool_track - Driver Verifier's pool tracking (verifier=pool): a driver unloaded
with pool its code allocated still outstanding stops with Bug Check 0xC4
DRIVER_VERIFIER_DETECTED_VIOLATION, P1 = 0x62 (learn.microsoft.com "Pool Tracking", "Bug Check
0xC4"; kernel/mm/pool_track.c, kernel/io/pnp_driver.c).

Boots build/ktest.elf with one edu device and `ktest=pool_track_crash.unload_with_pool_leaked`
(tests/ktest/pool_track_test.c): the WDM test driver poolleaky gets the edu device, allocates a
200-byte block tagged 'Leak' at START, keeps it at REMOVE and is unloaded. P2 = the driver's
name, P3 = its DRIVER_OBJECT, P4 = 1 block; the screen names the driver, the tag, the bytes and
the call site. pool_track.a_clean_unload_is_quiet (an ordinary suite) is the same driver freeing
its block.

    python3 tests/e2e/test_bugcheck_pool_track.py            # pc and q35, -smp 1 and 2
    python3 tests/e2e/test_bugcheck_pool_track.py --quick    # pc, -smp 2
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from test_bugcheck import Case, run_suite_cases  # noqa: E402

EDU = ("-nic", "none", "-device", "edu")
CASES = [
    Case("unload_with_pool_leaked", 0xC4, "DRIVER_VERIFIER_DETECTED_VIOLATION", {1: 0x62, 4: 1},
         suite="pool_track_crash", fn="unload_with_pool_leaked", fn_in_trace=False, trace=("io_driver_unload",),
         extra=EDU,
         explanation="driver poolleaky was unloaded with 1 pool allocations (200 bytes) not freed; the oldest: "
                     "200 bytes, tag 'Leak', allocated by PoolLeakyPnp+"),
]


def main():
    return run_suite_cases(CASES, __doc__)


if __name__ == "__main__":
    sys.exit(main())
