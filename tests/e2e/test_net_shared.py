#!/usr/bin/env python3
"""test_net_shared - two e1000s on one shared INTx line, both carrying traffic at once.

QEMU puts the NICs at 05.0 and 09.0, which reach the same line (pc: PIRQA -> IRQ 10; q35: PIRQF
-> GSI 21), so NDIS connects both miniports' ISRs to one vector (scripts/irqlab_net.py). The
kernel offers a level interrupt to the ISRs in connect order and stops at the first that claims
it (kernel/ke/chain_walk.h), so only the ISR in front is ever asked about the other NIC's
interrupts. The test therefore runs two phases:

  1. both NICs echo 1000 datagrams at the same time; the statistics (tests/ktest/e1000_serve_test.c
     prints the driver's and the KINTERRUPT's counts) must show net0's ISR returning FALSE for
     net1's interrupts - and the NDIS, driver and kernel counts must agree;
  2. net0 is halted and restarted (MiniportHaltEx, MiniportInitializeEx): its interrupt object is
     now behind net1's. Both echo again, and now net1's ISR must have returned FALSE for net0's.

On pc and q35, with 1 and 4 CPUs. Output is TAP.
"""
import concurrent.futures
import os
import re
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_net import ServeGuest  # noqa: E402
from tap import Tap  # noqa: E402
from udp_echo_client import run_echo  # noqa: E402

MACHINES = [("pc", 1), ("q35", 1), ("pc", 4), ("q35", 4)]
DATAGRAMS = 1000
NDIS_LINE = re.compile(r"ndis: e1000 (\S+) running, line-based, vector (0x[0-9a-f]+) IRQL \d+( \(shared\))?")
KE_LINE = re.compile(r"msg 0: KINTERRUPT vector 0x[0-9a-f]+ IRQL \d+: service (\d+) decline (\d+)")


def both_echo(g):
    """Both NICs at once; returns the two results."""
    results = [None, None]

    def one(i):
        results[i] = run_echo(g.net.echo_ports[i], DATAGRAMS, window=16, timeout=15, seed=10 + i)

    threads = [threading.Thread(target=one, args=(i,)) for i in (0, 1)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return results


def kinterrupt_counts(text):
    """[(service, decline)] of the KINTERRUPT lines in the last stats block."""
    block = text[text.rfind("e1000-serve: stats begin"):]
    return [(int(s), int(d)) for s, d in KE_LINE.findall(block)]


def run_machine(machine, smp):
    r = {"phases": []}
    with ServeGuest("2xe1000", machine=machine, smp=smp) as g:
        r["argv"] = g.qemu.argv
        r["ready"] = bool(g.ready)
        if g.ready:
            for phase in (1, 2):
                if phase == 2:
                    r["restart"] = bool(g.command("restart 0", timeout=60))
                echoes = both_echo(g)
                stats = g.stats()
                r["phases"].append((echoes, stats, kinterrupt_counts(g.output())))
                if phase == 1:  # the NDIS listing of that stats block: vectors and sharing
                    text = g.output()
                    r["lines"] = NDIS_LINE.findall(text[text.rfind("e1000-serve: stats begin"):])
            r["status"] = g.stop()
        r["serial"] = g.output()
    return r


def check(t, name, r):
    diag = "argv: " + " ".join(r.get("argv", [])) + "\n--- serial (end):\n" + r.get("serial", "")[-2500:]
    if not t.ok(r.get("ready"), f"{name}: two e1000s up, guest ready", diag=diag):
        return
    lines = r.get("lines", [])
    vectors = {v for _, v, _ in lines}
    t.ok(len(lines) >= 2 and len(vectors) == 1 and all(shared for _, _, shared in lines),
         f"{name}: both NICs' ISRs on one shared vector {', '.join(sorted(vectors))}", diag=str(lines))
    if len(r["phases"]) < 2:
        t.ok(False, f"{name}: both phases ran", diag=diag)
        return
    (e1, s1, k1), (e2, s2, k2) = r["phases"]
    for phase, echoes in ((1, e1), (2, e2)):
        t.ok(all(e and e.ok for e in echoes), f"{name}: phase {phase}: both NICs echo {DATAGRAMS} datagrams at once",
             diag=" | ".join(e.summary() for e in echoes if e) + "\n" + diag)
    n0, n1 = s1.get("net0", {}), s1.get("net1", {})
    # Phase 1: net0 is first on the chain. It is asked about every interrupt of net1's, and says no.
    t.ok(n0.get("declined", 0) > 0 and n1.get("claimed", 0) > 0,
         f"{name}: net0's ISR returned FALSE for net1's interrupts ({n0.get('declined')} times)", diag=f"{s1}")
    agree = len(k1) >= 2 and k1[0] == (n0.get("claimed"), n0.get("declined")) and \
        k1[1] == (n1.get("claimed"), n1.get("declined"))
    t.ok(agree, f"{name}: the KINTERRUPT counts match the driver's", diag=f"kernel {k1}, driver {s1}")
    t.ok(r.get("restart"), f"{name}: net0 halted and restarted (MiniportHaltEx, MiniportInitializeEx)", diag=diag)
    m0, m1 = s2.get("net0", {}), s2.get("net1", {})
    newly_declined = m1.get("declined", 0) - n1.get("declined", 0)
    t.ok(newly_declined > 0 and m0.get("claimed", 0) > 0,
         f"{name}: net1's ISR returned FALSE for net0's interrupts ({newly_declined} times) once net0 was behind it",
         diag=f"before {s1}\nafter {s2}")
    t.diag(f"{name}: phase 1 net0 claimed {n0.get('claimed')} declined {n0.get('declined')}, net1 claimed "
           f"{n1.get('claimed')} declined {n1.get('declined')}; phase 2 net1 declined {newly_declined} more")
    t.ok(r.get("status") == 33, f"{name}: guest checks pass (exit status 33)", diag=f"status {r.get('status')}\n{diag}")


def main():
    t = Tap()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(run_machine, m, smp) for m, smp in MACHINES]
        for (machine, smp), f in zip(MACHINES, futures):
            name = f"2x e1000 on {machine} -smp {smp}"
            try:
                check(t, name, f.result())
            except Exception as exc:
                t.ok(False, f"{name}: run", diag=repr(exc))
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
