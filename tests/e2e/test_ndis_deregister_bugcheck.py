#!/usr/bin/env python3
"""test_ndis_deregister_bugcheck - NdisMDeregisterInterruptEx while the NIC still interrupts, with
verifier=ndis: the stop screen docs/ndis.md promises.

Boots build/ktest.elf -smp 4 with `ktest=ndis_crash.crash_deregister_while_interrupting`
(tests/ktest/ndis_crash_test.c: the test miniport's MiniportHaltEx deregisters without quieting
its e1000e while another CPU keeps it interrupting; a held DPC keeps the deregistration open
until the ISR has claimed one) and checks:

  BUGCODE_NDIS_DRIVER (0x7C)  P1 0x100E  P2 the adapter  P3 the interrupt  P4 claimed ISR calls (>= 1)

and that the console names the rule. Without verifier=ndis the same thing is a console line only
(tests/ktest/ndis_guarantee_test.c checks that).
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_qemu import EXIT_FAILURE, ktest_elf, run_qemu  # noqa: E402
from tap import Tap  # noqa: E402

STOP = re.compile(r"\*\*\* STOP: 0x([0-9A-F]{8}) \(0x([0-9A-F]{16}), 0x([0-9A-F]{16}), 0x([0-9A-F]{16}), 0x([0-9A-F]{16})\)")
DEVICES = ["-netdev", "user,id=n0", "-device", "e1000e,addr=04.0,netdev=n0"]
CASE = "ndis_crash.crash_deregister_while_interrupting"


def main():
    t = Tap()
    elf = ktest_elf()
    for machine in ("pc", "q35"):
        name = f"{CASE} on {machine} -smp 4"
        r = run_qemu(elf, machine=machine, smp=4, cmdline=f"ktest={CASE}", extra=DEVICES, timeout=120)
        stop = STOP.search(r.serial)
        diag = f"status {r.status}\nargv: {' '.join(r.argv)}\n--- serial (end):\n{r.serial[-1500:]}"
        if not t.ok(r.status == EXIT_FAILURE and stop, f"{name}: stops the machine (exit 35)", diag=diag):
            continue
        code, p1, p2, p3, p4 = (int(x, 16) for x in stop.groups())
        t.ok(code == 0x7C and p1 == 0x100E and p2 and p3 and p4 >= 1,
             f"{name}: STOP 0x7C with P1 0x100E, the adapter, the interrupt, P4 >= 1", diag=stop.group(0))
        t.ok("NdisMDeregisterInterruptEx while the NIC still interrupt" in r.serial, f"{name}: the console says why",
             diag=diag)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
