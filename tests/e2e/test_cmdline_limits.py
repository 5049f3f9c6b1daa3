#!/usr/bin/env python3
"""test_cmdline_limits - long command lines never kill the boot; each mistake is reported once.

Long lines (4 KiB, 8 KiB, 64 KiB) on both boot paths must reach the prompt and say once that
the line "is longer than 511 bytes; the rest was ignored":
* GRUB ISO (Multiboot2): the whole line arrives in the MB2 command-line tag;
* QEMU -kernel (PVH), -append given to QEMU as is for 4 and 8 KiB: QEMU's PVH option ROM copies
  it into a 4096-byte buffer and overwrites its start_info from 4 KiB on; the kernel recognises
  that and takes the memory map from fw_cfg instead of stopping with 0x31;
* -kernel with 64 KiB through the launcher (scripts/irqlab_qemu.py), which cuts -append to what
  the ROM can hold (at 64 KiB the ROM would overwrite its own stack before the kernel runs).
Mistakes (verifier=banana, nodriver=<unknown>, ip1= without a second adapter, msi=banana,
msix=banana, maxcpus=99, e1000_rx_buffers=17 with two adapters) each give exactly one warning.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_qemu import kernel_elf, run_qemu  # noqa: E402
from tap import Tap  # noqa: E402

POWEROFF = [(r"irqlab> ", "poweroff\n")]
CUT_OFF = r"the command line is longer than 511 bytes; the rest was ignored"


def long_line(size):
    """`size` characters of known words: loglevel=info first (so it must still take effect)."""
    words, i = ["loglevel=info"], 0
    while len(" ".join(words)) < size:
        words.append(f"pad{i}=" + "x" * 40)
        i += 1
    return " ".join(words)[:size]


def boot(cmdline, path="kernel", raw=False, extra=None, machine="pc"):
    """raw: hand -append to QEMU unchanged (the launcher would cut it to 4095 bytes)."""
    if raw:
        extra = ["-append", cmdline] + (extra or [])
        cmdline = ""
    return run_qemu(kernel_elf(), machine=machine, boot=path, cmdline=cmdline, timeout=120, extra=extra,
                    input_script=POWEROFF)


def check_long(t, size, path, raw):
    name = f"{path}{' (raw -append)' if raw else ''}: {size}-character command line"
    r = boot(long_line(size), path, raw)
    t.ok(r.status == 33 and "irqlab> " in r.serial, f"{name}: reaches the prompt and powers off",
         diag=f"status {r.status}\n{r.serial[-1500:]}")
    t.ok(sum(1 for line in r.serial.splitlines() if re.search(CUT_OFF, line)) == 1, f"{name}: reported as cut off, once", diag=r.serial[-2500:])
    t.ok(re.search(r"cmdline:\s+loglevel=info pad0=x", r.serial), f"{name}: its start is kept",
         diag=r.serial[-2500:])
    mib = re.search(r"memory:\s+(\d+) MiB", r.serial)
    t.ok(mib and 250 <= int(mib.group(1)) <= 256, f"{name}: memory map intact (250-256 MiB of 256M)",
         diag=mib.group(0) if mib else r.serial[-1500:])
    return r


def count(t, serial, pattern, what):
    """How many warning lines match (the banner repeats the command line itself)."""
    n = sum(1 for line in serial.splitlines() if line.startswith("[WARN ]") and re.search(pattern, line))
    t.ok(n == 1, f"{what}: reported exactly once", diag=f"{n} times\n{serial[-3000:]}")


def main():
    t = Tap()

    for size in (4096, 8192, 65536):
        check_long(t, size, "iso", raw=False)
    for size in (4096, 4600, 8192):
        r = check_long(t, size, "kernel", raw=True)
        if size > 4096:  # 4096 + NUL spills only into padding; start_info stays whole
            t.ok(re.search(r"PVH option ROM copied the \d+-byte -append", r.serial),
                 f"kernel: {size} characters: the option ROM's overrun is explained", diag=r.serial[-2500:])
    check_long(t, 65536, "kernel", raw=False)

    # One adapter (QEMU's default NIC on pc): every mistake once.
    r = boot("verifier=banana nodriver=frobnicator,edu ip1=10.0.0.9/24 msi=banana msix=banana maxcpus=99")
    t.ok(r.status == 33, "mistakes: still reaches the prompt and powers off", diag=r.serial[-1500:])
    count(t, r.serial, r"verifier=banana: 'banana' is not a verifier check", "verifier=banana")
    count(t, r.serial, r"nodriver=frobnicator,edu: no driver is named 'frobnicator'", "nodriver=<unknown name>")
    count(t, r.serial, r"ip1=10\.0\.0\.9/24 ignored: there is no adapter 1 \(1 network adapter\)",
          "ip1= on a one-adapter machine")
    count(t, r.serial, r"msi=banana", "msi=banana")
    count(t, r.serial, r"msix=banana", "msix=banana")
    count(t, r.serial, r"maxcpus=99: not 1\.\.64", "maxcpus=99")
    t.ok(re.search(r"driver e1000 started", r.serial), "nodriver=frobnicator,edu leaves e1000 running",
         diag=r.serial[-2000:])

    # Two adapters: a per-adapter option is still judged once, and ip1= is fine.
    nics = []
    for i in range(2):
        nics += ["-netdev", f"user,id=n{i}", "-device", f"e1000,netdev=n{i}"]
    r = boot("e1000_rx_buffers=17 ip1=10.0.2.16/24 ip2=10.0.2.17/24", extra=["-nic", "none"] + nics)
    t.ok(r.status == 33, "two adapters: reaches the prompt and powers off", diag=r.serial[-1500:])
    count(t, r.serial, r"e1000_rx_buffers=17: using 16", "e1000_rx_buffers=17 with two adapters")
    t.ok(not any(line.startswith("[WARN ]") and "ip1=" in line for line in r.serial.splitlines()),
         "two adapters: ip1= is not reported", diag=r.serial[-2000:])
    count(t, r.serial, r"ip2=10\.0\.2\.17/24 ignored: there is no adapter 2 \(2 network adapters\)",
          "ip2= on a two-adapter machine")
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
