#!/usr/bin/env python3
"""test_bugcheck_sanitizer - the sanitizer build (make SANITIZE=1) stops on undefined behaviour
and on a stack buffer overrun, with a readable stop screen.

Boots $IRQLAB_BUILD/san/ktest.elf (make test builds it) with
`ktest=sanitizer_crash.<case>` (tests/ktest/sanitizer_crash_test.c) and reads the stop screen
with tests/e2e/test_bugcheck.py's checks, plus what only these stops have:

    array_index_out_of_bounds  0x1E: P1 = STATUS_ARRAY_BOUNDS_EXCEEDED, P4 = 4 (the index);
                               the "UBSAN: array index out of bounds in <file>:<line>" line
    signed_overflow            0x1E: P1 = STATUS_INTEGER_OVERFLOW, P4 = 0x7FFFFFFF (the operand)
    stack_smash                0xF7 DRIVER_OVERRAN_STACK_BUFFER: P1 a return address in the overrunning function,
                               P3 = ~P2 (the cookie's complement), P2's low byte 0, P4 = 0

    python3 tests/e2e/test_bugcheck_sanitizer.py            # pc -smp 2 and q35 -smp 1
    python3 tests/e2e/test_bugcheck_sanitizer.py --quick    # pc -smp 2
"""
import argparse
import dataclasses
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_qemu import build_dir, run_qemu  # noqa: E402
from tap import Tap  # noqa: E402
from test_bugcheck import STOP_RE, Case, check_stop_screen, failure_diag, ntstatus, symbols  # noqa: E402

SOURCE = "tests/ktest/sanitizer_crash_test.c"
CASES = [
    (Case("array_index_out_of_bounds", 0x1E, "KMODE_EXCEPTION_NOT_HANDLED", {1: ntstatus(0xC000008C), 2: "rip", 4: 4},
          suite="sanitizer_crash", fn="array_index_out_of_bounds",
          explanation=f"UndefinedBehaviorSanitizer: array index out of bounds at {SOURCE}:"),
     rf"^UBSAN: array index out of bounds in {re.escape(SOURCE)}:\d+:\d+: index 4 is out of range for type 'int \[4\]'"),
    (Case("signed_overflow", 0x1E, "KMODE_EXCEPTION_NOT_HANDLED", {1: ntstatus(0xC0000095), 2: "rip", 4: 0x7FFFFFFF},
          suite="sanitizer_crash", fn="signed_overflow",
          explanation=f"UndefinedBehaviorSanitizer: signed-integer-overflow at {SOURCE}:"),
     rf"^UBSAN: signed-integer-overflow in {re.escape(SOURCE)}:\d+:\d+: 2147483647 \+ 1 cannot be represented in type 'int'"),
    (Case("stack_smash", 0xF7, "DRIVER_OVERRAN_STACK_BUFFER", {4: 0}, suite="sanitizer_crash",
          fn="overrun_own_buffer", trace=("stack_smash", "ktest_main"),
          explanation="overrun_own_buffer+0x"),
     None),
]


def extra_problems(case, serial, ubsan_line, syms):
    problems = []
    if ubsan_line and not re.search(ubsan_line, serial, re.M):
        problems.append(f"no line matching {ubsan_line!r}")
    stops = STOP_RE.findall(serial)
    if case.code == 0xF7 and stops:
        p1, p2, p3 = int(stops[0][1], 16), int(stops[0][2], 16), int(stops[0][3], 16)
        lo, hi = syms.get(case.function, (None, None))
        # A return address: the call to __stack_chk_fail may be the function's last instruction.
        if lo is None or not lo < p1 <= hi:
            problems.append(f"P1 = 0x{p1:X} is not a return address inside {case.function}")
        if p3 != p2 ^ 0xFFFFFFFFFFFFFFFF:
            problems.append(f"P3 = 0x{p3:X} is not ~P2 (P2 = 0x{p2:X})")
        if p2 & 0xFF:
            problems.append(f"the cookie P2 = 0x{p2:X} has a nonzero low byte")
        if "wrote past the end of a buffer on its stack" not in " ".join(serial.split()):
            problems.append("the explanation does not say the buffer was overrun")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--elf", default=None, help="the sanitizer test kernel (default: $IRQLAB_BUILD/san/ktest.elf)")
    ap.add_argument("--quick", action="store_true", help="only -machine pc -smp 2")
    ap.add_argument("--timeout", type=int, default=60)
    args = ap.parse_args()
    elf = args.elf or os.path.join(build_dir(), "san", "ktest.elf")
    tap = Tap()
    if not os.path.exists(elf):
        tap.ok(False, f"{elf} exists", diag="build it first: make SANITIZE=1 ktest")
        return tap.finish()
    syms = symbols(elf)
    runs = [("pc", 2)] if args.quick else [("pc", 2), ("q35", 1)]
    for case, ubsan_line in CASES:
        for machine, smp in runs:
            run_case = dataclasses.replace(case, smp=smp)
            r = run_qemu(elf, machine=machine, boot="kernel", cmdline=f"ktest={case.suite}.{case.name}",
                         timeout=args.timeout, smp=smp)
            problems = check_stop_screen(run_case, r, syms) + extra_problems(case, r.serial, ubsan_line, syms)
            tap.ok(not problems, f"{case.suite}.{case.name} on {machine} -smp {smp}: 0x{case.code:02X} {case.stop_name}",
                   diag=failure_diag(problems, r))
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
