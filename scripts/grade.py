#!/usr/bin/env python3
"""grade - build a course lab with a student's (or the reference) driver and score it in QEMU.

  make grade LAB=share-the-line              # grades labs/share-the-line/skeleton/ (your work)
  make grade LAB=share-the-line SOLUTION=1   # grades the reference solution (full marks)
  make grade LAB=share-the-line BOOT=uefi    # the same, the kernel booted from the GRUB ISO under OVMF
  scripts/grade.py share-the-line [--solution | --src DIR | --submission PATH] [--machines pc,q35] [--keep] [-v]
                                  [--junit FILE] [--json FILE] [--gradescope FILE] [--hidden DIR]
                                  [--boot kernel|iso|uefi]

A lab is a folder labs/<lab>/ with lab.json (what to copy where, the grading suite, the QEMU
devices and command line, the checks and their points), the student skeleton, the reference
solution and a link to its handout in docs/labs/. For one grading run:
  1. the repository's tracked files (`git ls-files`, as they are in the working tree) are copied to
     a temporary directory - your build/ and anything untracked stay out;
  2. the driver files (skeleton/, solution/ or --src) go to lab.json's driver_dir (the folder is
     replaced; with "replace": [files] only those files of an existing driver are), and the lab's
     common files (its header, its grading suite, a manual ktest suite) to where lab.json says;
  3. `make ktest` builds build/ktest.elf there (a compile error scores 0 and is shown);
  4. the grading suite runs on each machine (scripts/ktest_runner.py: a case that hangs or crashes
     the kernel is reported and the run resumes in a fresh QEMU after it);
  5. each check (one ktest case) earns its points if it passed on every machine.
Output: one line per check, then `LAB <lab>: score X/Y`. Serial logs: build/grade-logs/.
--submission takes only the lab's declared files from a student's hand-in (scripts/submission.py;
a file it cannot take scores 0 with the reason); --junit, --json and --gradescope also write the
result as JUnit XML, JSON (scripts/grade_all.py reads it) and Gradescope's results.json;
--hidden DIR adds a teacher's hidden checks (DIR/hidden.json). A console that passes MAX_SERIAL
bytes is stopped and its case reported (OUTPUT CAPPED).
Exit status 0 when grading ran (whatever the score; --strict: only at full marks), 2 when it could
not run (unknown lab, no QEMU, ...).
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "scripts"))
import junit  # noqa: E402
import ktest_runner  # noqa: E402
import submission  # noqa: E402


def fail(msg):
    print(f"grade: {msg}", file=sys.stderr)
    sys.exit(2)


def load_lab(name):
    path = os.path.join(REPO, "labs", name, "lab.json")
    if not name or not os.path.exists(path):
        labs = sorted(d for d in os.listdir(os.path.join(REPO, "labs"))
                      if os.path.exists(os.path.join(REPO, "labs", d, "lab.json")))
        fail(f"no lab {name!r}; labs: {', '.join(labs) or 'none'} (make grade LAB=<lab>)")
    with open(path) as f:
        lab = json.load(f)
    lab["dir"] = os.path.dirname(path)
    return lab


def tracked_files():
    try:
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=REPO, capture_output=True, text=True)
        if top.returncode or os.path.realpath(top.stdout.strip()) != os.path.realpath(REPO):
            return None  # not a clone (an unpacked autograder inside another repository's folder)
        out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
        return [f for f in out.decode().split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        return None


def copy_tree(dest):
    """The repository's tracked files (or, outside git, everything but build dirs and labs/)."""
    files = tracked_files()
    if files is None:
        def ignore(d, names):
            top = os.path.relpath(d, REPO) == "."
            return [n for n in names if n in (".git", "__pycache__") or (top and (n.startswith("build") or n == "labs"))]
        shutil.copytree(REPO, dest, ignore=ignore, symlinks=True, dirs_exist_ok=True)
        return
    for rel in files:
        src = os.path.join(REPO, rel)
        if rel.startswith("labs/") or not os.path.lexists(src):  # deleted in the working tree
            continue
        out = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        if os.path.islink(src):
            os.symlink(os.readlink(src), out)
        else:
            shutil.copy2(src, out)


def skeleton_hash(lab):
    """sha256 over the skeleton's files (names and contents): lab.json's skeleton_sha256 records
    the one the lab ships, so tests/e2e/test_labs.py can tell it from a student's edited copy."""
    folder = os.path.join(lab["dir"], lab["skeleton"])
    h = hashlib.sha256()
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), "rb") as f:
            h.update(name.encode() + b"\0" + f.read() + b"\0")
    return h.hexdigest()


