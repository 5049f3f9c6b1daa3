#!/usr/bin/env python3
"""test_bugcheck - crash the test kernel on purpose and read its stop screen.

Boots build/ktest.elf with `ktest=crash.<case>` (tests/ktest/crash_test.c) and checks, for
every case, on -machine pc and q35 with `-kernel`, and for a few cases also from a GRUB ISO:

  * QEMU exits with status 35 (ke_exit(KE_EXIT_FAILURE)): not 33 (the kernel survived), not 0
    (a triple fault: the exception handlers themselves failed);
  * exactly one `*** STOP: 0x000000NN (...)` line, with the stop code and the parameters that
    are deterministic (P1 of 0x1E is the NTSTATUS, sign-extended as on x64 Windows; parameters
    that hold a RIP must point into the crash function);
  * the stop-code name on the next line, CR2 for page faults, the explanation sentence;
  * a backtrace that names the crash function and ktest_main.

    python3 tests/e2e/test_bugcheck.py                 # everything (about a minute under TCG)
    python3 tests/e2e/test_bugcheck.py --case page_fault --quick
    IRQLAB_BUILD=build-exc python3 tests/e2e/test_bugcheck.py

Output is TAP; the exit status is 1 if anything failed. Cases that need the memory manager
(page 0 unmapped, guarded kernel stacks) fail with a message saying so until it is there.
"""
import argparse
import dataclasses
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_qemu import EXIT_FAILURE, EXIT_SUCCESS, ktest_elf, run_qemu  # noqa: E402
from tap import Tap  # noqa: E402

UNMAPPED = 0x00000DEAD0000000  # CRASH_UNMAPPED_ADDRESS in tests/ktest/crash_test.c
ALL_ONES = 0xFFFFFFFFFFFFFFFF


def ntstatus(value):
    """An NTSTATUS as a 0x1E parameter: a 32-bit LONG sign-extended to 64 bits."""
    return value | 0xFFFFFFFF00000000 if value & 0x80000000 else value


@dataclasses.dataclass
class Case:
    name: str
    code: int
    stop_name: str
    # Parameter number (1-4) -> expected value, or "rip": an address inside the crash function,
    # or "sym:<name>": the address of that function (a routine named in P1, e.g. IoConnectInterruptEx).
    params: dict
    cr2: int = None
    explanation: str = ""  # a piece of the plain-English sentence
    needs: str = ""  # what the case depends on, for the message when it cannot crash yet
    iso: bool = False  # also boot it from a GRUB ISO
    smp: int = 1  # QEMU -smp
    cpu: int = 0  # the CPU the stop screen must name (None: any - an interrupt's target CPU)
    fn: str = ""  # the crash function, if not crash_<name>
    trace: tuple = ("ktest_main",)  # other names the backtrace must contain
    fn_in_trace: bool = True  # the crash function itself must be in the backtrace
    suite: str = "crash"  # the manual ktest suite holding the case
    cmdline: str = ""  # more kernel command line
    extra: tuple = ()  # more QEMU arguments (devices)

    @property
    def function(self):
        return self.fn or "crash_" + self.name


