#!/usr/bin/env python3
"""run_tests.py - what `make test` runs. Three groups, each test counted once:

  unit   every tests/unit/test_*.c is a cmocka program, linked with the kernel sources named
         on its `unit-sources:` line; one test per cmocka case  -> unit:<file>:<case>
  ktest  build/ktest.elf with ktest=* on each machine of KTEST_MATRIX (2 QEMUs at a time);
         one test per case per machine                           -> ktest:<machine>/smp<n>/<boot>:<suite>.<case>
  e2e    every executable tests/e2e/test_*.py prints TAP; one test per ok/not ok line
                                                                  -> e2e:<file>:<name>

Serial logs and test output go to <build>/test-logs/; every failure names its log. At the end
the ten slowest runs are listed (where the time went). The last line is always
`N passed, N failed` (`, N skipped` if any); the exit status is non-zero if anything failed or
nothing ran. <build>/test-summary.txt keeps that line with the counts per
group, the time and the revision (README points there rather than quoting numbers).

  run_tests.py [--build build] [--jobs 2] [--only unit|ktest|e2e ...] [--quick] [--build-only]
"""
import argparse
import concurrent.futures
import dataclasses
import os
import re
import shlex
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import irqlab_qemu  # noqa: E402
import junit  # noqa: E402
import ktest_runner  # noqa: E402

REPO = irqlab_qemu.REPO

# (machine, cpus, boot). ISO boots (GRUB, ~0.5 s; under OVMF tens of seconds) are tested with one
# CPU; -kernel (PVH, ~0.15 s) with one and four. --quick keeps only the first.
KTEST_MATRIX = [
    ("pc", 1, "kernel", ""),
    ("q35", 1, "kernel", ""),
    ("pc", 4, "kernel", ""),
    ("q35", 4, "kernel", ""),
    ("pc", 1, "iso", ""),
    ("q35", 1, "iso", ""),
    # The same ISO under UEFI (OVMF, docs/real-hardware.md): ~20 s more to boot under TCG, so once.
    ("q35", 1, "uefi", ""),
    # Interrupt fallbacks: no message interrupts at all, and MSI without MSI-X.
    ("pc", 1, "kernel", "msi=off"),
    ("q35", 4, "kernel", "msi=off"),
    ("pc", 4, "kernel", "msix=off"),
    ("q35", 1, "kernel", "msix=off threaded_dpcs=off"),  # + threaded DPCs as ordinary DPCs
]
# The sanitizer build (make SANITIZE=1 -> <build>/san/ktest.elf: UBSan and the stack protector,
# docs/testing.md): the same suites, one CPU and four. Each adds ~15 s (pc, 1 CPU) and ~55 s
# (q35, 4 CPUs) of QEMU time under TCG. Reported as ktest:san/<machine>/...
SAN_KTEST_MATRIX = [
    ("pc", 1, "kernel", ""),
    ("q35", 4, "kernel", ""),
]
# Devices every in-guest run gets (two edu on one shared line, an e1000e with MSI-X); `make
# check-ktest` uses the same list.
KTEST_DEVICES = ktest_runner.KTEST_DEVICES
KTEST_CASE_TIMEOUT = 60
UNIT_TIMEOUT = 120
E2E_TIMEOUT = 900
# Scripts that need longer: four OVMF boots under TCG, two at a time, on a loaded host.
E2E_TIMEOUT_OF = {"test_uefi": 1800}

UNIT_CFLAGS = ["-std=gnu11", "-g", "-O1", "-fshort-wchar", "-Wall", "-Wextra", "-Werror", "-I.", "-Iinclude", "-DIRQLAB_HOST_TEST"]


@dataclasses.dataclass
class Result:
    name: str
    status: str  # "pass", "fail", "skip"
    log: str = ""
    detail: str = ""
    rerun: str = ""  # a command that runs just this again (ktest: make check-ktest ...)
    suite: str = ""  # the run it came from ("e2e:test_labs"), set by progress(); JUnit's testsuite
    seconds: float = 0.0  # that run's time shared among its cases (one QEMU/program runs them all)


