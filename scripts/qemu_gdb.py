"""qemu_gdb - `make qemu-gdb`, `make gdb` and `make console` (called by scripts/qemu.py).

The conventional two terminals (as in xv6 and MIT's JOS):

    terminal 1:  make qemu-gdb     QEMU paused with its gdb stub on a free port; this terminal is
                                   the guest console (irqlab>), exactly as under `make run`
    terminal 2:  make gdb          gdb attaches to that QEMU (the port is in build/gdb.port)

Why two: gdb needs the keyboard for its own prompt, and so does the guest's shell. One terminal
cannot give both at once, so each program gets its own, and neither has to guess whose a key is.

`make gdb` with no `make qemu-gdb` running keeps the one-terminal way: it starts QEMU itself,
shows the guest's output in its own terminal (and build/gdb-serial.log) and puts COM1 on a local
TCP port (build/gdb.console); `make console` in a second terminal then types at the guest.

The state files (next to the ELF, or in $IRQLAB_GDB_STATE) say which QEMU to attach to:
  gdb.port      "PORT PID ELF MTIME": the gdb stub of `make qemu-gdb`'s QEMU (PID is QEMU's, or
                the `timeout` wrapping it); a file whose PID has gone is stale and ignored
  gdb.console   "PORT PID": COM1 of the QEMU that `make gdb` started itself
"""
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading

import irqlab_qemu

PORT_FILE = "gdb.port"
CONSOLE_FILE = "gdb.console"
SERIAL_LOG = "gdb-serial.log"
LEAVE_CONSOLE = b"\x01"  # Ctrl-A, then x: leave `make console` (as Ctrl-A X leaves `make run`)

QEMU_GDB_BANNER = """\
QEMU is paused before the kernel's first instruction; its gdb stub listens on 127.0.0.1:{port}
({port_file}).
  THIS terminal is the guest console: the `irqlab>` prompt appears here once gdb lets the
  kernel run, and what you type here goes to the guest.
  In a SECOND terminal, in {cwd}, type:   make gdb   (or: make gdb BREAK=<function>)
Ctrl-A then X here ends QEMU; in gdb `kill` ends it too and `quit` leaves gdb (the guest runs on).
waiting for gdb on 127.0.0.1:{port}
"""

GDB_HELP = """\
  continue (c)       run to the next breakpoint;  Ctrl-C stops the guest wherever it is
  next (n) / step (s) one source line, over / into calls;  finish: run to the end of this function
  bt                 backtrace;  info locals;  print boot_info.cmdline;  print/x magic
  break print_banner set another breakpoint;  info breakpoints;  delete 2
  irql, interrupts, dpcs, kinterrupt, pcidev, bugcheck: the helpers (docs/gdb.md)
  irqlab-help repeats this."""

ATTACH_BANNER = """\
gdb attaches to the QEMU of `make qemu-gdb` (pid {pid}, gdb stub 127.0.0.1:{port}).
The guest console (irqlab>) is in THAT terminal: type at the guest there, and gdb commands here.
(The machine is the one `make qemu-gdb` was started with: give SMP, NIC, QEMU_EXTRA, ... to it.)
{stops}
{help}
  kill ends QEMU;  quit leaves gdb and lets the guest run on (`make gdb` attaches again).
"""

ONE_TERMINAL_BANNER = """\
{stops}
{help}
  kill stops the guest;  quit (q) leaves gdb and QEMU.
The guest's output appears here too (and in {log}), but gdb has this keyboard.
To TYPE at the guest console (irqlab>), run in a SECOND terminal, in {cwd}:   make console
(or next time, `make qemu-gdb` in one terminal and `make gdb` in another).
"""


def state_dir(elf):
    return os.environ.get("IRQLAB_GDB_STATE") or os.path.dirname(os.path.abspath(elf))


def state_path(elf, name):
    return os.path.join(state_dir(elf), name)


