#!/usr/bin/env python3
"""test_grade_all - `make grade-all` grades a small class of share-the-line: each submission gets the
right score and reason in grades.csv and report.html, and no submission changes the grading.
It runs the `make grade-all` line of docs/labs/index.md's "class" walk-through (its folder, OUT and
JOBS replaced); that session's `make autograder` line is checked with make -n here and run by
tests/e2e/test_autograder.py.

The class (built here from the lab's own solution and skeleton, so it follows them):
  full_solution/            the reference solution                     -> full marks
  untouched_skeleton.zip    the skeleton, in a zip holding one folder  -> less than full, a reason per lost check
  compile_error/            the solution with a ';' missing            -> 0, the compiler's first error
  hanging_isr.tar.gz        a whole repository whose ISR spins on status bit 0x100 (only
                            dpc_runs_at_dispatch_level raises it)      -> that check stops the kernel
                            (DPC watchdog, 0x133), the rest pass in a fresh QEMU
  ships_own_grader/         the skeleton plus its own "everything passes" grading suite, lab.json and
                            header   -> the skeleton's score; the extras ignored and noted
  stop_in_start_device/     the solution writing to address 0x10 in StartDevice -> the stop code reported
and five that are refused before anything is built (0 with the reason): an empty file, a binary, a
misnamed file, nothing at all, a tar whose member climbs out of its folder.
Graded on pc only (GRADE_MACHINES=pc), two at a time. A second run reuses every result (resume).
"""
import csv
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))
from tap import Tap  # noqa: E402
import walkthrough as wt  # noqa: E402

LAB = os.path.join(REPO, "labs", "share-the-line")
TIMEOUT = 3600  # only stops a grade-all that hangs; a class of 11 takes ~5 min on two idle cores


def read(path):
    with open(path) as f:
        return f.read()


def write(path, text, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(text)


def must_change(text, old, new):
    assert old in text, f"the solution changed: {old!r} not found (update this test)"
    return text.replace(old, new, 1)


def make_class(folder):
    solution = read(os.path.join(LAB, "solution", "lab_share.c"))
    skeleton = read(os.path.join(LAB, "skeleton", "lab_share.c"))
    write(os.path.join(folder, "full_solution", "lab_share.c"), solution)
    with zipfile.ZipFile(os.path.join(folder, "untouched_skeleton.zip"), "w") as z:
        z.writestr("untouched_skeleton/lab_share.c", skeleton)
    write(os.path.join(folder, "compile_error", "lab_share.c"),
          must_change(solution, "dev->Counts.isr_calls++;", "dev->Counts.isr_calls++"))
    hanging = must_change(solution, "    if (status == 0)\n",
                          "    while (status & 0x100) /* the student's bug: spins with the line asserted */\n"
                          "        ;\n    if (status == 0)\n")
    data = hanging.encode()
    with tarfile.open(os.path.join(folder, "hanging_isr.tar.gz"), "w:gz") as t:
        for name, body in (("hanging_isr/drivers/lab_share/lab_share.c", data),
                           ("hanging_isr/README.md", b"my irqlab clone\n")):
            info = tarfile.TarInfo(name)
            info.size = len(body)
            t.addfile(info, io.BytesIO(body))
    cheat = os.path.join(folder, "ships_own_grader")
    write(os.path.join(cheat, "lab_share.c"), skeleton)
    write(os.path.join(cheat, "tests", "ktest", "lab_share_grade.c"),
          '#include "ktest.h"\nstatic void starts_on_the_shared_line(struct ktest *t) { (void)t; }\n'
          "KTEST_MANUAL_SUITE(lab_share_grade, KTEST_CASE(starts_on_the_shared_line));\n")
    write(os.path.join(cheat, "lab.json"), read(os.path.join(LAB, "lab.json")).replace('", 1, "', '", 100, "'))
    write(os.path.join(cheat, "lab_share.h"), "#pragma once\n#define EVERYTHING_PASSES 1\n")
    write(os.path.join(folder, "stop_in_start_device", "lab_share.c"),
          must_change(solution, "    UNREFERENCED_PARAMETER(Raw);\n",
                      "    UNREFERENCED_PARAMETER(Raw);\n    *(volatile ULONG *)0x10 = 1; /* the student's bug */\n"))
    # Refused before anything is built.
    write(os.path.join(folder, "empty_file", "lab_share.c"), "")
    write(os.path.join(folder, "binary_file", "lab_share.c"), b"\x7fELF\x02\x01\x01\0\0\0", "wb")
    write(os.path.join(folder, "misnamed_file", "lab-share.c"), solution)
    os.makedirs(os.path.join(folder, "handed_in_nothing"))
    with tarfile.open(os.path.join(folder, "climbs_out.tar.gz"), "w:gz") as t:
        info = tarfile.TarInfo("../../lab_share.c")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))


EXPECT = {  # student: (score or a test of it, a regular expression the notes must match)
    "full_solution": (12, r"^$"),
    "untouched_skeleton": (lambda s: s < 12, r"claims_its_own \(-2\): pc FAIL"),
    "compile_error": (0, r"compile error: .*lab_share\.c:\d+:\d+: error"),
    # The DPC watchdog (20 s of guest time, stop 0x133 as on Windows) stops the spinning ISR well
    # before the lab's 40 s without progress, whatever the host's speed.
    "hanging_isr": (11, r"ignored 1 file\(s\).*README\.md.*dpc_runs_at_dispatch_level \(-1\): pc FAIL "
                        r"\(CRASH: stop screen 0x00000133 DPC_WATCHDOG_VIOLATION"),
    "ships_own_grader": ("skeleton", r"ignored 3 file\(s\) beyond lab_share\.c: .*lab\.json"),
    "stop_in_start_device": (lambda s: s == 0, r"stop screen 0x00000050 PAGE_FAULT_IN_NONPAGED_AREA"),
    "empty_file": (0, r"lab_share\.c is empty"),
    "binary_file": (0, r"lab_share\.c is a binary file"),
    "misnamed_file": (0, r"lab_share\.c is missing from the submission; it has lab-share\.c \(misnamed\?\)"),
    "handed_in_nothing": (0, r"lab_share\.c is missing from the submission"),
    "climbs_out": (0, r"outside its folder \('\.\./\.\./lab_share\.c'\): refused"),
}