print_lock = threading.Lock()


def rel(path):
    return os.path.relpath(path, REPO) if path else ""


def progress(group, what, results, seconds, log=""):
    counts = {s: sum(r.status == s for r in results) for s in ("pass", "fail", "skip")}
    text = f"{counts['pass']} passed"
    if counts["fail"]:
        text += f", {counts['fail']} FAILED"
    if counts["skip"]:
        text += f", {counts['skip']} skipped"
    mark = "FAIL" if counts["fail"] or not results else "ok"
    for r in results:
        r.suite, r.seconds = f"{group}:{what}", seconds / len(results)
    with print_lock:
        print(f"[{mark:>4}] {group:<6} {what:<28} {text:<32} {seconds:6.1f} s"
              + (f"  {rel(log)}" if counts["fail"] else ""), flush=True)


# ---- unit ----------------------------------------------------------------------------------------

def unit_sources(test):
    """The kernel sources named on the `unit-sources:` line of the test's leading comment."""
    with open(test) as f:
        head = f.read(4096)
    m = re.search(r"unit-sources:(.*)", head)
    return m.group(1).replace("*/", " ").split() if m else []


def unit_command(test, output):
    return ["gcc"] + UNIT_CFLAGS + [test] + unit_sources(test) + ["-lcmocka", "-o", output]


CMOCKA_LINE = re.compile(r"^\[\s*(RUN|OK|FAILED|SKIPPED)\s*\] (\S+)\s*$")


def run_unit(test, build, logs, build_only=False):
    base = os.path.splitext(os.path.basename(test))[0]
    exe = os.path.join(build, "unit", base)
    log = os.path.join(logs, "unit", base + ".log")
    os.makedirs(os.path.dirname(exe), exist_ok=True)
    os.makedirs(os.path.dirname(log), exist_ok=True)
    cmd = unit_command(os.path.relpath(test, REPO), exe)
    start = time.monotonic()
    with open(log, "w") as out:
        out.write("$ " + shlex.join(cmd) + "\n")
        out.flush()
        built = subprocess.run(cmd, cwd=REPO, stdout=out, stderr=subprocess.STDOUT).returncode == 0
    if not built:
        results = [Result(f"unit:{base}:build", "fail", log, "compile failed: " + shlex.join(cmd))]
        progress("unit", base, results, time.monotonic() - start, log)
        return results
    if build_only:
        return []
    try:
        # stderr into stdout: cmocka's error lines then sit between a case's RUN and FAILED.
        run = subprocess.run([exe], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             timeout=UNIT_TIMEOUT)
        stdout, rc = run.stdout, run.returncode
    except subprocess.TimeoutExpired as e:
        stdout, rc = (e.stdout or b"").decode(errors="replace"), "timeout"
    with open(log, "a") as out:
        out.write(f"$ {rel(exe)}\n{stdout}\nexit status: {rc}\n")
    results, running, messages = [], None, []
    for line in stdout.splitlines():
        m = CMOCKA_LINE.match(line.strip())
        if not m:
            if running:
                messages.append(line.strip())
            continue
        kind, name = m.groups()
        if kind == "RUN":
            running, messages = name, []
        elif name == running:  # the summary repeats names; count each case once
            status = {"OK": "pass", "FAILED": "fail", "SKIPPED": "skip"}[kind]
            results.append(Result(f"unit:{base}:{name}", status, log, "\n".join(messages) if status == "fail" else ""))
            running = None
    if running:
        results.append(Result(f"unit:{base}:{running}", "fail", log, f"crashed (exit status {rc})"))
    if rc != 0 and not any(r.status == "fail" for r in results):
        results.append(Result(f"unit:{base}:exit", "fail", log, f"exit status {rc} but no failing case"))
    if not results:
        results.append(Result(f"unit:{base}:run", "fail", log, "no cmocka test cases found"))
    progress("unit", base, results, time.monotonic() - start, log)
    return results


