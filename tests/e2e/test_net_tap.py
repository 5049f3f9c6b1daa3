#!/usr/bin/env python3
"""test_net_tap - the host's own Linux network stack talks to irqlab over a tap device.

Optional: needs root (network namespaces, /dev/net/tun) and `ip` (iproute2); otherwise every
case is skipped with the reason. In a private network namespace a tap device gets 10.0.33.1/24;
QEMU runs inside the namespace with `-netdev tap` and an e1000, and build/kernel.elf boots with
`ip=10.0.33.15/24,gw=10.0.33.1`. Then, from inside the namespace:

  * Linux pings the guest (ICMP echo over a raw socket; the host kernel builds the IPv4 packets
    and answers the guest's ARP) and every reply comes back;
  * Linux sends 200 UDP datagrams to the guest's echo port and gets all of them back intact.
The namespace, and with it the tap device, is deleted afterwards.
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_qemu import REPO, Qemu, kernel_elf  # noqa: E402
from tap import Tap  # noqa: E402

HOST_IP, GUEST_IP = "10.0.33.1", "10.0.33.15"
TAP = "irqtap0"

# Runs inside the namespace: ICMP echo requests through a raw socket, one line per reply.
PING = r"""
import os, socket, struct, sys, time
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
dst, count = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP); s.settimeout(3)
ident, got = os.getpid() & 0xffff, 0
for seq in range(1, count + 1):
    body = bytes(range(56)); hdr = struct.pack('!BBHHH', 8, 0, 0, ident, seq)
    s.sendto(struct.pack('!BBHHH', 8, 0, csum(hdr + body), ident, seq) + body, (dst, 0))
    t0, deadline = time.monotonic(), time.monotonic() + 3
    while time.monotonic() < deadline:
        try: pkt, addr = s.recvfrom(2048)
        except socket.timeout: break
        ihl = (pkt[0] & 15) * 4; typ, _, _, pid, pseq = struct.unpack('!BBHHH', pkt[ihl:ihl + 8])
        if typ == 0 and pid == ident and pseq == seq and pkt[ihl + 8:] == body and addr[0] == dst:
            got += 1; print('reply seq %d from %s in %.3f ms' % (seq, dst, (time.monotonic() - t0) * 1e3)); break
print('%d/%d replies' % (got, count)); sys.exit(0 if got == count else 1)
"""


def sh(*argv, check=True):
    return subprocess.run(list(argv), capture_output=True, text=True, check=check)


def main():
    t = Tap()
    names = ["the guest answers Linux's pings over the tap", "200 UDP datagrams from Linux echoed intact"]
    why = None
    if os.geteuid() != 0:
        why = "needs root (network namespace, tap device)"
    elif not shutil.which("ip"):
        why = "needs ip (iproute2)"
    elif not os.path.exists("/dev/net/tun"):
        why = "no /dev/net/tun"
    if why:
        for n in names:
            t.skip(n, why)
        return t.finish()
    ns = f"irqlab{os.getpid()}"
    try:
        try:
            sh("ip", "netns", "add", ns)
            for cmd in (["ip", "link", "set", "lo", "up"], ["ip", "tuntap", "add", "dev", TAP, "mode", "tap"],
                        ["ip", "addr", "add", f"{HOST_IP}/24", "dev", TAP], ["ip", "link", "set", TAP, "up"]):
                sh("ip", "netns", "exec", ns, *cmd)
        except subprocess.CalledProcessError as e:
            for n in names:
                t.skip(n, f"cannot set up a namespace with a tap device: {(e.stderr or '').strip()}")
            return t.finish()
        q = Qemu(kernel_elf(), machine="pc", cmdline=f"ip={GUEST_IP}/24,gw={HOST_IP}", timeout=90,
                 extra=["-netdev", f"tap,id=n0,ifname={TAP},script=no,downscript=no",
                        "-device", "e1000,netdev=n0,addr=05.0"])
        q.argv = ["ip", "netns", "exec", ns] + q.argv  # QEMU opens the tap inside the namespace
        with q:
            up = q.expect(r"ndis: e1000 \S+: bound as net0", timeout=60)
            ping = sh("ip", "netns", "exec", ns, sys.executable, "-c", PING, GUEST_IP, "5", check=False) if up else None
            t.ok(up and ping.returncode == 0, names[0],
                 diag=(ping.stdout + ping.stderr if ping else "") + "\n" + q.read()[-1500:] + q.stderr())
            if ping and ping.returncode == 0:
                t.diag(ping.stdout.strip().splitlines()[-1])
            udp = sh("ip", "netns", "exec", ns, sys.executable, os.path.join(REPO, "scripts", "udp_echo_client.py"),
                     "--host", GUEST_IP, "7", "--count", "200", "--window", "8", check=False) if up else None
            t.ok(udp and udp.returncode == 0, names[1], diag=(udp.stdout + udp.stderr) if udp else "")
            if udp and udp.returncode == 0:
                t.diag(udp.stdout.strip())
    finally:
        sh("ip", "netns", "del", ns, check=False)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