def pid_alive(pid, needle):
    """True if process `pid` exists and its command line contains `needle` (so a pid reused by
    another program after QEMU ended is not mistaken for it)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return needle.encode() in f.read()
    except OSError:
        return False


def write_state(path, words):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        f.write(" ".join(str(w) for w in words) + "\n")
    os.replace(tmp, path)


def read_state(path):
    try:
        with open(path) as f:
            return f.read().split()
    except OSError:
        return None


def remove_state(path, pid):
    """Remove `path` if it still names `pid` (a newer session may have replaced it)."""
    words = read_state(path)
    if words and len(words) > 1 and words[1] == str(pid):
        try:
            os.unlink(path)
        except OSError:
            pass


def running_qemu_gdb(elf):
    """(port, pid, elf_changed) of a live `make qemu-gdb` for this ELF, or None."""
    words = read_state(state_path(elf, PORT_FILE))
    if not words or len(words) < 4:
        return None
    port, pid, path, mtime = words[0], words[1], words[2], words[3]
    if os.path.abspath(elf) != path or not pid_alive(int(pid), f"tcp:127.0.0.1:{port}"):
        return None
    try:
        changed = str(os.stat(elf).st_mtime_ns) != mtime
    except OSError:
        changed = True
    return int(port), int(pid), changed


def bounded(argv, timeout):
    """QEMU under `timeout` when a limit is given (TIMEOUT=...): it ends even if we do not."""
    if timeout:
        return ["timeout", "--foreground", "-s", "KILL", f"{float(timeout):g}"] + argv
    return argv


def gdb_commands(break_at):
    """What gdb does after attaching: stop at BREAK (and run to it), else at kernel_main."""
    if break_at:
        return [f"irqlab-run-to {break_at}"]
    return ["hbreak kernel_main"]


def stops_text(break_at, fresh=True):
    if break_at:
        return (f"gdb sets a breakpoint on {break_at} and continues to it (Ctrl-C in gdb stops the guest "
                "earlier).")
    if fresh:
        return "gdb has a hardware breakpoint on kernel_main: type `continue` to run to it."
    return "gdb stopped the guest where it was; hbreak kernel_main is set (it has probably passed it)."


class HangupIsExit:
    """SIGTERM/SIGHUP (terminal closed, session killed) end this script through its `finally`
    blocks, so the QEMU it started is killed rather than left paused forever."""

    def __enter__(self):
        self.old = {s: signal.signal(s, self._raise) for s in (signal.SIGTERM, signal.SIGHUP)}
        self.old[signal.SIGINT] = signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is gdb's/the guest's
        return self

    @staticmethod
    def _raise(signum, frame):
        raise SystemExit(128 + signum)

    def __exit__(self, *exc):
        for s, h in self.old.items():
            signal.signal(s, h)


# ---- make qemu-gdb -----------------------------------------------------------------------------

def cmd_qemu_gdb(args, qemu_argv_of, nic_args, restore_terminal, explain_status):
    elf = os.path.abspath(args.elf)
    existing = running_qemu_gdb(elf)
    if existing:
        print(f"make qemu-gdb is already running (pid {existing[1]}, gdb stub 127.0.0.1:{existing[0]}); "
              "end it first (Ctrl-A then X in its terminal)", file=sys.stderr)
        return 1
    port = irqlab_qemu.free_port()
    port_file = state_path(elf, PORT_FILE)
    argv = qemu_argv_of(args, extra=["-S", "-gdb", f"tcp:127.0.0.1:{port}"] + nic_args(args),
                        serial=["-serial", "mon:stdio"])
    argv = bounded(argv, args.timeout)
    print(shlex.join(argv), flush=True)
    print(QEMU_GDB_BANNER.format(port=port, port_file=os.path.relpath(port_file), cwd=os.getcwd()), flush=True)
    with HangupIsExit():
        proc = None
        try:
            proc = subprocess.Popen(argv)
            write_state(port_file, [port, proc.pid, elf, os.stat(elf).st_mtime_ns])
            status = proc.wait()
        finally:
            if proc is not None:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                remove_state(port_file, proc.pid)
            restore_terminal()
    rc, text = explain_status(status)
    if status == 0:
        text = "QEMU exited (gdb's `kill`, Ctrl-A X, or a triple fault: -no-reboot turns a reset into an exit)"
    print(f"\n{text}")
    return rc


# ---- make gdb ----------------------------------------------------------------------------------

def cmd_gdb(args, qemu_argv_of, nic_args, restore_terminal):
    elf = os.path.abspath(args.elf)
    attach = running_qemu_gdb(elf)
    if attach:
        port, pid, changed = attach
        gdb = irqlab_qemu.gdb_argv(elf, port, commands=gdb_commands(args.break_at))
        print(shlex.join(gdb), flush=True)
        print(ATTACH_BANNER.format(pid=pid, port=port, stops=stops_text(args.break_at), help=GDB_HELP), flush=True)
        if changed:
            print(f"WARNING: {os.path.relpath(elf)} was rebuilt after `make qemu-gdb` started: gdb's symbols may "
                  "not match the running kernel. End QEMU (Ctrl-A X) and start make qemu-gdb again.", flush=True)
        with HangupIsExit():
            try:
                return subprocess.call(gdb)
            finally:
                restore_terminal()
    return one_terminal_gdb(args, elf, qemu_argv_of, nic_args, restore_terminal)


def tail_to_stdout(path, stop):
    """Copy what the guest writes (QEMU's COM1 log) to this terminal, as QEMU's own stdout did."""
    pos = 0
    while not stop.is_set():
        try:
            with open(path, "rb") as f:
                f.seek(pos)
                data = f.read()
        except OSError:
            data = b""
        if data:
            pos += len(data)
            os.write(sys.stdout.fileno(), data)
        else:
            stop.wait(0.05)


def one_terminal_gdb(args, elf, qemu_argv_of, nic_args, restore_terminal):
    gdb_port = irqlab_qemu.free_port()
    console_port = irqlab_qemu.free_port()
    log = state_path(elf, SERIAL_LOG)
    console_file = state_path(elf, CONSOLE_FILE)
    serial = ["-chardev", f"socket,id=com1,host=127.0.0.1,port={console_port},server=on,wait=off,logfile={log}",
              "-serial", "chardev:com1"]
    argv = bounded(qemu_argv_of(args, extra=["-S", "-gdb", f"tcp:127.0.0.1:{gdb_port}"] + nic_args(args),
                                serial=serial), args.timeout)
    gdb = irqlab_qemu.gdb_argv(elf, gdb_port, commands=gdb_commands(args.break_at))
    print(shlex.join(argv) + " &", flush=True)
    print(shlex.join(gdb), flush=True)
    print(f"QEMU is paused before its first instruction (gdb stub 127.0.0.1:{gdb_port}; guest console "
          f"127.0.0.1:{console_port}).", flush=True)
    print(ONE_TERMINAL_BANNER.format(stops=stops_text(args.break_at), help=GDB_HELP, log=os.path.relpath(log),
                                     cwd=os.getcwd()), flush=True)
    open(log, "wb").close()
    stop = threading.Event()
    with HangupIsExit():
        qemu = None
        try:
            stderr = open(log + ".stderr", "wb")
            # A session of its own: a Ctrl-C meant for gdb does not reach QEMU.
            qemu = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                                    start_new_session=True)
            stderr.close()
            write_state(console_file, [console_port, qemu.pid])
            threading.Thread(target=tail_to_stdout, args=(log, stop), daemon=True).start()
            return subprocess.call(gdb)
        finally:
            stop.set()
            if qemu is not None:
                if qemu.poll() is None:
                    try:
                        os.killpg(qemu.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                qemu.wait()
                remove_state(console_file, qemu.pid)
            restore_terminal()


# ---- make console ------------------------------------------------------------------------------

def cmd_console(args):
    """Type at the guest of a one-terminal `make gdb` (its COM1 is a local TCP port)."""
    elf = os.path.abspath(args.elf)
    if running_qemu_gdb(elf):
        print("The guest console is the terminal where `make qemu-gdb` runs: type there.", file=sys.stderr)
        return 1
    words = read_state(state_path(elf, CONSOLE_FILE))
    if not words or len(words) < 2 or not pid_alive(int(words[1]), f"port={words[0]},"):
        print(f"No `make gdb` is running for {os.path.relpath(elf)} (no live {CONSOLE_FILE}): start `make gdb` "
              "first, or use `make qemu-gdb` + `make gdb`.", file=sys.stderr)
        return 1
    port = int(words[0])
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    except OSError as e:
        print(f"cannot connect to the guest console at 127.0.0.1:{port}: {e}", file=sys.stderr)
        return 1
    print(f"Connected to the guest console (127.0.0.1:{port}). Ctrl-A then X leaves (gdb and QEMU go on).\r")
    print("The guest only runs while gdb lets it (`continue`); press Enter for a fresh prompt.\r",
          flush=True)
    return relay(sock)


def relay(sock):
    """Copy the keyboard to the socket and the socket to the screen, in raw mode."""
    import select
    import termios
    import tty
    fd = sys.stdin.fileno()
    old = termios.tcgetattr(fd) if os.isatty(fd) else None
    if old:
        tty.setraw(fd)
    sock.setblocking(False)
    pending_ctrl_a = False
    try:
        while True:
            ready, _, _ = select.select([fd, sock], [], [])
            if sock in ready:
                try:
                    data = sock.recv(65536)
                except BlockingIOError:
                    data = None
                if data == b"":
                    os.write(sys.stdout.fileno(), b"\r\n(the guest console closed: QEMU ended)\r\n")
                    return 0
                if data:
                    os.write(sys.stdout.fileno(), data)
            if fd in ready:
                data = os.read(fd, 1024)
                if not data:
                    return 0
                out = b""
                for b in data:
                    c = bytes([b])
                    if pending_ctrl_a:
                        pending_ctrl_a = False
                        if c in (b"x", b"X"):
                            return 0
                        out += LEAVE_CONSOLE if c == LEAVE_CONSOLE else LEAVE_CONSOLE + c
                    elif c == LEAVE_CONSOLE:
                        pending_ctrl_a = True
                    else:
                        out += c
                if out:
                    sock.setblocking(True)
                    sock.sendall(out)
                    sock.setblocking(False)
    finally:
        if old:
            termios.tcsetattr(fd, termios.TCSADRAIN, old)
        sock.close()
