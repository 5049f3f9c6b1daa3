#!/usr/bin/env python3
"""test_nmi - NMIs from outside, and the stop screens of KeRegisterNmiCallback, IoConnectInterrupt
and IoReportInterruptActive/Inactive used against the WDK's rules.

1. QEMU's monitor command `nmi` (sent over QMP as `human-monitor-command`; QEMU 7.2 delivers it
   to every CPU's local APIC, hw/i386/x86.c x86_nmi) with no NMI callback registered: the kernel
   stops with 0x80 NMI_HARDWARE_FAILURE and a readable screen, as Windows' default handler does.
2. The same NMI while tests/ktest/nmi_callback_test.c's `nmi_external` suite has a callback
   registered: the callback claims it and the kernel goes on (the case passes, QEMU exits 33).
3. Stop screens, read with tests/e2e/test_bugcheck.py's checks:

    nmi_crash.unclaimed_nmi                  0x80: the only callback declined
    nmi_crash.register_at_dispatch           0xA, P1 = KeRegisterNmiCallback, P2 = 2, P3 = 1
    nmi_crash.deregister_at_dispatch         0xA, P1 = KeDeregisterNmiCallback, P2 = 2, P3 = 1
    io_legacy_crash.legacy_connect_at_dispatch   0xA, P1 = IoConnectInterrupt, P2 = 2, P3 = 0
    io_legacy_crash.legacy_disconnect_unknown    0xCA, P1 = 0x9, P2 = 1 (CONNECT_FULLY_SPECIFIED), P4 = 0
    io_active_crash.report_unknown_context   0xCA, P1 = 0x9, P2 = 2, P4 = 0
    io_active_crash.report_above_dispatch    0xA, P1 = IoReportInterruptActive, P2 = 15, P3 = 2

    python3 tests/e2e/test_nmi.py            # monitor NMIs on pc -smp 1 and q35 -smp 4; stops on 3 machines
    python3 tests/e2e/test_nmi.py --quick    # pc -smp 2 only
"""
import argparse
import dataclasses
import json
import os
import re
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_qemu import EXIT_FAILURE, EXIT_SUCCESS, Qemu, kernel_elf, ktest_elf, run_qemu  # noqa: E402
from tap import Tap  # noqa: E402
from test_bugcheck import Case, check_stop_screen, failure_diag, symbols  # noqa: E402

CASES = [
    Case("unclaimed_nmi", 0x80, "NMI_HARDWARE_FAILURE", {1: 0, 2: 0, 3: 0, 4: 0}, suite="nmi_crash",
         fn="unclaimed_nmi", fn_in_trace=False, explanation="A non-maskable interrupt"),
    Case("register_at_dispatch", 0x0A, "IRQL_NOT_LESS_OR_EQUAL",
         {1: "sym:KeRegisterNmiCallback", 2: 2, 3: 1, 4: "rip"}, suite="nmi_crash", fn="register_at_dispatch",
         explanation="called KeRegisterNmiCallback at IRQL 2 (DISPATCH_LEVEL); it may only be called at IRQL <= 1"),
    Case("deregister_at_dispatch", 0x0A, "IRQL_NOT_LESS_OR_EQUAL",
         {1: "sym:KeDeregisterNmiCallback", 2: 2, 3: 1, 4: "rip"}, suite="nmi_crash", fn="deregister_at_dispatch",
         explanation="called KeDeregisterNmiCallback at IRQL 2 (DISPATCH_LEVEL)"),
    Case("legacy_connect_at_dispatch", 0x0A, "IRQL_NOT_LESS_OR_EQUAL",
         {1: "sym:IoConnectInterrupt", 2: 2, 3: 0, 4: "rip"}, suite="io_legacy_crash", fn="legacy_connect_at_dispatch",
         explanation="called IoConnectInterrupt at IRQL 2 (DISPATCH_LEVEL); it may only be called at PASSIVE_LEVEL"),
    Case("legacy_disconnect_unknown", 0xCA, "PNP_DETECTED_FATAL_ERROR", {1: 0x9, 2: 1, 4: 0},
         suite="io_legacy_crash", fn="legacy_disconnect_unknown", trace=("IoDisconnectInterrupt", "ktest_main"),
         explanation="which no IoConnectInterruptEx call handed out"),
    Case("report_unknown_context", 0xCA, "PNP_DETECTED_FATAL_ERROR", {1: 0x9, 2: 2, 4: 0}, suite="io_active_crash",
         fn="report_unknown_context", trace=("IoReportInterruptInactive", "ktest_main"),
         explanation="which no IoConnectInterruptEx call handed out"),
    Case("report_above_dispatch", 0x0A, "IRQL_NOT_LESS_OR_EQUAL",
         {1: "sym:IoReportInterruptActive", 2: 15, 3: 2, 4: "rip"}, suite="io_active_crash",
         fn="report_above_dispatch", explanation="called IoReportInterruptActive at IRQL 15 (HIGH_LEVEL)"),
]

STOP_0x80 = "*** STOP: 0x00000080 (0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000)"


