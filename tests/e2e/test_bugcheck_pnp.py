#!/usr/bin/env python3
"""test_bugcheck_pnp - Driver Verifier's unload rule: a driver unloaded with something of it left
stops with Bug Check 0xCE DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS (learn.microsoft.com
"Bug Check 0xCE"; kernel/io/pnp_driver.c).

Boots build/ktest.elf with one edu device and `ktest=pnp_crash.<case>`
(tests/ktest/pnp_crash_test.c): the WDM test driver pnpleaky gets the edu device (edu unloaded
first) and is unloaded with `drivers unload`'s routine, io_driver_unload:

    unload_with_interrupt_connected  REMOVE never disconnected: P1 = the ISR, P2 = 0, P3 = the
                                     KINTERRUPT, P4 = the DRIVER_OBJECT; the screen names the driver
    unload_with_device_object        REMOVE never deleted its FDO: P1 = 0, P2 = 0, P3 = the device
    unload_with_timer_set            REMOVE never cancelled its timer: P1 = the timer's DPC routine,
                                     P2 = 0, P3 = the KTIMER

    python3 tests/e2e/test_bugcheck_pnp.py            # pc and q35, -smp 1 and 2
    python3 tests/e2e/test_bugcheck_pnp.py --quick    # pc, -smp 2
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from test_bugcheck import Case, run_suite_cases  # noqa: E402

SUITE = "pnp_crash"
EDU = ("-nic", "none", "-device", "edu")
CASES = [
    Case("unload_with_interrupt_connected", 0xCE, "DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS",
         {1: "sym:LeakyMessageIsr", 2: 0}, suite=SUITE, fn="unload_with_interrupt_connected", fn_in_trace=False,
         trace=("io_driver_unload",), extra=EDU,
         explanation="Driver pnpleaky was unloaded with interrupt object"),
    Case("unload_with_device_object", 0xCE, "DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS",
         {1: 0, 2: 0}, suite=SUITE, fn="unload_with_device_object", fn_in_trace=False,
         trace=("io_driver_unload",), extra=EDU,
         explanation="Driver pnpleaky was unloaded with device object"),
    Case("unload_with_timer_set", 0xCE, "DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS",
         {1: "sym:LeakyTimerDpc", 2: 0}, suite=SUITE, fn="unload_with_timer_set", fn_in_trace=False,
         trace=("io_driver_unload",), extra=EDU,
         explanation="Driver pnpleaky was unloaded with timer"),
]


def main():
    return run_suite_cases(CASES, __doc__)


if __name__ == "__main__":
    sys.exit(main())
