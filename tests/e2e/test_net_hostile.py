#!/usr/bin/env python3
"""test_net_hostile - 100,000 hostile frames at a second NIC while the first one echoes UDP.

The guest (ktest=e1000_serve) has two e1000s: net0 on QEMU user networking as in the other
network tests, net1 (192.168.7.2, MAC 52:54:00:12:34:57) on `-netdev dgram`: every UDP datagram
this script sends to QEMU's socket is one Ethernet frame on net1's wire, and every frame net1
sends comes back here. This script is net1's whole network: it answers the guest's ARP and ping
for 192.168.7.1, echoes through the guest's UDP echo service, and sends HOSTILE frames:

  random      random bytes to the guest's MAC, an EtherType that is neither IPv4 nor ARP
  tiny        1-5 bytes: QEMU pads them to 60 with zeros, so no destination matches and the
              NIC's address filter discards them (QEMU 7.2 net/dgram.c stops reading a backend
              after a 0-byte datagram, so none is ever sent)
  truncated   a valid UDP echo request cut short anywhere after its first byte
  oversized   1523-4000 bytes: the NIC drops them (QEMU hw/net/e1000x_common.c
              e1000x_is_oversized, RCTL.LPE clear; counted in its ROC register)
  long        1515-1522 bytes: the NIC takes them, the driver counts a receive error (more than
              the 1514 bytes an untagged frame can have) and never hands them up
  malformed   a valid IPv4/UDP, ICMP or ARP frame with one thing broken: version, IHL, lengths,
              checksums, fragments, addresses, ports, protocol, ARP format/op/target, sources

in batches of at most BATCH_BYTES, each followed by a probe echo on net1 that must come back before the next
batch (frames reach the NIC in order, so the probe's reply proves the batch was taken in - a
condition, never a time). Meanwhile net0 echoes rounds of datagrams. Afterwards both NICs echo,
the guest still serves (exit 33 at `stop`), and net1's counters explain every frame sent:

  legit frames sent + hostile frames the address filter passes
                                   == driver rx + driver receive errors + missed (MPC)
  driver receive errors            == the long frames
  driver rx                        == the stack's rx packets
  the stack's rx packets           == the per-reason drop counters + frames taken in (ARP in,
                                      ICMP in that was expected, UDP echoed/discarded/delivered)
  the per-reason drop counters     == dropped + errors - the driver's receive errors (the driver
                                      adds those to the adapter's error count, as NDIS does)
  hostile frames refused           == every hostile frame the NIC passed on; taken in == legit
  UDP echoed                       == the echo replies this script received on net1

Count-based verdicts only.
"""
import os
import random
import re
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_net import ServeGuest, free_udp_port  # noqa: E402
from tap import Tap  # noqa: E402
from udp_echo_client import run_echo  # noqa: E402

HOSTILE = int(os.environ.get("HOSTILE_FRAMES", 100_000))
# Frames in flight between two probes are bounded by bytes, not by count: QEMU's socket has the
# host's default receive buffer (net.core.rmem_default, ~208 KiB on Linux, charged per datagram
# with ~1 KiB of overhead); a batch that did not fit would be dropped by the host kernel, before
# QEMU and the NIC could count it.
BATCH_BYTES = 64 * 1024
DATAGRAM_OVERHEAD = 1024
GUEST_MAC = bytes.fromhex("525400123457")
HOST_MAC = bytes.fromhex("0200000000fe")
GUEST_IP = socket.inet_aton("192.168.7.2")
HOST_IP = socket.inet_aton("192.168.7.1")
ECHO_PORT = 7
NIC_MAX_FRAME = 1522  # without LPE the e1000 drops longer frames (e1000x_is_oversized)


