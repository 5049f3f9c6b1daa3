#!/usr/bin/env python3
"""test_rerun_commands - a failing in-guest case can be rerun exactly, and its log says how.

`make check-ktest` on a case that fails on purpose (the manual suite ktest_selftest) with a
CMDLINE, on q35:
  * the serial log's first line is `# reproduce: qemu-system-x86_64 ...` with that machine and
    the whole kernel command line (CMDLINE included - it used to be dropped);
  * the output names a `make check-ktest ...` command for the failing case;
  * running that command runs exactly that case again, in the same configuration.
Also the same for an e2e-style QEMU log (scripts/irqlab_qemu.py): its first line is the command,
and what the guest printed is not mixed up with it.
"""
import os
import re
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import irqlab_qemu  # noqa: E402
from tap import Tap  # noqa: E402

REPO = irqlab_qemu.REPO
BUILD = irqlab_qemu.build_dir()
LOG = os.path.join(BUILD, "test-logs", "check-ktest.serial.log")


def make(*words):
    argv = ["make", "-s", "--no-print-directory", f"BUILD={BUILD}"] + list(words)
    r = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=300)
    return r, argv


def first_line(path):
    try:
        with open(path) as f:
            return f.readline().rstrip("\n")
    except OSError as e:
        return f"(cannot read {path}: {e})"


def main():
    tap = Tap()
    r, argv = make("check-ktest", "MACHINE=q35", "SMP=1", "BOOT=kernel", "CMDLINE=msi=off loglevel=info",
                   "GLOB=ktest_selftest")
    out = r.stdout + r.stderr
    head = first_line(LOG)
    diag = f"$ {shlex.join(argv)}\n{out[-1500:]}\nlog first line: {head}"
    tap.ok(r.returncode != 0 and re.search(r"^not ok \d+ - ktest_selftest\.fails_on_purpose", out, re.M),
           "check-ktest reports the case that fails on purpose", diag=diag)
    tap.ok(head.startswith("# reproduce: qemu-system-x86_64 ") and "-machine q35" in head
           and "'ktest=ktest_selftest msi=off loglevel=info'" in head,
           "the serial log starts with the QEMU command, CMDLINE included", diag=diag)
    m = re.search(r"^# rerun: (make check-ktest .*)$", out, re.M)
    tap.ok(m and "MACHINE=q35" in m.group(1) and "'CMDLINE=msi=off loglevel=info'" in m.group(1)
           and "GLOB=ktest_selftest.fails_on_purpose" in m.group(1),
           "the output names a make check-ktest command for the failing case", diag=diag)
    if m:
        words = shlex.split(m.group(1))
        r2, argv2 = make(*words[1:])
        out2 = r2.stdout + r2.stderr
        head2 = first_line(LOG)
        results = re.findall(r"^(?:not )?ok \d+ - (\S+)", out2, re.M)
        diag2 = f"$ {shlex.join(argv2)}\n{out2[-1500:]}\nlog first line: {head2}"
        tap.ok(results == ["ktest_selftest.fails_on_purpose"] and r2.returncode != 0,
               "the rerun command runs exactly that case, and it fails again", diag=diag2)
        tap.ok("-machine q35" in head2 and "'ktest=ktest_selftest.fails_on_purpose msi=off loglevel=info'" in head2,
               "the rerun is the same configuration", diag=diag2)
    else:
        tap.skip("the rerun command runs exactly that case, and it fails again", "no rerun command printed")
        tap.skip("the rerun is the same configuration", "no rerun command printed")

    # A QEMU started by irqlab_qemu (every e2e test): command first, then only the guest's output.
    log = os.path.join(BUILD, "test-logs", "rerun-commands-boot.serial.log")
    os.makedirs(os.path.dirname(log), exist_ok=True)
    res = irqlab_qemu.run_qemu(irqlab_qemu.ktest_elf(), cmdline="ktest=ktest_glob", timeout=120, log_path=log)
    head3 = first_line(log)
    tap.ok(head3 == "# reproduce: " + irqlab_qemu.reproduce_line(res.argv) and "-serial stdio" in head3,
           "an e2e QEMU log starts with its command (COM1 on the terminal)", diag=head3)
    tap.ok(res.status == irqlab_qemu.EXIT_SUCCESS and "# reproduce" not in res.serial
           and res.serial.lstrip().startswith("["),
           "the guest's output read back does not include that line", diag=res.serial[:400])
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
