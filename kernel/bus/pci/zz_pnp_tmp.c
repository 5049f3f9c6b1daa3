/* TEMPORARY until pnp13's API is merged: removed in the merge. */
#include "kernel/bus/pci/pcie_hotplug.h"
#include "kernel/io/pnp.h"
#include "kernel/console/log.h"
PDEVICE_OBJECT io_pnp_add_pci_function(struct pci_device *dev);
NTSTATUS io_pnp_remove_device(PDEVICE_OBJECT pdo);
NTSTATUS io_pnp_surprise_remove_device(PDEVICE_OBJECT pdo);
PDEVICE_OBJECT io_pnp_add_pci_function(struct pci_device *dev) { log_info("TMP add %s", dev->label); return NULL; }
NTSTATUS io_pnp_remove_device(PDEVICE_OBJECT pdo) { (void)pdo; return STATUS_SUCCESS; }
NTSTATUS io_pnp_surprise_remove_device(PDEVICE_OBJECT pdo) { (void)pdo; return STATUS_SUCCESS; }
