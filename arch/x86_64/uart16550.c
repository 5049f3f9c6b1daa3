/* arch/x86_64/uart16550.c - the kernel's console UART: programming COM1 and sending, polled.
 * Register map and bits: National Semiconductor PC16550D data sheet, "Register Descriptions"
 * (Table II). QEMU emulates this chip for -serial.
 *
 * Output is always polled: the console, log lines and the stop screen must work before there
 * are interrupts, with interrupts off, and after a crash. Receiving is interrupt-driven once the
 * serial driver has started (drivers/serial/serial_driver.c, which has its own description of
 * the chip, as Windows' serial.sys and its kernel debugger transport each have theirs);
 * uart_try_getc is the fallback before that. */
#include "arch/x86_64/uart16550.h"

#include "arch/x86_64/cpu.h"

/* The registers and bits the polled side uses (PC16550D data sheet, Table II). */
#define UART_DATA 0 /* RBR / THR; divisor latch low when LCR.DLAB = 1 */
#define UART_IER 1  /* interrupt enable; divisor latch high when LCR.DLAB = 1 */
#define UART_IIR 2  /* interrupt identification (read) */
#define UART_FCR 2  /* FIFO control (write) */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define IIR_FIFOS_ENABLED 0xC0 /* bits 7:6 read 11 when the FIFOs are on */
#define FCR_ENABLE 0x01
#define FCR_CLEAR_TX 0x04
#define FCR_TRIGGER_14 0xC0
#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT2 0x08 /* on a PC, OUT2 gates the UART's INTR output onto the IRQ line */
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20

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
