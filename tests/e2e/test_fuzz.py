#!/usr/bin/env python3
"""test_fuzz - the short fuzzing pass of `make test`: every libFuzzer target (tests/fuzz/) is
built with clang -fsanitize=fuzzer,address,undefined, runs each file of its seed corpus
(tests/fuzz/corpus/<target>/, regression seeds included) once, then fuzzes for a fixed number
of inputs from a fixed seed. Count-bounded and seeded, so the same inputs run on a fast or a
loaded host; any crash, sanitizer report or broken invariant fails the target. `make fuzz`
fuzzes for longer (FUZZ_SECONDS).

    python3 tests/e2e/test_fuzz.py [--runs 20000] [target ...]
"""
import argparse
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import fuzz  # noqa: E402
from irqlab_qemu import build_dir  # noqa: E402
from tap import Tap  # noqa: E402

RUNS = 20000


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=RUNS)
    ap.add_argument("target", nargs="*")
    args = ap.parse_args()
    build = build_dir()
    logs = os.environ.get("IRQLAB_TEST_LOGS") or os.path.join(build, "test-logs", "e2e", "test_fuzz")
    os.makedirs(logs, exist_ok=True)
    tap = Tap()
    for target in args.target or fuzz.targets():
        log_path = os.path.join(logs, f"{target}.log")
        with open(log_path, "w") as log:
            exe = fuzz.build(target, build, log)
            # A fresh corpus each time: the same seeds, the same inputs, the same verdict.
            work = os.path.join(build, "fuzz", "test-corpus", target)
            shutil.rmtree(work, ignore_errors=True)
            if exe:
                ok, figures, message = fuzz.run(target, exe, build, log, runs=args.runs, seed=1, work=work)
            else:
                ok, figures, message = False, {}, "build failed"
        tap.ok(ok, f"fuzz {target}: {args.runs} inputs from seed 1 and every seed file, no crash",
               diag=f"{message}\nlog: {log_path}" if not ok else "")
        if ok:
            print(f"# {target}: {fuzz.describe(figures)}")
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
