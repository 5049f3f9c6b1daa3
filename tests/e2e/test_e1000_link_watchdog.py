#!/usr/bin/env python3
"""test_e1000_link_watchdog - the e1000 driver sees a pulled cable through its watchdog timer.

The guest runs ktest=e1000_serve with `e1000_link_irq=off` (the driver ignores the NIC's
link-status-change interrupt) and `e1000_watchdog_ms=200` (drivers/e1000/e1000_watchdog.c: a
periodic NDIS timer object polls STATUS.LU). The host pulls the cable and plugs it back with QMP's
`set_link` (the monitor command `set_link n0 off|on`; QEMU 7.2 net/net.c qmp_set_link). Checks,
for the e1000 (line interrupt) and the e1000e (MSI-X):

  * the driver logs "link down (watchdog)" then "link up ... (watchdog)" - the timer path, never
    "(interrupt)";
  * its counters agree: two link changes more, both found by the watchdog, and it polled;
  * traffic works again afterwards (the stats command travels over the link), the guest's own
    checks pass (exit status 33);
  * the control: with `e1000_watchdog_ms=0` as well, nothing in the driver ever reads the link
    state, so the same cable pull goes unnoticed (no link line, no link change counted) - the
    watchdog is what saw it above;
  * the interrupt path stays: with the LSC interrupt on and no watchdog (`e1000_watchdog_ms=0`)
    the e1000e (MSI-X "other" message) reports both changes "(interrupt)".

Verdicts count log lines and counters; every wait is for a condition, with a generous timeout.

    tests/e2e/test_e1000_link_watchdog.py
"""
import json
import os
import re
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_net import ServeGuest  # noqa: E402
from tap import Tap  # noqa: E402

CMDLINE = "e1000_link_irq=off e1000_watchdog_ms=200"
CONTROL = "e1000_link_irq=off e1000_watchdog_ms=0"
INTERRUPT_ONLY = "e1000_watchdog_ms=0"  # LSC on (the default), no watchdog: the interrupt path alone
CONFIGS = [("e1000", "pc", 1, CMDLINE), ("e1000e", "q35", 2, CMDLINE), ("e1000", "pc", 1, CONTROL),
           ("e1000e", "q35", 2, INTERRUPT_ONLY)]
WHO = {CMDLINE: "watchdog", INTERRUPT_ONLY: "interrupt"}


class Qmp:
    """The smallest QMP client: one command at a time, events skipped."""

    def __init__(self, path, timeout=60):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""
        self._reply()  # the greeting
        self.command("qmp_capabilities")

    def _reply(self):
        while True:
            while b"\n" not in self.buf:
                chunk = self.sock.recv(4096)
                if not chunk:
                    raise ConnectionError("QMP closed")
                self.buf += chunk
            line, self.buf = self.buf.split(b"\n", 1)
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def command(self, execute, **arguments):
        self.sock.sendall(json.dumps({"execute": execute, "arguments": arguments}).encode() + b"\n")
        reply = self._reply()
        if "error" in reply:
            raise RuntimeError(f"QMP {execute}: {reply['error']}")
        return reply.get("return")

    def close(self):
        self.sock.close()


def run(model, machine, smp, cmdline, tmp):
    qmp_path = os.path.join(tmp, f"qmp-{model}-{len(cmdline)}-{machine}.sock")
    control = cmdline == CONTROL
    out = {}
    g = ServeGuest(model, machine=machine, smp=smp, cmdline=cmdline,
                   extra=["-qmp", f"unix:{qmp_path},server=on,wait=off"])
    with g:
        out["argv"] = g.qemu.argv
        out["ready"] = bool(g.ready)
        if not g.ready:
            out["serial"] = g.output()
            return out
        out["before"] = g.stats().get("net0", {})
        qmp = Qmp(qmp_path)
        try:
            qmp.command("set_link", name="n0", up=False)
            if control:  # nothing to wait for: no code in the guest looks; give it time to (not) look
                time.sleep(2)
            else:
                out["down"] = bool(g.qemu.expect(r"link down \((\w+)\)", timeout=120))
            qmp.command("set_link", name="n0", up=True)
            if not control:
                out["up"] = bool(g.qemu.expect(r"link up, [^\n]*\((\w+)\)", timeout=120))
        finally:
            qmp.close()
        out["after"] = g.stats().get("net0", {})
        out["status"] = g.stop()
        out["serial"] = g.output()
    return out


