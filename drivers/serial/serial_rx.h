/* drivers/serial/serial_rx.h - what the COM1 driver (serial_driver.c) offers: the bytes it
 * received by interrupt, and statistics (for its `serial` command and tests).
 *
 *   UART ──IRQ 4──▶ IOAPIC ──vector──▶ SerialIsr (DIRQL): drain the FIFO into a ring, IoRequestDpc
 *                                          │
 *                                     SerialDpcForIsr (DISPATCH_LEVEL): IrqlabConsoleInputArrived
 *                                          │
 *                the shell's line editor: its registered input's Read = serial_rx_read()
 *
 * The kernel does not call the driver by name: the driver registers its input source with
 * IrqlabRegisterConsoleInput (include/irqlab.h) when it starts. There is one consumer at a time
 * (the shell); it serialises its own calls. Until the driver has started - or if it failed, or
 * was stopped - serial_rx_interrupt_driven() is false and the shell polls the UART itself
 * (arch/x86_64/uart16550.c), so a prompt works in every case.
 */
#ifndef IRQLAB_SERIAL_SERIAL_RX_H
#define IRQLAB_SERIAL_SERIAL_RX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wdm.h>

/* Take up to `size` received bytes; returns how many. Any IRQL <= DISPATCH_LEVEL; one caller at
 * a time. Still works after the driver stopped (what was received before is not lost). If the
 * receiver was throttled (ring full) and there is room again, it resumes: the UART interrupts
 * for the bytes it kept, and the DPC calls IrqlabConsoleInputArrived again. */
size_t serial_rx_read(char *buffer, size_t size);

/* True while the driver's ISR is connected and the UART's receive interrupt is enabled. */
bool serial_rx_interrupt_driven(void);

struct serial_rx_stats {
    bool interrupt_driven;
    ULONG vector; /* from the translated resources; 0 before the first start */
    KIRQL irql;
    uint64_t isr_calls;      /* the ISR was called ... */
    uint64_t isr_claimed;    /* ... and the UART had an interrupt pending (returned TRUE) */
    uint64_t rx_interrupts;  /* claimed interrupts that were "data available" or "timeout" */
    uint64_t thr_interrupts; /* "transmitter empty" (only while a test enables it) */
    uint64_t bytes;          /* bytes read from the UART */
    uint64_t dropped;        /* ... that did not fit into the ring (0: the receiver throttles instead) */
    uint64_t throttled;      /* times the ring was full and the receiver paused (flow control) */
    uint64_t line_errors;    /* overrun, parity, framing errors and breaks seen in LSR */
    uint64_t dpc_runs;
    uint32_t buffered; /* bytes waiting in the ring now */
};

/* A consistent copy (taken under the interrupt's spin lock while connected). PASSIVE or DISPATCH. */
void serial_rx_get_stats(struct serial_rx_stats *stats);

/* For tests (tests/ktest/serial_test.c): enable or disable the UART's transmitter-empty
 * interrupt. Enabling it makes the UART interrupt at once (its transmitter is idle), which proves
 * the whole path IRQ 4 -> IOAPIC -> vector -> ISR -> DPC without anyone typing.
 * STATUS_INVALID_DEVICE_REQUEST when the driver is not running. */
NTSTATUS serial_rx_test_thr_interrupt(BOOLEAN enable);

#endif
