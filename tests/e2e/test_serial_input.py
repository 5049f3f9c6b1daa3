#!/usr/bin/env python3
"""test_serial_input - nothing a student types or pastes into COM1 is lost, and help fits 80 columns.

COM1 is a TCP socket as in test_shell.py (whose Shell class drives it): QEMU waits for our
connection before the guest runs, so "typed at boot" means written right after connecting.

  * Type-ahead at boot: `help` written 0.05 s after QEMU starts (the UART is not even programmed
    yet, the first key waits in its one-byte receiver) runs as `help`, not as `elp`; and a command
    written while the kernel is still logging (the UART's FIFO holds it until the serial driver
    starts) runs whole.
  * Pasting: 100 commands (650 bytes) in one write all run, in order; the driver pauses the
    receiver when its ring is full (flow control) instead of dropping, so `serial` says 0 dropped.
  * Long lines: a 255-character line arrives whole (`history` shows it, wrapped to 80 columns).
  * Output fits the terminal: `help`, `help <command>` for every command and the tables are at most
    80 columns, and wrapped help lines keep their hanging indent (the continuation of a
    "term   description" line starts under the description, and no line breaks early).

Every wait is for a prompt or a pattern with a generous timeout; nothing depends on host speed.
"""
import os
import re
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
sys.path.insert(0, HERE)
from irqlab_qemu import kernel_elf  # noqa: E402
from tap import Tap  # noqa: E402
from test_shell import ANSI, PROMPT, Shell  # noqa: E402

BOOT_TIMEOUT = 120
COMMAND_TIMEOUT = 60
WIDTH = 80  # columns of the terminal
TABLES = ["irq", "devices", "lspci", "cpus", "dpc", "pool", "mem", "serial", "acpi", "madt", "ioapic", "lapic",
          "cmdline", "history", "ktest", "net", "lpt status", "verifier"]


def serial_counts(out):
    """(bytes, dropped) from `serial`."""
    m = re.search(r"bytes received\s+(\d+)\s+dropped \(ring full\)\s+(\d+)", out or "")
    return (int(m.group(1)), int(m.group(2))) if m else (None, None)


def plain(text):
    return ANSI.sub("", text)


# ---- type-ahead at boot ------------------------------------------------------------------------

def session_boot_type_ahead(t):
    """`help` written 0.05 s after start; then pasting 100 commands and a 255-character line."""
    sh = Shell("pc", 2, name="pc/smp2 type-ahead")
    try:
        time.sleep(0.05)  # the scenario: a student typing at once (the verdict does not depend on it)
        sh.send("help\r")
        first = sh.wait_for(re.escape(PROMPT), BOOT_TIMEOUT)
        after = sh.wait_for(re.escape(PROMPT), COMMAND_TIMEOUT) if first else None
        segment = plain(sh.text()[first.start():after.start()]) if first and after else plain(sh.text()[-3000:])
        t.ok(after and segment.startswith(PROMPT + "help\n") and "commands:" in segment
             and "unknown command" not in segment,
             "help typed 0.05 s after QEMU starts arrives whole (not 'elp') and runs", diag=sh.diag(segment))
        paste(t, sh)
        long_line(t, sh)
    finally:
        sh.close()


def session_fifo_type_ahead(t):
    """A command typed while the kernel logs waits in the UART's FIFO until the driver starts."""
    sh = Shell("q35", 1, name="q35/smp1 type-ahead")
    try:
        logging = sh.wait_for(r"\[INFO \] (pmm|paging)", BOOT_TIMEOUT)
        sh.send("cpus\r")
        first = sh.wait_for(re.escape(PROMPT), BOOT_TIMEOUT)
        after = sh.wait_for(re.escape(PROMPT), COMMAND_TIMEOUT) if first else None
        segment = plain(sh.text()[first.start():after.start()]) if first and after else plain(sh.text()[-3000:])
        t.ok(logging and after and segment.startswith(PROMPT + "cpus\n") and "1 CPU online" in segment,
             "cpus typed while the kernel is still logging arrives whole and runs", diag=sh.diag(segment))
    finally:
        sh.close()


# ---- pasting and long lines ------------------------------------------------------------------------

def paste(t, sh):
    """100 commands in one write: every one runs, in order, and nothing is dropped. Half of them
    are `cmdline`, whose 40 lines of output keep the shell busy while the rest arrives, so the
    driver's ring fills up (before flow control, bytes were dropped there)."""
    names = [f"c{i:03d}" for i in range(50)]
    start = sh.pos
    sh.send("".join("cmdline\r" + n + "\r" for n in names))  # 650 bytes at once
    last = sh.wait_for(r"unknown command 'c049'[^\n]*\n" + re.escape(PROMPT), 300)
    segment = sh.text()[start:]
    ran = re.findall(r"unknown command '(c\d{3})'", segment)
    options = segment.count("options (name=values")
    t.ok(last and ran == names and options == 50,
         f"100 pasted commands (650 bytes in one write) all run, in order ({len(ran)} + {options} ran)",
         diag=f"missing {sorted(set(names) - set(ran))[:20]}\n" + sh.diag())
    out = sh.run("serial\r", COMMAND_TIMEOUT)
    received, dropped = serial_counts(out)
    paused = re.search(r"paused \(ring full, flow control\) (\d+) times", out or "")
    t.ok(received is not None and received >= 650 and dropped == 0,
         f"serial counts {received} bytes received, {dropped} dropped", diag=out)
    t.diag(f"the receiver paused {paused.group(1) if paused else '?'} times while the paste was read")


