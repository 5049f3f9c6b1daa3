#!/usr/bin/env python3
"""net_measure - UDP echo throughput and latency of the e1000 miniport in each interrupt mode,
with interrupt moderation (ITR) off and on. Not part of `make test`: numbers for people.

    python3 scripts/net_measure.py [--machine pc] [--smp 1] [--itr 4000] [--size 64] [--repeat 3]

For every mode (e1000: line; e1000e: MSI-X, MSI with msix=off, line with msi=off) and ITR off /
on (`e1000_itr=<interrupts/s>`), it boots build/ktest.elf with ktest=e1000_serve and measures from
the host (scripts/udp_echo_client.py):
  * packets/s: 3000 datagrams, 32 in flight;
  * median RTT: 500 datagrams, one at a time;
  * interrupts per echoed datagram (the driver's count of claimed interrupts).
Each figure is the best of --repeat runs (TCG on a shared host is noisy). Output: a Markdown table.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from irqlab_net import ServeGuest  # noqa: E402
from udp_echo_client import run_echo  # noqa: E402

MODES = [("e1000", "", "line"), ("e1000e", "", "MSI-X"), ("e1000e", "msix=off", "MSI"), ("e1000e", "msi=off", "line")]


def measure(model, cmdline, args):
    best = {"pps": 0.0, "rtt": float("inf"), "irq_per_pkt": float("inf"), "ok": True}
    for _ in range(args.repeat):
        with ServeGuest(model, machine=args.machine, smp=args.smp, cmdline=cmdline) as g:
            if not g.ready:
                best["ok"] = False
                continue
            port = g.net.echo_ports[0]
            run_echo(port, 200, sizes=[args.size], window=8)  # warm up (ARP, caches, the e1000's RX delay)
            before = g.stats().get("net0", {})
            bulk = run_echo(port, 3000, sizes=[args.size], window=32, timeout=10)
            after = g.stats().get("net0", {})
            ping = run_echo(port, 500, sizes=[args.size], window=1, timeout=10)
            g.stop()
            best["ok"] &= bulk.ok and ping.ok
            best["pps"] = max(best["pps"], bulk.pps)
            best["rtt"] = min(best["rtt"], ping.median_rtt_ms)
            claimed = after.get("claimed", 0) - before.get("claimed", 0)
            best["irq_per_pkt"] = min(best["irq_per_pkt"], claimed / max(1, bulk.received))
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--machine", default="pc")
    ap.add_argument("--smp", type=int, default=1)
    ap.add_argument("--itr", type=int, default=4000, help="interrupts/s for 'ITR on' (e1000_itr=)")
    ap.add_argument("--size", type=int, default=64, help="payload bytes")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"{args.machine}, -smp {args.smp}, TCG, {args.size}-byte payloads; ITR on = e1000_itr={args.itr} "
          f"({1e6 / args.itr:.0f} us); best of {args.repeat}\n")
    print("| NIC | interrupts | ITR | packets/s (32 in flight) | median RTT (1 in flight) | interrupts/packet |")
    print("|---|---|---|---|---|---|")
    for model, cmdline, mode in MODES:
        for itr in (0, args.itr):
            words = (cmdline + f" e1000_itr={itr}").strip()
            r = measure(model, words, args)
            flag = "" if r["ok"] else " (errors!)"
            print(f"| {model} | {mode} | {'on' if itr else 'off'} | {r['pps']:.0f} | {r['rtt']:.3f} ms | "
                  f"{r['irq_per_pkt']:.2f}{flag} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
