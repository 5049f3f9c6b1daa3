/* kernel/bus/pci/pci_msix.c - MSI-X (PCI Express Base Specification 3.0 §7.7; first defined in
 * PCI Local Bus Specification 3.0 §6.8.2).
 *
 * MSI-X is MSI with the messages moved out of configuration space into a table in device
 * memory (one of its BARs): up to 2048 entries of 16 bytes, each with its own address, data and
 * mask bit. So every message can go to its own vector on its own CPU, and each can be masked on
 * its own - unlike MSI, whose messages share one address and consecutive data values. Next to
 * the table is the Pending Bit Array (PBA): a message raised while its entry is masked is not
 * lost but remembered there, and sent when the entry is unmasked.
 *
 * The capability (at dev->msix.offset) only holds Message Control (Enable, Function Mask, table
 * size) and where the table and PBA live (BAR number + offset). Order of operations:
 *   1. map the table (pci_msix_map), with memory decoding on;
 *   2. write each entry while it is masked (pci_msix_set_entry leaves it masked);
 *   3. enable MSI-X with Function Mask set - everything held - then clear Function Mask;
 *   4. unmask entries as their ISRs are connected (pci_msix_mask / the pci_msix_source hooks).
 */
#include "kernel/bus/pci/pci_decode.h"
#include "kernel/bus/pci/pci_internal.h"
#include "kernel/bus/pci/pci_quirks.h"
#include "kernel/console/log.h"
#include "kernel/ke/interrupt.h"
#include "kernel/mm/paging.h"

static uint8_t msix_reg(const struct pci_device *dev, uint8_t offset) { return (uint8_t)(dev->msix.offset + offset); }

static uint16_t msix_control(const struct pci_device *dev)
{
    return pci_config_read16(dev->address, msix_reg(dev, PCI_MSIX_CONTROL));
}

static void msix_write_control(const struct pci_device *dev, uint16_t control)
{
    pci_config_write16(dev->address, msix_reg(dev, PCI_MSIX_CONTROL), control);
}

/* Physical address of (bar, offset), or 0 if that BAR is not a memory BAR. */
static uint64_t bar_address(const struct pci_device *dev, uint8_t bar, uint32_t offset)
{
    if (bar >= PCI_BAR_COUNT)
        return 0;
    const struct pci_bar *b = &dev->bars[bar];
    if ((b->kind != PCI_BAR_MEM32 && b->kind != PCI_BAR_MEM64) || b->base == 0)
        return 0;
    return b->base + offset;
}

bool pci_msix_map(struct pci_device *dev)
{
    if (!dev->msix.present)
        return false;
    if (dev->msix.table)
        return true;
    uint64_t table = bar_address(dev, dev->msix.table_bar, dev->msix.table_offset);
    uint64_t pba = bar_address(dev, dev->msix.pba_bar, dev->msix.pba_offset);
    if (!table || !pba) {
        log_warn("pci: %s MSI-X table BAR%u / PBA BAR%u is not a memory BAR", dev->label, dev->msix.table_bar,
                 dev->msix.pba_bar);
        return false;
    }
    uint64_t table_va = paging_map_mmio(table, (size_t)dev->msix.table_size * PCI_MSIX_ENTRY_SIZE);
    uint64_t pba_va = paging_map_mmio(pba, ((dev->msix.table_size + 63) / 64) * 8);
    if (!table_va || !pba_va)
        return false;
    pci_enable_memory(dev); /* the table is ordinary BAR memory: it needs memory decoding */
    dev->msix.pba = (volatile uint64_t *)(uintptr_t)pba_va;
    dev->msix.table = (volatile uint32_t *)(uintptr_t)table_va;
    return true;
}

static volatile uint32_t *entry_at(struct pci_device *dev, unsigned entry)
{
    if (!dev->msix.table || entry >= dev->msix.table_size)
        return NULL;
    return dev->msix.table + entry * (PCI_MSIX_ENTRY_SIZE / 4);
}

bool pci_msix_set_entry(struct pci_device *dev, unsigned entry, uint64_t address, uint32_t data)
{
    volatile uint32_t *e = entry_at(dev, entry);
    if (!e)
        return false;
    /* Mask first: a live entry whose address is updated before its data could, for a moment,
     * send the old vector to the new CPU. The table accepts only 32-bit accesses, hence four. */
    uint64_t flags = pci_rmw_lock();
    e[PCI_MSIX_ENTRY_CONTROL / 4] |= PCI_MSIX_ENTRY_MASKED;
    e[PCI_MSIX_ENTRY_ADDRESS_LO / 4] = (uint32_t)address;
    e[PCI_MSIX_ENTRY_ADDRESS_HI / 4] = (uint32_t)(address >> 32);
    e[PCI_MSIX_ENTRY_DATA / 4] = data;
    (void)e[PCI_MSIX_ENTRY_CONTROL / 4]; /* a read flushes the posted writes before we go on */
    pci_rmw_unlock(flags);
    return true;
}

