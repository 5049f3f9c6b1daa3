"""irqlab_net - the QEMU network arguments for irqlab's NICs (make run NIC=..., tests/e2e/test_net_*).

    from irqlab_net import nic_setup
    net = nic_setup("e1000e")            # or "e1000", "2xe1000", "none"
    net.argv                             # ["-netdev", "user,id=n0,hostfwd=udp:127.0.0.1:PORT-10.0.2.15:7", ...]
    net.echo_ports                       # [PORT]: UDP echo (guest port 7) of NIC 0, 1, ...
    net.control_ports                    # [PORT]: the e1000_serve ktest's control port (guest 5555)

Each NIC gets its own `-netdev user` (QEMU user networking: a private 10.0.2.0/24 whose gateway
10.0.2.2 answers ping, the guest being 10.0.2.15) and forwards free host UDP ports on 127.0.0.1
to the guest's echo port and control port. Ports are picked at run time, never fixed.

Slots: the NICs sit at 05.0 and 09.0, clear of the edu devices the ktest matrix puts at 03.0 and
07.0. Both slots reach the same interrupt line (pc: PIRQA -> IRQ 10; q35: PIRQF -> GSI 21;
QEMU 7.2 hw/isa/piix3.c, hw/isa/lpc_ich9.c), so NIC=2xe1000 is two e1000s on one shared INTx.
"""
import dataclasses
import re
import socket
import time

GUEST_IP = "10.0.2.15"
GUEST_ECHO_PORT = 7
GUEST_CONTROL_PORT = 5555
SLOTS = ("05.0", "09.0")
KINDS = {"e1000": ["e1000"], "e1000e": ["e1000e"], "2xe1000": ["e1000", "e1000"], "none": []}


def free_udp_port():
    """A UDP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclasses.dataclass
class NicSetup:
    kind: str
    argv: list
    echo_ports: list
    control_ports: list
    pcaps: list


def nic_setup(kind, *, control=False, pcap_dir=None, slots=SLOTS, models=None):
    """QEMU arguments for NIC=kind. control=True also forwards the e1000_serve control port;
    pcap_dir: record each NIC's traffic with a filter-dump object (nic<N>.pcap). `models`
    overrides the device models (a list, one per NIC)."""
    if kind not in KINDS and models is None:
        raise ValueError(f"NIC must be one of {', '.join(KINDS)}, not {kind!r}")
    models = list(models if models is not None else KINDS[kind])
    if not models:
        return NicSetup(kind, ["-nic", "none"], [], [], [])
    argv, echo, ctl, pcaps = [], [], [], []
    for n, model in enumerate(models):
        port = free_udp_port()
        forwards = [f"hostfwd=udp:127.0.0.1:{port}-{GUEST_IP}:{GUEST_ECHO_PORT}"]
        echo.append(port)
        if control:
            cport = free_udp_port()
            forwards.append(f"hostfwd=udp:127.0.0.1:{cport}-{GUEST_IP}:{GUEST_CONTROL_PORT}")
            ctl.append(cport)
        argv += ["-netdev", f"user,id=n{n}," + ",".join(forwards),
                 "-device", f"{model},netdev=n{n},addr={slots[n]}"]
        if pcap_dir:
            path = f"{pcap_dir}/nic{n}.pcap"
            argv += ["-object", f"filter-dump,id=f{n},netdev=n{n},file={path}"]
            pcaps.append(path)
    return NicSetup(kind, argv, echo, ctl, pcaps)


def describe(setup):
    """What to tell a student: how to reach each NIC's echo service."""
    models = [a.split(",")[0] for a in setup.argv[1::2] if a.startswith(("e1000", "e1000e"))]
    return [f"net{n} ({models[n] if n < len(models) else '?'}): UDP echo at 127.0.0.1:{port} -> guest "
            f"{GUEST_IP}:{GUEST_ECHO_PORT}   try: nc -u 127.0.0.1 {port}"
            for n, port in enumerate(setup.echo_ports)]


# ---- a guest serving traffic: ktest=e1000_serve (tests/ktest/e1000_serve_test.c) ----------------

STATS_LINE = re.compile(r"^e1000-stats: (\S+) (.*)$", re.M)


def parse_stats(text):
    """{netif name: {key: value}} from `e1000-stats:` lines (numbers as int)."""
    stats = {}
    for name, rest in STATS_LINE.findall(text):
        fields = {}
        for pair in rest.split():
            key, _, value = pair.partition("=")
            fields[key] = int(value) if value.isdigit() else value
        stats[name] = fields
    return stats


class ServeGuest:
    """QEMU running build/ktest.elf with ktest=e1000_serve and the given NICs.

        with ServeGuest("e1000e", machine="q35", smp=4, cmdline="msix=off") as g:
            r = run_echo(g.net.echo_ports[0], 1000)
            s = g.stats()            # {"net0": {"mode": "msi", "isr": ..., ...}}
            status = g.stop()        # 33 if the guest's checks passed
    """

    def __init__(self, kind="e1000", *, models=None, machine="pc", smp=1, cmdline="", timeout=240, pcap_dir=None,
                 elf=None, boot="kernel", extra=None):
        from irqlab_qemu import Qemu, ktest_elf
        self.net = nic_setup(kind, control=True, pcap_dir=pcap_dir, models=models)
        words = "ktest=e1000_serve " + cmdline
        self.qemu = Qemu(elf or ktest_elf(), machine=machine, smp=smp, boot=boot, cmdline=words.strip(),
                         extra=self.net.argv + list(extra or []), timeout=timeout)
        self.ready = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.qemu.kill()
        self.qemu.cleanup()

    def start(self, ready_timeout=90):
        self.qemu.start()
        self.ready = self.qemu.expect(r"e1000-serve: ready", timeout=ready_timeout)
        return self.ready

    def output(self):
        return self.qemu.read()

    def command(self, text, timeout=60, nic=0):
        """Send a control command (retrying until it is acknowledged); wait until it is done."""
        port = self.net.control_ports[nic]
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(1.0)
            acked = False
            for _ in range(20):
                s.sendto(text.encode(), ("127.0.0.1", port))
                try:
                    reply, _ = s.recvfrom(256)
                except socket.timeout:
                    continue
                if reply.decode(errors="replace") == f"ack {text}":
                    acked = True
                    break
                time.sleep(0.2)  # "busy": the previous command is still running
        if not acked:
            return None
        return self.qemu.expect(r"e1000-serve: done " + re.escape(text), timeout=timeout)

    def stats(self):
        """Ask for statistics; {netif: fields} parsed from what the guest printed."""
        if not self.command("stats"):
            return {}
        text = self.qemu.read()
        begin = text.rfind("e1000-serve: stats begin stats")
        end = text.find("e1000-serve: stats end stats", begin)
        return parse_stats(text[begin:end]) if begin >= 0 and end > begin else {}

    def stop(self, timeout=60):
        """End the serve case; returns QEMU's exit status (33 = every check passed)."""
        self.command("stop")
        return self.qemu.wait(timeout)
