#!/usr/bin/env python3
"""test_run_tests_summary - what `make test` prints at its end (scripts/run_tests.py): the ten
slowest runs, slowest first, then the log line, then `N passed, N failed` as the very last line.

Runs run_tests.main() with its unit runner replaced by one that reports made-up runs of known
lengths (no compiler, no QEMU: a second), so the order and the counts are known exactly."""
import contextlib
import io
import os
import re
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))
import run_tests  # noqa: E402
from tap import Tap  # noqa: E402


def main():
    t = Tap()
    seconds = {}

    def fake_unit(path, build, logs, build_only):
        name = os.path.basename(path)[:-2]
        secs = float(len(seconds) * 7 % 23)  # distinct lengths in no particular order
        seconds[f"unit:{name}"] = secs
        results = [run_tests.Result(f"unit:{name}:case{i}", "pass") for i in range(2)]
        run_tests.progress("unit", name, results, secs)
        return results

    run_tests.run_unit = fake_unit
    with tempfile.TemporaryDirectory() as build:
        out = io.StringIO()
        sys.argv = ["run_tests.py", "--only", "unit", "--build", build]
        with contextlib.redirect_stdout(out):
            rc = run_tests.main()
    text = out.getvalue()
    lines = text.strip().splitlines()
    t.ok(rc == 0 and lines and re.fullmatch(r"\d+ passed, 0 failed", lines[-1]),
         "the last line is `N passed, N failed`", diag=text[-2000:])
    t.ok(lines and lines[-1] == f"{2 * len(seconds)} passed, 0 failed", "it counts every case", diag=text[-2000:])
    head = [i for i, line in enumerate(lines) if line.startswith("slowest ")]
    shown = re.findall(r"^\s+(\d+\.\d) s  (\S+)$", text, re.M)
    want = sorted(seconds.items(), key=lambda item: -item[1])[:10]
    t.ok(head and len(shown) == min(10, len(seconds)), "it lists the ten slowest runs", diag=text[-2000:])
    t.ok([name for _, name in shown] == [name for name, _ in want]
         and [float(s) for s, _ in shown] == [s for _, s in want],
         "slowest first, with each run's time", diag=f"shown {shown}\nwant {want}")
    t.ok(head and head[0] < len(lines) - 2 and lines[-2].startswith("logs:"),
         "the list comes before the log line and the totals", diag=text[-2000:])
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
