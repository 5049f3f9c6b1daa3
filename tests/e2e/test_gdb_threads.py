#!/usr/bin/env python3
"""test_gdb_threads - the GDB helpers `kthreads` and `kthread-bt` (scripts/gdb/irqlab_gdb.py, docs/gdb.md).

QEMU (2 CPUs) starts paused with a gdb stub; `gdb -batch` loads build/ktest.elf as `make gdb`
does and runs `ktest=thread.dpc_wakeup_preempts_lower_priority`: a priority-20 thread "test"
waits for an event that a DPC on main's CPU sets. Stopped in that DPC (set_event_dpc):

  * `kthreads` lists main Running on CPU 0 (*), each CPU's idle thread, and "test" Waiting
    (Executive) at priority 20;
  * `kthread-bt test` walks the waiting thread's saved context (KTHREAD.KernelStack, the frame
    ke_swap_context pushed): switch_to <- ke_switch_away <- KeWaitForSingleObject <-
    wait_then_note <- ke_thread_start <- ke_thread_trampoline, with file:line;
  * `kthread-bt main` says it is running and to use `thread 1` + `bt`; an unknown id is one line.

    python3 tests/e2e/test_gdb_threads.py
"""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_qemu import Qemu, free_port, gdb_argv, ktest_elf  # noqa: E402
from tap import Tap  # noqa: E402

CMDLINE = "ktest=thread.dpc_wakeup_preempts_lower_priority"
SCRIPT = r"""
hbreak set_event_dpc
continue
echo @@threads\n
kthreads
echo @@bt\n
kthread-bt test
echo @@running\n
kthread-bt main
echo @@unknown\n
kthread-bt 4242
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
        with Qemu(elf, boot="kernel", smp=2, cmdline=CMDLINE, timeout=180,
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
    threads = s.get("threads", "")
    rows = {m.group(2): m for m in re.finditer(
        r"^\s*(\d+)\s+(main|idle \d|test)\s+(\w+)\s+(\d+)\s+(\d+)\s+(\d+)(\*?)\s+(\S+)\s+\d+$", threads, re.M)}
    t.ok(set(rows) == {"main", "idle 0", "idle 1", "test"}, "kthreads: main, both idle threads and the test thread",
         diag=threads or diag)
    main_row, test_row = rows.get("main"), rows.get("test")
    t.ok(main_row and main_row.group(3) == "Running" and main_row.group(7) == "*" and main_row.group(6) == "0",
         "kthreads: main is Running on CPU 0 (*)", diag=threads)
    t.ok(test_row and test_row.group(3) == "Waiting" and test_row.group(4) == "20" and test_row.group(8) == "Executive",
         "kthreads: the test thread waits (Executive) at priority 20", diag=threads)
    chain = re.findall(r"^#(\d+)\s+(\w+)\+0x[0-9a-f]+ at (\S+):(\d+)$", s.get("bt", ""), re.M)
    names = [c[1] for c in chain]
    expected = ["switch_to", "ke_switch_away", "KeWaitForSingleObject", "wait_then_note", "ke_thread_start",
                "ke_thread_trampoline"]
    t.ok(all(n in names for n in expected) and names[0] == "switch_to" and names[-1] == "ke_thread_trampoline"
         and [n for n in names if n in expected] == expected,
         "kthread-bt test: from switch_to down to ke_thread_trampoline, with file:line", diag=s.get("bt", "") or diag)
    t.ok(re.search(r"is running on CPU 0: `thread 1` then `bt`", s.get("running", "")),
         "kthread-bt main: a running thread is sent to gdb's own bt", diag=s.get("running", "") or diag)
    t.ok(re.search(r"kthread-bt: no thread 4242", s.get("unknown", "")) and "Traceback" not in out,
         "kthread-bt 4242: one line, no Python traceback", diag=s.get("unknown", "") or diag)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
