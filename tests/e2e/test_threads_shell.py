#!/usr/bin/env python3
"""test_threads_shell - the shell is a thread, and `threads` shows the dispatcher's view.

Boots build/kernel.elf (pc, -smp 2) with COM1 on a socket, as tests/e2e/test_shell.py does:
  * `threads` lists thread "main" Running (the shell, priority 8), one idle thread and one
    threaded-DPC thread (priority 31) per CPU and the system worker threads, in 80 columns;
    `help` lists the command;
  * `ktest thread` runs the thread suite from the shell thread (creating, preempting and joining
    threads), and afterwards `threads` shows the same threads again: every test thread was
    reaped, and main was switched to again.

    python3 tests/e2e/test_threads_shell.py
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_qemu import kernel_elf  # noqa: E402
from tap import Tap  # noqa: E402
from test_shell import KTEST_TIMEOUT, PROMPT, Shell  # noqa: E402

ROW = re.compile(r"(?m)^\s*(\d+)\s+(main|idle \d+|\S+(?: \S+)*?)\s+(\d+)\s+(\d+)\s+(\w+)\s+(\S+)\s+(\d+)\s+(\d+)/(\d+)K\s+(\S+)$")


# What runs after boot on -smp 2: the shell, an idle and a threaded-DPC thread per CPU, and the
# system worker threads (docs/scheduling.md, "Work items and threaded DPCs").
BOOT_THREADS = {"main", "idle 0", "idle 1", "dpc thread 0", "dpc thread 1", "worker crit 0", "worker crit 1",
                "worker dly 0", "worker dly 1", "worker hyper"}


def rows(out):
    return {m.group(2): m for m in ROW.finditer(out or "")}


def main():
    t = Tap()
    if not os.path.exists(kernel_elf()):
        t.ok(False, f"{kernel_elf()} exists", diag="build it first: make kernel")
        return t.finish()
    sh = Shell("pc", 2, name="pc/smp2")
    try:
        if not t.ok(sh.wait_for(re.escape(PROMPT), 90), "boots to the irqlab> prompt", diag=sh.diag()):
            return t.finish()
        out = sh.run("help\r")
        t.ok(out and re.search(r"(?m)^\s*threads\s", out), "help lists threads", diag=out)
        out = sh.run("threads\r")
        r = rows(out)
        main_row = r.get("main")
        t.ok(main_row and main_row.group(5) == "Running" and main_row.group(3) == "8",
             "threads: main (the shell) is Running at priority 8", diag=out)
        t.ok("idle 0" in r and "idle 1" in r and r["idle 0"].group(3) == "0",
             "threads: one idle thread per CPU, priority 0", diag=out)
        t.ok(out and f"{len(BOOT_THREADS)} threads" in out and set(r) == BOOT_THREADS and not sh.wide_lines(out),
             "threads: main, idle, DPC and worker threads, 80 columns", diag=out)
        t.ok(all(r[n].group(3) == "31" and r[n].group(5) == "Waiting" for n in ("dpc thread 0", "dpc thread 1"))
             and r["worker dly 0"].group(3) == "12" and r["worker crit 0"].group(3) == "13"
             and r["worker hyper"].group(3) == "15",
             "threads: a priority-31 threaded-DPC thread per CPU and the worker threads at 12, 13, 15", diag=out)
        before = int(main_row.group(10).replace(",", "")) if main_row and main_row.group(10).replace(",", "").isdigit() else None

        out = sh.run("ktest thread\r", timeout=KTEST_TIMEOUT)
        t.ok(out and re.search(r"ktest: [1-9]\d* passed, 0 failed", out), "ktest thread passes when run from the shell thread",
             diag=(out or sh.diag())[-2000:])

        out = sh.run("threads\r")
        r = rows(out)
        after_row = r.get("main")
        after = int(after_row.group(10).replace(",", "")) if after_row and after_row.group(10).replace(",", "").isdigit() else None
        t.ok(out and f"{len(BOOT_THREADS)} threads" in out and set(r) == BOOT_THREADS,
             "threads: the test threads are gone afterwards (terminated and reaped)", diag=out)
        t.ok(before is not None and after is not None and after > before,
             "threads: main was switched to again while it waited for its test threads", diag=out)
        sh.send("poweroff\r")
        t.ok(sh.wait_exit(20) == 33, "poweroff ends QEMU with status 33")
    finally:
        sh.close()
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
