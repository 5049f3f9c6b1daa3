#!/usr/bin/env python3
"""test_net_ndis_bugcheck - the miniport mistakes NDIS stops the machine for, and how it says so.

Boots build/ktest.elf with `ktest=ndis_crash.<case>` (tests/ktest/ndis_crash_test.c: a test
miniport on QEMU's e1000e that breaks one rule) and checks that QEMU exits with status 35 and
the stop screen carries the stop code and parameters docs/ndis.md promises:

  BUGCODE_NDIS_DRIVER (0x7C)  P1 0x08    MiniportHaltEx returned with its interrupt registered (Windows)
                              P1 0x01    NdisMAllocateSharedMemory above PASSIVE_LEVEL (Windows)
                              P1 0x1001  NdisMDeregisterInterruptEx outside MiniportInitializeEx/HaltEx
                              P1 0x1002  NdisMSynchronizeWithInterruptEx after NdisMDeregisterInterruptEx
  IRQL_NOT_LESS_OR_EQUAL (0xA) P1 = NdisMRegisterInterruptEx   called at DISPATCH_LEVEL
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_qemu import EXIT_FAILURE, ktest_elf, run_qemu  # noqa: E402
from tap import Tap  # noqa: E402

STOP = re.compile(r"\*\*\* STOP: 0x([0-9A-F]{8}) \(0x([0-9A-F]{16}), 0x([0-9A-F]{16}), 0x([0-9A-F]{16}), 0x([0-9A-F]{16})\)")
DEVICES = ["-netdev", "user,id=n0", "-device", "e1000e,addr=04.0,netdev=n0"]
CASES = [  # case, stop code, {parameter: value or "sym:<name>"}, words the console must show
    ("crash_halt_without_deregister", 0x7C, {1: 0x08, 4: 0}, "MiniportHaltEx returned with its interrupt"),
    ("crash_deregister_while_running", 0x7C, {1: 0x1001, 4: 2}, "NdisMDeregisterInterruptEx outside"),
    ("crash_synchronize_after_deregister", 0x7C, {1: 0x1002, 3: "sym:NdisMSynchronizeWithInterruptEx"},
     "NdisMSynchronizeWithInterruptEx with a handle that is not a registered interrupt"),
    ("crash_shared_memory_at_dispatch", 0x7C, {1: 0x01, 3: 0x1000, 4: 2}, "NdisMAllocateSharedMemory above"),
    ("crash_register_at_dispatch", 0x0A, {1: "sym:NdisMRegisterInterruptEx", 2: 2, 3: 0}, "IRQL_NOT_LESS_OR_EQUAL"),
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
        for machine in ("pc", "q35"):
            name = f"ndis_crash.{case} on {machine}"
            r = run_qemu(elf, machine=machine, cmdline=f"ktest=ndis_crash.{case}", extra=DEVICES, timeout=60)
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
