/* kernel/bus/pci/pcie_slot.h - a PCI Express hot-plug slot's registers: the Slot Capabilities,
 * Slot Control and Slot Status registers of a downstream port's PCI Express Capability, and the
 * Link Status bit that says a device's link is up.
 *
 * References: PCI Express Base Specification 3.0 §7.8 "PCI Express Capability Structure" -
 * §7.8.2 Capabilities (Slot Implemented, Interrupt Message Number), §7.8.6 Link Capabilities
 * (Data Link Layer Link Active Reporting Capable), §7.8.8 Link Status (Data Link Layer Link
 * Active), §7.8.9 Slot Capabilities, §7.8.10 Slot Control, §7.8.11 Slot Status (numbered
 * §7.5.3.x in the 4.0 and later editions); §6.7 "PCI Express Hot-Plug Support"; QEMU 7.2
 * hw/pci/pcie.c (pcie_cap_slot_*), which is what these registers do under -device pcie-root-port.
 *
 * Mechanism only: read, write and wait for one command to complete. What to do with an event
 * is the hot-plug controller's business (pcie_hotplug.c).
 */
#ifndef IRQLAB_PCI_PCIE_SLOT_H
#define IRQLAB_PCI_PCIE_SLOT_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/bus/pci/pci.h"

#define PCI_CAP_ID_EXP 0x10

/* Offsets inside the PCI Express Capability. */
#define PCIE_CAPS 0x02
#define PCIE_LINK_CAPS 0x0C
#define PCIE_LINK_STATUS 0x12
#define PCIE_SLOT_CAPS 0x14
#define PCIE_SLOT_CONTROL 0x18
#define PCIE_SLOT_STATUS 0x1A

#define PCIE_CAPS_PORT_TYPE(v) (((v) >> 4) & 0xF)
#define PCIE_PORT_ROOT 0x4       /* Root Port of a Root Complex */
#define PCIE_PORT_DOWNSTREAM 0x6 /* Downstream Port of a switch */
#define PCIE_CAPS_SLOT_IMPLEMENTED 0x0100
#define PCIE_LINK_CAPS_DLLLA_REPORTING 0x00100000u
#define PCIE_LINK_STATUS_DLLLA 0x2000

/* Slot Capabilities (§7.8.9). */
#define PCIE_SLTCAP_ABP 0x01           /* Attention Button Present */
#define PCIE_SLTCAP_PCP 0x02           /* Power Controller Present */
#define PCIE_SLTCAP_MRLSP 0x04         /* MRL Sensor Present */
#define PCIE_SLTCAP_AIP 0x08           /* Attention Indicator Present */
#define PCIE_SLTCAP_PIP 0x10           /* Power Indicator Present */
#define PCIE_SLTCAP_HPS 0x20           /* Hot-Plug Surprise (may be pulled without warning) */
#define PCIE_SLTCAP_HPC 0x40           /* Hot-Plug Capable */
#define PCIE_SLTCAP_NCCS 0x00040000u   /* No Command Completed Support */
#define PCIE_SLTCAP_PSN(v) ((v) >> 19) /* Physical Slot Number (QEMU: slot=) */

/* Slot Control (§7.8.10). */
#define PCIE_SLTCTL_ABPE 0x0001 /* Attention Button Pressed Enable */
#define PCIE_SLTCTL_PFDE 0x0002 /* Power Fault Detected Enable */
#define PCIE_SLTCTL_MRLSCE 0x0004
#define PCIE_SLTCTL_PDCE 0x0008   /* Presence Detect Changed Enable */
#define PCIE_SLTCTL_CCIE 0x0010   /* Command Completed Interrupt Enable */
#define PCIE_SLTCTL_HPIE 0x0020   /* Hot-Plug Interrupt Enable */
#define PCIE_SLTCTL_AIC 0x00C0    /* Attention Indicator Control */
#define PCIE_SLTCTL_PIC 0x0300    /* Power Indicator Control */
#define PCIE_SLTCTL_PCC 0x0400    /* Power Controller Control: 0 = on, 1 = off */
#define PCIE_SLTCTL_DLLSCE 0x1000 /* Data Link Layer State Changed Enable */
#define PCIE_AIC_SHIFT 6
#define PCIE_PIC_SHIFT 8
enum pcie_indicator { PCIE_IND_ON = 1, PCIE_IND_BLINK = 2, PCIE_IND_OFF = 3 };

/* Slot Status (§7.8.11). The event bits are RW1C: writing 1 clears, writing 0 leaves. */
#define PCIE_SLTSTA_ABP 0x0001   /* Attention Button Pressed */
#define PCIE_SLTSTA_PFD 0x0002   /* Power Fault Detected */
#define PCIE_SLTSTA_MRLSC 0x0004 /* MRL Sensor Changed */
#define PCIE_SLTSTA_PDC 0x0008   /* Presence Detect Changed */
#define PCIE_SLTSTA_CC 0x0010    /* Command Completed */
#define PCIE_SLTSTA_PDS 0x0040   /* Presence Detect State (a state, not an event) */
#define PCIE_SLTSTA_DLLSC 0x0100 /* Data Link Layer State Changed */
#define PCIE_SLTSTA_EVENTS                                                                                             \
    (PCIE_SLTSTA_ABP | PCIE_SLTSTA_PFD | PCIE_SLTSTA_MRLSC | PCIE_SLTSTA_PDC | PCIE_SLTSTA_CC | PCIE_SLTSTA_DLLSC)

struct pcie_slot {
    struct pci_device *port; /* the root (or switch downstream) port the slot hangs off */
    uint8_t cap;             /* offset of its PCI Express Capability */
    uint32_t caps;           /* Slot Capabilities */
    bool link_reporting;     /* Link Capabilities: DLLLA is reported */
};

/* Find the PCI Express Capability of `port` and fill `slot`. False (and why, for a log line) if
 * the function is not a downstream port with a hot-plug capable slot. */
bool pcie_slot_probe(struct pci_device *port, struct pcie_slot *slot, const char **why);

uint16_t pcie_slot_control(const struct pcie_slot *slot);
uint16_t pcie_slot_status(const struct pcie_slot *slot);
/* Clear exactly these RW1C event bits (QEMU reverts a write that clears a bit which was not set:
 * hw/pci/pcie.c pcie_cap_slot_write_config, so callers pass what they read). */
void pcie_slot_clear_events(const struct pcie_slot *slot, uint16_t events);
bool pcie_slot_present(const struct pcie_slot *slot);
bool pcie_slot_link_active(const struct pcie_slot *slot);

/* A new Slot Control value from the current one: replace the bits in `mask` with `value`. */
static inline uint16_t pcie_sltctl_with(uint16_t control, uint16_t mask, uint16_t value)
{
    return (uint16_t)((control & ~mask) | (value & mask));
}
static inline uint16_t pcie_pic(enum pcie_indicator i) { return (uint16_t)(i << PCIE_PIC_SHIFT); }
static inline uint16_t pcie_aic(enum pcie_indicator i) { return (uint16_t)(i << PCIE_AIC_SHIFT); }

/* One write of Slot Control is one command (§6.7.3.2). The write goes out as given; the caller
 * (pcie_hotplug_command.c) waits for Command Completed before the next one. */
void pcie_slot_write_control(const struct pcie_slot *slot, uint16_t control);

/* "on", "blink", "off", "?" */
const char *pcie_indicator_name(unsigned field);

#endif
