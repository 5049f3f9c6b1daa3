#!/usr/bin/env python3
"""test_grade_determinism - a grade does not depend on how busy the host is.

Two submissions of share-the-line - the reference solution and the ISR that hangs on one check
(tests/e2e/test_grade_all.py builds both) - are graded by `make grade-all` on pc twice: as they
come, then under scripts/load.sh with a busy-looping process on every core and the
grading at nice 10 (QEMU gets what the spinners leave over). Both runs must give every student
the same points for every check: a check whose verdict moves with host speed is a bug (issue 20,
item 7). The hang is the check most exposed: it is decided by the case timeout, which counts
only time without progress, never a guess of how long a healthy case takes.
"""
import csv
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))
from tap import Tap  # noqa: E402

_spec = importlib.util.spec_from_file_location("test_grade_all", os.path.join(REPO, "tests", "e2e",
                                                                               "test_grade_all.py"))
class_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(class_module)

KEEP = ("full_solution", "hanging_isr.tar.gz")
TIMEOUT = 3600  # only stops a grade-all that hangs


def grades(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    # Everything but the notes: those name serial-log lines, which may differ in wording.
    return {r["student"]: {k: v for k, v in r.items() if k != "notes"} for r in rows}


def run(cmd, log):
    env = dict(os.environ)
    env.pop("MAKEFLAGS", None)
    r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT, env=env,
                       stdin=subprocess.DEVNULL)
    with open(log, "w") as f:
        f.write(r.stdout + r.stderr)
    return r.returncode, r.stdout + r.stderr


def main():
    t = Tap()
    build = os.environ.get("IRQLAB_BUILD") or os.path.join(REPO, "build")
    logs = os.environ.get("IRQLAB_TEST_LOGS") or os.path.join(build, "test-logs", "e2e", "test_grade_determinism")
    os.makedirs(logs, exist_ok=True)
    work = tempfile.mkdtemp(prefix="irqlab-test-determinism-")
    try:
        everything = os.path.join(work, "all")
        class_module.make_class(everything)
        submissions = os.path.join(work, "class")
        os.makedirs(submissions)
        for name in KEEP:
            shutil.move(os.path.join(everything, name), os.path.join(submissions, name))
        make = ["make", "--no-print-directory", "grade-all", "LAB=share-the-line", f"SUBMISSIONS={submissions}",
                "GRADE_MACHINES=pc", "JOBS=2", "REGRADE=1"]
        plain_out, loaded_out = os.path.join(logs, "plain"), os.path.join(logs, "loaded")
        rc1, text1 = run(make + [f"OUT={plain_out}"], os.path.join(logs, "plain.log"))
        spinners = str(os.cpu_count() or 1)
        rc2, text2 = run(["bash", "scripts/load.sh", "-n", spinners, "-N", "10", "-o", os.path.join(logs, "load"),
                          "--"] + make + [f"OUT={loaded_out}"], os.path.join(logs, "loaded.log"))
        ok = rc1 == 0 and rc2 == 0
        t.ok(ok, "make grade-all ran as it is and under scripts/load.sh", diag=(text1 + text2)[-2000:])
        if ok:
            plain, loaded = grades(os.path.join(plain_out, "grades.csv")), grades(os.path.join(loaded_out,
                                                                                             "grades.csv"))
            t.ok(plain.get("full_solution", {}).get("score") == "11"
                 and plain.get("hanging_isr", {}).get("score") == "10",
                 "the solution scores 11, the hanging ISR 10 (its one check times out)", diag=str(plain))
            t.ok(plain == loaded, "the same points for every check with every core busy",
                 diag=f"as it is: {plain}\nloaded:   {loaded}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
