#!/usr/bin/env python3
"""test_hotplug_cycles - 50 hot unplug / replug cycles of an e1000e under traffic, while a second
NIC serves traffic the whole time (issue 13 item 5; docs/hotplug.md).

q35 -smp 2: an e1000 at 00:05.0 (net0, present from boot) and an e1000e plugged into root port rp1
and pulled again 50 times with QMP device_add / device_del. A host thread keeps UDP echo traffic
on the e1000 going for the whole run; each cycle sends 20 datagrams to the hot-plugged NIC while
it is in. Verdicts (counts and events only):

  * 50 DEVICE_DELETED events, 50 "added" and 50 "power off" lines from the guest, `slots` counts
    power_on=50 added=50 removed=50 and no surprise removal or aborted button press;
  * every cycle's 20 datagrams to the hot-plugged NIC come back;
  * the e1000 loses nothing: every datagram sent to it during the 50 cycles is echoed;
  * afterwards no vector is owned by 01:00.0, and `devices` has no 01:00.0.

    tests/e2e/test_hotplug_cycles.py
"""
import os
import re
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_hotplug import HotplugGuest  # noqa: E402
from irqlab_net import nic_setup  # noqa: E402
from tap import Tap  # noqa: E402
from udp_echo_client import run_echo  # noqa: E402

CYCLES = 50
CMDLINE = "pciehp_abort_ms=50"


class Background:
    """Echo traffic on one port until stopped; totals of every run."""

    def __init__(self, port):
        self.port = port
        self.stop = threading.Event()
        self.sent = self.received = self.lost = self.corrupt = self.runs = 0
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def loop(self):
        while not self.stop.is_set():
            r = run_echo(self.port, count=100, window=4, timeout=30, seed=self.runs + 1)
            self.runs += 1
            self.sent += r.sent
            self.received += r.received
            self.lost += r.lost
            self.corrupt += r.corrupt

    def __str__(self):
        return f"runs {self.runs}: sent {self.sent}, received {self.received}, lost {self.lost}, corrupt {self.corrupt}"


def main():
    t = Tap()
    net = nic_setup("e1000")
    with tempfile.TemporaryDirectory(prefix="irqlab-hpc-") as tmp, \
            HotplugGuest(tmp, smp=2, ports=1, cmdline=CMDLINE, extra=net.argv, timeout=1500) as g:
        if not t.ok(g.boot(), "q35 -smp 2: boots to the prompt, QMP connected", diag=g.qemu.read()[-2500:]):
            return t.finish()
        bg = Background(net.echo_ports[0])
        bg.thread.start()
        deleted = added = echoed = 0
        failures = []
        for n in range(CYCLES):
            g.qmp.command("device_add", driver="e1000e", bus="rp1", id="nic1", netdev="hp1")
            if not g.expect(r"pciehp: slot 1 \(00:10\.0\): 01:00\.0 8086:10d3 added", timeout=120):
                failures.append(f"cycle {n}: no 'added'")
                break
            added += 1
            r = run_echo(g.echo_port, count=20, window=4, timeout=30, seed=n + 1000)
            if r.received == 20 and r.lost == 0 and r.corrupt == 0:
                echoed += 1
            else:
                failures.append(f"cycle {n}: hot-plugged NIC echo {r}")
            g.qmp.command("device_del", id="nic1")
            if not g.qmp.wait_event("DEVICE_DELETED", timeout=120, device="nic1"):
                failures.append(f"cycle {n}: no DEVICE_DELETED")
                break
            if not g.expect(r"pciehp: slot 1 \(00:10\.0\): power off", timeout=60):
                failures.append(f"cycle {n}: no 'power off'")
                break
            deleted += 1
        bg.stop.set()
        bg.thread.join(120)
        t.ok(added == CYCLES and deleted == CYCLES and echoed == CYCLES,
             f"{CYCLES} cycles: device_add -> added and echoing 20/20, device_del -> power off + DEVICE_DELETED",
             diag=f"added {added}, echoed {echoed}, deleted {deleted}\n" + "\n".join(failures[:10]) + "\n"
             + g.qemu.read()[-2500:])
        t.ok(bg.sent > 0 and bg.received == bg.sent and bg.lost == 0 and bg.corrupt == 0,
             f"the e1000 at 00:05.0 lost nothing meanwhile ({bg.received} of {bg.sent} echoed)", diag=str(bg))
        slots = g.shell("slots") or ""
        m = re.search(r"button=(\d+).*\n.*power_on=(\d+) power_off=\d+ added=(\d+) removed=(\d+) surprise=(\d+) "
                      r"aborted=(\d+) vetoed=(\d+)", slots)
        t.ok(m and m.group(2) == m.group(3) == m.group(4) == str(CYCLES) and m.group(5) == m.group(6) == "0"
             and m.group(7) == "0",
             f"`slots`: power_on=added=removed={CYCLES}, no surprise removal, abort or veto", diag=slots)
        devices, irq = g.shell("devices") or "", g.shell("irq") or ""
        t.ok(devices and "vec" in irq and not re.search(r"^01:00\.0\s", devices, re.M) and "01:00.0" not in irq
             and re.search(r"^00:05\.0\s.*e1000\s+started", devices, re.M | re.I),
             "afterwards: no 01:00.0 in `devices`, no vector of it in `irq`; the e1000 still started",
             diag=devices + irq)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
