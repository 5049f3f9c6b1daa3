/* drivers/serial/serial_command.c - the `serial` shell command: what the COM1 driver has seen.
 * A driver can add its own command to the shell without touching the shell (IRQLAB_SHELL_COMMAND,
 * include/irqlab.h: irqlab's teaching hooks, not WDK). */
#include "serial_rx.h"

#include <irqlab.h>

static int cmd_serial(const IRQLAB_SHELL_ARGS *args)
{
    if (args->argc != 1)
        return IRQLAB_SHELL_USAGE;
    struct serial_rx_stats s = {0};
    serial_rx_get_stats(&s);
    if (s.interrupt_driven)
        IrqlabShellPrint("COM1 receive: interrupt-driven, vector 0x%02lx, IRQL %u\n", (unsigned long)s.vector, s.irql);
    else
        IrqlabShellPrint("COM1 receive: polled (the serial driver is not running)\n");
    IrqlabShellPrint("  ISR calls        %12llu   claimed (UART had an interrupt)  %llu\n",
                     (unsigned long long)s.isr_calls, (unsigned long long)s.isr_claimed);
    IrqlabShellPrint("  data interrupts  %12llu   transmitter-empty interrupts     %llu\n",
                     (unsigned long long)s.rx_interrupts, (unsigned long long)s.thr_interrupts);
    IrqlabShellPrint("  bytes received   %12llu   dropped (ring full)              %llu\n", (unsigned long long)s.bytes,
                     (unsigned long long)s.dropped);
    IrqlabShellPrint("  line errors      %12llu   DPC runs                         %llu\n",
                     (unsigned long long)s.line_errors, (unsigned long long)s.dpc_runs);
    IrqlabShellPrint("  paused (ring full, flow control) %llu times\n", (unsigned long long)s.throttled);
    IrqlabShellPrint("  waiting in ring  %12u\n", s.buffered);
    return IRQLAB_SHELL_OK;
}

IRQLAB_SHELL_COMMAND(serial, "serial", "COM1 driver: interrupts, bytes received, DPC runs",
                     "ISR calls minus claimed are interrupts that found the UART quiet: a byte that arrives "
                     "while the ISR is still reading raises a new edge, but the ISR reads that byte in the "
                     "same loop, so the interrupt the edge causes finds nothing (irq counts it as unclaimed). "
                     "Paused: the ring was full (pasted text, typing ahead), so the driver stopped reading the "
                     "UART until the shell took bytes; the sender waited meanwhile and nothing was dropped.",
                     cmd_serial);
