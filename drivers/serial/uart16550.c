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

/* Bytes typed before uart_init that it took out of the receiver so as not to lose them: with the
 * FIFOs off (as after reset) the receiver holds one; with them on, up to 16. */
static char kept[UART_FIFO_SIZE + 1];
static unsigned kept_count, kept_next;

/* Everything the receiver holds now, into `kept` (bounded: a stuck LSR.DR must not hang boot). */
static void keep_pending_input(uint16_t port)
{
    for (unsigned reads = 0; reads < 64 && (inb(port + UART_LSR) & LSR_DATA_READY); reads++) {
        char c = (char)inb(port + UART_DATA);
        if (kept_count < sizeof(kept))
            kept[kept_count++] = c;
    }
}

void uart_init(uint16_t port)
{
    outb(port + UART_IER, 0x00);
    outb(port + UART_LCR, LCR_DLAB);
    outb(port + UART_DATA, 0x01); /* divisor 1 = 115200 baud */
    outb(port + UART_IER, 0x00);
    outb(port + UART_LCR, LCR_8N1);
    /* A student may type as soon as QEMU starts, before we get here. Turning the FIFOs on clears
     * them (PC16550D "8.5 FIFO Control Register": changing bit 0 resets both FIFOs; QEMU's
     * hw/char/serial.c does the same), and with them the key that waits in the receiver - the "h"
     * of a "help" typed at boot. So take what is there first, then turn the FIFOs on without
     * asking for a receive clear. Before the read the sender was held back (QEMU's chardev waits
     * while the one-byte receiver is full); after it, QEMU's main loop must first notice the
     * read before it hands over the next byte, which takes far longer than the two instructions
     * to the FCR write. */
    keep_pending_input(port);
    outb(port + UART_FCR, FCR_ENABLE | FCR_CLEAR_TX | FCR_TRIGGER_14);
    outb(port + UART_MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
}

size_t uart_take_kept_input(char *buffer, size_t size)
{
    size_t n = 0;
    while (n < size && kept_next < kept_count)
        buffer[n++] = kept[kept_next++];
    return n;
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
    if (uart_take_kept_input(c, 1)) /* what uart_init kept comes first: it was typed first */
        return true;
    if (!(inb(port + UART_LSR) & LSR_DATA_READY))
        return false;
    *c = (char)inb(port + UART_DATA);
    return true;
}