def install_lab(lab, src_dir, dest):
    driver_dir = os.path.join(dest, lab["driver_dir"])
    sources = sorted(f for f in os.listdir(src_dir) if f.endswith((".c", ".h")))
    if not sources:
        fail(f"no .c or .h files in {src_dir}")
    if lab.get("replace"):
        # A lab cut out of an existing driver: only the lab's files are overwritten, the rest of
        # the driver's folder stays (and must already have them, so a misnamed file is an error).
        allowed = set(lab["replace"]) if isinstance(lab["replace"], list) else None
        for f in sources:
            if not os.path.exists(os.path.join(driver_dir, f)) or (allowed is not None and f not in allowed):
                fail(f"{f} from {src_dir} does not replace a file of {lab['driver_dir']}/ this lab allows")
    else:
        if os.path.exists(driver_dir):
            shutil.rmtree(driver_dir)  # a lab driver that is also tracked is replaced, not merged
        os.makedirs(driver_dir)
    for f in sources:
        shutil.copy2(os.path.join(src_dir, f), driver_dir)
    for name, target in lab.get("common", {}).items():  # after the driver: the lab's header wins
        out = os.path.join(dest, target)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        shutil.copy2(os.path.join(lab["dir"], name), out)
    return sources


def build(dest, verbose):
    jobs = os.environ.get("IRQLAB_GRADE_MAKE_JOBS") or str(max(1, min(os.cpu_count() or 1, 8)))  # grade_all sets it
    r = subprocess.run(["make", "-C", dest, f"-j{jobs}", "--no-print-directory", "BUILD=build", "ktest"],
                       capture_output=True, text=True)
    if verbose:
        sys.stdout.write(r.stdout[-6000:] + r.stderr[-6000:])
    return r.returncode == 0, os.path.join(dest, "build", "ktest.elf"), (r.stdout[-6000:] + r.stderr[-6000:]).strip()


def run_machine(lab, elf, machine, smp, logs, verbose, tag, glob, times, boot="kernel"):
    """One machine's run of the grading suite(s); times[case] = seconds from the previous
    result line to this case's (host time, for the report only: no verdict depends on it)."""
    log = os.path.join(logs, f"{lab['name']}-{tag}-{machine}.serial.log")
    last = [time.monotonic()]

    def on_line(line):
        if verbose:
            print(f"  {machine}| {line}", flush=True)
        m = ktest_runner.RESULT.match(line.strip())
        if m and line.startswith((" ", "\t")) and m.group(3):
            now = time.monotonic()
            times[m.group(3).strip()] = max(times.get(m.group(3).strip(), 0.0), now - last[0])
            last[0] = now
        elif "ktest-start" in line:
            last[0] = time.monotonic()
    return machine, ktest_runner.run_ktest(elf, glob, machine=machine, smp=smp, boot=boot, extra=lab["qemu"],
                                           cmdline_extra=lab.get("cmdline", ""),
                                           per_test_timeout=lab.get("case_timeout", 30), log_path=log,
                                           on_line=on_line, max_output=MAX_SERIAL)


MAX_SERIAL = 4 << 20  # a run whose console passes this is stopped: endless output is capped


def stop_named(lines):
    """'stop 0x00000050 PAGE_FAULT_IN_NONPAGED_AREA' from a stop screen in these lines, or ''."""
    for i, line in enumerate(lines):
        if "*** STOP:" in line:
            code = line.split("*** STOP:")[1].split()[0]
            name = next((x.strip() for x in lines[i + 1:i + 4] if re.fullmatch(r"[A-Z0-9_]{4,}", x.strip())), "")
            return f"stop screen {code} {name}".strip()
    return ""


def why(case):
    """The first useful line of a failed case's diagnostics."""
    stop = stop_named(case.diag)
    if stop:
        return f"{case.directive or 'CRASH'}: {stop}"
    for line in case.diag:
        text = line.lstrip("# ").strip()
        if text and not text.startswith("ktest-start") and "EXPECTATION FAILED" not in text:
            return text
    return case.directive or "failed"


