#!/usr/bin/env python3
"""walkthrough - the docs are tests: run the walk-throughs of README.md and docs/ as a reader types them.

A fenced block in a page is run when the line before its fence is a marker

    <!-- walkthrough: NAME [key=value ...] -->       run it (blocks with one NAME form one session)
    <!-- not-run: reason -->                          shown only (the reason is reported)

and every fenced block of a checked page must carry one of the two (`unmarked()` lists the others).
Block kinds, by the fence's language (docs/writing-docs.md has the full rules):

  sh        each non-comment line is a host command, run from the tree's root. `make run ...` START
            a session (QEMU through a pty) that the following irqlab blocks type into; `make
            qemu-gdb ...` (terminal 1) and the `make gdb ...` after it (terminal 2) start ONE gdb
            session with the variables of both (scripts/gdb_session.py; `make gdb` alone: the
            one-terminal mode). `<port>` (`<port1>`) is the host UDP port that session printed
            for net0 (net1). `make test` (which runs this) is not run: its target must exist.
            During a gdb session a host command runs as in a third terminal: not waited for,
            it must exit 0 by the session's end.
  irqlab    `irqlab> CMD` lines are typed at the guest shell (a gdb session: in terminal 1, once
  console   its prompt is there); the lines after one are its expected output.
  qemu      `(qemu) CMD` lines are typed into QEMU's monitor, reached as the reader does: Ctrl-A C on
            the `make run` console (its -serial mon:stdio), Ctrl-A C again after each command to
            come back; the lines after one are its expected output (a line starting `Error:` fails).
            An output block right after a qemu block is what the guest console printed since.
  gdb       `(gdb) CMD` lines are typed into gdb (a trailing `# comment` is dropped), the lines after
            one are its expected output. The continue rule: a `continue` that ends its block,
            when the next block of the session is not a gdb block (console input, a host
            command, the end), is typed without waiting; its output is the lines at the top of
            the next gdb block (before its first `(gdb)` line), collected there.
  (none)    expected output of the step before: a host command's output, or (right after a
  text      `make run` / `make gdb`, or a continue typed without waiting) the console so far.

Expected output is matched line by line, in order, each as a whole line; output lines in between are
allowed, so a missing or renamed line fails and added lines do not. Within a line: a run of digits
matches any number, 0x<hex> any 0x<hex>, a hex run of 7+ characters with a digit (addresses, git
revisions) any hex run, spaces any run of spaces, `...` anything.

Options on the marker: tree=scratch (run in a scratch copy of the tree: for steps that change it),
timeout=S (per step, default 120), run-by=tests/e2e/<file> (another test runs this session: the
lab graders); they may be on any block of the session.

    python3 scripts/walkthrough.py     lists every session and every unmarked block
"""
import dataclasses
import os
import pty
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import termios
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES_GLOBS = ("README.md", "docs", "docs/labs")  # docs/reference/ is checked by tests/e2e/test_docs.py

MARKER = re.compile(r"^\s*<!--\s*(walkthrough|not-run)\s*:\s*(.*?)\s*-->\s*$")
FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([\w+-]*)\s*$")
PROMPT = "irqlab> "
GDB_PROMPT = "(gdb) "
MONITOR_PROMPT = "(qemu) "
MONITOR_ERROR = re.compile(r"^Error: ", re.M)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1bO[A-Za-z]|[\a]")
STEP_TIMEOUT = 120
BOOT_TIMEOUT = 120
# Output that always fails a step, expected output or not: the command or symbol is not there.
SHELL_ERROR = re.compile(r"^unknown command '", re.M)
GDB_ERROR = re.compile(r'^(?:Undefined command: |No symbol ".*" in current context|Function ".*" not defined)', re.M)
PORT_LINE = re.compile(r"^net(\d+) \([^)]*\): UDP echo at 127\.0\.0\.1:(\d+)", re.M)


# ---- parsing -------------------------------------------------------------------------------------

@dataclasses.dataclass
class Block:
    path: str          # relative to the repository root
    line: int          # 1-based line of the opening fence
    lang: str
    lines: list
    kind: str = ""     # "walkthrough", "not-run" or "" (unmarked)
    name: str = ""     # session name (walkthrough) or reason (not-run)
    options: dict = dataclasses.field(default_factory=dict)

    def where(self):
        return f"{self.path}:{self.line}"


