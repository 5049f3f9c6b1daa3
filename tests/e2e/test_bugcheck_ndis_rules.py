#!/usr/bin/env python3
"""test_bugcheck_ndis_rules - the NDIS interrupt rules, named on the stop screen as Windows' Static
Driver Verifier names them (learn.microsoft.com "Init_RegisterInterrupt rule (ndis)",
"Init_DeRegisterInterrupt rule (ndis)", "NdisMDeregisterInterruptEx rule (ndis)",
"Irql_Interrupt_Function rule (ndis)"; kernel/ke/bugcheck_explain.c, kernel/ndis/ndis_verify.h).

Boots build/ktest.elf with an e1000e and one manual ktest case each (the test miniport of
tests/ktest/ndis_test_miniport.c breaking one rule):

  Init_RegisterInterrupt   MiniportHaltEx returns, or MiniportInitializeEx fails, with its
                           interrupt registered: 0x7C, P1 = 0x08, P4 = 0 / the failure status
  Init_DeRegisterInterrupt NdisMDeregisterInterruptEx while the adapter runs: 0x7C, P1 = 0x1001
  NdisMDeregisterInterruptEx  NdisMSynchronizeWithInterruptEx after it: 0x7C, P1 = 0x1002
  Irql_Interrupt_Function  NdisMRegisterInterruptEx at DISPATCH_LEVEL: 0xA, P1 = the routine
  (verifier=ndis)          NdisMRegisterInterruptEx while the adapter runs: 0x7C, P1 = 0x100F,
                           P3 = 2 (running), P4 = the caller

    python3 tests/e2e/test_bugcheck_ndis_rules.py            # pc and q35, -smp 1 and 2
    python3 tests/e2e/test_bugcheck_ndis_rules.py --quick    # pc, -smp 2
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from test_bugcheck import Case, run_suite_cases  # noqa: E402

E1000E = ("-netdev", "user,id=n0", "-device", "e1000e,addr=04.0,netdev=n0")
NDIS = "BUGCODE_NDIS_DRIVER"


def case(suite, name, code, stop, params, explanation):
    return Case(name, code, stop, params, suite=suite, fn=name, fn_in_trace=False, trace=(), extra=E1000E,
                explanation=explanation)


CASES = [
    case("ndis_crash", "crash_halt_without_deregister", 0x7C, NDIS, {1: 0x08, 4: 0},
         "DDI rule Init_RegisterInterrupt: MiniportHaltEx returned with interrupt"),
    case("ndis_register_rule_crash", "crash_initialize_fails_registered", 0x7C, NDIS, {1: 0x08, 4: 0xC0010006},
         "DDI rule Init_RegisterInterrupt: MiniportInitializeEx failed (status 0xc0010006)"),
    case("ndis_crash", "crash_deregister_while_running", 0x7C, NDIS, {1: 0x1001, 4: 2},
         "DDI rule Init_DeRegisterInterrupt: NdisMDeregisterInterruptEx(0x"),
    case("ndis_crash", "crash_synchronize_after_deregister", 0x7C, NDIS, {1: 0x1002},
         "DDI rule NdisMDeregisterInterruptEx:"),
    case("ndis_crash", "crash_register_at_dispatch", 0x0A, "IRQL_NOT_LESS_OR_EQUAL",
         {1: "sym:NdisMRegisterInterruptEx", 2: 2},
         "DDI rule Irql_Interrupt_Function: register_at_dispatch+"),
    case("ndis_register_rule_crash", "crash_register_while_running", 0x7C, NDIS, {1: 0x100F, 3: 2},
         "Rule NdisMRegisterInterruptEx (verifier=ndis): register_while_running+"),
]


def main():
    return run_suite_cases(CASES, __doc__)


if __name__ == "__main__":
    sys.exit(main())