def load_hidden(folder):
    """HIDDEN=<dir>: the teacher's hidden checks - hidden.json in lab.json's form ("suite",
    "common", "checks" of [case, points, text]) next to its suite's files."""
    path = os.path.join(folder, "hidden.json")
    if not os.path.exists(path):
        fail(f"{folder} has no hidden.json (HIDDEN=<dir>: \"suite\", \"common\", \"checks\" as in lab.json)")
    with open(path) as f:
        hidden = json.load(f)
    hidden["dir"] = os.path.abspath(folder)
    return hidden


def all_checks(lab, hidden):
    """(suite, case, points, text, hidden?) for the lab's checks, then the hidden ones."""
    out = [(lab["suite"], c, p, t, False) for c, p, t in lab["checks"]]
    if hidden:
        out += [(hidden["suite"], c[0], c[1], c[2], True) for c in hidden["checks"]]
    return out


def compiler_errors(text, limit=8):
    """The compiler's first error lines (and what they point at)."""
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if "error" in line), None)
    return "\n".join(lines[first:first + limit]) if first is not None else "\n".join(lines[-limit:])


def seed_build(cache, dest, lab, files):
    """Start from a build of the same tree with the skeleton (grade_all primes it once per class):
    make then compiles only the driver and links. The driver's files are stamped newer than every
    cached object, so none of the cached driver objects can stand in for the student's code."""
    shutil.copytree(cache, os.path.join(dest, "build"), symlinks=True)
    newest = max(os.path.getmtime(os.path.join(d, f)) for d, _, fs in os.walk(cache) for f in fs)
    stamp = max(time.time(), newest + 2)
    for f in files:
        os.utime(os.path.join(dest, lab["driver_dir"], f), (stamp, stamp))


