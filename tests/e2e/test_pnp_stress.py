#!/usr/bin/env python3
"""test_pnp_stress - 1,000 PnP stop/start cycles of an e1000e (MSI-X) while UDP echo traffic runs
to it and to a second NIC (an e1000 on another slot); issue 13 item 5.

Boots build/ktest.elf with `ktest=e1000_serve` (tests/ktest/e1000_serve_test.c) and two NICs:
net0 = e1000e, net1 = e1000. The host sends datagrams to both echo services; meanwhile the guest
runs `cycle 0 1000` (tests/ktest/pnp_cycle.c): io_pnp_stop_device + io_pnp_start_device of the
e1000e, 1,000 times - IRP_MN_QUERY_STOP_DEVICE / STOP_DEVICE (NDIS: MiniportHaltEx, interrupts
disconnected, vectors freed) and START_DEVICE (MiniportInitializeEx, MSI-X reconnected). Verdict by
counts, never by timing:
  * every stop and start succeeded, and after every stop no connection named the device and its
    resources were released (the disconnect guarantee: no ISR of the driver can run);
  * free vectors, interrupt connections, MmMapIoSpace mappings and the I/O / NDIS / e1000 pool
    tags are the same after the 1,000 cycles as before;
  * net1 echoed every datagram (window 1, generous timeouts: a datagram is lost or it is not);
  * net0 echoes again afterwards (its datagrams during the cycles may be lost: it was stopped);
  * the rebalance: net0 stopped and started on MSI (msix=off), on its INTx line (msi=off), aimed
    at the last CPU, and back on MSI-X - the miniport reconnects each time and net0 echoes;
  * the guest's own checks pass (exit status 33).

    python3 tests/e2e/test_pnp_stress.py              # q35 and pc, -smp 1 and 4
    python3 tests/e2e/test_pnp_stress.py --cycles 50  # quicker
"""
import argparse
import os
import re
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_net import ServeGuest  # noqa: E402
from tap import Tap  # noqa: E402
from udp_echo_client import run_echo  # noqa: E402

MACHINES = [("q35", 4), ("pc", 1), ("q35", 1), ("pc", 4)]
CYCLE = re.compile(r"e1000-serve: cycle net0: cycles (\d+), stop failures (\d+), start failures (\d+), "
                   r"left after stop (\d+), vectors (\d+)->(\d+), connections (\d+)->(\d+), "
                   r"mappings (-?\d+)->(-?\d+), pool (\d+)->(\d+)")


def run_machine(machine, smp, cycles):
    r = {}
    with ServeGuest("e1000e", models=["e1000e", "e1000"], machine=machine, smp=smp, timeout=3600,
                    cmdline="e1000_serve_s=3000") as g:
        r["argv"] = g.qemu.argv
        r["ready"] = bool(g.ready)
        if g.ready:
            r["before"] = run_echo(g.net.echo_ports[1], 100, window=1, timeout=15, seed=3)
            stop = threading.Event()
            results = []

            def traffic():  # net1, all through the cycles: rounds of 50 datagrams
                seed = 100
                while not stop.is_set():
                    results.append(run_echo(g.net.echo_ports[1], 50, window=1, timeout=15, seed=seed))
                    seed += 1

            th = threading.Thread(target=traffic)
            th.start()
            # The command goes through net1: net0 is the one going down.
            r["cycled"] = bool(g.command(f"cycle 0 {cycles}", timeout=3000, nic=1))
            stop.set()
            th.join()
            r["during"] = results
            r["after0"] = run_echo(g.net.echo_ports[0], 100, window=1, timeout=15, seed=5)
            # The rebalance: the same e1000e on MSI, on its line, aimed at the last CPU, then back.
            r["rebalance"] = []
            for opt in ("msix=off", "msi=off", f"cpu={smp - 1}", "default"):
                done = bool(g.command(f"rebalance 0 {opt}", timeout=300, nic=1))
                echo = run_echo(g.net.echo_ports[0], 100, window=4, timeout=15, seed=7)
                r["rebalance"].append((opt, done, echo))
            r["status"] = g.stop()
        r["serial"] = g.output()
    return r


def check(t, name, r, cycles):
    diag = "argv: " + " ".join(r.get("argv", [])) + "\n--- serial (end):\n" + r.get("serial", "")[-2500:]
    if not t.ok(r.get("ready"), f"{name}: e1000e + e1000 up, guest ready", diag=diag):
        return
    t.ok(r.get("before") and r["before"].ok, f"{name}: net1 echoes before the cycles",
         diag=r["before"].summary() if r.get("before") else diag)
    m = CYCLE.search(r.get("serial", ""))
    if not t.ok(r.get("cycled") and m, f"{name}: the guest ran the cycles and reported", diag=diag):
        return
    n = [int(x) for x in m.groups()]
    t.ok(n[0] == cycles and n[1] == n[2] == n[3] == 0,
         f"{name}: {n[0]} stop/start cycles, every stop and start succeeded, nothing left after a stop",
         diag=m.group(0))
    t.ok(n[4] == n[5] and n[6] == n[7] and n[8] == n[9] and n[10] == n[11],
         f"{name}: vectors, connections, mappings and pool the same after the cycles", diag=m.group(0))
    during = r.get("during", [])
    sent = sum(e.sent for e in during if e)
    t.ok(during and all(e and e.ok for e in during),
         f"{name}: net1 lost no datagram during the cycles ({sent} echoed in {len(during)} rounds)",
         diag=" | ".join(e.summary() for e in during if e and not e.ok)[:2000])
    t.ok(r.get("after0") and r["after0"].ok, f"{name}: net0 (the cycled e1000e) echoes again",
         diag=r["after0"].summary() if r.get("after0") else diag)
    serial = r.get("serial", "")
    kinds = {"msix=off": "MSI x", "msi=off": "line GSI", "default": "MSI-X x"}
    for opt, done, echo in r.get("rebalance", []):
        m = re.search(rf"e1000-serve: rebalance net0 {re.escape(opt)}: stop 0x00000000 start 0x00000000: (.*)", serial)
        want = kinds.get(opt, "MSI-X x")
        t.ok(done and m and m.group(1).startswith(want) and echo and echo.ok,
             f"{name}: rebalanced ({opt}): {m.group(1) if m else '?'}; net0 echoes on its new interrupt",
             diag=(echo.summary() if echo else "") + "\n" + (m.group(0) if m else diag))
    t.ok(r.get("status") == 33, f"{name}: guest checks pass (exit status 33)", diag=f"status {r.get('status')}\n{diag}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cycles", type=int, default=1000)
    args = ap.parse_args()
    t = Tap()
    for machine, smp in MACHINES:
        name = f"e1000e cycled on {machine} -smp {smp}"
        try:
            check(t, name, run_machine(machine, smp, args.cycles), args.cycles)
        except Exception as exc:  # noqa: BLE001 - report it as a failed test
            t.ok(False, f"{name}: run", diag=repr(exc))
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
