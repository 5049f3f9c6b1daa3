/* kernel/bus/pci/pcie_hotplug_print.c - the shell's `slots`: every PCI Express hot-plug slot, its
 * state, power, presence, link and indicators as the registers say now (PCI Express Base
 * Specification 3.0 §7.8.10-§7.8.11), and what its controller has counted.
 */
#include "kernel/bus/pci/pcie_hotplug.h"

#include "kernel/console/console.h"

void pcie_hp_print(void)
{
    if (pci_board() != PCI_BOARD_Q35) {
        console_printf("PCIe native hot-plug is not available on this board (%s): it has no PCI Express\n"
                       "root ports. Boot with MACHINE=q35 HOTPLUG=1 (docs/hotplug.md).\n",
                       pci_board_name());
        return;
    }
    if (pcie_hp_slot_count() == 0) {
        console_printf("no hot-plug capable PCI Express port (boot with `make run MACHINE=q35 HOTPLUG=1`,\n"
                       "which adds pcie-root-port devices; docs/hotplug.md)\n");
        return;
    }
    console_printf("slot port     bus state      power present link PI    AI    device\n");
    for (unsigned i = 0; i < pcie_hp_slot_count(); i++) {
        struct pcie_hp_slot *s = pcie_hp_slot_at(i);
        uint16_t control = pcie_slot_control(&s->slot);
        uint16_t status = pcie_slot_status(&s->slot);
        bool powered = !(s->slot.caps & PCIE_SLTCAP_PCP) || !(control & PCIE_SLTCTL_PCC);
        console_printf("%-4u %-8s %3u %-10s %-5s %-7s %-4s %-5s %-5s", (unsigned)PCIE_SLTCAP_PSN(s->slot.caps),
                       s->slot.port->label, s->slot.port->secondary_bus, pcie_hp_state_name(s->state),
                       powered ? "on" : "off", status & PCIE_SLTSTA_PDS ? "yes" : "no",
                       !s->slot.link_reporting           ? "-"
                       : pcie_slot_link_active(&s->slot) ? "up"
                                                         : "down",
                       pcie_indicator_name((control & PCIE_SLTCTL_PIC) >> PCIE_PIC_SHIFT),
                       pcie_indicator_name((control & PCIE_SLTCTL_AIC) >> PCIE_AIC_SHIFT));
        if (s->state == PCIE_HP_ON && s->function_count)
            console_printf(" %s %04x:%04x%s\n", s->functions[0]->label, s->functions[0]->vendor_id,
                           s->functions[0]->device_id, s->function_count > 1 ? " +" : "");
        else
            console_printf(" -\n");
        const struct pcie_hp_counts *c = &s->counts;
        console_printf("     events: interrupts=%lu button=%lu presence=%lu link=%lu command=%lu\n",
                       (unsigned long)c->interrupts, (unsigned long)c->button, (unsigned long)c->presence,
                       (unsigned long)c->link, (unsigned long)c->command);
        console_printf("     power_on=%lu power_off=%lu added=%lu removed=%lu surprise=%lu aborted=%lu vetoed=%lu\n",
                       (unsigned long)c->power_on, (unsigned long)c->power_off, (unsigned long)c->added,
                       (unsigned long)c->removed, (unsigned long)c->surprise_removed, (unsigned long)c->aborted,
                       (unsigned long)c->vetoed);
    }
}
