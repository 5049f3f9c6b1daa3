/* arch/x86_64/pci_config.h - PCI configuration space through configuration mechanism #1
 * (I/O ports 0xCF8 address / 0xCFC data; PCI Local Bus Specification 3.0 §3.2.2.3.2). */
#ifndef IRQLAB_PCI_CONFIG_H
#define IRQLAB_PCI_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

struct pci_address {
    uint8_t bus, device, function;
};

uint32_t pci_config_read32(struct pci_address a, uint8_t offset);
uint16_t pci_config_read16(struct pci_address a, uint8_t offset);
uint8_t pci_config_read8(struct pci_address a, uint8_t offset);
void pci_config_write32(struct pci_address a, uint8_t offset, uint32_t value);
void pci_config_write16(struct pci_address a, uint8_t offset, uint16_t value);
void pci_config_write8(struct pci_address a, uint8_t offset, uint8_t value);

/* First function on bus 0..255 with this vendor/device id (nth = 0 for the first match). */
bool pci_find_device(uint16_t vendor, uint16_t device, unsigned nth, struct pci_address *out);

#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_HEADER_TYPE 0x0E
#define PCI_BAR0 0x10
#define PCI_INTERRUPT_LINE 0x3C
#define PCI_INTERRUPT_PIN 0x3D

#define PCI_COMMAND_IO 0x0001
#define PCI_COMMAND_MEMORY 0x0002
#define PCI_COMMAND_BUS_MASTER 0x0004
#define PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS_INTERRUPT 0x0008

#endif
