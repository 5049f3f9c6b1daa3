/* kernel/bus/pci/pci_bar_assign.c - addresses for the BARs of a function that appeared after boot.
 *
 * At boot the firmware (SeaBIOS) gave every function its BAR addresses and every bridge the
 * windows it forwards; irqlab only reads them (pci_scan.c). A function hot-plugged into a slot
 * later has all-zero BARs: nobody assigned them. The addresses must lie inside the windows of
 * the bridge above it (the root port), or the port does not forward the cycles. SeaBIOS leaves
 * room for this in hot-plug capable ports (its pciinit.c reserves a window even for an empty
 * slot); we read the windows and place each BAR, largest first, naturally aligned.
 *
 * References: PCI-to-PCI Bridge Architecture Specification 1.2 §3.2.5.6 (I/O Base/Limit),
 * §3.2.5.8 (Memory Base/Limit), §3.2.5.9 (Prefetchable Memory Base/Limit and Upper 32 Bits);
 * PCI Local Bus Specification 3.0 §6.2.5.1 (a BAR's size is its alignment).
 *
 * One slot holds one device (functions 0-7 of device 0 on the port's secondary bus), added and
 * removed as a whole, so the window is handed out from its start at every plug
 * (pci_bar_window_reset): nothing else lives there.
 */
#include "kernel/bus/pci/pci_hotplug_scan.h"

#include "kernel/bus/pci/pci_decode.h"
#include "kernel/bus/pci/pci_internal.h"
#include "kernel/console/log.h"

#define BRIDGE_IO_BASE 0x1C
#define BRIDGE_IO_LIMIT 0x1D
#define BRIDGE_MEM_BASE 0x20
#define BRIDGE_MEM_LIMIT 0x22
#define BRIDGE_PREF_BASE 0x24
#define BRIDGE_PREF_LIMIT 0x26
#define BRIDGE_PREF_BASE_UPPER 0x28
#define BRIDGE_PREF_LIMIT_UPPER 0x2C
#define BRIDGE_IO_BASE_UPPER 0x30
#define BRIDGE_IO_LIMIT_UPPER 0x32

void pci_bridge_windows(const struct pci_device *bridge, struct pci_bridge_windows *w)
{
    struct pci_address a = bridge->address;
    *w = (struct pci_bridge_windows){0};
    uint8_t io_base = pci_config_read8(a, BRIDGE_IO_BASE), io_limit = pci_config_read8(a, BRIDGE_IO_LIMIT);
    uint64_t iob = (uint64_t)(io_base & 0xF0) << 8, iol = ((uint64_t)(io_limit & 0xF0) << 8) | 0xFFF;
    if ((io_base & 0xF) == 1) { /* 32-bit I/O addressing */
        iob |= (uint64_t)pci_config_read16(a, BRIDGE_IO_BASE_UPPER) << 16;
        iol |= (uint64_t)pci_config_read16(a, BRIDGE_IO_LIMIT_UPPER) << 16;
    }
    if (iob < iol && (io_base || io_limit))
        w->io = (struct pci_window){iob, iol + 1, iob};

    uint16_t mb = pci_config_read16(a, BRIDGE_MEM_BASE), ml = pci_config_read16(a, BRIDGE_MEM_LIMIT);
    uint64_t memb = (uint64_t)(mb & 0xFFF0) << 16, meml = ((uint64_t)(ml & 0xFFF0) << 16) | 0xFFFFF;
    if (memb < meml && mb)
        w->mem = (struct pci_window){memb, meml + 1, memb};

    uint16_t pb = pci_config_read16(a, BRIDGE_PREF_BASE), pl = pci_config_read16(a, BRIDGE_PREF_LIMIT);
    uint64_t prefb = (uint64_t)(pb & 0xFFF0) << 16, prefl = ((uint64_t)(pl & 0xFFF0) << 16) | 0xFFFFF;
    if ((pb & 0xF) == 1) { /* 64-bit prefetchable window */
        prefb |= (uint64_t)pci_config_read32(a, BRIDGE_PREF_BASE_UPPER) << 32;
        prefl |= (uint64_t)pci_config_read32(a, BRIDGE_PREF_LIMIT_UPPER) << 32;
        w->pref_64 = true;
    }
    if (prefb < prefl && pb)
        w->pref = (struct pci_window){prefb, prefl + 1, prefb};
}

