"""irqlab_screen - what the guest shows on its screen, for the tests of the framebuffer console.

    qmp = Qmp.listen(path)                 # before QEMU starts: QEMU gets qmp_args(path)
    ... start QEMU with extra=qmp_args(path) ...
    qmp.accept(timeout=60)
    img = qmp.screendump(ppm_path)         # QMP "screendump" (qapi/ui.json): a binary PPM
    font = Font.from_c_file()              # kernel/console/font.c, parsed
    img.find_text_row(font, "irqlab> ")    # the text row (0-based) showing that text, or None

The comparison is cell by cell: the expected 8 x 16 cells are rendered from the same font data
the kernel draws with, and a screen cell matches when its lit pixels (brighter than the
background by a margin) are exactly the glyph's. Colours are not compared beyond that, so the
normal console (grey on black) and the stop screen (white on blue) are read the same way.
"""
import json
import os
import re
import socket
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FONT_C = os.path.join(REPO, "kernel", "console", "font.c")
CELL_W, CELL_H = 8, 16


def qmp_args(path):
    """QEMU arguments for a QMP server on the unix socket `path`, which we listen on first."""
    return ["-qmp", f"unix:{path}"]


class Qmp:
    """A QMP connection (QEMU Machine Protocol; QEMU's documentation, "QMP Specification"). QEMU
    connects to our socket, so there is no race between QEMU creating a socket and us connecting
    to it."""

    def __init__(self, server, path):
        self.server, self.path, self.sock, self.file = server, path, None, None

    @classmethod
    def listen(cls, path):
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)
        server.listen(1)
        return cls(server, path)

    def accept(self, timeout=60):
        self.server.settimeout(timeout)
        self.sock, _ = self.server.accept()
        self.sock.settimeout(timeout)
        self.file = self.sock.makefile("rwb")
        self._read()  # the greeting
        self.command("qmp_capabilities")
        return self

    def _read(self):
        while True:
            line = self.file.readline()
            if not line:
                raise ConnectionError("QMP: QEMU closed the connection")
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def command(self, name, **arguments):
        self.file.write(json.dumps({"execute": name, "arguments": arguments}).encode() + b"\n")
        self.file.flush()
        reply = self._read()
        if "error" in reply:
            raise RuntimeError(f"QMP {name}: {reply['error']}")
        return reply.get("return")

    def screendump(self, ppm_path):
        self.command("screendump", filename=ppm_path)
        return Image.read_ppm(ppm_path)

    def close(self):
        for x in (self.file, self.sock, self.server):
            try:
                if x:
                    x.close()
            except OSError:
                pass
        try:
            os.unlink(self.path)
        except OSError:
            pass


class Font:
    """kernel/console/font.c: one glyph per line, `/* 0xNN ... */ {0b....., ...}` (5 x 8 design,
    each row drawn twice, columns in pixels 1-5 of 8: the same rule as font_row())."""

    LINE = re.compile(r"/\* 0x([0-9A-F]{2}) .*?\*/ \{((?:0b[01]{5}, ){7}0b[01]{5})\},")

    def __init__(self, glyphs):
        self.glyphs = glyphs  # code -> 8 rows of 5 bits

    @classmethod
    def from_c_file(cls, path=FONT_C):
        glyphs = {}
        with open(path) as f:
            for m in cls.LINE.finditer(f.read()):
                glyphs[int(m.group(1), 16)] = [int(b, 2) for b in m.group(2).split(", ")]
        if len(glyphs) != 0x7F - 0x20:
            raise ValueError(f"{path}: found {len(glyphs)} glyphs, expected 95")
        return cls(glyphs)

    def cell(self, ch):
        """16 rows of 8 booleans (True = lit) for character `ch`."""
        code = ord(ch) if 0x20 <= ord(ch) <= 0x7E else ord("?")
        rows = []
        for y in range(CELL_H):
            bits = (self.glyphs[code][y // 2] << 2) & 0xFF
            rows.append([bool(bits & (0x80 >> x)) for x in range(CELL_W)])
        return rows


class Image:
    def __init__(self, width, height, pixels):
        self.width, self.height, self.pixels = width, height, pixels  # bytes, RGB

    @classmethod
    def read_ppm(cls, path, timeout=30):
        deadline = time.monotonic() + timeout
        while True:  # QEMU writes the file before it answers, but be patient with the disk
            with open(path, "rb") as f:
                data = f.read()
            m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
            if m and len(data) >= m.end() + int(m.group(1)) * int(m.group(2)) * 3:
                w, h = int(m.group(1)), int(m.group(2))
                return cls(w, h, data[m.end():m.end() + w * h * 3])
            if time.monotonic() > deadline:
                raise ValueError(f"{path}: not a complete binary PPM")
            time.sleep(0.1)

    def rgb(self, x, y):
        i = (y * self.width + x) * 3
        return tuple(self.pixels[i:i + 3])

    def background(self):
        """The most common colour of the rightmost pixel column (blank in every cell): the background."""
        counts = {}
        for y in range(0, self.height, 4):
            c = self.rgb(self.width - 1, y)
            counts[c] = counts.get(c, 0) + 1
        return max(counts, key=counts.get)

    def lit(self, x, y, bg):
        return sum(abs(a - b) for a, b in zip(self.rgb(x, y), bg)) > 96

    def cell_matches(self, font, ch, column, row, bg):
        want = font.cell(ch)
        x0, y0 = column * CELL_W, row * CELL_H
        # The cursor lights the cell's last two rows completely; there they are not the glyph's.
        cursor = all(self.lit(x0 + x, y0 + y, bg) for y in (CELL_H - 2, CELL_H - 1) for x in range(CELL_W))
        for y in range(CELL_H - 2 if cursor else CELL_H):
            for x in range(CELL_W):
                if self.lit(x0 + x, y0 + y, bg) != want[y][x]:
                    return False
        return True

    def row_text_matches(self, font, text, row, column=0, bg=None):
        bg = bg or self.background()
        return all(self.cell_matches(font, ch, column + i, row, bg) for i, ch in enumerate(text))

    def find_text_row(self, font, text, column=0):
        """The first text row whose cells from `column` on show `text`, or None."""
        bg = self.background()
        for row in range(self.height // CELL_H):
            if self.row_text_matches(font, text, row, column, bg):
                return row
        return None

    def text_rows(self):
        return self.height // CELL_H
