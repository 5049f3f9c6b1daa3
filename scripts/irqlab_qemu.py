"""irqlab_qemu - the one way irqlab starts QEMU (make run, make gdb, make test, every e2e test).

    import sys, os
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
    from irqlab_qemu import run_qemu, kernel_elf

    r = run_qemu(kernel_elf(), machine="q35", smp=4, boot="iso", cmdline="loglevel=debug",  # or boot="uefi"
                 input_script=[("irqlab> ", "help\\n"), ("irqlab> ", "poweroff\\n")])
    r.status      # 33 = ke_exit(KE_EXIT_SUCCESS), 35 = failure, 0 = triple fault, -9 = killed
    r.serial      # everything the guest wrote to COM1, "\\r\\n" turned into "\\n"
    r.timed_out   # True if QEMU was killed after `timeout` seconds
    r.argv        # the exact QEMU command line (print it when a test fails)

Every run gets -no-reboot (a triple fault ends QEMU with status 0 instead of looping),
-display none, -monitor none, isa-debug-exit at 0xf4 and TCG unless accel="kvm" (see
docs/kvm.md for why KVM is never the default).
COM1 always goes to a log file; with IRQLAB_TEST_LOGS=<dir> in the environment (run_tests.py
sets it) that file is kept there and its path is in r.log_path.

For tests that must watch the guest while it runs (timing, GDB, per-test timeouts) use
Qemu(...) directly: start(), expect(pattern), send(text), wait(), kill().
"""
import dataclasses
import hashlib
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import irqlab_uefi

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QEMU_BIN = "qemu-system-x86_64"
EXIT_SUCCESS = 33  # ke_exit(KE_EXIT_SUCCESS = 0x10): (0x10 << 1) | 1
EXIT_FAILURE = 35  # ke_exit(KE_EXIT_FAILURE = 0x11)
MB2_MAGIC = 0x36D76289
PVH_MAGIC = 0x336EC578


def build_dir():
    """The build directory tests should use (make test passes BUILD through IRQLAB_BUILD)."""
    return os.environ.get("IRQLAB_BUILD") or os.path.join(REPO, "build")


def kernel_elf():
    return os.path.join(build_dir(), "kernel.elf")


def ktest_elf():
    return os.path.join(build_dir(), "ktest.elf")


