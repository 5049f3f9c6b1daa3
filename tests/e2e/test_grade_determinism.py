#!/usr/bin/env python3
"""test_grade_determinism - a grade does not depend on how busy the host is.

Two submissions of share-the-line - the reference solution and the ISR that hangs on one check
(tests/e2e/test_grade_all.py builds both) - are graded by `scripts/grade.py --submission` on pc, as
`make grade-all` grades each (from one build of the tree), twice: as they come, then under
scripts/load.sh with a busy-looping process on every core and the grading at nice 10 (QEMU gets
what the spinners leave over). Both runs must give the same points for every check: a check
whose verdict moves with host speed is a bug (issue 20, item 7). The hang is the check most
exposed: it is decided by the guest's DPC watchdog (guest time) well before the host's case
timeout (time without progress), never by a guess of how long a healthy case takes.
"""
import importlib.util
import json
import os
import shlex
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
GRADE = os.path.join(REPO, "scripts", "grade.py")
TIMEOUT = 3600  # only stops a grade-all that hangs


def points(path):
    """check -> points got, from grade.py --json."""
    try:
        with open(path) as f:
            return {c["name"]: c["got"] for c in json.load(f)["checks"]}
    except (OSError, ValueError, KeyError):
        return None


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
    shutil.rmtree(logs, ignore_errors=True)
    os.makedirs(logs)
    work = tempfile.mkdtemp(prefix="irqlab-test-determinism-")
    try:
        submissions = os.path.join(work, "class")
        class_module.make_class(submissions)
        cache = os.path.join(work, "cache")
        # The tree is built once, as make grade-all does; what is compared is the grading.
        rc, text = run([sys.executable, GRADE, "share-the-line", "--prime-cache", cache],
                       os.path.join(logs, "cache.log"))
        if not t.ok(rc == 0, "the tree builds (grade.py --prime-cache)", diag=text[-2000:]):
            return t.finish()

        def commands(mode):
            return [[sys.executable, GRADE, "share-the-line", "--submission", os.path.join(submissions, name),
                     "--build-cache", cache, "--machines", "pc", "--logs", os.path.join(logs, mode, name),
                     "--json", os.path.join(logs, mode, name + ".json")] for name in KEEP]
        for mode in ("plain", "loaded"):
            os.makedirs(os.path.join(logs, mode))
        plain = [run(c, os.path.join(logs, "plain", f"{i}.log")) for i, c in enumerate(commands("plain"))]
        spinners = str(os.cpu_count() or 1)
        script = " && ".join(shlex.join(c) for c in commands("loaded"))
        loaded = run(["bash", "scripts/load.sh", "-n", spinners, "-N", "10", "-o", os.path.join(logs, "load"),
                      "--", "bash", "-c", script], os.path.join(logs, "loaded.log"))
        t.ok(all(rc == 0 for rc, _ in plain) and loaded[0] == 0,
             "grade.py --submission ran as it is and under scripts/load.sh",
             diag="".join(out for _, out in plain)[-1500:] + loaded[1][-1500:])
        got = {mode: {name: points(os.path.join(logs, mode, name + ".json")) for name in KEEP}
               for mode in ("plain", "loaded")}
        solution, hanging = got["plain"]["full_solution"] or {}, got["plain"]["hanging_isr.tar.gz"] or {}
        t.ok(sum(solution.values()) == 12 and sum(hanging.values()) == 11
             and hanging.get("dpc_runs_at_dispatch_level") == 0,
             "the solution scores 12, the hanging ISR 11 (its one check is stopped)", diag=str(got["plain"]))
        t.ok(got["plain"] == got["loaded"], "the same points for every check with every core busy",
             diag=f"as it is: {got['plain']}\nloaded:   {got['loaded']}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
