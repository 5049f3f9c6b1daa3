/* kernel/bus/pci/pci_quirk_e1000e.c - QEMU 7.2's e1000e must not lose MSI-X while a throttle timer
 * is armed; pci_msix_disable calls this first.
 *
 * The model (hw/net/e1000e_core.c in QEMU 7.2; docs/io-manager.md, "QEMU 7.2 quirks met here"):
 *   * Every message on MSI-X vector v arms v's throttle timer (EITR, at least 128 us of QEMU's
 *     virtual clock; writing 0 to EITR still leaves 128 us). A message for v while it runs is
 *     postponed: the timer sends it when it expires - and from then on the "postponed" flag of v
 *     is never cleared, so every later expiry sends v's message again.
 *   * The timer's handler asserts that MSI-X is on: if MSI-X was turned off first, QEMU aborts
 *     ("Assertion `msix_enabled(...)' failed", exit status -6).
 * The timer runs in QEMU's main loop, which a loaded host may run many milliseconds late, so no
 * fixed wait is safe. Instead this waits until each vector's timer has visibly expired: with
 * the vector's table entry masked (messages then only set its Pending Bit Array bit), raise a
 * cause on it until one is postponed - the PBA bit stays clear although the cause was raised,
 * which happens only while the timer runs - and then wait for the PBA bit: only the expiring
 * timer sets it. Nothing re-arms the timer afterwards (all causes stay masked in IMS).
 *
 * Leaves IMS = 0 and EIAC/IVAR/entry masks as found, and the pending bits clear: the caller is
 * taking the device's messages away anyway. A few hundred microseconds per vector when QEMU
 * keeps up; bounded by SETTLE_WAIT_US per vector when it does not.
 */
#include "kernel/bus/pci/pci_quirks.h"

#include "include/wdm.h"
#include "kernel/console/log.h"

#define E1000E_VENDOR 0x8086
#define E1000E_DEVICE 0x10d3
/* 82574L registers (82574 GbE Controller Datasheet, "Register Summary"). */
#define REG_ICR 0xC0
#define REG_ICS 0xC8
#define REG_IMS 0xD0
#define REG_IMC 0xD8
#define REG_EIAC 0xDC
#define REG_IVAR 0xE4
#define REG_PBACLR 0x5B68
#define CAUSE_RXQ0 (1u << 20)
#define IVAR_VALID 0x8u /* IVAR bits 3:0 = RXQ0's vector, bit 3 = valid */

#define SETTLE_ATTEMPTS 100      /* causes raised per vector until one is postponed */
#define SETTLE_WAIT_US 10000000u /* at most this long for one expiry: a generous bound */

static void wr(volatile uint32_t *regs, unsigned reg, uint32_t value) { regs[reg / 4] = value; }

/* One vector: true once its timer was seen to expire (and so is idle). */
static bool settle_vector(struct pci_device *dev, volatile uint32_t *regs, unsigned v)
{
    wr(regs, REG_IVAR, IVAR_VALID | v);
    for (unsigned attempt = 0; attempt < SETTLE_ATTEMPTS; attempt++) {
        wr(regs, REG_PBACLR, 1u << v);
        wr(regs, REG_ICR, CAUSE_RXQ0); /* a cause still set would not be "new" and send nothing */
        wr(regs, REG_ICS, CAUSE_RXQ0);
        if (pci_msix_pending(dev, v))
            continue; /* sent at once: the timer was idle and is armed now - go again */
        /* Postponed: the timer runs, and its expiry will send the message (to the PBA). */
        for (uint32_t waited = 0; waited < SETTLE_WAIT_US; waited += 50) {
            if (pci_msix_pending(dev, v))
                return true;
            KeStallExecutionProcessor(50);
        }
        return false;
    }
    return false;
}

bool pci_quirk_before_msix_disable(struct pci_device *dev)
{
    if (dev->vendor_id != E1000E_VENDOR || dev->device_id != E1000E_DEVICE || !pci_msix_map(dev))
        return true;
    volatile uint32_t *regs = (volatile uint32_t *)pci_map_bar(dev, 0);
    if (!regs)
        return false;
    uint32_t ivar = regs[REG_IVAR / 4], eiac = regs[REG_EIAC / 4];
    bool masked[8] = {false};
    unsigned vectors = dev->msix.table_size < 8 ? dev->msix.table_size : 8;
    for (unsigned v = 0; v < vectors; v++) {
        (void)pci_msix_read_entry(dev, v, NULL, NULL, &masked[v]);
        pci_msix_mask(dev, v, true);
    }
    wr(regs, REG_IMC, 0xFFFFFFFFu);
    wr(regs, REG_EIAC, 0); /* auto-clear would also drop the cause from IMS */
    wr(regs, REG_IMS, CAUSE_RXQ0);
    bool settled = true;
    for (unsigned v = 0; v < vectors; v++)
        settled = settle_vector(dev, regs, v) && settled;
    wr(regs, REG_IMC, 0xFFFFFFFFu);
    wr(regs, REG_ICR, CAUSE_RXQ0);
    wr(regs, REG_PBACLR, (1u << vectors) - 1);
    wr(regs, REG_IVAR, ivar);
    wr(regs, REG_EIAC, eiac);
    for (unsigned v = 0; v < vectors; v++)
        pci_msix_mask(dev, v, masked[v]);
    log_debug("pci: %s: e1000e throttle timers settled before MSI-X goes off", dev->label);
    if (!settled)
        log_warn("pci: %s: an e1000e throttle timer did not expire in time; QEMU 7.2 may abort", dev->label);
    return settled;
}
