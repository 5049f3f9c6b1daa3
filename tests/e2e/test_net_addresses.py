#!/usr/bin/env python3
"""test_net_addresses - `ping` with addresses that are not one host, and with our own address.

A ping asks one host for one reply, so `ping` refuses - with one sentence naming what the
address is, before sending anything - the limited broadcast 255.255.255.255, the unspecified
0.0.0.0, the subnet's broadcast 10.0.2.255 and network address 10.0.2.0, multicast and class-E
addresses, and loopback 127.0.0.1 (irqlab has no loopback adapter: it names the address to use).
Pinging the adapter's own address 10.0.2.15 is answered by irqlab's own ICMP service without the
NIC (docs/net.md), and `net` counts those datagrams as looped back.

One QEMU (pc, e1000 on QEMU's user network), its shell driven over COM1 like test_shell.py does.
"""
import os
import re
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_qemu import EXIT_SUCCESS, kernel_elf  # noqa: E402
from tap import Tap  # noqa: E402
from test_shell import KTEST_TIMEOUT, PROMPT, Shell  # noqa: E402

# address -> words the refusal must contain
NOT_HOSTS = {
    "255.255.255.255": "the limited broadcast address",
    "0.0.0.0": "the unspecified address",
    "10.0.2.255": "the broadcast address of the adapter's subnet",
    "10.0.2.0": "the network address of the adapter's subnet",
    "224.0.0.1": "a multicast group address",
    "240.0.0.1": "a reserved class E address",
    "127.0.0.1": "a loopback address",
}


def refusal_ok(out, address, words):
    """One sentence, nothing sent: no PING header, no per-sequence lines, no raw NTSTATUS."""
    return (out is not None and f"ping: {address} is {words}" in out and "not a host" in out
            and "PING" not in out and "seq=" not in out and "status 0x" not in out)


def main():
    signal.alarm(600)  # a hung QEMU must not hang `make test`
    t = Tap()
    if not os.path.exists(kernel_elf()):
        t.ok(False, f"{kernel_elf()} exists", diag="build it first: make kernel")
        return t.finish()
    sh = Shell("pc", 1, extra=["-netdev", "user,id=n0", "-device", "e1000,addr=05.0,netdev=n0"], name="pc/e1000")
    try:
        if not t.ok(sh.wait_for(re.escape(PROMPT), 60), "pc/e1000: boots to the irqlab> prompt", diag=sh.diag()):
            return t.finish()
        for address, words in NOT_HOSTS.items():
            out = sh.run(f"ping {address}\r", KTEST_TIMEOUT)
            t.ok(refusal_ok(out, address, words) and not sh.wide_lines(out),
                 f"ping {address}: refused in one sentence ({words}), nothing sent", diag=out)
        out = sh.run("ping 127.0.0.1\r", KTEST_TIMEOUT)
        t.ok(out is not None and "ping 10.0.2.15" in out, "ping 127.0.0.1 names the adapter's own address instead",
             diag=out)
        out = sh.run("net\r", KTEST_TIMEOUT)
        t.ok(out is not None and "tx 0 packets" in out, "the refused pings sent nothing, not even ARP", diag=out)

        out = sh.run("ping 10.0.2.15 3\r", KTEST_TIMEOUT)
        t.ok(out is not None and "3 sent, 3 replies" in out and "answered locally" in out and not sh.wide_lines(out),
             "ping 10.0.2.15 (our own address) gets 3 replies, answered locally", diag=out)
        out = sh.run("net\r", KTEST_TIMEOUT)
        t.ok(out is not None and "looped back 6" in out and "tx 0 packets" in out,
             "net: 3 requests + 3 replies looped back, still nothing on the wire", diag=out)
        out = sh.run("ping 10.0.2.2 2\r", KTEST_TIMEOUT)
        t.ok(out is not None and "2 sent, 2 replies" in out, "ping 10.0.2.2 (the gateway) still answers", diag=out)
        sh.send("poweroff\r")
        t.ok(sh.wait_exit(20) == EXIT_SUCCESS, "pc/e1000: poweroff ends QEMU with status 33")
    except Exception as e:  # a broken session must show up as a failure, not a traceback
        t.ok(False, "the session ran", diag=repr(e))
    finally:
        sh.close()
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
