/* kernel/bus/pci/pci.h - the PCI bus: every function found at boot, its BARs, its interrupt
 * wiring (INTx pin -> GSI) and its MSI / MSI-X capabilities.
 *
 * References: PCI Local Bus Specification 3.0 §6.1 (configuration header), §6.2.5 (BARs),
 * §6.7 (capabilities list), §6.8.1 (MSI), PCI Express Base 3.0 §7.7 (MSI-X); the INTx wiring
 * of QEMU's pc (PIIX3) and q35 (ICH9) boards is in QEMU 7.2 hw/isa/piix3.c and lpc_ich9.c.
 *
 * Mechanism, not policy: this module finds and programs things; which interrupt kind a device
 * gets and which vectors are used is decided by the I/O manager (kernel/io/).
 */
#ifndef IRQLAB_PCI_PCI_H
#define IRQLAB_PCI_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/pci_config.h"

#define PCI_MAX_DEVICES 64
#define PCI_BAR_COUNT 6
#define PCI_MAX_CAPS 12          /* capabilities remembered per function (for pci_print) */

struct ke_source;

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
    volatile uint64_t *pba;   /* Pending Bit Array, mapped by pci_msix_map */
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

    /* Added by the bus driver (pci_scan.c, pci_intx.c). */
    char label[12];          /* "00:03.0": the address as text, for logs and ke_source labels */
    uint16_t command_at_boot;   /* the Command register as the firmware left it */
    int parent;              /* index of the bridge this function sits behind, -1 on bus 0 */
    uint8_t secondary_bus;   /* header type 1 (PCI-to-PCI bridge): the bus behind it */
    uint8_t subordinate_bus; /* ... and the highest bus number below it */
    uint8_t root_slot;       /* INTx: the bus-0 slot and pin the interrupt finally arrives on */
    uint8_t root_pin;        /*   (after swizzling through every bridge; = own slot/pin on bus 0) */
    bool has_pirq;           /* the chipset PIRQ line that carries it is known ... */
    uint8_t pirq;            /* ... 0 = PIRQA .. 7 = PIRQH */
    bool removed;            /* hot-removed: skipped by lookups, reused at the same address */
    uint8_t cap_count;       /* capabilities found (only the first PCI_MAX_CAPS are kept) */
    bool caps_broken;        /* the list had a bad pointer or a loop and was cut */
    struct {
        uint8_t id, offset;
    } caps[PCI_MAX_CAPS];
};

/* Which chipset owns the PCI interrupt lines (pci_intx.c). Detected by IDs, never by AML. */
enum pci_board {
    PCI_BOARD_UNKNOWN = 0, /* INTx from Interrupt Line + MADT override, with a warning */
    PCI_BOARD_PC,          /* i440FX host bridge 8086:1237 + PIIX3: PIRQA-D -> ISA IRQs */
    PCI_BOARD_Q35,         /* Q35 + ICH9 LPC 8086:2918 at 00:1f.0: PIRQA-H -> GSI 16-23 */
};

/* Scan every bus (configuration mechanism #1), fill the device table, derive INTx GSIs.
 * The GSI is where the pin really arrives, which is not always the Interrupt Line register:
 * on q35 it is the ICH9's native PIRQ input (GSI 16-23, level, active low) and the ISA IRQ that
 * SeaBIOS wrote into Interrupt Line (a mirror of the same signal) must stay masked; on pc it is
 * Interrupt Line through the MADT (10/11, level, active high). pci_intx.c explains why. */
void pci_init(void);
unsigned pci_device_count(void);
struct pci_device *pci_device_at(unsigned index);
struct pci_device *pci_find(uint16_t vendor, uint16_t device, unsigned nth);
/* The function at bus:device.function, or NULL. */
struct pci_device *pci_find_address(uint8_t bus, uint8_t device, uint8_t function);
unsigned pci_bus_count(void);          /* buses that were scanned (bus 0 + one per bridge) */
enum pci_board pci_board(void);
const char *pci_board_name(void);      /* "pc/PIIX3", "q35/ICH9", "unknown" */

