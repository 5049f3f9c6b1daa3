"""irqlab_hotplug - QEMU arguments and a QMP client for PCI Express native hot-plug on q35
(make run HOTPLUG=1, tests/e2e/test_hotplug*.py, docs/hotplug.md).

    from irqlab_hotplug import hotplug_argv, Qmp
    argv = hotplug_argv(ports=2)          # the board switch + pcie-root-port rp1, rp2
    qmp = Qmp(path)                        # -qmp unix:PATH,server=on,wait=off
    qmp.command("device_add", driver="e1000e", bus="rp1", id="nic1", netdev="h1")
    qmp.wait_event("DEVICE_DELETED", device="nic1")

Why the -global: q35's ACPI PCI hot-plug (QEMU 7.2 hw/acpi/pcihp.c) would otherwise own the root
ports' slots and signal through AML, which irqlab cannot run; with it off the ports use PCI
Express native hot-plug (hw/pci/pcie.c), which irqlab's controller drives (kernel/bus/pci/pcie_hotplug*.c).
Root ports sit at 00:10.0, 00:11.0, ... on pcie.0, slot numbers 1, 2, ... (the port's Physical Slot Number).
"""
import json
import os
import re
import socket
import time

BOARD_SWITCH = ["-global", "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off"]
FIRST_PORT_ADDR = 0x10


def port_argv(n, hotplug=True):
    """One pcie-root-port: id rp<n>, chassis and slot n, at 00:(0x10 + n - 1).0."""
    arg = f"pcie-root-port,id=rp{n},bus=pcie.0,chassis={n},slot={n},addr={FIRST_PORT_ADDR + n - 1:#x}"
    if not hotplug:
        arg += ",hotplug=off"
    return ["-device", arg]


def hotplug_argv(ports=2, no_hotplug_ports=0):
    """The board switch and `ports` hot-plug capable root ports (then `no_hotplug_ports` without)."""
    argv = list(BOARD_SWITCH)
    for n in range(1, ports + 1):
        argv += port_argv(n)
    for n in range(ports + 1, ports + no_hotplug_ports + 1):
        argv += port_argv(n, hotplug=False)
    return argv


class Qmp:
    """A small QMP client that keeps the events it reads (DEVICE_DELETED matters here)."""

    def __init__(self, path, timeout=60, connect_timeout=30):
        deadline = time.monotonic() + connect_timeout
        while True:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.sock.settimeout(timeout)
        self.buf = b""
        self.events = []
        self._message()  # the greeting
        self.command("qmp_capabilities")

    def _message(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("QMP closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def _reply(self):
        while True:
            msg = self._message()
            if "event" in msg:
                self.events.append(msg)
            else:
                return msg

    def command(self, execute, **arguments):
        self.sock.sendall(json.dumps({"execute": execute, "arguments": arguments}).encode() + b"\n")
        reply = self._reply()
        if "error" in reply:
            raise RuntimeError(f"QMP {execute}: {reply['error'].get('desc', reply['error'])}")
        return reply.get("return")

    def hmp(self, line):
        """A human monitor command (device_add ..., info pci) through QMP; returns its text."""
        return self.command("human-monitor-command", **{"command-line": line})

    def wait_event(self, name, timeout=120, **data):
        """The first event `name` whose data contains `data` (kept or arriving within timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            for i, ev in enumerate(self.events):
                if ev.get("event") == name and all(ev.get("data", {}).get(k) == v for k, v in data.items()):
                    return self.events.pop(i)
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                msg = self._message()
            except socket.timeout:
                return None
            finally:
                self.sock.settimeout(60)
            if "event" in msg:
                self.events.append(msg)

    def close(self):
        self.sock.close()


class HotplugGuest:
    """irqlab (build/kernel.elf) on q35 with hot-plug root ports, a QMP socket and the shell on a
    pipe; netdev hp1 (UDP echo forwarded from `echo_port`) is there for a NIC plugged into a port.

        with HotplugGuest(tmpdir, smp=4) as g:
            g.qmp.command("device_add", driver="e1000e", bus="rp1", id="nic1", netdev="hp1")
            g.expect(r"01:00.0 8086:10d3 added")
            out = g.shell("devices")
    """

    def __init__(self, tmpdir, *, smp=1, boot="kernel", ports=2, no_hotplug_ports=0, cmdline="", extra=(),
                 timeout=600):
        from irqlab_net import GUEST_ECHO_PORT, GUEST_IP, free_udp_port
        from irqlab_qemu import Qemu, kernel_elf
        self.qmp_path = os.path.join(tmpdir, f"qmp-{os.getpid()}-{smp}-{boot}.sock")
        self.echo_port = free_udp_port()
        argv = hotplug_argv(ports, no_hotplug_ports)
        argv += ["-qmp", f"unix:{self.qmp_path},server=on,wait=off",
                 "-netdev", f"user,id=hp1,hostfwd=udp:127.0.0.1:{self.echo_port}-{GUEST_IP}:{GUEST_ECHO_PORT}"]
        self.qemu = Qemu(kernel_elf(), machine="q35", smp=smp, boot=boot, cmdline=cmdline, stdin=True,
                         extra=argv + list(extra), timeout=timeout)
        self.qmp = None

    def __enter__(self):
        self.qemu.start()
        return self

    def __exit__(self, *exc):
        if self.qmp:
            self.qmp.close()
        self.qemu.kill()
        self.qemu.cleanup()

    def boot(self, timeout=180):
        """Wait for the prompt, then connect QMP. True when both are there."""
        if not self.qemu.expect(r"irqlab> ", timeout=timeout):
            return False
        self.qmp = Qmp(self.qmp_path)
        return True

    def expect(self, pattern, timeout=120):
        return self.qemu.expect(pattern, timeout=timeout)

    def shell(self, command, timeout=120):
        """Type a shell command; its output up to the next prompt (None if none came). Log lines
        still to be expect()ed are not consumed."""
        start = len(self.qemu.read())
        saved, self.qemu._pos = self.qemu._pos, start
        self.qemu.send(command + "\n")
        m = self.qemu.expect(r"irqlab> ", timeout=timeout)
        self.qemu._pos = saved
        if not m:
            return None
        out = self.qemu.read()[start:m.start()]
        return out.split("\n", 1)[1] if "\n" in out else ""