# ---- ktest ---------------------------------------------------------------------------------------

def run_ktest_config(elf, machine, smp, boot, options, logs, label=""):
    config = label + f"{machine}/smp{smp}/{boot}" + (f"/{options.replace(' ', '/')}" if options else "")
    log = os.path.join(logs, f"ktest-{config.replace('/', '-')}.serial.log")
    start = time.monotonic()
    try:
        run = ktest_runner.run_ktest(elf, "*", machine=machine, smp=smp, boot=boot, extra=KTEST_DEVICES,
                                     cmdline_extra=options,
                                     per_test_timeout=KTEST_CASE_TIMEOUT, log_path=log)
    except Exception as e:  # a broken runner must show up as a failure, not a traceback
        results = [Result(f"ktest:{config}:run", "fail", log, f"runner error: {e!r}")]
        progress("ktest", config, results, time.monotonic() - start, log)
        return results
    results = []
    for c in run.cases:
        status = "skip" if c.ok and c.skipped else "pass" if c.ok else "fail"
        detail = (c.directive + "\n" if c.directive else "") + "\n".join(c.diag[:6])
        rerun = ktest_runner.make_rerun(machine, smp, boot, options, c.name) if status == "fail" else ""
        if rerun and label == "san/":
            rerun = rerun.replace("make check-ktest", "make SANITIZE=1 check-ktest", 1)
        results.append(Result(f"ktest:{config}:{c.name}", status, log, detail.strip() if status == "fail" else "",
                              rerun))
    for p in run.problems:
        results.append(Result(f"ktest:{config}:run", "fail", log, p,
                              ktest_runner.make_rerun(machine, smp, boot, options)))
    if not results:
        results.append(Result(f"ktest:{config}:run", "fail", log, "no test cases ran"))
    progress("ktest", config, results, time.monotonic() - start, log)
    return results


# ---- e2e -----------------------------------------------------------------------------------------

TAP_LINE = re.compile(r"^(not ok|ok)\b\s*(\d*)\s*(?:-\s*)?(.*?)(?:\s+#\s*(SKIP|TODO)\b\s*(.*))?$", re.IGNORECASE)


def run_e2e(script, build, logs):
    base = os.path.splitext(os.path.basename(script))[0]
    log = os.path.join(logs, "e2e", base + ".log")
    os.makedirs(os.path.dirname(log), exist_ok=True)
    env = dict(os.environ, IRQLAB_BUILD=build, IRQLAB_TEST_LOGS=os.path.join(logs, "e2e", base),
               PYTHONPATH=os.path.join(REPO, "scripts"), PYTHONUNBUFFERED="1")
    start = time.monotonic()
    limit = E2E_TIMEOUT_OF.get(base, E2E_TIMEOUT)
    try:
        run = subprocess.run([script], cwd=REPO, env=env, capture_output=True, text=True, timeout=limit,
                             stdin=subprocess.DEVNULL)
        stdout, stderr, rc = run.stdout, run.stderr, run.returncode
    except subprocess.TimeoutExpired as e:
        stdout = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else e.stdout or ""
        stderr = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else e.stderr or ""
        rc = f"killed after {limit} s"
    with open(log, "w") as out:
        # First line: the command that reproduces this log. Each QEMU the script started has its
        # own serial log under IRQLAB_TEST_LOGS, which starts with that QEMU's command.
        out.write(f"# reproduce: IRQLAB_BUILD={shlex.quote(rel(build) or '.')} PYTHONPATH=scripts {rel(script)}\n"
                  f"# serial logs of its QEMUs (each starts with its QEMU command): "
                  f"{rel(env['IRQLAB_TEST_LOGS'])}/\n{stdout}\n--- stderr ---\n{stderr}\nexit status: {rc}\n")
    results, plan, lines = [], None, stdout.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^1\.\.(\d+)", line)
        if m:
            plan = int(m.group(1))
            continue
        m = TAP_LINE.match(line)
        if not m:
            continue
        ok, number, name, directive, _ = m.groups()
        name = name.replace("\\#", "#").strip() or f"test {number}"
        if directive and directive.upper() == "SKIP":
            status = "skip"
        else:
            status = "pass" if ok == "ok" else "fail"
        detail = ""
        if status == "fail":  # the diagnostic lines right after it
            diag = []
            for follow in lines[i + 1:]:
                if not follow.startswith("#"):
                    break
                diag.append(follow)
            detail = "\n".join(diag[:8])
        results.append(Result(f"e2e:{base}:{name}", status, log, detail))
    if plan is not None and plan != len(results):
        results.append(Result(f"e2e:{base}:plan", "fail", log, f"plan 1..{plan} but {len(results)} results"))
    elif plan is None:
        results.append(Result(f"e2e:{base}:plan", "fail", log, "no TAP plan: the script did not finish"))
    if rc != 0 and not any(r.status == "fail" for r in results):
        results.append(Result(f"e2e:{base}:exit", "fail", log, f"exit status {rc}\n{stderr.strip()[-800:]}"))
    progress("e2e", base, results, time.monotonic() - start, log)
    return results


