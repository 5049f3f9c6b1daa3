#!/usr/bin/env python3
"""udp_echo_client - send UDP datagrams to an echo service (irqlab's port 7, RFC 862) and check
that every one comes back byte for byte; report packets/s and round-trip times.

    udp_echo_client.py PORT                      1000 datagrams of 1..1472 bytes, 16 in flight
    udp_echo_client.py PORT --count 500 --window 1          one at a time: latency
    udp_echo_client.py PORT --size 1472 --flood --count 5000   no window: overrun the receiver
    udp_echo_client.py PORT --json               the result as JSON

`make run` prints the PORT (the host end of QEMU's hostfwd to the guest's port 7). From Python:

    from udp_echo_client import run_echo
    r = run_echo(port, count=1000, window=16)
    r.ok, r.lost, r.corrupt, r.pps, r.median_rtt_ms

Every datagram's payload is derived from its sequence number, so a reply is checked against
exactly what was sent; two identical small payloads in flight are matched in order. Only the
Python standard library is used.
"""
import argparse
import collections
import dataclasses
import json
import random
import select
import socket
import statistics
import sys
import time

MAX_PAYLOAD = 1472  # 1500-byte MTU - 20 (IPv4) - 8 (UDP)
# Sizes that sit on a boundary of the path: 1 byte; 18 (the frame just reaches Ethernet's
# 60-byte minimum); 982/983 (the frame fills one 1024-byte receive buffer / needs a second);
# 1472 (a full frame).
EDGE_SIZES = (1, 2, 3, 17, 18, 19, 982, 983, 1024, 1471, 1472)


def default_sizes(count, seed=1, low=1, high=MAX_PAYLOAD):
    """`count` sizes: the boundary sizes first (those within [low, high]), then uniform."""
    rng = random.Random(seed)
    sizes = [s for s in EDGE_SIZES if low <= s <= high][:count]
    sizes += [rng.randint(low, high) for _ in range(count - len(sizes))]
    return sizes


def payload(index, size):
    """Deterministic bytes for datagram `index` (a cheap pattern, different per index)."""
    base = (index * 2654435761) & 0xFFFFFFFF
    pattern = bytes(((base >> (8 * (j & 3))) + j) & 0xFF for j in range(min(size, 256)))
    return (pattern * (size // 256 + 1))[:size]


@dataclasses.dataclass
class EchoResult:
    sent: int = 0
    received: int = 0      # replies that matched a datagram in flight
    corrupt: int = 0       # replies that matched nothing we sent (damaged or unexpected)
    lost: int = 0          # datagrams never answered before the timeout
    elapsed: float = 0.0   # first send to last reply (s)
    rtts: list = dataclasses.field(default_factory=list)  # seconds, per matched reply
    bytes_sent: int = 0

    @property
    def ok(self):
        return self.sent > 0 and self.received == self.sent and not self.corrupt and not self.lost

    @property
    def pps(self):
        return self.received / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def median_rtt_ms(self):
        return statistics.median(self.rtts) * 1000 if self.rtts else float("nan")

    def summary(self):
        return (f"sent {self.sent}, echoed {self.received}, lost {self.lost}, corrupt {self.corrupt}; "
                f"{self.pps:.0f} packets/s, median RTT {self.median_rtt_ms:.3f} ms")

    def as_dict(self):
        d = dataclasses.asdict(self)
        d.pop("rtts")
        d.update(ok=self.ok, pps=self.pps, median_rtt_ms=self.median_rtt_ms)
        return d


def run_echo(port, count=1000, *, host="127.0.0.1", sizes=None, window=16, timeout=10.0, seed=1):
    """Send `count` datagrams with at most `window` unanswered (window=None: all at once, as fast
    as the socket takes them); wait up to `timeout` s after the last progress for the rest."""
    sizes = list(sizes) if sizes is not None else default_sizes(count, seed)
    if len(sizes) < count:
        sizes = (sizes * (count // len(sizes) + 1))[:count]
    result = EchoResult()
    inflight = collections.defaultdict(collections.deque)  # payload -> deque of send times
    outstanding = 0
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.connect((host, port))
    sock.setblocking(False)
    start = time.monotonic()
    last_progress = start
    last_reply = start
    next_index = 0
    try:
        while next_index < count or outstanding:
            can_send = next_index < count and (window is None or outstanding < window)
            if can_send:
                data = payload(next_index, sizes[next_index])
                try:
                    sock.send(data)
                except BlockingIOError:
                    can_send = False
                else:
                    inflight[data].append(time.monotonic())
                    outstanding += 1
                    result.sent += 1
                    result.bytes_sent += len(data)
                    next_index += 1
                    last_progress = time.monotonic()
                    if window is None or outstanding < window:
                        continue  # keep sending before we look for replies
            wait = 0 if can_send else max(0.0, min(0.05, timeout - (time.monotonic() - last_progress)))
            readable, _, _ = select.select([sock], [], [], wait)
            if readable:
                while True:
                    try:
                        data = sock.recv(65536)
                    except BlockingIOError:
                        break
                    except ConnectionRefusedError:  # ICMP port unreachable from a stale error
                        continue
                    now = time.monotonic()
                    times = inflight.get(data)
                    if times:
                        result.rtts.append(now - times.popleft())
                        if not times:
                            del inflight[data]
                        outstanding -= 1
                        result.received += 1
                        last_reply = now
                        last_progress = now
                    else:
                        result.corrupt += 1
            elif time.monotonic() - last_progress > timeout:
                break
    finally:
        sock.close()
    result.lost = outstanding
    result.elapsed = last_reply - start
    return result


def parse_size(text):
    if "-" in text:
        low, high = (int(x) for x in text.split("-", 1))
        return low, high
    n = int(text)
    return n, n


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("port", type=int, help="host UDP port forwarded to the guest's port 7")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--window", type=int, default=16, help="datagrams in flight at most (1: ping-pong)")
    ap.add_argument("--flood", action="store_true", help="no window: send as fast as possible")
    ap.add_argument("--size", default=f"1-{MAX_PAYLOAD}", help="N or MIN-MAX payload bytes (default 1-1472)")
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    low, high = parse_size(args.size)
    if not 1 <= low <= high <= MAX_PAYLOAD:
        ap.error(f"sizes must be within 1-{MAX_PAYLOAD}")
    sizes = default_sizes(args.count, args.seed, low, high)
    r = run_echo(args.port, args.count, host=args.host, sizes=sizes, window=None if args.flood else args.window,
                 timeout=args.timeout, seed=args.seed)
    print(json.dumps(r.as_dict()) if args.json else r.summary())
    return 0 if r.ok or args.flood else 1


if __name__ == "__main__":
    sys.exit(main())
