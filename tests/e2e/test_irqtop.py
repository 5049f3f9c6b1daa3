#!/usr/bin/env python3
"""test_irqtop - the shell's `irqtop`: interrupt rates per vector and CPU, refreshed every second
until a key is pressed (kernel/shell/cmd_irqtop.c, docs/shell.md).

Through COM1 like a person at the terminal (pc, 2 CPUs):
  * `irqtop 2` refreshes twice by itself and stops; each refresh has a header naming the CPUs'
    columns and a row for the clock vector (0xd1) with a rate on both CPUs; no line is wider
    than 80 columns (the ANSI clear-screen sequence aside);
  * `irqtop` with no count keeps refreshing until a key is pressed, then stops and gives the
    prompt back; the key is taken, not left on the next command line.
Judged on what is printed, never on timing: every wait has a generous timeout.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import irqlab_qemu  # noqa: E402
from tap import Tap  # noqa: E402

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
TIMEOUT = 120


def main():
    t = Tap()
    q = irqlab_qemu.Qemu(irqlab_qemu.kernel_elf(), smp=2, stdin=True, timeout=600, extra=["-nic", "none"])
    with q:
        if not q.expect(r"irqlab> ", timeout=TIMEOUT):
            t.ok(False, "boots to the prompt", diag=q.read()[-2000:])
            return t.finish()
        start = len(q.read())
        q.send("irqtop 2\n")
        done = q.expect(r"irqtop: stopped after 2 refreshes", timeout=TIMEOUT) and q.expect(r"irqlab> ", TIMEOUT)
        out = ANSI.sub("", q.read()[start:])
        t.ok(done, "irqtop 2 stops by itself after two refreshes", diag=out[-2000:])
        t.ok("irqtop 1:" in out and "irqtop 2:" in out and re.search(r"vec IRQL\s+CPU0\s+CPU1\s+total", out),
             "each refresh has its header with a column per CPU", diag=out[-2000:])
        clock = re.findall(r"^0xd1\s+13\s+(\d+)\s+(\d+)\s+(\d+)", out, re.M)
        t.ok(len(clock) == 2 and all(int(a) > 0 and int(b) > 0 for a, b, _ in clock),
             "the clock vector 0xd1 ticks on both CPUs in both refreshes", diag=str(clock) + "\n" + out[-1500:])
        wide = [line for line in out.splitlines() if len(line) > 80]
        t.ok(not wide, "no line wider than 80 columns", diag="\n".join(wide))

        start = len(q.read())
        q.send("irqtop\n")
        refreshed = q.expect(r"irqtop 2:", timeout=TIMEOUT)  # still going after the first second
        q.send("q")
        stopped = q.expect(r"irqtop: stopped after \d+ refresh", timeout=TIMEOUT) and q.expect(r"irqlab> ", TIMEOUT)
        t.ok(refreshed and stopped, "irqtop runs until a key is pressed, then gives the prompt back",
             diag=ANSI.sub("", q.read()[start:])[-2000:])
        start = len(q.read())
        q.send("cpus\n")
        q.expect(r"irqlab> ", timeout=TIMEOUT)
        after = q.read()[start:]
        t.ok(not after.lstrip().startswith("q"), "the key that stopped it is not typed into the next command",
             diag=after[:300])
        q.send("poweroff\n")
        q.wait(10)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
