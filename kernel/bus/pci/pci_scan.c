/* kernel/bus/pci/pci_scan.c - finding every PCI function (PCI Local Bus Specification 3.0 §6.1
 * configuration header, §6.2.5.1 BAR sizing, §6.7 capabilities; PCI-to-PCI Bridge Architecture
 * Specification 1.2 §3.2.5 bus numbers).
 *
 * How enumeration works. Every function has a 256-byte configuration space, addressed by
 * bus (0-255), device (0-31) and function (0-7). Reading the Vendor ID of an address where nothing
 * is plugged in returns 0xFFFF, so we probe: on bus 0, every device number; if function 0 exists
 * and its Header Type has bit 7 set ("multi-function"), functions 1-7 as well. A function whose
 * header type is 1 is a PCI-to-PCI bridge: the firmware gave the bus behind it a number (its
 * Secondary Bus Number register), and we scan that bus the same way - recursively, so bridges
 * behind bridges work too. We only read the numbers the firmware assigned; a bridge it left
 * unconfigured (secondary bus 0) is reported and skipped.
 *
 * Configuration mechanism #1 (I/O ports 0xCF8/0xCFC, pci_config.c) reaches the first 256 bytes
 * of every function on both QEMU boards, which is all the standard header and the capabilities
 * we use (MSI, MSI-X) need. (q35's ECAM window would add PCIe extended space, 0x100-0xFFF.)
 */
#include "arch/x86_64/pci_config.h"
#include "kernel/bus/pci/pci_decode.h"
#include "kernel/bus/pci/pci_hotplug_scan.h"
#include "kernel/bus/pci/pci_internal.h"
#include "kernel/console/log.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"

#define PCI_REVISION 0x08 /* revision, prog-if, subclass, class: one dword */
#define PCI_HEADER_MULTI_FUNCTION 0x80
#define PCI_HEADER_TYPE_MASK 0x7F
#define PCI_HEADER_TYPE_NORMAL 0
#define PCI_HEADER_TYPE_BRIDGE 1
#define PCI_BRIDGE_PRIMARY_BUS 0x18
#define PCI_BRIDGE_SECONDARY_BUS 0x19
#define PCI_BRIDGE_SUBORDINATE_BUS 0x1A
#define PCI_MAX_BRIDGE_DEPTH 16 /* deeper than any real tree; a guard against firmware loops */

static bool bus_scanned[256];
static unsigned buses;

static void scan_bus(uint8_t bus, int parent, unsigned depth);

/* Size the first `count` BARs (6 for a device, 2 for a bridge). While a BAR holds all ones the
 * function would decode a bogus address range - possibly on top of RAM or the local APIC - so
 * memory and I/O decoding are switched off in the Command register for the duration and the old
 * value is put back afterwards. */
static void size_bars(struct pci_device *dev, unsigned count)
{
    struct pci_address a = dev->address;
    uint16_t command = pci_config_read16(a, PCI_COMMAND);
    pci_config_write16(a, PCI_COMMAND, (uint16_t)(command & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY)));

    for (unsigned i = 0; i < count;) {
        uint8_t reg = (uint8_t)(PCI_BAR0 + 4 * i);
        uint32_t original = pci_config_read32(a, reg);
        pci_config_write32(a, reg, 0xFFFFFFFFu);
        uint32_t probe = pci_config_read32(a, reg);
        pci_config_write32(a, reg, original);

        bool has_next = i + 1 < count;
        uint32_t original_high = 0, probe_high = 0;
        bool is_64 = !(original & PCI_BAR_IO_FLAG) && (original & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64;
        if (is_64 && has_next) {
            original_high = pci_config_read32(a, (uint8_t)(reg + 4));
            pci_config_write32(a, (uint8_t)(reg + 4), 0xFFFFFFFFu);
            probe_high = pci_config_read32(a, (uint8_t)(reg + 4));
            pci_config_write32(a, (uint8_t)(reg + 4), original_high);
        }

        struct pci_bar_decoded d = pci_bar_decode(original, probe, has_next, original_high, probe_high);
        struct pci_bar *bar = &dev->bars[i];
        static const enum pci_bar_kind kinds[] = {
            [PCI_DECODED_NONE] = PCI_BAR_NONE,
            [PCI_DECODED_IO] = PCI_BAR_IO,
            [PCI_DECODED_MEM32] = PCI_BAR_MEM32,
            [PCI_DECODED_MEM64] = PCI_BAR_MEM64,
        };
        bar->kind = kinds[d.kind];
        bar->prefetchable = d.prefetchable;
        bar->base = d.base;
        bar->size = d.size;
        if (d.truncated)
            log_warn("pci: %s BAR%u is 64-bit but is the last BAR; ignored", dev->label, i);
        i += d.slots; /* the upper half of a 64-bit BAR stays PCI_BAR_NONE */
    }

    pci_config_write16(a, PCI_COMMAND, command);
}

