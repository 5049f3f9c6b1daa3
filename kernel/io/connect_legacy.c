/* kernel/io/connect_legacy.c - IoConnectInterrupt and IoDisconnectInterrupt, the pre-Vista form.
 *
 * learn.microsoft.com: "IoConnectInterrupt function (wdm.h)", "IoDisconnectInterrupt function
 * (wdm.h)", "Using IoConnectInterruptEx Prior to Windows Vista" (the WDK's compatibility library
 * maps CONNECT_FULLY_SPECIFIED onto these two); docs/reference/IoConnectInterrupt.md.
 *
 * IoConnectInterrupt is IoConnectInterruptEx's CONNECT_FULLY_SPECIFIED with the parameters passed
 * one by one and no PDO. It is built on that path (connect_interrupt.c, connect_plan.c) and
 * differs in three ways, all Windows':
 *   1. The device is found from Vector: the PDO whose translated resources hold it (the first
 *      one, if devices share a line). A vector no device owns is STATUS_INVALID_PARAMETER.
 *   2. It makes one KINTERRUPT per processor in ProcessorEnableMask & the active processors (the
 *      doc's "pointer to a set of interrupt objects"); *InterruptObject is the first. They share
 *      one spin lock - the caller's SpinLock, or the connection's own - and one SynchronizeIrql,
 *      so KeSynchronizeExecution on the first object holds off the ISR on every processor. Each
 *      object has its processor in KINTERRUPT.Number and the dispatcher calls it only there
 *      (kernel/ke/interrupt.h, ke_interrupt_runs_here). Every object's Affinity is the whole set,
 *      which is what IoGetAffinityInterrupt reports.
 *   3. Three statuses only: STATUS_SUCCESS, STATUS_INSUFFICIENT_RESOURCES ("not enough nonpaged
 *      pool") and STATUS_INVALID_PARAMETER ("no processors were specified" - and, as a connect
 *      that KeConnectInterrupt refuses, every other failure the Ex path would name in detail).
 *      On failure *InterruptObject is set to NULL.
 * FloatingSave must be FALSE: the WDK requires it on x86; irqlab refuses it everywhere, as for
 * IoConnectInterruptEx (docs/differences.md).
 *
 * IoDisconnectInterrupt is IoDisconnectInterruptEx with CONNECT_FULLY_SPECIFIED: the two forms
 * are interchangeable for a fully specified connection, and an object that is not the first of a
 * live fully specified connection stops the same way (0xCA, P1 = 0x9).
 */
#include "include/wdm.h"

#include "kernel/io/connect_interrupt.h"
#include "kernel/io/connect_plan.h"
#include "kernel/io/pnp.h"
#include "kernel/io/resource_list.h"
#include "kernel/ke/bugcheck.h"

static void check_passive(void *routine, void *caller)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql != PASSIVE_LEVEL)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)routine, irql, 0, (ULONG_PTR)caller);
}

/* Does this translated descriptor deliver `vector`? An MSI descriptor covers MessageCount
 * consecutive vectors (the count is in the raw list, as connect_plan.c reads it). */
static bool descriptor_holds(const CM_PARTIAL_RESOURCE_DESCRIPTOR *d, const CM_PARTIAL_RESOURCE_DESCRIPTOR *raw,
                             ULONG vector)
{
    if (d->Type != CmResourceTypeInterrupt)
        return false;
    if (!io_descriptor_is_message(d))
        return d->u.Interrupt.Vector == vector;
    ULONG first = d->u.MessageInterrupt.Translated.Vector;
    ULONG span = raw && io_descriptor_is_message(raw) && raw->u.MessageInterrupt.Raw.MessageCount > 1
                     ? raw->u.MessageInterrupt.Raw.MessageCount
                     : 1;
    return vector >= first && vector < first + span;
}

