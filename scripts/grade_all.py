#!/usr/bin/env python3
"""grade_all - grade a whole class: every submission in a folder, in parallel, each on its own.

  make grade-all LAB=share-the-line SUBMISSIONS=hand-ins/ [OUT=dir] [JOBS=n] [GRADE_MACHINES=pc]
                 [HIDDEN=dir] [REGRADE=1]
  scripts/grade_all.py <lab> <submissions> [--out DIR] [--jobs N] [--machines pc] [--hidden DIR] [--regrade]

<submissions> holds one entry per student, named after the student: a folder, or a .zip, .tar.gz,
.tgz or .tar. Each is graded by `scripts/grade.py --submission` in its own process: its own
temporary copy of the tree, its own QEMU processes, its own time limit, and (where user
namespaces allow, `unshare -rn`) no network. Only the files lab.json declares are taken from a
submission (scripts/submission.py); a submission that cannot be built, hangs, crashes or floods
the console gets its score and a reason and the class run goes on.

OUT (default build/grades/<lab>/) gets:
  grades.csv     student, score, max, the points of each check, notes (why every lost point was lost)
  report.html    score histogram, pass rate per check, each student's failed checks and log links
  students/<name>/result.json, grade.log, logs/   one student's result, grader output, serial logs
Run again after an interruption and the students with a result.json are not graded again
(--regrade / REGRADE=1 starts over). Exit status 0 when every submission got a grade.
"""
import argparse
import concurrent.futures
import csv
import html
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "scripts"))
import submission  # noqa: E402

GRADE = os.path.join(REPO, "scripts", "grade.py")


def load_lab(name):
    path = os.path.join(REPO, "labs", name, "lab.json")
    if not os.path.exists(path):
        sys.exit(f"grade-all: no lab {name!r} (labs/<lab>/lab.json)")
    with open(path) as f:
        lab = json.load(f)
    lab["dir"] = os.path.dirname(path)
    return lab


def find_submissions(folder):
    """(student, path) for each entry; hidden files (.DS_Store, ...) are skipped."""
    out = []
    for entry in sorted(os.listdir(folder)):
        if entry.startswith(".") or entry.startswith("__MACOSX"):
            continue
        out.append((submission.student_name(entry), os.path.join(folder, entry)))
    names = [s for s, _ in out]
    dups = {s for s in names if names.count(s) > 1}
    if dups:
        sys.exit(f"grade-all: two submissions for {', '.join(sorted(dups))} (a folder and an archive?)")
    return out


def isolation_prefix():
    """`unshare -rn`: a network namespace of its own (no network at all) without root, where the
    kernel allows unprivileged user namespaces; otherwise nothing (QEMU has -nic none anyway)."""
    if shutil.which("unshare") and subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode == 0:
        return ["unshare", "-rn"]
    return []


def time_limit(lab, machines, hidden_checks):
    """A whole submission's limit: every case hanging (each gives up after case_timeout without
    progress) plus the build, times 3 for a loaded host. Only a grader that itself hangs meets it."""
    cases = len(lab["checks"]) + hidden_checks
    return 600 + 3 * cases * lab.get("case_timeout", 30) * 2


def grade_one(lab, student, path, out, args, prefix, limit, make_jobs, cache):
    folder = os.path.join(out, "students", student)
    if os.path.exists(folder):
        shutil.rmtree(folder)
    os.makedirs(os.path.join(folder, "logs"))
    result_path = os.path.join(folder, "result.json")
    cmd = prefix + [sys.executable, GRADE, lab["name"], "--submission", os.path.abspath(path),
                    "--logs", os.path.join(folder, "logs"), "--json", result_path + ".tmp"]
    if args.machines:
        cmd += ["--machines", args.machines]
    if args.hidden:
        cmd += ["--hidden", os.path.abspath(args.hidden)]
    if cache:
        cmd += ["--build-cache", cache]
    env = dict(os.environ, IRQLAB_GRADE_MAKE_JOBS=str(make_jobs))
    env.pop("MAKEFLAGS", None)
    started = time.monotonic()
    with open(os.path.join(folder, "grade.log"), "w") as log:
        p = subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                             start_new_session=True)
        try:
            rc = p.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)  # the grader and every QEMU it started
            p.wait()
            rc = f"killed after {limit} s"
    result = None
    if os.path.exists(result_path + ".tmp"):
        try:
            with open(result_path + ".tmp") as f:
                result = json.load(f)
        except ValueError:
            result = None
    if result is None:  # the grader itself failed: still a grade, 0, with the reason
        with open(os.path.join(folder, "grade.log"), errors="replace") as f:
            tail = f.read()[-600:].strip().splitlines()[-3:]
        why = f"the grader did not finish (exit status {rc}): {' | '.join(tail)}"
        result = {"lab": lab["name"], "score": 0, "max": sum(p for _, p, _ in lab["checks"]), "notes": [why],
                  "checks": [{"name": c, "points": p, "got": 0, "ok": False, "reason": why, "text": t, "hidden": False}
                             for c, p, t in lab["checks"]], "logs": {}, "built": False}
    result["student"] = student
    result["submission"] = os.path.basename(path)
    result["seconds"] = round(time.monotonic() - started, 1)
    with open(result_path + ".tmp", "w") as f:
        json.dump(result, f, indent=1)
    os.replace(result_path + ".tmp", result_path)  # only a whole result counts when resuming
    return result


