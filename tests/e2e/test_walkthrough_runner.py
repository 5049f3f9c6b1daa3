#!/usr/bin/env python3
"""test_walkthrough_runner - scripts/walkthrough.py itself: parsing, matching, and the session runner
with a fake gdb session (no QEMU, a few seconds).

The doc tests are only as good as their matcher: these cases prove that varying numbers and
addresses pass while a renamed command, a renamed symbol or a missing line fails; that unmarked
blocks are found; that `make gdb` lines reach GdbSession with the words a reader typed, `(gdb)`
lines are typed into it and checked, a `continue` before an `irqlab>` block waits while the reader
types at the guest prompt, and `<port>` is the port the session printed.
"""
import os
import re
import sys
import tempfile
import threading

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))
import walkthrough as wt  # noqa: E402
from tap import Tap  # noqa: E402

PAGE = """# A page

<!-- walkthrough: demo machine=q35 -->
```sh
make qemu-gdb QEMU_EXTRA='-device edu' CMDLINE='nodriver=edu'   # terminal 1
make gdb BREAK=                                                 # terminal 2: starts the session
```

<!-- walkthrough: demo -->
```gdb
(gdb) break MydriverServiceInterrupt
Breakpoint 1 at 0xffffffff80104a2c: file drivers/mydriver/mydriver.c, line 70.
(gdb) continue                 # boots to the prompt
```

<!-- walkthrough: demo -->
```irqlab
irqlab> mydriver raise
```

<!-- walkthrough: demo -->
```gdb
Continuing.
Breakpoint 1, MydriverServiceInterrupt (Ext=0xffff800000123000) at x.c:71
(gdb) bt
#0  MydriverServiceInterrupt (Ext=0x...) at drivers/mydriver/mydriver.c:70
...
(gdb) p $cr8
$1 = 4
```

<!-- walkthrough: demo -->
```sh
echo <port>
```

<!-- walkthrough: demo -->
```
5555
```

<!-- not-run: a fragment -->
```c
int x;
```

```
an unmarked block
```
"""


class FakeGdb:
    """Plays gdb + QEMU: the breakpoint is hit only after the console gets `mydriver raise`."""
    instances = []

    def __init__(self, make_args, cwd, log_dir, mode="two"):
        self.make_args, self.cwd, self.typed, self.console, self.mode = make_args, cwd, [], "", mode
        self.waiting = None
        self.raised = threading.Event()
        self.closed = False
        self.symbol = "MydriverServiceInterrupt"
        FakeGdb.instances.append(self)

    def gdb(self, command, timeout=120, wait=True):
        self.typed.append(command)
        if not wait:
            self.waiting = command
            return ""
        return self.answer(command, timeout)

    def answer(self, command, timeout):
        if command.startswith("break "):
            if command.split()[1] != self.symbol:
                return f'Function "{command.split()[1]}" not defined.'
            return "Breakpoint 1 at 0xffffffff80104b10: file drivers/mydriver/mydriver.c, line 71."
        if command == "continue":
            if not self.raised.wait(timeout):
                return "(timeout)"
            return "Continuing.\n\nBreakpoint 1, MydriverServiceInterrupt (Ext=0xffff800000123000) at x.c:71"
        if command == "bt":
            return ("#0  MydriverServiceInterrupt (Ext=0xffff800000123000) at drivers/mydriver/mydriver.c:71\n"
                    "#1  0xffffffff80101234 in invoke_isr ()")
        if command == "p $cr8":
            return "$1 = 4"
        return ""

    def gdb_wait(self, timeout=120):
        command, self.waiting = self.waiting, None
        self.typed.append(f"(waited for {command})")
        return self.answer(command, timeout) if command else ""

    def gdb_output(self):
        return ""

    def console_write(self, text):
        self.console += text
        if "mydriver raise" in text:
            self.raised.set()

    def console_expect(self, regex, timeout=120):
        return ""

    def console_output(self):
        return "irqlab> " + self.console

    def host_udp_port(self):
        return 5555

    def close(self):
        self.closed = True


def run_page(text, gdb_class=FakeGdb):
    blocks = wt.parse_text(text, "page.md")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        runner = wt.Runner(tmp, tmp, lambda ok, name, diag: results.append((ok, name, diag)),
                           gdb_factory=lambda args, cwd, logs, mode="two": gdb_class(args, cwd, logs, mode))
        runner.run(wt.sessions(blocks)[("page.md", "demo")])
    return results