class Qmp:
    """Just enough of QEMU's machine protocol (QMP, "QEMU Machine Protocol Specification") to type a monitor command."""

    def __init__(self, path, timeout):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.sock.settimeout(timeout)
        self.file = self.sock.makefile("rw")
        self._reply()  # the greeting
        self.command("qmp_capabilities")

    def _reply(self):
        while True:
            msg = json.loads(self.file.readline())
            if "event" not in msg:
                return msg

    def command(self, name, **arguments):
        self.file.write(json.dumps({"execute": name, "arguments": arguments} if arguments else {"execute": name}))
        self.file.write("\n")
        self.file.flush()
        return self._reply()

    def hmp(self, line):
        """A human monitor command, e.g. `nmi`. The guest may end QEMU before the reply comes
        (a stop screen, or the test it let go on finishing): the command was sent, which is all
        the caller needs; the serial output says what it did."""
        try:
            return self.command("human-monitor-command", **{"command-line": line})
        except (OSError, ValueError):
            return {"return": "(QEMU exited before it replied)"}

    def close(self):
        self.sock.close()


def monitor_nmi(elf, machine, smp, cmdline, ready, timeout):
    """Boot `elf`, wait for the regex `ready` on COM1, send the monitor's `nmi`, wait for QEMU to
    exit. Returns (QemuResult, problem or "")."""
    sock = os.path.join(tempfile.mkdtemp(prefix="irqlab-qmp-"), "qmp.sock")
    q = Qemu(elf, machine=machine, smp=smp, cmdline=cmdline, timeout=timeout,
             extra=["-qmp", f"unix:{sock},server=on,wait=off"])
    problem = ""
    try:
        q.start()
        if not q.expect(ready):
            problem = f"{ready!r} never appeared"
        else:
            qmp = Qmp(sock, timeout)
            reply = qmp.hmp("nmi")
            if "return" not in reply:
                problem = f"QMP refused the nmi command: {reply}"
            qmp.close()
        q.wait()
        return q.result(), problem
    finally:
        q.kill()
        q.cleanup()
        try:
            os.unlink(sock)
            os.rmdir(os.path.dirname(sock))
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="only -machine pc -smp 2")
    ap.add_argument("--timeout", type=int, default=90)
    args = ap.parse_args()

    tap = Tap()
    elf, kernel = ktest_elf(), kernel_elf()
    for path in (elf, kernel):
        if not os.path.exists(path):
            tap.ok(False, f"{path} exists", diag="build it first: make")
            return tap.finish()
    syms = symbols(elf)
    machines = [("pc", 2)] if args.quick else [("pc", 1), ("q35", 4)]

    for machine, smp in machines:
        # 1. Nobody claims it: Windows' 0x80 with the whole stop screen.
        r, problem = monitor_nmi(kernel, machine, smp, "", r"irqlab> ", args.timeout)
        problems = [problem] if problem else []
        if r.status != EXIT_FAILURE:
            problems.append(f"QEMU exit status {r.status}, expected {EXIT_FAILURE} (the stop screen's exit)")
        if r.serial.count("*** STOP: ") != 1 or STOP_0x80 not in r.serial:
            problems.append("not exactly one '" + STOP_0x80 + "'")
        for text in ("NMI_HARDWARE_FAILURE", "A non-maskable interrupt", "Backtrace (most recent call first):",
                     "The system has been stopped."):
            if text not in r.serial:
                problems.append(f"the stop screen does not say {text!r}")
        tap.ok(not problems, f"monitor nmi at the prompt on {machine} -smp {smp}: 0x80 NMI_HARDWARE_FAILURE",
               diag=failure_diag(problems, r))

        # 2. A registered callback claims it: the kernel carries on.
        r, problem = monitor_nmi(elf, machine, smp, "ktest=nmi_external", r"waiting for an NMI", args.timeout)
        problems = [problem] if problem else []
        if r.status != EXIT_SUCCESS:
            problems.append(f"QEMU exit status {r.status}, expected {EXIT_SUCCESS} (the case passed)")
        if not re.search(r"^\s*ok 1 claims_an_nmi_from_the_monitor$", r.serial, re.M):
            problems.append("the nmi_external case did not pass")
        if "*** STOP" in r.serial:
            problems.append("a stop screen: the claimed NMI was not treated as handled")
        tap.ok(not problems, f"monitor nmi claimed by an NMI callback on {machine} -smp {smp}",
               diag=failure_diag(problems, r))

    # 3. The stop screens.
    runs = [("pc", 2)] if args.quick else [("pc", 2), ("q35", 2), ("pc", 1)]
    for case in CASES:
        for machine, smp in runs:
            run_case = dataclasses.replace(case, smp=smp)
            r = run_qemu(elf, machine=machine, cmdline=f"ktest={case.suite}.{case.name}", timeout=args.timeout,
                         smp=smp)
            problems = check_stop_screen(run_case, r, syms)
            tap.ok(not problems,
                   f"{case.suite}.{case.name} on {machine} -smp {smp}: 0x{case.code:02X} {case.stop_name}",
                   diag=failure_diag(problems, r))
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
