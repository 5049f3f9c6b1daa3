#!/usr/bin/env python3
"""test_bugcheck_message_decline - a message-based (MSI) ISR that declines its own device's
interrupts: with verifier=storm, 0xF2 HARDWARE_INTERRUPT_STORM after KE_MESSAGE_DECLINE_LIMIT (3)
in a row (kernel/ke/message_decline.h; docs/verifier.md says why 0xF2).

Boots build/ktest.elf with one edu device and `ktest=message_decline_crash.declining_msi_isr`
(tests/ktest/message_decline_test.c): edu's MSI connected to an ISR that acknowledges edu and
returns FALSE; three raises. P1 = the ISR, P3 = its interrupt object, P4 = 1 (one owner); the
screen names the ISR and says the message is its own device's.

    python3 tests/e2e/test_bugcheck_message_decline.py            # pc and q35, -smp 1 and 2
    python3 tests/e2e/test_bugcheck_message_decline.py --quick    # pc, -smp 2
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from test_bugcheck import Case, run_suite_cases  # noqa: E402

EDU = ("-nic", "none", "-device", "edu")
CASES = [
    Case("declining_msi_isr", 0xF2, "HARDWARE_INTERRUPT_STORM", {1: "sym:declining_msi_isr", 4: 1},
         suite="message_decline_crash", fn="declining_msi_isr", fn_in_trace=False, trace=(), extra=EDU,
         cpu=None,  # the CPU the message targets
         explanation="Message-based ISR declining_msi_isr+0x0 (context 0x0000000000000000) declined 3 "
                     "interrupts in a row on message 0"),
]


def main():
    return run_suite_cases(CASES, __doc__)


if __name__ == "__main__":
    sys.exit(main())
