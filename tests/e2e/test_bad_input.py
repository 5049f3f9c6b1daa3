#!/usr/bin/env python3
"""test_bad_input - irqlab copes with bad input, and the test machinery reports failure.

* unknown command-line options are reported and ignored (the kernel still reaches the prompt);
* a 2000-character command line is reported as cut off;
* loglevel=bogus is reported;
* the ktest runner really fails: ktest=ktest_selftest (a manual suite with a deliberately failing
  and a skipping case) must exit 35 and show `not ok`; a bugchecking and a hanging case must be
  reported as CRASH and TIMEOUT and the run must go on after them; a glob that matches nothing
  must fail, and so must ktest.elf without ktest=. Without these, every other test could pass
  vacuously.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_qemu import kernel_elf, ktest_elf, run_qemu  # noqa: E402
from ktest_runner import run_ktest  # noqa: E402
from tap import Tap  # noqa: E402

POWEROFF = [(r"irqlab> ", "poweroff\n")]


def boot(cmdline, boot_path="kernel"):
    return run_qemu(kernel_elf(), boot=boot_path, cmdline=cmdline, timeout=60, input_script=POWEROFF)


def reached_prompt(t, r, name):
    return t.ok(r.status == 33 and "irqlab> " in r.serial, f"{name}: still reaches the prompt and powers off",
                diag=f"status {r.status}\n{r.serial[-1500:]}")


def main():
    t = Tap()

    for path in ("kernel", "iso"):
        r = boot("frobnicate=1 loglevel=info bogusword", path)
        t.ok(re.search(r"unknown option 'frobnicate'", r.serial) and re.search(r"unknown option 'bogusword'", r.serial),
             f"{path}: unknown options are reported", diag=r.serial[-1500:])
        t.ok("unknown option 'loglevel'" not in r.serial, f"{path}: known options are not reported", diag=r.serial)
        reached_prompt(t, r, f"{path}: unknown options")

        long_cmdline = " ".join(f"pad{i}=" + "x" * 60 for i in range(31))  # > 2000 characters
        assert len(long_cmdline) > 2000
        r = boot(long_cmdline, path)
        t.ok(re.search(r"command line is longer than \d+ bytes|truncat", r.serial),
             f"{path}: a {len(long_cmdline)}-character command line is reported as cut off", diag=r.serial[-1500:])
        reached_prompt(t, r, f"{path}: long command line")

    r = boot("loglevel=bogus")
    t.ok(re.search(r"loglevel=bogus is not", r.serial), "loglevel=bogus is reported", diag=r.serial[-1500:])
    reached_prompt(t, r, "loglevel=bogus")

    # The runner must see failures: a manual suite fails and skips on purpose.
    run = run_ktest(ktest_elf(), "ktest_selftest")
    by_name = {c.name: c for c in run.cases}
    t.ok(run.status == 35, "ktest=ktest_selftest exits with status 35", diag=f"status {run.status}")
    t.ok(re.search(r"(?m)^\s*not ok \d+ fails_on_purpose", run.serial), "ktest_selftest prints 'not ok'",
         diag=run.serial[-1500:])
    fails = by_name.get("ktest_selftest.fails_on_purpose")
    t.ok(fails and not fails.ok, "runner reports ktest_selftest.fails_on_purpose as failed", diag=str(run.cases))
    skips = by_name.get("ktest_selftest.skips_on_purpose")
    t.ok(skips and skips.ok and skips.skipped, "runner reports ktest_selftest.skips_on_purpose as skipped",
         diag=str(run.cases))
    passes = by_name.get("ktest_selftest.passes")
    t.ok(passes and passes.ok and not passes.skipped, "runner reports ktest_selftest.passes as passed",
         diag=str(run.cases))
    t.ok(not run.ok, "the selftest run as a whole is a failure", diag=str(run))

    # A case that bugchecks or hangs is named, and the run goes on after it.
    run = run_ktest(ktest_elf(), "ktest_selftest_crash", per_test_timeout=3)
    by_name = {c.name: c for c in run.cases}
    crash = by_name.get("ktest_selftest_crash.bugchecks_on_purpose")
    t.ok(crash and not crash.ok and crash.directive == "CRASH", "a bugchecking case is reported as CRASH",
         diag=str(run.cases))
    hang = by_name.get("ktest_selftest_crash.hangs_on_purpose")
    t.ok(hang and not hang.ok and hang.directive == "TIMEOUT", "a hanging case is reported as TIMEOUT",
         diag=str(run.cases))
    after = by_name.get("ktest_selftest_crash.runs_after_the_crashes")
    t.ok(after and after.ok and not run.ok, "the runner resumes after them and the run fails",
         diag=f"{run.cases} {run.problems}")

    run = run_ktest(ktest_elf(), "ktest_selftest.passes")
    t.ok(run.ok and run.status == 33 and len(run.cases) == 1, "a manual suite's case runs when named exactly",
         diag=f"status {run.status} {run.cases} {run.problems}")

    run = run_ktest(ktest_elf(), "*")
    t.ok(not any(c.name.startswith("ktest_selftest.") for c in run.cases), "ktest=* never runs manual suites",
         diag=str([c.name for c in run.cases]))

    run = run_ktest(ktest_elf(), "no_such_suite_xyz")
    t.ok(not run.ok and run.status == 35, "a glob that matches nothing fails (status 35)",
         diag=f"status {run.status} {run.cases} {run.problems}\n{run.serial[-800:]}")

    r = run_qemu(ktest_elf(), cmdline="loglevel=info", timeout=60)
    t.ok(r.status == 35 and "ktest=" in r.serial, "ktest.elf without ktest= says so and fails (status 35)",
         diag=f"status {r.status}\n{r.serial[-800:]}")

    # Firmware without ACPI tables: irqlab cannot find its CPUs or IOAPICs, so it must stop with
    # ACPI_BIOS_ERROR (0xA5) and say why, not hang or reboot. (Only `pc` honours acpi=off: q35's
    # firmware still builds the tables, and irqlab then boots normally.)
    r = run_qemu(kernel_elf(), machine="pc,acpi=off", cmdline="", timeout=60)
    t.ok(r.status == 35 and "*** STOP: 0x000000A5" in r.serial and "ACPI_BIOS_ERROR" in r.serial,
         "-machine pc,acpi=off stops with 0xA5 ACPI_BIOS_ERROR (status 35)",
         diag=f"status {r.status}\n{r.serial[-1200:]}")
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
