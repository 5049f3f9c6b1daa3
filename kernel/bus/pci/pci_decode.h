/* kernel/bus/pci/pci_decode.h - the arithmetic of PCI, with no hardware access: BAR decoding and
 * sizing (PCI Local Bus Specification 3.0 §6.2.5.1), the capability-list walk (§6.7), the MSI
 * and MSI-X register layouts (§6.8.1, §6.8.2 / PCI Express Base 3.0 §7.7) and the INTx wiring
 * formulas of QEMU's two PC boards (QEMU 7.2 hw/isa/piix3.c, hw/isa/lpc_ich9.c).
 *
 * Everything here is pure, so tests/unit/test_pci_decode.c runs it on the host against fake
 * configuration spaces. The kernel side (pci_scan.c, pci_intx.c, pci_msi.c, pci_msix.c) reads
 * the real registers and hands the values to these functions.
 */
#ifndef IRQLAB_PCI_DECODE_H
#define IRQLAB_PCI_DECODE_H

#include <stdbool.h>
#include <stdint.h>

/* ---- Base Address Registers (PCI 3.0 §6.2.5.1) ------------------------------------------------
 *
 * A BAR says where a device's registers live and, implicitly, how big the window is. Bit 0 tells
 * I/O (1) from memory (0). For memory, bits 2:1 give the type (00 = anywhere in 32-bit space,
 * 10 = anywhere in 64-bit space: this BAR and the next form one 64-bit address) and bit 3 says
 * "prefetchable". The size is found by writing all ones and reading back: the device keeps the
 * address bits it decodes read-only zero, so the lowest bit that reads back as 1 is the size. */
#define PCI_BAR_IO_FLAG 0x1u
#define PCI_BAR_MEM_TYPE_MASK 0x6u
#define PCI_BAR_MEM_TYPE_32 0x0u
#define PCI_BAR_MEM_TYPE_1M 0x2u /* PCI 2.x "below 1 MiB", reserved since 3.0; read as 32-bit */
#define PCI_BAR_MEM_TYPE_64 0x4u
#define PCI_BAR_MEM_PREFETCH 0x8u
#define PCI_BAR_IO_ADDRESS_MASK 0xFFFFFFFCu
#define PCI_BAR_MEM_ADDRESS_MASK 0xFFFFFFF0u

enum pci_bar_decode_kind { PCI_DECODED_NONE = 0, PCI_DECODED_IO, PCI_DECODED_MEM32, PCI_DECODED_MEM64 };

struct pci_bar_decoded {
    enum pci_bar_decode_kind kind;
    bool prefetchable;
    uint64_t base;
    uint64_t size;
    unsigned slots; /* BAR registers used: 2 for a 64-bit BAR, else 1 */
    bool truncated; /* a 64-bit BAR in the last slot: no room for its upper half (kind NONE) */
};

/* Decode one BAR. `original` / `probe` are the register before and after the all-ones write;
 * for a 64-bit BAR `original_high` / `probe_high` are the next register's (pass 0 otherwise, and
 * `has_next` = false when this is the last BAR slot). A probe that reads back 0 means the BAR is
 * not implemented. */
struct pci_bar_decoded pci_bar_decode(uint32_t original, uint32_t probe, bool has_next, uint32_t original_high,
                                      uint32_t probe_high);

/* "1M", "128K", "32", "4G": the size for people (exact powers of two get a unit). */
void pci_format_size(uint64_t size, char *buf, unsigned buf_size);

/* ---- the capability list (PCI 3.0 §6.7) --------------------------------------------------------
 *
 * If Status bit 4 is set, the byte at 0x34 points to the first capability; each capability starts
 * with an ID byte and a "next" byte. Pointers lie in the device-specific area (0x40-0xFF) and
 * their bottom two bits are reserved: software masks them off. A broken or malicious device can
 * point back into the list, so the walk stops after 48 entries: that many 4-byte capabilities fill
 * the 192 bytes above the header, so a 49th must be a loop. */
#define PCI_STATUS_CAP_LIST 0x0010u
#define PCI_CAP_POINTER 0x34
#define PCI_CAP_MIN_OFFSET 0x40
#define PCI_CAP_MAX_ENTRIES 48

#define PCI_CAP_ID_PM 0x01
#define PCI_CAP_ID_AGP 0x02
#define PCI_CAP_ID_VPD 0x03
#define PCI_CAP_ID_SLOT_ID 0x04
#define PCI_CAP_ID_MSI 0x05
#define PCI_CAP_ID_VENDOR 0x09
#define PCI_CAP_ID_SHPC 0x0C
#define PCI_CAP_ID_BRIDGE_SUBSYS 0x0D
#define PCI_CAP_ID_PCIE 0x10
#define PCI_CAP_ID_MSIX 0x11
#define PCI_CAP_ID_SATA 0x12
#define PCI_CAP_ID_AF 0x13

