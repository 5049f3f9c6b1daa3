/* kernel/bus/pci/pcie_slot.c - a hot-plug slot's registers (see pcie_slot.h).
 *
 * PCI Express Base Specification 3.0 §7.8.2, §7.8.9-§7.8.11; QEMU 7.2 hw/pci/pcie.c
 * (pcie_cap_slot_init sets Hot-Plug Capable, Attention Button, Power Controller and both
 * indicators for a pcie-root-port unless it is created with hotplug=off).
 */
#include "kernel/bus/pci/pcie_slot.h"

#include "kernel/bus/pci/pci_decode.h"
#include "kernel/bus/pci/pci_internal.h"

bool pcie_slot_probe(struct pci_device *port, struct pcie_slot *slot, const char **why)
{
    struct pci_address a = port->address;
    uint8_t cap = pci_cap_find(pci_config_read8_cb, &a, pci_config_read16(a, PCI_STATUS), PCI_CAP_ID_EXP);
    if (!cap) {
        *why = "no PCI Express capability";
        return false;
    }
    uint16_t caps = pci_config_read16(a, (uint8_t)(cap + PCIE_CAPS));
    unsigned type = PCIE_CAPS_PORT_TYPE(caps);
    if (type != PCIE_PORT_ROOT && type != PCIE_PORT_DOWNSTREAM) {
        *why = "not a root or downstream port";
        return false;
    }
    if (!(caps & PCIE_CAPS_SLOT_IMPLEMENTED)) {
        *why = "no slot implemented";
        return false;
    }
    slot->port = port;
    slot->cap = cap;
    slot->caps = pci_config_read32(a, (uint8_t)(cap + PCIE_SLOT_CAPS));
    slot->link_reporting =
        (pci_config_read32(a, (uint8_t)(cap + PCIE_LINK_CAPS)) & PCIE_LINK_CAPS_DLLLA_REPORTING) != 0;
    if (!(slot->caps & PCIE_SLTCAP_HPC)) {
        *why = "slot is not Hot-Plug Capable (Slot Capabilities bit 6 clear)";
        return false;
    }
    return true;
}

uint16_t pcie_slot_control(const struct pcie_slot *slot)
{
    return pci_config_read16(slot->port->address, (uint8_t)(slot->cap + PCIE_SLOT_CONTROL));
}

uint16_t pcie_slot_status(const struct pcie_slot *slot)
{
    return pci_config_read16(slot->port->address, (uint8_t)(slot->cap + PCIE_SLOT_STATUS));
}

void pcie_slot_clear_events(const struct pcie_slot *slot, uint16_t events)
{
    if (events & PCIE_SLTSTA_EVENTS)
        pci_config_write16(slot->port->address, (uint8_t)(slot->cap + PCIE_SLOT_STATUS),
                           (uint16_t)(events & PCIE_SLTSTA_EVENTS));
}

bool pcie_slot_present(const struct pcie_slot *slot) { return (pcie_slot_status(slot) & PCIE_SLTSTA_PDS) != 0; }

bool pcie_slot_link_active(const struct pcie_slot *slot)
{
    return (pci_config_read16(slot->port->address, (uint8_t)(slot->cap + PCIE_LINK_STATUS)) & PCIE_LINK_STATUS_DLLLA) !=
           0;
}

void pcie_slot_write_control(const struct pcie_slot *slot, uint16_t control)
{
    pci_config_write16(slot->port->address, (uint8_t)(slot->cap + PCIE_SLOT_CONTROL), control);
}

const char *pcie_indicator_name(unsigned field)
{
    static const char *const names[] = {"reserved", "on", "blink", "off"};
    return names[field & 3];
}
