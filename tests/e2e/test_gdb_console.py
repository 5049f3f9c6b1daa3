#!/usr/bin/env python3
"""test_gdb_console - debugging with a console: what the docs' walk-throughs do not run themselves.

The walk-throughs of docs/gdb.md (the clock, the helpers, a DPC, a crash, the e1000 with a
datagram from a third terminal), README's first steps and the tutorial's §6 (a breakpoint in a
new driver's ISR hit by `irqlab> mydriver raise`) run as written in tests/e2e/test_walkthroughs.py
and test_student_tree.py (scripts/walkthrough.py): no copy of their steps here to drift. This
test checks the rest those pages promise, with the real make targets on pseudo-terminals
(scripts/gdb_session.py), as a student types them:

  1. `make gdb BREAK=E1000Isr` stops there by itself once a datagram arrives; Ctrl-C in gdb's
     terminal stops the guest; `quit` detaches and the guest runs on (terminal 1 answers).
  2. A misspelt BREAK stops with gdb's error instead of running on.
  3. The one-terminal fallback: `make gdb` alone, `make console` in a second terminal types at
     the guest.
  4. .vscode/launch.json's gdb commands, run through `gdb -batch` against `make qemu-gdb`: they
     attach, stop at kernel_main and the helpers work; .vscode/tasks.json starts `make qemu-gdb`
     and its end pattern matches the real banner.

Every wait has a timeout (generous: TCG on a loaded host); QEMU runs under `timeout`; the whole
script is ended by an alarm.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))
sys.path.insert(0, HERE)
from gdb_session import GdbSession, SessionTimeout, Terminal  # noqa: E402
from tap import Tap  # noqa: E402

BOOT_TIMEOUT = 240   # paused QEMU -> irqlab> under TCG on a busy host
STOP_TIMEOUT = 120   # an interrupt's breakpoint after its cause
PROMPT = r"(?m)^irqlab> "


def log_dir():
    base = os.environ.get("IRQLAB_TEST_LOGS") or os.path.join(os.environ.get("IRQLAB_BUILD") or
                                                             os.path.join(REPO, "build"), "test-logs")
    path = os.path.join(base, "gdb-console")
    os.makedirs(path, exist_ok=True)
    return path


def build_args():
    """BUILD= for the sessions in this tree, when the tests run against another build directory."""
    build = os.environ.get("IRQLAB_BUILD")
    if build and os.path.abspath(build) != os.path.join(REPO, "build"):
        return [f"BUILD={os.path.abspath(build)}"]
    return []


def tail(s, text):
    return f"{text}\n--- gdb terminal ---\n{s.gdb_output()[-2500:]}\n--- console ---\n{s.console_output()[-2500:]}"


# ---- 1. make gdb BREAK=, Ctrl-C, quit ----------------------------------------------------------

def echo_client(port, cwd):
    """A third terminal: one datagram, waiting as long as gdb holds the guest."""
    return subprocess.Popen([sys.executable, "scripts/udp_echo_client.py", str(port), "--count", "1", "--timeout",
                             str(BOOT_TIMEOUT)], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish_client(client):
    try:
        out, _ = client.communicate(timeout=BOOT_TIMEOUT + 30)
    except subprocess.TimeoutExpired:
        client.kill()
        out, _ = client.communicate()
    return client.returncode, out



def break_variable(t):
    with GdbSession(build_args() + ["BREAK=E1000Isr"], cwd=REPO, log_dir=log_dir()) as s:
        s.console_expect(PROMPT, timeout=BOOT_TIMEOUT)
        port = s.host_udp_port()
        client = echo_client(port, REPO) if port else None
        try:
            out = s.gdb_wait(STOP_TIMEOUT)
        except SessionTimeout as e:
            out = f"(no stop) {e}"
        t.ok(re.search(r"Breakpoint 1, E1000Isr \(", out), "make gdb BREAK=E1000Isr stops in E1000Isr by itself",
             diag=tail(s, out))
        s.gdb("delete")
        s.gdb("continue", wait=False)
        if client:
            finish_client(client)
        # Ctrl-C in gdb's terminal stops the guest (QEMU and make ignore it); quit then ends
        # make gdb and lets the guest run on.
        s.gdb_interrupt()
        try:
            out = s.gdb_wait(STOP_TIMEOUT)
        except SessionTimeout as e:
            out = f"(no stop) {e}"
        t.ok("Program received signal SIGINT" in out, "Ctrl-C in make gdb's terminal stops the guest", diag=out)
        s.gdb("quit", wait=False)
        try:
            s.gdb_term.proc.wait(60)
        except subprocess.TimeoutExpired:
            pass
        s.gdb_term.done.wait(30)  # the last output read
        text = s.gdb_output()
        t.ok(not s.gdb_term.alive() and "[Inferior 1 (process 1) detached]" in text,
             "after Ctrl-C, quit detaches and make gdb ends", diag=text[-1500:])
        mark = s.console_mark()
        s.console_write("cpus\r")
        try:
            s.console_expect(r"CPU online", timeout=STOP_TIMEOUT, since=mark)
            runs_on = True
        except SessionTimeout:
            runs_on = False
        t.ok(runs_on, "after quit the guest runs on: the console in terminal 1 answers", diag=tail(s, ""))


# ---- 3. one terminal + make console -------------------------------------------------------------

def one_terminal(t):
    with GdbSession(build_args(), cwd=REPO, log_dir=log_dir(), mode="one") as s:
        out = s.gdb("continue", timeout=BOOT_TIMEOUT)
        t.ok(re.search(r"Breakpoint 1, kernel_main \(", out), "one terminal: make gdb stops at kernel_main",
             diag=tail(s, out))
        s.gdb("continue", wait=False)
        s.console_expect(PROMPT, timeout=BOOT_TIMEOUT)
        mark = s.console_mark()
        s.console_write("cpus\r")
        try:
            s.console_expect(r"CPU[^\n]*\n(?:.*\n)*?irqlab> ", timeout=STOP_TIMEOUT, since=mark)
            answered = True
        except SessionTimeout:
            answered = False
        t.ok(answered, "one terminal: `make console` in a second terminal types at irqlab> (cpus answers)",
             diag=tail(s, ""))
        gdb_side = s.gdb_output()
        t.ok(re.search(PROMPT, gdb_side), "one terminal: the guest's output also shows in make gdb's terminal",
             diag=gdb_side[-2000:])


# ---- 4. .vscode ----------------------------------------------------------------------------------

def vscode(t, tmp):
    with open(os.path.join(REPO, ".vscode", "launch.json")) as f:
        launch = json.load(f)
    with open(os.path.join(REPO, ".vscode", "tasks.json")) as f:
        tasks = json.load(f)
    config = next(c for c in launch["configurations"] if c.get("type") == "cppdbg")
    task = next(k for k in tasks["tasks"] if k["label"] == config.get("preLaunchTask"))
    t.ok(task["command"].split()[:2] == ["make", "qemu-gdb"] and task.get("isBackground"),
         ".vscode: the launch's preLaunchTask runs `make qemu-gdb` in the background", diag=json.dumps(task))
    commands = [c["text"] for c in config.get("setupCommands", []) + config.get("customLaunchSetupCommands", [])]
    commands = [c.replace("${workspaceFolder}", REPO) for c in commands]
    build = os.environ.get("IRQLAB_BUILD")
    if build:
        commands = [c.replace(os.path.join(REPO, "build") + "/", os.path.abspath(build) + "/") for c in commands]

    state = tempfile.mkdtemp(prefix="vscode-", dir=tmp)
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env.update(TERM="dumb", IRQLAB_GDB_STATE=state, TIMEOUT="300")
    term = Terminal(["make", "--no-print-directory", task["command"].split()[1], *build_args()], REPO, env,
                    os.path.join(log_dir(), "vscode-qemu-gdb.log"))
    try:
        ends = task["problemMatcher"]["background"]["endsPattern"]
        try:
            term.expect(re.compile(ends, re.M), timeout=300, what="tasks.json's endsPattern")
            matched = True
        except SessionTimeout:
            matched = False
        t.ok(matched, ".vscode: tasks.json's endsPattern matches make qemu-gdb's banner", diag=term.text())
        script = commands + ["continue", "echo @@stopped\\n", "bt 1", "irql", "kill"]
        argv = ["gdb", "-q", "-nx", "-batch"]
        for c in script:
            argv += ["-ex", c]
        try:
            r = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=240,
                               stdin=subprocess.DEVNULL)
            out = r.stdout + r.stderr
        except subprocess.TimeoutExpired as e:
            out = f"gdb timed out\n{e.stdout}\n{e.stderr}"
        after = out.split("@@stopped", 1)[-1]
        t.ok(re.search(r"^#0\s+kernel_main \(", after, re.M),
             ".vscode: launch.json's gdb commands (gdb -batch) attach to make qemu-gdb and stop at kernel_main",
             diag="\n".join(commands) + "\n" + out[-3000:])
        t.ok(re.search(r"CPU APIC Thread", after) and "Python Exception" not in out and "Error" not in out,
             ".vscode: the helpers are loaded (irql) and no command failed", diag=out[-3000:])
    finally:
        term.close()


def misspelt_break_batch(t):
    """irqlab-run-to (make gdb BREAK=) stops at a name gdb does not know instead of continuing."""
    elf = os.path.join(os.path.abspath(os.environ.get("IRQLAB_BUILD") or os.path.join(REPO, "build")), "kernel.elf")
    r = subprocess.run(["gdb", "-q", "-nx", "-batch", "-ex", f"file {elf}",
                        "-x", os.path.join(REPO, "scripts", "irqlab.gdb"), "-ex", "irqlab-run-to NoSuchFunction",
                        "-ex", "echo @@after\\n"], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    out = r.stdout + r.stderr
    t.ok('Function "NoSuchFunction" not defined.' in out and "The program is not being run" not in out,
         "BREAK=NoSuchFunction: gdb says the name is unknown and does not continue", diag=out)


def main():
    signal.alarm(850)  # before run_tests.py's E2E_TIMEOUT (900 s), so the TAP so far is kept
    t = Tap()
    tmp = tempfile.mkdtemp(prefix="irqlab-gdb-console-")
    only = sys.argv[1:]
    steps = [("break", lambda: break_variable(t)), ("misspelt", lambda: misspelt_break_batch(t)),
             ("one", lambda: one_terminal(t)), ("vscode", lambda: vscode(t, tmp))]
    try:
        for name, step in steps:
            if only and name not in only:
                continue
            try:
                step()
            except Exception as e:  # a crash must show up as a failure, not a traceback
                t.ok(False, f"{name} ran", diag=repr(e))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
