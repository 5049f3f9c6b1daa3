#!/usr/bin/env python3
"""test_hotplug - PCI Express native hot-plug on q35: QEMU's device_add / device_del drive irqlab's
hot-plug controller (kernel/bus/pci/pcie_hotplug*.c) and the PnP manager (docs/hotplug.md).

For -smp 1 and -smp 4 (and one GRUB ISO boot: the firmware numbers the buses the same way; and
msi=off, where the ports and the devices use INTx and each device shares its port's line):

  * the port created with hotplug=off is left alone, with a log line saying why;
  * `device_add e1000e,bus=rp1` -> the slot is powered, 01:00.0 enumerated, its PDO added, the
    e1000e driver started with MSI-X, and it echoes 100 UDP datagrams (all of them);
  * `device_del` -> attention button -> QUERY_REMOVE/REMOVE -> power off -> QEMU reports
    DEVICE_DELETED; the guest's `devices` no longer lists 01:00.0 and `irq` has no vector owned
    by it any more (they were owned while it was there);
  * the same with an edu device in rp2 (IoConnectInterruptEx / IoDisconnectInterruptEx);
  * `slots` counts one add and one removal per slot, no surprise removal, no command timeout.

Surprise removal (the card gone without the button): the in-guest suite `pciehp`
(tests/ktest/pciehp_test.c) pulls a cold-plugged edu from under the controller, -smp 2.

And the bad inputs: `slots` on pc says hot-plug is not available and why; `make run MACHINE=pc
HOTPLUG=1` refuses with the reason.

The attention button's 5-second abort window is shortened with pciehp_abort_ms=200 (a guest
timer); every verdict is an event, a log line or a counter, every wait a condition with a
generous timeout.

    tests/e2e/test_hotplug.py
"""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_hotplug import HotplugGuest, hotplug_argv  # noqa: E402
from irqlab_qemu import EXIT_SUCCESS, Qemu, kernel_elf, ktest_elf, run_qemu  # noqa: E402
from tap import Tap  # noqa: E402
from udp_echo_client import run_echo  # noqa: E402

CMDLINE = "pciehp_abort_ms=200"
REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def owned_vectors(irq_text, who):
    """Vectors in the `irq` table whose owner column names `who` (e.g. "e1000e 01:00.0")."""
    return ["0x" + row.split()[0] for row in ("\n" + irq_text).split("\n0x")[1:] if who in row]


def plug_cycle(t, g, name, driver, port, slot, label, ids, owner, echo, line=False):
    dev_id = f"{driver}{slot}"
    args = {"driver": driver, "bus": port, "id": dev_id}
    if driver == "e1000e":
        args["netdev"] = "hp1"
    g.qmp.command("device_add", **args)
    added = g.expect(rf"pciehp: slot {slot} \(\S+\): {re.escape(label)} {ids} added", timeout=120)
    t.ok(added, f"{name}: device_add {driver},bus={port}: slot powered, {label} {ids} added to the PnP manager",
         diag=g.qemu.read()[-2500:])
    if not added:
        return False
    devices = g.shell("devices") or ""
    irq = g.shell("irq") or ""
    vectors = owned_vectors(irq, owner)
    kind = "GSI" if line else "MSI-X" if driver == "e1000e" else "MSI"
    # msi=off: the function's INTA swizzles to its port's own INTx pin, so the two share the line
    rows = irq.split("\n0x")
    t.ok(re.search(rf"^{re.escape(label)}\s+{ids}\s+PCI\s+{driver}\s+started", devices, re.M | re.I) and vectors
         and all(kind in row for row in rows if owner in row)
         and (not line or any(owner in row and f"pcieport 00:{0x10 + slot - 1:02x}.0" in row for row in rows)),
         f"{name}: {driver} started, its {kind} vector(s) {vectors} owned by '{owner}'", diag=devices + irq)
    if echo:
        r = run_echo(g.echo_port, count=100, window=8, timeout=30)
        t.ok(r.sent == 100 and r.received == 100 and r.lost == 0 and r.corrupt == 0,
             f"{name}: the hot-plugged e1000e echoes 100 UDP datagrams", diag=str(r))
    g.qmp.command("device_del", id=dev_id)
    deleted = g.qmp.wait_event("DEVICE_DELETED", timeout=120, device=dev_id)
    off = g.expect(rf"pciehp: slot {slot} \(\S+\): power off", timeout=60)
    t.ok(deleted and off, f"{name}: device_del {dev_id}: attention button, removal, power off, QEMU DEVICE_DELETED",
         diag=f"event {deleted}\n" + g.qemu.read()[-2500:])
    devices = g.shell("devices")
    irq = g.shell("irq")
    t.ok(devices and irq and "vec" in irq and not re.search(rf"^{re.escape(label)}\s", devices, re.M)
         and not owned_vectors(irq, owner),
         f"{name}: {label} gone from `devices`, no vector owned by '{owner}' in `irq`", diag=f"{devices}\n{irq}")
    rescan = g.shell("devices rescan") or ""
    devices = g.shell("devices") or ""
    t.ok(not re.search(rf"^{re.escape(label)}\s", devices, re.M),
         f"{name}: `devices rescan` does not bring the removed card back", diag=f"{rescan}\n{devices}")
    return True


