/* drivers/serial/uart16550.h - the 16550 UART behind COM1, the console of every build. */
#ifndef IRQLAB_SERIAL_UART16550_H
#define IRQLAB_SERIAL_UART16550_H

#include <stdbool.h>
#include <stdint.h>

#define COM1_PORT 0x3F8
#define COM1_ISA_IRQ 4

/* Program 115200 baud, 8N1, FIFOs on, no UART interrupts (output is polled). */
void uart_init(uint16_t port);
/* Send one byte, waiting until the transmitter has room. "\n" is NOT translated here. */
void uart_putc(uint16_t port, char c);
/* Non-blocking receive: true and *c set when a byte was waiting. */
bool uart_try_getc(uint16_t port, char *c);

#endif
