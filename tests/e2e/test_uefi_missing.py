#!/usr/bin/env python3
"""test_uefi_missing - BOOT=uefi without what it needs says which Debian package to install.

Points the paths scripts/irqlab_uefi.py looks at (IRQLAB_OVMF_CODE, IRQLAB_OVMF_VARS,
IRQLAB_GRUB_EFI_DIR) at files that do not exist, as on a machine without `ovmf` or
`grub-efi-amd64-bin`, and checks that

  * `make run BOOT=uefi` and `qemu.py gdb --boot uefi` stop at once with status 2 and a message
    naming the package and the apt-get command (with TIMEOUT set, a hang in the firmware would
    end in a kill: status 1, no message);
  * scripts/ktest_runner.py --boot uefi fails the same way;
  * an ISO without GRUB's UEFI loader is refused with "rebuild it: make iso".

No QEMU starts here.
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import irqlab_qemu  # noqa: E402
import irqlab_uefi  # noqa: E402
from tap import Tap  # noqa: E402

REPO = irqlab_qemu.REPO
MISSING = "/nonexistent/irqlab-test"


def run(argv, env_extra, timeout=300):
    env = dict(os.environ, **env_extra)
    try:
        p = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
        return p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired as e:
        return None, f"timed out after {timeout} s: {e}"


def main():
    t = Tap()
    build = irqlab_qemu.build_dir()
    elf = irqlab_qemu.kernel_elf()
    cases = [
        ("IRQLAB_OVMF_CODE", f"{MISSING}/OVMF_CODE_4M.fd", "ovmf"),
        ("IRQLAB_OVMF_VARS", f"{MISSING}/OVMF_VARS_4M.fd", "ovmf"),
        ("IRQLAB_GRUB_EFI_DIR", f"{MISSING}/x86_64-efi", "grub-efi-amd64-bin"),
    ]
    for var, path, package in cases:
        rc, out = run(["make", "--no-print-directory", "run", "BOOT=uefi", "TIMEOUT=120", f"BUILD={build}"],
                      {var: path})
        t.ok(rc == 2 and f"apt-get install {package}" in out and path.split("/")[-1] in out,
             f"make run BOOT=uefi with {var} missing: names the package {package}, exits at once",
             diag=f"status {rc}\n{out[-2000:]}")
    rc, out = run([sys.executable, "scripts/qemu.py", "gdb", "--boot", "uefi", "--elf", elf, "--timeout", "120"],
                  {"IRQLAB_OVMF_CODE": f"{MISSING}/OVMF_CODE_4M.fd"})
    t.ok(rc == 2 and "apt-get install ovmf" in out, "qemu.py gdb --boot uefi without OVMF names the package",
         diag=f"status {rc}\n{out[-2000:]}")
    rc, out = run([sys.executable, "scripts/ktest_runner.py", "--boot", "uefi", "--elf", irqlab_qemu.ktest_elf(),
                   "--glob", "acpi.*"], {"IRQLAB_OVMF_CODE": f"{MISSING}/OVMF_CODE_4M.fd"})
    t.ok(rc not in (0, None) and "apt-get install ovmf" in out,
         "ktest_runner.py --boot uefi without OVMF fails and names the package", diag=f"status {rc}\n{out[-2000:]}")

    with tempfile.NamedTemporaryFile(suffix=".iso") as f:
        f.write(b"\0" * 65536)  # no EFI system partition in it
        f.flush()
        try:
            irqlab_qemu.qemu_argv(elf, boot="uefi", iso=f.name)
            msg = "accepted"
        except irqlab_uefi.FirmwareMissing as e:
            msg = str(e)
        t.ok("rebuild it: make iso" in msg, "an ISO built without GRUB's UEFI half is refused with what to do",
             diag=msg)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