def free_port():
    """A TCP port that was free a moment ago (bind to port 0). Never use a fixed port: two
    students or two parallel tests on one machine would collide."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclasses.dataclass
class QemuResult:
    status: int
    serial: str
    timed_out: bool
    argv: list
    log_path: str = ""
    elapsed: float = 0.0

    @property
    def ok(self):
        return self.status == EXIT_SUCCESS and not self.timed_out


# ---- GRUB ISOs ---------------------------------------------------------------------------------

_iso_lock = threading.Lock()


def grub_cfg_text(cmdline):
    """boot/grub.cfg with @CMDLINE@ replaced. Each word is single-quoted so GRUB's script
    parser neither expands `*` (ktest=*) nor eats `;`, `$` or `"`."""
    with open(os.path.join(REPO, "boot", "grub.cfg")) as f:
        template = f.read()
    words = " ".join("'" + w.replace("'", "'\\''") + "'" for w in cmdline.split())
    return template.replace("@CMDLINE@", words)


def make_iso(elf, cmdline, output):
    """Build a GRUB rescue ISO that boots `elf` with `cmdline` (same layout as `make iso`)."""
    with tempfile.TemporaryDirectory(prefix="irqlab-iso-") as tmp:
        os.makedirs(os.path.join(tmp, "boot", "grub"))
        # Without its debug information (about four fifths of the file): GRUB reads the kernel
        # through the firmware's disk calls, slow under TCG, and nothing in the guest reads DWARF.
        # GDB loads the unstripped <build>/kernel.elf for symbols (make gdb BOOT=iso).
        stripped = os.path.join(tmp, "boot", "kernel.elf")
        r = subprocess.run(["objcopy", "--strip-debug", elf, stripped], capture_output=True, text=True)
        if r.returncode != 0:
            shutil.copyfile(elf, stripped)
        with open(os.path.join(tmp, "boot", "grub", "grub.cfg"), "w") as f:
            f.write(grub_cfg_text(cmdline))
        partial = output + f".{os.getpid()}.{threading.get_ident()}.tmp"
        r = subprocess.run(["grub-mkrescue", "-o", partial, tmp], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"grub-mkrescue failed ({r.returncode}):\n{r.stderr}")
        os.replace(partial, output)  # atomic: parallel tests never see half an ISO
    return output


def iso_for(elf, cmdline=""):
    """A cached ISO for (elf, its mtime, cmdline) in <elf dir>/iso-cache/. Older ISOs of the
    same ELF are deleted so the cache does not grow without bound."""
    st = os.stat(elf)
    cache = os.path.join(os.path.dirname(os.path.abspath(elf)), "iso-cache")
    os.makedirs(cache, exist_ok=True)
    base = os.path.basename(elf)
    stamp = f"{st.st_mtime_ns}-{st.st_size}"
    # Whether GRUB's UEFI half was installed is part of the key: an ISO built without it boots
    # under BIOS only (scripts/irqlab_uefi.py).
    # So is boot/grub.cfg as it goes into the ISO (the command line included), and that the kernel
    # in it is stripped (make_iso: an ISO cached before that was not).
    key = hashlib.sha1((grub_cfg_text(cmdline) + f"\0efi={irqlab_uefi.grub_efi_present()}\0stripped").encode()).hexdigest()[:12]
    path = os.path.join(cache, f"{base}-{stamp}-{key}.iso")
    with _iso_lock:
        if os.path.exists(path):
            os.utime(path)  # recently used: pruned last
            return path
        isos = [os.path.join(cache, f) for f in os.listdir(cache) if f.endswith(".iso")]
        for old in isos:
            name = os.path.basename(old)
            if name.startswith(base + "-") and not name.startswith(f"{base}-{stamp}-"):
                _unlink(old)  # built from an older ELF
        # ~9 MiB each: keep the most recently used few.
        isos = sorted((p for p in isos if os.path.exists(p)), key=_mtime)
        for old in isos[:max(0, len(isos) - ISO_CACHE_SIZE + 1)]:
            _unlink(old)
        make_iso(elf, cmdline, path)
    return path


ISO_CACHE_SIZE = 24


def _unlink(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def _mtime(path):
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0


# ---- the QEMU command line ----------------------------------------------------------------------

def accel_args(accel):
    if accel == "kvm":
        # -cpu host alone aborts on the reference host (MSR 0x10a, see the toolchain notes).
        return ["-enable-kvm", "-cpu", "host,-arch-capabilities"]
    if accel == "tcg":
        return ["-accel", "tcg"]
    raise ValueError(f"accel must be tcg or kvm, not {accel!r}")


# QEMU 7.2's PVH option ROM (pc-bios/optionrom/pvh_main.c) copies -append into a 4096-byte
# buffer without a length check. From 4 KiB on it overwrites start_info (the kernel recovers:
# kernel/boot/pvh_overrun.c); from about 24 KiB on it overwrites its own stack and QEMU never
# reaches the kernel. The kernel keeps 511 bytes, so cutting -append to what the buffer holds
# loses nothing and the kernel still reports the line as too long.
PVH_APPEND_MAX = 4095


def pvh_append(cmdline):
    """-append for a PVH boot: at most PVH_APPEND_MAX bytes (UTF-8), cut at a word boundary."""
    data = cmdline.encode()
    if len(data) <= PVH_APPEND_MAX:
        return cmdline
    cut = data[:PVH_APPEND_MAX].decode(errors="ignore")
    return cut[:cut.rfind(" ")] if " " in cut else cut


def qemu_argv(elf=None, *, machine="pc", smp=1, boot="kernel", cmdline="", extra=None, mem="256M",
              accel="tcg", iso=None, serial=None, debug_exit=True):
    """The QEMU argv (without the serial port unless `serial` is given as argv words).
    debug_exit=False leaves out isa-debug-exit: ke_exit() then powers off through ACPI, which a
    test can turn into a pause with -no-shutdown to look at the last screen (test_uefi.py)."""
    argv = [QEMU_BIN, "-machine", machine, "-smp", str(smp), "-m", str(mem)]
    argv += accel_args(accel)
    argv += ["-no-reboot", "-display", "none", "-monitor", "none"]
    if debug_exit:
        argv += ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if boot == "kernel":
        argv += ["-kernel", elf]
        if cmdline:
            argv += ["-append", pvh_append(cmdline)]
    elif boot == "iso":
        argv += ["-cdrom", iso or iso_for(elf, cmdline), "-boot", "d"]
    elif boot == "uefi":
        # The same ISO under OVMF instead of SeaBIOS (scripts/irqlab_uefi.py): FirmwareMissing,
        # naming the Debian package, if OVMF or GRUB's UEFI half is not installed.
        irqlab_uefi.ovmf_paths()
        irqlab_uefi.check_grub_efi()
        iso = iso or iso_for(elf, cmdline)
        irqlab_uefi.check_iso_boots_uefi(iso)
        argv += irqlab_uefi.firmware_args() + ["-cdrom", iso, "-boot", "d"]
    else:
        raise ValueError(f"boot must be kernel, iso or uefi, not {boot!r}")
    argv += serial or []
    if isinstance(extra, str):
        extra = shlex.split(extra)
    argv += list(extra or [])
    return argv


def reproduce_line(argv):
    """QEMU's exact command line, copy-pasteable, with COM1 on the terminal instead of a file."""
    argv = list(argv)
    for i in range(len(argv) - 3):
        if argv[i] == "-chardev" and argv[i + 1].startswith("file,id=com1,") and argv[i + 2:i + 4] == [
                "-serial", "chardev:com1"]:
            argv[i:i + 4] = ["-serial", "stdio"]
            break
    # BOOT=uefi: the run's copy of the OVMF variable store is gone by the time anyone reads
    # this; the line makes a copy of its own first (scripts/irqlab_uefi.py).
    copy = irqlab_uefi.reproduce_vars_copy(argv)
    return (copy + " && " if copy else "") + shlex.join(argv)


