"""gdb_session - drive a `make qemu-gdb` + `make gdb` session the way a student has it, through ptys.

    from gdb_session import GdbSession
    with GdbSession(["QEMU_EXTRA=-device edu", "CMDLINE=nodriver=edu"], cwd=repo, log_dir=logs) as s:
        s.gdb("break MydriverServiceInterrupt")        # typed at (gdb); returns its output
        s.gdb("continue")                              # to kernel_main (make gdb's hbreak)
        s.gdb("continue", wait=False)                  # the guest runs on; gdb has no prompt now
        s.console_expect(r"irqlab> ")                  # the guest's shell is up (terminal 1)
        s.console_write("mydriver raise\\r")            # typed at irqlab> in terminal 1
        print(s.gdb_wait())                            # "Breakpoint 2, MydriverServiceInterrupt (..."
        print(s.gdb("bt"))

What runs is what docs/gdb.md tells a student: terminal 1 `make qemu-gdb ARGS` (QEMU paused, the
guest console), terminal 2 `make gdb ARGS` (gdb attached), each on a pseudo-terminal of its own
in `cwd`. make_args are the variables of the doc's lines (already shell-split); both commands get
all of them (make gdb ignores the QEMU ones when it attaches; make qemu-gdb ignores BREAK).
mode="one" instead runs the one-terminal fallback: `make gdb ARGS` in terminal 1 and, once its
QEMU is up, `make console` in terminal 2 as the guest console.

Each session is bounded: QEMU runs under `timeout` (TIMEOUT=, default `qemu_timeout` seconds, in
the environment unless make_args set it), every wait has a timeout (SessionTimeout, with the
terminal's last output), and close() kills both terminals' process groups. The state files
(gdb.port) go to a directory of the session's own (IRQLAB_GDB_STATE), so sessions in parallel
on one tree do not find each other's QEMU. Each terminal's bytes are logged in log_dir.

With BREAK=<function> in make_args, `make gdb` runs to that function before gdb's first prompt:
__init__ then returns as soon as gdb has set the breakpoint; gdb_wait() returns when it is hit.
"""
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import tempfile
import termios
import threading
import time

ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\x1b[=>]|\x07")
GDB_PROMPT = "(gdb) "
UDP_PORT = re.compile(r"UDP echo at 127\.0\.0\.1:(\d+)")


class SessionTimeout(TimeoutError):
    def __init__(self, what, output):
        super().__init__(f"{what}; last output:\n{output[-3000:]}")
        self.output = output