def run_config(t, tmp, smp, boot, extra_cmdline=""):
    name = f"q35 -smp {smp}" + (" (GRUB ISO)" if boot == "iso" else "") + (f" {extra_cmdline}" if extra_cmdline else "")
    line = "msi=off" in extra_cmdline
    kind = "line" if line else "message-signalled"
    with HotplugGuest(tmp, smp=smp, boot=boot, ports=2, no_hotplug_ports=1,
                      cmdline=f"{CMDLINE} {extra_cmdline}".strip()) as g:
        if not t.ok(g.boot(), f"{name}: boots to the prompt, QMP connected", diag=g.qemu.read()[-2500:]):
            return
        text = g.qemu.read()
        t.ok(re.search(r"pciehp: 00:12\.0: slot is not Hot-Plug Capable .*; no hot-plug controller on this port", text)
             and re.search(rf"pciehp: 00:10\.0 slot 1: hot-plug controller, {kind} interrupt, secondary bus 1", text)
             and re.search(rf"pciehp: 00:11\.0 slot 2: hot-plug controller, {kind} interrupt, secondary bus 2", text),
             f"{name}: ports rp1, rp2 get a controller ({'INTx' if line else 'MSI-X'}, buses 1 and 2); "
             "the hotplug=off port is ignored, logged",
             diag=text[-3000:])
        plug_cycle(t, g, name, "e1000e", "rp1", 1, "01:00.0", "8086:10d3", "e1000e 01:00.0", echo=True, line=line)
        plug_cycle(t, g, name, "edu", "rp2", 2, "02:00.0", "1234:11e8", "edu 02:00.0", echo=False, line=line)
        slots = g.shell("slots") or ""
        counters = re.findall(r"power_on=(\d+) power_off=\d+ added=(\d+) removed=(\d+) surprise=(\d+)", slots)
        t.ok(counters[:2] == [("1", "1", "1", "0")] * 2 and "command_timeouts" not in slots
             and re.search(r"^1\s+00:10\.0\s+1\s+off\s+off\s+no", slots, re.M),
             f"{name}: `slots`: one power-on, add and removal per slot, no surprise removal; slot 1 off and empty",
             diag=slots)
        t.ok("no Command Completed" not in g.qemu.read(), f"{name}: every Slot Control command completed",
             diag=g.qemu.read()[-2000:])


def surprise(t):
    r = run_qemu(ktest_elf(), machine="q35", smp=2, cmdline="ktest=pciehp.*", timeout=300,
                 extra=hotplug_argv(1) + ["-device", "edu,bus=rp1", "-nic", "none"])
    t.ok(r.status == EXIT_SUCCESS and re.search(r"^\s*ok 1 card_pulled_without_button\s*$", r.serial, re.M)
         and "surprise removal" in r.serial and "01:00.0 surprise-removed" in r.serial,
         "q35 -smp 2: an edu pulled without the button is surprise-removed, its PDO deleted (ktest pciehp)",
         diag=f"status {r.status}\n" + r.serial[-2500:])


def bad_input(t):
    q = Qemu(kernel_elf(), machine="pc", smp=1, stdin=True, timeout=180)
    with q:
        booted = q.expect(r"irqlab> ", timeout=150)
        q.send("slots\n")
        m = q.expect(r"PCIe native hot-plug is not available on this board \(pc/PIIX3\): it has no PCI Express", 60)
        t.ok(booted and m, "pc: `slots` says PCIe hot-plug is not available and why", diag=q.read()[-1500:])
    r = subprocess.run(["make", "--no-print-directory", "run", "MACHINE=pc", "HOTPLUG=1"], cwd=REPO,
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    t.ok(r.returncode != 0 and "HOTPLUG=1 needs MACHINE=q35" in r.stderr + r.stdout and "qemu-system" not in r.stdout,
         "make run MACHINE=pc HOTPLUG=1 refuses (no PCI Express on pc) without starting QEMU",
         diag=r.stdout[-1000:] + r.stderr[-1000:])


def main():
    t = Tap()
    with tempfile.TemporaryDirectory(prefix="irqlab-hp-") as tmp:
        for smp, boot, cmdline in ((1, "kernel", ""), (4, "kernel", ""), (1, "iso", ""), (2, "kernel", "msi=off")):
            try:
                run_config(t, tmp, smp, boot, cmdline)
            except Exception as exc:  # a broken host side fails the test instead of crashing it
                t.ok(False, f"q35 -smp {smp} {boot}: run", diag=repr(exc))
    surprise(t)
    bad_input(t)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