def load_done(out, student, key):
    path = os.path.join(out, "students", student, "result.json")
    try:
        with open(path) as f:
            r = json.load(f)
        return r if r.get("key") == key else None
    except (OSError, ValueError):
        return None


def lost_points(result):
    """The notes column: why every lost point was lost (and what was ignored)."""
    parts = [f"{c['name']} (-{c['points']}): {c['reason']}" for c in result["checks"] if not c["ok"]]
    return " | ".join(result.get("notes", []) + parts)


def write_csv(path, lab_checks, results):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", "score", "max"] + lab_checks + ["notes"])
        for r in results:
            got = {c["name"]: c["got"] for c in r["checks"]}
            w.writerow([r["student"], r["score"], r["max"]] + [got.get(c, 0) for c in lab_checks] + [lost_points(r)])


def histogram_svg(scores, top):
    """Inline SVG bars: how many students got each score 0..top."""
    counts = [scores.count(s) for s in range(top + 1)]
    most = max(counts + [1])
    w, h, bar = 40 * (top + 1) + 20, 180, 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h + 40}" role="img" '
             f'aria-label="score histogram">']
    for s, n in enumerate(counts):
        bh = int(h * n / most)
        x = 10 + 40 * s
        parts.append(f'<rect x="{x}" y="{h - bh + 10}" width="{bar}" height="{bh}" fill="#4a7"><title>score {s}: '
                     f'{n} student(s)</title></rect>')
        parts.append(f'<text x="{x + bar / 2}" y="{h + 25}" text-anchor="middle" font-size="12">{s}</text>')
        if n:
            parts.append(f'<text x="{x + bar / 2}" y="{h - bh + 5}" text-anchor="middle" font-size="12">{n}</text>')
    parts.append("</svg>")
    return "".join(parts)


