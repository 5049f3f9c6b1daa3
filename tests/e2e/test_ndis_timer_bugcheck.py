#!/usr/bin/env python3
"""test_ndis_timer_bugcheck - the NDIS timer-object mistakes that stop the machine (docs/ndis.md).

Boots build/ktest.elf with `ktest=ndis_timer_crash.<case>` (tests/ktest/ndis_timer_crash_test.c)
and checks the exit status (35) and the stop screen's code and parameters:

  set_after_free    BUGCODE_NDIS_DRIVER (0x7C), P1 0x1006, P3 = NdisSetTimerObject
  free_at_dispatch  IRQL_NOT_LESS_OR_EQUAL (0xA), P1 = NdisFreeTimerObject, P2 2, P3 0
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_qemu import EXIT_FAILURE, ktest_elf, run_qemu  # noqa: E402
from tap import Tap  # noqa: E402

STOP = re.compile(r"\*\*\* STOP: 0x([0-9A-F]{8}) \(0x([0-9A-F]{16}), 0x([0-9A-F]{16}), 0x([0-9A-F]{16}), 0x([0-9A-F]{16})\)")
CASES = [  # case, stop code, {parameter: value or "sym:<name>"}, words the console must show
    ("set_after_free", 0x7C, {1: 0x1006, 3: "sym:NdisSetTimerObject"}, "not a timer object"),
    ("free_at_dispatch", 0x0A, {1: "sym:NdisFreeTimerObject", 2: 2, 3: 0}, "IRQL_NOT_LESS_OR_EQUAL"),
]


def symbols(elf):
    out = subprocess.run(["nm", elf], capture_output=True, text=True).stdout
    return {name: int(addr, 16) for addr, _, name in (line.split()[:3] for line in out.splitlines()
                                                      if len(line.split()) >= 3)}


def main():
    t = Tap()
    elf = ktest_elf()
    syms = symbols(elf)
    for case, code, params, words in CASES:
        name = f"ndis_timer_crash.{case}"
        r = run_qemu(elf, machine="pc", cmdline=f"ktest={name}", extra=["-nic", "none"], timeout=60)
        stop = STOP.search(r.serial)
        diag = f"status {r.status}\nargv: {' '.join(r.argv)}\n--- serial (end):\n{r.serial[-1500:]}"
        if not t.ok(r.status == EXIT_FAILURE and stop, f"{name}: stops the machine (exit 35)", diag=diag):
            continue
        got = [int(x, 16) for x in stop.groups()]
        want = {k: syms.get(v[4:], -1) if isinstance(v, str) else v for k, v in params.items()}
        t.ok(got[0] == code and all(got[k] == v for k, v in want.items()),
             f"{name}: STOP 0x{code:02X} with " + ", ".join(f"P{k} 0x{v:X}" for k, v in sorted(want.items())),
             diag=stop.group(0))
        t.ok(words in r.serial, f"{name}: the console says why", diag=diag)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
