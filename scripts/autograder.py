#!/usr/bin/env python3
"""autograder - package a lab as a Gradescope autograder: build/autograder/<lab>.zip.

  make autograder LAB=share-the-line [HIDDEN=dir] [GRADE_MACHINES=pc]
  scripts/autograder.py <lab> [--out build/autograder] [--hidden DIR] [--machines pc]

The zip has what Gradescope's "Autograder Specifications" page asks for at its root:
  setup.sh        installs, on Gradescope's Ubuntu base image, the packages grading needs: the
                  subset of scripts/deps.sh's list that `make grade` uses (apt only, nothing else)
  run_autograder  grades /autograder/submission with scripts/grade.py --submission and writes
                  /autograder/results/results.json (tests[] per check, output, execution_time)
  irqlab/         the tracked tree with only this lab under labs/ (and not its solution)
  hidden/         HIDDEN=<dir>'s hidden checks, if any (hidden.json + its suite)
AUTOGRADER_ROOT=<dir> makes run_autograder use <dir> instead of /autograder, so the whole
package can be tried here (tests/e2e/test_autograder.py does).
"""
import argparse
import os
import re
import shutil
import stat
import sys
import tempfile
import zipfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "scripts"))

# What `make grade` needs on the grading machine (build ktest.elf, boot it in QEMU, python).
GRADING_PACKAGES = ["gcc", "binutils", "make", "nasm", "qemu-system-x86", "python3"]


def deps_packages():
    """The PACKAGES array of scripts/deps.sh (one source of truth for package names)."""
    with open(os.path.join(REPO, "scripts", "deps.sh")) as f:
        text = f.read()
    body = re.search(r"^PACKAGES=\((.*?)^\)", text, re.M | re.S).group(1)
    return [w for line in body.splitlines() for w in line.split("#")[0].split()]


def setup_sh():
    known = deps_packages()
    missing = [p for p in GRADING_PACKAGES if p not in known]
    if missing:
        sys.exit(f"autograder: {', '.join(missing)} not in scripts/deps.sh's PACKAGES")
    return f"""#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image (Ubuntu): the packages grading
# needs, from irqlab's scripts/deps.sh. Nothing is downloaded from anywhere else.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends {' '.join(GRADING_PACKAGES)}
"""


def run_autograder(lab, machines, hidden):
    return f"""#!/usr/bin/env bash
# Gradescope runs this for every submission, in /autograder (AUTOGRADER_ROOT=<dir> stands in for
# it). The student's files are in submission/; only the ones the lab declares are graded.
set -u
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
SOURCE="$ROOT/source"
RESULTS="$ROOT/results"
mkdir -p "$RESULTS"
rm -f "$RESULTS/results.json"
MACHINES="${{GRADE_MACHINES:-{machines}}}"
cd "$SOURCE/irqlab"
python3 scripts/grade.py {lab} --submission "$ROOT/submission" --logs "$RESULTS/logs" \\
    --gradescope "$RESULTS/results.json" ${{MACHINES:+--machines "$MACHINES"}} {'--hidden "$SOURCE/hidden"' if hidden else ''}
status=$?
if [ ! -s "$RESULTS/results.json" ]; then
    # The grader could not run at all: still a results.json, with the reason, so that Gradescope
    # shows it instead of a bare error.
    python3 - "$RESULTS/results.json" "$status" <<'PY'
import json, sys
json.dump({{"score": 0, "output": f"the grader could not run (exit status {{sys.argv[2]}}); "
            "see the autograder output", "tests": []}}, open(sys.argv[1], "w"))
PY
fi
"""


def add_tree(z, src, arc, skip=()):
    for d, dirs, files in os.walk(src):
        rel = os.path.relpath(d, src)
        dirs[:] = sorted(x for x in dirs if os.path.normpath(os.path.join(rel, x)) not in skip
                         and x not in (".git", "__pycache__"))
        for f in sorted(files):
            path = os.path.join(d, f)
            z.write(path, os.path.normpath(os.path.join(arc, rel, f)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("lab")
    ap.add_argument("--out", default=os.path.join(REPO, "build", "autograder"))
    ap.add_argument("--hidden", help="a folder with hidden.json: hidden checks, graded on Gradescope")
    ap.add_argument("--machines", default="", help="the machines to grade on (default: lab.json's)")
    args = ap.parse_args()
    import grade  # noqa: E402  (its copy_tree: the tracked files, as `make grade` copies them)
    lab = grade.load_lab(args.lab)
    os.makedirs(args.out, exist_ok=True)
    target = os.path.join(args.out, f"{lab['name']}.zip")
    tmp = tempfile.mkdtemp(prefix="irqlab-autograder-")
    try:
        grade.copy_tree(tmp)
        with zipfile.ZipFile(target + ".tmp", "w", zipfile.ZIP_DEFLATED) as z:
            for name, text in (("setup.sh", setup_sh()),
                               ("run_autograder", run_autograder(lab["name"], args.machines, args.hidden))):
                info = zipfile.ZipInfo(name)
                info.external_attr = (stat.S_IFREG | 0o755) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, text)
            add_tree(z, tmp, "irqlab", skip={"build"})
            add_tree(z, lab["dir"], os.path.join("irqlab", "labs", lab["name"]), skip={lab["solution"]})
            if args.hidden:
                add_tree(z, args.hidden, "hidden")
        os.replace(target + ".tmp", target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"autograder: {os.path.relpath(target, os.getcwd())} (upload it as the assignment's autograder; "
          f"setup.sh installs {' '.join(GRADING_PACKAGES)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
