/* kernel/bus/pci/pci_names.c - device and class names (see pci_names.h).
 * Vendor/device IDs are the ones QEMU 7.2 gives its models (hw/net/e1000*.c, hw/misc/edu.c and
 * QEMU's include/hw/pci/pci_ids.h, read for the numbers); class codes from the PCI Code and ID
 * Assignment Specification 1.11. */
#include "kernel/bus/pci/pci_names.h"

#include <stddef.h>

struct pci_name {
    uint16_t vendor, device;
    const char *name;
};

static const struct pci_name device_names[] = {
    {0x1234, 0x11e8, "edu"},                 /* QEMU's teaching device */
    {0x1234, 0x1111, "VGA (bochs std)"},     /* -vga std */
    {0x8086, 0x1237, "i440FX host bridge"},  /* pc */
    {0x8086, 0x7000, "PIIX3 ISA bridge"},    /* pc 00:01.0: owns PIRQA-D */
    {0x8086, 0x7010, "PIIX3 IDE"},
    {0x8086, 0x7020, "PIIX3 USB (UHCI)"},
    {0x8086, 0x7113, "PIIX4 ACPI/SMBus"},    /* pc 00:01.3: SCI on IRQ 9 */
    {0x8086, 0x29c0, "Q35 host bridge"},     /* q35 MCH */
    {0x8086, 0x2918, "ICH9 LPC"},            /* q35 00:1f.0: owns PIRQA-H */
    {0x8086, 0x2922, "ICH9 SATA (AHCI)"},
    {0x8086, 0x2930, "ICH9 SMBus"},
    {0x8086, 0x244e, "ICH9 DMI-PCI bridge"},
    {0x8086, 0x100e, "e1000 (82540EM)"},
    {0x8086, 0x100f, "e1000 (82545EM)"},
    {0x8086, 0x1004, "e1000 (82544GC)"},
    {0x8086, 0x10d3, "e1000e (82574L)"},
    {0x8086, 0x2415, "AC97 audio"},
    {0x8086, 0x293e, "ICH9 HD audio"},
    {0x1b36, 0x0001, "PCI-PCI bridge"},      /* -device pci-bridge */
    {0x1b36, 0x000c, "PCIe root port"},      /* -device pcie-root-port */
    {0x1b36, 0x000d, "XHCI USB"},
    {0x1b36, 0x0008, "PCIe host bridge"},
    {0x1af4, 0x1000, "virtio-net"},
    {0x1af4, 0x1001, "virtio-blk"},
    {0x1af4, 0x1041, "virtio-net (modern)"},
    {0x1af4, 0x1042, "virtio-blk (modern)"},
    {0x1013, 0x00b8, "Cirrus VGA"},
    {0x10ec, 0x8139, "RTL8139"},
};

const char *pci_device_name(uint16_t vendor, uint16_t device)
{
    for (size_t i = 0; i < sizeof(device_names) / sizeof(device_names[0]); i++)
        if (device_names[i].vendor == vendor && device_names[i].device == device)
            return device_names[i].name;
    return NULL;
}

struct pci_class_entry {
    uint8_t class_code;
    int subclass; /* -1 = any */
    const char *name;
};

/* First match wins, so specific subclasses come before their class's catch-all. */
static const struct pci_class_entry class_names[] = {
    {0x00, -1, "unclassified"},
    {0x01, 0x01, "IDE"},
    {0x01, 0x06, "SATA"},
    {0x01, 0x08, "NVMe"},
    {0x01, -1, "storage"},
    {0x02, 0x00, "Ethernet"},
    {0x02, -1, "network"},
    {0x03, 0x00, "VGA"},
    {0x03, -1, "display"},
    {0x04, -1, "multimedia"},
    {0x05, -1, "memory"},
    {0x06, 0x00, "host bridge"},
    {0x06, 0x01, "ISA bridge"},
    {0x06, 0x04, "PCI bridge"},
    {0x06, 0x80, "bridge"},
    {0x06, -1, "bridge"},
    {0x07, -1, "communication"},
    {0x08, -1, "system peripheral"},
    {0x09, -1, "input"},
    {0x0C, 0x03, "USB"},
    {0x0C, 0x05, "SMBus"},
    {0x0C, -1, "serial bus"},
    {0xFF, -1, "vendor-specific"},
};

const char *pci_class_name(uint8_t class_code, uint8_t subclass)
{
    for (size_t i = 0; i < sizeof(class_names) / sizeof(class_names[0]); i++)
        if (class_names[i].class_code == class_code &&
            (class_names[i].subclass < 0 || class_names[i].subclass == subclass))
            return class_names[i].name;
    return "other";
}
