/* drivers/pci/pci_config.h - TEMPORARY forwarding header. Configuration-space access moved to
 * arch/x86_64/pci_config.h (the PCI bus itself to kernel/bus/pci/); drivers/ndis still includes
 * this path while it is being reworked. Remove this file when NDIS moves into kernel/. */
#include "arch/x86_64/pci_config.h"
