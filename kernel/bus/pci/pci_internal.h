/* kernel/bus/pci/pci_internal.h - what the files of the PCI bus driver share with each other
 * (not for drivers: they use pci.h).
 *
 *   pci.c        the device table, pci_init, lookups, Command register helpers, BAR mapping
 *   pci_scan.c   enumeration through bridges, BAR sizing, the capability walk
 *   pci_intx.c   which board this is and where each INTx pin ends up (GSI, trigger, polarity)
 *   pci_msi.c    MSI programming          pci_msix.c   MSI-X table programming
 *   pci_print.c  the lspci-like listing   pci_decode.c / pci_names.c   pure helpers
 */
#ifndef IRQLAB_PCI_INTERNAL_H
#define IRQLAB_PCI_INTERNAL_H

#include "kernel/bus/pci/pci.h"

/* pci.c: a new zeroed entry at the end of the table, or NULL when it is full (counted). */
struct pci_device *pci_table_add(void);
unsigned pci_table_dropped(void);
int pci_device_index(const struct pci_device *dev);

/* pci_scan.c: fill the table from every reachable bus; returns the number of buses scanned. */
unsigned pci_scan_all(void);

/* pci_intx.c: detect the board, then fill has_gsi/gsi/gsi_level/gsi_active_low/pirq. */
void pci_intx_init(void);

/* Read-modify-write of a register several CPUs may change at once (Command, MSI Mask Bits, an
 * MSI-X entry's Vector Control - the interrupt core masks from any CPU at DIRQL): hold this raw
 * lock (interrupts off) around the read and the write. Never held across anything that waits. */
uint64_t pci_rmw_lock(void);
void pci_rmw_unlock(uint64_t flags);

/* Byte reads of one function's configuration space in the shape pci_cap_walk wants. */
uint8_t pci_config_read8_cb(void *context, uint8_t offset); /* context: struct pci_address * */

#endif
