/* kernel/bus/pci/pci_names.h - names for the PCI functions QEMU's pc and q35 boards show, and for
 * the class codes of PCI Code and ID Assignment Specification 1.11 §1 (base classes) - so that
 * `pci_print()` says "edu" rather than only "1234:11e8". Pure (host-tested). */
#ifndef IRQLAB_PCI_NAMES_H
#define IRQLAB_PCI_NAMES_H

#include <stdint.h>

/* The device's name ("e1000e", "ICH9 LPC", ...) or NULL if it is not in the table. */
const char *pci_device_name(uint16_t vendor, uint16_t device);
/* A short description of a class/subclass ("Ethernet", "host bridge", "SATA", ...); never NULL. */
const char *pci_class_name(uint8_t class_code, uint8_t subclass);

#endif