typedef uint8_t (*pci_read8_fn)(void *context, uint8_t offset);

enum pci_cap_walk_status {
    PCI_CAPS_OK = 0,
    PCI_CAPS_NONE,        /* Status bit 4 clear: the device has no list */
    PCI_CAPS_BAD_POINTER, /* a pointer into the header (< 0x40): the list is cut there */
    PCI_CAPS_LOOP,        /* more than 48 entries: a cycle; the list is cut there */
};

struct pci_cap_entry {
    uint8_t id;
    uint8_t offset;
};

struct pci_cap_walk {
    enum pci_cap_walk_status status;
    unsigned count;      /* entries found (all of them, even past `max`) */
    uint8_t bad_pointer; /* the offending pointer for PCI_CAPS_BAD_POINTER */
};

/* Walk the list: record up to `max` entries in `out` (which may be NULL). `status` is the Status
 * register. Never reads outside 0x00-0xFF and always ends. */
struct pci_cap_walk pci_cap_walk(pci_read8_fn read8, void *context, uint16_t status, struct pci_cap_entry *out,
                                 unsigned max);
/* Offset of the first capability with this ID, or 0. */
uint8_t pci_cap_find(pci_read8_fn read8, void *context, uint16_t status, uint8_t id);
const char *pci_cap_name(uint8_t id); /* "MSI", "MSI-X", "PCIe", ... or NULL if unknown */

/* ---- MSI (PCI 3.0 §6.8.1) ----------------------------------------------------------------------
 *
 * Message Control (capability + 2):
 *   bit 0      MSI Enable
 *   bits 3:1   Multiple Message Capable: the device wants 2^n messages (n <= 5)
 *   bits 6:4   Multiple Message Enable: software grants 2^n of them
 *   bit 7      64-bit address capable (else Message Address is 32 bits)
 *   bit 8      per-vector masking capable (Mask Bits and Pending Bits registers exist)
 * The rest of the capability moves with bits 7 and 8: */
#define PCI_MSI_CONTROL 0x02
#define PCI_MSI_CONTROL_ENABLE 0x0001u
#define PCI_MSI_CONTROL_MMC_SHIFT 1
#define PCI_MSI_CONTROL_MMC_MASK 0x000Eu
#define PCI_MSI_CONTROL_MME_SHIFT 4
#define PCI_MSI_CONTROL_MME_MASK 0x0070u
#define PCI_MSI_CONTROL_64BIT 0x0080u
#define PCI_MSI_CONTROL_PVM 0x0100u

struct pci_msi_layout {
    unsigned max_messages; /* 1..32 */
    bool address_64;
    bool per_vector_masking;
    uint8_t address_lo; /* offsets from the capability start */
    uint8_t address_hi; /* 0 when not 64-bit */
    uint8_t data;
    uint8_t mask;    /* 0 when no per-vector masking */
    uint8_t pending; /* 0 when no per-vector masking */
};
struct pci_msi_layout pci_msi_layout(uint16_t control);

/* The Multiple Message Enable value for `count` messages (log2 count), or -1 if count is not a
 * power of two in 1..max_messages. */
int pci_msi_mme_for_count(unsigned count, unsigned max_messages);
/* The control word with Enable set and MME for `count` (which must be valid), other bits kept. */
uint16_t pci_msi_control_enable(uint16_t control, unsigned count);

/* How to move a *live* MSI capability to a new address / data without losing a message.
 * Turning Enable off is not an option: a message the function sends while it is off is not sent
 * at all - it goes to the INTx pin (which MSI has disabled) and is never repeated when MSI comes
 * back (PCI 3.0 §6.8.1.3; QEMU's edu then keeps irq_status set and stays silent).
 *   PCI_MSI_RETARGET_NOTHING      address and data are already these;
 *   PCI_MSI_RETARGET_ADDRESS_LO   only the low address dword changes: one 32-bit configuration
 *                                 write, atomic for the function - a message goes either to the
 *                                 old or to the new destination, both with the same vector;
 *   PCI_MSI_RETARGET_MASKED       per-vector masking: mask the messages, rewrite, unmask - a
 *                                 message raised meanwhile is latched in Pending Bits and sent
 *                                 at the unmask (§6.8.1.7, §6.8.1.8);
 *   PCI_MSI_RETARGET_OFF_AND_ON   neither: off, program, on (the caller must then check whether
 *                                 the function asked for an interrupt meanwhile). */