CASES = [
    Case("page_fault", 0x50, "PAGE_FAULT_IN_NONPAGED_AREA", {1: 0, 2: 2, 3: "rip", 4: 2}, cr2=0,
         explanation="A write to 0x0000000000000000 (a NULL pointer), which is not mapped",
         needs="kernel/mm/paging.c (page 0 unmapped)", iso=True),
    Case("page_fault_unmapped", 0x50, "PAGE_FAULT_IN_NONPAGED_AREA", {1: UNMAPPED, 2: 2, 3: "rip", 4: 2},
         cr2=UNMAPPED, explanation=f"A write to 0x{UNMAPPED:016x}, which is not mapped", iso=True),
    Case("irql_page_fault", 0x0A, "IRQL_NOT_LESS_OR_EQUAL", {1: UNMAPPED, 2: 2, 3: 1, 4: "rip"}, cr2=UNMAPPED,
         explanation="at IRQL 2 (DISPATCH_LEVEL)"),
    Case("invalid_opcode", 0x1E, "KMODE_EXCEPTION_NOT_HANDLED", {1: ntstatus(0xC000001D), 2: "rip", 3: 0, 4: 0},
         explanation="An invalid instruction (#UD", iso=True),
    Case("general_protection", 0x1E, "KMODE_EXCEPTION_NOT_HANDLED",
         {1: ntstatus(0xC0000005), 2: "rip", 3: 0, 4: ALL_ONES}, explanation="A general-protection fault (#GP"),
    Case("divide_error", 0x1E, "KMODE_EXCEPTION_NOT_HANDLED", {1: ntstatus(0xC0000094), 2: "rip", 3: 0, 4: 0},
         explanation="An integer division by zero (#DE)"),
    Case("breakpoint", 0x1E, "KMODE_EXCEPTION_NOT_HANDLED", {1: ntstatus(0x80000003), 2: "rip", 3: 0, 4: 0},
         explanation="A breakpoint instruction (int3)"),
    Case("double_fault", 0x7F, "UNEXPECTED_KERNEL_MODE_TRAP", {1: 8, 2: 0, 3: 0, 4: 0},
         explanation="A double fault (#DF)"),
    Case("stack_overflow", 0x7F, "UNEXPECTED_KERNEL_MODE_TRAP", {1: 8, 2: 0, 3: 0, 4: 0},
         explanation="Kernel stack overflow", needs="kernel/mm/kstack.c (guarded kernel stacks)", iso=True),
    Case("bugcheck_call", 0xE2, "MANUALLY_INITIATED_CRASH", {1: 1, 2: 2, 3: 3, 4: 4},
         explanation="The crash was requested on purpose by crash_bugcheck_call"),
    Case("nmi", 0x80, "NMI_HARDWARE_FAILURE", {1: 0, 2: 0, 3: 0, 4: 0}, explanation="A non-maskable interrupt"),
    Case("machine_check", 0x9C, "MACHINE_CHECK_EXCEPTION", {1: 0, 2: 0, 3: 0, 4: 0},
         explanation="A machine check (#MC)"),
    Case("other_cpu", 0x0A, "IRQL_NOT_LESS_OR_EQUAL", {1: UNMAPPED, 2: 2, 3: 1, 4: "rip"}, cr2=UNMAPPED,
         smp=4, cpu=3, fn="crash_dpc_on_other_cpu", trace=("ke_drain_dpcs",),
         explanation="at IRQL 2 (DISPATCH_LEVEL)"),
    # Page protections (kernel/mm/paging.c): Windows' own stop codes, P2 = the page-table entry.
    Case("write_text", 0xBE, "ATTEMPTED_WRITE_TO_READONLY_MEMORY", {1: "rip", 3: 0, 4: 0},
         explanation="mapped read-only", iso=False),
    Case("execute_data", 0xFC, "ATTEMPTED_EXECUTE_OF_NOEXECUTE_MEMORY", {3: 0, 4: 0},
         explanation="mapped no-execute"),
    # Windows' IRQL rules (tests/ktest/irql_test.c): P4 is the code that broke the rule.
    Case("irql_raise_to_lower", 0x09, "IRQL_NOT_GREATER_OR_EQUAL", {1: 2, 2: 0, 3: 0, 4: "rip"},
         suite="irql_crash", fn="irql_raise_to_lower", explanation="to 0 (PASSIVE_LEVEL), which is lower"),
    Case("irql_lower_to_higher", 0x0A, "IRQL_NOT_LESS_OR_EQUAL", {1: 0, 2: 2, 3: 0, 4: "rip"},
         suite="irql_crash", fn="irql_lower_to_higher", explanation="up to 2 (DISPATCH_LEVEL)"),
    Case("spin_lock_twice", 0x0F, "SPIN_LOCK_ALREADY_OWNED", {4: "rip"}, suite="irql_crash",
         fn="spin_lock_twice", explanation="which this CPU already holds"),
    Case("flush_dpcs_at_dispatch", 0x0A, "IRQL_NOT_LESS_OR_EQUAL", {1: "sym:KeFlushQueuedDpcs", 2: 2, 3: 0, 4: "rip"},
         suite="irql_crash", fn="flush_dpcs_at_dispatch",
         explanation="called KeFlushQueuedDpcs at IRQL 2 (DISPATCH_LEVEL); it may only be called at PASSIVE_LEVEL"),
    # The I/O manager's rules (tests/ktest/io_crash_test.c, kernel/io/connect_interrupt.c): both
    # routines are PASSIVE_LEVEL only (P1 = the routine, P2 = the IRQL, P4 = the caller), and a
    # disconnect whose Version or context does not match a connection is Windows' 0xCA/0x9.
    Case("io_connect_at_dispatch", 0x0A, "IRQL_NOT_LESS_OR_EQUAL",
         {1: "sym:IoConnectInterruptEx", 2: 2, 3: 0, 4: "rip"}, suite="io_crash", fn="io_connect_at_dispatch",
         explanation="called IoConnectInterruptEx at IRQL 2 (DISPATCH_LEVEL); it may only be called at PASSIVE_LEVEL"),
    Case("io_disconnect_at_dispatch", 0x0A, "IRQL_NOT_LESS_OR_EQUAL",
         {1: "sym:IoDisconnectInterruptEx", 2: 2, 3: 0, 4: "rip"}, suite="io_crash", fn="io_disconnect_at_dispatch",
         explanation="called IoDisconnectInterruptEx at IRQL 2 (DISPATCH_LEVEL)"),
    Case("io_disconnect_wrong_version", 0xCA, "PNP_DETECTED_FATAL_ERROR", {1: 0x9, 2: 3, 4: 2}, suite="io_crash",
         fn="io_disconnect_wrong_version", explanation="IoDisconnectInterruptEx was given Version 3",
         trace=("IoDisconnectInterruptEx", "ktest_main")),
    Case("io_disconnect_unknown", 0xCA, "PNP_DETECTED_FATAL_ERROR", {1: 0x9, 2: 2, 4: 0}, suite="io_crash",
         fn="io_disconnect_unknown", explanation="which no IoConnectInterruptEx call handed out"),
    Case("io_connect_with_fdo", 0xCA, "PNP_DETECTED_FATAL_ERROR", {1: 0x2, 3: 0, 4: 0}, suite="io_crash",
         fn="io_connect_with_fdo", explanation="is not a physical device object the kernel created",
         trace=("IoConnectInterruptEx", "ktest_main")),
    Case("io_property_at_dispatch", 0x0A, "IRQL_NOT_LESS_OR_EQUAL",
         {1: "sym:IoGetDeviceProperty", 2: 2, 3: 0, 4: "rip"}, suite="io_crash", fn="io_property_at_dispatch",
         explanation="called IoGetDeviceProperty at IRQL 2 (DISPATCH_LEVEL); it may only be called at PASSIVE_LEVEL"),
    # An interrupt storm with `verifier=storm`: Windows' 0xF2 instead of masking the line.
    # P1 = the first ISR, P4 = 1 (the line is not shared). The storm is noticed after the chain
    # walk (the ISR has returned), so the backtrace shows the dispatcher's accounting instead.
    Case("unclaimed_level_line_is_masked", 0xF2, "HARDWARE_INTERRUPT_STORM", {1: "fn", 4: 1},
         suite="storm", fn="ignoring_isr", trace=("ke_storm_account", "ke_dispatch_interrupt"),
         fn_in_trace=False, cmdline="verifier=storm",
         extra=("-nic", "none", "-device", "edu,addr=03.0"), explanation="kept firing and no ISR claimed it"),
    # Pool and frame misuse (tests/ktest/mm_crash_test.c), stop codes as Driver Verifier uses them.
    Case("double_free", 0xC2, "BAD_POOL_CALLER", {1: 0x07}, suite="mm_crash", fn="double_free",
         explanation="freed twice"),
    Case("wrong_tag", 0xC2, "BAD_POOL_CALLER", {1: 0x0A}, suite="mm_crash", fn="wrong_tag",
         explanation="different tag"),
    Case("not_pool", 0xC2, "BAD_POOL_CALLER", {1: 0x46}, suite="mm_crash", fn="not_pool",
         explanation="never allocated from the pool"),
    Case("zero_tag", 0xC2, "BAD_POOL_CALLER", {1: 0x9B}, suite="mm_crash", fn="zero_tag",
         explanation="tag 0"),
    Case("overrun", 0x19, "BAD_POOL_HEADER", {1: 0x21}, suite="mm_crash", fn="overrun",
         explanation="buffer overrun"),
    Case("frame_double_free", 0x4E, "PFN_LIST_CORRUPT", {1: 0x99, 3: 1}, suite="mm_crash",
         fn="frame_double_free", explanation="already free"),
]

