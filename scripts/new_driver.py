#!/usr/bin/env python3
"""new_driver - make drivers/<name>/<name>.c from scripts/driver_template (make new-driver).

    make new-driver NAME=foo VENDOR=0x1234 DEVICE=0x11e8
    python3 scripts/new_driver.py foo --vendor 0x1234 --device 0x11e8 [--root DIR]

The new file is built and registered with no other edit: the Makefile compiles every .c under
drivers/, IRQLAB_DRIVER puts the driver in the driver table and IRQLAB_SHELL_COMMAND adds the
`<name>` command. Like every driver, the file uses include/ only (<wdm.h>, <irqlab.h>). The
template lives outside drivers/ (and ends in .tpl) so it is never compiled itself.

The ISR needs to know the device's interrupt registers (status, acknowledge, raise). For QEMU's
edu device (1234:11e8) they are filled in and the driver works as generated; for other ids the
generated file uses edu's offsets and says, in a TODO, to replace them from the datasheet.
edu's own driver (drivers/edu) also matches 1234:11e8 and comes first in the driver table: boot
with CMDLINE='nodriver=edu' to give the device to the new driver (docs/tutorial-first-driver.md).
"""
import argparse
import keyword
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
TEMPLATE_DIR = os.path.join(ROOT, "scripts", "driver_template")
EDU = (0x1234, 0x11E8)
C_KEYWORDS = set("""auto break case char const continue default do double else enum extern float for goto
if inline int long register restrict return short signed sizeof static struct switch typedef union
unsigned void volatile while _Bool _Complex _Imaginary asm typeof""".split())


def fail(message):
    print(f"new-driver: error: {message}", file=sys.stderr)
    sys.exit(2)


def parse_id(text, what):
    try:
        value = int(text, 0)
    except (TypeError, ValueError):
        fail(f"{what}={text!r} is not a number (write it like 0x1234)")
    if not 0 < value <= 0xFFFF or value == 0xFFFF and what == "VENDOR":
        fail(f"{what}={text} is not a 16-bit PCI id (1..0xffff)")
    return value


def existing_names(root, kind):
    """Names already used by (IRQLAB_)SHELL_COMMAND(...) or IRQLAB_DRIVER(...) anywhere in the sources."""
    pattern = re.compile(r"\b(?:IRQLAB_)?" + kind + r"\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,")
    names = set()
    for top in ("arch", "kernel", "drivers", "tests"):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for f in files:
                if f.endswith((".c", ".h")):
                    with open(os.path.join(dirpath, f), errors="replace") as fh:
                        names.update(pattern.findall(fh.read()))
    return names


def camel(name):
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)


def main():
    ap = argparse.ArgumentParser(description="Create drivers/<name>/<name>.c from the driver template.")
    ap.add_argument("name", nargs="?", default="", help="driver name: a lowercase C identifier, e.g. mydriver")
    ap.add_argument("--vendor", default="0x1234", help="PCI vendor id (default 0x1234, QEMU's edu)")
    ap.add_argument("--device", default="0x11e8", help="PCI device id (default 0x11e8, QEMU's edu)")
    ap.add_argument("--root", default=ROOT, help="the irqlab tree to write into (default: this one)")
    args = ap.parse_args()

    name = args.name.strip()
    if not name:
        fail("NAME is missing: make new-driver NAME=mydriver VENDOR=0x1234 DEVICE=0x11e8")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        fail(f"NAME={name!r} must be a C identifier in lowercase: a letter, then letters, digits or _ "
             "(it names the C file, its symbols and the shell command)")
    if len(name) > 20:
        fail(f"NAME={name!r} is longer than 20 characters (it is typed as a shell command)")
    if name in C_KEYWORDS or keyword.iskeyword(name):
        fail(f"NAME={name!r} is a C keyword")
    vendor = parse_id(args.vendor, "VENDOR")
    device = parse_id(args.device, "DEVICE")

    root = os.path.abspath(args.root)
    folder = os.path.join(root, "drivers", name)
    if os.path.exists(folder):
        fail(f"drivers/{name} already exists; pick another NAME or remove that folder first")
    if name in existing_names(root, "SHELL_COMMAND"):
        fail(f"there is already a shell command called {name!r}; pick another NAME")
    if name in existing_names(root, "IRQLAB_DRIVER"):
        fail(f"there is already a driver called {name!r}; pick another NAME")

    if (vendor, device) == EDU:
        note = "These are QEMU's edu device's (QEMU docs/specs/edu.txt)."
    else:
        note = ("TODO: these are QEMU edu's offsets - replace them with your device's (its datasheet), and "
                "the acknowledge in the ISR if your device clears its status differently.")
    values = {
        "@name@": name,
        "@Name@": camel(name),
        "@UPPER@": name.upper(),
        "@VENDOR@": f"0x{vendor:04x}",
        "@DEVICE@": f"0x{device:04x}",
        "@STATUS@": "0x24",
        "@RAISE@": "0x60",
        "@ACK@": "0x64",
        "@REGISTER_NOTE@": note,
        # edu: writing the pending bits to the acknowledge register clears them (and drops INTx).
        "@ACK_STATEMENT@": f"WRITE_REGISTER_ULONG({camel(name)}Register(Ext, {name.upper()}_REG_INTERRUPT_ACK), status);",
    }

    with open(os.path.join(TEMPLATE_DIR, "driver.c.tpl")) as fh:
        text = fh.read()
    for key, value in values.items():
        text = text.replace(key, value)
    left = sorted(set(re.findall(r"@[A-Za-z_]+@", text)))
    if left:
        fail(f"template placeholders not filled: {', '.join(left)}")

    os.makedirs(folder)
    out = os.path.join(folder, f"{name}.c")
    with open(out, "w") as fh:
        fh.write(text)
    if shutil.which("clang-format"):  # so the new file passes make format-check as generated
        subprocess.run(["clang-format", "-i", out], cwd=root, check=False)
    rel = os.path.relpath(out, root)
    print(f"created {rel} (PCI {vendor:04x}:{device:04x}, shell command `{name}`)")
    print("next: make                         # builds it in; no other file changes")
    if (vendor, device) == EDU:
        print(f"      make run QEMU_EXTRA='-device edu' CMDLINE='nodriver=edu'   # then type: {name} raise; irq")
    else:
        print(f"      fill in the TODO register offsets in {rel}, then make run QEMU_EXTRA='-device ...'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
