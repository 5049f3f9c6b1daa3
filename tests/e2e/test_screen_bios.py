#!/usr/bin/env python3
"""test_screen_bios - the framebuffer console under a BIOS (SeaBIOS), read through QMP screendump.

The GRUB ISO (BOOT=iso) gets its screen from the VESA BIOS Extensions, not UEFI GOP. Three
boots on -machine pc, each to the prompt, then `screendump` (scripts/irqlab_screen.py):

  * QEMU's standard VGA: 32 bits per pixel; the prompt is on the screen in the kernel's font;
  * `-vga cirrus`: GRUB sets a 24-bit mode, the other pixel layout fb_surface.c draws;
  * `fbcon=off`: the console stays on COM1 (the banner says so) and the prompt is not drawn.

    tests/e2e/test_screen_bios.py
"""
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import irqlab_qemu  # noqa: E402
import irqlab_screen  # noqa: E402
from tap import Tap  # noqa: E402

CASES = [  # name, QEMU arguments, command line, bits per pixel the banner must report (None: no screen)
    ("standard VGA", [], "", 32),
    ("cirrus", ["-vga", "cirrus"], "", 24),
    ("fbcon=off", [], "fbcon=off", None),
]


def run(extra, cmdline, draws):
    out = {}
    with tempfile.TemporaryDirectory(prefix="irqlab-screen-") as tmp:
        qmp = irqlab_screen.Qmp.listen(os.path.join(tmp, "qmp.sock"))
        q = irqlab_qemu.Qemu(irqlab_qemu.kernel_elf(), machine="pc", boot="iso", cmdline=cmdline, timeout=0,
                             extra=irqlab_screen.qmp_args(qmp.path) + extra, stdin=True)
        out["argv"] = q.argv
        try:
            q.start()
            qmp.accept(timeout=120)
            out["prompt"] = bool(q.expect(r"irqlab> ", timeout=240))
            if out["prompt"]:
                # COM1 gets each character just before the screen does: look again until the
                # prompt is drawn (at most a minute; with fbcon=off it never is).
                deadline = time.monotonic() + (60 if draws else 0)
                while True:
                    img = qmp.screendump(os.path.join(tmp, "screen.ppm"))
                    out["prompt_row"] = img.find_text_row(irqlab_screen.Font.from_c_file(), "irqlab> ")
                    if out["prompt_row"] is not None or time.monotonic() > deadline:
                        break
                    time.sleep(0.5)
                q.send("poweroff\n")
                out["status"] = q.wait(60)
        finally:
            out["serial"] = q.read()
            q.kill()
            q.cleanup()
            qmp.close()
    return out


def main():
    t = Tap()
    for name, extra, cmdline, bpp in CASES:
        try:
            r = run(extra, cmdline, bpp is not None)
        except Exception as exc:  # a broken host side must fail the test, not crash it
            t.ok(False, f"{name}: run", diag=repr(exc))
            continue
        diag = "argv: " + " ".join(r["argv"]) + "\n--- serial (end):\n" + r["serial"][-2000:]
        if not t.ok(r.get("prompt"), f"{name}: the GRUB ISO under SeaBIOS reaches the prompt", diag=diag):
            continue
        line = re.search(r"firmware: (.*)$", r["serial"], re.M)
        line = line.group(1) if line else ""
        if bpp:
            t.ok(re.match(rf"BIOS; screen: \d+x\d+x{bpp} framebuffer", line), f"{name}: a {bpp}-bit framebuffer console",
                 diag=line or diag)
            t.ok(r.get("prompt_row") is not None, f"{name}: screendump shows the prompt in the built-in font",
                 diag=diag)
        else:
            t.ok(line == "BIOS; screen: none (COM1 only)", f"{name}: the banner says the console is on COM1 only",
                 diag=line or diag)
            t.ok(r.get("prompt_row") is None, f"{name}: nothing is drawn on the screen", diag=diag)
        t.ok(r.get("status") == irqlab_qemu.EXIT_SUCCESS, f"{name}: poweroff (exit status 33)",
             diag=f"status {r.get('status')}")
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
