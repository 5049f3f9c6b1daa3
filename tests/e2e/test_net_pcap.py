#!/usr/bin/env python3
"""test_net_pcap - what the e1000 miniport and the stack put on the wire, read from a pcap.

QEMU's filter-dump object records every frame between the user-network backend and the NIC
(both directions) into a pcap file. The guest (ktest=e1000_serve) pings its gateway - which
needs ARP first - and echoes 100 UDP datagrams; then the capture is parsed by hand (struct):

  * pcap global header: classic magic, version 2.4, link type 1 (Ethernet);
  * ARP (RFC 826): Ethernet/IPv4, 6/4-byte addresses, a request from the guest for the gateway
    and the gateway's reply, sender MAC = frame source;
  * IPv4 (RFC 791): version 4, header length >= 20, total length within the frame, no fragments,
    header checksum right - in both directions;
  * ICMP (RFC 792): echo requests from the guest, echo replies to it, checksums right;
  * UDP (RFC 768): length field = IP payload, checksum right (or 0 = none); every datagram the
    host sent to port 7 comes back from port 7 with the same bytes;
  * the guest's frames carry its MAC and are padded to the 60-byte Ethernet minimum.
"""
import collections
import os
import struct
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_net import GUEST_ECHO_PORT, ServeGuest  # noqa: E402
from tap import Tap  # noqa: E402
from udp_echo_client import run_echo  # noqa: E402

GUEST_MAC = bytes.fromhex("525400123456")  # QEMU's default for the first NIC
GUEST_IP = bytes([10, 0, 2, 15])
GATEWAY_IP = bytes([10, 0, 2, 2])
DATAGRAMS = 100


def read_pcap(path):
    """(linktype, [frames]) of a classic little- or big-endian pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError(f"{path}: {len(data)} bytes, no pcap header")
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise ValueError(f"{path}: magic {magic.hex()} is not pcap")
    major, minor, _, _, _, linktype = struct.unpack(endian + "HHiIII", data[4:24])
    if (major, minor) != (2, 4):
        raise ValueError(f"pcap version {major}.{minor}")
    frames, off = [], 24
    while off + 16 <= len(data):
        _, _, incl, orig = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        if off + incl > len(data) or incl > orig:
            raise ValueError(f"record at {off - 16}: {incl} bytes of {orig} do not fit")
        frames.append(data[off:off + incl])
        off += incl
    return linktype, frames


def checksum(data):
    """The Internet checksum (RFC 1071) - 0 when `data` includes a correct checksum."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