def write_log_header(path, argv):
    """Start a serial log with `# reproduce: <command>`; returns the header's length in bytes."""
    header = f"# reproduce: {reproduce_line(argv)}\n".encode()
    with open(path, "wb") as f:
        f.write(header)
    return len(header)


# ---- a running QEMU ----------------------------------------------------------------------------

_log_counter = [0]


def _default_log_path():
    """Keep logs in $IRQLAB_TEST_LOGS (named after the test script) or in a temp file."""
    logs = os.environ.get("IRQLAB_TEST_LOGS")
    if not logs:
        fd, path = tempfile.mkstemp(prefix="irqlab-serial-", suffix=".log")
        os.close(fd)
        return path, True
    os.makedirs(logs, exist_ok=True)
    script = os.path.splitext(os.path.basename(sys.argv[0] or "python"))[0]
    with _iso_lock:
        _log_counter[0] += 1
        n = _log_counter[0]
    return os.path.join(logs, f"{script}-{os.getpid()}-{n:03d}.serial.log"), False


class Qemu:
    """One QEMU process with COM1 in a log file and (optionally) its input on a pipe.

        with Qemu(elf, boot="iso", stdin=True) as q:
            q.expect(r"irqlab> ")
            q.send("poweroff\\n")
            status = q.wait(10)
    """

    def __init__(self, elf, *, machine="pc", smp=1, boot="kernel", cmdline="", timeout=60, extra=None,
                 mem="256M", accel="tcg", iso=None, stdin=False, log_path=None, terminal=False, debug_exit=True):
        """stdin=True: COM1 input comes from send(). terminal=True: COM1 output is also shown on
        our stdout (make gdb). Either way it is written to log_path."""
        self.timeout = timeout
        self.stdin = stdin
        self.terminal = terminal
        if log_path:
            self.log_path, self._temp_log = log_path, False
        else:
            self.log_path, self._temp_log = _default_log_path()
        # The log starts with the command that reproduces the run (write_log_header); QEMU appends.
        if stdin or terminal:
            # The stdio backend reads our pipe (or /dev/null); logfile= copies what the guest writes.
            serial = ["-chardev", f"stdio,id=com1,signal=off,logfile={self.log_path},logappend=on",
                      "-serial", "chardev:com1"]
        else:
            serial = ["-chardev", f"file,id=com1,path={self.log_path},append=on", "-serial", "chardev:com1"]
        self.argv = qemu_argv(elf, machine=machine, smp=smp, boot=boot, cmdline=cmdline, extra=extra, mem=mem,
                              accel=accel, iso=iso, serial=serial, debug_exit=debug_exit)
        self.proc = None
        self.started = None
        self.timed_out = False
        self._raw = b""
        self._skip = 0  # bytes of our header at the start of the log, not guest output
        self._text = ""
        self._pos = 0  # where the next expect() starts searching in self._text
        self.stderr_path = self.log_path + ".stderr"

    # -- lifetime --
    def start(self):
        self._skip = write_log_header(self.log_path, self.argv)  # exists before the first read
        self._stderr = open(self.stderr_path, "wb")
        self.started = time.monotonic()
        # A session of its own: kill() takes QEMU's whole process group, and a Ctrl-C meant for
        # gdb or the test runner does not reach it.
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE if self.stdin else subprocess.DEVNULL,
                                     stdout=None if self.terminal else subprocess.DEVNULL, stderr=self._stderr,
                                     start_new_session=True)
        return self

    def __enter__(self):
        return self.start() if self.proc is None else self

    def __exit__(self, *exc):
        self.kill()
        self.cleanup()

    def elapsed(self):
        return time.monotonic() - self.started

    def remaining(self):
        if not self.timeout:
            return None
        return max(0.0, self.timeout - self.elapsed())

    def running(self):
        return self.proc.poll() is None

    def kill(self):
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        if self.proc and self.proc.stdin:
            try:
                self.proc.stdin.close()
            except OSError:
                pass

    def wait(self, timeout=None):
        """Wait for QEMU to exit (at most `timeout` s, default: what is left of the run's
        timeout); on expiry kill it and set timed_out. Returns the exit status."""
        if timeout is None:
            timeout = self.remaining()
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.timed_out = True
            self.kill()
        self.read()
        return self.proc.returncode

    def cleanup(self):
        if getattr(self, "_stderr", None):
            self._stderr.close()
            self._stderr = None
        if self._temp_log:
            for p in (self.log_path, self.stderr_path):
                try:
                    os.unlink(p)
                except OSError:
                    pass

    # -- serial --
    def read(self):
        """Everything the guest has printed so far ("\\r\\n" -> "\\n")."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(self._skip + len(self._raw))
                self._raw += f.read()
        except FileNotFoundError:
            pass
        # A "\\r" at the very end may be the first half of "\\r\\n": decode it next time.
        end = len(self._raw) - 1 if self._raw.endswith(b"\r") else len(self._raw)
        self._text = self._raw[:end].decode("utf-8", "replace").replace("\r\n", "\n")
        return self._text

    def stderr(self):
        try:
            with open(self.stderr_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def expect(self, pattern, timeout=None):
        """Wait until regex `pattern` appears in the output after the previous match. Returns
        the re.Match, or None if QEMU exited or `timeout` (default: the run's) expired."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            m = regex.search(self.read(), self._pos)
            if m:
                self._pos = m.end()
                return m
            left = self.remaining()
            if not self.running() or left == 0 or (deadline and time.monotonic() > deadline):
                self.read()
                m = regex.search(self._text, self._pos)  # output written just before exit
                if m:
                    self._pos = m.end()
                return m
            time.sleep(0.01)

    def send(self, text):
        """Type `text` on COM1 (needs stdin=True)."""
        if not self.stdin:
            raise RuntimeError("Qemu(..., stdin=True) is needed to send input")
        try:
            self.proc.stdin.write(text.encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def result(self):
        return QemuResult(self.proc.returncode if self.proc else -1, self.read(), self.timed_out, list(self.argv),
                          "" if self._temp_log else self.log_path, self.elapsed() if self.started else 0.0)


def gdb_argv(elf, port, *, batch=False, commands=(), scripts=()):
    """The gdb command line of `make gdb` (and tests/e2e/test_gdb.py): the ELF64 first (so gdb
    picks i386:x86-64 before it talks to QEMU), the project script, then the connection."""
    argv = ["gdb", "-q", "-nx"] + (["-batch"] if batch else [])
    argv += ["-ex", f"file {elf}", "-x", os.path.join(REPO, "scripts", "irqlab.gdb"),
             "-ex", f"target remote 127.0.0.1:{port}"]
    for c in commands:
        argv += ["-ex", c]
    for s in scripts:
        argv += ["-x", s]
    return argv


def run_qemu(elf, *, machine="pc", smp=1, boot="kernel", cmdline="", timeout=60, extra=None, mem="256M",
             accel="tcg", input_script=None, iso=None, log_path=None):
    """Boot `elf` and wait for QEMU to exit (or kill it after `timeout` s).

    input_script: text to type on COM1 at once, or a list of (pattern, text) pairs: wait for
    regex `pattern` in the output (after the previous match; None = do not wait), then type
    `text`. A pattern that never appears ends the script; QEMU still runs until exit/timeout."""
    steps = None
    if isinstance(input_script, str):
        steps = [(None, input_script)]
    elif input_script is not None:
        steps = list(input_script)
    q = Qemu(elf, machine=machine, smp=smp, boot=boot, cmdline=cmdline, timeout=timeout, extra=extra, mem=mem,
             accel=accel, iso=iso, stdin=steps is not None, log_path=log_path)
    try:
        q.start()
        for pattern, text in steps or []:
            if pattern is not None and not q.expect(pattern):
                break
            q.send(text)
        q.wait()
        return q.result()
    finally:
        q.kill()
        q.cleanup()
