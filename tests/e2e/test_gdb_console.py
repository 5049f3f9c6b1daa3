#!/usr/bin/env python3
"""test_gdb_console - debugging with a console: what docs/gdb.md and the tutorial's §6 tell a student.

Every session runs the real make targets on pseudo-terminals (scripts/gdb_session.py), as a
student types them: terminal 1 `make qemu-gdb ...` (QEMU paused; the guest console), terminal 2
`make gdb` (gdb attached). Checked:

  1. docs/tutorial-first-driver.md §6, in a scratch copy of the tree with `make new-driver
     NAME=mydriver`: break MydriverServiceInterrupt, continue twice, type `mydriver raise` at
     irqlab> in terminal 1, gdb stops in the ISR, `bt` shows the driver's ISR called by the
     kernel's dispatcher, `p $cr8` is the vector's IRQL; after `delete` + `continue` the shell
     says the ISR and the DPC ran.
  2. docs/gdb.md's e1000 walk-through (NIC=e1000, the default): break E1000Isr, a datagram from
     scripts/udp_echo_client.py to the host port make printed, gdb stops in E1000Isr with the
     documented frames (ndis_line_isr, invoke_isr, ..., trap_interrupted); after `continue` the
     echo comes back; `interrupts` lists the e1000's vector.
  3. `make gdb BREAK=E1000Isr` stops there by itself once a datagram arrives; a misspelt BREAK
     stops with gdb's error instead of running on. Ctrl-C in gdb's terminal stops the guest;
     `quit` detaches and the guest runs on.
  4. The one-terminal fallback: `make gdb` alone, `make console` in a second terminal types at
     the guest.
  5. .vscode/launch.json's gdb commands, run through `gdb -batch` against `make qemu-gdb`: they
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
from test_template import scratch_copy  # noqa: E402

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


def frames(bt):
    """Function names of a backtrace, innermost first."""
    return re.findall(r"^#\d+\s+(?:0x[0-9a-f]+ in )?(\w+) \(", bt, re.M)


def tail(s, text):
    return f"{text}\n--- gdb terminal ---\n{s.gdb_output()[-2500:]}\n--- console ---\n{s.console_output()[-2500:]}"


# ---- 1. the tutorial's §6 ----------------------------------------------------------------------

def tutorial(t, tmp):
    tree = os.path.join(tmp, "irqlab")
    scratch_copy(tree)
    r = subprocess.run(["make", "--no-print-directory", "new-driver", "NAME=mydriver", "VENDOR=0x1234",
                        "DEVICE=0x11e8"], cwd=tree, capture_output=True, text=True, timeout=60)
    if not t.ok(r.returncode == 0, "tutorial: make new-driver NAME=mydriver", diag=r.stdout + r.stderr):
        return
    r = subprocess.run(["make", "--no-print-directory", "-j2", "kernel"], cwd=tree, capture_output=True, text=True,
                       timeout=600)
    if not t.ok(r.returncode == 0, "tutorial: the scratch tree builds", diag=(r.stdout + r.stderr)[-3000:]):
        return
    # §6: terminal 1 `make qemu-gdb QEMU_EXTRA='-device edu' CMDLINE='nodriver=edu'`, terminal 2 `make gdb`.
    with GdbSession(["QEMU_EXTRA=-device edu", "CMDLINE=nodriver=edu"], cwd=tree, log_dir=log_dir()) as s:
        out = s.gdb("break MydriverServiceInterrupt")
        t.ok(re.search(r"Breakpoint 2 at 0x[0-9a-f]+: file drivers/mydriver/mydriver\.c", out),
             "tutorial: (gdb) break MydriverServiceInterrupt", diag=tail(s, out))
        out = s.gdb("continue", timeout=BOOT_TIMEOUT)
        t.ok(re.search(r"Breakpoint 1, kernel_main \(", out), "tutorial: the first continue stops at kernel_main",
             diag=tail(s, out))
        s.gdb("continue", wait=False)
        s.console_expect(PROMPT, timeout=BOOT_TIMEOUT)
        t.ok(True, "tutorial: the second continue boots to irqlab> in terminal 1")
        s.console_write("mydriver raise\r")
        try:
            out = s.gdb_wait(STOP_TIMEOUT)
        except SessionTimeout as e:
            out = f"(no stop) {e}"
        t.ok(re.search(r"Breakpoint 2, MydriverServiceInterrupt \(", out),
             "tutorial: `mydriver raise` typed at irqlab> stops gdb in MydriverServiceInterrupt", diag=tail(s, out))
        bt = s.gdb("bt")
        names = frames(bt)
        t.ok(names[:1] == ["MydriverServiceInterrupt"] and "invoke_isr" in names and "ke_dispatch_interrupt" in names
             and "trap_interrupted" in names and any(n.startswith("Mydriver") and n.endswith("Isr")
                                                     for n in names[1:3]),
             "tutorial: bt shows the ISR called from the driver's MSI ISR and the kernel's dispatcher",
             diag=bt)
        cr8 = s.gdb("p $cr8")
        t.ok(re.search(r"^\$\d+ = 4$", cr8, re.M), "tutorial: p $cr8 is 4 (the vector's IRQL)", diag=cr8)
        s.gdb("delete")
        mark = s.console_mark()
        s.gdb("continue", wait=False)
        try:
            s.console_expect(r"raised: the ISR and the DPC ran", timeout=STOP_TIMEOUT, since=mark)
            ran = True
        except SessionTimeout:
            ran = False
        t.ok(ran, "tutorial: after delete + continue the console says the ISR and the DPC ran", diag=tail(s, ""))


# ---- 2. docs/gdb.md: the e1000 ------------------------------------------------------------------

def echo_client(port, cwd):
    """docs/gdb.md's third terminal: one datagram, waiting as long as gdb holds the guest."""
    return subprocess.Popen([sys.executable, "scripts/udp_echo_client.py", str(port), "--count", "1", "--timeout",
                             str(BOOT_TIMEOUT)], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish_client(client):
    try:
        out, _ = client.communicate(timeout=BOOT_TIMEOUT + 30)
    except subprocess.TimeoutExpired:
        client.kill()
        out, _ = client.communicate()
    return client.returncode, out


def e1000_walkthrough(t):
    with GdbSession(build_args(), cwd=REPO, log_dir=log_dir()) as s:
        port = s.host_udp_port()
        t.ok(port, "gdb.md: make qemu-gdb prints the host UDP port of the e1000's echo service",
             diag=s.console_output())
        out = s.gdb("continue", timeout=BOOT_TIMEOUT)
        out = s.gdb("break E1000Isr")
        t.ok(re.search(r"Breakpoint 2 at .*: file drivers/e1000/e1000_interrupt\.c", out),
             "gdb.md: (gdb) break E1000Isr", diag=tail(s, out))
        s.gdb("continue", wait=False)
        s.console_expect(PROMPT, timeout=BOOT_TIMEOUT)
        client = echo_client(port, REPO) if port else None
        try:
            out = s.gdb_wait(STOP_TIMEOUT)
        except SessionTimeout as e:
            out = f"(no stop) {e}"
        t.ok(re.search(r"Breakpoint 2, E1000Isr \(", out), "gdb.md: a datagram to the printed port stops gdb in E1000Isr",
             diag=tail(s, out))
        bt = s.gdb("bt")
        names = frames(bt)
        want = ["E1000Isr", "ndis_line_isr", "invoke_isr", "ke_walk_chain", "ke_dispatch_interrupt", "trap_dispatch",
                "trap_interrupted"]
        t.ok(names[:len(want)] == want, "gdb.md: bt shows E1000Isr <- ndis_line_isr <- invoke_isr <- ... <- "
             "trap_interrupted", diag=bt)
        irqs = s.gdb("interrupts")
        t.ok(re.search(r"^0x[0-9a-f]{2}\s+4 GSI 1[01] level/high .* e1000 00:05\.0", irqs, re.M),
             "gdb.md: interrupts shows the e1000's line vector at IRQL 4", diag=irqs)
        s.gdb("delete")
        s.gdb("continue", wait=False)
        rc, text = finish_client(client) if client else (None, "no port")
        t.ok(rc == 0 and re.search(r"\b1 of 1\b|lost 0\b", text or ""),
             "gdb.md: after continue the echo comes back to udp_echo_client.py", diag=text)


# ---- 3. make gdb BREAK= -------------------------------------------------------------------------

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


# ---- 4. one terminal + make console -------------------------------------------------------------

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


# ---- 5. .vscode ----------------------------------------------------------------------------------

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
    r = subprocess.run(["gdb", "-q", "-nx", "-batch", "-ex", f"file {os.path.join(REPO, 'build', 'kernel.elf')}",
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
    steps = [("tutorial", lambda: tutorial(t, tmp)), ("e1000", lambda: e1000_walkthrough(t)),
             ("break", lambda: break_variable(t)), ("misspelt", lambda: misspelt_break_batch(t)),
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
