#!/usr/bin/env python3
"""test_autograder - the Gradescope package works as Gradescope runs it, and `make grade JUNIT=` writes
JUnit XML; both with share-the-line's reference solution on pc.

  * `make autograder LAB=share-the-line` writes build/autograder/share-the-line.zip with setup.sh
    and run_autograder at its root (executable), setup.sh installing only packages scripts/deps.sh
    lists, and no other lab's folder;
  * unpacked as Gradescope does (AUTOGRADER_ROOT=<tmp> for /autograder: source/, run_autograder,
    submission/ holding a student's whole repository with the solution in its driver folder),
    run_autograder writes results/results.json that passes scripts/schemas/gradescope-results.schema.json
    (python3-jsonschema) with full marks, one test per check, the ignored files noted;
  * HIDDEN=<dir> (a teacher's hidden check, made here) travels in the zip's hidden/ and is graded,
    shown with hidden.json's visibility;
  * `make grade LAB=share-the-line SOLUTION=1 GRADE_MACHINES=pc JUNIT=<file>` writes one passing
    testcase per check, and the file passes scripts/junit.py's checks.
The two gradings run at once.
"""
import concurrent.futures
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))
import junit  # noqa: E402
from tap import Tap  # noqa: E402

TIMEOUT = 1800  # only stops a grader that hangs
LAB = "share-the-line"


def env():
    e = dict(os.environ)
    e.pop("MAKEFLAGS", None)
    return e


def unzip(archive, dest):
    """As unzip(1) does: the files and their permission bits (zipfile drops the bits)."""
    with zipfile.ZipFile(archive) as z:
        for info in z.infolist():
            path = z.extract(info, dest)
            mode = info.external_attr >> 16
            if mode & 0o777:
                os.chmod(path, mode & 0o777)


HIDDEN_SUITE = """/* A teacher's hidden check (test_autograder): graded, never shipped to students. */
#include "drivers/lab_share/lab_share.h"
#include "tests/ktest/ktest.h"

static void counts_fit_a_line(struct ktest *t) { KTEST_EXPECT_TRUE(t, sizeof(struct lab_share_counts) <= 64); }

KTEST_MANUAL_SUITE(lab_share_hidden, KTEST_CASE(counts_fit_a_line));
"""


def make_hidden(folder):
    os.makedirs(folder)
    with open(os.path.join(folder, "lab_share_hidden.c"), "w") as f:
        f.write(HIDDEN_SUITE)
    with open(os.path.join(folder, "hidden.json"), "w") as f:
        json.dump({"suite": "lab_share_hidden", "common": {"lab_share_hidden.c": "tests/ktest/lab_share_hidden.c"},
                   "checks": [["counts_fit_a_line", 1, "the counts fit in a cache line"]],
                   "visibility": "after_published"}, f)


def autograde(t, build, hidden):
    r = subprocess.run(["make", "--no-print-directory", "autograder", f"LAB={LAB}", f"BUILD={build}",
                        f"HIDDEN={hidden}"], cwd=REPO,
                       capture_output=True, text=True, env=env(), timeout=600)
    archive = os.path.join(build, "autograder", f"{LAB}.zip")
    if not t.ok(r.returncode == 0 and os.path.exists(archive), "make autograder writes the zip",
                diag=r.stdout + r.stderr):
        return None
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
        modes = {i.filename: i.external_attr >> 16 for i in z.infolist()}
        setup = z.read("setup.sh").decode() if "setup.sh" in names else ""
    with open(os.path.join(REPO, "scripts", "deps.sh")) as f:
        deps = f.read()
    installs = [line for line in setup.splitlines() if "apt-get install" in line]
    packages = installs[0].split("--no-install-recommends")[1].split() if installs else []
    t.ok(all(modes.get(n, 0) & 0o111 for n in ("setup.sh", "run_autograder")) and packages
         and all(f" {p} " in f" {deps} " or f"{p}\n" in deps or f" {p}  " in deps for p in packages)
         and "curl" not in setup and "wget" not in setup,
         "setup.sh and run_autograder at the root, executable; setup.sh installs deps.sh's packages only",
         diag=f"{sorted(n for n in names if '/' not in n)} {packages}")
    other_labs = {n.split("/")[2] for n in names if n.startswith("irqlab/labs/")} - {LAB}
    solution = [n for n in names if n.startswith(f"irqlab/labs/{LAB}/solution/")]
    t.ok(not other_labs and not solution, "no other lab, no solution in the package", diag=str(other_labs))
    t.ok("hidden/hidden.json" in names and "hidden/lab_share_hidden.c" in names
         and not any(n.startswith("irqlab/") and "lab_share_hidden" in n for n in names),
         "HIDDEN's checks travel in hidden/, outside the tree", diag=str([n for n in names if "hidden" in n]))

    root = tempfile.mkdtemp(prefix="irqlab-autograder-root-")
    try:
        unzip(archive, os.path.join(root, "source"))
        shutil.copy2(os.path.join(root, "source", "run_autograder"), os.path.join(root, "run_autograder"))
        # The student handed in their whole clone: only drivers/lab_share/lab_share.c is taken.
        sub = os.path.join(root, "submission")
        os.makedirs(os.path.join(sub, "drivers", "lab_share"))
        shutil.copy2(os.path.join(REPO, "labs", LAB, "solution", "lab_share.c"),
                     os.path.join(sub, "drivers", "lab_share", "lab_share.c"))
        shutil.copy2(os.path.join(REPO, "Makefile"), os.path.join(sub, "Makefile"))
        r = subprocess.run([os.path.join(root, "run_autograder")], cwd=root, capture_output=True, text=True,
                           timeout=TIMEOUT, env=dict(env(), AUTOGRADER_ROOT=root, GRADE_MACHINES="pc"))
        results_path = os.path.join(root, "results", "results.json")
        if not t.ok(os.path.exists(results_path), "run_autograder writes results/results.json",
                    diag=(r.stdout + r.stderr)[-3000:]):
            return None
        with open(results_path) as f:
            results = json.load(f)
        return results
    finally:
        shutil.rmtree(root, ignore_errors=True)


