#!/usr/bin/env python3
"""test_gdb_switch - a student can follow a context switch in GDB (docs/scheduling.md).

QEMU starts paused with a gdb stub; `gdb -batch` loads build/ktest.elf as `make gdb` does, runs
`ktest=thread.dpc_wakeup_preempts_lower_priority` (which switches threads), and follows the
recipe of docs/scheduling.md: break in ke_swap_context, look at the leaving and arriving threads
from switch_to's frame, step over the stack switch and the `ret`, and `bt` in the arriving thread.

    python3 tests/e2e/test_gdb_switch.py
"""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_qemu import Qemu, free_port, gdb_argv, ktest_elf  # noqa: E402
from tap import Tap  # noqa: E402

CMDLINE = "ktest=thread.dpc_wakeup_preempts_lower_priority"
SCRIPT = r"""
hbreak ke_swap_context
continue
echo @@hit\n
frame
up
echo @@names\n
print old->Name
print next->Name
print old->ThreadId != next->ThreadId
down
stepi 15
echo @@arrived\n
bt
echo @@end\n
kill
"""


def sections(output):
    parts = {}
    for chunk in output.split("@@")[1:]:
        name, _, body = chunk.partition("\n")
        parts[name.strip()] = body
    return parts


def main():
    t = Tap()
    elf = ktest_elf()
    if not os.path.exists(elf):
        t.ok(False, f"{elf} exists", diag="build it first: make build/ktest.elf")
        return t.finish()
    port = free_port()
    with tempfile.NamedTemporaryFile("w", suffix=".gdb", delete=False) as f:
        f.write(SCRIPT)
        script = f.name
    try:
        with Qemu(elf, boot="kernel", cmdline=CMDLINE, timeout=180,
                  extra=["-S", "-gdb", f"tcp:127.0.0.1:{port}"]) as q:
            argv = gdb_argv(elf, port, batch=True, scripts=[script])
            try:
                g = subprocess.run(argv, capture_output=True, text=True, timeout=150, stdin=subprocess.DEVNULL)
                out = g.stdout + g.stderr
            except subprocess.TimeoutExpired as e:
                out = f"gdb timed out\n{e.stdout or ''}{e.stderr or ''}"
            q.wait(20)
    finally:
        os.unlink(script)
    s = sections(out)
    diag = out[-3000:]
    t.ok(re.search(r"ke_swap_context", s.get("hit", "")), "break ke_swap_context stops there", diag=diag)
    names = s.get("names", "")
    t.ok(len(re.findall(r'^\$\d+ = "[^"]+"', names, re.M)) == 2 and re.search(r"^\$\d+ = (true|1)$", names, re.M),
         "up: switch_to's old and next threads have names and different ids", diag=names or diag)
    arrived = s.get("arrived", "")
    t.ok(re.search(r"^#0\s", arrived, re.M) and re.search(r"switch_to|ke_thread_start|ke_thread_trampoline", arrived)
         and "ke_swap_context" not in arrived.split("\n#1")[0],
         "stepi 15 lands in the arriving thread, whose call chain bt shows", diag=arrived or diag)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
