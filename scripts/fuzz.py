#!/usr/bin/env python3
"""fuzz.py - build and run the libFuzzer targets (tests/fuzz/fuzz_*.c): `make fuzz`.

Each target is compiled with clang -fsanitize=fuzzer,address,undefined together with the kernel
sources on its `fuzz-sources:` line (host build, -DIRQLAB_HOST_TEST, as tests/unit/), into
<build>/fuzz/<target>. Running one:

  1. every file of its seed corpus tests/fuzz/corpus/<target>/ once (regression seeds included:
     a finding that was fixed stays fixed), then
  2. fuzzing, bounded by --seconds (make fuzz FUZZ_SECONDS=60) or by --runs (a count: what
     `make test` uses, with a fixed --seed, so the verdict does not depend on host speed).

New inputs go to <build>/fuzz/corpus/<target>/ (not into the repository); a crash is written to
<build>/fuzz/crashes/<target>-crash-<sha1> and fails the run: copy it into the seed corpus as
regression-<what>.bin once fixed. The figures (executions, edges covered, features, corpus size)
are printed per target and kept in <build>/fuzz/report.txt.

  fuzz.py [--build build] [--seconds 60 | --runs N] [--seed 1] [target ...]
  fuzz.py --list
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
FUZZ_DIR = os.path.join(REPO, "tests", "fuzz")
CC = "clang"
CFLAGS = ["-std=gnu11", "-g", "-O1", "-fshort-wchar", "-Wall", "-Wno-multichar", "-Wno-unused-parameter",
          "-I.", "-Iinclude", "-DIRQLAB_HOST_TEST", "-DIRQLAB_FUZZ",
          "-fsanitize=fuzzer,address,undefined", "-fno-sanitize-recover=undefined"]
MAX_LEN = 4096  # bytes per input: every parser's interesting inputs are far shorter


def targets():
    return sorted(f[len("fuzz_"):-2] for f in os.listdir(FUZZ_DIR) if f.startswith("fuzz_") and f.endswith(".c"))


def sources(target):
    with open(os.path.join(FUZZ_DIR, f"fuzz_{target}.c")) as f:
        m = re.search(r"fuzz-sources:(.*)", f.read(4096))
    return m.group(1).replace("*/", " ").split() if m else []


def build_command(target, exe):
    return [CC] + CFLAGS + [os.path.join("tests", "fuzz", f"fuzz_{target}.c")] + sources(target) + ["-o", exe]


def build(target, build_dir, log):
    exe = os.path.join(build_dir, "fuzz", target)
    os.makedirs(os.path.dirname(exe), exist_ok=True)
    cmd = build_command(target, exe)
    log.write("$ " + shlex.join(cmd) + "\n")
    log.flush()
    ok = subprocess.run(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT).returncode == 0
    return exe if ok else None


STAT = re.compile(r"^stat::(\w+):\s*(\d+)", re.M)
COV = re.compile(r"#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)")


def run(target, exe, build_dir, log, seconds=None, runs=None, seed=1, work=None):
    """Seeds once, then fuzz. Returns (ok, figures dict, message). `work`: where new inputs go
    (default <build>/fuzz/corpus/<target>, kept between runs)."""
    seeds = os.path.join(FUZZ_DIR, "corpus", target)
    work = work or os.path.join(build_dir, "fuzz", "corpus", target)
    crashes = os.path.join(build_dir, "fuzz", "crashes")
    os.makedirs(work, exist_ok=True)
    os.makedirs(crashes, exist_ok=True)
    seed_files = sorted(os.path.join(seeds, f) for f in os.listdir(seeds)) if os.path.isdir(seeds) else []
    if seed_files:  # 1. each seed once (a regression seed that crashes again fails here, by name)
        cmd = [exe, f"-artifact_prefix={crashes}/{target}-"] + seed_files
        log.write("$ " + shlex.join(cmd) + "\n")
        log.flush()
        r = subprocess.run(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, timeout=600)
        if r.returncode != 0:
            return False, {}, f"a seed of tests/fuzz/corpus/{target}/ crashes (exit {r.returncode})"
    # 2. fuzz, starting from the seeds (read-only) and what earlier runs found
    cmd = [exe, work] + ([seeds] if seed_files else []) + [
        f"-seed={seed}", f"-max_len={MAX_LEN}", "-print_final_stats=1", "-timeout=10", "-rss_limit_mb=1024",
        f"-artifact_prefix={crashes}/{target}-"]
    cmd += [f"-max_total_time={seconds}"] if seconds else [f"-runs={runs}"]
    log.write("$ " + shlex.join(cmd) + "\n")
    log.flush()
    r = subprocess.run(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=(seconds or 0) + 600)
    log.write(r.stdout)
    figures = {k: int(v) for k, v in STAT.findall(r.stdout)}
    cov = COV.findall(r.stdout)
    if cov:
        figures["cov"], figures["ft"], figures["corpus"] = (int(x) for x in cov[-1][1:])
    if r.returncode != 0:
        artifact = re.search(r"Test unit written to (\S+)", r.stdout)
        return False, figures, f"crash (exit {r.returncode})" + (f": {os.path.relpath(artifact.group(1), REPO)}"
                                                                 if artifact else "")
    return True, figures, ""


def describe(figures):
    return (f"{figures.get('number_of_executed_units', 0):>9} execs  cov {figures.get('cov', 0):>5}  "
            f"ft {figures.get('ft', 0):>6}  corpus {figures.get('corpus', 0):>5}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--seconds", type=int, default=None, help="fuzz each target this long")
    ap.add_argument("--runs", type=int, default=None, help="... or this many inputs (count-bounded)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("target", nargs="*")
    args = ap.parse_args()
    if args.list:
        print("\n".join(targets()))
        return 0
    if not args.seconds and not args.runs:
        args.seconds = 60
    build_dir = os.path.abspath(os.path.join(REPO, args.build))
    chosen = args.target or targets()
    unknown = set(chosen) - set(targets())
    if unknown:
        print(f"unknown target(s): {' '.join(sorted(unknown))}; known: {' '.join(targets())}", file=sys.stderr)
        return 2
    os.makedirs(os.path.join(build_dir, "fuzz"), exist_ok=True)
    report, failed = [], 0
    for target in chosen:
        log_path = os.path.join(build_dir, "fuzz", f"{target}.log")
        start = time.monotonic()
        with open(log_path, "w") as log:
            exe = build(target, build_dir, log)
            if not exe:
                ok, figures, message = False, {}, "build failed"
            else:
                ok, figures, message = run(target, exe, build_dir, log, args.seconds, args.runs, args.seed)
        line = f"[{'ok' if ok else 'FAIL':>4}] {target:<22} {describe(figures)}  {time.monotonic() - start:6.1f} s"
        if not ok:
            failed += 1
            line += f"  {message}  log: {os.path.relpath(log_path, REPO)}"
        print(line, flush=True)
        report.append(line)
    bound = f"{args.seconds} s each" if args.seconds else f"{args.runs} runs each, seed {args.seed}"
    with open(os.path.join(build_dir, "fuzz", "report.txt"), "w") as f:
        f.write(f"# fuzz.py: {bound}\n" + "\n".join(report) + "\n")
    print(f"{len(chosen) - failed} passed, {failed} failed ({bound}); figures: "
          f"{os.path.relpath(os.path.join(build_dir, 'fuzz', 'report.txt'), REPO)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