def long_line(t, sh):
    """A 255-character line arrives whole; `history` shows it wrapped within 80 columns."""
    # 15 words (a command takes at most 16) of 16 characters, the last one longer: 255 in all.
    words = [f"w{i:03d}" + "abcdefghijklmnopqrstuvwxyz"[i:i + 12] for i in range(15)]
    words[-1] += "x" * (255 - len(" ".join(words)))
    line = " ".join(words)
    assert len(line) == 255
    out = sh.run(line + "\r", COMMAND_TIMEOUT)
    t.ok(out is not None and f"unknown command '{words[0]}'" in out, "a 255-character line runs", diag=sh.diag(out or ""))
    out = sh.run("history\r", COMMAND_TIMEOUT)
    m = re.search(r"(?m)^\s+\d+  (w000\S* .*(?:\n {6}\S.*)*)", out or "")
    shown = " ".join(part.strip() for part in m.group(1).split("\n")) if m else ""
    t.ok(shown == line, "history shows the 255-character line whole", diag=f"got {len(shown)}: {shown!r}\n{out}")
    t.ok(out is not None and not wide(out), "history wraps it within 80 columns", diag="\n".join(wide(out or "")))
    out = sh.run("cpus\r", COMMAND_TIMEOUT)
    t.ok(out and "2 CPUs online" in out, "the shell still works after the long line", diag=out)


# ---- output fits the terminal ----------------------------------------------------------------------

def wide(out):
    return [line for line in out.split("\n") if len(line) > WIDTH]


def hang_of(line):
    """The column where the description of "  term   description" starts, or None."""
    m = re.match(r"^( +\S(?:\S| (?! ))*  +)\S", line)
    return len(m.group(1)) if m and len(m.group(1)) < WIDTH // 2 else None


def layout_problems(out, base=2):
    """Lines of help text that break the layout: wider than 80 columns, a continuation line that is
    not under its paragraph's description, or a line broken although the next word fit."""
    problems = []
    lines = [line for line in out.split("\n") if line.strip()]
    hang = None  # of the paragraph we are in
    prev = None
    for line in lines:
        if len(line) > WIDTH:
            problems.append(f"wider than {WIDTH}: {line!r}")
        indent = len(line) - len(line.lstrip(" "))
        if line.startswith("usage: ") or line.startswith("commands:") or line.startswith("keys:"):
            hang, prev = None, None
            continue
        if indent <= base:
            hang, prev = hang_of(line), line  # a new paragraph
            continue
        if hang is None:
            problems.append(f"indented by {indent} under a paragraph without a hanging indent: {line!r}")
        elif indent != hang:
            problems.append(f"indented by {indent}, its paragraph's description starts at {hang}: {line!r}")
        elif prev is not None and len(prev) + 1 + len(line.split()[0]) <= WIDTH - 1:
            problems.append(f"broken early (the next word fits on the line before): {prev!r} / {line!r}")
        prev = line
    return problems


def session_output_width(t):
    sh = Shell("pc", 2, extra=["-netdev", "user,id=n0", "-device", "e1000,netdev=n0,addr=05.0"],
               name="pc/smp2 width")
    try:
        if not t.ok(sh.wait_for(re.escape(PROMPT), BOOT_TIMEOUT), "pc/smp2: boots to the prompt", diag=sh.diag()):
            return
        out = sh.run("help\r", COMMAND_TIMEOUT) or ""
        names = re.findall(r"(?m)^  (\S+)\s", out)
        t.ok(len(names) > 10 and not layout_problems(out),
             f"help lists {len(names)} commands within {WIDTH} columns, summaries under themselves",
             diag="\n".join(layout_problems(out)) + "\n" + out)
        bad = {}
        for name in names:
            text = sh.run(f"help {name}\r", COMMAND_TIMEOUT)
            if text is None or not text.startswith("usage: "):
                bad[name] = ["no usage line", repr((text or "")[:200])]
                continue
            problems = layout_problems(text)
            if problems:
                bad[name] = problems + [text]
        t.ok(names and not bad, f"help <command> for all {len(names)} commands: within {WIDTH} columns, "
             "wrapped at blanks, hanging indents kept",
             diag="\n".join(f"help {n}:\n  " + "\n  ".join(p) for n, p in bad.items()))
        too_wide = {}
        for command in TABLES:
            text = sh.run(command + "\r", COMMAND_TIMEOUT)
            if text is None or wide(text):
                too_wide[command] = wide(text or "") or ["no prompt came back"]
        t.ok(not too_wide, f"the tables ({', '.join(TABLES)}) fit {WIDTH} columns",
             diag="\n".join(f"{c}: {w}" for c, w in too_wide.items()))
    finally:
        sh.close()


def main():
    signal.alarm(900)  # a hung QEMU must not hang `make test`
    t = Tap()
    if not os.path.exists(kernel_elf()):
        t.ok(False, f"{kernel_elf()} exists", diag="build it first: make kernel")
        return t.finish()
    for session in (session_boot_type_ahead, session_fifo_type_ahead, session_output_width):
        try:
            session(t)
        except Exception as e:  # a broken session must show up as a failure, not a traceback
            t.ok(False, f"{session.__name__} ran", diag=repr(e))
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
