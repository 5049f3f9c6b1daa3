/* kernel/io/pnp_report.c - what a stopped device's interrupt hardware looks like, for the shell's
 * `irq` (issue 13: "irq shows the vector freed and the IOAPIC pin or MSI-X entries masked after
 * each stop").
 *
 * A stopped device has no vector, so `irq` has no row for it; this adds one line per stopped PCI
 * device read from the hardware itself: MSI / MSI-X Enable in the capability (PCI Local Bus
 * Specification 3.0 §6.8.1.3, §6.8.2.3), the Mask bit of every MSI-X table entry (§6.8.2.9), and
 * for its INTx line the IOAPIC redirection entry's mask bit (82093AA IOAPIC datasheet §3.2.4) -
 * unmasked only while another started device shares the line.
 */
#include "kernel/io/pnp_internal.h"

#include "arch/x86_64/apic_encode.h"
#include "arch/x86_64/ioapic.h"
#include "kernel/console/console.h"

static void print_stopped(struct io_pdo *pdo)
{
    struct pci_device *dev = pdo->pci;
    console_printf("stopped %s (%s):", pdo->name, io_pnp_state_name(pdo->state));
    if (dev->msix.present) {
        unsigned masked = 0;
        for (unsigned e = 0; dev->msix.table && e < dev->msix.table_size; e++) {
            uint64_t address;
            uint32_t data;
            bool m = false;
            if (pci_msix_read_entry(dev, e, &address, &data, &m) && m)
                masked++;
        }
        if (dev->msix.table)
            console_printf(" MSI-X %s, %u of %u entries masked;", pci_msix_enabled(dev) ? "ON" : "off", masked,
                           dev->msix.table_size);
        else /* never used: the table was never mapped */
            console_printf(" MSI-X %s;", pci_msix_enabled(dev) ? "ON" : "off");
    }
    if (dev->msi.present)
        console_printf(" MSI %s;", pci_msi_enabled(dev) ? "ON" : "off");
    struct ioapic_rte rte;
    if (dev->interrupt_pin && dev->has_gsi && ioapic_read_rte(dev->gsi, &rte))
        console_printf(" pin GSI %u %s", dev->gsi, rte.masked ? "masked" : "on (a started device shares it)");
    console_printf("\n");
}

void io_pnp_print_stopped(void)
{
    for (unsigned i = 0; i < io_pdo_count(); i++) {
        struct io_pdo *pdo = io_pdo_from_device(io_pdo_at(i));
        if (pdo && pdo->bus == IO_BUS_PCI && !pdo->assigned &&
            (pdo->state == IO_PNP_STOPPED || (pdo->state == IO_PNP_NOT_STARTED && pdo->stop_count)))
            print_stopped(pdo);
    }
}
