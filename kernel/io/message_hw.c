/* kernel/io/message_hw.c - putting granted messages into the device (see message_hw.h).
 * PCI Local Bus Specification 3.0 §6.8.1 (MSI), PCI Express Base 3.0 §7.7 (MSI-X); the
 * mechanics are kernel/bus/pci/pci_msi.c and pci_msix.c.
 *
 * The I/O manager programs exactly the MessageAddress / MessageData it reports in the
 * IO_INTERRUPT_MESSAGE_INFO table, so a student can compare the table with `pci` output. Order
 * matters because a message may be sent the moment the device is allowed to:
 *   MSI-X  write the entry (masked) -> enable the function -> connect the object (the vector's
 *          unmask hook clears the entry's mask bit);
 *   MSI    connect the objects -> program and enable the capability (edu cannot mask a message,
 *          so enabling is the moment it becomes live). Re-aiming a live one never turns it off
 *          (pci_msi_retarget): a message raised while MSI is off is lost, not postponed.
 */
#include "kernel/io/message_hw.h"

#include "kernel/ke/interrupt.h"

void io_message_write(struct io_pdo *pdo, unsigned index)
{
    if (pdo->resources.kind != IO_INTERRUPT_MSIX)
        return;
    const struct io_message *m = &pdo->messages[index];
    pci_msix_set_entry(pdo->pci, index, m->address, m->data);
}

bool io_messages_enable(struct io_pdo *pdo)
{
    if (pdo->messages_enabled)
        return true;
    if (pdo->resources.kind == IO_INTERRUPT_MSIX) {
        pci_msix_enable(pdo->pci);
    } else if (pdo->resources.kind == IO_INTERRUPT_MSI) {
        /* One address for all messages; message k is sent with data + k. */
        const struct io_message *first = &pdo->messages[0];
        if (!pci_msi_enable(pdo->pci, first->address, first->data, pdo->resources.message_count))
            return false;
    } else {
        return false;
    }
    /* A message is a memory write the device makes: without Bus Master it is silently lost. */
    pci_enable_bus_master(pdo->pci);
    pdo->messages_enabled = true;
    return true;
}

void io_messages_disable(struct io_pdo *pdo)
{
    if (!pdo->messages_enabled)
        return;
    if (pdo->resources.kind == IO_INTERRUPT_MSIX)
        pci_msix_disable(pdo->pci);
    else if (pdo->resources.kind == IO_INTERRUPT_MSI)
        pci_msi_disable(pdo->pci);
    pdo->messages_enabled = false;
}

void io_message_retargeted(struct io_pdo *pdo, unsigned index)
{
    const struct io_message *m = &pdo->messages[index];
    if (pdo->resources.kind == IO_INTERRUPT_MSIX) {
        /* set_entry masks the entry while it rewrites it; unmask again if an ISR is connected. */
        pci_msix_set_entry(pdo->pci, index, m->address, m->data);
        if (!ke_vector_table[m->vector].masked)
            pci_msix_mask(pdo->pci, index, false);
    } else if (pdo->resources.kind == IO_INTERRUPT_MSI && pdo->messages_enabled) {
        /* Live: never off and on again - an interrupt the device raised in between would go to
         * its INTx pin, which MSI has disabled, and be lost (pci_msi_retarget keeps it on). */
        pci_msi_retarget(pdo->pci, pdo->messages[0].address, pdo->messages[0].data, pdo->resources.message_count);
    }
}
