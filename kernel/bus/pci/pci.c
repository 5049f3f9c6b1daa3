/* kernel/bus/pci/pci.c - the PCI device table and the small things every driver needs from it:
 * lookups, the Command register (PCI Local Bus Specification 3.0 §6.2.2) and BAR mapping.
 *
 * pci_init() runs once at boot (kernel/main.c step 8): pci_scan.c finds every function,
 * pci_intx.c works out where each interrupt pin is wired, and one summary line is logged.
 * After that entries are only added (a function hot-plugged into a PCI Express slot, pcie_hotplug.c)
 * or marked removed and later reused (pci_hotplug_scan.h), never moved or freed, so drivers may
 * keep pointers into it.
 */
#include "kernel/bus/pci/pci.h"

#include "kernel/bus/pci/pci_internal.h"
#include "kernel/console/log.h"
#include "kernel/ke/rawlock.h"
#include "kernel/lib/string.h"
#include "kernel/mm/paging.h"

static struct pci_device devices[PCI_MAX_DEVICES];
static unsigned device_count;
static unsigned dropped; /* functions found after the table was full */
static unsigned bus_count;
static raw_lock_t rmw_lock = RAW_LOCK_INIT;

uint64_t pci_rmw_lock(void) { return raw_lock_acquire(&rmw_lock); }
void pci_rmw_unlock(uint64_t flags) { raw_lock_release(&rmw_lock, flags); }

struct pci_device *pci_table_add(void)
{
    if (device_count == PCI_MAX_DEVICES) {
        if (dropped++ == 0)
            log_warn("pci: more than %d functions; the rest are ignored", PCI_MAX_DEVICES);
        return NULL;
    }
    struct pci_device *dev = &devices[device_count++];
    memset(dev, 0, sizeof(*dev));
    dev->parent = -1;
    return dev;
}

unsigned pci_table_dropped(void) { return dropped; }

int pci_device_index(const struct pci_device *dev)
{
    if (dev < devices || dev >= devices + device_count)
        return -1;
    return (int)(dev - devices);
}

unsigned pci_device_count(void) { return device_count; }
unsigned pci_bus_count(void) { return bus_count; }

struct pci_device *pci_device_at(unsigned index) { return index < device_count ? &devices[index] : NULL; }

struct pci_device *pci_find(uint16_t vendor, uint16_t device, unsigned nth)
{
    for (unsigned i = 0; i < device_count; i++)
        if (!devices[i].removed && devices[i].vendor_id == vendor && devices[i].device_id == device && nth-- == 0)
            return &devices[i];
    return NULL;
}

struct pci_device *pci_find_address(uint8_t bus, uint8_t device, uint8_t function)
{
    for (unsigned i = 0; i < device_count; i++) {
        struct pci_address a = devices[i].address;
        if (!devices[i].removed && a.bus == bus && a.device == device && a.function == function)
            return &devices[i];
    }
    return NULL;
}

uint8_t pci_config_read8_cb(void *context, uint8_t offset)
{
    return pci_config_read8(*(const struct pci_address *)context, offset);
}

/* ---- the Command register ---------------------------------------------------------------------
 * Bit 0 lets the function answer I/O cycles to its I/O BARs, bit 1 memory cycles to its memory
 * BARs, bit 2 lets it start its own bus transactions ("bus master": DMA, and also MSI, because an
 * MSI is just a memory write the device makes), bit 10 silences its INTx pin. Firmware usually
 * sets I/O and memory and leaves bus mastering to the driver that knows the device is ready. */

static void command_update(struct pci_device *dev, uint16_t set, uint16_t clear)
{
    uint64_t flags = pci_rmw_lock();
    uint16_t cmd = pci_config_read16(dev->address, PCI_COMMAND);
    uint16_t updated = (uint16_t)((cmd & ~clear) | set);
    if (updated != cmd)
        pci_config_write16(dev->address, PCI_COMMAND, updated);
    pci_rmw_unlock(flags);
}

void pci_enable_memory(struct pci_device *dev) { command_update(dev, PCI_COMMAND_MEMORY, 0); }
void pci_enable_io(struct pci_device *dev) { command_update(dev, PCI_COMMAND_IO, 0); }
void pci_enable_bus_master(struct pci_device *dev) { command_update(dev, PCI_COMMAND_BUS_MASTER, 0); }

void pci_set_intx_disabled(struct pci_device *dev, bool disabled)
{
    if (disabled)
        command_update(dev, PCI_COMMAND_INTX_DISABLE, 0);
    else
        command_update(dev, 0, PCI_COMMAND_INTX_DISABLE);
}

/* Status bit 3 follows the function's own INTx level even while INTx Disable is set, which is how
 * an ISR on a shared line can tell whether *its* device is the one pulling it. */
bool pci_intx_asserted(struct pci_device *dev)
{
    return (pci_config_read16(dev->address, PCI_STATUS) & PCI_STATUS_INTERRUPT) != 0;
}

volatile void *pci_map_bar(struct pci_device *dev, unsigned bar)
{
    if (bar >= PCI_BAR_COUNT)
        return NULL;
    const struct pci_bar *b = &dev->bars[bar];
    if ((b->kind != PCI_BAR_MEM32 && b->kind != PCI_BAR_MEM64) || b->base == 0 || b->size == 0)
        return NULL;
    /* Device registers must never be cached: a read has to reach the device every time. */
    uint64_t va = paging_map_mmio(b->base, b->size < 4096 ? 4096 : (size_t)b->size);
    if (!va)
        return NULL;
    pci_enable_memory(dev);
    return (volatile void *)(uintptr_t)va;
}

/* ---- bring-up --------------------------------------------------------------------------------- */

void pci_init(void)
{
    device_count = 0;
    dropped = 0;
    bus_count = pci_scan_all();
    if (device_count == 0) {
        log_warn("pci: no functions found (no host bridge answers configuration mechanism #1)");
        return;
    }
    pci_intx_init();

    unsigned msi = 0, msix = 0, intx = 0, unwired = 0;
    for (unsigned i = 0; i < device_count; i++) {
        const struct pci_device *d = &devices[i];
        msi += d->msi.present;
        msix += d->msix.present;
        if (d->interrupt_pin) {
            if (d->has_gsi)
                intx++;
            else
                unwired++;
        }
    }
    /* One line, under 80 columns with the log tag: functions, buses, board, interrupt kinds. */
    log_info("pci: %u function%s on %u bus%s; board %s; INTx %u, MSI %u, MSI-X %u", device_count,
             device_count == 1 ? "" : "s", bus_count, bus_count == 1 ? "" : "es", pci_board_name(), intx, msi, msix);
    if (unwired)
        log_warn("pci: %u function%s with an INTx pin whose GSI is unknown", unwired, unwired == 1 ? "" : "s");
}
