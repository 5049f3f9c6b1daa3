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

bool uart_fifos_enabled(uint16_t port) { return (inb(port + UART_IIR) & IIR_FIFOS_ENABLED) == IIR_FIFOS_ENABLED; }

void uart_init(uint16_t port)
{
    outb(port + UART_IER, 0x00);
    outb(port + UART_LCR, LCR_DLAB);
    outb(port + UART_DATA, 0x01); /* divisor 1 = 115200 baud */
    outb(port + UART_IER, 0x00);
    outb(port + UART_LCR, LCR_8N1);
    /* The FIFOs stay as the firmware left them (off after a reset), and the receiver is never
     * cleared. A student may type as soon as QEMU starts, long before we get here, and what was
     * typed waits in the receiver. Turning the FIFOs on would clear them (PC16550D data sheet,
     * "8.5 FIFO Control Register": changing bit 0 resets both FIFOs; QEMU's hw/char/serial.c
     * does the same) and lose the key waiting there - the "h" of a "help" typed at boot. Taking
     * that key out first does not help: the moment the receiver is empty, the sender may hand
     * over the next one, and no instruction sequence closes that window. Without FIFOs the
     * receiver holds one byte and the sender waits while it is full (QEMU's chardev backend
     * reads no more), so nothing is lost, and each byte interrupts at once, which is what a
     * person typing wants anyway. */
    if (uart_fifos_enabled(port))
        outb(port + UART_FCR, FCR_ENABLE | FCR_CLEAR_TX | FCR_TRIGGER_14); /* bit 0 unchanged */
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
