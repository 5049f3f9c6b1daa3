#!/usr/bin/env python3
"""ktest_runner - boot build/ktest.elf with `ktest=<glob>`, read its KTAP, judge it.

  ktest_runner.py [--glob '*'] [--machine pc|q35] [--smp N] [--boot kernel|iso|uefi] [--cmdline 'msi=off']
                  [--extra 'qemu args'] [--no-devices] [--timeout 60] [--elf build/ktest.elf]
                  [--log file]     (prints TAP; the devices of `make test` unless --no-devices)

  from ktest_runner import run_ktest
  run = run_ktest(elf, "mm.*", machine="q35", smp=4)
  run.ok, run.cases (name "suite.case", ok, skipped, directive, diag), run.problems

A run passes only if all of these hold - anything else is a failure, never a silent pass:
  * a `KTAP version 1` line and a top-level plan `1..N`, N suite results and a `# Totals` line;
  * every suite's case results match its plan, and no case started (`# ktest-start`) without
    a result (a crash or hang names that case);
  * no stop screen (`*** STOP:`), and QEMU exit status 33 (0 = triple fault, 35 = failure);
  * no case runs longer than the per-test timeout (default 60 s, measured between
    `# ktest-start` / result lines); on expiry QEMU is killed and the case is `# TIMEOUT`.
A case that crashes or hangs is reported as `not ok ... # CRASH` / `# TIMEOUT`, and the run is
resumed in a fresh QEMU after that case (ktest_after=suite.case) so the other results still count.
"""
import argparse
import dataclasses
import os
import re
import shlex
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import irqlab_qemu  # noqa: E402
import irqlab_uefi  # noqa: E402
from tap import Tap  # noqa: E402

# Devices every in-guest run of `make test` gets, and `make check-ktest` by default: two edu
# devices whose INTx pins share one line on both boards (slots 3 and 7: PIRQ C -> IRQ 11 on pc,
# PIRQ H -> GSI 23 on q35) and an e1000e with MSI-X.
KTEST_DEVICES = ["-device", "edu,addr=03.0", "-device", "edu,addr=07.0",
                 "-netdev", "user,id=n0", "-device", "e1000e,addr=04.0,netdev=n0"]

RESULT = re.compile(r"^(not ok|ok) (\d+) ?([^#]*?)\s*(?:#\s*(.*))?$")
PLAN = re.compile(r"^1\.\.(\d+)$")
TOTALS = re.compile(r"^# Totals: pass:(\d+) fail:(\d+) skip:(\d+) total:(\d+)")


@dataclasses.dataclass
class CaseResult:
    name: str  # "suite.case"
    ok: bool
    skipped: bool = False
    directive: str = ""  # "SKIP why", "TIMEOUT", "CRASH", ...
    diag: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class KtestRun:
    cases: list
    problems: list  # run-level failures: no plan, bad exit status, stop screen, ...
    status: int
    timed_out: bool
    serial: str
    log_path: str
    argv: list
    elapsed: float

    @property
    def ok(self):
        return bool(self.cases) and not self.problems and all(c.ok for c in self.cases)


