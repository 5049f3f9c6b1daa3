#!/usr/bin/env python3
"""test_ktest_at_prompt - what passes in build/ktest.elf must pass at the prompt of build/kernel.elf.

At the prompt the drivers are running (the edu driver holds every edu, the e1000 driver the
e1000e, the serial driver COM1) and the cases are called from the shell's `ktest` command, not
from ktest_main: a case that silently relied on the test kernel's situation fails here.

  * pc and q35 (2 CPUs) with the devices `make test` gives every in-guest run: `ktest *`
  * pc with 8 edu devices and msi=off (edus sharing INTx lines with the edu driver's ISRs):
    `ktest pci`

Each case is one TAP line (`<machine>: suite.case`); a case may skip only with a reason. The
KTAP is judged by the same parser as `make check-ktest` (scripts/ktest_runner.py). Every wait is
bounded: a case that makes no progress for 120 s ends the run as TIMEOUT.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import irqlab_qemu  # noqa: E402
import ktest_runner  # noqa: E402
from tap import Tap  # noqa: E402

PROMPT = "irqlab> "
BOOT_TIMEOUT = 120
CASE_TIMEOUT = 120  # no KTAP progress for this long: the run is stuck
SUMMARY = re.compile(r"^ktest: (\d+) passed, (\d+) failed, (\d+) skipped")
EIGHT_EDUS = [w for _ in range(8) for w in ("-device", "edu")] + ["-nic", "none"]

RUNS = [
    # (name, machine, smp, cmdline, extra, glob)
    ("pc prompt", "pc", 2, "", ktest_runner.KTEST_DEVICES, "*"),
    ("q35 prompt", "q35", 2, "", ktest_runner.KTEST_DEVICES, "*"),
    ("pc 8 edu msi=off prompt", "pc", 1, "msi=off", EIGHT_EDUS, "pci"),
]


def run_at_prompt(machine, smp, cmdline, extra, glob):
    """Boot kernel.elf, type `ktest <glob>`, parse its KTAP. Returns (parser, problems, argv, log)."""
    q = irqlab_qemu.Qemu(irqlab_qemu.kernel_elf(), machine=machine, smp=smp, cmdline=cmdline, extra=extra,
                         stdin=True, timeout=0)
    parser, problems = ktest_runner.KtapParser(), []
    try:
        q.start()
        if not q.expect(re.escape(PROMPT), BOOT_TIMEOUT):
            return parser, ["no prompt within %d s" % BOOT_TIMEOUT], q.argv, q.log_path
        start = len(q.read())
        q.send(f"ktest {glob}\n")
        consumed, progress, last = start, -1, time.monotonic()
        summary = None
        while summary is None:
            text = q.read()
            end = text.rfind("\n") + 1
            for line in text[consumed:end].splitlines():
                parser.feed(line)
                summary = summary or SUMMARY.match(line.strip())
            consumed = max(consumed, end)
            if parser.progress != progress:
                progress, last = parser.progress, time.monotonic()
            if not q.running():
                problems.append(f"QEMU exited (status {q.proc.returncode}) before the ktest summary: "
                                + " | ".join(q.stderr().strip().splitlines()[-3:]))
                break
            if time.monotonic() - last > CASE_TIMEOUT:
                problems.append(f"TIMEOUT: no progress for {CASE_TIMEOUT} s"
                                + (f" (in {parser.running})" if parser.running else ""))
                break
            time.sleep(0.05)
        if summary and not q.expect(re.escape(PROMPT), 30):
            problems.append("no prompt after the ktest summary")
        if parser.stop_screen:
            problems.append("stop screen: " + parser.stop_screen[0].strip())
        if parser.running:
            problems.append(f"{parser.running} started but never reported")
        if summary and parser.totals and tuple(int(x) for x in summary.groups()) != parser.totals[:3]:
            problems.append(f"shell summary {summary.group(0)!r} disagrees with KTAP totals {parser.totals}")
        if summary and not parser.totals:
            problems.append("no KTAP '# Totals' line")
        problems += parser.problems
        if q.running():
            q.send("poweroff\n")
            q.wait(30)
        return parser, problems, q.argv, q.log_path
    finally:
        q.kill()
        q.cleanup()


def main():
    tap = Tap()
    for name, machine, smp, cmdline, extra, glob in RUNS:
        parser, problems, argv, log = run_at_prompt(machine, smp, cmdline, extra, glob)
        where = f"serial log: {log}\nreproduce: {irqlab_qemu.reproduce_line(argv)} (then type: ktest {glob})"
        for c in parser.cases:
            if c.skipped and c.ok:
                reason = c.directive[4:].strip()
                if reason:
                    tap.skip(f"{name}: {c.name}", reason)
                else:
                    tap.ok(False, f"{name}: {c.name} skipped without a reason", diag=where)
            else:
                tap.ok(c.ok, f"{name}: {c.name}", diag="\n".join(c.diag[:12] + [where]), directive=c.directive)
        tap.ok(not problems and bool(parser.cases), f"{name}: ktest {glob} ran to its summary",
               diag="\n".join(problems + ([] if parser.cases else ["no test case reported"]) + [where]))
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