# ---- main ----------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--jobs", type=int, default=2, help="QEMU-based jobs run at once")
    ap.add_argument("--only", action="append", choices=["unit", "ktest", "e2e"], help="run only this group")
    ap.add_argument("--quick", action="store_true", help="ktest on the first machine of the matrix only")
    ap.add_argument("--build-only", action="store_true", help="compile the unit tests, run nothing")
    ap.add_argument("--junit", help="also write the results as JUnit XML to this file (make test JUNIT=<file>)")
    args = ap.parse_args()
    groups = set(args.only or ["unit", "ktest", "e2e"])
    build = os.path.abspath(os.path.join(REPO, args.build))
    logs = os.path.join(build, "test-logs")
    os.makedirs(logs, exist_ok=True)
    os.environ["IRQLAB_BUILD"] = build
    started = time.monotonic()
    results = []

    unit_dir = os.path.join(REPO, "tests", "unit")
    if "unit" in groups and os.path.isdir(unit_dir):
        tests = sorted(os.path.join(unit_dir, f) for f in os.listdir(unit_dir)
                       if f.startswith("test_") and f.endswith(".c"))
        for t in tests:
            results += run_unit(t, build, logs, args.build_only)
        if args.build_only:
            return 1 if results else 0

    jobs = []
    e2e_dir = os.path.join(REPO, "tests", "e2e")
    if "e2e" in groups and os.path.isdir(e2e_dir):
        for f in sorted(os.listdir(e2e_dir)):
            path = os.path.join(e2e_dir, f)
            if f.startswith("test_") and f.endswith(".py"):
                if os.access(path, os.X_OK):
                    jobs.append((run_e2e, path, build, logs))
                else:  # counted as skipped so the final line shows it, not silently dropped
                    print(f"[skip] e2e    {f}: not executable (chmod +x {rel(path)}), not run", flush=True)
                    results.append(Result(f"e2e:{f[:-3]}", "skip", "", "not executable"))
    if "ktest" in groups:
        elf = os.path.join(build, "ktest.elf")
        for machine, smp, boot, options in KTEST_MATRIX[:1] if args.quick else KTEST_MATRIX:
            jobs.append((run_ktest_config, elf, machine, smp, boot, options, logs))
        san_elf = os.path.join(build, "san", "ktest.elf")
        if not args.quick:
            if os.path.exists(san_elf):
                for machine, smp, boot, options in SAN_KTEST_MATRIX:
                    jobs.append((run_ktest_config, san_elf, machine, smp, boot, options, logs, "san/"))
            else:
                results.append(Result("ktest:san:build", "fail", "", f"{rel(san_elf)} is missing: make SANITIZE=1 ktest"))
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for future in [pool.submit(*job) for job in jobs]:
            results += future.result()

    passed = sum(r.status == "pass" for r in results)
    failed = [r for r in results if r.status == "fail"]
    skipped = sum(r.status == "skip" for r in results)
    if failed:
        print(f"\n{len(failed)} failure(s):")
        for r in failed:
            print(f"  FAIL {r.name}\n       log: {rel(r.log)} (its first line: the QEMU command)"
                  if r.name.startswith(("ktest:", "e2e:")) else f"  FAIL {r.name}\n       log: {rel(r.log)}")
            if r.rerun:
                print(f"       rerun: {r.rerun}")
            for line in r.detail.splitlines()[:8]:
                print(f"       {line}")
    seconds = time.monotonic() - started
    total = f"{passed} passed, {len(failed)} failed" + (f", {skipped} skipped" if skipped else "")
    write_summary(os.path.join(build, "test-summary.txt"), results, groups, seconds, total)
    if args.junit:
        write_junit(args.junit, results)
    print(slowest_runs(results))
    print(f"\nlogs: {rel(logs)}/   time: {seconds:.1f} s   summary: {rel(os.path.join(build, 'test-summary.txt'))}")
    print(total)
    return 1 if failed or not results else 0


