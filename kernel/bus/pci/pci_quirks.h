/* kernel/bus/pci/pci_quirks.h - device-specific work the PCI bus driver does for a device model's
 * peculiarities (like Linux's kernel/bus/pci/quirks.c). */
#ifndef IRQLAB_PCI_QUIRKS_H
#define IRQLAB_PCI_QUIRKS_H

#include <stdbool.h>

#include "kernel/bus/pci/pci.h"

/* Called by pci_msix_disable while MSI-X is still on. QEMU 7.2's e1000e: wait until none of its
 * throttle timers is armed (pci_quirk_e1000e.c). Returns false if that could not be made sure. */
bool pci_quirk_before_msix_disable(struct pci_device *dev);

#endif
