#!/usr/bin/env python3
"""test_bugcheck_wdk - the stop screens of the issue-12 IRQL rules (tests/ktest/wdk_crash_test.c).

Uses test_bugcheck.py's checker: exit status 35, one STOP line with the code and the
deterministic parameters, the name, the explanation, a backtrace naming the crash function.

    IRQLAB_BUILD=$PWD/build PYTHONPATH=scripts tests/e2e/test_bugcheck_wdk.py [--quick]
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_qemu import ktest_elf, run_qemu  # noqa: E402
from tap import Tap  # noqa: E402
from test_bugcheck import Case, check_stop_screen, failure_diag, symbols  # noqa: E402

CASES = [
    Case("io_request_dpc_at_dispatch", 0x09, "IRQL_NOT_GREATER_OR_EQUAL",
         {1: 2, 2: 3, 3: "data:crash_device", 4: "rip"}, suite="wdk_crash", fn="io_request_dpc_at_dispatch",
         trace=("ktest_main",)),
    Case("sync_above_synchronize_irql", 0x09, "IRQL_NOT_GREATER_OR_EQUAL", {1: 15, 4: "rip"},
         suite="wdk_crash", fn="sync_above_synchronize_irql"),
    Case("queued_lock_at_dpc_level_below", 0x09, "IRQL_NOT_GREATER_OR_EQUAL",
         {1: 0, 2: 2, 3: "data:crash_lock", 4: "rip"}, suite="wdk_crash", fn="queued_lock_at_dpc_level_below"),
    Case("queued_release_not_owned", 0x10, "SPIN_LOCK_NOT_OWNED", {1: 0, 2: 0, 3: "data:never_acquired", 4: "rip"},
         suite="wdk_crash", fn="queued_release_not_owned"),
]


def data_symbols(elf):
    """name -> address of every data/bss symbol (test_bugcheck's symbols() has functions only)."""
    out = subprocess.run(["nm", "--defined-only", elf], check=True, capture_output=True, text=True).stdout
    return {p[2]: int(p[0], 16) for p in (line.split() for line in out.splitlines())
            if len(p) == 3 and p[1] in "bBdD"}


def resolve_data(case, data):
    """Parameters written "data:<name>" become that variable's address."""
    for number, want in list(case.params.items()):
        if isinstance(want, str) and want.startswith("data:"):
            case.params[number] = data.get(want[5:], -1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="only -machine pc")
    ap.add_argument("--timeout", type=int, default=120)
    args = ap.parse_args()
    elf = ktest_elf()
    tap = Tap()
    if not os.path.exists(elf):
        tap.ok(False, f"{elf} exists", diag="build it first: make build/ktest.elf")
        return tap.finish()
    syms = symbols(elf)
    data = data_symbols(elf)
    for case in CASES:
        resolve_data(case, data)
    machines = ["pc"] if args.quick else ["pc", "q35"]
    for case in CASES:
        for machine in machines:
            r = run_qemu(elf, machine=machine, boot="kernel", cmdline=f"ktest={case.suite}.{case.name}",
                         timeout=args.timeout, smp=case.smp)
            problems = check_stop_screen(case, r, syms)
            diag = failure_diag(problems, r, 40)
            tap.ok(not problems, f"{case.suite}.{case.name} on {machine}: 0x{case.code:02X} {case.stop_name}",
                   diag=diag)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
