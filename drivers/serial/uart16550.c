/* drivers/serial/uart16550.c - polled 16550 UART driver.
 * Register map and bits: National Semiconductor PC16550D data sheet, "Register Descriptions"
 * (RBR/THR +0, IER +1, FCR +2, LCR +3, MCR +4, LSR +5). QEMU emulates this chip for -serial. */
#include "drivers/serial/uart16550.h"

#include "arch/x86_64/cpu.h"

enum {
    UART_DATA = 0,     /* RBR (read) / THR (write); divisor low when LCR.DLAB = 1 */
    UART_IER = 1,      /* interrupt enable; divisor high when LCR.DLAB = 1 */
    UART_FCR = 2,      /* FIFO control (write) */
    UART_LCR = 3,      /* line control */
    UART_MCR = 4,      /* modem control */
    UART_LSR = 5,      /* line status */
};

#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define LCR_DLAB 0x80
#define LCR_8N1 0x03
#define FCR_ENABLE_CLEAR_14 0xC7  /* enable FIFOs, clear both, RX trigger at 14 bytes */
#define MCR_DTR_RTS_OUT2 0x0B     /* OUT2 gates the UART's IRQ line on PC hardware */

void uart_init(uint16_t port)
{
    outb(port + UART_IER, 0x00);
    outb(port + UART_LCR, LCR_DLAB);
    outb(port + UART_DATA, 0x01); /* divisor 1 = 115200 baud */
    outb(port + UART_IER, 0x00);
    outb(port + UART_LCR, LCR_8N1);
    outb(port + UART_FCR, FCR_ENABLE_CLEAR_14);
    outb(port + UART_MCR, MCR_DTR_RTS_OUT2);
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
