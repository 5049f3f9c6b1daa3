/* drivers/parport/lpt_shell.c - `lpt <text>` and `lpt status`: the parallel-port stack from the
 * prompt. Not part of any driver: it looks at the port driver (parport.h) and its two clients
 * (parprint.h, parwatch.h) from outside, the way a debugger extension would.
 *
 *   lpt <text>    print the text and a newline through parprint (QEMU's -parallel backend gets it)
 *   lpt status    who owns the port, who waits, whether the port interrupt is connected (and its
 *                 IOAPIC pin masked), every connected client ISR in the order the port calls
 *                 them with how often each was called and claimed, and the clients' own counts.
 */
#include "drivers/parport/lpt_shell.h"

#include "arch/x86_64/ioapic.h"
#include "drivers/parport/parport.h"
#include "drivers/parprint/parprint.h"
#include "drivers/parwatch/parwatch.h"
#include "kernel/console/console.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/ksyms.h"
#include "kernel/lib/string.h"
#include "kernel/shell/shell.h"

NTSTATUS lpt_print_text(const char *text, bool newline)
{
    size_t length = strlen(text);
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
        strlcpy(buf, "-", size);
        return;
    }
    (void)ksym_format((uint64_t)(uintptr_t)routine, buf, size);
}

void lpt_show_status(void)
{
    PDEVICE_OBJECT fdo = parport_device(0);
    struct parport_status s;
    if (!parport_query_status(fdo, &s)) {
        console_printf("no parallel port (\\Device\\ParallelPort0): QEMU started without LPT1?\n");
        return;
    }
    console_printf("\\Device\\ParallelPort0: I/O 0x%x, IRQ %u -> vector 0x%02x (IRQL %u)\n", s.base, (unsigned)s.irq,
                   (unsigned)s.vector, s.irql);
    console_printf("  owner      %s\n", owner_name(&s));
    console_printf("  waiters    %u (allocate waits %llu, cancelled %llu, handed over %llu)\n", (unsigned)s.waiters,
                   (unsigned long long)s.waits, (unsigned long long)s.cancellations, (unsigned long long)s.handovers);
    console_printf("  allocated  %llu times, busy %llu, stray frees %llu, idle checks %llu\n",
                   (unsigned long long)s.allocations, (unsigned long long)s.refusals, (unsigned long long)s.stray_frees,
                   (unsigned long long)s.deferred_passes);

    const char *pin = "?";
    struct io_pdo *pdo = io_pdo_from_device(parport_pdo(fdo));
    struct ioapic_rte rte;
    if (pdo && pdo->assigned && ioapic_read_rte(pdo->resources.gsi, &rte))
        pin = rte.masked ? "masked" : "unmasked";
    console_printf("  interrupt  %s, %u client%s, IOAPIC pin %s;\n             %llu interrupts, %llu unclaimed\n",
                   s.connected ? "connected" : "not connected", s.client_count, s.client_count == 1 ? "" : "s", pin,
                   (unsigned long long)s.interrupts, (unsigned long long)s.unclaimed);
    if (s.client_count)
        console_printf("  client ISRs, in the order the port calls them:\n"
                       "     # isr                       calls    claimed  deferred checks\n");
    for (unsigned i = 0; i < s.client_count && i < PARPORT_MAX_STATUS_CLIENTS; i++) {
        char name[40];
        routine_name((PVOID)s.clients[i].isr, name, sizeof(name));
        console_printf("  %4u %-22s %9llu %10llu %16llu\n", i + 1, name, (unsigned long long)s.clients[i].calls,
                       (unsigned long long)s.clients[i].claims, (unsigned long long)s.clients[i].deferred_calls);
    }

    struct parprint_counts pc = {0};
    parprint_get_counts(&pc);
    console_printf("  parprint   %s; %llu jobs, %llu bytes, %llu ACK interrupts, %llu ACK timeouts\n",
                   parprint_is_open() ? (parprint_interrupt_driven() ? "open, interrupt-driven" : "open, polled")
                                      : "closed",
                   (unsigned long long)pc.jobs, (unsigned long long)pc.bytes, (unsigned long long)pc.interrupts,
                   (unsigned long long)pc.timeouts);
    struct parwatch_counts wc = {0};
    parwatch_get_counts(&wc);
    console_printf("  parwatch   %s; saw %llu, claimed %llu, grabbed %llu, idle checks %llu\n",
                   parwatch_connected() ? "connected" : "not connected", (unsigned long long)wc.seen,
                   (unsigned long long)wc.claimed, (unsigned long long)wc.grabs,
                   (unsigned long long)wc.deferred_checks);
}

static int cmd_lpt(const struct shell_args *args)
{
    if (args->argc < 2)
        return SHELL_USAGE;
    if (args->argc == 2 && strcmp(args->argv[1], "status") == 0) {
        lpt_show_status();
        return SHELL_OK;
    }
    NTSTATUS status = lpt_print_text(args->text, true);
    if (!NT_SUCCESS(status)) {
        console_printf("lpt: printing failed: status 0x%08x\n", (unsigned)status);
        return SHELL_ERROR;
    }
    struct parprint_counts pc;
    parprint_get_counts(&pc);
    console_printf("lpt: %u bytes sent (%u ACK interrupts, %u ACK timeouts)\n", (unsigned)pc.last_job_bytes,
                   (unsigned)pc.last_job_interrupts, (unsigned)pc.last_job_timeouts);
    return SHELL_OK;
}

SHELL_COMMAND(lpt, "lpt <text> | lpt status", "print on the parallel port; show its owner and interrupts",
              "lpt <text>   sends the text and a newline through the parprint driver (one byte per\n"
              "             strobe, the next byte from the acknowledge interrupt)\n"
              "lpt status   the port's owner and waiters, its interrupt, every connected client ISR\n"
              "             with its call and claim counts (docs/parport.md)",
              cmd_lpt);