def doc_pages(root=REPO):
    """README.md, docs/*.md and docs/labs/*.md, relative to root."""
    pages = []
    for entry in PAGES_GLOBS:
        full = os.path.join(root, entry)
        if os.path.isfile(full):
            pages.append(entry)
        elif os.path.isdir(full):
            pages += sorted(os.path.join(entry, f) for f in os.listdir(full) if f.endswith(".md"))
    return pages


def parse_marker(text):
    m = MARKER.match(text)
    if not m:
        return None
    kind, rest = m.groups()
    if kind == "not-run":
        return kind, rest, {}
    words = rest.split()
    name = words[0] if words else ""
    options = dict(w.split("=", 1) for w in words[1:] if "=" in w)
    return kind, name, options


def parse_text(text, path="<text>"):
    """Every fenced block of a Markdown text, with its marker (if any)."""
    blocks, lines = [], text.split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, lang = m.groups()
        body, j = [], i + 1
        while j < len(lines) and not (lines[j].strip().startswith(fence[0] * len(fence))
                                      and lines[j].strip().strip(fence[0]) == ""):
            body.append(lines[j][len(indent):] if lines[j].startswith(indent) else lines[j])
            j += 1
        b = Block(path, i + 1, lang.lower(), body)
        k = i - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        marker = parse_marker(lines[k]) if k >= 0 and k >= i - 2 else None
        if marker:
            b.kind, b.name, b.options = marker
        blocks.append(b)
        i = j + 1
    return blocks


def parse_file(path, root=REPO):
    with open(os.path.join(root, path), encoding="utf-8") as f:
        return parse_text(f.read(), path)


def all_blocks(root=REPO):
    return [b for p in doc_pages(root) for b in parse_file(p, root)]


def unmarked(blocks):
    return [b for b in blocks if not b.kind]


def sessions(blocks):
    """{(path, name): [blocks in order]} of the walkthrough blocks."""
    out = {}
    for b in blocks:
        if b.kind == "walkthrough":
            out.setdefault((b.path, b.name), []).append(b)
    return out


def session_options(blocks):
    opts = {}
    for b in blocks:
        for k, v in b.options.items():
            opts.setdefault(k, v)
    return opts


# ---- commands in blocks --------------------------------------------------------------------------

def strip_comment(line):
    """`cmd   # comment` -> `cmd` (a # inside quotes stays)."""
    quote = None
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


def host_commands(block):
    """The command lines of an sh block (comments and blank lines dropped)."""
    out = []
    for line in block.lines:
        cmd = strip_comment(line).strip()
        if cmd:
            out.append(cmd)
    return out


def steps(block):
    """[(command, [expected lines])] of an irqlab/gdb block; expected lines before the first
    command (none normally) are attached to a None command."""
    prefix = {"irqlab": PROMPT, "console": PROMPT, "qemu": MONITOR_PROMPT}.get(block.lang, GDB_PROMPT)
    result = []
    for line in block.lines:
        if line.startswith(prefix.rstrip()) and (line == prefix.rstrip() or line.startswith(prefix)):
            result.append((strip_comment(line[len(prefix):]).strip(), []))
        elif result:
            result[-1][1].append(line)
        elif line.strip():
            result.append((None, [line]))
    return result


def make_words(cmd):
    """('run', [args]) for `make run ARGS` / `make gdb ARGS` / `make qemu-gdb ARGS`, else None."""
    try:
        words = shlex.split(cmd)
    except ValueError:
        return None
    if not words or words[0] != "make":
        return None
    targets = [w for w in words[1:] if "=" not in w and not w.startswith("-")]
    for t in ("run", "gdb", "qemu-gdb", "run-ktest"):
        if targets == [t]:
            return t, [w for w in words[1:] if w != t]
    return None


SHELL_WORDS = {"|", "||", "&&", ";", "&"}
BUILTINS = {"echo", "cd", "export", "printf", "true", "false", "test", "[", "sleep", "cat", "env", "for", "do",
            "done", "if", "then", "fi", "sudo"}


