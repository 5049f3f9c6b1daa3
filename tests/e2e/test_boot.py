#!/usr/bin/env python3
"""test_boot - build/kernel.elf boots to its banner and prompt on every supported machine.

Both boot paths (QEMU -kernel via the PVH note, and the GRUB ISO via Multiboot2) on pc and
q35, plus -smp 4: the banner must name irqlab's version, the CPU vendor, the memory size, the
loader and the command line; `help` must answer and `poweroff` must end QEMU with status 33.
The time from QEMU's start to the banner is printed as a TAP diagnostic for both paths.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_qemu import REPO, Qemu, kernel_elf  # noqa: E402
from tap import Tap  # noqa: E402

CONFIGS = [  # machine, cpus, boot, memory, expected MiB range
    ("pc", 1, "kernel", "256M", (250, 256)),
    ("pc", 1, "iso", "256M", (250, 256)),
    ("q35", 1, "kernel", "256M", (250, 256)),
    ("q35", 1, "iso", "256M", (250, 256)),
    ("pc", 4, "kernel", "512M", (500, 512)),
    ("q35", 4, "iso", "512M", (500, 512)),
]
CMDLINE = "loglevel=info"


def main():
    t = Tap()
    version = open(os.path.join(REPO, "VERSION")).read().strip()
    times = {}
    for machine, smp, boot, mem, (lo, hi) in CONFIGS:
        name = f"{machine}/smp{smp}/{boot}"
        with Qemu(kernel_elf(), machine=machine, smp=smp, boot=boot, mem=mem, cmdline=CMDLINE, timeout=60,
                  stdin=True) as q:
            banner = q.expect(r"(?m)^irqlab (\S+)")
            seconds = q.elapsed()
            prompt = q.expect(r"irqlab> ")
            out = q.read()
            if not t.ok(banner and prompt, f"{name}: boots to the banner and the prompt",
                        diag=f"{' '.join(q.argv)}\n{out[-1500:]}\n{q.stderr()}"):
                continue
            times.setdefault(boot, []).append(seconds)
            t.ok(banner.group(1) == version, f"{name}: banner shows version {version}", diag=banner.group(0))
            t.ok(re.search(r"cpu:\s+(AuthenticAMD|GenuineIntel)", out), f"{name}: banner shows the CPU vendor",
                 diag=out)
            mib = re.search(r"memory:\s+(\d+) MiB", out)
            t.ok(mib and lo <= int(mib.group(1)) <= hi, f"{name}: banner shows {lo}-{hi} MiB for -m {mem}",
                 diag=mib.group(0) if mib else out)
            loader = re.search(r"loader:\s+(.*)", out)
            want, label = ((r"^GRUB .*\(Multiboot2\)", "GRUB ... (Multiboot2)") if boot == "iso" else
                           (r"^QEMU -kernel \(PVH\)", "QEMU -kernel (PVH)"))
            t.ok(loader and re.search(want, loader.group(1)), f"{name}: loader is {label}",
                 diag=loader.group(0) if loader else out)
            t.ok(re.search(r"cmdline:\s+" + re.escape(CMDLINE), out), f"{name}: banner shows the command line",
                 diag=out)
            q.send("help\n")
            t.ok(q.expect(r"commands:.*poweroff", timeout=20), f"{name}: 'help' lists the commands", diag=q.read())
            q.send("poweroff\n")
            status = q.wait(20)
            t.ok(status == 33, f"{name}: 'poweroff' exits QEMU with status 33", diag=f"status {status}")
    for boot, label in (("kernel", "QEMU -kernel (PVH)"), ("iso", "GRUB ISO (Multiboot2)")):
        if times.get(boot):
            samples = ", ".join(f"{s:.2f}" for s in times[boot])
            t.diag(f"boot time {label}: QEMU start -> banner {min(times[boot]):.2f} s best ({samples} s)")
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
