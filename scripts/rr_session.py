"""rr_session - drive `make record` as a student would: wait for the prompt, type, send UDP echoes.

    with RecordSession(["REC=/tmp/r"], cwd=repo) as s:
        s.expect(r"irqlab> ")
        s.echo_udp(b"hello")          # a datagram to the guest's echo port; returns the echo
        s.type("irq")                 # typed one key at a time, each waited for (echoed) first
        s.type("poweroff")
        status = s.wait()

Keys are typed one at a time and each is waited for in the guest's echo before the next: under
record the UART (FIFOs off) takes one byte per "data available" interrupt, and QEMU's replay log
delivers the bytes of one chardev read at once (chardev/char.c, qemu_chr_be_write ->
replay_chr_be_write), so keys sent faster than the guest reads them overrun the receiver. A
student typing by hand is far slower than the guest, so this is how a student's typing records.
"""
import os
import re
import socket
import subprocess
import threading
import time

PORT = re.compile(r"UDP echo at 127\.0\.0\.1:(\d+)")


class RecordSession:
    def __init__(self, make_args, cwd, timeout=600, log_path=None):
        self.argv = ["make", "--no-print-directory", "record"] + list(make_args)
        env = dict(os.environ)
        env.setdefault("TIMEOUT", str(timeout))
        self.proc = subprocess.Popen(self.argv, cwd=cwd, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        self.out = b""
        self.lock = threading.Lock()
        self.log = open(log_path, "wb") if log_path else None
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.pos = 0

    def _read(self):
        while True:
            data = os.read(self.proc.stdout.fileno(), 65536)
            if not data:
                return
            with self.lock:
                self.out += data
            if self.log:
                self.log.write(data)
                self.log.flush()

    def text(self):
        with self.lock:
            return self.out.decode("utf-8", "replace")

    def expect(self, regex, timeout=240, start=None):
        """The first match of regex after the last one (or `start`), waiting up to timeout s."""
        rx = re.compile(regex)
        deadline = time.monotonic() + timeout
        begin = self.pos if start is None else start
        while True:
            m = rx.search(self.text(), begin)
            if m:
                self.pos = m.end()
                return m
            if time.monotonic() > deadline or (self.proc.poll() is not None and not self.reader.is_alive()):
                raise TimeoutError(f"{regex!r} not seen; output:\n{self.text()[-3000:]}")
            time.sleep(0.02)

    def port(self):
        """The host UDP port `make record` printed for net0 (the typing position is kept)."""
        m = PORT.search(self.text())
        if not m:
            raise TimeoutError(f"make record printed no UDP port; output:\n{self.text()[-2000:]}")
        return int(m.group(1))

    def type(self, line, timeout=120):
        """Type `line` and Enter, each key once the guest has echoed the one before."""
        for ch in line:
            self.proc.stdin.write(ch.encode())
            self.proc.stdin.flush()
            self.expect(re.escape(ch), timeout=timeout)
        self.proc.stdin.write(b"\r")
        self.proc.stdin.flush()

    def echo_udp(self, payload, timeout=60):
        """Send one datagram to the guest's echo service and return its echo (None: none came;
        the datagram is sent again every few seconds until then)."""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(3)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                s.sendto(payload, ("127.0.0.1", self.port()))
                try:
                    data, _ = s.recvfrom(65536)
                    return data
                except socket.timeout:
                    continue
        return None

    def wait(self, timeout=300):
        try:
            status = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.close()
            raise
        self.reader.join(10)
        return status

    def close(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, 9)
            except ProcessLookupError:
                pass
            self.proc.wait()
        if self.log:
            self.log.close()
            self.log = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
