/* drivers/serial/uart16550_regs.h - the 16550 UART's registers and bits.
 *
 * National Semiconductor PC16550D data sheet, "Register Descriptions" (Table II, "Summary of
 * Registers") and "8.6 Interrupt Identification Register" (Table IV, interrupt priorities).
 * Offsets are from the port base (COM1: 0x3F8). The driver's own description of the chip (the
 * kernel's polled console, arch/x86_64/uart16550.c, defines the few registers it needs itself).
 */
#ifndef IRQLAB_SERIAL_UART16550_REGS_H
#define IRQLAB_SERIAL_UART16550_REGS_H

enum uart16550_register {
    UART_DATA = 0, /* RBR (read) / THR (write); divisor latch low when LCR.DLAB = 1 */
    UART_IER = 1,  /* interrupt enable; divisor latch high when LCR.DLAB = 1 */
    UART_IIR = 2,  /* interrupt identification (read) */
    UART_FCR = 2,  /* FIFO control (write) */
    UART_LCR = 3,  /* line control */
    UART_MCR = 4,  /* modem control */
    UART_LSR = 5,  /* line status */
    UART_MSR = 6,  /* modem status */
    UART_SCR = 7,  /* scratch: any value, no effect (the I/O manager probes COM1 with it) */
};

/* IER: which conditions may interrupt. */
#define IER_RX_DATA 0x01     /* ERBFI: received data available (and the FIFO character timeout) */
#define IER_THR_EMPTY 0x02   /* ETBEI: transmitter holding register empty */
#define IER_LINE_STATUS 0x04 /* ELSI: overrun, parity, framing error, break */
#define IER_MODEM_STATUS 0x08

/* IIR: bit 0 is 0 while an interrupt is pending ("active low"); bits 3:1 say which one, highest
 * priority first. Reading IIR itself clears a pending THR-empty interrupt. */
#define IIR_NO_INTERRUPT 0x01
#define IIR_ID_MASK 0x0E
#define IIR_LINE_STATUS 0x06   /* priority 1: cleared by reading LSR */
#define IIR_RX_DATA 0x04       /* priority 2: cleared when the FIFO drops below its trigger level */
#define IIR_RX_TIMEOUT 0x0C    /* priority 2: data waited 4 character times; cleared by reading RBR */
#define IIR_THR_EMPTY 0x02     /* priority 3: cleared by reading IIR or writing THR */
#define IIR_MODEM_STATUS 0x00  /* priority 4: cleared by reading MSR */
#define IIR_FIFOS_ENABLED 0xC0 /* bits 7:6 read 11 when the FIFOs are on (FCR bit 0) */

/* FCR */
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04
#define FCR_TRIGGER_1 0x00  /* receive interrupt after 1 byte: what an interactive console wants */
#define FCR_TRIGGER_14 0xC0 /* ... after 14 bytes (fewer interrupts for bulk data) */

/* LCR */
#define LCR_8N1 0x03
#define LCR_DLAB 0x80

/* MCR */
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT2 0x08 /* on a PC, OUT2 gates the UART's INTR output onto the IRQ line */
#define MCR_LOOP 0x10

/* LSR */
#define LSR_DATA_READY 0x01
#define LSR_OVERRUN 0x02
#define LSR_PARITY 0x04
#define LSR_FRAMING 0x08
#define LSR_BREAK 0x10
#define LSR_THR_EMPTY 0x20
#define LSR_ERRORS (LSR_OVERRUN | LSR_PARITY | LSR_FRAMING | LSR_BREAK)

#endif
