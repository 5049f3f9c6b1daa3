#!/usr/bin/env python3
"""test_grade_intake - the host-side parts of class grading that need no QEMU (a few seconds):

  * scripts/submission.py takes only the declared files: from the top, from driver_dir in a whole
    clone, from inside an archive's one folder; refuses links, '..', absolute names, special
    files and duplicates, each with its reason;
  * scripts/ktest_runner.py stops a console that prints without end (max_output) and blames the
    running case (OUTPUT CAPPED), fed by a stand-in for QEMU;
  * scripts/junit.py writes what it checks, and its check catches wrong counts and bad XML;
    scripts/run_tests.py's JUnit output (make test JUNIT=) has one testcase per result.
"""
import io
import os
import sys
import tarfile
import tempfile
import zipfile

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))
import junit  # noqa: E402
import ktest_runner  # noqa: E402
import run_tests  # noqa: E402
import submission  # noqa: E402
from tap import Tap  # noqa: E402

LAB = {"dir": os.path.join(REPO, "labs", "share-the-line"), "skeleton": "skeleton", "driver_dir": "drivers/lab_share"}
SOURCE = "/* a driver */\nint x;\n"


def put(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def tar(path, members):
    with tarfile.open(path, "w:gz") as t:
        for m in members:
            t.addfile(m[0], io.BytesIO(m[1]) if len(m) > 1 else None)


def member(name, data=b"", kind=tarfile.REGTYPE, link=""):
    info = tarfile.TarInfo(name)
    info.type, info.size, info.linkname = kind, len(data), link
    return (info, data)


class FakeQemu:
    """Prints its lines, then the same line for ever; kill() stops it."""

    def __init__(self, lines, flood):
        self.text, self.flood, self.alive, self.timed_out = "\n".join(lines) + "\n", flood, True, False

    def start(self):
        pass

    def running(self):
        return self.alive

    def read(self):
        if self.alive:
            self.text += self.flood * 2000
        return self.text

    def kill(self):
        self.alive = False

    def wait(self, timeout=None):
        return -9


def main():
    t = Tap()
    work = tempfile.mkdtemp(prefix="irqlab-test-intake-")

    def take(path):
        dest = tempfile.mkdtemp(dir=work)
        got = submission.take(LAB, path, dest)
        taken = open(os.path.join(dest, "lab_share.c")).read() if os.path.exists(os.path.join(dest, "lab_share.c")) \
            else None
        return got, taken

    clone = os.path.join(work, "clone")
    put(os.path.join(clone, "drivers/lab_share/lab_share.c"), SOURCE)
    put(os.path.join(clone, "drivers/lab_share/lab_share.h"), "#define CHEAT 1\n")
    put(os.path.join(clone, "labs/share-the-line/skeleton/lab_share.c"), "old\n")
    put(os.path.join(clone, "Makefile"), "all:\n")
    got, taken = take(clone)
    t.ok(not got.reason and taken == SOURCE and "ignored 3 file(s)" in got.notes[0] and "Makefile" in got.notes[0],
         "a whole clone: the driver folder's file is taken, the rest ignored and noted", diag=str(got))

    archive = os.path.join(work, "alice.zip")
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("alice/lab_share.c", SOURCE)
    got, taken = take(archive)
    t.ok(not got.reason and taken == SOURCE and submission.student_name(archive) == "alice",
         "a zip holding one folder: read from inside it; the student is the archive's name", diag=str(got))

    with zipfile.ZipFile(os.path.join(work, "evil.zip"), "w") as z:
        z.writestr("../../etc/lab_share.c", SOURCE)
    got, _ = take(os.path.join(work, "evil.zip"))
    t.ok("outside its folder" in got.reason, "a zip member climbing out is refused", diag=str(got))
    cases = [
        ("abs.tar.gz", [member("/tmp/lab_share.c", SOURCE.encode())], "outside its folder"),
        ("link.tar.gz", [member("lab_share.c", kind=tarfile.SYMTYPE, link="/etc/passwd")], "link"),
        ("hard.tar.gz", [member("lab_share.c", kind=tarfile.LNKTYPE, link="../x")], "link"),
        ("dev.tar.gz", [member("lab_share.c", kind=tarfile.CHRTYPE)], "special file"),
        ("twice.tar.gz", [member("a/lab_share.c", b"x"), member("b/lab_share.c", b"y")], "there 2 times"),
    ]
    for name, members, why in cases:
        tar(os.path.join(work, name), members)
        got, _ = take(os.path.join(work, name))
        t.ok(why in got.reason and not os.path.exists("/tmp/lab_share.c"), f"{name}: refused ({why})",
             diag=str(got))
    put(os.path.join(work, "latin1", "lab_share.c"), "")
    with open(os.path.join(work, "latin1", "lab_share.c"), "wb") as f:
        f.write("/* caf\u00e9 */".encode("latin-1"))
    got, _ = take(os.path.join(work, "latin1"))
    t.ok("not UTF-8" in got.reason, "a file that is not UTF-8 text is refused with the reason", diag=str(got))
    got, _ = take(os.path.join(work, "notes.txt"))
    t.ok("nothing was handed in" in got.reason, "a name that is not there: nothing handed in", diag=str(got))

    # Endless output: stopped at max_output, the running case blamed.
    lines = ["KTAP version 1", "1..1", "    # Subtest: lab", "    1..2", "    # ktest-start lab.quiet",
             "    ok 1 quiet", "    # ktest-start lab.chatty"]
    q = FakeQemu(lines, "hello again\n")
    parser, status, timed_out = ktest_runner._run_once(q, 3600, None, max_output=1 << 20)
    cases_, problems = parser.finish(status, timed_out)
    chatty = [c for c in cases_ if c.name == "lab.chatty"]
    t.ok(parser.flooded and not timed_out and chatty and chatty[0].directive == "OUTPUT CAPPED"
         and any("OUTPUT CAPPED" in d for d in chatty[0].diag) and [c.ok for c in cases_] == [True, False],
         "endless output is stopped at max_output and blamed on the running case",
         diag=f"{[(c.name, c.ok, c.directive) for c in cases_]} {problems}")

    # JUnit: written files pass the checks; wrong counts and bad XML do not.
    path = os.path.join(work, "j.xml")
    junit.write(path, [junit.Suite("s", [junit.Case("a", "c"), junit.Case("b", "c", "fail", 1.5, "why\nmore",
                                                                           "log\x01line"),
                                         junit.Case("c", "c", "skip", message="later")], 2.0)])
    t.ok(junit.check(path) == [], "junit.write's output passes junit.check (control characters cleaned)",
         diag=str(junit.check(path)))
    text = open(path).read()
    put(path, text.replace('failures="1"', 'failures="2"', 1))
    bad_counts = junit.check(path)
    put(path, text[: len(text) // 2])
    bad_xml = junit.check(path)
    t.ok(bad_counts and bad_xml and "not well-formed" in bad_xml[0], "junit.check catches wrong counts and bad XML",
         diag=f"{bad_counts} {bad_xml}")
    results = [run_tests.Result("unit:test_x:one", "pass", suite="unit:test_x", seconds=0.5),
               run_tests.Result("ktest:pc/smp1/kernel:s.c", "fail", "l.log", "boom", "make check-ktest ...",
                                "ktest:pc/smp1/kernel", 2.0),
               run_tests.Result("e2e:test_y:skipped one", "skip", suite="e2e:test_y")]
    run_tests.write_junit(path, results)
    import xml.etree.ElementTree as ET
    root = ET.parse(path).getroot()
    t.ok(junit.check(path) == [] and len(root.findall(".//testcase")) == 3 and len(root) == 3
         and "rerun: make check-ktest" in root.find(".//failure").text,
         "make test JUNIT=: one testcase per result, one testsuite per run, the failure's rerun line",
         diag=open(path).read())
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
