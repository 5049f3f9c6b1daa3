/* kernel/bus/pci/pci_msi.c - Message Signalled Interrupts (PCI Local Bus Specification 3.0 §6.8.1).
 *
 * With MSI a device does not pull a pin: it *writes* a 32-bit value (Message Data) to an address
 * (Message Address), like any DMA write. On x86 the address 0xFEExxxxx is not memory - the local
 * APICs catch writes there and turn them into an interrupt with the vector in the data (Intel
 * SDM Vol. 3A §11.11; kernel/ke/irq_route.c builds the pair). Consequences a student meets:
 *   - no IOAPIC, no sharing, no trigger/polarity questions: one message = one vector;
 *   - the device must be allowed to write to memory: Bus Master in the Command register;
 *   - it is edge-like: a message is an event, not a level, so the ISR must leave the device in a
 *     state where its *next* event sends a new message (edu: acknowledge every time).
 * A function may ask for up to 32 messages (Multiple Message Capable); software grants a power of
 * two (Multiple Message Enable), and message k is sent with Data's low bits replaced by k - which
 * is why the data of a multi-message block must be aligned to the count.
 *
 * The capability (at dev->msi.offset) is, when 64-bit and maskable:
 *   +0 ID 0x05 | next | Message Control (16 bits)   +4 Address low   +8 Address high
 *   +0x0C Data (16 bits)   +0x10 Mask Bits   +0x14 Pending Bits
 * without the 64-bit feature Data sits at +8, and so on (pci_msi_layout in pci_decode.c).
 */
#include "kernel/bus/pci/pci_decode.h"
#include "kernel/bus/pci/pci_internal.h"
#include "kernel/console/log.h"
#include "kernel/ke/interrupt.h"

static uint8_t msi_reg(const struct pci_device *dev, uint8_t offset) { return (uint8_t)(dev->msi.offset + offset); }

static uint16_t msi_control(const struct pci_device *dev)
{
    return pci_config_read16(dev->address, msi_reg(dev, PCI_MSI_CONTROL));
}

bool pci_msi_enabled(struct pci_device *dev) { return dev->msi.present && (msi_control(dev) & PCI_MSI_CONTROL_ENABLE); }

bool pci_msi_enable(struct pci_device *dev, uint64_t address, uint32_t data, unsigned count)
{
    if (!dev->msi.present || pci_msix_enabled(dev))
        return false;
    uint16_t control = msi_control(dev);
    struct pci_msi_layout l = pci_msi_layout(control);
    if (pci_msi_mme_for_count(count, l.max_messages) < 0)
        return false;
    if ((data & (count - 1)) != 0 || data > 0xFFFF) /* message k replaces the low log2(count) bits */
        return false;
    if ((address >> 32) && !l.address_64)
        return false;

    struct pci_address a = dev->address;
    /* Never reprogram a live capability: a message sent between the address and the data write
     * would go to a half-updated destination. Off, program, on. */
    pci_config_write16(a, msi_reg(dev, PCI_MSI_CONTROL), (uint16_t)(control & ~PCI_MSI_CONTROL_ENABLE));
    pci_config_write32(a, msi_reg(dev, l.address_lo), (uint32_t)address);
    if (l.address_64)
        pci_config_write32(a, msi_reg(dev, l.address_hi), (uint32_t)(address >> 32));
    pci_config_write16(a, msi_reg(dev, l.data), (uint16_t)data);
    if (l.per_vector_masking) {
        /* Granted messages start unmasked (the interrupt core may mask them later through the
         * pci_msi_source hooks); the ones beyond `count` can never be sent, mask them anyway. */
        uint32_t granted = count >= 32 ? 0xFFFFFFFFu : (1u << count) - 1u;
        pci_config_write32(a, msi_reg(dev, l.mask), ~granted);
    }
    /* MSI and INTx are exclusive: switch the pin off explicitly (PCI 3.0 §6.8.1: a function with
     * MSI enabled must not use INTx; the INTx Disable bit makes that visible and checkable). */
    pci_set_intx_disabled(dev, true);
    pci_config_write16(a, msi_reg(dev, PCI_MSI_CONTROL), pci_msi_control_enable(control, count));
    return true;
}