class KtapParser:
    """Feed lines as they arrive; read the verdict with finish()."""

    def __init__(self):
        self.version = False
        self.plan = None
        self.suite = None  # the suite whose `# Subtest:` we are inside
        self.suite_plan = None
        self.suite_results = 0
        self.suite_lines = 0
        self.cases = []
        self.running = None  # "suite.case" started but not reported yet
        self.diag = []
        self.totals = None
        self.stop_screen = []
        self.problems = []
        self.progress = 0  # bumps on every start/result line (the per-test timer resets)
        self.flooded = 0  # the console passed max_output bytes and QEMU was stopped

    def feed(self, line):
        if self.stop_screen:
            if len(self.stop_screen) < 40:
                self.stop_screen.append(line)
            return
        if "*** STOP:" in line:
            self.stop_screen.append(line)
            return
        body = line.strip()
        nested = line.startswith(" ")
        if body in ("KTAP version 1", "TAP version 14"):
            self.version = self.version or not nested
            return
        if body.startswith("# ktest-start "):
            self.running = body[len("# ktest-start "):].strip()
            self.diag = []
            self.progress += 1
            return
        if body.startswith("# Subtest: "):
            self.suite, self.suite_plan, self.suite_results = body[len("# Subtest: "):].strip(), None, 0
            return
        m = PLAN.match(body)
        if m:
            if nested:
                self.suite_plan = int(m.group(1))
            elif self.plan is None:
                self.plan = int(m.group(1))
            return
        m = TOTALS.match(body)
        if m and not nested:
            self.totals = tuple(int(x) for x in m.groups())
            return
        m = RESULT.match(body)
        if m:
            self.result(nested, m.group(1) == "ok", m.group(3).strip(), (m.group(4) or "").strip())
            return
        if nested and body.startswith("#"):
            self.diag.append(body[1:].strip())

    def result(self, nested, ok, name, directive):
        self.progress += 1
        skipped = directive.upper().startswith("SKIP")
        if nested:
            full = f"{self.suite}.{name}" if self.suite else name
            self.cases.append(CaseResult(full, ok, skipped, directive, self.diag))
            self.suite_results += 1
            self.running, self.diag = None, []
            return
        self.suite_lines += 1
        if self.suite is None:
            # A top-level result with no subtest, e.g. "not ok 1 ktest # no suite matches".
            self.cases.append(CaseResult(name, ok, skipped, directive, self.diag))
        else:
            if self.suite_plan is not None and self.suite_results != self.suite_plan:
                self.problems.append(f"suite {self.suite}: plan 1..{self.suite_plan} "
                                     f"but {self.suite_results} results")
            failed = any(not c.ok for c in self.cases if c.name.startswith(self.suite + "."))
            if ok and failed:
                self.problems.append(f"suite {self.suite} reported ok although a case failed")
        self.suite, self.diag = None, []

    def finish(self, status, timed_out):
        """Close the books once QEMU has gone; returns (cases, problems)."""
        cases, problems = list(self.cases), list(self.problems)
        if self.stop_screen:
            problems.append("stop screen: " + self.stop_screen[0].strip())
        if self.flooded:
            problems.append(f"OUTPUT CAPPED: the guest printed more than {self.flooded} bytes, QEMU stopped")
        elif timed_out:
            problems.append("TIMEOUT: no progress for the per-test timeout, QEMU killed")
        elif status == 0:
            problems.append("QEMU exit status 0: triple fault (or the guest reset)")
        elif status not in (irqlab_qemu.EXIT_SUCCESS, irqlab_qemu.EXIT_FAILURE):
            problems.append(f"QEMU exit status {status} (expected 33)")
        if self.running:
            # A case started and never reported: it gets the blame, and the consequences
            # (no plan, no Totals, odd exit status) become its diagnostics, not more failures.
            why = "OUTPUT CAPPED" if self.flooded else "TIMEOUT" if timed_out else \
                "CRASH" if self.stop_screen else "NO RESULT"
            shown = [f"QEMU exit status {status}"] if status in (33, 35) and not timed_out else []
            diag = self.diag + problems + shown + self.stop_screen[1:20]
            cases.append(CaseResult(self.running, False, False, why, diag))
            return cases, []
        if not self.version:
            problems.append("no 'KTAP version 1' line: the test kernel did not start its tests")
        elif self.plan is None:
            problems.append("no top-level plan (1..N)")
        elif self.suite_lines != self.plan:
            problems.append(f"plan 1..{self.plan} but {self.suite_lines} suite results")
        if self.version and self.totals is None:
            problems.append("no 'Totals' line: the run did not finish")
        if status == irqlab_qemu.EXIT_SUCCESS and any(not c.ok for c in cases):
            problems.append("exit status 33 (success) although a case failed")
        if status == irqlab_qemu.EXIT_FAILURE and cases and all(c.ok for c in cases):
            problems.append("exit status 35 (failure) although no case failed")
        return cases, problems


MAX_RESUMES = 10  # after this many crashed/hung cases in one run, stop resuming