/* The PDO whose resources hold `vector`, or NULL. Checked again under the lock by the plan. */
static PDEVICE_OBJECT device_of_vector(ULONG vector)
{
    PDEVICE_OBJECT found = NULL;
    KIRQL old = io_lock();
    for (unsigned i = 0; i < io_pdo_count() && !found; i++) {
        struct io_pdo *pdo = io_pdo_from_device(io_pdo_at(i));
        if (!pdo || !pdo->assigned)
            continue;
        ULONG count = io_resource_count(pdo->translated);
        for (ULONG k = 0; k < count && !found; k++)
            if (descriptor_holds(io_resource_at(pdo->translated, k), io_resource_at(pdo->raw, k), vector))
                found = pdo->device;
    }
    io_unlock(old);
    return found;
}

/* The plan's one fully specified object becomes one per processor of its affinity (which the
 * plan already limited to the active processors), all on the same vector. */
static void one_object_per_processor(struct io_connect_plan *plan)
{
    struct io_plan_object first = plan->objects[0];
    plan->count = 0;
    for (unsigned cpu = 0; cpu < IO_MAX_PLAN_OBJECTS; cpu++) {
        if (!(first.affinity & ((KAFFINITY)1 << cpu)))
            continue;
        struct io_plan_object *o = &plan->objects[plan->count++];
        *o = first;
        o->per_processor = true;
        o->processor = (UCHAR)cpu;
    }
    /* One lock for the set: KeSynchronizeExecution on the first object must exclude all. */
    plan->shared_lock_needed = plan->count > 1 && !plan->spin_lock;
}

NTSTATUS IoConnectInterrupt(PKINTERRUPT *InterruptObject, PKSERVICE_ROUTINE ServiceRoutine, PVOID ServiceContext,
                            PKSPIN_LOCK SpinLock, ULONG Vector, KIRQL Irql, KIRQL SynchronizeIrql,
                            KINTERRUPT_MODE InterruptMode, BOOLEAN ShareVector, KAFFINITY ProcessorEnableMask,
                            BOOLEAN FloatingSave)
{
    check_passive((void *)IoConnectInterrupt, __builtin_return_address(0));
    if (!InterruptObject)
        return STATUS_INVALID_PARAMETER;
    *InterruptObject = NULL; /* until it worked */

    IO_CONNECT_INTERRUPT_PARAMETERS p = {.Version = CONNECT_FULLY_SPECIFIED};
    p.FullySpecified.PhysicalDeviceObject = device_of_vector(Vector);
    p.FullySpecified.InterruptObject = InterruptObject;
    p.FullySpecified.ServiceRoutine = ServiceRoutine;
    p.FullySpecified.ServiceContext = ServiceContext;
    p.FullySpecified.SpinLock = SpinLock;
    p.FullySpecified.SynchronizeIrql = SynchronizeIrql;
    p.FullySpecified.FloatingSave = FloatingSave;
    p.FullySpecified.ShareVector = ShareVector;
    p.FullySpecified.Vector = Vector;
    p.FullySpecified.Irql = Irql;
    p.FullySpecified.InterruptMode = InterruptMode;
    p.FullySpecified.ProcessorEnableMask = ProcessorEnableMask;
    if (!p.FullySpecified.PhysicalDeviceObject)
        return STATUS_INVALID_PARAMETER; /* no device was given this vector */
    /* Irql = SynchronizeIrql = PASSIVE_LEVEL asks IoConnectInterruptEx for a passive-level ISR,
     * which came with Windows 8 and only through the Ex form; to the legacy call it is an IRQL
     * that is not the vector's, which KeConnectInterrupt refuses. */
    if (io_connect_wants_passive(&p))
        return STATUS_INVALID_PARAMETER;

    NTSTATUS status = io_connect_shaped(&p, one_object_per_processor);
    if (NT_SUCCESS(status) || status == STATUS_INSUFFICIENT_RESOURCES)
        return status;
    *InterruptObject = NULL;
    return STATUS_INVALID_PARAMETER; /* _10 (no processor), NOT_FOUND, a refused share, ... */
}

VOID IoDisconnectInterrupt(PKINTERRUPT InterruptObject)
{
    check_passive((void *)IoDisconnectInterrupt, __builtin_return_address(0));
    IO_DISCONNECT_INTERRUPT_PARAMETERS p = {.Version = CONNECT_FULLY_SPECIFIED};
    p.ConnectionContext.InterruptObject = InterruptObject;
    IoDisconnectInterruptEx(&p);
}
