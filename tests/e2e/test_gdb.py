#!/usr/bin/env python3
"""test_gdb - the debugging recipe of `make gdb` works on every boot path (kernel, iso, uefi).

QEMU starts paused with a gdb stub on a free port; `gdb -batch` loads build/kernel.elf and
scripts/irqlab.gdb exactly as `make gdb` does (irqlab_qemu.gdb_argv), stops at kernel_main
through a hardware breakpoint, checks the boot magic, steps with `next`, runs to a breakpoint
in print_banner, and reads the backtrace and a global. Only facts that later edits of
kernel/main.c keep true are checked (no line numbers). The ISO carries the kernel without its
debug information (a faster GRUB boot, issue 15): gdb still steps by source line on the iso and
uefi paths because it reads build/kernel.elf, which is checked too.
"""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_qemu import MB2_MAGIC, PVH_MAGIC, Qemu, free_port, gdb_argv, iso_for, kernel_elf  # noqa: E402
from tap import Tap  # noqa: E402

CMDLINE = "loglevel=debug"
# Markers split gdb's output into one section per step.
SCRIPT = r"""
hbreak kernel_main
continue
echo @@main\n
frame
print/x magic
print/x *(unsigned int *)(unsigned long)info
echo @@next\n
next
frame
next
frame
echo @@banner\n
break print_banner
continue
echo @@bt\n
bt
up
print boot_info.cmdline
echo @@kill\n
kill
"""


def sections(output):
    parts, name = {}, "start"
    for line in output.splitlines():
        m = re.match(r"^@@(\w+)$", line.strip())
        if m:
            name = m.group(1)
            continue
        parts.setdefault(name, []).append(line)
    return {k: "\n".join(v) for k, v in parts.items()}


def session(t, boot):
    port = free_port()
    with tempfile.NamedTemporaryFile("w", suffix=".gdb", delete=False) as f:
        f.write(SCRIPT)
        script = f.name
    try:
        slow = 3 if boot == "uefi" else 1  # OVMF under TCG: tens of seconds before GRUB
        with Qemu(kernel_elf(), boot=boot, cmdline=CMDLINE, timeout=180 * slow,
                  extra=["-S", "-gdb", f"tcp:127.0.0.1:{port}"]) as q:
            argv = gdb_argv(kernel_elf(), port, batch=True, scripts=[script])
            try:
                g = subprocess.run(argv, capture_output=True, text=True, timeout=120 * slow, stdin=subprocess.DEVNULL)
                out = g.stdout + g.stderr
            except subprocess.TimeoutExpired as e:
                out = f"gdb timed out\n{e.stdout or ''}{e.stderr or ''}"
            status = q.wait(20)
    finally:
        os.unlink(script)
    s = sections(out)
    diag = f"{' '.join(argv)}\n{out[-3000:]}"

    main = s.get("main", "")
    t.ok(re.search(r"kernel_main \(magic=", main), f"{boot}: stops at kernel_main (hbreak)", diag=diag)
    values = re.findall(r"^\$\d+ = (0x[0-9a-f]+)", main, re.M)
    if boot in ("iso", "uefi"):
        t.ok(values[:1] == [hex(MB2_MAGIC)], f"{boot}: magic == {hex(MB2_MAGIC)} (Multiboot2)", diag=main)
    else:
        t.ok(values[1:2] == [hex(PVH_MAGIC)], f"{boot}: *info == {hex(PVH_MAGIC)} (PVH start_info)", diag=main)

    frames = re.findall(r"^#0\s+kernel_main .* at (\S+):(\d+)", s.get("next", ""), re.M)
    lines = [int(n) for _, n in frames]
    t.ok(len(lines) == 2 and lines[0] < lines[1], f"{boot}: `next` steps forward through kernel_main",
         diag=s.get("next", diag))

    t.ok(re.search(r"Breakpoint \d+, print_banner \(\)", s.get("banner", "")),
         f"{boot}: continue stops at a breakpoint in print_banner", diag=s.get("banner", diag))
    bt = s.get("bt", "")
    # kernel_main may hand over to a kernel_main_* continuation on another stack (kernel/main.c).
    t.ok(re.search(r"^#0\s+print_banner", bt, re.M) and re.search(r"^#1\s+.*\bkernel_main\w* \(", bt, re.M),
         f"{boot}: bt shows print_banner called from kernel_main", diag=bt or diag)
    t.ok(re.search(r'\$\d+ = "' + re.escape(CMDLINE) + '"', bt), f"{boot}: print boot_info.cmdline",
         diag=bt or diag)
    t.ok(status is not None and not q.timed_out, f"{boot}: kill ends QEMU", diag=f"status {status}\n{q.stderr()}")


def has_debug_info(path):
    r = subprocess.run(["readelf", "-S", "-W", path], capture_output=True, text=True)
    return ".debug_info" in r.stdout


def iso_kernel_is_stripped(t):
    iso = iso_for(kernel_elf(), CMDLINE)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "kernel.elf")
        r = subprocess.run(["xorriso", "-osirrox", "on", "-indev", iso, "-extract", "/boot/kernel.elf", out],
                           capture_output=True, text=True)
        inside = os.path.exists(out) and not has_debug_info(out)
    t.ok(r.returncode == 0 and inside and has_debug_info(kernel_elf()),
         "iso: the ISO's kernel has no debug information; build/kernel.elf, which gdb loads, has it",
         diag=r.stderr[-2000:])


def main():
    t = Tap()
    iso_kernel_is_stripped(t)
    for boot in ("kernel", "iso", "uefi"):  # uefi: the GRUB ISO under OVMF (make gdb BOOT=uefi)
        session(t, boot)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