STOP_RE = re.compile(r"^\*\*\* STOP: 0x([0-9A-F]{8}) \(0x([0-9A-F]{16}), 0x([0-9A-F]{16}), "
                     r"0x([0-9A-F]{16}), 0x([0-9A-F]{16})\)$", re.M)
CR2_RE = re.compile(r"\bCR2=([0-9a-f]{16})\b")
FINAL_LINE = "The system has been stopped. QEMU exits with status 35."


def symbols(elf):
    """name -> (start, end) for every sized function in the ELF."""
    out = subprocess.run(["nm", "-S", "--defined-only", elf], check=True, capture_output=True, text=True).stdout
    table = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "tT":
            start, size = int(parts[0], 16), int(parts[1], 16)
            table[parts[3]] = (start, start + size)
    return table


def backtrace_lines(serial):
    lines = serial.split("\n")
    try:
        start = lines.index("Backtrace (most recent call first):") + 1
    except ValueError:
        return []
    result = []
    for line in lines[start:]:
        if not line.strip():
            break
        result.append(line)
    return result


def check_stop_screen(case, result, syms):
    """Every problem found, as a list of sentences (empty: the stop screen is right)."""
    serial = result.serial
    problems = []
    if result.timed_out:
        problems.append("QEMU did not exit before the timeout (the kernel hung)")
    elif result.status != EXIT_FAILURE:
        meaning = {0: "a triple fault: the exception path itself failed",
                   EXIT_SUCCESS: "the kernel survived the crash"}.get(result.status, "unexpected")
        problems.append(f"QEMU exit status {result.status} ({meaning}), expected {EXIT_FAILURE}")

    stops = STOP_RE.findall(serial)
    if not stops:
        pending = re.search(r"# (.*this needs kernel/mm/.*)", serial)
        if case.needs and pending:
            problems.append(f"PENDING on {case.needs}: the kernel says: {pending.group(1)}")
        else:
            problems.append("no '*** STOP: 0x........ (...)' line")
        return problems
    if len(stops) > 1:
        problems.append(f"{len(stops)} STOP lines: the stop screen faulted (nested bugcheck)")
    code, *params = (int(x, 16) for x in stops[0])
    if code != case.code:
        problems.append(f"stop code 0x{code:08X}, expected 0x{case.code:08X}")

    lo, hi = syms.get(case.function, (None, None))
    if lo is None:
        problems.append(f"{case.function} is not in the ELF's symbol table")
    for number, want in case.params.items():
        got = params[number - 1]
        if want == "rip":
            if lo is None or not lo <= got < hi:
                problems.append(f"P{number} = 0x{got:X} is not inside {case.function}")
        elif isinstance(want, str) and want.startswith("sym:"):
            start = syms.get(want[4:], (None, None))[0]
            if got != start:
                problems.append(f"P{number} = 0x{got:X}, expected the address of {want[4:]}"
                                + (f" (0x{start:X})" if start is not None else " (not in the ELF)"))
        elif want == "fn":
            if got != lo:
                problems.append(f"P{number} = 0x{got:X} is not the address of {case.function}")
        elif got != want:
            problems.append(f"P{number} = 0x{got:X}, expected 0x{want:X}")

    if not re.search(r"^\*\*\* STOP: .*\n" + re.escape(case.stop_name) + r"$", serial, re.M):
        problems.append(f"the line after STOP is not {case.stop_name}")
    if case.explanation and case.explanation not in " ".join(serial.split()):
        problems.append(f"the explanation does not say {case.explanation!r}")
    if case.cr2 is not None:
        m = CR2_RE.search(serial)
        if not m or int(m.group(1), 16) != case.cr2:
            problems.append(f"CR2 is {m.group(1) if m else 'missing'}, expected {case.cr2:016x}")

    trace = backtrace_lines(serial)
    text = "\n".join(trace)
    m = re.search(r"^CPU (\d+), IRQL", serial, re.M)
    if not m or (case.cpu is not None and int(m.group(1)) != case.cpu):
        problems.append(f"the screen names CPU {m.group(1) if m else '?'}, expected CPU {case.cpu}")
    for name in ((case.function,) if case.fn_in_trace else ()) + tuple(case.trace):
        if not re.search(r"\b" + re.escape(name) + r"\+0x", text):
            problems.append(f"the backtrace does not name {name}")
    if FINAL_LINE not in serial:
        problems.append(f"no final line {FINAL_LINE!r}")
    return problems