def slowest_runs(results, count=10):
    """The `count` runs (a unit program, a ktest machine, an e2e script) that took longest: where
    `make test`'s time goes. Wall time of each run, so a loaded host shows up here first."""
    runs = {}
    for r in results:
        where = r.suite or r.name.rsplit(":", 1)[0]
        runs[where] = runs.get(where, 0.0) + r.seconds
    top = sorted(runs.items(), key=lambda item: -item[1])[:count]
    lines = [f"\nslowest {len(top)} of {len(runs)} runs (wall time; JOBS ran at once):"]
    lines += [f"  {secs:7.1f} s  {name}" for name, secs in top]
    return "\n".join(lines)


def write_junit(path, results):
    """One testsuite per run (a unit program, a ktest machine, an e2e script), one testcase per test;
    a failure carries its detail, its log and the command that reruns it."""
    suites = {}
    for r in results:
        where = r.suite or r.name.rsplit(":", 1)[0]
        case = junit.Case(name=r.name.split(":", 2)[-1], classname=where, status=r.status, time=r.seconds,
                          message=(r.detail.splitlines() or [r.status])[0] if r.status != "pass" else "",
                          output="\n".join(x for x in (r.detail, f"log: {rel(r.log)}" if r.log else "",
                                                       f"rerun: {r.rerun}" if r.rerun else "") if x)
                          if r.status == "fail" else "")
        suites.setdefault(where, []).append(case)
    junit.write(path, [junit.Suite(name, cases, sum(c.time for c in cases)) for name, cases in suites.items()])


def write_summary(path, results, groups, seconds, total):
    """<build>/test-summary.txt: what the last run counted and how long it took. README points
    here instead of quoting numbers that drift."""
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    lines = [f"date:     {time.strftime('%Y-%m-%d %H:%M:%S %Z')}",
             f"revision: {rev.stdout.strip() or 'unknown'}",
             f"groups:   {' '.join(sorted(groups))}",
             f"cpus:     {os.cpu_count()}",
             f"time:     {seconds:.1f} s"]
    for group in ("unit", "ktest", "e2e"):
        mine = [r for r in results if r.name.startswith(group + ":")]
        if mine:
            counts = {s: sum(r.status == s for r in mine) for s in ("pass", "fail", "skip")}
            lines.append(f"{group + ':':<9} {counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped")
    lines.append(total)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
