#!/usr/bin/env python3
"""test_labs - every course lab's grader works: the reference solution scores full marks, the
unmodified student skeleton scores less (the removed code matters to the grade).

For each labs/<lab>/lab.json: scripts/grade.py --solution on pc and q35, and scripts/grade.py
--src <skeleton> on pc, in parallel. The skeleton is taken from git HEAD when it is committed there,
so a student's edited working copy (the skeleton is where students write their driver) does not
fail this test; otherwise the working-tree copy. Parses `LAB <lab>: score X/Y`. Under ~60 s.
Labs today: share-the-line (edu, shared INTx line) and e1000-rx (e1000 receive ring, on QEMU user
networking; its skeleton receives nothing and scores 0).
"""
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))
from tap import Tap  # noqa: E402

SCORE = re.compile(r"^LAB (\S+): score (\d+)/(\d+)$", re.M)
TIMEOUT = 300


def pristine_skeleton(lab_dir, skeleton, into):
    """The skeleton's files as committed (git HEAD), or None if it is not committed."""
    rel = os.path.relpath(os.path.join(lab_dir, skeleton), REPO)
    r = subprocess.run(["git", "ls-tree", "-r", "--name-only", "HEAD", rel + "/"], cwd=REPO, capture_output=True,
                       text=True)
    names = [n for n in r.stdout.split() if n.endswith((".c", ".h"))] if r.returncode == 0 else []
    if not names:
        return None
    for name in names:
        blob = subprocess.run(["git", "show", f"HEAD:{name}"], cwd=REPO, capture_output=True, check=True).stdout
        with open(os.path.join(into, os.path.basename(name)), "wb") as f:
            f.write(blob)
    return into


def grade(lab, args, logs):
    cmd = [sys.executable, os.path.join(REPO, "scripts", "grade.py"), lab, "--logs", logs] + args
    try:
        r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
        out = r.stdout + r.stderr
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        out += f"\nkilled after {TIMEOUT} s"
    m = SCORE.search(out)
    return (int(m.group(2)), int(m.group(3))) if m else None, out


def main():
    t = Tap()
    build = os.environ.get("IRQLAB_BUILD") or os.path.join(REPO, "build")
    logs = os.environ.get("IRQLAB_TEST_LOGS") or os.path.join(build, "test-logs", "e2e", "test_labs")
    os.makedirs(logs, exist_ok=True)
    labs_dir = os.path.join(REPO, "labs")
    labs = sorted(d for d in os.listdir(labs_dir) if os.path.exists(os.path.join(labs_dir, d, "lab.json"))) \
        if os.path.isdir(labs_dir) else []
    if not labs:
        t.skip("labs", "no labs/<lab>/lab.json")
        return t.finish()
    with tempfile.TemporaryDirectory(prefix="irqlab-test-labs-") as tmp:
        jobs = {}
        with concurrent.futures.ThreadPoolExecutor(max_workers=2 * len(labs)) as pool:
            for lab in labs:
                with open(os.path.join(labs_dir, lab, "lab.json")) as f:
                    spec = json.load(f)
                src = os.path.join(tmp, lab)
                os.makedirs(src)
                where = "git HEAD"
                if not pristine_skeleton(os.path.join(labs_dir, lab), spec["skeleton"], src):
                    src, where = os.path.join(labs_dir, lab, spec["skeleton"]), "working tree"
                jobs[(lab, "solution")] = pool.submit(grade, lab, ["--solution", "--machines", "pc,q35"], logs)
                jobs[(lab, "skeleton", where)] = pool.submit(grade, lab, ["--src", src, "--machines", "pc"], logs)
            for key, job in jobs.items():
                lab, kind = key[0], key[1]
                score, out = job.result()
                if kind == "solution":
                    t.ok(score is not None and score[0] == score[1], f"{lab}: reference solution scores full marks on pc and q35"
                         + (f" ({score[0]}/{score[1]})" if score else ""), diag=out[-3000:])
                else:
                    t.ok(score is not None and score[0] < score[1],
                         f"{lab}: unmodified skeleton ({key[2]}) scores less than full marks on pc"
                         + (f" ({score[0]}/{score[1]})" if score else ""), diag=out[-3000:])
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
