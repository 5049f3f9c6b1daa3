#!/usr/bin/env python3
"""test_ndis_nbl_bugcheck - breaking the NDIS data path's ownership rules stops the machine.

Boots build/ktest.elf with `ktest=ndis_nbl_crash.<case>` (tests/ktest/ndis_nbl_crash_test.c: the
data-path test miniport on QEMU's e1000e breaks one rule) and checks that QEMU exits with status 35
and the stop screen carries BUGCODE_NDIS_DRIVER (0x7C) with the P1 docs/ndis.md promises:

  P1 0x1008  NdisMSendNetBufferListsComplete twice for one NBL (P3 the NBL, P4 its owner: 3)
  P1 0x1007  an NBL indicated again before NDIS returned it
  P1 0x100A  MiniportHaltEx returned holding a sent NBL (P3 = 1 NBL)
  P1 0x100B  NdisFreeNetBufferListPool with an NBL still allocated (P3 = 1)
  P1 0x100C  NdisMOidRequestComplete for a request NDIS is not waiting for
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
CASES = [  # case, stop code, {parameter: value}, words the console must show
    ("crash_send_completed_twice", 0x7C, {1: 0x1008, 4: 3}, "completed twice"),
    ("crash_indicated_twice", 0x7C, {1: 0x1007, 4: 0}, "indicated again before NDIS returned it"),
    ("crash_halt_with_send_pending", 0x7C, {1: 0x100A, 3: 1}, "MiniportHaltEx returned with sent"),
    ("crash_pool_freed_in_use", 0x7C, {1: 0x100B, 3: 1}, "NdisFreeNetBufferListPool with"),
    ("crash_oid_completed_unasked", 0x7C, {1: 0x100C, 4: 0}, "NdisMOidRequestComplete for a request that is not"),
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
            name = f"ndis_nbl_crash.{case} on {machine}"
            r = run_qemu(elf, machine=machine, cmdline=f"ktest=ndis_nbl_crash.{case}", extra=DEVICES, timeout=60)
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