# Firmware before the first KTAP line: OVMF under TCG takes tens of seconds on a busy host
# (BOOT=uefi), which a per-case timeout should not have to cover.
UEFI_BOOT_ALLOWANCE = 240


def _run_once(q, per_test_timeout, on_line, max_output=None, boot_allowance=0):
    """Boot one QEMU and feed its console to a fresh parser; returns (parser, status, timed_out)."""
    parser = KtapParser()
    timed_out = False
    q.start()
    consumed = 0
    last_progress, progress = time.monotonic(), 0
    while True:
        alive = q.running()
        text = q.read()
        # Only whole lines; the last partial one waits for its newline (or QEMU's exit).
        end = len(text) if not alive else text.rfind("\n") + 1
        for line in text[consumed:end].splitlines():
            parser.feed(line)
            if on_line:
                on_line(line)
        consumed = max(consumed, end)
        if not alive:
            break
        if max_output and len(text) > max_output and not parser.flooded:
            parser.flooded = max_output  # endless output: stop it rather than fill the disk
            q.kill()
            continue
        if parser.progress != progress:
            progress, last_progress = parser.progress, time.monotonic()
        elif time.monotonic() - last_progress > per_test_timeout + (0 if progress else boot_allowance):
            timed_out = True
            q.kill()
            q.timed_out = True
        time.sleep(0.02)
    return parser, q.wait(5), timed_out


def run_ktest(elf=None, glob="*", *, machine="pc", smp=1, boot="kernel", per_test_timeout=60, extra=None,
              mem="256M", accel="tcg", log_path=None, cmdline_extra="", on_line=None, resume=True,
              max_output=None):
    """Run the selected suites; see the module doc for what counts as a pass.

    When a case crashes or hangs the kernel, that case is reported and (resume=True) a new QEMU
    continues with the cases after it (`ktest_after=suite.case`), so one crash does not hide the
    results of every later suite. All runs' consoles go to one log, one after the other."""
    elf = elf or irqlab_qemu.ktest_elf()
    base_cmdline = f"ktest={glob}" + (f" {cmdline_extra}" if cmdline_extra else "")
    cases, serial, argv, elapsed, after = [], "", [], 0.0, None
    log = open(log_path, "w") if log_path else None
    try:
        for attempt in range(MAX_RESUMES + 1):
            cmdline = base_cmdline + (f" ktest_after={after}" if after else "")
            q = irqlab_qemu.Qemu(elf, machine=machine, smp=smp, boot=boot, cmdline=cmdline, timeout=0, extra=extra,
                                 mem=mem, accel=accel, log_path=log_path + f".run{attempt}" if log_path else None)
            try:
                parser, status, timed_out = _run_once(q, per_test_timeout, on_line, max_output,
                                                      UEFI_BOOT_ALLOWANCE if boot == "uefi" else 0)
                run_cases, problems = parser.finish(status, timed_out)
                stderr = q.stderr().strip().splitlines()
                if stderr and status not in (0, irqlab_qemu.EXIT_SUCCESS, irqlab_qemu.EXIT_FAILURE) and not timed_out:
                    said = "QEMU said: " + " | ".join(stderr[-3:])
                    if parser.running and run_cases and run_cases[-1].name == parser.running:
                        run_cases[-1].diag.append(said)  # e.g. an assertion in a device model
                    else:
                        problems.append(said)
                result = q.result()
            finally:
                q.kill()
                q.cleanup()
            # Every run's output starts with the command that reproduces it, copy-pasteable.
            header = (f"==== run {attempt + 1} (resumed after {after})\n" if attempt else "") + \
                f"# reproduce: {irqlab_qemu.reproduce_line(q.argv)}\n"
            serial += header + result.serial
            if log:
                log.write(header + result.serial)
                log.flush()
                for p in (q.log_path, q.stderr_path):
                    if os.path.exists(p):
                        os.unlink(p)
            cases += run_cases
            argv = argv or q.argv
            elapsed += result.elapsed
            blamed = parser.running
            if not (resume and blamed and attempt < MAX_RESUMES):
                if blamed and resume:
                    problems.append(f"gave up after {MAX_RESUMES} crashed or hung cases")
                return KtestRun(cases, problems, status, timed_out, serial, log_path or "", argv, elapsed)
            after = blamed
    finally:
        if log:
            log.close()