bool pci_msix_mask(struct pci_device *dev, unsigned entry, bool masked)
{
    volatile uint32_t *e = entry_at(dev, entry);
    if (!e)
        return false;
    uint64_t flags = pci_rmw_lock();
    uint32_t control = e[PCI_MSIX_ENTRY_CONTROL / 4];
    control = masked ? control | PCI_MSIX_ENTRY_MASKED : control & ~PCI_MSIX_ENTRY_MASKED;
    e[PCI_MSIX_ENTRY_CONTROL / 4] = control;
    /* Read back: once this returns, the device has seen the mask (memory writes are posted, so
     * without the read a message could still be sent after "masked" returned). */
    (void)e[PCI_MSIX_ENTRY_CONTROL / 4];
    pci_rmw_unlock(flags);
    return true;
}

bool pci_msix_read_entry(struct pci_device *dev, unsigned entry, uint64_t *address, uint32_t *data, bool *masked)
{
    volatile uint32_t *e = entry_at(dev, entry);
    if (!e)
        return false;
    if (address)
        *address = e[PCI_MSIX_ENTRY_ADDRESS_LO / 4] | ((uint64_t)e[PCI_MSIX_ENTRY_ADDRESS_HI / 4] << 32);
    if (data)
        *data = e[PCI_MSIX_ENTRY_DATA / 4];
    if (masked)
        *masked = (e[PCI_MSIX_ENTRY_CONTROL / 4] & PCI_MSIX_ENTRY_MASKED) != 0;
    return true;
}

bool pci_msix_pending(struct pci_device *dev, unsigned entry)
{
    if (!dev->msix.pba || entry >= dev->msix.table_size)
        return false;
    /* Read as two 32-bit halves: some devices accept only dword accesses to the PBA. */
    volatile uint32_t *words = (volatile uint32_t *)dev->msix.pba;
    return (words[entry / 32] >> (entry % 32)) & 1u;
}

void pci_msix_enable(struct pci_device *dev)
{
    if (!dev->msix.present)
        return;
    if (pci_msi_enabled(dev)) {
        log_warn("pci: %s had MSI on while enabling MSI-X; MSI turned off", dev->label);
        pci_msi_disable(dev);
    }
    /* INTx off explicitly (MSI-X enabled already forbids it, PCIe 3.0 §7.7; the bit makes it
     * visible). Then Enable with Function Mask: the table is live but every entry is held. */
    pci_set_intx_disabled(dev, true);
    uint16_t control = msix_control(dev);
    msix_write_control(dev, (uint16_t)(control | PCI_MSIX_CONTROL_ENABLE | PCI_MSIX_CONTROL_FUNCTION_MASK));
    msix_write_control(dev, (uint16_t)((control | PCI_MSIX_CONTROL_ENABLE) & ~PCI_MSIX_CONTROL_FUNCTION_MASK));
}

void pci_msix_disable(struct pci_device *dev)
{
    if (!dev->msix.present)
        return;
    uint16_t control = msix_control(dev);
    if (control & PCI_MSIX_CONTROL_ENABLE)
        (void)pci_quirk_before_msix_disable(dev); /* QEMU 7.2's e1000e: pci_quirk_e1000e.c */
    msix_write_control(dev, (uint16_t)(control & ~(PCI_MSIX_CONTROL_ENABLE | PCI_MSIX_CONTROL_FUNCTION_MASK)));
    /* INTx Disable stays set on purpose: see pci.h. */
}

bool pci_msix_enabled(struct pci_device *dev)
{
    return dev->msix.present && (msix_control(dev) & PCI_MSIX_CONTROL_ENABLE);
}

/* ---- hooks for the interrupt core -------------------------------------------------------------- */

static void msix_source_mask(const struct ke_source *source)
{
    pci_msix_mask(source->controller_context, source->message, true);
}

static void msix_source_unmask(const struct ke_source *source)
{
    pci_msix_mask(source->controller_context, source->message, false);
}

void pci_msix_source(struct pci_device *dev, unsigned entry, const char *label, struct ke_source *out)
{
    *out = (struct ke_source){
        .kind = KE_SOURCE_MSI,
        .label = label ? label : dev->label,
        .controller_context = dev,
        .message = entry,
        .mask = msix_source_mask,
        .unmask = msix_source_unmask,
    };
}
