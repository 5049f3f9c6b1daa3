/* arch/x86_64/uart16550.h - the 16550 UART behind COM1, the console of every build: the
 * polled routines. Interrupt-driven receive is the serial driver's (drivers/serial/), which
 * hands the bytes to the shell through IrqlabRegisterConsoleInput (include/irqlab.h). */
#ifndef IRQLAB_SERIAL_UART16550_H
#define IRQLAB_SERIAL_UART16550_H

#include <stdbool.h>
#include <stdint.h>

#define COM1_PORT 0x3F8
#define COM1_ISA_IRQ 4

/* Program 115200 baud, 8N1, OUT2 set, no UART interrupts yet (the serial driver enables receive
 * interrupts when it starts; output stays polled). The FIFOs keep their mode (off after reset)
 * and nothing received is cleared: keys typed during boot wait for the shell. */
void uart_init(uint16_t port);
/* True if the UART's FIFOs are on (IIR bits 7:6; turning them on or off would clear them). */
bool uart_fifos_enabled(uint16_t port);
/* Send one byte, waiting until the transmitter has room. "\n" is NOT translated here. */
void uart_putc(uint16_t port, char c);
/* Non-blocking receive: true and *c set when a byte was waiting. Only while the serial driver
 * is not running: otherwise its ISR owns the receiver. */
bool uart_try_getc(uint16_t port, char *c);

#endif
