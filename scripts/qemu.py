#!/usr/bin/env python3
"""qemu.py - command-line front end of scripts/irqlab_qemu.py, used by the Makefile.

  qemu.py run   --elf build/kernel.elf [--machine pc|q35] [--smp N] [--boot kernel|iso|uefi]
                [--accel tcg|kvm] [--mem 256M] [--timeout S] [--cmdline ...] [--extra ...] [--iso F]
                [--nic e1000|e1000e|2xe1000|none|default]
  qemu.py qemu-gdb (same options)  QEMU paused with a gdb stub on a free port, COM1 on this terminal
  qemu.py gdb   (same options) [--break FUNC]   gdb attached to that QEMU (build/gdb.port), or
                to a paused QEMU of its own whose COM1 `qemu.py console` reaches (scripts/qemu_gdb.py)
  qemu.py mkiso --elf build/kernel.elf --cmdline '...' -o build/irqlab.iso

--boot: kernel = QEMU -kernel (PVH), iso = the GRUB ISO under SeaBIOS, uefi = the same ISO under
OVMF with a fresh copy of its variable store (scripts/irqlab_uefi.py).

`run` puts COM1 on this terminal (-serial mon:stdio): type at the irqlab> prompt, leave with
Ctrl-A X or `poweroff`. It prints the exact QEMU command line first.

--nic (make run NIC=...) adds network cards on QEMU user networking, each with a free host UDP
port forwarded to the guest's echo service (UDP port 7), and prints those ports:
`nc -u 127.0.0.1 <port>` then echoes every line. e1000 = 82540EM (line interrupt), e1000e =
82574L (MSI-X, or MSI / INTx with msix=off / msi=off), 2xe1000 = two e1000s sharing one INTx
line, none = no NIC at all, default = whatever QEMU adds by itself (scripts/irqlab_net.py).
"""
import argparse
import os
import shlex
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import irqlab_net  # noqa: E402
import irqlab_qemu  # noqa: E402
import irqlab_uefi  # noqa: E402
import qemu_gdb  # noqa: E402


def add_machine_options(p):
    p.add_argument("--elf", default=irqlab_qemu.kernel_elf())
    p.add_argument("--iso", default="", help="boot this ISO (default: one built for --elf and --cmdline)")
    p.add_argument("--machine", default="pc")
    p.add_argument("--smp", default="1")
    p.add_argument("--boot", default="kernel", choices=["kernel", "iso", "uefi"])
    p.add_argument("--accel", default="tcg", choices=["tcg", "kvm"])
    p.add_argument("--mem", default="256M")
    p.add_argument("--timeout", type=float, default=0, help="kill QEMU after this many seconds (0 = never)")
    p.add_argument("--cmdline", default="")
    p.add_argument("--extra", default="", help="more QEMU arguments, shell-quoted")
    p.add_argument("--nic", default="default", choices=sorted(irqlab_net.KINDS) + ["default"],
                   help="network cards with a host UDP port forwarded to the guest's echo port")


def iso_of(args):
    if args.boot not in ("iso", "uefi"):
        return None
    return args.iso if args.iso and os.path.exists(args.iso) else irqlab_qemu.iso_for(args.elf, args.cmdline)


def restore_terminal():
    # QEMU puts the terminal in raw mode; if it is killed it cannot undo that.
    if sys.stdin.isatty():
        subprocess.run(["stty", "sane"], check=False)


def explain_status(status):
    if status == irqlab_qemu.EXIT_SUCCESS:
        return 0, "irqlab exited with status 33: success (poweroff, or every test passed)"
    if status == irqlab_qemu.EXIT_FAILURE:
        return 1, "irqlab exited with status 35: failure (a test failed, or a bugcheck)"
    if status == 0:
        return 0, "QEMU exited (Ctrl-A X, or a triple fault: -no-reboot turns a reset into an exit)"
    if status == 124 or status < 0:
        return 1, f"QEMU was stopped (status {status}; timeout or signal)"
    return status, f"QEMU exited with status {status}"


def nic_args(args):
    """The --nic QEMU arguments, after telling the student where the echo service is."""
    if args.nic == "default":
        return []
    setup = irqlab_net.nic_setup(args.nic)
    for line in irqlab_net.describe(setup):
        print(line, flush=True)
    return setup.argv


def cmd_run(args):
    extra = nic_args(args) + shlex.split(args.extra)
    argv = irqlab_qemu.qemu_argv(args.elf, machine=args.machine, smp=args.smp, boot=args.boot, cmdline=args.cmdline,
                                 extra=extra, mem=args.mem, accel=args.accel, iso=iso_of(args),
                                 serial=["-serial", "mon:stdio"])
    if args.timeout:
        argv = ["timeout", "--foreground", "-s", "KILL", str(args.timeout)] + argv
    print(shlex.join(argv), flush=True)
    if sys.stdin.isatty():
        print("(leave QEMU with Ctrl-A then X, or type 'poweroff' at the irqlab> prompt)", flush=True)
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C belongs to QEMU/the guest
    try:
        status = subprocess.call(argv)
    finally:
        signal.signal(signal.SIGINT, old)
        restore_terminal()
    rc, text = explain_status(status)
    print(f"\n{text}")
    return rc


def qemu_argv_of(args, *, extra, serial):
    """The QEMU argv for these options, with `extra` before the user's --extra words."""
    return irqlab_qemu.qemu_argv(args.elf, machine=args.machine, smp=args.smp, boot=args.boot, cmdline=args.cmdline,
                                 extra=extra + shlex.split(args.extra), mem=args.mem, accel=args.accel,
                                 iso=iso_of(args), serial=serial)


def cmd_qemu_gdb(args):
    return qemu_gdb.cmd_qemu_gdb(args, qemu_argv_of, nic_args, restore_terminal, explain_status)


def cmd_gdb(args):
    return qemu_gdb.cmd_gdb(args, qemu_argv_of, nic_args, restore_terminal)


def cmd_console(args):
    return qemu_gdb.cmd_console(args)


def cmd_mkiso(args):
    irqlab_qemu.make_iso(args.elf, args.cmdline, args.output)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    add_machine_options(sub.add_parser("run", help="boot interactively, COM1 on this terminal"))
    for name, text in (("gdb", "attach gdb to `qemu.py qemu-gdb`, or boot paused and attach gdb"),
                       ("qemu-gdb", "boot paused with a gdb stub, COM1 on this terminal")):
        p = sub.add_parser(name, help=text)
        add_machine_options(p)
        p.add_argument("--break", dest="break_at", default="",
                       help="gdb: break on this function and continue to it (make gdb BREAK=...)")
    p = sub.add_parser("console", help="type at the guest of a one-terminal `qemu.py gdb`")
    p.add_argument("--elf", default=irqlab_qemu.kernel_elf())
    p = sub.add_parser("mkiso", help="build a GRUB ISO")
    p.add_argument("--elf", required=True)
    p.add_argument("--cmdline", default="")
    p.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    try:
            return {"run": cmd_run, "gdb": cmd_gdb, "qemu-gdb": cmd_qemu_gdb, "console": cmd_console,
                "mkiso": cmd_mkiso}[args.command](args)
    except irqlab_uefi.FirmwareMissing as e:
        print(f"irqlab: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
