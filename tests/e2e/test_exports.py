#!/usr/bin/env python3
"""test_exports - include/ is the whole driver contract (issue 12), and the checks that say so work.

  * scripts/check_exports.py passes on the build: every driver and lab object references only
    include/exports.txt (drivers/ndis and drivers/e1000: a temporary, listed exemption);
  * the checker itself: on a driver object that calls a kernel-internal routine it fails and
    names the symbol and the object; the same driver calling only exported routines passes;
  * a driver that includes a kernel header does not compile with the flags drivers get (the
    command make uses for drivers/edu/edu.c, taken from `make -n`);
  * nothing under kernel/ or arch/ includes a file under drivers/.
"""
import os
import re
import shlex
import subprocess
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))
from tap import Tap  # noqa: E402

CHECK = os.path.join(REPO, "scripts", "check_exports.py")

GOOD = r"""
#include <wdm.h>
ULONG GoodCounter(VOID);
ULONG GoodCounter(VOID) { DbgPrint("good %lu\n", (ULONG)KeGetCurrentIrql()); return 0; }
"""
# What a driver "finds" in the kernel's sources: declared by hand, it compiles, but it is not contract.
BAD_CALL = r"""
#include <wdm.h>
void console_printf(const char *fmt, ...);
VOID BadCounter(VOID);
VOID BadCounter(VOID) { console_printf("bad\n"); }
"""
BAD_INCLUDE = r"""
#include <wdm.h>
#include "kernel/console/console.h"
VOID BadInclude(VOID);
VOID BadInclude(VOID) { console_printf("bad\n"); }
"""


def driver_compile_command(build):
    """The compiler command make runs for a driver file (drivers/edu/edu.c), as a word list."""
    r = subprocess.run(["make", "-n", "-B", "--no-print-directory", "V=1", f"BUILD={build}",
                        os.path.join(build, "obj", "drivers", "edu", "edu.o")], cwd=REPO, capture_output=True, text=True)
    for line in r.stdout.splitlines():
        words = shlex.split(line)
        if words and words[0].endswith("gcc") and "drivers/edu/edu.c" in words:
            return words
    return None


def compile_with(command, source_text, workdir, name):
    src = os.path.join(workdir, name + ".c")
    obj = os.path.join(workdir, name + ".o")
    with open(src, "w") as f:
        f.write(source_text)
    words = [src if w == "drivers/edu/edu.c" else obj if w.endswith("edu.o") else w for w in command]
    words = [w for w in words if not w.startswith(("-MMD", "-MP"))]
    r = subprocess.run(words, cwd=REPO, capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr, obj


def main():
    t = Tap()
    build = os.environ.get("IRQLAB_BUILD") or os.path.join(REPO, "build")

    r = subprocess.run([sys.executable, CHECK, "--build", build], cwd=REPO, capture_output=True, text=True)
    t.ok(r.returncode == 0, "every driver and lab object references only include/exports.txt",
         (r.stdout + r.stderr)[-2000:])
    t.ok(re.search(r"^# exempt .*drivers/ndis", r.stdout, re.M) is not None,
         "the temporary NDIS exemption is listed with what it still uses", r.stdout[-1000:])

    command = driver_compile_command(build)
    t.ok(command is not None and "-I." not in command and "include" in " ".join(command),
         "drivers are compiled with -I include and without -I .", " ".join(command or ["(no command from make -n)"]))
    if command is None:
        for name in ("good driver passes", "bad driver fails", "bad driver: symbol and object named",
                     "internal header does not compile"):
            t.skip(name, "no compile command")
    else:
        with tempfile.TemporaryDirectory() as tmp:
            rc, out, good = compile_with(command, GOOD, tmp, "good_driver")
            t.ok(rc == 0, "a driver using only exported routines compiles", out[-1000:])
            r = subprocess.run([sys.executable, CHECK, good], capture_output=True, text=True)
            t.ok(r.returncode == 0, "... and passes the check", r.stdout + r.stderr)

            rc, out, bad = compile_with(command, BAD_CALL, tmp, "bad_driver")
            t.ok(rc == 0, "a driver declaring a kernel routine itself compiles", out[-1000:])
            r = subprocess.run([sys.executable, CHECK, bad], capture_output=True, text=True)
            t.ok(r.returncode == 1, "... but fails the check", r.stdout + r.stderr)
            t.ok(re.search(r"bad_driver\.o: console_printf is not in include/exports.txt", r.stdout) is not None,
                 "... which names the symbol and the object", r.stdout)

            rc, out, _ = compile_with(command, BAD_INCLUDE, tmp, "bad_include")
            t.ok(rc != 0 and "kernel/console/console.h" in out,
                 "a driver including a kernel header does not compile", out[-1000:])

    offenders = []
    for top in ("kernel", "arch"):
        for d, _, files in os.walk(os.path.join(REPO, top)):
            for f in files:
                if f.endswith((".c", ".h")):
                    path = os.path.join(d, f)
                    with open(path, errors="replace") as src:
                        for n, line in enumerate(src, 1):
                            if re.match(r'\s*#\s*include\s*"drivers/', line):
                                offenders.append(f"{os.path.relpath(path, REPO)}:{n}: {line.strip()}")
    t.ok(not offenders, "nothing under kernel/ or arch/ includes drivers/", "\n".join(offenders))
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
