"""irqlab_uefi - what booting the GRUB ISO under UEFI firmware (OVMF) takes (BOOT=uefi).

QEMU's own firmware is SeaBIOS (a PC BIOS). For UEFI it needs OVMF, the EDK II firmware for
virtual machines (Debian package `ovmf`), as two flash chips: the firmware code (read-only) and
a variable store the firmware writes to (boot entries, its console choice). Every run gets a
fresh copy of the store in a temp dir of its own, removed when the Python process ends, so the
system's file is never written and no run sees what an earlier one left there.

The ISO itself must carry GRUB's UEFI half: grub-mkrescue adds it when GRUB's x86_64-efi
modules are installed (Debian package `grub-efi-amd64-bin`), next to the BIOS half
(`grub-pc-bin`). One image then boots under both firmwares.

A missing package is reported at once, by name (FirmwareMissing), never as a QEMU that sits in
the firmware's shell until a timeout. Tests point IRQLAB_OVMF_CODE / IRQLAB_OVMF_VARS /
IRQLAB_GRUB_EFI_DIR at nonexistent paths to see that message.
"""
import atexit
import os
import shutil
import tempfile

# Debian 12's ovmf: the 4 MiB flash layout (OVMF_CODE.fd / OVMF_VARS.fd are the older 2 MiB one).
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
GRUB_EFI_DIR = "/usr/lib/grub/x86_64-efi"
OVMF_PACKAGE = "ovmf"
GRUB_EFI_PACKAGE = "grub-efi-amd64-bin"
# The file a UEFI boot starts from on removable media (UEFI 2.10 section 3.5.1.1 "Removable
# Media Boot Behavior"); grub-mkrescue writes it into the FAT image of the ISO's EFI system
# partition, where its directory entry holds the 8.3 name space-padded (FAT specification,
# "Directory Structure").
EFI_REMOVABLE_LOADER = b"BOOTX64 EFI"


class FirmwareMissing(RuntimeError):
    """A file BOOT=uefi needs is not there; the message names the Debian package to install."""


def _install_hint(package):
    return f"install the Debian package {package}: sudo apt-get install {package} (or run `make deps` as root)"


def ovmf_paths():
    """(code, vars) of the OVMF firmware, or FirmwareMissing naming the `ovmf` package."""
    code = os.environ.get("IRQLAB_OVMF_CODE") or OVMF_CODE
    variables = os.environ.get("IRQLAB_OVMF_VARS") or OVMF_VARS
    for path in (code, variables):
        if not os.path.isfile(path):
            raise FirmwareMissing(f"BOOT=uefi needs the UEFI firmware for QEMU, and {path} does not exist; "
                                  + _install_hint(OVMF_PACKAGE))
    return code, variables


def grub_efi_dir():
    return os.environ.get("IRQLAB_GRUB_EFI_DIR") or GRUB_EFI_DIR


def grub_efi_present():
    return os.path.isfile(os.path.join(grub_efi_dir(), "kernel.img"))


def check_grub_efi():
    if not grub_efi_present():
        raise FirmwareMissing(f"BOOT=uefi needs GRUB's UEFI modules, and {grub_efi_dir()}/kernel.img does not exist; "
                              + _install_hint(GRUB_EFI_PACKAGE))


def check_iso_boots_uefi(iso):
    """An ISO built before grub-efi-amd64-bin was installed has no UEFI loader: OVMF would drop
    to its shell. Say so instead (the EFI image sits in the ISO uncompressed)."""
    check_grub_efi()
    with open(iso, "rb") as f:
        data = f.read()
    if EFI_REMOVABLE_LOADER not in data:
        raise FirmwareMissing(f"{iso} has no UEFI boot loader (it was built without {GRUB_EFI_PACKAGE}); "
                              "rebuild it: make iso")


_temp_dirs = []


def _remove_temp_dirs():
    for d in _temp_dirs:
        shutil.rmtree(d, ignore_errors=True)


atexit.register(_remove_temp_dirs)


def fresh_vars_copy():
    """A private copy of the OVMF variable store in a new temp dir (removed at exit)."""
    _, variables = ovmf_paths()
    d = tempfile.mkdtemp(prefix="irqlab-ovmf-")
    _temp_dirs.append(d)
    copy = os.path.join(d, "OVMF_VARS.fd")
    shutil.copyfile(variables, copy)
    return copy


REPRODUCE_VARS = "irqlab-OVMF_VARS.fd"


def reproduce_vars_copy(argv):
    """For a copy-pasteable command line: point `argv` (in place) at a variable store in the
    current directory, and return the shell command that makes it ("" if no UEFI run)."""
    prefix = "if=pflash,format=raw,unit=1,file="
    for i, word in enumerate(argv):
        if word.startswith(prefix) and os.path.basename(os.path.dirname(word[len(prefix):])).startswith("irqlab-ovmf-"):
            argv[i] = prefix + REPRODUCE_VARS
            source = os.environ.get("IRQLAB_OVMF_VARS") or OVMF_VARS
            return f"cp {source} {REPRODUCE_VARS}"
    return ""


def firmware_args():
    """QEMU arguments that make OVMF the firmware: code read-only, a fresh variable store."""
    code, _ = ovmf_paths()
    return ["-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={code}",
            "-drive", f"if=pflash,format=raw,unit=1,file={fresh_vars_copy()}"]
