/* tests/ktest/msix_helpers.h - waiting for message interrupts by condition, never by a fixed delay.
 *
 * Two facts make MSI-X tests on QEMU 7.2's e1000e depend on host speed unless they wait for the
 * right thing (QEMU 7.2 hw/net/e1000e_core.c; docs/io-manager.md):
 *   * After every message a vector's throttle timer (EITR, at least 128 us of QEMU's virtual
 *     clock) runs in QEMU's main loop. Once a message has been postponed by it, the vector's
 *     "pending" flag is never cleared, so from then on every expiry of that timer sends the
 *     message again: a re-send with no new cause. How many re-sends a test sees, and when,
 *     depends on how fast the host runs QEMU's threads.
 *   * If MSI-X is turned off while such a timer is still armed, QEMU aborts ("Assertion
 *     msix_enabled(...) failed"). A loaded host can run the main loop many milliseconds late,
 *     so no fixed stall is long enough.
 * So the tests count "at least" and drain what is in flight before judging "nothing arrived";
 * pci_msix_disable waits for the timers itself (kernel/bus/pci/pci_quirk_e1000e.c). */
#ifndef IRQLAB_TESTS_MSIX_HELPERS_H
#define IRQLAB_TESTS_MSIX_HELPERS_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/bus/pci/pci.h"

/* Wait until CPU `cpu` has taken every interrupt on `vector` that was already sent to it: a DPC
 * on that CPU (which runs only once nothing above DISPATCH_LEVEL is pending there) waits for
 * the vector's IRR bit to clear. Returns false if that did not happen within `ms`. */
bool test_drain_vector(uint32_t cpu, uint8_t vector, unsigned ms);

/* e1000e (82574L) `dev` with MSI-X on, registers at `regs`, table entry `entry` masked and
 * RXQ0 mapped to it (IVAR) and enabled (IMS), EIAC 0: make the device re-send that entry's
 * message after every later one, as it does after any two RX events within 128 us - raise RXQ0
 * until one is postponed by the throttle timer, then wait for the timer to send it (to the PBA)
 * and clear the PBA again. False if no cause was postponed or the timer did not fire in `ms`. */
bool e1000e_test_make_resend(struct pci_device *dev, volatile uint32_t *regs, unsigned entry, unsigned ms);

#endif