bool pci_msi_retarget(struct pci_device *dev, uint64_t address, uint32_t data, unsigned count)
{
    if (!pci_msi_enabled(dev))
        return pci_msi_enable(dev, address, data, count); /* not live: nothing can be lost */
    uint16_t control = msi_control(dev);
    struct pci_msi_layout l = pci_msi_layout(control);
    uint64_t old_address;
    uint32_t old_data;
    pci_msi_read(dev, &old_address, &old_data, NULL);
    struct pci_address a = dev->address;
    switch (pci_msi_retarget_plan(&l, old_address, old_data, address, data)) {
    case PCI_MSI_RETARGET_NOTHING: return true;
    case PCI_MSI_RETARGET_ADDRESS_LO:
        /* The x86 case (the CPU is in the low dword, the vector in Data): Enable stays on. */
        pci_config_write32(a, msi_reg(dev, l.address_lo), (uint32_t)address);
        return true;
    case PCI_MSI_RETARGET_MASKED: {
        uint64_t flags = pci_rmw_lock();
        uint32_t mask = pci_config_read32(a, msi_reg(dev, l.mask));
        pci_config_write32(a, msi_reg(dev, l.mask), 0xFFFFFFFFu);
        pci_config_write32(a, msi_reg(dev, l.address_lo), (uint32_t)address);
        if (l.address_64)
            pci_config_write32(a, msi_reg(dev, l.address_hi), (uint32_t)(address >> 32));
        pci_config_write16(a, msi_reg(dev, l.data), (uint16_t)data);
        pci_config_write32(a, msi_reg(dev, l.mask), mask); /* pending messages go out now */
        pci_rmw_unlock(flags);
        return true;
    }
    case PCI_MSI_RETARGET_OFF_AND_ON: break;
    }
    /* irqlab: never reached on x86 (a re-aim changes only the destination CPU); a message the
     * function raises in this window is lost, which is why the two paths above exist. */
    log_warn("pci: %s: MSI re-aimed with Enable off (no per-vector masking, Data changes)", dev->label);
    return pci_msi_enable(dev, address, data, count);
}

void pci_msi_disable(struct pci_device *dev)
{
    if (!dev->msi.present)
        return;
    uint16_t control = msi_control(dev);
    control &= (uint16_t) ~(PCI_MSI_CONTROL_ENABLE | PCI_MSI_CONTROL_MME_MASK);
    pci_config_write16(dev->address, msi_reg(dev, PCI_MSI_CONTROL), control);
    /* INTx Disable stays set on purpose: see pci.h. */
}

bool pci_msi_read(struct pci_device *dev, uint64_t *address, uint32_t *data, unsigned *count)
{
    if (!dev->msi.present)
        return false;
    uint16_t control = msi_control(dev);
    struct pci_msi_layout l = pci_msi_layout(control);
    uint64_t addr = pci_config_read32(dev->address, msi_reg(dev, l.address_lo));
    if (l.address_64)
        addr |= (uint64_t)pci_config_read32(dev->address, msi_reg(dev, l.address_hi)) << 32;
    if (address)
        *address = addr;
    if (data)
        *data = pci_config_read16(dev->address, msi_reg(dev, l.data));
    if (count)
        *count = 1u << ((control & PCI_MSI_CONTROL_MME_MASK) >> PCI_MSI_CONTROL_MME_SHIFT);
    return true;
}

bool pci_msi_mask(struct pci_device *dev, unsigned message, bool masked)
{
    if (!dev->msi.present || !dev->msi.per_vector_masking || message >= dev->msi.max_messages)
        return false;
    struct pci_msi_layout l = pci_msi_layout(msi_control(dev));
    uint8_t reg = msi_reg(dev, l.mask);
    uint64_t flags = pci_rmw_lock(); /* all messages share this one register */
    uint32_t bits = pci_config_read32(dev->address, reg);
    bits = masked ? bits | (1u << message) : bits & ~(1u << message);
    pci_config_write32(dev->address, reg, bits);
    pci_rmw_unlock(flags);
    return true;
}

/* ---- hooks for the interrupt core -------------------------------------------------------------- */

static void msi_source_mask(const struct ke_source *source)
{
    pci_msi_mask(source->controller_context, source->message, true);
}

static void msi_source_unmask(const struct ke_source *source)
{
    pci_msi_mask(source->controller_context, source->message, false);
}

void pci_msi_source(struct pci_device *dev, unsigned message, const char *label, struct ke_source *out)
{
    *out = (struct ke_source){
        .kind = KE_SOURCE_MSI,
        .label = label ? label : dev->label,
        .controller_context = dev,
        .message = message,
    };
    /* Without per-vector masking the message simply cannot be held back (short of turning all of
     * MSI off, which would lose events): the hooks stay NULL and the core knows it. */
    if (dev->msi.per_vector_masking) {
        out->mask = msi_source_mask;
        out->unmask = msi_source_unmask;
    }
}
