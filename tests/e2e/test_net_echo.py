#!/usr/bin/env python3
"""test_net_echo - real UDP traffic through the e1000/e1000e NDIS miniport, in every interrupt mode.

For each NIC and interrupt mode, on -machine pc and q35, with 1 and 4 CPUs, build/ktest.elf boots
with `ktest=e1000_serve` (tests/ktest/e1000_serve_test.c) and a host UDP port forwarded to the
guest's echo port 7 (scripts/irqlab_net.py). Then:

  * the guest pings QEMU's gateway (10.0.2.2) and gets every reply (it prints them);
  * the host sends 1000 datagrams of 1..1472 bytes (the boundary sizes first: 1, 18, 982/983
    where a frame needs a second 1024-byte receive buffer, 1472), at most 16 in flight, and every
    echo must come back byte-identical (scripts/udp_echo_client.py);
  * the driver reports the mode NDIS granted - e1000: line; e1000e: MSI-X, MSI with msix=off,
    the line with msi=off - and in MSI-X mode RX and TX each arrived on their own message;
  * the guest's own checks pass (no receive errors; QEMU exits 33).

Two QEMUs run at a time. Output is TAP.

    tests/e2e/test_net_echo.py [--quick]     (--quick: pc, 1 CPU only)
"""
import argparse
import concurrent.futures
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_net import ServeGuest  # noqa: E402
from tap import Tap  # noqa: E402
from udp_echo_client import run_echo  # noqa: E402

MODES = [  # NIC model, kernel command line, the interrupt mode the driver must end up in
    ("e1000", "", "line"),
    ("e1000e", "", "msix"),
    ("e1000e", "msix=off", "msi"),
    ("e1000e", "msi=off", "line"),
]
MACHINES = [("pc", 1), ("q35", 1), ("pc", 4), ("q35", 4)]
DATAGRAMS = 1000
WINDOW = 16


def run_config(model, cmdline, machine, smp):
    out = {"argv": [], "serial": ""}
    with ServeGuest(model, machine=machine, smp=smp, cmdline=cmdline) as g:
        out["argv"] = g.qemu.argv
        out["ready"] = bool(g.ready)
        if g.ready:
            out["echo"] = run_echo(g.net.echo_ports[0], DATAGRAMS, window=WINDOW, timeout=15)
            out["stats"] = g.stats().get("net0", {})
            out["status"] = g.stop()
        out["serial"] = g.output()
    return out


def check(t, name, model, mode, r):
    diag = "argv: " + " ".join(r["argv"]) + "\n--- serial (end):\n" + r["serial"][-2500:]
    if not t.ok(r.get("ready"), f"{name}: driver up, guest ready", diag=diag):
        return
    replies = re.findall(r"ping 10\.0\.2\.2 seq \d: reply in (\d+) us", r["serial"])
    t.ok(len(replies) == 3 and "no reply" not in r["serial"], f"{name}: the gateway answers every ping",
         diag="\n".join(l for l in r["serial"].splitlines() if "ping" in l))
    e = r.get("echo")
    t.ok(e and e.ok, f"{name}: {DATAGRAMS} datagrams of 1-1472 bytes echoed byte-identical",
         diag=(e.summary() if e else "no result") + "\n" + diag)
    s = r.get("stats", {})
    t.ok(s.get("mode") == mode and s.get("link") == "up", f"{name}: {model} runs {mode} interrupts, link up",
         diag=str(s))
    ok = s.get("claimed", 0) > 0 and s.get("rx_err", 1) == 0 and s.get("rx", 0) >= DATAGRAMS
    if mode == "msix":  # RX and TX each arrived on their own message, with their own DPCs
        msgs = {int(m): (int(isr), int(dpc)) for m, isr, dpc in
                re.findall(r"msg (\d): isr (\d+) claimed \d+ declined \d+ +dpc asked \d+ queued \d+ ran (\d+)",
                           r["serial"])}
        ok = ok and all(msgs.get(m, (0, 0))[0] > 0 and msgs.get(m, (0, 0))[1] > 0 for m in (0, 1))
    t.ok(ok, f"{name}: interrupts claimed, frames received, no receive errors", diag=str(s))
    if e and e.ok:
        t.diag(f"{name}: {e.summary()}; {s.get('claimed')} interrupts for {s.get('rx')} frames")
    t.ok(r.get("status") == 33, f"{name}: guest checks pass (exit status 33)",
         diag=f"status {r.get('status')}\n{diag}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    machines = MACHINES[:1] if args.quick else MACHINES
    configs = [(model, cmdline, mode, machine, smp) for machine, smp in machines for model, cmdline, mode in MODES]
    t = Tap()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(run_config, model, cmdline, machine, smp) for model, cmdline, _, machine, smp in configs]
        for (model, cmdline, mode, machine, smp), f in zip(configs, futures):
            name = f"{model}{' ' + cmdline if cmdline else ''} on {machine} -smp {smp}"
            try:
                r = f.result()
            except Exception as exc:  # a broken host side must fail the test, not crash it
                t.ok(False, f"{name}: run", diag=repr(exc))
                continue
            check(t, name, model, mode, r)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