def main():
    t = Tap()
    blocks = wt.parse_text(PAGE, "page.md")
    demo = wt.sessions(blocks).get(("page.md", "demo"), [])
    t.ok(len(demo) == 6 and [b.lang for b in demo] == ["sh", "gdb", "irqlab", "gdb", "sh", ""],
         "blocks with one walkthrough NAME form one session, in page order", diag=[b.lang for b in demo])
    t.ok(wt.session_options(demo) == {"machine": "q35"}, "marker options are parsed (machine=q35)")
    t.ok([b.line for b in wt.unmarked(blocks)] == [PAGE.split("\n").index("an unmarked block")],
         "an unmarked fenced block is reported; a not-run one is not",
         diag=[b.where() for b in wt.unmarked(blocks)])
    t.ok(wt.programs("echo hi | nc -u -w1 127.0.0.1 <port> && FOO=1 scripts/grade.py x") ==
         ["echo", "nc", "scripts/grade.py"], "the programs of a host command line are found")

    match = wt.match_lines
    out = ("mydriver: started, message-based (MSI), vector 0x41, IRQL 4\n  ISR calls 12  claimed 12  DPC runs 3\n"
           "irqlab 0.1.0 (9f3e2a1) - kernel\n")
    t.ok(match(["mydriver: started, message-based (MSI), vector 0x40, IRQL 4", "  ISR calls 1  claimed 1  DPC runs 1",
                "irqlab 0.2.0 (1191c32) - kernel"], out) is None,
         "numbers, hex numbers, git revisions and spacing may vary")
    t.ok(match(["yourdriver: started, message-based (MSI), vector 0x40, IRQL 4"], out) is not None,
         "a renamed word fails")
    t.ok(match(["mydriver: started, line-based (fallback ISR), vector 0x40"], out) is not None,
         "a different mode fails (whole-line match)")
    t.ok(match(["mydriver: started, ...", "a line that is not there"], out) is not None, "a missing line fails")
    t.ok(match(["  ISR calls 1  claimed 1  DPC runs 1", "mydriver: started, ..."], out) is not None,
         "lines out of order fail")
    t.ok(match(["...", "irqlab ... - kernel"], out) is None, "`...` matches anything")

    results = run_page(PAGE)
    fake = FakeGdb.instances[-1] if FakeGdb.instances else None
    t.ok(results and all(ok for ok, _, _ in results), "the fake gdb session runs every block",
         diag="\n".join(f"{ok} {name} {diag}" for ok, name, diag in results))
    t.ok(fake and fake.make_args == ["QEMU_EXTRA=-device edu", "CMDLINE=nodriver=edu", "BREAK=", "BUILD=build"]
         and fake.mode == "two",
         "one two-terminal GdbSession gets the words after `make qemu-gdb` and `make gdb`, shell-split",
         diag=fake and (fake.make_args, fake.mode))
    t.ok(fake and fake.typed == ["break MydriverServiceInterrupt", "continue", "(waited for continue)", "bt",
                                 "p $cr8"],
         "(gdb) lines are typed without their comments; a continue before irqlab> input is typed without "
         "waiting and waited for after the input", diag=fake and fake.typed)
    t.ok(fake and fake.console == "mydriver raise\r", "irqlab> lines go to the guest console while gdb continues")
    t.ok(fake and fake.closed, "the session is closed at the end")

    class Renamed(FakeGdb):
        def __init__(self, *a):
            super().__init__(*a)
            self.symbol = "MydriverIsr"
    results = run_page(PAGE, Renamed)
    failed = [name for ok, name, _ in results if not ok]
    t.ok(len(failed) >= 1 and failed[0].endswith("(gdb)") and results[0][0],
         "a breakpoint on a function that was renamed fails its block", diag=results)

    class NoBt(FakeGdb):
        def gdb(self, command, timeout=120, wait=True):
            if command.startswith("p "):
                return "Undefined command: \"p\".  Try \"help\"."
            return super().gdb(command, timeout, wait)
    results = run_page(PAGE.replace("$1 = 4\n", ""), NoBt)
    failed = [name for ok, name, _ in results if not ok]
    t.ok(failed and failed[0] == "page.md:22 (gdb)" and "Undefined command" in results[3][2],
         "a gdb error fails its step even with no expected output shown", diag=results)
    # The continue rule at the end of a walk-through, terminal 1's output after it, a host command
    # as a third terminal, and a `make qemu-gdb` with no `make gdb`.
    class Runs(FakeGdb):
        said = "Continuing."
        def gdb(self, command, timeout=120, wait=True):
            if command == "continue" and not wait:
                self.console += "raised: the ISR and the DPC ran\nirqlab> "
            return super().gdb(command, timeout, wait)

        def gdb_output(self):
            return (self.said + "\n") * self.typed.count("continue") if self.said else ""
    tail = """
<!-- walkthrough: demo timeout=3 -->
```gdb
(gdb) continue
```

<!-- walkthrough: demo -->
```
raised: the ISR and the DPC ran
```
"""
    page = PAGE.split("<!-- not-run")[0] + tail
    results = run_page(page, Runs)
    t.ok(results and all(ok for ok, _, _ in results),
         "a final continue is typed without waiting; the output block after it is terminal 1's output since",
         diag="\n".join(f"{ok} {name} {diag}" for ok, name, diag in results))
    Runs.said = ""
    results = run_page(page, Runs)
    t.ok(results and not results[-1][0] and "Continuing." in results[-1][2],
         "a final continue that gdb did not take (no `Continuing.`) fails the last block", diag=results)
    Runs.said = "Continuing."
    results = run_page(page.replace("raised: the ISR and the DPC ran\n```", "raised: the ISR ran\n```"), Runs)
    t.ok(results and not results[-1][0] and "terminal 1" in results[-1][2],
         "terminal 1 not saying what the page shows fails", diag=results)
    results = run_page(page.replace("echo <port>", "echo <port>; false"), Runs)
    t.ok(results and not all(ok for ok, _, _ in results) and any("status 1" in d for _, _, d in results),
         "a host command of a gdb session (a third terminal) must exit 0", diag=results)
    results = run_page(PAGE.replace("make gdb BREAK=", "echo no make gdb"))
    t.ok(results and not results[0][0] and "make gdb" in results[0][2],
         "`make qemu-gdb` with no `make gdb` after it fails", diag=results[:1])
    t.ok(wt.SHELL_ERROR.search("unknown command 'mydrivr' (type 'help' for the list of commands)"),
         "the shell's `unknown command` answer is recognised (fails an irqlab> step)")
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