void pci_bar_window_reset(struct pci_bridge_windows *w)
{
    w->io.next = w->io.base;
    w->mem.next = w->mem.base;
    w->pref.next = w->pref.base;
}

static bool take(struct pci_window *win, uint64_t size, uint64_t *out)
{
    if (win->end == 0 || size == 0)
        return false;
    uint64_t at = (win->next + size - 1) & ~(size - 1);
    if (at < win->next || at + size > win->end)
        return false;
    *out = at;
    win->next = at + size;
    return true;
}

/* Place one BAR; false when no window has room (it stays 0 and the function never decodes it). */
static bool place(struct pci_device *dev, unsigned i, struct pci_bridge_windows *w)
{
    struct pci_bar *bar = &dev->bars[i];
    uint64_t at = 0;
    bool ok;
    if (bar->kind == PCI_BAR_IO)
        ok = take(&w->io, bar->size, &at);
    else if (bar->prefetchable && (bar->kind == PCI_BAR_MEM64 || !w->pref_64) && take(&w->pref, bar->size, &at))
        ok = true;
    else
        ok = take(&w->mem, bar->size, &at); /* the non-prefetchable window is below 4 GiB */
    if (!ok)
        return false;
    uint8_t reg = (uint8_t)(PCI_BAR0 + 4 * i);
    uint32_t low = pci_config_read32(dev->address, reg);
    uint32_t flags = bar->kind == PCI_BAR_IO ? (low & 0x3) : (low & 0xF);
    pci_config_write32(dev->address, reg, (uint32_t)at | flags);
    if (bar->kind == PCI_BAR_MEM64)
        pci_config_write32(dev->address, (uint8_t)(reg + 4), (uint32_t)(at >> 32));
    bar->base = at;
    return true;
}

unsigned pci_assign_bars(struct pci_device *dev, struct pci_bridge_windows *w)
{
    /* Decoding off while BARs move (as in size_bars): a half-written 64-bit BAR is a wild address. */
    uint16_t command = pci_config_read16(dev->address, PCI_COMMAND);
    pci_config_write16(dev->address, PCI_COMMAND, (uint16_t)(command & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY)));
    bool done[PCI_BAR_COUNT] = {false};
    unsigned unplaced = 0;
    for (;;) { /* largest first: natural alignment then wastes nothing */
        int best = -1;
        for (unsigned i = 0; i < PCI_BAR_COUNT; i++)
            if (!done[i] && dev->bars[i].kind != PCI_BAR_NONE && dev->bars[i].size &&
                (best < 0 || dev->bars[i].size > dev->bars[best].size))
                best = (int)i;
        if (best < 0)
            break;
        done[best] = true;
        if (!place(dev, (unsigned)best, w)) {
            unplaced++;
            dev->bars[best].base = 0;
            if (dev->bars[best].kind == PCI_BAR_IO && w->io.end == 0) {
                /* SeaBIOS opens no I/O window in PCI Express ports (I/O space is scarce, and a PCI
                 * Express endpoint must work without its I/O BARs: PCIe Base 3.0 §1.3.2.1). */
                log_info("pci: %s BAR%d (I/O) unassigned: the port forwards no I/O space", dev->label, best);
                continue;
            }
            log_warn("pci: %s BAR%d (%s, %llu bytes) does not fit the bridge window; left unassigned", dev->label, best,
                     dev->bars[best].kind == PCI_BAR_IO ? "I/O" : "memory", (unsigned long long)dev->bars[best].size);
        }
    }
    pci_config_write16(dev->address, PCI_COMMAND, command);
    return unplaced;
}