def failure_diag(problems, run, lines=45):
    """What a failed stop-screen check prints: the problems, QEMU's command line and the end of
    the serial output ("" when nothing is wrong)."""
    if not problems:
        return ""
    tail = "\n".join(run.serial.rstrip("\n").split("\n")[-lines:])
    return "\n".join(problems) + "\n--- argv: " + " ".join(run.argv) + "\n--- serial (end):\n" + tail


def run_suite_cases(cases, description):
    """main() of the stop-screen scripts whose cases all live in ktest suites booted as
    `ktest=<suite>.<case>` on pc -smp 2, q35 -smp 2 and pc -smp 1 (--quick: pc -smp 2 only):
    tests/e2e/test_bugcheck_interrupt.py, test_bugcheck_threads.py."""
    ap = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--elf", default=None, help="the test kernel (default: $IRQLAB_BUILD/ktest.elf or build/)")
    ap.add_argument("--quick", action="store_true", help="only -machine pc -smp 2")
    ap.add_argument("--timeout", type=int, default=60)
    args = ap.parse_args()

    elf = args.elf or ktest_elf()
    tap = Tap()
    if not os.path.exists(elf):
        tap.ok(False, f"{elf} exists", diag="build it first: make build/ktest.elf")
        return tap.finish()
    syms = symbols(elf)
    runs = [("pc", 2)] if args.quick else [("pc", 2), ("q35", 2), ("pc", 1)]
    for case in cases:
        for machine, smp in runs:
            run_case = dataclasses.replace(case, smp=smp)
            cmdline = f"ktest={case.suite}.{case.name}" + (f" {case.cmdline}" if case.cmdline else "")
            r = run_qemu(elf, machine=machine, boot="kernel", cmdline=cmdline, timeout=args.timeout, smp=smp,
                         extra=list(case.extra) or None)
            problems = check_stop_screen(run_case, r, syms)
            diag = failure_diag(problems, r)
            tap.ok(not problems, f"{case.suite}.{case.name} on {machine} -smp {smp}: 0x{case.code:02X} {case.stop_name}",
                   diag=diag)
    return tap.finish()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--elf", default=None, help="the test kernel (default: $IRQLAB_BUILD/ktest.elf or build/)")
    ap.add_argument("--case", action="append", help="only this case (repeatable)")
    ap.add_argument("--quick", action="store_true", help="only -machine pc with -kernel")
    ap.add_argument("--timeout", type=int, default=60)
    args = ap.parse_args()

    elf = args.elf or ktest_elf()
    tap = Tap()
    if not os.path.exists(elf):
        tap.ok(False, f"{elf} exists", diag="build it first: make build/ktest.elf")
        return tap.finish()
    syms = symbols(elf)

    runs = []
    for case in CASES:
        if args.case and case.name not in args.case:
            continue
        runs.append((case, "pc", "kernel"))
        if not args.quick:
            runs.append((case, "q35", "kernel"))
            if case.iso:
                runs.append((case, "pc", "iso"))
    if args.case and not runs:
        tap.ok(False, "select cases", diag=f"no case named {args.case}; known: {[c.name for c in CASES]}")

    for case, machine, boot in runs:
        cmdline = f"ktest={case.suite}.{case.name}" + (f" {case.cmdline}" if case.cmdline else "")
        r = run_qemu(elf, machine=machine, boot=boot, cmdline=cmdline, timeout=args.timeout, smp=case.smp,
                     extra=list(case.extra))
        problems = check_stop_screen(case, r, syms)
        how = "-kernel" if boot == "kernel" else "GRUB ISO"
        name = f"{case.suite}.{case.name} on {machine} -smp {case.smp} via {how}: 0x{case.code:02X} {case.stop_name}"
        diag = failure_diag(problems, r)
        tap.ok(not problems, name, diag=diag)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
