/* kernel/bus/pci/pci_hotplug_scan.h - the PCI table after boot: functions that arrive in a
 * hot-plug slot and leave it again (used by the PCI Express hot-plug controller, pcie_hotplug.c).
 *
 * The table (pci.c) never shrinks: drivers keep pointers into it. A function that leaves is
 * marked `removed` (pci_find / pci_find_address then skip it) and its entry is taken again
 * when a function appears at the same bus:device.function.
 */
#ifndef IRQLAB_PCI_HOTPLUG_SCAN_H
#define IRQLAB_PCI_HOTPLUG_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/bus/pci/pci.h"

struct pci_window {
    uint64_t base, end; /* [base, end); end == 0: the bridge forwards no such window */
    uint64_t next;      /* first free address */
};

struct pci_bridge_windows {
    struct pci_window io, mem, pref;
    bool pref_64;
};

/* Read the I/O, memory and prefetchable windows a bridge forwards (pci_bar_assign.c). */
void pci_bridge_windows(const struct pci_device *bridge, struct pci_bridge_windows *w);
void pci_bar_window_reset(struct pci_bridge_windows *w);
/* Give every sized BAR of `dev` an address in `w`; returns how many did not fit. */
unsigned pci_assign_bars(struct pci_device *dev, struct pci_bridge_windows *w);

/* Scan the functions of device 0 on the bus behind `bridge` (pci_scan.c): each one found gets a
 * table entry (a removed one at the same address is reused), its BARs sized and assigned from
 * `w`, capabilities read and INTx resolved. Fills `found` (up to 8); returns how many. */
unsigned pci_scan_slot(struct pci_device *bridge, struct pci_bridge_windows *w, struct pci_device **found);

/* The function left its slot: its entry stays (pointers into the table remain valid) but is
 * skipped by lookups until reused. */
void pci_mark_removed(struct pci_device *dev);

/* pci_intx.c: work out where this one function's INTx pin arrives (pci_intx_init does it for
 * every function at boot). */
void pci_intx_resolve(struct pci_device *dev);

#endif