class Check:
    def __init__(self):
        self.problems = []
        self.count = collections.Counter()
        self.udp_to_guest = collections.Counter()   # payloads to port 7
        self.udp_from_guest = collections.Counter()  # payloads from port 7

    def bad(self, i, what):
        if len(self.problems) < 20:
            self.problems.append(f"frame {i}: {what}")

    def frame(self, i, f):
        if len(f) < 14:
            return self.bad(i, f"{len(f)} bytes, shorter than an Ethernet header")
        dst, src, ethertype = f[:6], f[6:12], struct.unpack("!H", f[12:14])[0]
        from_guest = src == GUEST_MAC
        if from_guest:
            self.count["from guest"] += 1
            if len(f) < 60:
                self.bad(i, f"guest frame of {len(f)} bytes: not padded to 60")
        if ethertype == 0x0806:
            self.arp(i, f[14:], src, from_guest)
        elif ethertype == 0x0800:
            self.ipv4(i, f[14:], from_guest)
        else:
            self.count[f"ethertype 0x{ethertype:04x}"] += 1
            if from_guest:
                self.bad(i, f"the guest sent ethertype 0x{ethertype:04x}")

    def arp(self, i, p, src, from_guest):
        if len(p) < 28:
            return self.bad(i, f"ARP of {len(p)} bytes")
        htype, ptype, hlen, plen, op = struct.unpack("!HHBBH", p[:8])
        sha, spa, tha, tpa = p[8:14], p[14:18], p[18:24], p[24:28]
        if (htype, ptype, hlen, plen) != (1, 0x0800, 6, 4) or op not in (1, 2):
            return self.bad(i, f"ARP htype {htype} ptype 0x{ptype:04x} hlen {hlen} plen {plen} op {op}")
        if sha != src:
            self.bad(i, "ARP sender MAC is not the frame's source")
        if op == 1 and from_guest and spa == GUEST_IP and tpa == GATEWAY_IP:
            self.count["ARP request guest->gateway"] += 1
        if op == 2 and not from_guest and tpa == GUEST_IP and tha == GUEST_MAC and spa == GATEWAY_IP:
            self.count["ARP reply gateway->guest"] += 1

    def ipv4(self, i, p, from_guest):
        if len(p) < 20:
            return self.bad(i, f"IPv4 of {len(p)} bytes")
        vihl, _, total, _, frag, _, proto = struct.unpack("!BBHHHBB", p[:10])
        ihl = (vihl & 0xF) * 4
        if vihl >> 4 != 4 or ihl < 20 or total < ihl or total > len(p):
            return self.bad(i, f"IPv4 version {vihl >> 4} header {ihl} total {total} in {len(p)} bytes")
        if frag & 0x3FFF:
            self.bad(i, "IPv4 fragment (none expected)")
        if checksum(p[:ihl]):
            self.bad(i, "IPv4 header checksum wrong")
        src, dst, payload = p[12:16], p[16:20], p[ihl:total]
        self.count["IPv4"] += 1
        if proto == 1:
            if len(payload) < 8 or checksum(payload):
                return self.bad(i, "ICMP too short or checksum wrong")
            kind = payload[0]
            if kind == 8 and from_guest and dst == GATEWAY_IP:
                self.count["ICMP echo request guest->gateway"] += 1
            if kind == 0 and not from_guest and dst == GUEST_IP:
                self.count["ICMP echo reply ->guest"] += 1
        elif proto == 17:
            if len(payload) < 8:
                return self.bad(i, "UDP shorter than its header")
            sport, dport, length, csum = struct.unpack("!HHHH", payload[:8])
            if length != len(payload):
                return self.bad(i, f"UDP length {length}, IP says {len(payload)}")
            pseudo = src + dst + struct.pack("!BBH", 0, 17, length)
            if csum and checksum(pseudo + payload):
                self.bad(i, "UDP checksum wrong")
            data = payload[8:]
            if dport == GUEST_ECHO_PORT and not from_guest:
                self.udp_to_guest[data] += 1
            elif sport == GUEST_ECHO_PORT and from_guest:
                self.udp_from_guest[data] += 1
            self.count["UDP"] += 1


def main():
    t = Tap()
    with tempfile.TemporaryDirectory(prefix="irqlab-pcap-") as tmp:
        with ServeGuest("e1000", machine="pc", smp=1, pcap_dir=tmp) as g:
            ready = t.ok(g.ready, "e1000 guest ready (it pinged 10.0.2.2)", diag=g.output()[-2000:])
            echo = run_echo(g.net.echo_ports[0], DATAGRAMS, window=8) if ready else None
            t.ok(echo and echo.ok, f"{DATAGRAMS} datagrams echoed", diag=echo.summary() if echo else "")
            status = g.stop() if ready else None
            t.ok(status == 33, "guest checks pass (exit status 33)", diag=f"status {status}")
        pcap = g.net.pcaps[0]
        try:
            linktype, frames = read_pcap(pcap)
        except (OSError, ValueError) as e:
            t.ok(False, "the capture is a pcap file", diag=str(e))
            return t.finish()
        t.ok(linktype == 1 and frames, f"the capture is an Ethernet pcap ({len(frames)} frames)",
             diag=f"linktype {linktype}")
        c = Check()
        for i, f in enumerate(frames):
            c.frame(i, f)
        t.ok(not c.problems, "every ARP, IPv4, ICMP and UDP frame is well-formed (lengths, checksums)",
             diag="\n".join(c.problems))
        t.ok(c.count["ARP request guest->gateway"] >= 1 and c.count["ARP reply gateway->guest"] >= 1,
             "ARP: the guest asks for 10.0.2.2 and gets the answer", diag=str(dict(c.count)))
        t.ok(c.count["ICMP echo request guest->gateway"] >= 3 and c.count["ICMP echo reply ->guest"] >= 3,
             "ICMP: three echo requests to the gateway, three replies", diag=str(dict(c.count)))
        t.ok(sum(c.udp_to_guest.values()) >= DATAGRAMS and c.udp_from_guest == c.udp_to_guest,
             "UDP: every datagram to port 7 went back out of port 7 with the same bytes",
             diag=f"to guest {sum(c.udp_to_guest.values())}, from guest {sum(c.udp_from_guest.values())}")
        t.diag("frames: " + ", ".join(f"{k} {v}" for k, v in sorted(c.count.items())))
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