/* Walk the capability list once; remember every entry (for pci_print) and decode MSI / MSI-X. */
static void read_capabilities(struct pci_device *dev)
{
    struct pci_address a = dev->address;
    uint16_t status = pci_config_read16(a, PCI_STATUS);
    struct pci_cap_entry entries[PCI_MAX_CAPS];
    struct pci_cap_walk w = pci_cap_walk(pci_config_read8_cb, &a, status, entries, PCI_MAX_CAPS);
    if (w.status == PCI_CAPS_NONE)
        return;
    if (w.status == PCI_CAPS_BAD_POINTER)
        log_warn("pci: %s capability pointer 0x%02x points into the header; list cut", dev->label, w.bad_pointer);
    if (w.status == PCI_CAPS_LOOP)
        log_warn("pci: %s capability list has more than %d entries (a loop?); list cut", dev->label,
                 PCI_CAP_MAX_ENTRIES);
    dev->caps_broken = w.status != PCI_CAPS_OK;
    dev->cap_count = (uint8_t)(w.count < PCI_MAX_CAPS ? w.count : PCI_MAX_CAPS);
    for (unsigned i = 0; i < dev->cap_count; i++) {
        dev->caps[i].id = entries[i].id;
        dev->caps[i].offset = entries[i].offset;
    }

    /* Look the two interrupt capabilities up in the whole list, not only the kept prefix. */
    uint8_t msi = pci_cap_find(pci_config_read8_cb, &a, status, PCI_CAP_ID_MSI);
    if (msi) {
        struct pci_msi_layout l = pci_msi_layout(pci_config_read16(a, (uint8_t)(msi + PCI_MSI_CONTROL)));
        dev->msi.present = true;
        dev->msi.offset = msi;
        dev->msi.max_messages = l.max_messages;
        dev->msi.address_64 = l.address_64;
        dev->msi.per_vector_masking = l.per_vector_masking;
    }
    uint8_t msix = pci_cap_find(pci_config_read8_cb, &a, status, PCI_CAP_ID_MSIX);
    if (msix) {
        struct pci_msix_layout l = pci_msix_layout(pci_config_read16(a, (uint8_t)(msix + PCI_MSIX_CONTROL)),
                                                   pci_config_read32(a, (uint8_t)(msix + PCI_MSIX_TABLE)),
                                                   pci_config_read32(a, (uint8_t)(msix + PCI_MSIX_PBA)));
        dev->msix.present = true;
        dev->msix.offset = msix;
        dev->msix.table_size = l.table_size;
        dev->msix.table_bar = l.table_bar;
        dev->msix.table_offset = l.table_offset;
        dev->msix.pba_bar = l.pba_bar;
        dev->msix.pba_offset = l.pba_offset;
        if (l.table_bar >= PCI_BAR_COUNT || l.pba_bar >= PCI_BAR_COUNT)
            log_warn("pci: %s MSI-X table/PBA in reserved BAR %u/%u", dev->label, l.table_bar, l.pba_bar);
    }
}

/* Read one function's header into `dev`. False when its header type is not decoded. */
static bool read_function(struct pci_device *dev, struct pci_address a, int parent)
{
    uint32_t id = pci_config_read32(a, PCI_VENDOR_ID);
    uint32_t class_rev = pci_config_read32(a, PCI_REVISION);
    dev->address = a;
    dev->parent = parent;
    dev->vendor_id = (uint16_t)id;
    dev->device_id = (uint16_t)(id >> 16);
    dev->revision = (uint8_t)class_rev;
    dev->prog_if = (uint8_t)(class_rev >> 8);
    dev->subclass = (uint8_t)(class_rev >> 16);
    dev->class_code = (uint8_t)(class_rev >> 24);
    dev->header_type = pci_config_read8(a, PCI_HEADER_TYPE) & PCI_HEADER_TYPE_MASK;
    dev->command_at_boot = pci_config_read16(a, PCI_COMMAND);
    ksnprintf(dev->label, sizeof(dev->label), "%02x:%02x.%x", a.bus, a.device, a.function);

    if (dev->header_type != PCI_HEADER_TYPE_NORMAL && dev->header_type != PCI_HEADER_TYPE_BRIDGE) {
        /* Type 2 (CardBus) has a different layout past 0x10; we only list it. */
        log_info("pci: %s has header type %u; not decoded", dev->label, dev->header_type);
        return false;
    }
    /* Interrupt Pin / Line sit at the same offsets in type 0 and type 1 headers. */
    dev->interrupt_pin = pci_config_read8(a, PCI_INTERRUPT_PIN);
    dev->interrupt_line = pci_config_read8(a, PCI_INTERRUPT_LINE);
    if (dev->interrupt_pin > 4) {
        log_warn("pci: %s reports Interrupt Pin %u; treated as none", dev->label, dev->interrupt_pin);
        dev->interrupt_pin = 0;
    }
    size_bars(dev, dev->header_type == PCI_HEADER_TYPE_NORMAL ? 6 : 2);
    read_capabilities(dev);
    return true;
}