class Terminal:
    """One program on a pseudo-terminal of its own (a session leader with it as controlling tty),
    as if typed at a shell prompt in a terminal window 200 columns wide."""

    def __init__(self, argv, cwd, env, log_path, cols=200, rows=50):
        self.argv = argv
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave,
                                     start_new_session=True, preexec_fn=_take_controlling_tty)
        os.close(slave)
        self.master = master
        self.raw = b""
        self.lock = threading.Lock()
        self.log = open(log_path, "wb")
        self.done = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        try:
            while True:
                ready, _, _ = select.select([self.master], [], [], 0.5)
                if not ready:
                    if self.proc.poll() is not None and not self._drain_once():
                        break
                    continue
                if not self._drain_once():
                    break
        finally:
            self.done.set()

    def _drain_once(self):
        try:
            data = os.read(self.master, 65536)
        except OSError:  # EIO: every process holding the slave side has gone
            return False
        if not data:
            return False
        with self.lock:
            self.raw += data
            self.log.write(data)
            self.log.flush()
        return True

    def text(self):
        with self.lock:
            raw = self.raw
        return ANSI.sub(b"", raw).decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "")

    def write(self, text):
        os.write(self.master, text.encode())

    def alive(self):
        return self.proc.poll() is None

    def expect(self, regex, start=0, timeout=120, what=None):
        """The first match of `regex` in text()[start:], waiting up to `timeout` s."""
        rx = re.compile(regex) if isinstance(regex, str) else regex
        deadline = time.monotonic() + timeout
        while True:
            text = self.text()
            m = rx.search(text, start)
            if m:
                return m
            if self.done.is_set() or time.monotonic() > deadline:
                text = self.text()
                m = rx.search(text, start)
                if m:
                    return m
                why = "the program ended" if self.done.is_set() else f"{timeout} s passed"
                raise SessionTimeout(f"{what or rx.pattern!r} not seen in `{' '.join(self.argv)}` ({why})",
                                     text[start:])
            time.sleep(0.02)

    def close(self, grace=10):
        """SIGHUP (the terminal window closed), then SIGKILL for whatever is left in the group
        and in the terminal's foreground job (make gdb runs gdb as a job of its own)."""
        groups = {self.proc.pid}
        try:
            foreground = os.tcgetpgrp(self.master)
            # 0 (or our own group) when the terminal has no foreground job of its programs.
            if foreground > 1 and foreground != os.getpgrp():
                groups.add(foreground)
        except OSError:
            pass
        for sig, wait in ((signal.SIGHUP, grace), (signal.SIGKILL, 10)):
            if self.proc.poll() is not None:
                break
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                pass
        for group in groups:  # anything else left (QEMU under `timeout`, gdb)
            try:
                os.killpg(group, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.done.wait(5)
        try:
            os.close(self.master)
        except OSError:
            pass
        self.log.close()


def _take_controlling_tty():
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _student_env(state_dir, timeout):
    """The environment of a student's shell: no make of ours around it, a plain terminal."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    env.update(TERM="dumb", IRQLAB_GDB_STATE=state_dir, TIMEOUT=str(timeout), COLUMNS="200", LINES="50")
    return env


class GdbSession:
    """A live `make gdb` session as a student has it: QEMU paused under gdb, plus the guest console."""

    def __init__(self, make_args, cwd, log_dir, *, mode="two", qemu_timeout=900, start_timeout=300):
        self.make_args = list(make_args)
        self.mode = mode
        os.makedirs(log_dir, exist_ok=True)
        self.state_dir = tempfile.mkdtemp(prefix="gdb-state-", dir=log_dir)
        env = _student_env(self.state_dir, qemu_timeout)
        tag = os.path.basename(self.state_dir)
        self.breaking = any(a.startswith("BREAK=") and a != "BREAK=" for a in self.make_args)
        self.terminals = []
        self._gdb_pos = 0
        self._console_pos = 0
        try:
            if mode == "two":
                self.console_term = self._spawn(["make", "--no-print-directory", "qemu-gdb", *self.make_args], cwd,
                                                env, os.path.join(log_dir, f"{tag}-terminal1-qemu-gdb.log"))
                self.console_term.expect(r"waiting for gdb on 127\.0\.0\.1:\d+", timeout=start_timeout,
                                         what="make qemu-gdb's banner")
                self.gdb_term = self._spawn(["make", "--no-print-directory", "gdb", *self.make_args], cwd, env,
                                            os.path.join(log_dir, f"{tag}-terminal2-gdb.log"))
            elif mode == "one":
                self.gdb_term = self._spawn(["make", "--no-print-directory", "gdb", *self.make_args], cwd, env,
                                            os.path.join(log_dir, f"{tag}-terminal1-gdb.log"))
                self.gdb_term.expect(r"make console", timeout=start_timeout, what="make gdb's banner")
                self.console_term = self._spawn(["make", "--no-print-directory", "console"] + [
                    a for a in self.make_args if a.startswith("BUILD=")], cwd, env,
                    os.path.join(log_dir, f"{tag}-terminal2-console.log"))
                self.console_term.expect(r"Connected to the guest console", timeout=60, what="make console")
            else:
                raise ValueError(f"mode must be 'two' or 'one', not {mode!r}")
            if self.breaking:
                m = self.gdb_term.expect(r"Breakpoint \d+ at [^\n]*\n", timeout=start_timeout,
                                         what="make gdb BREAK=...'s breakpoint")
                self._gdb_pos = m.end()
            else:
                m = self.gdb_term.expect(re.escape(GDB_PROMPT), timeout=start_timeout, what="the first (gdb) prompt")
                self._gdb_pos = m.end()
        except BaseException:
            self.close()
            raise

    def _spawn(self, argv, cwd, env, log):
        t = Terminal(argv, cwd, env, log)
        self.terminals.append(t)
        return t

    # -- gdb (terminal 2) --
    def gdb(self, command, timeout=120, wait=True) -> str:
        """Type one gdb command; return its output up to the next (gdb) prompt. wait=False: only
        type it (a `continue` that needs console input first); gdb_wait() collects the output."""
        self._gdb_pos = len(self.gdb_term.text())
        self.gdb_term.write(command + "\n")
        if not wait:
            return ""
        return self.gdb_wait(timeout)

    def gdb_wait(self, timeout=120) -> str:
        """The output since the last command was typed, once gdb shows its prompt again."""
        start = self._gdb_pos
        m = self.gdb_term.expect(re.escape(GDB_PROMPT), start, timeout, what="the (gdb) prompt")
        text = self.gdb_term.text()[start:m.start()]
        self._gdb_pos = m.end()
        # The first line is the echo of what was typed (readline echoes it on the terminal).
        first, _, rest = text.partition("\n")
        return rest if _ else first

    def gdb_interrupt(self):
        """Ctrl-C in gdb's terminal: stop the guest wherever it is."""
        self.gdb_term.write("\x03")

    def gdb_output(self) -> str:
        return self.gdb_term.text()

    # -- the guest console (terminal 1) --
    def console_write(self, text) -> None:
        """Type at the guest console, e.g. "mydriver raise\\r" (Enter is "\\r", as a keyboard sends)."""
        self.console_term.write(text)

    def console_expect(self, regex, timeout=120, since=0) -> str:
        """Wait until the console output (from offset `since`, default: since start) matches
        `regex`; return the matched text. console_mark() gives an offset for `since`."""
        m = self.console_term.expect(regex, since, timeout, what="console output")
        return m.group(0)

    def console_mark(self) -> int:
        return len(self.console_term.text())

    def console_output(self) -> str:
        return self.console_term.text()

    def host_udp_port(self):
        """The host UDP port forwarded to the guest's echo port, as printed at start (NIC=...)."""
        for t in (self.console_term, self.gdb_term):
            m = UDP_PORT.search(t.text())
            if m:
                return int(m.group(1))
        return None

    # -- lifetime --
    def close(self) -> None:
        """Quit gdb (`kill` ends QEMU), then end both terminals; never hangs."""
        gdb_term = getattr(self, "gdb_term", None)
        if gdb_term is not None and gdb_term.alive():
            try:
                gdb_term.write("\x03")
                time.sleep(0.2)
                gdb_term.write("kill\nquit\n")
                gdb_term.proc.wait(timeout=15)
            except (OSError, subprocess.TimeoutExpired):
                pass
        for t in reversed(self.terminals):
            t.close()
        self.terminals = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