def pipeline_parts(cmd):
    """The simple commands of a command line (split at |, &&, ||, ;, &), each a list of words."""
    cmd = re.sub(r"<(\w[\w-]*)>", r"\1", cmd)  # placeholders such as <lab>, <port>
    try:
        lexer = shlex.shlex(cmd, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words = list(lexer)
    except ValueError:
        words = cmd.split()
    parts = [[]]
    for w in words:
        if w in SHELL_WORDS or set(w) <= set("|&;"):
            parts.append([])
        else:
            parts[-1].append(w)
    return [p for p in parts if p]


def programs(cmd):
    """The programs a host command line runs: first word of each simple command (VAR=x skipped)."""
    out = []
    for words in pipeline_parts(cmd):
        words = [w for w in words]
        while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
            words.pop(0)
        if words:
            out.append(words[0])
    return out


# ---- matching ------------------------------------------------------------------------------------

TOKEN = re.compile(r"(\.\.\.)|(0x[0-9a-fA-F]+)|(\b(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{7,}\b)|(\d+)|(\s+)")


def line_regex(expected):
    """A regex for one expected line: numbers, addresses and spacing may vary, `...` is anything."""
    out, pos = [], 0
    for m in TOKEN.finditer(expected):
        out.append(re.escape(expected[pos:m.start()]))
        dots, hexnum, hexrun, digits, space = m.groups()
        out.append(".*" if dots else r"0x[0-9a-fA-F]+" if hexnum else r"[0-9a-fA-F]+" if hexrun
                   else r"\d+" if digits else r"\s+")
        pos = m.end()
    out.append(re.escape(expected[pos:]))
    return re.compile(r"^\s*" + "".join(out) + r"\s*$")


def clean(text):
    text = re.sub(r"\r+\n", "\n", ANSI.sub("", text))  # a pty turns the guest's \r\n into \r\r\n
    return "\n".join(line.split("\r")[-1] for line in text.split("\n"))  # a lone CR rewrites the line


def match_lines(expected, actual):
    """None if every expected line is found, in order, as a whole line of `actual`; else what is missing."""
    wanted = [e.rstrip() for e in expected if e.strip() and e.strip() != "..."]
    lines = [line.rstrip() for line in clean(actual).split("\n")]
    i = 0
    for n, e in enumerate(wanted):
        rx = line_regex(e)
        while i < len(lines) and not rx.match(lines[i]):
            i += 1
        if i == len(lines):
            return f"expected line {n + 1} not found (in order): {e!r}"
        i += 1
    return None


# ---- a scratch copy of the tree -------------------------------------------------------------------

def seed_build(dest, build):
    """Copy an existing build's objects into dest/build (times kept), so that make in the copy
    compiles only what differs from that build (a new driver) instead of the whole kernel."""
    obj = os.path.join(build or "", "obj")
    if build and os.path.isdir(obj):
        shutil.copytree(obj, os.path.join(dest, "build", "obj"), symlinks=True, dirs_exist_ok=True)


def scratch_copy(dest, src=REPO, build=None):
    """The files git knows about (tracked, or untracked and not ignored), as they are now; outside
    git, everything except build directories. build: seed dest/build from it (seed_build)."""
    seed_build(dest, build)
    r = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=src,
                       capture_output=True)
    if r.returncode == 0:
        for f in r.stdout.decode().split("\0"):
            path = os.path.join(src, f)
            if not f or not os.path.lexists(path):
                continue
            out = os.path.join(dest, f)
            os.makedirs(os.path.dirname(out), exist_ok=True)
            if os.path.islink(path):
                os.symlink(os.readlink(path), out)
            elif os.path.isfile(path):
                shutil.copy2(path, out)
        return dest

    def ignore(d, names):
        top = os.path.abspath(d) == os.path.abspath(src)
        return [n for n in names if n in (".git", "__pycache__") or (top and n.startswith("build"))]
    shutil.copytree(src, dest, ignore=ignore, symlinks=True, dirs_exist_ok=True)
    return dest


# ---- a console session: `make run` through a pty --------------------------------------------------

LIVE = set()  # process groups of running sessions: kill_all() ends them if a test must stop early


def kill_all():
    for pgid in list(LIVE):
        try:
            os.killpg(pgid, signal.SIGKILL)
        except OSError:
            pass
        LIVE.discard(pgid)