PAGE = "docs/labs/index.md"


def page_commands():
    """The host commands of the page's `class` walk-through (section "Grading a whole class")."""
    blocks = wt.sessions(wt.parse_file(PAGE)).get((PAGE, "class"), [])
    return [cmd for b in blocks for cmd in wt.host_commands(b)]


def grade_all(command, submissions, out):
    """The page's make grade-all line as written, its folder and output replaced by the test's
    (later make variables win), two submissions at a time."""
    env = dict(os.environ)
    env.pop("MAKEFLAGS", None)
    cmd = shlex.split(command) + ["--no-print-directory", f"SUBMISSIONS={submissions}", f"OUT={out}",
                                  f"JOBS={os.environ.get('GRADE_ALL_JOBS', '2')}"]
    r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT, env=env,
                       stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout + r.stderr


def main():
    t = Tap()
    work = tempfile.mkdtemp(prefix="irqlab-test-grade-all-")
    build = os.environ.get("IRQLAB_BUILD") or os.path.join(REPO, "build")
    out = os.path.join(os.environ.get("IRQLAB_TEST_LOGS") or os.path.join(build, "test-logs", "e2e",
                                                                           "test_grade_all"), "grades")
    shutil.rmtree(out, ignore_errors=True)
    try:
        submissions = os.path.join(work, "class")
        make_class(submissions)
        commands = page_commands()
        line = next((c for c in commands if c.startswith("make grade-all ")), "")
        other = [c for c in commands if c != line]
        dry = [subprocess.run(["make", "-n"] + shlex.split(c)[1:], cwd=REPO, capture_output=True, text=True)
               for c in other]
        t.ok(line and "LAB=share-the-line" in line and all(r.returncode == 0 for r in dry)
             and other == ["make autograder LAB=share-the-line"],
             f"{PAGE}: the class walk-through's lines (make autograder's is run by test_autograder.py)",
             diag=f"{commands}\n" + "".join(r.stderr for r in dry))
        rc, text = grade_all(line or "make grade-all LAB=share-the-line GRADE_MACHINES=pc", submissions, out)
        t.ok(rc == 0 and "11 graded" in text, "make grade-all grades every submission of the class",
             diag=text[-3000:])
        t.ok(re.search(r"\[#+ *\] \d+/11, about \d+ min \d+ s left", text) is not None,
             "a progress line with the time left", diag=text[-1500:])
        rows = {}
        csv_path = os.path.join(out, "grades.csv")
        if os.path.exists(csv_path):
            with open(csv_path, newline="") as f:
                reader = csv.DictReader(f)
                header = reader.fieldnames
                rows = {r["student"]: r for r in reader}
        else:
            header = []
        t.ok(header[:3] == ["student", "score", "max"] and header[-1] == "notes" and "claims_its_own" in header,
             "grades.csv: student, score, max, a column per check, notes", diag=str(header))
        skeleton_score = int(rows.get("untouched_skeleton", {}).get("score", -1))
        for student, (want, notes) in EXPECT.items():
            row = rows.get(student)
            if row is None:
                t.ok(False, f"{student}: graded", diag="not in grades.csv")
                continue
            score = int(row["score"])
            good = (want(score) if callable(want) else score == skeleton_score if want == "skeleton"
                    else score == want)
            points = sum(int(row[c]) for c in header[3:-1])
            t.ok(good and row["max"] == "12" and points == score and re.search(notes, row["notes"]),
                 f"{student}: {score}/{row['max']}, notes say why",
                 diag=f"score {score} (want {want if not callable(want) else 'see test'}), "
                      f"points per check sum to {points}\nnotes: {row['notes']}")
        lost = [c for c in header[3:-1] if rows.get("untouched_skeleton", {}).get(c) == "0"]
        t.ok(lost and all(f"{c} (-" in rows["untouched_skeleton"]["notes"] for c in lost),
             "every lost point has its reason in notes", diag=rows.get("untouched_skeleton", {}).get("notes", ""))
        html_path = os.path.join(out, "report.html")
        page = read(html_path) if os.path.exists(html_path) else ""
        links = re.findall(r'href="([^"]+)"', page)
        t.ok("<svg" in page and "Pass rate per check" in page and 'id="hanging_isr"' in page
             and "dpc_runs_at_dispatch_level</b>" in page,
             "report.html: histogram, pass rate per check, each student's failed checks", diag=page[:800])
        missing = [link for link in links if not os.path.exists(os.path.join(out, link))]
        t.ok(any("serial.log" in link for link in links) and not missing, "report.html's log links lead to logs",
             diag=f"missing: {missing[:5]}")
        first = read(csv_path) if os.path.exists(csv_path) else ""
        rc2, text2 = grade_all(line or "make grade-all LAB=share-the-line GRADE_MACHINES=pc", submissions, out)
        t.ok(rc2 == 0 and text2.count("(already graded)") == 11 and "build ok" not in text2,
             "run again, it resumes: nothing is graded twice", diag=text2[-1500:])
        t.ok(first and read(csv_path) == first, "the resumed run writes the same grades.csv")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
