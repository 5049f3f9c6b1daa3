/* kernel/io/message_hw.h - writing a device's granted messages into its MSI capability or MSI-X
 * table, turning them on and off (message_hw.c). Called by IoConnectInterruptEx / Disconnect
 * under the I/O lock. */
#ifndef IRQLAB_IO_MESSAGE_HW_H
#define IRQLAB_IO_MESSAGE_HW_H

#include <stdbool.h>

#include "kernel/io/pnp.h"

/* MSI-X: write entry `index` (address + data) and leave it masked; ke_interrupt_connect unmasks
 * it through the vector's source hooks. MSI: nothing to do per message (see io_messages_enable). */
void io_message_write(struct io_pdo *pdo, unsigned index);
/* MSI-X: enable the function (entries keep their own masks). MSI: program the one address, the
 * first data value and the count, and enable. False if the device refused. */
bool io_messages_enable(struct io_pdo *pdo);
/* Turn MSI / MSI-X off in the device (INTx stays disabled: the device has no line resource). */
void io_messages_disable(struct io_pdo *pdo);
/* Message `index` was re-aimed (pdo->messages[index] updated): rewrite the device if it is live. */
void io_message_retargeted(struct io_pdo *pdo, unsigned index);

#endif