def csum16(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def eth(dst, src, kind, payload):
    return dst + src + struct.pack("!H", kind) + payload


def ipv4(proto, payload, src=HOST_IP, dst=GUEST_IP, flags_offset=0x4000, ident=1):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, flags_offset, 64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", csum16(h)) + h[12:] + payload


def udp(sport, dport, data, src=HOST_IP, dst=GUEST_IP):
    length = 8 + len(data)
    body = struct.pack("!HHHH", sport, dport, length, 0) + data
    c = csum16(src + dst + struct.pack("!BBH", 0, 17, length) + body) or 0xFFFF
    return body[:6] + struct.pack("!H", c) + body[8:]


def echo_frame(data, sport=40000):
    return eth(GUEST_MAC, HOST_MAC, 0x0800, ipv4(17, udp(sport, ECHO_PORT, data)))


def arp(op, sha, spa, tha, tpa, hlen=6, plen=4):
    return struct.pack("!HHBBH", 1, 0x0800, hlen, plen, op) + sha + spa + tha + tpa


def refix_ip_checksum(frame):
    f = bytearray(frame)
    ihl = (f[14] & 0xF) * 4
    f[24:26] = b"\0\0"
    f[24:26] = struct.pack("!H", csum16(bytes(f[14:14 + ihl])))
    return bytes(f)


# ---- the hostile frames ---------------------------------------------------------------------------

def malformed(rng):
    """A frame with exactly one thing wrong; every one must be dropped by the stack."""
    data = rng.randbytes(rng.randrange(1, 200))
    good = bytearray(echo_frame(data, sport=rng.randrange(1024, 65536)))
    kind = rng.randrange(16)
    if kind == 0:
        good[14] = (rng.choice([0, 1, 5, 6, 15]) << 4) | 5        # IP version
    elif kind == 1:
        good[14] = 0x40 | rng.randrange(0, 5)                        # IHL below 5
    elif kind == 2:
        good[16:18] = struct.pack("!H", rng.randrange(0, 20))        # total length below the header
        good = bytearray(refix_ip_checksum(good))
    elif kind == 3:
        good[24] ^= 1 + rng.randrange(255)                           # header checksum
    elif kind == 4:
        good[20:22] = struct.pack("!H", 0x2000 | rng.randrange(0, 0x2000))  # a fragment
        good = bytearray(refix_ip_checksum(good))
    elif kind == 5:
        good[30:34] = socket.inet_aton(f"10.{rng.randrange(256)}.{rng.randrange(256)}.9")  # not us
        good = bytearray(refix_ip_checksum(good))
    elif kind == 6:
        good[26:30] = rng.choice([b"\xff\xff\xff\xff", b"\xe0\0\0\1", GUEST_IP])  # bad source
        good = bytearray(refix_ip_checksum(good))
    elif kind == 7:
        good[23] = rng.choice([2, 6, 41, 89, 132])                   # not ICMP or UDP
        good = bytearray(refix_ip_checksum(good))
    elif kind == 8:
        good[38:40] = struct.pack("!H", len(good) - 34 + 1 + rng.randrange(100))  # UDP length past the end
    elif kind == 9:
        good[40] ^= 1 + rng.randrange(255)                           # UDP checksum (non-zero, wrong)
        if good[40:42] == b"\0\0":
            good[41] = 1
    elif kind == 10:
        good[36:38] = struct.pack("!H", rng.choice([53, 1234, 5556, 65535]))  # nobody listens (not 7, 9, 5555)
        good[40:42] = b"\0\0"                                         # no checksum (allowed)
    elif kind == 11:
        good[6] |= 1                                                  # a group source MAC
    elif kind == 12:
        good[6:12] = GUEST_MAC                                        # our own frame back
    elif kind == 13:
        op = rng.choice([3, 4, 0, 9])                                 # neither request nor reply
        return eth(GUEST_MAC, HOST_MAC, 0x0806, arp(op, HOST_MAC, HOST_IP, b"\0" * 6, GUEST_IP))
    elif kind == 14:
        return eth(b"\xff" * 6, HOST_MAC, 0x0806,                     # bad lengths, or asks for another
                   rng.choice([arp(1, HOST_MAC, HOST_IP, b"\0" * 6, GUEST_IP, hlen=rng.choice([0, 5, 8])),
                               arp(1, HOST_MAC, HOST_IP, b"\0" * 6, socket.inet_aton("192.168.7.77"))]))
    else:
        body = struct.pack("!BBHHH", rng.choice([0, 3, 5, 13]), 0, 0, 1, 1) + data  # ICMP: no request
        c = csum16(body) if rng.randrange(2) else rng.randrange(1, 65536)
        return eth(GUEST_MAC, HOST_MAC, 0x0800, ipv4(1, body[:2] + struct.pack("!H", c) + body[4:]))
    return bytes(good)


def hostile_frame(rng, i):
    """(category, frame)."""
    kind = ["random", "tiny", "truncated", "oversized", "long", "malformed", "malformed", "malformed"][i % 8]
    if kind == "random":
        n = rng.randrange(6, 1515)
        frame = bytearray(GUEST_MAC + rng.randbytes(n - 6))
        if n >= 14 and frame[12:14] in (b"\x08\x00", b"\x08\x06"):
            frame[12] = 0x86  # never IPv4 or ARP
        return kind, bytes(frame)
    if kind == "tiny":
        return kind, rng.randbytes(rng.randrange(1, 6))
    if kind == "truncated":
        full = echo_frame(rng.randbytes(rng.randrange(40, 1000)))
        return kind, full[:rng.randrange(1, len(full))]
    if kind == "oversized":
        n = rng.randrange(NIC_MAX_FRAME + 1, 4001)
        return kind, GUEST_MAC + HOST_MAC + b"\x08\x00" + rng.randbytes(n - 14)
    if kind == "long":
        n = rng.randrange(1515, NIC_MAX_FRAME + 1)
        return kind, GUEST_MAC + HOST_MAC + b"\x08\x00" + rng.randbytes(n - 14)
    return kind, malformed(rng)


def passes_address_filter(frame):
    """What the e1000's receive filter does with a frame (QEMU pads short frames to 60 bytes with
    zeros first): our unicast address or broadcast pass; no multicast group is joined."""
    padded = frame + b"\0" * max(0, 60 - len(frame))
    return len(frame) <= NIC_MAX_FRAME and padded[:6] in (GUEST_MAC, b"\xff" * 6)


# ---- net1's network: this script --------------------------------------------------------------

class Wire:
    """The host end of net1: a UDP socket QEMU's dgram backend talks to."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.qemu_port = free_udp_port()
        self.lock = threading.Condition()
        self.legit_sent = 0          # frames this script sent that the stack should take
        self.hostile = {}            # category -> frames sent
        self.hostile_passing = 0     # ... of which the NIC's address filter passes
        self.passing = {}            # ... by category
        self.echoes = set()          # payloads echoed back by the guest
        self.echo_requests = 0
        self.arp_answered = self.pings_answered = 0
        self.stop = False
        self.thread = threading.Thread(target=self.serve, daemon=True)

    def argv(self):
        return ["-netdev", f"dgram,id=h1,local.type=inet,local.host=127.0.0.1,local.port={self.qemu_port},"
                f"remote.type=inet,remote.host=127.0.0.1,remote.port={self.port}",
                "-device", f"e1000,netdev=h1,addr=09.0,mac={':'.join(f'{b:02x}' for b in GUEST_MAC)}"]

    def send(self, frame, legit=True, category=None):
        assert frame, "a 0-byte datagram would stop QEMU 7.2 reading this backend"
        self.sock.sendto(frame, ("127.0.0.1", self.qemu_port))
        with self.lock:
            if legit:
                self.legit_sent += 1
            else:
                self.hostile[category] = self.hostile.get(category, 0) + 1
                passes = passes_address_filter(frame)
                self.hostile_passing += passes
                self.passing[category] = self.passing.get(category, 0) + passes

    def serve(self):
        self.sock.settimeout(0.2)
        while not self.stop:
            try:
                frame = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            if len(frame) < 42:
                continue
            kind = frame[12:14]
            if kind == b"\x08\x06" and frame[20:22] == b"\0\x01" and frame[38:42] == HOST_IP:
                self.send(eth(frame[6:12], HOST_MAC, 0x0806, arp(2, HOST_MAC, HOST_IP, frame[22:28], frame[28:32])))
                self.arp_answered += 1
            elif kind == b"\x08\x00" and frame[23] == 1 and frame[34] == 8 and frame[30:34] == HOST_IP:
                ihl = (frame[14] & 0xF) * 4
                total = struct.unpack("!H", frame[16:18])[0]
                icmp = bytearray(frame[14 + ihl:14 + total])
                icmp[0], icmp[2:4] = 0, b"\0\0"
                icmp[2:4] = struct.pack("!H", csum16(bytes(icmp)))
                self.send(eth(frame[6:12], HOST_MAC, 0x0800, ipv4(1, bytes(icmp), dst=frame[26:30])))
                self.pings_answered += 1
            elif kind == b"\x08\x00" and frame[23] == 17 and frame[34:36] == struct.pack("!H", ECHO_PORT):
                ihl = (frame[14] & 0xF) * 4
                length = struct.unpack("!H", frame[14 + ihl + 4:14 + ihl + 6])[0]
                with self.lock:
                    self.echoes.add(bytes(frame[14 + ihl + 8:14 + ihl + length]))
                    self.lock.notify_all()

    def echo(self, data, timeout=20.0, tries=6):
        """Send an echo request and wait for it to come back (resending, each time with a new
        payload, if it does not: a frame the NIC missed is counted, not waited for)."""
        for attempt in range(tries):
            payload = data + b"#%d" % attempt
            self.send(echo_frame(payload))
            with self.lock:
                self.echo_requests += 1
                if self.lock.wait_for(lambda: payload in self.echoes, timeout=timeout):
                    return True
        return False


# ---- reading the guest's counters -----------------------------------------------------------------

def net_block(text, name):
    """The `net` listing of one adapter in the last stats block, as one line."""
    block = text[text.rfind("e1000-serve: stats begin"):]
    lines = block.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(name + ":"):
            out = [line]
            for more in lines[i + 1:]:
                if not more.startswith(" "):
                    break
                out.append(more.strip())
            return " ".join(out)
    return ""


def stack_counters(text, name):
    b = net_block(text, name)
    c = {}
    patterns = {
        "rx": r"rx (\d+) packets \d+ bytes, (\d+) dropped, (\d+) errors",
        "arp": r"arp in (\d+) req (\d+) rep",
        "icmp": r"icmp echo in (\d+) req (\d+) rep",
        "udp": r"udp in (\d+), echoed (\d+), discarded (\d+), to handlers (\d+)",
    }
    for key, pattern in patterns.items():
        m = re.search(pattern, b)
        if not m:
            return None
        c[key] = [int(x) for x in m.groups()]
    m = re.search(r"drops: (.*?)(?: arp cache|$)", b)
    c["reasons"] = {k: int(v) for k, v in re.findall(r"([a-z_]+\.[a-z_]+) (\d+)", m.group(1))} if m else {}
    return c


def main():
    t = Tap()
    wire = Wire()
    wire.thread.start()
    with ServeGuest("e1000", machine="pc", smp=2, extra=wire.argv(),
                    cmdline="ip1=192.168.7.2/24,gw=192.168.7.1 e1000_serve_rx_errors=on") as g:
        diag = "argv: " + " ".join(g.qemu.argv)
        if not t.ok(g.ready, "two e1000s up (net1 on -netdev dgram), guest ready", diag=diag + "\n" + g.output()[-2500:]):
            wire.stop = True
            return t.finish()
        port0 = g.net.echo_ports[0]
        t.ok(run_echo(port0, 200, window=8, timeout=15, seed=1).ok and wire.echo(b"before"),
             "before: net0 and net1 both echo")

        # net0 echoes in rounds for as long as the hostile frames go to net1.
        rounds, stop0 = [], threading.Event()

        def echo_net0():
            seed = 100
            while not stop0.is_set():
                rounds.append(run_echo(port0, 300, window=8, timeout=20, seed=seed))
                seed += 1

        worker = threading.Thread(target=echo_net0)
        worker.start()
        rng = random.Random(14)
        probes, probes_ok, sent, failed_in_a_row = 0, 0, 0, 0
        while sent < HOSTILE and failed_in_a_row < 10:
            budget = BATCH_BYTES
            while sent < HOSTILE:
                category, frame = hostile_frame(rng, sent)
                budget -= len(frame) + DATAGRAM_OVERHEAD
                if budget < 0 and budget + len(frame) + DATAGRAM_OVERHEAD < BATCH_BYTES:
                    break
                wire.send(frame, legit=False, category=category)
                sent += 1
            probes += 1
            ok = wire.echo(b"probe %d" % sent)
            probes_ok += ok
            failed_in_a_row = 0 if ok else failed_in_a_row + 1
        stop0.set()
        worker.join()
        t.ok(sent == HOSTILE and probes_ok == probes,
             f"{sent} hostile frames sent to net1; after each batch (at most {BATCH_BYTES // 1024} KiB) a probe "
             f"echo came back ({probes_ok}/{probes})", diag=f"by category: {wire.hostile}")
        t.ok(rounds and all(r.ok for r in rounds),
             f"net0 echoed all the while: {len(rounds)} rounds of 300 datagrams, none lost",
             diag=" | ".join(r.summary() for r in rounds if not r.ok)[:800])

        t.ok(run_echo(port0, 500, window=8, timeout=15, seed=7).ok, "after: net0 echoes 500 datagrams")
        after1 = sum(wire.echo(b"after %d" % i) for i in range(100))
        t.ok(after1 == 100, f"after: net1 echoes 100 datagrams ({after1})")

        s = g.stats()
        text = g.output()
        n1, c1 = s.get("net1", {}), stack_counters(text, "net1")
        if not t.ok(n1 and c1, "net1's driver and stack counters were printed", diag=text[-3000:]):
            return t.finish()
        with wire.lock:
            legit, passing, hostile = wire.legit_sent, wire.hostile_passing, dict(wire.hostile)
            long_passing, echoed_here = wire.passing.get("long", 0), len(wire.echoes)
        rx, rx_err, missed = n1.get("rx", -1), n1.get("rx_err", -1), n1.get("missed", -1)
        t.ok(legit + passing == rx + rx_err + missed,
             f"every frame is accounted for at the NIC: {legit} legit + {passing} hostile that pass its address "
             f"filter = {rx} received + {rx_err} receive errors + {missed} missed (the other "
             f"{sum(hostile.values()) - passing}: oversized or unaddressed, dropped by the NIC)",
             diag=f"driver {n1}\nhostile {hostile}")
        t.ok(rx_err <= long_passing and rx_err >= long_passing - missed,
             f"the driver's receive errors are the {long_passing} frames longer than 1514 bytes ({rx_err})")
        (net_rx, dropped, errors), (arp_req, arp_rep) = c1["rx"], c1["arp"]
        (icmp_req, icmp_rep), (udp_in, udp_echoed, udp_discarded, udp_handlers) = c1["icmp"], c1["udp"]
        t.ok(rx == net_rx, f"the driver handed every frame it received to the stack ({rx} = {net_rx})")
        reasons = sum(c1["reasons"].values())
        t.ok(reasons == dropped + errors - rx_err,
             f"the per-reason drop counters add up ({reasons} = {dropped} dropped + {errors} errors - {rx_err} "
             f"driver receive errors)", diag=str(c1["reasons"]))
        unexpected = c1["reasons"].get("icmp.unexpected_reply", 0)
        taken = arp_req + arp_rep + icmp_req + icmp_rep - unexpected + udp_echoed + udp_discarded + udp_handlers
        t.ok(net_rx == reasons + taken,
             f"the stack accounts for every frame: {net_rx} = {reasons} dropped for a reason + {taken} taken in "
             f"(ARP {arp_req}+{arp_rep}, ICMP {icmp_req}+{icmp_rep - unexpected}, UDP echoed {udp_echoed} "
             f"discarded {udp_discarded} to handlers {udp_handlers})", diag=str(c1))
        refused = reasons + rx_err
        t.ok(taken == legit - missed + (passing - refused) and refused <= passing and refused >= passing - missed,
             f"every hostile frame the NIC passed on was refused ({refused} of {passing}, {missed} missed at the "
             f"NIC) and every legit one taken in ({taken} of {legit})", diag=f"reasons {c1['reasons']}")
        t.ok(udp_echoed == echoed_here,
             f"net1's UDP echoes: {udp_echoed} echoed by the guest = {echoed_here} received here")
        t.diag("net1 drops by reason: " + ", ".join(f"{k} {v}" for k, v in sorted(c1["reasons"].items())))
        t.diag(f"hostile frames by category: {hostile}; driver: rx {rx} rx_err {rx_err} missed {missed} rx_multi "
               f"{n1.get('rx_multi')} isr {n1.get('isr')}")
        status = g.stop()
        t.ok(status == 33, f"the guest's own checks pass and it stopped when told (exit {status})",
             diag=g.output()[-2000:])
    wire.stop = True
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
