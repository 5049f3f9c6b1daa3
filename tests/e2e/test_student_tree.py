#!/usr/bin/env python3
"""test_student_tree - a student's tree keeps make test green: follow the tutorial, leave lab work
half-done, add another driver, then run a representative part of the suite in that tree.

In a scratch copy of the tree (make test's build objects seeded, so only the differences compile):
  1. docs/tutorial-first-driver.md's walk-through, exactly as the page has it (scripts/walkthrough.py):
     `make new-driver NAME=mydriver ...`, `make run ...`, the `irqlab>` commands and their output,
     §6 under gdb (`make qemu-gdb ...` + `make gdb`, a breakpoint in the driver's ISR hit by
     `irqlab> mydriver raise`, bt), the msi=off run. One TAP line per block.
  2. the student goes on: a half-done edit of labs/share-the-line/skeleton/lab_share.c and a second
     driver of their own (`make new-driver NAME=mynic VENDOR=0x1af4 DEVICE=0x1000`).
  3. in that tree: the unit tests (run_tests.py --only unit, which also writes build/test-summary.txt
     with what it printed), the e2e template test
     (tests/e2e/test_template.py: must step around drivers/mydriver and mynic), the static doc checks
     (test_walkthroughs.py --static, test_docs.py) - all green - and the lab grader treats the edited
     skeleton as the student's work (test_labs reports its score instead of judging it).
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))
import walkthrough as wt  # noqa: E402
from tap import Tap  # noqa: E402

TUTORIAL = "docs/tutorial-first-driver.md"
HALF_DONE = """
/* Student's work in progress: started on the ISR, not finished yet. */
static volatile unsigned int lab_share_student_notes;
"""


def run(tree, argv, env, timeout=600):
    try:
        r = subprocess.run(argv, cwd=tree, env=env, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
        return r.returncode, r.stdout + r.stderr
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        return None, out + f"\nkilled after {timeout} s"


def tap_failures(out):
    return [line for line in out.splitlines() if line.startswith("not ok")]


def stop_early(signum, frame):
    wt.kill_all()  # no QEMU outlives this test
    print(f"not ok - killed by signal {signum} (the whole test is bounded)\n1..0", flush=True)
    os._exit(1)


def main():
    signal.signal(signal.SIGALRM, stop_early)
    signal.signal(signal.SIGTERM, stop_early)
    signal.alarm(840)  # run_tests.py gives an e2e script 900 s
    t = Tap()
    build = os.environ.get("IRQLAB_BUILD") or os.path.join(REPO, "build")
    logs = os.environ.get("IRQLAB_TEST_LOGS") or os.path.join(build, "test-logs", "e2e", "test_student_tree")
    os.makedirs(logs, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="irqlab-student-") as tmp:
        tree = wt.scratch_copy(os.path.join(tmp, "irqlab"), build=build)
        tree_build = os.path.join(tree, "build")
        env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "BUILD")}
        env.update(IRQLAB_BUILD=tree_build, PYTHONPATH=os.path.join(tree, "scripts"), PYTHONUNBUFFERED="1")

        # 1. the tutorial, as written
        blocks = wt.sessions(wt.parse_file(TUTORIAL, tree)).get((TUTORIAL, "tutorial"), [])
        if not t.ok(blocks, f"{TUTORIAL} has its `tutorial` walk-through"):
            return t.finish()
        start = time.monotonic()
        runner = wt.Runner(tree, logs, lambda ok, what, diag: t.ok(ok, f"tutorial {what}", diag=diag), env=env,
                           gdb_factory=wt.gdb_session_factory(tree))
        followed = runner.run(blocks)
        t.diag(f"tutorial: {time.monotonic() - start:.1f} s")
        if not followed:
            return t.finish()

        # 2. the student's own work
        skeleton = os.path.join(tree, "labs", "share-the-line", "skeleton", "lab_share.c")
        with open(skeleton, "a") as f:
            f.write(HALF_DONE)
        rc, out = run(tree, ["make", "--no-print-directory", "new-driver", "NAME=mynic", "VENDOR=0x1af4",
                             "DEVICE=0x1000"], env)
        t.ok(rc == 0, "a second driver of the student's: make new-driver NAME=mynic", diag=out)

        # 3. the suite, in the student's tree
        rc, out = run(tree, [sys.executable, "scripts/run_tests.py", "--build", tree_build, "--only", "unit"], env)
        t.ok(rc == 0, "in the student's tree: the unit tests build and pass", diag=out[-3000:])
        summary = os.path.join(tree_build, "test-summary.txt")
        text = open(summary).read() if os.path.exists(summary) else ""
        last = out.strip().splitlines()[-1] if out.strip() else ""
        t.ok(text.strip().endswith(last) and "unit:" in text and "time:" in text,
             "run_tests.py writes build/test-summary.txt with the counts it printed (README points there)",
             diag=f"printed: {last}\nsummary:\n{text}")
        for script, args in (("test_template.py", []), ("test_walkthroughs.py", ["--static"]), ("test_docs.py", [])):
            start = time.monotonic()
            rc, out = run(tree, [os.path.join("tests", "e2e", script)] + args,
                          dict(env, IRQLAB_TEST_LOGS=os.path.join(logs, script[:-3])))
            bad = tap_failures(out)
            t.ok(rc == 0 and not bad and "\nok " in "\n" + out,
                 f"in the student's tree: tests/e2e/{script} {' '.join(args)} is green ({time.monotonic() - start:.0f} s)",
                 diag="\n".join(bad) + "\n" + out[-3000:])
        spec_path = os.path.join(tree, "labs", "share-the-line", "lab.json")
        with open(spec_path) as f:
            spec = json.load(f)
        rc, out = run(tree, [sys.executable, "scripts/grade.py", "share-the-line", "--skeleton-hash"], env)
        t.ok(rc == 0 and out.strip() != spec.get("skeleton_sha256"),
             "the half-done skeleton is told apart from the shipped one (test_labs grades it as the student's work)",
             diag=out)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
