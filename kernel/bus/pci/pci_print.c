/* kernel/bus/pci/pci_print.c - `lspci` for people: every function, its BARs, where its INTx pin
 * goes and what MSI / MSI-X it offers, at most 80 columns a line. Field meanings: PCI Local Bus
 * Specification 3.0 §6.1-§6.2 (header), §6.8 (MSI, MSI-X); the INTx path: pci_intx.c.
 *
 *   00:03.0 1234:11e8 class 00ff00 edu [unclassified]
 *           BAR0 mem32 0xfea00000 size 1M
 *           IRQ pin A -> GSI 11 (level, high) via PIRQC, line 11
 *           MSI: 1 message, 64-bit, disabled
 *           caps: MSI@40
 */
#include "kernel/bus/pci/pci_decode.h"
#include "kernel/bus/pci/pci_internal.h"
#include "kernel/bus/pci/pci_names.h"
#include "kernel/console/console.h"
#include "kernel/lib/format.h"

#define INDENT "        "

static void print_bars(const struct pci_device *d)
{
    for (unsigned i = 0; i < PCI_BAR_COUNT; i++) {
        const struct pci_bar *b = &d->bars[i];
        if (b->kind == PCI_BAR_NONE)
            continue;
        char size[24];
        pci_format_size(b->size, size, sizeof(size));
        const char *kind = b->kind == PCI_BAR_IO ? "io   " : b->kind == PCI_BAR_MEM32 ? "mem32" : "mem64";
        console_printf(INDENT "BAR%u %s%s 0x%lx size %s\n", i, kind, b->prefetchable ? " pf" : "",
                       (unsigned long)b->base, size);
    }
}

static void print_intx(struct pci_device *d)
{
    if (!d->interrupt_pin)
        return;
    char pin = (char)('A' + d->interrupt_pin - 1);
    bool disabled = (pci_config_read16(d->address, PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE) != 0;
    const char *off = disabled ? "; INTx disabled" : "";
    if (!d->has_gsi) {
        console_printf(INDENT "IRQ pin %c -> GSI unknown, line %u%s\n", pin, d->interrupt_line, off);
        return;
    }
    char via[16] = ",";
    if (d->has_pirq)
        ksnprintf(via, sizeof(via), " via PIRQ%c,", 'A' + d->pirq);
    console_printf(INDENT "IRQ pin %c -> GSI %u (%s, %s)%s line %u%s\n", pin, d->gsi, d->gsi_level ? "level" : "edge",
                   d->gsi_active_low ? "low" : "high", via, d->interrupt_line, off);
    if (d->parent >= 0)
        console_printf(INDENT "  (behind a bridge: arrives as slot %u pin %c on bus 0)\n", d->root_slot,
                       'A' + d->root_pin - 1);
}

static void print_msi(struct pci_device *d)
{
    if (d->msi.present) {
        uint64_t address;
        uint32_t data;
        unsigned count;
        bool on = pci_msi_enabled(d);
        pci_msi_read(d, &address, &data, &count);
        console_printf(INDENT "MSI: %u message%s, %s%s, ", d->msi.max_messages, d->msi.max_messages == 1 ? "" : "s",
                       d->msi.address_64 ? "64-bit" : "32-bit", d->msi.per_vector_masking ? ", maskable" : "");
        if (on)
            console_printf("enabled (%u) -> 0x%lx data 0x%x\n", count, (unsigned long)address, data);
        else
            console_printf("disabled\n");
    }
    if (d->msix.present) {
        bool on = pci_msix_enabled(d);
        console_printf(INDENT "MSI-X: %u entr%s, table BAR%u+0x%x, PBA BAR%u+0x%x, %s\n", d->msix.table_size,
                       d->msix.table_size == 1 ? "y" : "ies", d->msix.table_bar, d->msix.table_offset, d->msix.pba_bar,
                       d->msix.pba_offset, on ? "enabled" : "disabled");
    }
}

static void print_caps(const struct pci_device *d)
{
    if (!d->cap_count && !d->caps_broken)
        return;
    console_printf(INDENT "caps:");
    for (unsigned i = 0; i < d->cap_count; i++) {
        const char *name = pci_cap_name(d->caps[i].id);
        if (name)
            console_printf(" %s@%02x", name, d->caps[i].offset);
        else
            console_printf(" id%02x@%02x", d->caps[i].id, d->caps[i].offset);
    }
    console_printf("%s\n", d->caps_broken ? " (list broken, cut)" : "");
}

static void print_function(struct pci_device *d)
{
    const char *name = pci_device_name(d->vendor_id, d->device_id);
    const char *cls = pci_class_name(d->class_code, d->subclass);
    console_printf("%s %04x:%04x class %02x%02x%02x %s%s%s%s\n", d->label, d->vendor_id, d->device_id, d->class_code,
                   d->subclass, d->prog_if, name ? name : "", name ? " [" : "", cls, name ? "]" : "");
    if (d->header_type == 1)
        console_printf(INDENT "PCI bridge to bus %u-%u\n", d->secondary_bus, d->subordinate_bus);
    print_bars(d);
    print_intx(d);
    print_msi(d);
    print_caps(d);
}

void pci_print(void)
{
    unsigned n = pci_device_count();
    console_printf("PCI: %u function%s on %u bus%s; board %s\n", n, n == 1 ? "" : "s", pci_bus_count(),
                   pci_bus_count() == 1 ? "" : "es", pci_board_name());
    /* The table is in discovery order (depth first through bridges); list by bus like lspci. */
    for (unsigned bus = 0; bus < 256; bus++) {
        for (unsigned i = 0; i < n; i++) {
            struct pci_device *d = pci_device_at(i);
            if (d->address.bus == bus)
                print_function(d);
        }
    }
    if (pci_table_dropped())
        console_printf("(%u more functions did not fit the table)\n", pci_table_dropped());
}