def prime_cache(lab, cache):
    """Build the tree with the lab's skeleton and keep its build/ in cache (for --build-cache)."""
    tmp = tempfile.mkdtemp(prefix=f"irqlab-grade-cache-{lab['name']}-")
    try:
        copy_tree(tmp)
        install_lab(lab, os.path.join(lab["dir"], lab["skeleton"]), tmp)
        ok, _, output = build(tmp, False)
        if not ok:
            fail(f"the skeleton of {lab['name']} does not build:\n{output}")
        shutil.rmtree(cache, ignore_errors=True)
        shutil.copytree(os.path.join(tmp, "build"), cache, symlinks=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def grade(lab, src, machines, logs, tag, verbose=False, hidden=None, notes=(), reason="", say=print, keep=False,
          build_cache=None, boot="kernel"):
    """Build and grade the driver files in src; returns the result as a dict (see --json).
    reason: the submission could not be taken (scores 0 with that reason, nothing is built)."""
    started = time.monotonic()
    checks = all_checks(lab, hidden)
    result = {"lab": lab["name"], "max": sum(c[2] for c in checks), "score": 0, "notes": list(notes),
              "built": False, "build_output": "", "logs": {}, "checks": []}

    def zero(why_text, output=""):
        for suite, case, points, text, secret in checks:
            result["checks"].append({"name": case, "suite": suite, "points": points, "got": 0, "text": text,
                                     "hidden": secret, "ok": False, "reason": why_text, "output": output,
                                     "time": 0.0})
        result["elapsed"] = time.monotonic() - started
        return result

    if reason:
        result["notes"].append(reason)
        return zero(reason)
    tmp = tempfile.mkdtemp(prefix=f"irqlab-grade-{lab['name']}-")
    try:
        copy_tree(tmp)
        files = install_lab(lab, src, tmp)
        if hidden:
            for name, target in hidden.get("common", {}).items():
                out = os.path.join(tmp, target)
                os.makedirs(os.path.dirname(out), exist_ok=True)
                shutil.copy2(os.path.join(hidden["dir"], name), out)
        if build_cache and os.path.exists(os.path.join(build_cache, "ktest.elf")):
            seed_build(build_cache, tmp, lab, files)
        ok, elf, output = build(tmp, verbose)
        result["build_output"] = output
        if not ok:
            say(output)
            say(f"  build FAILED with {', '.join(files)} in {lab['driver_dir']}/ (compiler output above)")
            errors = compiler_errors(output)
            result["notes"].append("compile error: " + (errors.splitlines() or ["?"])[0])
            return zero("not built: compile error", errors)
        result["built"] = True
        say(f"  build ok ({', '.join(files)} in {lab['driver_dir']}/)")
        glob = lab["suite"] + (f",{hidden['suite']}" if hidden else "")
        times = {}
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(machines)) as pool:
            runs = dict(pool.map(lambda m: run_machine(lab, elf, m[0], m[1], logs, verbose, tag, glob, times, boot),
                                 machines))
    finally:
        if keep:
            say(f"  kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    for suite, case, points, text, secret in checks:
        name = f"{suite}.{case}"
        verdicts, passed, output = [], True, []
        for machine, _ in machines:
            run = runs[machine]
            found = [c for c in run.cases if c.name == name]
            if found and found[0].ok and not found[0].skipped:
                verdicts.append(f"{machine} ok")
                continue
            passed = False
            if found:
                verdicts.append(f"{machine} FAIL ({why(found[0])})")
                output += [f"{machine}: {line}" for line in found[0].diag[:12]]
            else:  # never reached: the run stopped before it (a stop screen at boot, ...)
                verdicts.append(f"{machine} FAIL (did not run{': ' + run.problems[0] if run.problems else ''})")
                output += [f"{machine}: {p}" for p in run.problems[:4]]
        got = points if passed else 0
        result["score"] += got
        result["checks"].append({"name": case, "suite": suite, "points": points, "got": got, "text": text,
                                 "hidden": secret, "ok": passed, "reason": "" if passed else "; ".join(verdicts),
                                 "verdicts": verdicts, "output": "\n".join(output), "time": times.get(case, 0.0)})
    for machine, _ in machines:
        for problem in runs[machine].problems:
            result["notes"].append(f"{machine}: {problem}")
        result["logs"][machine] = runs[machine].log_path
    result["elapsed"] = time.monotonic() - started
    return result


def junit_suites(result, tag):
    cases = []
    for c in result["checks"]:
        cases.append(junit.Case(name=c["name"], classname=f"grade.{result['lab']}", time=c["time"],
                                status="pass" if c["ok"] else "fail",
                                message=f"0/{c['points']}: {c['reason']}" if not c["ok"] else "",
                                output=(c["text"] + "\n" + c["output"]).strip()))
    return [junit.Suite(f"grade.{result['lab']}.{tag}", cases, result.get("elapsed", 0.0))]


def gradescope_results(result, hidden=None):
    """results.json as Gradescope's "Autograder Specifications" page describes it: a test per
    check (name, score, max_score, status, output, visibility), the overall output and time.
    Hidden checks are shown as hidden.json's "visibility" says (default after_published)."""
    tests = []
    for n, c in enumerate(result["checks"], 1):
        output = c["text"] if c["ok"] else f"{c['text']}\nFAILED: {c['reason']}\n{c.get('output', '')}".strip()
        tests.append({"name": c["name"], "number": str(n), "score": c["got"], "max_score": c["points"],
                      "status": "passed" if c["ok"] else "failed", "output": output[:8000],
                      "visibility": (hidden or {}).get("visibility", "after_published") if c["hidden"] else "visible"})
    summary = [f"{result['lab']}: {result['score']}/{result['max']}"] + [f"note: {n}" for n in result["notes"]]
    return {"score": result["score"], "execution_time": round(result.get("elapsed", 0.0), 1),
            "output": "\n".join(summary), "output_format": "text", "stdout_visibility": "hidden", "tests": tests}


def print_result(result, say=print):
    for c in result["checks"]:
        tail = "; ".join(c.get("verdicts") or []) if c["ok"] or c.get("verdicts") else c["reason"]
        say(f"  [{c['got']}/{c['points']}] {c['name']}: {c['text']} -- {tail}")
    for note in result["notes"]:
        say(f"  note: {note}")
    for machine, log in result["logs"].items():
        say(f"  serial log ({machine}): {os.path.relpath(log, REPO)}")
    say(f"LAB {result['lab']}: score {result['score']}/{result['max']}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("lab", nargs="?", default=os.environ.get("LAB", ""))
    what = ap.add_mutually_exclusive_group()
    what.add_argument("--solution", action="store_true", help="grade the reference solution")
    what.add_argument("--src", help="grade the driver files in this directory (default: the lab's skeleton/)")
    what.add_argument("--submission", help="grade a student's hand-in (folder, .zip, .tar.gz, whole repository): "
                                           "only the lab's declared files are taken from it")
    ap.add_argument("--machines", help="comma-separated, e.g. pc or pc,q35 (default: lab.json)")
    ap.add_argument("--boot", default="kernel", choices=["kernel", "iso", "uefi"],
                    help="how QEMU boots the graded kernel (make grade BOOT=uefi: the GRUB ISO under OVMF)")
    ap.add_argument("--logs", default=os.path.join(REPO, os.environ.get("BUILD", "build"), "grade-logs"))
    ap.add_argument("--keep", action="store_true", help="keep (and print) the temporary build directory")
    ap.add_argument("--strict", action="store_true", help="exit 1 unless the score is full marks")
    ap.add_argument("-v", "--verbose", action="store_true", help="show the build and the guest's console")
    ap.add_argument("--check", action="store_true", help="check the lab and the options, say what would be graded")
    ap.add_argument("--skeleton-hash", action="store_true", help="print the skeleton's hash (lab.json skeleton_sha256)")
    ap.add_argument("--junit", help="also write the checks as JUnit XML to this file")
    ap.add_argument("--json", help="also write the result (score, checks, reasons, logs) as JSON to this file")
    ap.add_argument("--hidden", help="a folder with hidden.json: the teacher's hidden checks, graded too")
    ap.add_argument("--gradescope", help="also write Gradescope's results.json to this file")
    ap.add_argument("--build-cache", help="start from this build of the tree (made by --prime-cache)")
    ap.add_argument("--prime-cache", help="build the tree with the skeleton into this folder and stop")
    args = ap.parse_args()

    lab = load_lab(args.lab)
    if args.skeleton_hash:
        print(skeleton_hash(lab))
        return 0
    if args.prime_cache:
        prime_cache(lab, os.path.abspath(args.prime_cache))
        return 0
    intake = None
    if args.solution:
        src, tag, label = os.path.join(lab["dir"], lab["solution"]), "solution", "the reference solution"
    elif args.src:
        src, tag, label = os.path.abspath(args.src), "src", args.src
    elif args.submission:
        src, tag, label = os.path.abspath(args.submission), "submission", args.submission
    else:
        src, tag, label = os.path.join(lab["dir"], lab["skeleton"]), "skeleton", "your driver"
    if not os.path.isdir(src) and not args.submission:
        fail(f"{src} is not a directory")
    hidden = load_hidden(args.hidden) if args.hidden else None
    machines = [[m, 1] for m in args.machines.split(",")] if args.machines else lab["machines"]
    if args.machines:  # the lab's CPU count for a machine it names (from-isr-to-thread needs 4)
        smp = dict((m, n) for m, n in lab["machines"])
        machines = [[m, smp.get(m, 1)] for m, _ in machines]
    checks = all_checks(lab, hidden)
    total = sum(c[2] for c in checks)
    os.makedirs(args.logs, exist_ok=True)
    if shutil.which(ktest_runner.irqlab_qemu.QEMU_BIN) is None:
        fail(f"{ktest_runner.irqlab_qemu.QEMU_BIN} not found (make deps)")
    known = {m for m, _ in lab["machines"]} | {"pc", "q35"}
    if any(m not in known for m, _ in machines):
        fail(f"unknown machine in {args.machines!r} (pc, q35)")
    if args.check:
        print(f"lab {lab['name']}: would grade {label} ({os.path.relpath(src, REPO)}) on "
              f"{', '.join(m for m, _ in machines)}: {len(checks)} checks, {total} points")
        return 0

    print(f"lab {lab['name']}: grading {label} ({os.path.relpath(src, REPO)}) on {', '.join(m for m, _ in machines)}",
          flush=True)
    say = lambda text: print(text, flush=True)  # noqa: E731
    tmp_src = None
    try:
        notes, reason = [], ""
        if args.submission:
            tmp_src = tempfile.mkdtemp(prefix="irqlab-submission-")
            intake = submission.take(lab, src, tmp_src)
            notes, reason, src = intake.notes, intake.reason, tmp_src
        result = grade(lab, src, machines, args.logs, tag, args.verbose, hidden, notes, reason, say, args.keep,
                       args.build_cache, boot=args.boot)
    finally:
        if tmp_src:
            shutil.rmtree(tmp_src, ignore_errors=True)
    print_result(result, say)
    if args.junit:
        junit.write(args.junit, junit_suites(result, tag))
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    if args.gradescope:
        os.makedirs(os.path.dirname(os.path.abspath(args.gradescope)), exist_ok=True)
        with open(args.gradescope, "w") as f:
            json.dump(gradescope_results(result, hidden), f, indent=1)
    return 1 if args.strict and result["score"] < total else 0


if __name__ == "__main__":
    sys.exit(main())
