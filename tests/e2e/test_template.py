#!/usr/bin/env python3
"""test_template - `make new-driver` makes a driver that builds, starts and takes interrupts.

In a scratch copy of the tree (the tracked and untracked-but-not-ignored files as they are now;
the real tree is never written): `make new-driver NAME=tplcheck VENDOR=0x1234 DEVICE=0x11e8`
(QEMU's edu device; not the tutorial's `mydriver`, which a student's tree may already have - any
name taken is stepped around), `make kernel` into the copy's own build directory, then boot that
kernel with one edu device and CMDLINE `nodriver=edu,<the tree's other extra drivers>` (they match
the same ids and may come first in the driver table; nodriver= hands the device to the next match,
ours). At the shell: `tplcheck` says it started message-based, `tplcheck raise` makes edu
interrupt, and `irq` shows the vector owned by `tplcheck` with a non-zero count. Then again with `msi=off`: the fallback line
ISR. Also: the generator's errors (existing folder, bad NAME) and that the template itself is
not compiled. Under a minute on two cores.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))
sys.path.insert(0, HERE)
import test_shell  # noqa: E402  (its Shell talks to COM1 over a socket)
import walkthrough  # noqa: E402
from irqlab_qemu import EXIT_SUCCESS  # noqa: E402
from tap import Tap  # noqa: E402

# Not the tutorial's `mydriver`: a student who followed the tutorial has drivers/mydriver in the
# tree this test copies. free_name() also steps around any other driver already there.
NAME_BASE = "tplcheck"
NAME = NAME_BASE


def free_name(tree, base=NAME_BASE):
    """base, or base2, base3, ... : a name no folder under drivers/ and no shell command uses."""
    taken = set(os.listdir(os.path.join(tree, "drivers")))
    sources = subprocess.run(["grep", "-rhoE", r"(SHELL_COMMAND|IRQLAB_DRIVER)\(\s*[a-z_0-9]+", "arch", "kernel",
                              "drivers", "tests"], cwd=tree, capture_output=True, text=True).stdout
    taken |= {w.split("(")[-1].strip() for w in sources.split()}
    n, name = 1, base
    while name in taken:
        n += 1
        name = f"{base}{n}"
    return name


def scratch_copy(dest):
    """The files git knows about (tracked, or untracked and not ignored); outside git (a copy of a
    student's tree) every file but build directories."""
    walkthrough.scratch_copy(dest)


def make(tree, *args, timeout=240):
    return subprocess.run(["make", "--no-print-directory", *args], cwd=tree, capture_output=True, text=True,
                          timeout=timeout)


def irq_owner_count(out, owner):
    """(vector, total count) of the `irq` row whose owner column names `owner`, or None."""
    for line in (out or "").split("\n"):
        m = re.match(r"^0x([0-9a-f]{2})\s+\d+\s+(?:GSI \d+ \S+|\S+ MSI(?:-X)? \d+)\s+(.*)$", line)
        if m and re.search(r"\b" + owner + r"\b", m.group(2)):
            words = m.group(2).split()
            counts = []
            for w in words:
                value = test_shell.count_value(w)
                if value is None:
                    break
                counts.append(value)
            return int(m.group(1), 16), sum(counts[:-1])  # the last number is `unclaimed`
    return None


def boot_and_check(t, elf_build, cmdline, label, kind):
    os.environ["IRQLAB_BUILD"] = elf_build  # test_shell's Shell boots kernel_elf() of this build
    sh = test_shell.Shell(machine="pc", smp=1, cmdline=cmdline, name=label)
    try:
        if not t.ok(sh.wait_for(re.escape(test_shell.PROMPT), 30), f"{label}: boots to the prompt",
                    diag=sh.diag()):
            return
        out = sh.run(f"{NAME}\r")
        t.ok(out and f"{NAME}: started, {kind}" in out, f"{label}: `{NAME}` says it started {kind}", diag=out)
        raised = [sh.run(f"{NAME} raise\r") for _ in range(3)]
        t.ok(all(r and "the ISR and the DPC ran" in r for r in raised), f"{label}: `{NAME} raise` x3: ISR and DPC ran",
             diag="\n".join(r or "(no prompt)" for r in raised))
        m = re.search(r"ISR calls (\d+)\s+claimed (\d+)\s+DPC runs (\d+)", raised[-1] or "")
        t.ok(m and int(m.group(2)) >= 3 and int(m.group(3)) >= 1, f"{label}: counts show >= 3 claimed interrupts",
             diag=raised[-1])
        vm = re.search(r"vector 0x([0-9a-f]+)", out or "")
        irq = sh.run("irq\r")
        row = irq_owner_count(irq, NAME)
        t.ok(row and row[1] >= 3 and vm and row[0] == int(vm.group(1), 16),
             f"{label}: irq shows {NAME}'s vector with a count >= 3", diag=f"{row}\n{irq}")
        t.ok(not re.search(r"\bedu 00:03\.0", irq or ""), f"{label}: edu's own driver did not take the device",
             diag=irq)
        sh.send("poweroff\r")
        t.ok(sh.wait_exit(20) == EXIT_SUCCESS, f"{label}: poweroff")
    finally:
        sh.close()


def driver_names(tree, folders):
    """The IRQLAB_DRIVER names declared under drivers/<folder>/ for each folder."""
    names = []
    for folder in folders:
        out = subprocess.run(["grep", "-rhoE", r"IRQLAB_DRIVER\(\s*[A-Za-z_0-9]+", os.path.join("drivers", folder)],
                             cwd=tree, capture_output=True, text=True).stdout
        names += [w.split("(")[-1].strip() for w in out.split()]
    return names


def main():
    global NAME
    signal.alarm(300)
    t = Tap()
    test_shell.DEVICES = ["-nic", "none", "-device", "edu,addr=03.0"]
    tmp = tempfile.mkdtemp(prefix="irqlab-template-")
    try:
        tree = os.path.join(tmp, "irqlab")
        scratch_copy(tree)
        NAME = free_name(tree)
        others = sorted(d for d in os.listdir(os.path.join(tree, "drivers"))
                        if d not in ("e1000", "edu", "ndis", "parport", "parprint", "parwatch", "pci", "serial"))
        if others:
            t.diag(f"drivers already in the tree (built with this one): {', '.join(others)}")
        r = make(tree, "new-driver", f"NAME={NAME}", "VENDOR=0x1234", "DEVICE=0x11e8")
        src = os.path.join(tree, "drivers", NAME, f"{NAME}.c")
        t.ok(r.returncode == 0 and os.path.isfile(src), f"make new-driver NAME={NAME} creates drivers/{NAME}/{NAME}.c",
             diag=r.stdout + r.stderr)
        text = open(src).read() if os.path.isfile(src) else ""
        t.ok("CONNECT_MESSAGE_BASED" in text and "FallBackServiceRoutine" in text and "IoRequestDpc" in text
             and f"IRQLAB_DRIVER({NAME}" in text and f"SHELL_COMMAND({NAME}" in text and "@" + "name@" not in text,
             "the generated driver connects message-based with a fallback, queues a DPC, registers itself")
        r2 = make(tree, "new-driver", f"NAME={NAME}")
        t.ok(r2.returncode != 0 and "already exists" in r2.stderr, f"a second make new-driver NAME={NAME} refuses",
             diag=r2.stdout + r2.stderr)
        r3 = make(tree, "new-driver", "NAME=My-Driver")
        t.ok(r3.returncode != 0 and "C identifier" in r3.stderr and not os.path.exists(
            os.path.join(tree, "drivers", "My-Driver")), "a NAME that is not a C identifier is refused",
             diag=r3.stdout + r3.stderr)

        build = os.path.join(tree, "build")
        walkthrough.seed_build(tree, test_shell.irqlab_qemu.build_dir())  # compile only what differs
        r = make(tree, f"BUILD={build}", f"-j{max(2, os.cpu_count() or 2)}", "kernel")
        built = r.returncode == 0
        t.ok(built, f"the tree with drivers/{NAME} builds (no other file edited)", diag=(r.stdout + r.stderr)[-3000:])
        objs = subprocess.run(["find", build, "-name", "*.o"], capture_output=True, text=True).stdout
        t.ok(f"drivers/{NAME}/{NAME}.o" in objs and "driver_template" not in objs,
             f"{NAME}.c is compiled and the template is not")
        r = subprocess.run([sys.executable, os.path.join(tree, "scripts", "check_exports.py"), "--build", build],
                           cwd=tree, capture_output=True, text=True)
        t.ok(built and r.returncode == 0, f"{NAME}.o references only include/exports.txt (scripts/check_exports.py)",
             diag=(r.stdout + r.stderr)[-2000:])
        if not built:
            return t.finish()
        skip = ",".join(["edu"] + driver_names(tree, others))
        boot_and_check(t, build, f"nodriver={skip}", "msi", "message-based")
        boot_and_check(t, build, f"nodriver={skip} msi=off", "msi=off", "line-based")
    except Exception as e:  # a crash must show up as a failure, not a traceback
        t.ok(False, "test_template ran", diag=repr(e))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
