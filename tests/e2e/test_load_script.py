#!/usr/bin/env python3
"""test_load_script - scripts/load.sh (make test-loaded, docs/testing.md) loads the host as it says.

The load runs themselves take minutes and are run by hand; this checks the tool they rely on:
  * while the command runs, the spinners are there (a command that counts them sees -n of them);
  * the last line counts passed and failed runs, the exit status is 1 after a failing run, and a
    failing run's log is kept (-o) with a copy of the -k directory;
  * the spinners are gone when the script ends, whether the command passed or failed;
  * `make test-loaded` is a Makefile target that calls it (make -n: nothing runs).
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_qemu import REPO  # noqa: E402
from tap import Tap  # noqa: E402

LOAD = os.path.join(REPO, "scripts", "load.sh")
# Counts the busy loops load.sh starts (their command line is exactly this).
COUNT = "pgrep -fx \"sh -c while :; do :; done\" | wc -l"


def spinners_now():
    return int(subprocess.run(["sh", "-c", COUNT], capture_output=True, text=True).stdout.strip() or 0)


def load(tmp, *command, spinners=3, runs=1):
    keep = os.path.join(tmp, "keep")
    os.makedirs(keep, exist_ok=True)
    with open(os.path.join(keep, "evidence.log"), "w") as f:
        f.write("serial log of the failing run\n")
    args = [LOAD, "-n", str(spinners), "-r", str(runs), "-o", os.path.join(tmp, "logs"), "-k", keep, "--"]
    return subprocess.run(args + list(command), cwd=REPO, capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)


def main():
    t = Tap()
    before = spinners_now()
    with tempfile.TemporaryDirectory() as tmp:
        # The command reports how many spinners it saw; exit 0 only if all of ours were there.
        r = load(tmp, "sh", "-c", f"n=$({COUNT}); echo spinners=$n; [ $n -ge {before + 3} ]", runs=2)
        last = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
        t.ok(r.returncode == 0 and last.startswith("load: 2 passed, 0 failed of 2 runs"),
             "while the command runs, -n 3 spinners are busy; two passing runs are counted",
             diag=r.stdout + r.stderr)
        t.ok(spinners_now() == before, "the spinners are gone after a passing run",
             diag=f"{spinners_now()} left, {before} before")

        r = load(tmp, "sh", "-c", "echo '1 passed, 1 failed'; exit 1")
        last = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
        t.ok(r.returncode == 1 and last.startswith("load: 0 passed, 1 failed of 1 runs"),
             "a failing run: exit status 1 and the count says so", diag=r.stdout + r.stderr)
        kept = os.path.join(tmp, "logs", "run-1-logs", "evidence.log")
        t.ok(os.path.exists(os.path.join(tmp, "logs", "run-1.log")) and os.path.exists(kept),
             "a failing run's output and a copy of its test logs are kept", diag=r.stdout)
        t.ok(spinners_now() == before, "the spinners are gone after a failing run",
             diag=f"{spinners_now()} left, {before} before")

    r = subprocess.run(["make", "-n", "test-loaded"], cwd=REPO, capture_output=True, text=True, timeout=60)
    t.ok(r.returncode == 0 and "scripts/load.sh" in r.stdout, "make test-loaded runs scripts/load.sh",
         diag=r.stdout + r.stderr)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
