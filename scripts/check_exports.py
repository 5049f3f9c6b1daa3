#!/usr/bin/env python3
"""check_exports.py - drivers use only the kernel's export list (include/exports.txt).

A Windows driver can call only what ntoskrnl.exe (and the HAL, NDIS...) export; the loader
refuses anything else. irqlab links drivers into the kernel, so nothing stops a driver calling an
internal routine - except this check. For every object of a driver (build/obj/drivers/<name>/)
and of a lab's driver (build/obj/labs/<lab>/<variant>/, the Makefile builds them against
include/ only), each undefined symbol (`nm -u`) must be

  * in include/exports.txt (a name, or a prefix ending in *), or
  * defined by an object of the same driver, or of another checked driver (as a Windows driver
    may import routines from an export driver; parport's `lpt` command reads its clients).

Anything else is printed as `<object>: <symbol> is not in include/exports.txt` and the exit
status is 1. The list itself is checked too: every name in it must be defined in the kernel.

  check_exports.py [--build build]        the objects of a build (what make test runs)
  check_exports.py OBJECT...              just these objects (tests/e2e/test_exports.py)

TEMPORARY EXEMPTION: drivers/ndis and drivers/e1000 (and the e1000-rx lab, which replaces one of
e1000's files) are being reworked for the NDIS 6 data path; NDIS is a kernel library rather than a
driver and moves to kernel/ after that, when this exemption goes. Until then they are still built
with the kernel's include path, and this script lists what they use outside the export list
(`# exempt ...` lines) without failing.
"""
import argparse
import os
import subprocess
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
EXEMPT = ("drivers/ndis", "drivers/e1000", "labs/e1000-rx")


def read_exports(path):
    names, prefixes = set(), []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.endswith("*"):
                prefixes.append(line[:-1])
            else:
                names.add(line)
    return names, prefixes


def nm(args, path):
    out = subprocess.run(["nm"] + args + [path], capture_output=True, text=True, check=True).stdout
    return {line.split()[-1] for line in out.splitlines() if line.strip()}


def undefined(obj):
    return nm(["-u"], obj)


def defined(obj):
    return nm(["--defined-only", "-g"], obj)


def unit_of(obj, obj_root):
    """The driver an object belongs to: drivers/<name> or labs/<lab>/<variant>."""
    rel = os.path.relpath(obj, obj_root) if obj_root else obj
    parts = rel.split(os.sep)
    if parts[0] == "drivers" and len(parts) > 2:
        return "/".join(parts[:2])
    if parts[0] == "labs" and len(parts) > 3:
        return "/".join(parts[:3])
    return os.path.dirname(rel) or "."


def build_objects(build):
    """Every driver and lab object whose source is still in the tree (an object left in build/
    by a file that was since moved or deleted is not part of this kernel)."""
    obj_root = os.path.join(build, "obj")
    objs = []
    for top in ("drivers", "labs"):
        for d, _, files in os.walk(os.path.join(obj_root, top)):
            for f in files:
                if not f.endswith(".o"):
                    continue
                source = os.path.join(REPO, os.path.relpath(os.path.join(d, f[:-2] + ".c"), obj_root))
                if top == "labs" or os.path.exists(source):
                    objs.append(os.path.join(d, f))
    return sorted(objs), obj_root


def check(objs, obj_root, exports, prefixes):
    """Returns (problems, exempt notes)."""
    units = {}
    for o in objs:
        units.setdefault(unit_of(o, obj_root), []).append(o)
    exempt = {u for u in units if u.startswith(EXEMPT)}
    provided = set()  # what the checked drivers define, for each other (export drivers)
    for u, members in units.items():
        if u.startswith("drivers/") and u not in exempt:
            for o in members:
                provided |= defined(o)
    problems, notes = [], []
    for u in sorted(units):
        outside = []
        for o in units[u]:
            for sym in sorted(undefined(o)):
                if sym in exports or sym in provided or any(sym.startswith(p) for p in prefixes):
                    continue
                if u in exempt:
                    defined_here = set().union(*(defined(m) for m in units[u]))
                    if sym not in defined_here:
                        outside.append(sym)
                    continue
                problems.append(f"{os.path.relpath(o, REPO)}: {sym} is not in include/exports.txt")
        if u in exempt:
            outside = sorted(set(outside))
            notes.append(f"# exempt (temporary, NDIS rework): {u} uses {len(outside)} symbol(s) outside the list: "
                         + " ".join(outside))
    return problems, notes


def check_list(exports, kernel):
    """Every exact name of the list is defined in the kernel (a typo would allow nothing)."""
    if not os.path.exists(kernel):
        return []
    have = defined(kernel)
    return [f"include/exports.txt: {name} is not defined in {os.path.relpath(kernel, REPO)}"
            for name in sorted(exports - have)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.environ.get("IRQLAB_BUILD", os.path.join(REPO, "build")))
    ap.add_argument("--exports", default=os.path.join(REPO, "include", "exports.txt"))
    ap.add_argument("objects", nargs="*", help="check only these objects")
    args = ap.parse_args()
    exports, prefixes = read_exports(args.exports)
    build = os.path.abspath(args.build)
    if args.objects:
        objs, obj_root = [os.path.abspath(o) for o in args.objects], None
        problems = []
    else:
        objs, obj_root = build_objects(build)
        if not objs:
            print(f"check_exports: no driver objects under {build}/obj (run make first)")
            return 1
        problems = check_list(exports, os.path.join(build, "kernel.elf"))
    found, notes = check(objs, obj_root, exports, prefixes)
    problems += found
    for line in notes:
        print(line)
    for line in problems:
        print(line)
    print(f"check_exports: {len(objs)} objects, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
