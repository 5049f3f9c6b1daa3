/* drivers/parport/lpt_shell.c - `lpt <text>` and `lpt status`: the parallel-port stack from the
 * prompt. Not part of any driver: it looks at the port driver (parport.h) and its two clients
 * (parprint.h, parwatch.h) from outside, the way a debugger extension would.
 *
 *   lpt <text>    print the text and a newline through parprint (QEMU's -parallel backend gets it)
 *   lpt status    who owns the port, who waits, whether the port interrupt is connected (and its
 *                 IOAPIC pin masked), every connected client ISR in the order the port calls
 *                 them with how often each was called and claimed, and the clients' own counts.
 */
#include "lpt_shell.h"

#include <irqlab.h> /* the shell command and the debugger-like look-ups: irqlab's, not WDK */

#include "../parprint/parprint.h"
#include "../parwatch/parwatch.h"
#include "parport.h"

NTSTATUS lpt_print_text(const char *text, bool newline)
{
    size_t length = __builtin_strlen(text); /* strlen, as ntoskrnl exports it */
    UCHAR *job = ExAllocatePool2(POOL_FLAG_NON_PAGED, length + 1, IRQLAB_POOL_TAG("LptS"));
    if (!job)
        return STATUS_INSUFFICIENT_RESOURCES;
    for (size_t i = 0; i < length; i++) /* bytes for the printer, not a C string */
        job[i] = (UCHAR)text[i];
    if (newline)
        job[length++] = '\n';
    NTSTATUS status = parprint_print(job, (ULONG)length); /* one job: one allocation of the port */
    ExFreePoolWithTag(job, IRQLAB_POOL_TAG("LptS"));
    return status;
}

static const char *owner_name(const struct parport_status *s)
{
    if (!s->allocated)
        return "nobody (free)";
    if (parprint_owns_port())
        return "parprint";
    if (parwatch_owns_port())
        return "parwatch";
    return "a client (TryAllocatePort / a test)";
}

static void routine_name(PVOID routine, char *buf, size_t size)
{
    if (!routine) {
        if (size >= 2) {
            buf[0] = '-';
            buf[1] = '\0';
        }
        return;
    }
    (void)IrqlabFormatSymbol(routine, buf, (ULONG)size);
}

void lpt_show_status(void)
{
    PDEVICE_OBJECT fdo = parport_device(0);
    struct parport_status s;
    if (!parport_query_status(fdo, &s)) {
        IrqlabShellPrint("no parallel port (\\Device\\ParallelPort0): QEMU started without LPT1?\n");
        return;
    }
    IrqlabShellPrint("\\Device\\ParallelPort0: I/O 0x%x, IRQ %u -> vector 0x%02x (IRQL %u)\n", s.base, (unsigned)s.irq,
                     (unsigned)s.vector, s.irql);
    IrqlabShellPrint("  owner      %s\n", owner_name(&s));
    IrqlabShellPrint("  waiters    %u (allocate waits %llu, cancelled %llu, handed over %llu)\n", (unsigned)s.waiters,
                     (unsigned long long)s.waits, (unsigned long long)s.cancellations, (unsigned long long)s.handovers);
    IrqlabShellPrint("  allocated  %llu times, busy %llu, stray frees %llu, idle checks %llu\n",
                     (unsigned long long)s.allocations, (unsigned long long)s.refusals,
                     (unsigned long long)s.stray_frees, (unsigned long long)s.deferred_passes);

    const char *pin = "?";
    IRQLAB_INTERRUPT_LINE_STATE line;
    if (NT_SUCCESS(IrqlabQueryInterruptLine(parport_pdo(fdo), &line)))
        pin = line.Masked ? "masked" : "unmasked";
    IrqlabShellPrint("  interrupt  %s, %u client%s, IOAPIC pin %s;\n             %llu interrupts, %llu unclaimed\n",
                     s.connected ? "connected" : "not connected", s.client_count, s.client_count == 1 ? "" : "s", pin,
                     (unsigned long long)s.interrupts, (unsigned long long)s.unclaimed);
    if (s.client_count)
        IrqlabShellPrint("  client ISRs, in the order the port calls them:\n"
                         "     # isr                       calls    claimed  deferred checks\n");
    for (unsigned i = 0; i < s.client_count && i < PARPORT_MAX_STATUS_CLIENTS; i++) {
        char name[40];
        routine_name((PVOID)s.clients[i].isr, name, sizeof(name));
        IrqlabShellPrint("  %4u %-22s %9llu %10llu %16llu\n", i + 1, name, (unsigned long long)s.clients[i].calls,
                         (unsigned long long)s.clients[i].claims, (unsigned long long)s.clients[i].deferred_calls);
    }

    struct parprint_counts pc = {0};
    parprint_get_counts(&pc);
    IrqlabShellPrint("  parprint   %s; %llu jobs, %llu bytes, %llu ACK interrupts, %llu ACK timeouts\n",
                     parprint_is_open() ? (parprint_interrupt_driven() ? "open, interrupt-driven" : "open, polled")
                                        : "closed",
                     (unsigned long long)pc.jobs, (unsigned long long)pc.bytes, (unsigned long long)pc.interrupts,
                     (unsigned long long)pc.timeouts);
    struct parwatch_counts wc = {0};
    parwatch_get_counts(&wc);
    IrqlabShellPrint("  parwatch   %s; saw %llu, claimed %llu, grabbed %llu, idle checks %llu\n",
                     parwatch_connected() ? "connected" : "not connected", (unsigned long long)wc.seen,
                     (unsigned long long)wc.claimed, (unsigned long long)wc.grabs,
                     (unsigned long long)wc.deferred_checks);
}

static int cmd_lpt(const IRQLAB_SHELL_ARGS *args)
{
    if (args->argc < 2)
        return IRQLAB_SHELL_USAGE;
    if (args->argc == 2 && __builtin_strcmp(args->argv[1], "status") == 0) {
        lpt_show_status();
        return IRQLAB_SHELL_OK;
    }
    NTSTATUS status = lpt_print_text(args->text, true);
    if (!NT_SUCCESS(status)) {
        IrqlabShellPrint("lpt: printing failed: status 0x%08x\n", (unsigned)status);
        return IRQLAB_SHELL_ERROR;
    }
    struct parprint_counts pc;
    parprint_get_counts(&pc);
    IrqlabShellPrint("lpt: %u bytes sent (%u ACK interrupts, %u ACK timeouts)\n", (unsigned)pc.last_job_bytes,
                     (unsigned)pc.last_job_interrupts, (unsigned)pc.last_job_timeouts);
    return IRQLAB_SHELL_OK;
}

IRQLAB_SHELL_COMMAND(lpt, "lpt <text> | lpt status", "print on the parallel port; show its owner and interrupts",
                     "lpt <text>   sends the text and a newline through the parprint driver (one byte per\n"
                     "             strobe, the next byte from the acknowledge interrupt)\n"
                     "lpt status   the port's owner and waiters, its interrupt, every connected client ISR\n"
                     "             with its call and claim counts (docs/parport.md)",
                     cmd_lpt);
