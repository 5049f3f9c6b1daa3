/* kernel/bus/pci/pci_decode.c - PCI arithmetic without hardware access (see pci_decode.h).
 * PCI Local Bus Specification 3.0 §6.2.5.1 (BARs), §6.7 (capabilities), §6.8.1 (MSI);
 * PCI Express Base 3.0 §7.7 (MSI-X); PCI-to-PCI Bridge Architecture 1.2 §9.1 (swizzle);
 * QEMU's INTx wiring: QEMU 7.2 hw/isa/piix3.c (PIIX3) and hw/isa/lpc_ich9.c (ICH9). */
#include "kernel/bus/pci/pci_decode.h"

#include <stddef.h>

/* ---- BARs ------------------------------------------------------------------------------------ */

/* The lowest set bit of the writable address bits is the window size: a 1 MiB BAR has address
 * bits 31:20 writable and 19:4 hard-wired to zero, so all-ones reads back 0xFFF00000. Taking the
 * lowest set bit (rather than ~probe + 1) also copes with I/O BARs whose upper 16 bits are not
 * implemented and read back as zero. */
static uint64_t lowest_set_bit(uint64_t x) { return x & (~x + 1); }

struct pci_bar_decoded pci_bar_decode(uint32_t original, uint32_t probe, bool has_next, uint32_t original_high,
                                      uint32_t probe_high)
{
    struct pci_bar_decoded d = {.kind = PCI_DECODED_NONE, .slots = 1};
    if (original & PCI_BAR_IO_FLAG) {
        uint32_t mask = probe & PCI_BAR_IO_ADDRESS_MASK;
        if (mask == 0)
            return d; /* nothing writable: not implemented */
        d.kind = PCI_DECODED_IO;
        d.base = original & PCI_BAR_IO_ADDRESS_MASK;
        d.size = lowest_set_bit(mask);
        return d;
    }
    d.prefetchable = (original & PCI_BAR_MEM_PREFETCH) != 0;
    if ((original & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64) {
        if (!has_next) {
            d.truncated = true; /* the upper half would be past BAR5 */
            d.prefetchable = false;
            return d;
        }
        d.slots = 2;
        uint64_t mask = ((uint64_t)probe_high << 32) | (probe & PCI_BAR_MEM_ADDRESS_MASK);
        if (mask == 0)
            return d;
        d.kind = PCI_DECODED_MEM64;
        d.base = ((uint64_t)original_high << 32) | (original & PCI_BAR_MEM_ADDRESS_MASK);
        d.size = lowest_set_bit(mask);
        return d;
    }
    uint32_t mask = probe & PCI_BAR_MEM_ADDRESS_MASK;
    if (mask == 0) {
        d.prefetchable = false;
        return d;
    }
    d.kind = PCI_DECODED_MEM32; /* types 00 and the old "below 1 MiB" 01 */
    d.base = original & PCI_BAR_MEM_ADDRESS_MASK;
    d.size = lowest_set_bit(mask);
    return d;
}

void pci_format_size(uint64_t size, char *buf, unsigned buf_size)
{
    static const char units[] = {'\0', 'K', 'M', 'G', 'T'};
    unsigned unit = 0;
    while (unit + 1 < sizeof(units) && size >= 1024 && (size & 1023) == 0) {
        size >>= 10;
        unit++;
    }
    /* At most 20 digits and a unit: build it backwards, then copy. */
    char tmp[24];
    unsigned n = 0;
    if (units[unit])
        tmp[n++] = units[unit];
    do {
        tmp[n++] = (char)('0' + size % 10);
        size /= 10;
    } while (size);
    unsigned out = 0;
    while (n > 0 && out + 1 < buf_size)
        buf[out++] = tmp[--n];
    if (buf_size)
        buf[out] = '\0';
}

/* ---- capability list ------------------------------------------------------------------------- */

struct pci_cap_walk pci_cap_walk(pci_read8_fn read8, void *context, uint16_t status, struct pci_cap_entry *out,
                                 unsigned max)
{
    struct pci_cap_walk w = {.status = PCI_CAPS_OK};
    if (!(status & PCI_STATUS_CAP_LIST)) {
        w.status = PCI_CAPS_NONE;
        return w;
    }
    /* The bottom two bits of every pointer are reserved (PCI 3.0 §6.7): mask, never trust. */
    uint8_t next = read8(context, PCI_CAP_POINTER) & 0xFC;
    while (next != 0) {
        if (next < PCI_CAP_MIN_OFFSET) {
            w.status = PCI_CAPS_BAD_POINTER;
            w.bad_pointer = next;
            break;
        }
        if (w.count == PCI_CAP_MAX_ENTRIES) {
            w.status = PCI_CAPS_LOOP;
            break;
        }
        uint8_t id = read8(context, next);
        if (out && w.count < max)
            out[w.count] = (struct pci_cap_entry){id, next};
        w.count++;
        next = read8(context, (uint8_t)(next + 1)) & 0xFC; /* next <= 0xFC: no wrap */
    }
    return w;
}

uint8_t pci_cap_find(pci_read8_fn read8, void *context, uint16_t status, uint8_t id)
{
    struct pci_cap_entry entries[PCI_CAP_MAX_ENTRIES];
    struct pci_cap_walk w = pci_cap_walk(read8, context, status, entries, PCI_CAP_MAX_ENTRIES);
    unsigned n = w.count < PCI_CAP_MAX_ENTRIES ? w.count : PCI_CAP_MAX_ENTRIES;
    for (unsigned i = 0; i < n; i++)
        if (entries[i].id == id)
            return entries[i].offset;
    return 0;
}

const char *pci_cap_name(uint8_t id)
{
    switch (id) {
    case PCI_CAP_ID_PM: return "PM";
    case PCI_CAP_ID_AGP: return "AGP";
    case PCI_CAP_ID_VPD: return "VPD";
    case PCI_CAP_ID_SLOT_ID: return "slot-ID";
    case PCI_CAP_ID_MSI: return "MSI";
    case PCI_CAP_ID_VENDOR: return "vendor";
    case PCI_CAP_ID_SHPC: return "SHPC";
    case PCI_CAP_ID_BRIDGE_SUBSYS: return "subsys";
    case PCI_CAP_ID_PCIE: return "PCIe";
    case PCI_CAP_ID_MSIX: return "MSI-X";
    case PCI_CAP_ID_SATA: return "SATA";
    case PCI_CAP_ID_AF: return "AF";
    default: return NULL;
    }
}

/* ---- MSI ------------------------------------------------------------------------------------- */

struct pci_msi_layout pci_msi_layout(uint16_t control)
{
    struct pci_msi_layout l = {0};
    unsigned mmc = (control & PCI_MSI_CONTROL_MMC_MASK) >> PCI_MSI_CONTROL_MMC_SHIFT;
    l.max_messages = 1u << (mmc > 5 ? 5 : mmc); /* 110b and 111b are reserved */
    l.address_64 = (control & PCI_MSI_CONTROL_64BIT) != 0;
    l.per_vector_masking = (control & PCI_MSI_CONTROL_PVM) != 0;
    /* cap+4 address low; a 64-bit capability puts the upper half at +8 and pushes everything
     * after it down by 4 bytes. */
    l.address_lo = 0x04;
    l.address_hi = l.address_64 ? 0x08 : 0;
    l.data = l.address_64 ? 0x0C : 0x08;
    if (l.per_vector_masking) {
        l.mask = (uint8_t)(l.data + 4);
        l.pending = (uint8_t)(l.data + 8);
    }
    return l;
}

enum pci_msi_retarget pci_msi_retarget_plan(const struct pci_msi_layout *l, uint64_t old_address, uint32_t old_data,
                                            uint64_t new_address, uint32_t new_data)
{
    bool same_high = (old_address >> 32) == (new_address >> 32);
    bool same_data = (uint16_t)old_data == (uint16_t)new_data; /* Message Data is 16 bits */
    if (same_high && same_data && (uint32_t)old_address == (uint32_t)new_address)
        return PCI_MSI_RETARGET_NOTHING;
    if (same_high && same_data)
        return PCI_MSI_RETARGET_ADDRESS_LO;
    return l->per_vector_masking ? PCI_MSI_RETARGET_MASKED : PCI_MSI_RETARGET_OFF_AND_ON;
}

int pci_msi_mme_for_count(unsigned count, unsigned max_messages)
{
    if (count == 0 || count > max_messages || count > 32 || (count & (count - 1)))
        return -1;
    int log2 = 0;
    while ((1u << log2) < count)
        log2++;
    return log2;
}

uint16_t pci_msi_control_enable(uint16_t control, unsigned count)
{
    int mme = pci_msi_mme_for_count(count, 32);
    if (mme < 0)
        mme = 0;
    control &= (uint16_t)~PCI_MSI_CONTROL_MME_MASK;
    control |= (uint16_t)((unsigned)mme << PCI_MSI_CONTROL_MME_SHIFT);
    return (uint16_t)(control | PCI_MSI_CONTROL_ENABLE);
}

/* ---- MSI-X ----------------------------------------------------------------------------------- */

struct pci_msix_layout pci_msix_layout(uint16_t control, uint32_t table_dword, uint32_t pba_dword)
{
    struct pci_msix_layout l;
    l.table_size = (control & PCI_MSIX_CONTROL_SIZE_MASK) + 1u;
    l.table_bar = (uint8_t)(table_dword & PCI_MSIX_BIR_MASK);
    l.table_offset = table_dword & ~PCI_MSIX_BIR_MASK;
    l.pba_bar = (uint8_t)(pba_dword & PCI_MSIX_BIR_MASK);
    l.pba_offset = pba_dword & ~PCI_MSIX_BIR_MASK;
    return l;
}

/* ---- INTx ------------------------------------------------------------------------------------ */

uint8_t pci_swizzle_pin(uint8_t slot, uint8_t pin)
{
    if (pin < 1 || pin > 4)
        return 0;
    return (uint8_t)(((pin - 1u + slot) & 3u) + 1u);
}

int pci_piix_pirq(uint8_t slot, uint8_t pin)
{
    if (pin < 1 || pin > 4 || slot > 31)
        return -1;
    /* + 4 keeps slot 0 from going negative: (0 - 1 + p - 1) mod 4 == (p + 2) mod 4. */
    return (int)((slot + 4u - 1u + pin - 1u) & 3u);
}

int pci_q35_pirq(uint8_t slot, uint8_t pin, uint16_t dxxir)
{
    if (pin < 1 || pin > 4 || slot > 31)
        return -1;
    if (slot <= 24)
        return 4 + (int)((slot + pin - 1u) & 3u);
    if (slot == 30)
        return 4 + (pin - 1);
    return (int)((dxxir >> ((pin - 1u) * 4u)) & 0x7u);
}

uint16_t pci_ich9_dxxir_offset(uint8_t slot)
{
    /* ICH9 datasheet §10.1.x: D31IR 0x3140, D30IR 0x3142, D29IR 0x3144, D28IR 0x3146,
     * D27IR 0x3148, D26IR 0x314C, D25IR 0x3150 (26 and 25 are not 2 apart). */
    switch (slot) {
    case 31: return 0x3140;
    case 30: return 0x3142;
    case 29: return 0x3144;
    case 28: return 0x3146;
    case 27: return 0x3148;
    case 26: return 0x314C;
    case 25: return 0x3150;
    default: return 0;
    }
}
