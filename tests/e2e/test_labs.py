#!/usr/bin/env python3
"""test_labs - every course lab's grader works, run through the lines its handout tells students to type.

For each labs/<lab>/lab.json the handout (lab.json "handout") has a block marked
`<!-- walkthrough: grade run-by=tests/e2e/test_labs.py -->` (scripts/walkthrough.py reads it). Its
lines are what this test runs, so the handout cannot drift from the grader:
  * `make grade LAB=<lab> SOLUTION=1  # ... X/Y` runs as written: full marks, and X/Y as the comment says;
  * `make grade LAB=<lab> GRADE_MACHINES=pc` runs as written (the skeleton on one machine). The
    skeleton the lab ships (lab.json skeleton_sha256) must score less than full marks (the removed
    code matters). A student's edited skeleton is graded and its score reported, never judged: a
    student's lab work, finished or half-done, does not turn make test red;
  * every other line (both machines, -v --keep, --src DIR) is checked with grade.py --check: the lab,
    the options and the machines exist, nothing is built.
The two graded lines of each lab run in parallel: about a minute on an idle two-core machine.
TIMEOUT only stops a grader that hangs; it is ten times the idle time so that a loaded host
(every core busy) slows the test down without failing it.
"""
import concurrent.futures
import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))
from tap import Tap  # noqa: E402
import walkthrough as wt  # noqa: E402

_spec = importlib.util.spec_from_file_location("grade", os.path.join(REPO, "scripts", "grade.py"))
grade_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(grade_module)

SCORE = re.compile(r"^LAB (\S+): score (\d+)/(\d+)$", re.M)
TIMEOUT = 600  # per make grade line, s (see the docstring)


def handout_lines(lab_dir, spec):
    """The command lines of the handout's `grade` walk-through block."""
    handout = spec.get("handout", "")
    blocks = wt.sessions(wt.parse_file(handout)).get((handout, "grade"), []) if handout else []
    return [(b, cmd) for b in blocks for cmd in wt.host_commands(b)]


def run(cmd, env, extra=()):
    words = shlex.split(cmd) + list(extra)
    try:
        r = subprocess.run(words, cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL,
                           env=env)
        out = r.stdout + r.stderr
        rc = r.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        out, rc = out + f"\nkilled after {TIMEOUT} s", None
    m = SCORE.search(out)
    return (int(m.group(2)), int(m.group(3))) if m else None, rc, out


def check_command(cmd, env):
    """grade.py --check for a line: make lines through `make -n` (what make would run)."""
    if shlex.split(cmd)[:2] == ["make", "grade"]:
        r = subprocess.run(["make", "-n", "--no-print-directory"] + shlex.split(cmd)[1:], cwd=REPO, env=env,
                           capture_output=True, text=True)
        if r.returncode != 0:
            return False, r.stdout + r.stderr
        cmd = " ".join(r.stdout.replace("\\\n", " ").split())  # the recipe, continuation lines joined
    cmd = re.sub(r"\bDIR\b", os.path.join(REPO, "labs"), cmd)  # a placeholder for any folder
    _, rc, out = run(cmd, env, ["--check"])
    return rc == 0 and "would grade" in out, out


def main():
    t = Tap()
    build = os.environ.get("IRQLAB_BUILD") or os.path.join(REPO, "build")
    logs = os.environ.get("IRQLAB_TEST_LOGS") or os.path.join(build, "test-logs", "e2e", "test_labs")
    os.makedirs(logs, exist_ok=True)
    env = dict(os.environ, BUILD=os.path.relpath(build, REPO) if build.startswith(REPO) else build)
    env.pop("MAKEFLAGS", None)
    labs_dir = os.path.join(REPO, "labs")
    labs = sorted(d for d in os.listdir(labs_dir) if os.path.exists(os.path.join(labs_dir, d, "lab.json"))) \
        if os.path.isdir(labs_dir) else []
    if not labs:
        t.skip("labs", "no labs/<lab>/lab.json")
        return t.finish()
    jobs = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=2 * len(labs)) as pool:
        for lab in labs:
            lab_dir = os.path.join(labs_dir, lab)
            with open(os.path.join(lab_dir, "lab.json")) as f:
                spec = json.load(f)
            lines = handout_lines(lab_dir, spec)
            if not t.ok(lines, f"{lab}: {spec.get('handout')} has a `walkthrough: grade` block",
                        diag="mark the handout's make grade lines (docs/writing-docs.md)"):
                continue
            solution = [c for _, c in lines if re.search(r"^make grade LAB=\S+ SOLUTION=1$", wt.strip_comment(c))]
            skeleton = [c for _, c in lines if re.search(r"^make grade LAB=\S+ GRADE_MACHINES=pc$", c)]
            t.ok(solution and skeleton, f"{lab}: the handout has the SOLUTION=1 and the GRADE_MACHINES=pc lines",
                 diag="\n".join(c for _, c in lines))
            pristine = grade_module.skeleton_hash(grade_module.load_lab(lab)) == spec.get("skeleton_sha256")
            for b, cmd in lines:
                if cmd in solution[:1]:
                    claimed = re.search(r"(\d+)/(\d+)", b.lines[[wt.strip_comment(x).strip() for x in b.lines].index(cmd)])
                    jobs[(lab, "solution", cmd, claimed.groups() if claimed else None)] = pool.submit(run, cmd, env)
                elif cmd in skeleton[:1]:
                    jobs[(lab, "skeleton", cmd, pristine)] = pool.submit(run, cmd, env)
                else:
                    ok, out = check_command(cmd, env)
                    t.ok(ok, f"{lab}: `{cmd}` is a valid grading command (grade.py --check)", diag=out[-2000:])
        for (lab, kind, cmd, extra), job in jobs.items():
            score, rc, out = job.result()
            shown = f" ({score[0]}/{score[1]})" if score else ""
            if kind == "solution":
                claimed_ok = extra is None or (score and (str(score[0]), str(score[1])) == extra)
                t.ok(score is not None and score[0] == score[1] and claimed_ok,
                     f"{lab}: `{cmd}` gives full marks as the handout says{shown}", diag=out[-3000:])
            elif extra:
                t.ok(score is not None and score[0] < score[1],
                     f"{lab}: `{cmd}`: the skeleton as shipped scores less than full marks{shown}", diag=out[-3000:])
            else:
                t.ok(score is not None, f"{lab}: `{cmd}`: your edited skeleton was graded{shown} (reported, not judged)",
                     diag=out[-3000:])
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