def junit_grade(build, path):
    r = subprocess.run(["make", "--no-print-directory", "grade", f"LAB={LAB}", "SOLUTION=1", "GRADE_MACHINES=pc",
                        f"JUNIT={path}", f"BUILD={build}"], cwd=REPO, capture_output=True, text=True,
                       timeout=TIMEOUT, env=env())
    return r.returncode, r.stdout + r.stderr


def main():
    t = Tap()
    build = os.environ.get("IRQLAB_BUILD") or os.path.join(REPO, "build")
    logs = os.environ.get("IRQLAB_TEST_LOGS") or os.path.join(build, "test-logs", "e2e", "test_autograder")
    os.makedirs(logs, exist_ok=True)
    xml_path = os.path.join(logs, "grade-junit.xml")
    if os.path.exists(xml_path):
        os.unlink(xml_path)
    with open(os.path.join(REPO, "labs", LAB, "lab.json")) as f:
        checks = json.load(f)["checks"]
    hidden = os.path.join(tempfile.mkdtemp(prefix="irqlab-hidden-"), "hidden")
    make_hidden(hidden)
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            junit_run = pool.submit(junit_grade, build, xml_path)
            results = autograde(t, build, hidden)
            rc, out = junit_run.result()
    finally:
        shutil.rmtree(os.path.dirname(hidden), ignore_errors=True)

    if results is not None:
        import jsonschema  # python3-jsonschema (scripts/deps.sh)
        with open(os.path.join(REPO, "scripts", "schemas", "gradescope-results.schema.json")) as f:
            schema = json.load(f)
        errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(results)]
        t.ok(not errors, "results.json passes the schema written from Gradescope's specification",
             diag="\n".join(errors[:5]))
        tests = results.get("tests", [])
        full = sum(p for _, p, _ in checks) + 1
        t.ok(results.get("score") == full and [x["name"] for x in tests] == [c for c, _, _ in checks]
             + ["counts_fit_a_line"] and all(x["score"] == x["max_score"] and x["status"] == "passed"
                                                 for x in tests),
             f"the solution gets full marks ({full}: the lab's checks and the hidden one), one test per check",
             diag=json.dumps(results, indent=1)[:3000])
        t.ok([x["visibility"] for x in tests] == ["visible"] * len(checks) + ["after_published"],
             "the hidden check is shown as hidden.json's visibility says, the others visible",
             diag=str([x.get("visibility") for x in tests]))
        t.ok("ignored 1 file(s) beyond lab_share.c: Makefile" in results.get("output", "")
             and isinstance(results.get("execution_time"), (int, float)),
             "the overall output notes what was ignored; execution_time is set", diag=results.get("output", ""))
    # An invalid results.json must fail the schema (the check can fail).
    import jsonschema
    with open(os.path.join(REPO, "scripts", "schemas", "gradescope-results.schema.json")) as f:
        schema = json.load(f)
    bad = {"tests": [{"name": "x", "score": 1, "max_score": 1, "visibility": "students"}]}
    t.ok(any(True for _ in jsonschema.Draft202012Validator(schema).iter_errors(bad)),
         "the schema rejects a visibility Gradescope does not know")

    problems = junit.check(xml_path) if os.path.exists(xml_path) else ["not written"]
    cases = ET.parse(xml_path).getroot().findall(".//testcase") if not problems else []
    t.ok(rc == 0 and not problems, "make grade JUNIT= writes well-formed JUnit XML whose counts match",
         diag="\n".join(problems) + "\n" + out[-2000:])
    t.ok([c.get("name") for c in cases] == [c for c, _, _ in checks]
         and all(c.find("failure") is None and float(c.get("time")) >= 0 for c in cases),
         "one passing testcase per check, each with its time", diag=str([c.attrib for c in cases]))
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