static void scan_function(struct pci_address a, int parent, unsigned depth)
{
    struct pci_device *dev = pci_table_add();
    if (!dev || !read_function(dev, a, parent))
        return;
    if (dev->header_type != PCI_HEADER_TYPE_BRIDGE)
        return;
    dev->secondary_bus = pci_config_read8(a, PCI_BRIDGE_SECONDARY_BUS);
    dev->subordinate_bus = pci_config_read8(a, PCI_BRIDGE_SUBORDINATE_BUS);
    if (dev->secondary_bus <= a.bus) {
        log_warn("pci: bridge %s has secondary bus %u (not configured by the firmware?); not scanned", dev->label,
                 dev->secondary_bus);
        return;
    }
    if (depth >= PCI_MAX_BRIDGE_DEPTH) {
        log_warn("pci: bridge %s is nested more than %d deep; not scanned", dev->label, PCI_MAX_BRIDGE_DEPTH);
        return;
    }
    scan_bus(dev->secondary_bus, pci_device_index(dev), depth + 1);
}

static void scan_bus(uint8_t bus, int parent, unsigned depth)
{
    if (bus_scanned[bus]) {
        log_warn("pci: bus %u is reachable twice; scanned once", bus);
        return;
    }
    bus_scanned[bus] = true;
    buses++;
    for (uint8_t slot = 0; slot < 32; slot++) {
        struct pci_address a = {bus, slot, 0};
        if (pci_config_read16(a, PCI_VENDOR_ID) == 0xFFFF)
            continue; /* nothing in this slot (and then function 0 is the only one to ask) */
        bool multi = (pci_config_read8(a, PCI_HEADER_TYPE) & PCI_HEADER_MULTI_FUNCTION) != 0;
        unsigned functions = multi ? 8 : 1;
        for (unsigned fn = 0; fn < functions; fn++) {
            a.function = (uint8_t)fn;
            if (pci_config_read16(a, PCI_VENDOR_ID) != 0xFFFF)
                scan_function(a, parent, depth);
        }
    }
}

unsigned pci_scan_all(void)
{
    for (unsigned i = 0; i < 256; i++)
        bus_scanned[i] = false;
    buses = 0;
    /* One host bridge, bus 0 as the root: what both QEMU PC boards (and most PCs) have. */
    scan_bus(0, -1, 0);
    return buses;
}

/* ---- after boot: one hot-plug slot (pci_hotplug_scan.h) --------------------------------------- */

void pci_mark_removed(struct pci_device *dev) { dev->removed = true; }

static struct pci_device *entry_for(struct pci_address a)
{
    for (unsigned i = 0; i < pci_device_count(); i++) {
        struct pci_device *d = pci_device_at(i);
        if (d->removed && d->address.bus == a.bus && d->address.device == a.device &&
            d->address.function == a.function)
            return d;
    }
    return pci_table_add();
}

unsigned pci_scan_slot(struct pci_device *bridge, struct pci_bridge_windows *w, struct pci_device **found)
{
    unsigned n = 0;
    uint8_t bus = bridge->secondary_bus;
    struct pci_address a = {bus, 0, 0};
    if (pci_config_read16(a, PCI_VENDOR_ID) == 0xFFFF)
        return 0;
    /* A PCI Express downstream port has exactly one device below it: device 0 (PCI Express Base
     * 3.0 §7.3.1, ARI aside), so only its functions are probed. */
    bool multi = (pci_config_read8(a, PCI_HEADER_TYPE) & PCI_HEADER_MULTI_FUNCTION) != 0;
    pci_bar_window_reset(w);
    for (unsigned fn = 0; fn < (multi ? 8u : 1u); fn++) {
        a.function = (uint8_t)fn;
        if (pci_config_read16(a, PCI_VENDOR_ID) == 0xFFFF)
            continue;
        struct pci_device *dev = entry_for(a);
        if (!dev)
            break;
        struct pci_device saved = *dev;
        memset(dev, 0, sizeof(*dev));
        dev->parent = pci_device_index(bridge);
        if (!read_function(dev, a, dev->parent)) {
            *dev = saved;
            continue;
        }
        if (dev->header_type == PCI_HEADER_TYPE_BRIDGE)
            log_warn("pci: %s is a bridge in a hot-plug slot; the bus behind it is not scanned", dev->label);
        pci_assign_bars(dev, w);
        if (dev->interrupt_pin)
            pci_intx_resolve(dev);
        found[n++] = dev;
    }
    return n;
}
