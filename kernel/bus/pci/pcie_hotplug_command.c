/* kernel/bus/pci/pcie_hotplug_command.c - Slot Control commands, the power controller and the
 * indicators of a hot-plug slot.
 *
 * PCI Express Base Specification 3.0 §6.7.3.2 "Command Completed Events": "a single write to the
 * Slot Control register is considered to be a single command"; the port sets Command Completed
 * when it has carried it out, and software waits for that before the next command - or, "if the
 * status field is not set after the 1-second time limit has expired, software is permitted to
 * repeat the command or to issue the next command". A port with No Command Completed Support
 * (Slot Capabilities bit 18) takes commands back to back. §6.7.1.8 power controller; §6.7.1.1
 * attention and §6.7.1.2 power indicators (on / blink / off); §6.6.1: after a link comes up,
 * wait 100 ms before the first configuration request to the device behind it.
 *
 * QEMU 7.2 hw/pci/pcie.c pcie_cap_slot_write_config completes every command at once and raises
 * Command Completed; it takes "power controller off and power indicator off", written in one
 * command, as the moment the device may be detached (pcie_sltctl_powered_off), which is why
 * pcie_hp_power_off writes them together.
 */
#include "kernel/bus/pci/pcie_hotplug.h"

#include "kernel/console/log.h"

#define COMMAND_TIMEOUT_MS 1000 /* §6.7.3.2 */
#define LINK_TIMEOUT_MS 1000    /* §6.7.3.3: the link trains within 1 s (Linux pciehp waits as long) */
#define LINK_POLL_MS 10
#define LINK_SETTLE_MS 100 /* §6.6.1 */

static LARGE_INTEGER relative_ms(LONG ms)
{
    LARGE_INTEGER t;
    t.QuadPart = -(LONGLONG)ms * 10000; /* negative: relative, in 100 ns units */
    return t;
}

static void sleep_ms(LONG ms)
{
    LARGE_INTEGER t = relative_ms(ms);
    KeDelayExecutionThread(KernelMode, FALSE, &t);
}

/* Without the interrupt (before it is connected, or CCIE off) the status bit is polled and
 * cleared here; with it the ISR clears it and the DPC sets command_done. */
static bool wait_polled(struct pcie_hp_slot *s)
{
    for (unsigned waited = 0; waited < COMMAND_TIMEOUT_MS; waited += LINK_POLL_MS) {
        uint16_t status = pcie_slot_status(&s->slot);
        if (status & PCIE_SLTSTA_CC) {
            pcie_slot_clear_events(&s->slot, PCIE_SLTSTA_CC);
            return true;
        }
        sleep_ms(LINK_POLL_MS);
    }
    return false;
}

void pcie_hp_command(struct pcie_hp_slot *s, uint16_t mask, uint16_t value)
{
    uint16_t control = pcie_sltctl_with(pcie_slot_control(&s->slot), mask, value);
    bool nccs = (s->slot.caps & PCIE_SLTCAP_NCCS) != 0;
    if (s->command_irq)
        KeClearEvent(&s->command_done);
    pcie_slot_write_control(&s->slot, control);
    if (nccs)
        return;
    bool done;
    if (s->command_irq) {
        LARGE_INTEGER timeout = relative_ms(COMMAND_TIMEOUT_MS);
        done = KeWaitForSingleObject(&s->command_done, Executive, KernelMode, FALSE, &timeout) == STATUS_SUCCESS;
    } else {
        done = wait_polled(s);
    }
    if (!done) {
        s->counts.command_timeouts++;
        log_warn("pciehp: %s: no Command Completed within 1 s for Slot Control 0x%04x; going on (PCIe 6.7.3.2)",
                 s->slot.port->label, control);
    }
}

void pcie_hp_set_indicators(struct pcie_hp_slot *s, enum pcie_indicator power, enum pcie_indicator attention)
{
    uint16_t mask = 0, value = 0;
    if (s->slot.caps & PCIE_SLTCAP_PIP) {
        mask |= PCIE_SLTCTL_PIC;
        value |= pcie_pic(power);
    }
    if (s->slot.caps & PCIE_SLTCAP_AIP) {
        mask |= PCIE_SLTCTL_AIC;
        value |= pcie_aic(attention);
    }
    if (mask)
        pcie_hp_command(s, mask, value);
}

bool pcie_hp_power_on(struct pcie_hp_slot *s)
{
    if (s->slot.caps & PCIE_SLTCAP_PCP)
        pcie_hp_command(s, PCIE_SLTCTL_PCC, 0); /* 0 = power on */
    s->counts.power_on++;
    if (s->slot.link_reporting) {
        unsigned waited = 0;
        while (!pcie_slot_link_active(&s->slot) && waited < LINK_TIMEOUT_MS) {
            sleep_ms(LINK_POLL_MS);
            waited += LINK_POLL_MS;
        }
        if (!pcie_slot_link_active(&s->slot)) {
            log_warn("pciehp: %s: link not active %u ms after power-on", s->slot.port->label, LINK_TIMEOUT_MS);
            return false;
        }
    }
    sleep_ms(LINK_SETTLE_MS); /* §6.6.1: 100 ms from link up to the first configuration request */
    return true;
}

void pcie_hp_power_off(struct pcie_hp_slot *s)
{
    uint16_t mask = 0, value = 0;
    if (s->slot.caps & PCIE_SLTCAP_PCP) {
        mask |= PCIE_SLTCTL_PCC;
        value |= PCIE_SLTCTL_PCC; /* 1 = power off */
    }
    if (s->slot.caps & PCIE_SLTCAP_PIP) {
        mask |= PCIE_SLTCTL_PIC;
        value |= pcie_pic(PCIE_IND_OFF);
    }
    if (mask)
        pcie_hp_command(s, mask, value);
    s->counts.power_off++;
}
