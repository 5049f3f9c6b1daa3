/* kernel/io/interrupt_active.c - IoReportInterruptActive and IoReportInterruptInactive.
 *
 * learn.microsoft.com: "IoReportInterruptActive function (wdm.h)", "IoReportInterruptInactive
 * function (wdm.h)", "IO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS structure (wdm.h)", "Making an
 * ISR Active or Inactive"; docs/reference/IoReportInterruptInactive.md.
 *
 * What the WDK says (Windows 8 and later): after IoConnectInterruptEx the ISR is active.
 * IoReportInterruptInactive "disables calls to the ISR by soft-disconnecting the associated
 * interrupt or interrupts"; IoReportInterruptActive soft-connects them again; the registration
 * is unchanged (IoDisconnectInterruptEx works in either state); both run at IRQL <=
 * DISPATCH_LEVEL, are faster than a disconnect/connect and "rarely, if ever" fail; a call that
 * repeats the current state does nothing. The driver must stop its device from interrupting
 * before going inactive: on a shared level line nobody else acknowledges its interrupt.
 *
 * How irqlab does it: every object of the connection stays linked in its vector's chain with
 * KINTERRUPT.Inactive set, so the dispatcher skips it (ke_interrupt_runs_here) and its place in
 * the chain is kept. The flag changes under the vector's chain lock, which the dispatcher holds
 * for a whole walk: on return from IoReportInterruptInactive the ISR is not running on any CPU
 * and will not be called. A vector on which no object is active any more is masked at its
 * controller (IOAPIC pin, MSI-X entry or MSI), so a device that keeps interrupting on a line of
 * its own cannot storm; a vector another active object shares stays open. Going active unmasks
 * it again (a storm-masked line stays masked, as for any connect). A passive-level ISR's trap
 * skips an inactive object too, and its thread drops what it had not served yet; a call already
 * running in that thread finishes after the return (kernel/ke/passive_interrupt.c: this routine
 * may run at DISPATCH_LEVEL and cannot wait for a thread). The WDK documents no failure:
 * a Version or context that names no live connection (or not of that kind) is treated as
 * IoDisconnectInterruptEx treats it, 0xCA PNP_DETECTED_FATAL_ERROR with P1 = 0x9, P2 = the
 * Version, P3 = the context, P4 = 0 - the "connection type does not match" code.
 */
#include "include/wdm.h"

#include "arch/x86_64/cpu.h"
#include "kernel/io/connect_interrupt.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/ke/interrupt.h"

static bool vector_has_active_object(const struct ke_vector *v)
{
    for (const LIST_ENTRY *e = v->chain.Flink; e != &v->chain; e = e->Flink)
        if (!CONTAINING_RECORD(e, KINTERRUPT, InterruptListEntry)->Inactive)
            return true;
    return false;
}

/* Set one object's state; mask or unmask its vector when that changes what the vector needs. */
static void set_active(PKINTERRUPT interrupt, bool active)
{
    struct ke_vector *v = &ke_vector_table[interrupt->Vector];
    uint64_t flags = cpu_save_and_disable_interrupts();
    ke_chain_lock(v); /* waits for a dispatcher walking this chain */
    interrupt->Inactive = !active;
    bool open = vector_has_active_object(v);
    ke_chain_unlock(v);
    if (!open && !v->masked)
        ke_vector_mask((uint8_t)interrupt->Vector);
    else if (open && v->masked)
        ke_vector_unmask((uint8_t)interrupt->Vector); /* leaves a storm-masked line masked */
    cpu_restore_interrupts(flags);
}

static void report(PIO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS Parameters, bool active, void *routine, void *caller)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql > DISPATCH_LEVEL)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)routine, irql, DISPATCH_LEVEL, (ULONG_PTR)caller);
    if (!Parameters)
        KeBugCheckEx(PNP_DETECTED_FATAL_ERROR, 0x9, 0, 0, 0);

    KIRQL old = io_lock(); /* the connection cannot be disconnected meanwhile */
    ULONG count;
    PKINTERRUPT objects = io_connection_objects(Parameters->Version, Parameters->ConnectionContext.Generic, &count);
    if (!objects) {
        io_unlock(old);
        KeBugCheckEx(PNP_DETECTED_FATAL_ERROR, 0x9, Parameters->Version,
                     (ULONG_PTR)Parameters->ConnectionContext.Generic, 0);
    }
    for (ULONG i = 0; i < count; i++)
        set_active(&objects[i], active);
    io_unlock(old);
}

VOID IoReportInterruptActive(PIO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS Parameters)
{
    report(Parameters, true, (void *)IoReportInterruptActive, __builtin_return_address(0));
}

VOID IoReportInterruptInactive(PIO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS Parameters)
{
    report(Parameters, false, (void *)IoReportInterruptInactive, __builtin_return_address(0));
}