class ConsoleSession:
    """`make run ...` on a pseudo-terminal, the way a student's terminal runs it."""

    def __init__(self, argv, cwd, env, log_path):
        self.log_path = log_path
        master, slave = pty.openpty()
        attrs = termios.tcgetattr(slave)
        attrs[3] &= ~termios.ECHO  # we see what the guest echoes, not the pty's own echo
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave,
                                     start_new_session=True)
        LIVE.add(self.proc.pid)
        os.close(slave)
        self.fd = master
        self.buf = b""
        self.pos = 0
        self.lock = threading.Lock()
        self.log = open(log_path, "wb")
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while True:
            try:
                ready, _, _ = select.select([self.fd], [], [], 0.2)
                if not ready:
                    if self.proc.poll() is not None:
                        break
                    continue
                data = os.read(self.fd, 65536)
            except OSError:
                break
            if not data:
                break
            with self.lock:
                self.buf += data
            self.log.write(data)
            self.log.flush()

    def text(self):
        with self.lock:
            raw = self.buf
        return clean(raw.decode("utf-8", "replace"))

    def write(self, text):
        os.write(self.fd, text.encode("latin-1"))

    def expect(self, pattern, timeout):
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.text(), self.pos)
            if m:
                self.pos = m.end()
                return m
            if time.monotonic() > deadline or (self.proc.poll() is not None and not self.reader.is_alive()):
                return None
            time.sleep(0.02)

    def wait_text(self, expected, timeout):
        """Wait until `expected` lines appear in the output so far; None or what is missing."""
        deadline = time.monotonic() + timeout
        while True:
            missing = match_lines(expected, self.text())
            if not missing or time.monotonic() > deadline or not self.running():
                return missing
            time.sleep(0.1)

    def command(self, cmd, timeout):
        """Type cmd + Enter, wait for the next prompt: the output between (echo line removed), or None."""
        start = len(self.text())
        self.pos = max(self.pos, start)
        self.write(cmd + "\r")
        m = self.expect(r"(?:^|\n)" + re.escape(PROMPT), timeout)
        if not m:
            return None
        out = self.text()[start:m.start()]
        return out.split("\n", 1)[1] if "\n" in out else ""

    def ports(self):
        return {int(n): int(p) for n, p in PORT_LINE.findall(self.text())}

    def running(self):
        return self.proc.poll() is None

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def close(self):
        """poweroff if the prompt is there, else Ctrl-A X, else kill; always bounded."""
        if self.running():
            self.write("poweroff\r")
            if self.wait(60) is None:
                self.write("\x01x")
                if self.wait(10) is None:
                    try:
                        os.killpg(self.proc.pid, signal.SIGKILL)
                    except OSError:
                        pass
                    self.wait(10)
        LIVE.discard(self.proc.pid)
        self.reader.join(5)
        try:
            os.close(self.fd)
        except OSError:
            pass
        self.log.close()


# ---- running a session ----------------------------------------------------------------------------

class StepFailed(Exception):
    pass


