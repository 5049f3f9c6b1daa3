#!/usr/bin/env python3
"""test_bugcheck_special_pool_free - use after free in special pool (verifier=special): a freed
block's page stays unmapped until its slot is reused, so reading it stops with Bug Check 0xD5
DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL when a driver's code reads it, 0xCC
PAGE_FAULT_IN_FREED_SPECIAL_POOL when the kernel's does (learn.microsoft.com "Bug Check 0xD5",
"Bug Check 0xCC"; P1 = the address, P2 = 0 read, P3 = the instruction, P4 = 0;
kernel/mm/pool_special.c).

Boots build/ktest.elf with `ktest=special_pool_free_crash.<case>`
(tests/ktest/special_pool_free_test.c): a 64-byte block under tag 'VfUf', freed, then read by the
test (kernel code: 0xCC) or by the test driver poolleaky's code (0xD5); the screen names the
reading function, the block, its tag, who allocated and who freed it.

    python3 tests/e2e/test_bugcheck_special_pool_free.py            # pc and q35, -smp 1 and 2
    python3 tests/e2e/test_bugcheck_special_pool_free.py --quick    # pc, -smp 2
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from test_bugcheck import Case, run_suite_cases  # noqa: E402

CASES = [
    Case("read_after_free", 0xCC, "PAGE_FAULT_IN_FREED_SPECIAL_POOL", {2: 0, 3: "rip", 4: 0},
         suite="special_pool_free_crash", fn="read_freed", trace=("read_after_free",),
         explanation="(tag 'VfUf', allocated by read_after_free+0x"),
    Case("driver_reads_after_free", 0xD5, "DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL", {2: 0, 4: 0},
         suite="special_pool_free_crash", fn="pool_leaky_read", trace=("driver_reads_after_free",),
         explanation="Special pool (verifier=special): pool_leaky_read+0x"),
]


def main():
    return run_suite_cases(CASES, __doc__)


if __name__ == "__main__":
    sys.exit(main())
