#!/usr/bin/env python3
"""test_pnp_shell - `devices stop|start` and `irq` after a stop (issue 13 item 3): the vector is
freed and the device's interrupt hardware is quiet, as the hardware itself says.

q35 -smp 2 with an edu (MSI) at 03.0 and an e1000e (MSI-X, 5 entries) at 04.0, through COM1:
  * before: `irq` has the e1000e's MSI-X rows and edu's MSI row;
  * `devices stop` both: `irq` has no row of either any more, and its "stopped" lines read the
    hardware: MSI-X off with 5 of 5 table entries masked, MSI off, the INTx pins masked;
  * `devices start` both (the e1000e with `cpu=1`): their rows are back, owned by their drivers;
  * `poweroff`: the e1000e is told with IRP_MJ_SHUTDOWN (IoRegisterShutdownNotification) and NDIS
    calls MiniportShutdownEx;
  * with msi=off (edu on its INTx line): after the stop the line's row is gone and its IOAPIC pin
    is masked; after the start the row is back.
Judged on what is printed; every wait has a generous timeout.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import irqlab_qemu  # noqa: E402
from tap import Tap  # noqa: E402

TIMEOUT = 120
DEVICES = ["-nic", "none", "-device", "edu,addr=03.0", "-netdev", "user,id=n0", "-device", "e1000e,netdev=n0,addr=04.0"]


def session(cmdline):
    q = irqlab_qemu.Qemu(irqlab_qemu.kernel_elf(), machine="q35", smp=2, stdin=True, timeout=600, cmdline=cmdline,
                         extra=DEVICES)
    q.start()
    ready = q.expect(r"irqlab> ", timeout=TIMEOUT)

    def run(cmd):
        start = len(q.read())
        q.send(cmd + "\n")
        q.expect(r"irqlab> ", timeout=TIMEOUT)
        return q.read()[start:]
    return q, ready, run


def table(text):
    """The rows of the `irq` table (vector lines)."""
    return [line for line in text.splitlines() if re.match(r"^0x[0-9a-f]{2}\s", line)]


def main():
    t = Tap()
    q, ready, run = session("")
    with q:
        if not t.ok(ready, "q35 boots to the prompt", diag=q.read()[-2000:]):
            return t.finish()
        before = table(run("irq"))
        t.ok(sum("00:04.0 MSI-X" in r for r in before) == 5 and any("00:03.0 MSI" in r for r in before),
             "before: 5 MSI-X rows of the e1000e, edu's MSI row", diag="\n".join(before))
        stops = run("devices stop 00:04.0") + run("devices stop 00:03.0")
        t.ok("00:04.0: Stopped" in stops and "00:03.0: Stopped" in stops, "both stop", diag=stops)
        out = run("irq")
        rows = table(out)
        t.ok(not any("00:04.0" in r or "00:03.0" in r for r in rows), "after the stop: no vector of either",
             diag=out)
        t.ok(re.search(r"stopped 00:04.0 \(Stopped\): MSI-X off, 5 of 5 entries masked; MSI off; pin GSI \d+ masked",
                       out), "the e1000e: MSI-X off, every table entry masked, its pin masked", diag=out)
        t.ok(re.search(r"stopped 00:03.0 \(Stopped\): MSI off; pin GSI \d+ masked", out),
             "edu: MSI off, its pin masked", diag=out)
        starts = run("devices start 00:04.0 cpu=1") + run("devices start 00:03.0")
        t.ok(re.search(r"00:04.0: Started; MSI-X x5", starts) and "00:03.0: Started" in starts,
             "both start again (the e1000e aimed at CPU 1)", diag=starts)
        rows = table(run("irq"))
        t.ok(sum("00:04.0 MSI-X" in r and "e1000e 00:04.0" in r for r in rows) == 5 and
             any("00:03.0 MSI" in r and "edu 00:03.0" in r for r in rows),
             "after the start: the rows are back, owned by the drivers", diag="\n".join(rows))
        before = len(q.read())
        q.send("poweroff\n")
        status = q.wait(30)
        said = q.read()[before:]
        t.ok(status == 33, "poweroff after the stop/start (exit status 33)")
        # NDIS registered the adapter with IoRegisterShutdownNotification: IRP_MJ_SHUTDOWN becomes
        # MiniportShutdownEx, and the adapter is not halted as a stopped device would be.
        t.ok("ndis: e1000e 00:04.0: MiniportShutdownEx (power off)" in said, "poweroff: the NIC gets MiniportShutdownEx",
             diag=said)

    q, ready, run = session("msi=off")
    with q:
        if not t.ok(ready, "q35 msi=off boots to the prompt", diag=q.read()[-2000:]):
            return t.finish()
        m = re.search(r"^(0x[0-9a-f]{2})\s+\d+ GSI (\d+) level/low.*edu 00:03.0", run("irq"), re.M)
        if not t.ok(m, "msi=off: edu is on a level GSI"):
            return t.finish()
        gsi = m.group(2)
        run("devices stop 00:03.0")
        out = run("irq")
        t.ok(not any(f"GSI {gsi} " in r for r in table(out)) and
             re.search(rf"stopped 00:03.0 \(Stopped\): MSI off; pin GSI {gsi} masked", out),
             f"after the stop: no row for GSI {gsi}, its IOAPIC pin masked", diag=out)
        run("devices start 00:03.0")
        out = run("irq")
        t.ok(any(f"GSI {gsi} " in r and "edu 00:03.0" in r for r in table(out)), "after the start: the line is back",
             diag=out)
        q.send("poweroff\n")
        t.ok(q.wait(30) == 33, "poweroff (exit status 33)")
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
