/* arch/x86_64/pci_config.c - configuration mechanism #1. One address write, one data access;
 * a raw lock keeps the pair together when several CPUs use it. */
#include "arch/x86_64/pci_config.h"

#include "arch/x86_64/cpu.h"
#include "kernel/ke/rawlock.h"

#define PCI_CONFIG_ADDRESS 0xCF8
#define PCI_CONFIG_DATA 0xCFC

static raw_lock_t config_lock = RAW_LOCK_INIT;

static uint32_t address_of(struct pci_address a, uint8_t offset)
{
    return 0x80000000u | ((uint32_t)a.bus << 16) | ((uint32_t)(a.device & 0x1F) << 11) |
           ((uint32_t)(a.function & 7) << 8) | (offset & 0xFC);
}

uint32_t pci_config_read32(struct pci_address a, uint8_t offset)
{
    uint64_t flags = raw_lock_acquire(&config_lock);
    outl(PCI_CONFIG_ADDRESS, address_of(a, offset));
    uint32_t value = inl(PCI_CONFIG_DATA);
    raw_lock_release(&config_lock, flags);
    return value;
}

uint16_t pci_config_read16(struct pci_address a, uint8_t offset)
{
    return (uint16_t)(pci_config_read32(a, offset) >> ((offset & 2) * 8));
}

uint8_t pci_config_read8(struct pci_address a, uint8_t offset)
{
    return (uint8_t)(pci_config_read32(a, offset) >> ((offset & 3) * 8));
}

void pci_config_write32(struct pci_address a, uint8_t offset, uint32_t value)
{
    uint64_t flags = raw_lock_acquire(&config_lock);
    outl(PCI_CONFIG_ADDRESS, address_of(a, offset));
    outl(PCI_CONFIG_DATA, value);
    raw_lock_release(&config_lock, flags);
}

void pci_config_write16(struct pci_address a, uint8_t offset, uint16_t value)
{
    uint64_t flags = raw_lock_acquire(&config_lock);
    outl(PCI_CONFIG_ADDRESS, address_of(a, offset));
    outw((uint16_t)(PCI_CONFIG_DATA + (offset & 2)), value);
    raw_lock_release(&config_lock, flags);
}

void pci_config_write8(struct pci_address a, uint8_t offset, uint8_t value)
{
    uint64_t flags = raw_lock_acquire(&config_lock);
    outl(PCI_CONFIG_ADDRESS, address_of(a, offset));
    outb((uint16_t)(PCI_CONFIG_DATA + (offset & 3)), value);
    raw_lock_release(&config_lock, flags);
}

bool pci_find_device(uint16_t vendor, uint16_t device, unsigned nth, struct pci_address *out)
{
    for (unsigned bus = 0; bus < 256; bus++) {
        for (uint8_t dev = 0; dev < 32; dev++) {
            for (uint8_t fn = 0; fn < 8; fn++) {
                struct pci_address a = {(uint8_t)bus, dev, fn};
                uint32_t id = pci_config_read32(a, PCI_VENDOR_ID);
                if ((id & 0xFFFF) == 0xFFFF) {
                    if (fn == 0)
                        break; /* no device in this slot */
                    continue;
                }
                if ((id & 0xFFFF) == vendor && (id >> 16) == device && nth-- == 0) {
                    *out = a;
                    return true;
                }
                if (fn == 0 && !(pci_config_read8(a, PCI_HEADER_TYPE) & 0x80))
                    break; /* single-function device */
            }
        }
    }
    return false;
}