/* Command register helpers. */
void pci_enable_memory(struct pci_device *dev);
void pci_enable_io(struct pci_device *dev);
void pci_enable_bus_master(struct pci_device *dev);
void pci_set_intx_disabled(struct pci_device *dev, bool disabled);
bool pci_intx_asserted(struct pci_device *dev);     /* Status bit 3 */
/* Map a memory BAR uncached; returns its virtual address or NULL. */
volatile void *pci_map_bar(struct pci_device *dev, unsigned bar);

/* MSI: program `count` messages (a power of two <= max_messages) starting at `data`
 * (whose low log2(count) bits must be 0), then enable; disable turns MSI off again.
 * Enabling also sets INTx Disable in the Command register: a function uses MSI or its pin, never
 * both. Disabling does NOT clear INTx Disable again: turning a (possibly shared, level) line back
 * on is a decision for whoever connects an ISR to it - call pci_set_intx_disabled(dev, false)
 * after connecting. Enable fails (false) if MSI-X is enabled: use one or the other. */
bool pci_msi_enable(struct pci_device *dev, uint64_t address, uint32_t data, unsigned count);
void pci_msi_disable(struct pci_device *dev);
/* Move live MSI to a new address / data without turning Enable off (pci_msi_retarget_plan in
 * pci_decode.h says how); not enabled -> pci_msi_enable. False as pci_msi_enable. */
bool pci_msi_retarget(struct pci_device *dev, uint64_t address, uint32_t data, unsigned count);

/* Per-vector mask (only when per_vector_masking); false if the device cannot. */
bool pci_msi_mask(struct pci_device *dev, unsigned message, bool masked);
bool pci_msi_enabled(struct pci_device *dev);
/* Read back what the capability holds: address, data, messages enabled (MME). False without MSI. */
bool pci_msi_read(struct pci_device *dev, uint64_t *address, uint32_t *data, unsigned *count);
/* Describe message `message` of dev's MSI for ke_route_message (kernel/ke/irq_route.h): the
 * label and, when the device has per-vector masking, mask/unmask hooks; without it the hooks stay
 * NULL ("cannot be masked"). `label` may be NULL (then dev->label, "00:03.0"); it must outlive
 * the route. controller_context = dev, message = `message`. */
void pci_msi_source(struct pci_device *dev, unsigned message, const char *label, struct ke_source *out);

/* MSI-X: map the table, write one entry (masked until unmasked), enable / disable.
 * pci_msix_enable turns MSI off if it was on, sets INTx Disable (same rule as MSI: disable leaves
 * it set) and opens the function with Function Mask set, then clears Function Mask, so no entry
 * can fire half-programmed. Entries keep their own mask bits: unmask them with pci_msix_mask (or
 * let ke_interrupt_connect do it through the pci_msix_source hooks). */
bool pci_msix_map(struct pci_device *dev);
bool pci_msix_set_entry(struct pci_device *dev, unsigned entry, uint64_t address, uint32_t data);
bool pci_msix_mask(struct pci_device *dev, unsigned entry, bool masked);
bool pci_msix_read_entry(struct pci_device *dev, unsigned entry, uint64_t *address, uint32_t *data, bool *masked);
void pci_msix_enable(struct pci_device *dev);
void pci_msix_disable(struct pci_device *dev);
bool pci_msix_enabled(struct pci_device *dev);
/* The entry's Pending Bit (a message that arrived while it was masked). False if not mapped. */
bool pci_msix_pending(struct pci_device *dev, unsigned entry);
/* As pci_msi_source, for MSI-X table entry `entry`: the hooks flip the entry's mask bit. */
void pci_msix_source(struct pci_device *dev, unsigned entry, const char *label, struct ke_source *out);

/* `lspci` for people: one block per function, at most 80 columns. */
void pci_print(void);

#endif