def make_rerun(machine, smp, boot, cmdline="", glob="*", extra=None, devices=True):
    """The `make check-ktest` command that runs the same configuration (and case) again."""
    words = ["make", "check-ktest", f"MACHINE={machine}", f"SMP={smp}", f"BOOT={boot}"]
    if not devices:
        words.append("KTEST_DEVICES=none")
    if cmdline:
        words.append(f"CMDLINE={cmdline}")
    if extra:
        words.append("QEMU_EXTRA=" + (extra if isinstance(extra, str) else shlex.join(extra)))
    words.append(f"GLOB={glob}")
    return shlex.join(words)


def report(run, tap, prefix=""):
    """Print one TAP line per case, plus one per run-level problem."""
    for c in run.cases:
        name = prefix + c.name
        if c.skipped and c.ok:
            tap.skip(name, c.directive[4:].strip() or "skipped")
        else:
            tap.ok(c.ok, name, diag="\n".join(c.diag), directive=c.directive)
    for p in run.problems:
        tap.ok(False, prefix + "run: " + p)
    if not run.cases and not run.problems:
        tap.ok(False, prefix + "run: no test cases ran")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--elf", default=irqlab_qemu.ktest_elf())
    ap.add_argument("--glob", default="*")
    ap.add_argument("--machine", default="pc")
    ap.add_argument("--smp", default="1")
    ap.add_argument("--boot", default="kernel", choices=["kernel", "iso", "uefi"])
    ap.add_argument("--accel", default="tcg", choices=["tcg", "kvm"])
    ap.add_argument("--mem", default="256M")
    ap.add_argument("--timeout", type=float, default=60, help="seconds allowed per test case")
    ap.add_argument("--extra", default="", help="more QEMU arguments (after the devices)")
    ap.add_argument("--cmdline", default="", help="more kernel command line, e.g. msi=off")
    ap.add_argument("--no-devices", action="store_true",
                    help="leave out the devices `make test` gives every run (two edu, one e1000e)")
    ap.add_argument("--log", default=None, help="keep the serial log here")
    ap.add_argument("-v", "--verbose", action="store_true", help="echo the guest's console")
    args = ap.parse_args()
    log = args.log or os.path.join(os.path.dirname(os.path.abspath(args.elf)), "test-logs", "check-ktest.serial.log")
    os.makedirs(os.path.dirname(log), exist_ok=True)
    extra = ([] if args.no_devices else KTEST_DEVICES) + shlex.split(args.extra)
    try:
        run = run_ktest(args.elf, args.glob, machine=args.machine, smp=args.smp, boot=args.boot,
                        per_test_timeout=args.timeout, extra=extra, mem=args.mem, accel=args.accel, log_path=log,
                        cmdline_extra=args.cmdline,
                        on_line=(lambda line: print("  | " + line, flush=True)) if args.verbose else None)
    except irqlab_uefi.FirmwareMissing as e:  # --boot uefi on a machine without OVMF / GRUB's UEFI half
        print(f"ktest_runner: {e}", file=sys.stderr)
        return 2
    tap = Tap()
    report(run, tap)
    rc = tap.finish()
    failed = sum(not c.ok for c in run.cases) + len(run.problems)
    failing = [c.name for c in run.cases if not c.ok]
    for name in failing:
        print("# rerun: " + make_rerun(args.machine, args.smp, args.boot, args.cmdline, name, args.extra or None,
                                      devices=not args.no_devices))
    print(f"# ktest={args.glob} on {args.machine}/smp{args.smp}/{args.boot}"
          + (f" {args.cmdline}" if args.cmdline else "") + ": "
          f"{sum(c.ok and not c.skipped for c in run.cases)} passed, {failed} failed, "
          f"{sum(c.skipped and c.ok for c in run.cases)} skipped in {run.elapsed:.1f} s; serial log: {log}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
