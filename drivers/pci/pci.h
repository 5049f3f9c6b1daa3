/* drivers/pci/pci.h - the PCI bus: every function found at boot, its BARs, its interrupt
 * wiring (INTx pin -> GSI) and its MSI / MSI-X capabilities.
 *
 * References: PCI Local Bus Specification 3.0 §6.1 (configuration header), §6.2.5 (BARs),
 * §6.7 (capabilities list), §6.8.1 (MSI), PCI Express Base 3.0 §7.7 (MSI-X); the INTx wiring
 * of QEMU's pc (PIIX3) and q35 (ICH9) boards is in ../shared/reference/qemu-devices.md §7.
 *
 * Mechanism, not policy: this module finds and programs things; which interrupt kind a device
 * gets and which vectors are used is decided by the I/O manager (kernel/io/).
 */
#ifndef IRQLAB_PCI_PCI_H
#define IRQLAB_PCI_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/pci/pci_config.h"

#define PCI_MAX_DEVICES 64
#define PCI_BAR_COUNT 6

enum pci_bar_kind { PCI_BAR_NONE = 0, PCI_BAR_IO, PCI_BAR_MEM32, PCI_BAR_MEM64 };

struct pci_bar {
    enum pci_bar_kind kind;
    bool prefetchable;
    uint64_t base;   /* physical address (memory) or port number (I/O) */
    uint64_t size;   /* from the all-ones sizing probe */
};

struct pci_msi_info {
    bool present;
    uint8_t offset;          /* capability offset in configuration space */
    unsigned max_messages;   /* 1, 2, 4, 8, 16 or 32 (Multiple Message Capable) */
    bool address_64;
    bool per_vector_masking;
};

struct pci_msix_info {
    bool present;
    uint8_t offset;
    unsigned table_size;     /* number of entries (Table Size + 1) */
    uint8_t table_bar;       /* BIR */
    uint32_t table_offset;
    uint8_t pba_bar;
    uint32_t pba_offset;
    volatile uint32_t *table; /* mapped by pci_msix_map (NULL until then) */
};

struct pci_device {
    struct pci_address address;
    uint16_t vendor_id, device_id;
    uint8_t class_code, subclass, prog_if, revision;
    uint8_t header_type;
    struct pci_bar bars[PCI_BAR_COUNT];
    uint8_t interrupt_pin;   /* 0 = none, 1 = INTA# .. 4 = INTD# */
    uint8_t interrupt_line;  /* what the firmware wrote at 0x3C */
    bool has_gsi;            /* the pin is wired to an IOAPIC input we know */
    uint32_t gsi;            /* ... this one */
    bool gsi_level, gsi_active_low;
    struct pci_msi_info msi;
    struct pci_msix_info msix;
};

/* Scan every bus (configuration mechanism #1), fill the device table, derive INTx GSIs. */
void pci_init(void);
unsigned pci_device_count(void);
struct pci_device *pci_device_at(unsigned index);
struct pci_device *pci_find(uint16_t vendor, uint16_t device, unsigned nth);

/* Command register helpers. */
void pci_enable_memory(struct pci_device *dev);
void pci_enable_io(struct pci_device *dev);
void pci_enable_bus_master(struct pci_device *dev);
void pci_set_intx_disabled(struct pci_device *dev, bool disabled);
bool pci_intx_asserted(struct pci_device *dev);     /* Status bit 3 */
/* Map a memory BAR uncached; returns its virtual address or NULL. */
volatile void *pci_map_bar(struct pci_device *dev, unsigned bar);

/* MSI: program `count` messages (a power of two <= max_messages) starting at `data`
 * (whose low log2(count) bits must be 0), then enable; disable turns MSI off again. */
bool pci_msi_enable(struct pci_device *dev, uint64_t address, uint32_t data, unsigned count);
void pci_msi_disable(struct pci_device *dev);
/* Per-vector mask (only when per_vector_masking); false if the device cannot. */
bool pci_msi_mask(struct pci_device *dev, unsigned message, bool masked);
bool pci_msi_enabled(struct pci_device *dev);

/* MSI-X: map the table, write one entry (masked until unmasked), enable / disable. */
bool pci_msix_map(struct pci_device *dev);
bool pci_msix_set_entry(struct pci_device *dev, unsigned entry, uint64_t address, uint32_t data);
bool pci_msix_mask(struct pci_device *dev, unsigned entry, bool masked);
bool pci_msix_read_entry(struct pci_device *dev, unsigned entry, uint64_t *address, uint32_t *data, bool *masked);
void pci_msix_enable(struct pci_device *dev);
void pci_msix_disable(struct pci_device *dev);
bool pci_msix_enabled(struct pci_device *dev);

/* `lspci` for people: one block per function, at most 80 columns. */
void pci_print(void);

#endif
