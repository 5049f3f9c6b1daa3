/* drivers/serial/uart16550.c - the polled side of COM1: programming the chip and sending.
 * Register map and bits: National Semiconductor PC16550D data sheet, "Register Descriptions"
 * (uart16550_regs.h). QEMU emulates this chip for -serial.
 *
 * Output is always polled: the console, log lines and the stop screen must work before there
 * are interrupts, with interrupts off, and after a crash. Receiving is interrupt-driven once the
 * serial driver has started (serial_driver.c); uart_try_getc is the fallback before that. */
#include "drivers/serial/uart16550.h"

#include "arch/x86_64/cpu.h"
#include "drivers/serial/uart16550_regs.h"

void uart_init(uint16_t port)
{
    outb(port + UART_IER, 0x00);
    outb(port + UART_LCR, LCR_DLAB);
    outb(port + UART_DATA, 0x01); /* divisor 1 = 115200 baud */
    outb(port + UART_IER, 0x00);
    outb(port + UART_LCR, LCR_8N1);
    outb(port + UART_FCR, FCR_ENABLE | FCR_CLEAR_RX | FCR_CLEAR_TX | FCR_TRIGGER_14);
    outb(port + UART_MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
}

void uart_putc(uint16_t port, char c)
{
    /* Bounded wait: a missing UART must not hang the kernel (the loop ends either way). */
    for (int spins = 0; spins < 100000 && !(inb(port + UART_LSR) & LSR_THR_EMPTY); spins++)
        cpu_pause();
    outb(port + UART_DATA, (uint8_t)c);
}

bool uart_try_getc(uint16_t port, char *c)
{
    if (!(inb(port + UART_LSR) & LSR_DATA_READY))
        return false;
    *c = (char)inb(port + UART_DATA);
    return true;
}