def check_control(t, name, r):
    diag = "argv: " + " ".join(r.get("argv", [])) + "\n--- serial (end):\n" + r.get("serial", "")[-2500:]
    if not t.ok(r.get("ready"), f"{name}: driver up, guest ready", diag=diag):
        return
    b, a = r.get("before", {}), r.get("after", {})
    lines = re.findall(r"e1000: \S+ \S+: link (up|down)[^\n]*\((\w+)\)", r.get("serial", ""))
    t.ok(a and a.get("links") == b.get("links") and a.get("wd_polls") == 0
         and [l for l in lines if l[1] != "initialization"] == [],
         f"{name}: without the watchdog the pulled cable goes unnoticed (the timer is the path)",
         diag=f"before {b}\nafter {a}\nlink lines {lines}")
    t.ok(r.get("status") == 33, f"{name}: guest checks pass (exit status 33)", diag=f"status {r.get('status')}\n{diag}")


def check(t, name, r, who):
    diag = "argv: " + " ".join(r.get("argv", [])) + "\n--- serial (end):\n" + r.get("serial", "")[-2500:]
    if not t.ok(r.get("ready"), f"{name}: driver up, guest ready", diag=diag):
        return
    b, a = r.get("before", {}), r.get("after", {})
    irq = "off" if who == "watchdog" else "on"
    t.ok(b.get("link_irq") == irq and b.get("link") == "up", f"{name}: link up, LSC interrupt {irq}", diag=str(b))
    lines = re.findall(r"e1000: \S+ \S+: link (up|down)[^\n]*\((\w+)\)", r.get("serial", ""))
    after_init = [l for l in lines if l[1] != "initialization"]
    other = "interrupt" if who == "watchdog" else "watchdog"
    t.ok(r.get("down") and r.get("up") and after_init == [("down", who), ("up", who)],
         f"{name}: cable pulled and plugged back: seen by the {who}, not the {other}",
         diag=f"link lines after initialization: {after_init}\n{diag}")
    by_watchdog = a.get("wd_links", 0) - b.get("wd_links", 0)
    polled = a.get("wd_polls", 0) > b.get("wd_polls", 0)
    ok = (a.get("links", 0) - b.get("links", 0) == 2 and a.get("link") == "up"
          and ((by_watchdog == 2 and polled) if who == "watchdog" else (by_watchdog == 0 and a.get("wd_polls") == 0)))
    t.ok(ok, f"{name}: counters: 2 link changes, " + ("both by the watchdog, which kept polling" if who == "watchdog"
                                                       else "none by the (absent) watchdog"),
         diag=f"before {b}\nafter {a}")
    t.ok(r.get("status") == 33, f"{name}: traffic again after the cable is back, guest checks pass (exit status 33)",
         diag=f"status {r.get('status')}\n{diag}")


def main():
    t = Tap()
    with tempfile.TemporaryDirectory(prefix="irqlab-qmp-") as tmp:
        for model, machine, smp, cmdline in CONFIGS:
            name = f"{model} on {machine} -smp {smp}" + {CONTROL: " (control: no watchdog)",
                                                          INTERRUPT_ONLY: " (LSC interrupt only)"}.get(cmdline, "")
            try:
                r = run(model, machine, smp, cmdline, tmp)
            except Exception as exc:  # a broken host side must fail the test, not crash it
                t.ok(False, f"{name}: run", diag=repr(exc))
                continue
            if cmdline == CONTROL:
                check_control(t, name, r)
            else:
                check(t, name, r, WHO[cmdline])
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