class Runner:
    """Runs one session's blocks in `tree`. report(ok, name, diag) is called once per block."""

    def __init__(self, tree, log_dir, report, build=None, gdb_factory=None, env=None):
        self.tree = tree
        self.log_dir = log_dir
        self.report = report
        self.env = dict(env or os.environ)
        if build:  # the Makefile's BUILD ?= build: reuse make test's build (relative, as make test names it)
            inside = os.path.abspath(build).startswith(os.path.abspath(tree) + os.sep)
            self.env["BUILD"] = os.path.relpath(build, tree) if inside else build
        self.env.pop("MAKEFLAGS", None)
        self.env.pop("MAKELEVEL", None)
        self.gdb_factory = gdb_factory
        self.console = None      # ConsoleSession of `make run`
        self.gdb = None          # GdbSession of `make qemu-gdb` + `make gdb`
        self.qemu_gdb = None     # the words of a `make qemu-gdb` line whose `make gdb` has not come yet
        self.console_pos = 0     # gdb session: the console output read so far (terminal 1)
        self.ports = {}
        self.last_output = None  # output of the last host command
        self.last_was_start = False
        self.pending = None      # (what, expected lines) of a gdb command typed without waiting
        self.background = []     # (block, cmd, Popen) host commands of a gdb session ("a third terminal")
        self.count = 0
        self.timeout = STEP_TIMEOUT
        self.previous = None     # the language of the block before the one running
        self.monitor_mark = 0    # console text length when the last (qemu) block began

    # -- sessions
    def end_session(self):
        self.pending = None
        self.qemu_gdb = None
        for _, _, proc in self.background:  # a third terminal closed: its whole job ends
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except OSError:
                    pass
            proc.wait(10)
            LIVE.discard(proc.pid)
        self.background = []
        if self.console:
            self.console.close()
            self.console = None
        if self.gdb:
            self.gdb.close()
            self.gdb = None

    def start_console(self, cmd):
        self.end_session()
        self.count += 1
        log = os.path.join(self.log_dir, f"session-{self.count}.console.log")
        self.console = ConsoleSession(["bash", "-c", cmd], self.tree, self.env, log)
        if not self.console.expect(r"(?:^|\n)" + re.escape(PROMPT), BOOT_TIMEOUT):
            text = self.console.text()
            self.end_session()
            raise StepFailed(f"`{cmd}`: no {PROMPT!r} prompt within {BOOT_TIMEOUT} s (log {log})\n" + text[-1500:])
        self.ports = self.console.ports()

    def start_gdb(self, make_args):
        """`make gdb ARGS`: with a `make qemu-gdb ARGS1` line before it, one GdbSession of two
        terminals with the variables of both lines; alone, the one-terminal mode (gdb starts QEMU,
        `make console` is the guest console)."""
        two = self.qemu_gdb is not None
        args = (self.qemu_gdb or []) + list(make_args)
        self.qemu_gdb = None
        if not any(a.startswith("BUILD=") for a in args):  # the build this test uses (make's default: build)
            args.append(f"BUILD={self.env.get('BUILD', 'build')}")
        self.end_session()
        if not self.gdb_factory:
            raise StepFailed("`make gdb` sessions need scripts/gdb_session.py (GdbSession)")
        self.count += 1
        try:
            self.gdb = self.gdb_factory(args, self.tree, os.path.join(self.log_dir, f"gdb-{self.count}"),
                                        mode="two" if two else "one")
        except Exception as e:  # SessionTimeout: QEMU or gdb did not come up
            raise StepFailed(f"`make {'qemu-gdb + make ' if two else ''}gdb {' '.join(args)}`: {e}")
        self.console_pos = 0
        port = self.gdb.host_udp_port()
        self.ports = {0: port} if port else {}
        if any(a.startswith("BREAK=") and a != "BREAK=" for a in args):
            # make gdb runs to the function: gdb's prompt comes back when it is hit.
            self.pending = ("make gdb " + " ".join(make_args), [], 0, 0)

    def substitute(self, cmd):
        def port(m):
            n = int(m.group(1) or 0)
            if n not in self.ports:
                raise StepFailed(f"`{cmd}` needs the UDP port of net{n}, and no session printed one")
            return str(self.ports[n])
        return re.sub(r"<port(\d?)>", port, cmd)

    # -- the guest console of a gdb session (terminal 1)
    def console_prompt(self, why):
        """Wait for the next `irqlab>` in terminal 1 (the reader waits for it before typing)."""
        rx = re.compile(r"(?:^|\n)" + re.escape(PROMPT))
        deadline = time.monotonic() + BOOT_TIMEOUT
        while True:
            m = rx.search(self.gdb.console_output(), self.console_pos)
            if m:
                self.console_pos = m.end()
                return
            if time.monotonic() > deadline:
                raise StepFailed(f"{why}: no {PROMPT!r} in terminal 1 within {BOOT_TIMEOUT} s\n--- console ---\n"
                                 f"{self.gdb.console_output()[-1500:]}")
            time.sleep(0.1)

    def gdb_console_command(self, cmd, expected):
        if self.pending:  # gdb let the guest run: the prompt comes once it has booted
            self.console_prompt(f"irqlab> {cmd}")
        start = len(self.gdb.console_output())
        self.gdb.console_write(cmd + "\r")
        if not expected:
            return  # e.g. a command that stops in a breakpoint: gdb shows what happened
        self.console_pos = start
        self.console_prompt(f"irqlab> {cmd}")
        out = self.gdb.console_output()[start:self.console_pos]
        out = out.split("\n", 1)[1] if "\n" in out else ""
        if SHELL_ERROR.search(out):
            raise StepFailed(f"irqlab> {cmd}: {out.strip()}")
        missing = match_lines(expected, out)
        if missing:
            raise StepFailed(f"irqlab> {cmd}: {missing}\n--- console ---\n{out}")

    # -- block kinds
    def run_sh(self, block):
        for cmd in host_commands(block):
            started = make_words(cmd)
            if started and started[0] in ("run", "run-ktest"):
                self.start_console(cmd)
                self.last_was_start = True
            elif pipeline_parts(cmd) == [["make", "test"]]:
                # make test runs this test: it cannot run itself. Its target must exist.
                if not re.search(r"^test\s*:", open(os.path.join(self.tree, "Makefile")).read(), re.M):
                    raise StepFailed("`make test`: the Makefile has no target `test`")
            elif started and started[0] == "qemu-gdb":
                self.end_session()
                self.qemu_gdb = started[1]  # terminal 1; the session starts with terminal 2's make gdb
                self.last_was_start = False
            elif started and started[0] == "gdb":
                self.start_gdb(started[1])
                self.last_was_start = True
            elif self.gdb:
                self.run_background(block, cmd)
            else:
                self.last_was_start = False
                cmd = self.substitute(cmd)
                try:
                    r = subprocess.run(["bash", "-c", cmd], cwd=self.tree, env=self.env, capture_output=True,
                                       text=True, timeout=self.timeout, stdin=subprocess.DEVNULL)
                except subprocess.TimeoutExpired:
                    raise StepFailed(f"`{cmd}` did not finish within {self.timeout} s")
                self.last_output = r.stdout + r.stderr
                if r.returncode != 0:
                    raise StepFailed(f"`{cmd}` exited with status {r.returncode}:\n{self.last_output[-2000:]}")

    def run_background(self, block, cmd):
        """A host command during a gdb session runs as in a third terminal: once `irqlab>` is up
        (if gdb let the guest run), and not waited for - it may need gdb to continue first."""
        self.last_was_start = False
        cmd = self.substitute(cmd)
        if self.pending:
            self.console_prompt(f"`{cmd}`")
        self.count += 1
        log = open(os.path.join(self.log_dir, f"host-{self.count}.log"), "w+")
        proc = subprocess.Popen(["bash", "-c", cmd], cwd=self.tree, env=self.env, stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        LIVE.add(proc.pid)
        proc.log = log
        self.background.append((block, cmd, proc))
        self.last_output = proc  # an output block right after it waits for it to end

    def background_output(self, proc):
        try:
            proc.wait(self.timeout)
        except subprocess.TimeoutExpired:
            pass
        LIVE.discard(proc.pid)
        proc.log.seek(0)
        return proc.log.read()

    def finish_background(self):
        """The host commands of a gdb session must end with status 0 once gdb let the guest run."""
        bad = []
        for block, cmd, proc in self.background:
            out = self.background_output(proc)
            proc.log.close()
            if proc.returncode != 0:
                status = "did not finish" if proc.returncode is None else f"exited with status {proc.returncode}"
                bad.append((block, f"`{cmd}` {status} (run in a third terminal):\n{out[-2000:]}"))
        return bad

    def run_output(self, block):
        if self.previous == "qemu" and self.console:  # what the guest printed after the monitor command
            deadline = time.monotonic() + self.timeout
            while True:
                # the guest's lines may follow the monitor's last prompt on the same line
                since = re.sub(r"^\(qemu\) ", "", self.console.text()[self.monitor_mark:], flags=re.M)
                missing = match_lines(block.lines, since)
                if not missing or time.monotonic() > deadline or not self.console.running():
                    break
                time.sleep(0.1)
            if missing:
                raise StepFailed(f"console after the monitor command: {missing}\n--- console ---\n"
                                 f"{self.console.text()[self.monitor_mark:][-2000:]}")
            return
        console_mark = 0
        if self.gdb and self.pending and self.previous == "gdb":
            # right after a `continue` typed without waiting: what the guest prints in terminal 1
            console_mark = self.pending[3]
        if self.gdb and (self.last_was_start or self.previous == "gdb"):
            deadline = time.monotonic() + self.timeout
            while match_lines(block.lines, self.gdb.console_output()[console_mark:]) and time.monotonic() < deadline:
                time.sleep(0.1)
            missing = match_lines(block.lines, self.gdb.console_output()[console_mark:])
            if missing:
                raise StepFailed(f"terminal 1: {missing}\n--- console ---\n{self.gdb.console_output()[-2000:]}")
            return
        if self.last_was_start and self.console:
            missing = self.console.wait_text(block.lines, self.timeout)
            if missing:
                raise StepFailed(f"console: {missing}\n--- console ---\n{self.console.text()[-2000:]}")
            return
        if self.last_output is None:
            raise StepFailed("an output block with no command before it")
        if isinstance(self.last_output, subprocess.Popen):
            self.last_output = self.background_output(self.last_output)
        missing = match_lines(block.lines, self.last_output)
        if missing:
            raise StepFailed(f"{missing}\n--- output ---\n{self.last_output[-2000:]}")

    def run_console(self, block):
        self.last_was_start = False
        for cmd, expected in steps(block):
            if cmd is None:
                raise StepFailed(f"output before the first {PROMPT!r} line: {expected[0]!r}")
            if self.gdb:
                self.gdb_console_command(cmd, expected)
                continue
            if not self.console or not self.console.running():
                raise StepFailed(f"irqlab> {cmd}: no `make run` session is running")
            if cmd == "poweroff":
                self.console.write("poweroff\r")
                if self.console.wait(60) is None:
                    raise StepFailed("poweroff: QEMU did not exit within 60 s")
                continue
            out = self.console.command(cmd, self.timeout)
            if out is None:
                raise StepFailed(f"irqlab> {cmd}: no prompt within {self.timeout} s\n{self.console.text()[-1500:]}")
            if SHELL_ERROR.search(out):
                raise StepFailed(f"irqlab> {cmd}: {out.strip()}")
            missing = match_lines(expected, out)
            if missing:
                raise StepFailed(f"irqlab> {cmd}: {missing}\n--- output ---\n{out}")

    def run_monitor(self, block):
        """(qemu) lines: Ctrl-A C (the console's mux switches to QEMU's monitor), the command, its
        output up to the next (qemu) prompt, Ctrl-A C back to the guest."""
        self.last_was_start = False
        if self.gdb or not self.console or not self.console.running():
            raise StepFailed("(qemu) lines need a running `make run` session")
        self.monitor_mark = len(self.console.text())
        for cmd, expected in steps(block):
            if cmd is None:
                raise StepFailed(f"output before the first {MONITOR_PROMPT!r} line: {expected[0]!r}")
            self.console.pos = len(self.console.text())
            self.console.write("\x01c")
            if not self.console.expect(re.escape(MONITOR_PROMPT), self.timeout):
                raise StepFailed(f"Ctrl-A C: no {MONITOR_PROMPT!r} prompt\n{self.console.text()[-1500:]}")
            start = len(self.console.text())
            self.console.write(cmd + "\r")
            m = self.console.expect(r"\n" + re.escape(MONITOR_PROMPT), self.timeout)
            self.console.write("\x01c")
            if not m:
                raise StepFailed(f"(qemu) {cmd}: no prompt within {self.timeout} s\n{self.console.text()[-1500:]}")
            out = self.console.text()[start:m.start() + 1]
            out = out.split("\n", 1)[1] if "\n" in out else ""
            if MONITOR_ERROR.search(out):
                raise StepFailed(f"(qemu) {cmd}: {out.strip()}")
            missing = match_lines(expected, out)
            if missing:
                raise StepFailed(f"(qemu) {cmd}: {missing}\n--- output ---\n{out}")

    def check_gdb(self, cmd, expected, out):
        if GDB_ERROR.search(out or ""):
            raise StepFailed(f"(gdb) {cmd}: {out.strip()}")
        missing = match_lines(expected, out or "")
        if missing:
            raise StepFailed(f"(gdb) {cmd}: {missing}\n--- gdb ---\n{out}")

    def collect_pending(self, more_expected=()):
        """gdb's answer to the command typed without waiting, once its prompt is back."""
        what, expected, _, _ = self.pending
        self.pending = None
        try:
            out = self.gdb.gdb_wait(self.timeout)
        except Exception as e:  # SessionTimeout: the breakpoint was not hit
            raise StepFailed(f"(gdb) {what}: no (gdb) prompt within {self.timeout} s: {e}")
        self.check_gdb(what, list(expected) + list(more_expected), out)

    def run_gdb(self, block, runs_on):
        """runs_on: the session's next block is not a gdb block (the reader types at irqlab>, runs a
        host command or stops): a final `continue` is typed without waiting for gdb's prompt."""
        self.last_was_start = False
        if not self.gdb:
            raise StepFailed("(gdb) lines with no `make gdb` session running")
        items = steps(block)
        for n, (cmd, expected) in enumerate(items):
            if cmd is None:  # the output of the command typed without waiting (the breakpoint hit)
                if not self.pending:
                    raise StepFailed(f"output before the first (gdb) line: {expected[0]!r}")
                self.collect_pending(expected)
                continue
            if self.pending:
                self.collect_pending()
            if runs_on and n == len(items) - 1 and cmd in ("c", "continue"):
                mark = len(self.gdb.gdb_output())
                console_mark = len(self.gdb.console_output())
                self.gdb.gdb(cmd, self.timeout, wait=False)
                self.pending = (cmd, expected, mark, console_mark)
                continue
            self.check_gdb(cmd, expected, self.gdb.gdb(cmd, self.timeout))

    def finish_gdb(self):
        """End of a gdb session: what a final `continue` printed so far, and the host commands."""
        bad = []
        if self.pending:  # the guest runs on: gdb said so (`Continuing.`) and printed what the page shows
            what, expected, mark, _ = self.pending
            self.pending = None
            if not [e for e in expected if e.strip()] and what in ("c", "continue"):
                expected = ["Continuing."]
            deadline = time.monotonic() + self.timeout
            while match_lines(expected, self.gdb.gdb_output()[mark:]) and time.monotonic() < deadline:
                time.sleep(0.1)
            missing = match_lines(expected, self.gdb.gdb_output()[mark:])
            if missing:
                bad.append((None, f"(gdb) {what}: {missing}\n--- gdb ---\n{self.gdb.gdb_output()[mark:][-2000:]}"))
        return bad + self.finish_background()

    def run(self, blocks):
        """Run the session; report one result per block; always ends QEMU. True if all passed."""
        self.timeout = int(session_options(blocks).get("timeout", STEP_TIMEOUT))
        ok, stop = True, False
        try:
            for i, b in enumerate(blocks):
                name = f"{b.where()} ({b.lang or 'output'})"
                if stop:
                    self.report(False, name, "not run: an earlier step of this session failed")
                    continue
                nxt = blocks[i + 1] if i + 1 < len(blocks) else None
                self.previous = blocks[i - 1].lang if i else None
                try:
                    if b.lang == "sh":
                        self.run_sh(b)
                    elif b.lang in ("irqlab", "console"):
                        self.run_console(b)
                    elif b.lang == "gdb":
                        self.run_gdb(b, runs_on=not nxt or nxt.lang != "gdb")
                    elif b.lang == "qemu":
                        self.run_monitor(b)
                    elif b.lang in ("", "text"):
                        self.run_output(b)
                    else:
                        raise StepFailed(f"a walkthrough block cannot be {b.lang!r} (sh, irqlab, qemu, gdb or output)")
                    if self.qemu_gdb is not None and (not nxt or nxt.lang != "sh"):
                        raise StepFailed("`make qemu-gdb` (terminal 1) with no `make gdb` (terminal 2) after it")
                    ends = self.gdb and (not nxt or (nxt.lang == "sh" and any(
                        make_words(c) and make_words(c)[0] in ("run", "run-ktest", "qemu-gdb", "gdb")
                        for c in host_commands(nxt))))
                    if ends:  # the last block of this gdb session
                        bad = self.finish_gdb()
                        if bad:
                            raise StepFailed("\n".join(f"{blk.where() + ': ' if blk else ''}{d}" for blk, d in bad))
                    self.report(True, name, "")
                except StepFailed as e:
                    ok = False
                    # A failed command at a live prompt leaves the session usable: go on and show
                    # every difference at once. Anything else (a host step, no session) ends it.
                    stop = not (b.lang in ("irqlab", "console", "qemu") and self.console and self.console.running())
                    self.report(False, name, str(e))
                except Exception as e:  # a crash in the runner is a failure of this block
                    ok, stop = False, True
                    self.report(False, name, f"runner error: {e!r}")
        finally:
            self.end_session()
        return ok


def gdb_session_factory(root=REPO):
    """GdbSession from <root>/scripts/gdb_session.py, or None when that tree has none yet."""
    path = os.path.join(root, "scripts", "gdb_session.py")
    if not os.path.exists(path):
        return None
    import importlib.util
    spec = importlib.util.spec_from_file_location("gdb_session", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return lambda make_args, cwd, log_dir, mode="two": module.GdbSession(list(make_args), cwd, log_dir, mode=mode)


def main():
    """List the sessions and unmarked blocks (for writers): walkthrough.py [--list]."""
    blocks = all_blocks()
    for (path, name), bs in sessions(blocks).items():
        print(f"{path}: {name}: {len(bs)} block(s) {session_options(bs) or ''}")
    for b in unmarked(blocks):
        print(f"{b.where()}: unmarked {b.lang or 'plain'} block")
    return 1 if unmarked(blocks) else 0


if __name__ == "__main__":
    sys.exit(main())