enum pci_msi_retarget {
    PCI_MSI_RETARGET_NOTHING,
    PCI_MSI_RETARGET_ADDRESS_LO,
    PCI_MSI_RETARGET_MASKED,
    PCI_MSI_RETARGET_OFF_AND_ON,
};
enum pci_msi_retarget pci_msi_retarget_plan(const struct pci_msi_layout *l, uint64_t old_address, uint32_t old_data,
                                            uint64_t new_address, uint32_t new_data);

/* ---- MSI-X (PCI Express Base 3.0 §7.7) ---------------------------------------------------------
 *
 * Message Control (capability + 2): bits 10:0 Table Size - 1, bit 14 Function Mask, bit 15 Enable.
 * Table Offset/BIR (+4) and PBA Offset/BIR (+8): bits 2:0 name the BAR, the rest (8-byte aligned)
 * is the offset inside it. Each table entry is 16 bytes: address low, address high, data, vector
 * control (bit 0 = masked). The Pending Bit Array has one bit per entry, in 64-bit words. */
#define PCI_MSIX_CONTROL 0x02
#define PCI_MSIX_TABLE 0x04
#define PCI_MSIX_PBA 0x08
#define PCI_MSIX_CONTROL_SIZE_MASK 0x07FFu
#define PCI_MSIX_CONTROL_FUNCTION_MASK 0x4000u
#define PCI_MSIX_CONTROL_ENABLE 0x8000u
#define PCI_MSIX_BIR_MASK 0x7u
#define PCI_MSIX_ENTRY_SIZE 16
#define PCI_MSIX_ENTRY_ADDRESS_LO 0
#define PCI_MSIX_ENTRY_ADDRESS_HI 4
#define PCI_MSIX_ENTRY_DATA 8
#define PCI_MSIX_ENTRY_CONTROL 12
#define PCI_MSIX_ENTRY_MASKED 0x1u

struct pci_msix_layout {
    unsigned table_size; /* entries, 1..2048 */
    uint8_t table_bar;   /* BIR, 0..5 valid (6 and 7 are reserved) */
    uint32_t table_offset;
    uint8_t pba_bar;
    uint32_t pba_offset;
};
struct pci_msix_layout pci_msix_layout(uint16_t control, uint32_t table_dword, uint32_t pba_dword);

/* ---- INTx wiring (QEMU 7.2 hw/isa/piix3.c, lpc_ich9.c) ------------------------------------------
 *
 * Pins are numbered as the Interrupt Pin register does: 1 = INTA# .. 4 = INTD#; slots are PCI
 * device numbers 0-31; PIRQs are 0 = PIRQA .. 7 = PIRQH.
 *
 * A PCI-to-PCI bridge passes its secondary bus's INTx up on its own INTA-INTD, rotated by the
 * device number so that the devices behind it spread over all four lines (PCI-to-PCI Bridge
 * Architecture Specification 1.2 §9.1, the "swizzle"): device d's pin p appears as pin
 * ((p - 1 + d) mod 4) + 1 of the bridge. Returns 0 for a pin outside 1..4. */
uint8_t pci_swizzle_pin(uint8_t slot, uint8_t pin);

/* PIIX3 (-machine pc): slot s, pin p -> PIRQ (s - 1 + p - 1) mod 4, one of PIRQA-D. */
int pci_piix_pirq(uint8_t slot, uint8_t pin);

/* ICH9 (-machine q35): which PIRQ (0-7) a pin of a device on bus 0 drives, as QEMU wires it:
 *   slots 0-24:              PIRQ E + (slot + pin - 1) mod 4      (QEMU's own choice, E-H)
 *   slot 30 (DMI-PCI bridge): PIRQ E + pin - 1
 *   slots 25-29 and 31:      the chipset's DxxIR register for that slot: 4 bits per pin
 *                            (INTA in bits 2:0, INTB in 6:4, ...), each naming a PIRQ 0-7.
 * `dxxir` is that register (ignored for the other slots); pci_q35_default_dxxir is its reset
 * value (INTA->A, INTB->B, INTC->C, INTD->D). Returns -1 for a bad pin or slot. */
#define PCI_ICH9_DXXIR_DEFAULT 0x3210u
int pci_q35_pirq(uint8_t slot, uint8_t pin, uint16_t dxxir);
/* The chipset configuration register (offset from RCBA) holding slot 25-31's routing, or 0. */
uint16_t pci_ich9_dxxir_offset(uint8_t slot);

#endif