def write_html(path, lab, lab_checks, results):
    e = html.escape
    top = max([r["max"] for r in results] + [0])
    scores = [r["score"] for r in results]
    rows = []
    for name in lab_checks:
        passed = sum(any(c["name"] == name and c["ok"] for c in r["checks"]) for r in results)
        rate = 100 * passed / len(results) if results else 0
        rows.append(f"<tr><td>{e(name)}</td><td>{passed}/{len(results)}</td><td>{rate:.0f}%</td></tr>")
    students = []
    for r in results:
        folder = f"students/{r['student']}"
        links = [f'<a href="{e(folder)}/grade.log">grader output</a>']
        for machine, log in sorted(r.get("logs", {}).items()):
            links.append(f'<a href="{e(folder)}/logs/{e(os.path.basename(log))}">serial log ({e(machine)})</a>')
        failed = "".join(f"<li><b>{e(c['name'])}</b> (0/{c['points']}): {e(c['reason'])}</li>"
                         for c in r["checks"] if not c["ok"])
        notes = "".join(f"<li><i>{e(n)}</i></li>" for n in r.get("notes", []))
        students.append(f'<tr id="{e(r["student"])}"><td>{e(r["student"])}</td><td>{r["score"]}/{r["max"]}</td>'
                        f'<td><ul>{notes}{failed}</ul></td><td>{" ".join(links)}</td></tr>')
    mean = sum(scores) / len(scores) if scores else 0
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(lab['name'])}: grades</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}} ul{{margin:0;padding-left:1.2em}}</style>
</head><body>
<h1>{e(lab['title'])}</h1>
<p>{len(results)} submission(s), mean score {mean:.1f}/{top}, full marks: {scores.count(top)}.</p>
<h2>Score histogram</h2>
{histogram_svg(scores, top)}
<h2>Pass rate per check</h2>
<table><tr><th>check</th><th>passed</th><th>rate</th></tr>
{"".join(rows)}
</table>
<h2>Students</h2>
<table><tr><th>student</th><th>score</th><th>notes and failed checks</th><th>logs</th></tr>
{"".join(students)}
</table>
</body></html>
"""
    with open(path, "w") as f:
        f.write(page)


class Progress:
    """One line: done/total, running, and the time left from the mean time per submission so far."""

    def __init__(self, total, jobs):
        self.total, self.jobs, self.done, self.spent, self.lock = total, jobs, 0, [], threading.Lock()
        self.start = time.monotonic()
        self.tty = sys.stdout.isatty()

    def finished(self, student, result, graded):
        with self.lock:
            self.done += 1
            if graded:
                self.spent.append(result["seconds"])
            left = self.total - self.done
            eta = ""
            if left and self.spent:
                per = sum(self.spent) / len(self.spent)
                seconds = int(per * -(-left // self.jobs))  # rounds of `jobs` submissions still to go
                eta = f", about {seconds // 60} min {seconds % 60} s left"
            bar = "#" * (20 * self.done // max(self.total, 1))
            line = (f"[{bar:<20}] {self.done}/{self.total}{eta} -- {student}: {result['score']}/{result['max']}"
                    f"{'' if graded else ' (already graded)'}")
            print(line, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("lab")
    ap.add_argument("submissions")
    ap.add_argument("--out", help="default build/grades/<lab>/")
    ap.add_argument("--jobs", type=int, default=0, help="submissions graded at once (default: the cores)")
    ap.add_argument("--machines", help="comma-separated, e.g. pc (default: lab.json)")
    ap.add_argument("--hidden", help="a folder with hidden.json: the teacher's hidden checks")
    ap.add_argument("--regrade", action="store_true", help="grade every submission again")
    args = ap.parse_args()

    lab = load_lab(args.lab)
    if not os.path.isdir(args.submissions):
        sys.exit(f"grade-all: {args.submissions} is not a folder (SUBMISSIONS=<dir>: one entry per student)")
    out = os.path.abspath(args.out or os.path.join(REPO, os.environ.get("BUILD", "build"), "grades", lab["name"]))
    jobs = args.jobs or os.cpu_count() or 1
    entries = find_submissions(args.submissions)
    if not entries:
        sys.exit(f"grade-all: no submissions in {args.submissions}")
    if args.regrade and os.path.exists(os.path.join(out, "students")):
        shutil.rmtree(os.path.join(out, "students"))
    os.makedirs(out, exist_ok=True)
    hidden_checks = []
    if args.hidden:
        with open(os.path.join(args.hidden, "hidden.json")) as f:
            hidden_checks = [c[0] for c in json.load(f)["checks"]]
    # A result is reused only if it was graded the same way.
    key = json.dumps([lab["checks"], args.machines or "", hidden_checks])
    prefix = isolation_prefix()
    limit = time_limit(lab, args.machines, len(hidden_checks))
    make_jobs = max(1, (os.cpu_count() or 1) // jobs)
    print(f"grade-all {lab['name']}: {len(entries)} submission(s), {jobs} at a time"
          f"{', no network (unshare -rn)' if prefix else ''}; results in {os.path.relpath(out, os.getcwd())}/",
          flush=True)
    todo = [s for s, _ in entries if args.regrade or not load_done(out, s, key)]
    cache = os.path.join(out, ".build-cache")
    if todo:
        # One build of the tree with the skeleton; each submission then compiles its driver and links.
        print("grade-all: building the tree once (the skeleton) for every submission to start from", flush=True)
        r = subprocess.run([sys.executable, GRADE, lab["name"], "--prime-cache", cache], cwd=REPO,
                           capture_output=True, text=True)
        if r.returncode:
            sys.exit(f"grade-all: {r.stdout}{r.stderr}")
    progress = Progress(len(entries), jobs)
    results = {}

    def work(student, path):
        done = None if args.regrade else load_done(out, student, key)
        if done:
            progress.finished(student, done, False)
            return student, done
        r = grade_one(lab, student, path, out, args, prefix, limit, make_jobs, cache)
        r["key"] = key
        with open(os.path.join(out, "students", student, "result.json"), "w") as f:
            json.dump(r, f, indent=1)
        progress.finished(student, r, True)
        return student, r

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for student, r in pool.map(lambda e: work(*e), entries):
            results[student] = r
    ordered = [results[s] for s, _ in entries]
    lab_checks = [c for c, _, _ in lab["checks"]] + hidden_checks
    shutil.rmtree(cache, ignore_errors=True)
    write_csv(os.path.join(out, "grades.csv"), lab_checks, ordered)
    write_html(os.path.join(out, "report.html"), lab, lab_checks, ordered)
    print(f"grade-all {lab['name']}: {len(ordered)} graded; {os.path.join(out, 'grades.csv')}, "
          f"{os.path.join(out, 'report.html')}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
