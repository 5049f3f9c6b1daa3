/* kernel/io/connect_plan.c - the rules of IoConnectInterruptEx (see connect_plan.h).
 * learn.microsoft.com: IO_CONNECT_INTERRUPT_PARAMETERS (each member), WdmlibIoConnectInterruptEx
 * (return values); docs/reference/IoConnectInterruptEx.md. */
#include "kernel/io/connect_plan.h"

#include "kernel/io/resource_list.h"

static bool valid_irql(KIRQL irql) { return irql <= HIGH_LEVEL; }

NTSTATUS io_connect_check_parameters(const IO_CONNECT_INTERRUPT_PARAMETERS *p, KAFFINITY active)
{
    if (!p)
        return STATUS_INVALID_PARAMETER;

    switch (p->Version) {
    case CONNECT_FULLY_SPECIFIED:
    case CONNECT_FULLY_SPECIFIED_GROUP: {
        const IO_CONNECT_INTERRUPT_FULLY_SPECIFIED_PARAMETERS *f = &p->FullySpecified;
        if (!f->PhysicalDeviceObject || !f->InterruptObject || !f->ServiceRoutine)
            return STATUS_INVALID_PARAMETER;
        /* irqlab never saves floating-point state around an ISR (the kernel is built without
         * SSE use), so asking for it is refused rather than silently ignored. */
        if (f->FloatingSave)
            return STATUS_INVALID_PARAMETER;
        if (p->Version == CONNECT_FULLY_SPECIFIED_GROUP && f->Group != 0)
            return STATUS_INVALID_PARAMETER; /* one processor group: group 0 */
        if (!valid_irql(f->Irql) || !valid_irql(f->SynchronizeIrql) || f->SynchronizeIrql < f->Irql)
            return STATUS_INVALID_PARAMETER;
        if (io_connect_wants_passive(p)) {
            /* "The caller must not supply a spin lock in this call ... Otherwise,
             * IoConnectInterruptEx fails and returns error status STATUS_INVALID_PARAMETER."
             * ("Using Passive-Level Interrupt Service Routines") */
            if (f->SpinLock || f->Vector > 0xFF)
                return STATUS_INVALID_PARAMETER;
        } else if (f->Vector > 0xFF || f->Irql != (KIRQL)(f->Vector >> 4)) {
            /* x64: the IRQL of an interrupt *is* its vector's priority class (CR8 = vector >> 4). */
            return STATUS_INVALID_PARAMETER;
        }
        if (f->InterruptMode != LevelSensitive && f->InterruptMode != Latched)
            return STATUS_INVALID_PARAMETER;
        /* "the tenth parameter" of the old IoConnectInterrupt is ProcessorEnableMask. */
        if (!(f->ProcessorEnableMask & active))
            return STATUS_INVALID_PARAMETER_10;
        return STATUS_SUCCESS;
    }
    case CONNECT_LINE_BASED: {
        const IO_CONNECT_INTERRUPT_LINE_BASED_PARAMETERS *l = &p->LineBased;
        if (!l->PhysicalDeviceObject || !l->InterruptObject || !l->ServiceRoutine)
            return STATUS_INVALID_PARAMETER;
        if (l->FloatingSave || !valid_irql(l->SynchronizeIrql))
            return STATUS_INVALID_PARAMETER;
        return STATUS_SUCCESS;
    }
    case CONNECT_MESSAGE_BASED: {
        const IO_CONNECT_INTERRUPT_MESSAGE_BASED_PARAMETERS *m = &p->MessageBased;
        if (!m->PhysicalDeviceObject || !m->ConnectionContext.Generic || !m->MessageServiceRoutine)
            return STATUS_INVALID_PARAMETER;
        if (m->FloatingSave || !valid_irql(m->SynchronizeIrql))
            return STATUS_INVALID_PARAMETER;
        return STATUS_SUCCESS;
    }
    case CONNECT_MESSAGE_BASED_PASSIVE:
        /* The WDK defines the value but documents nothing about it (its name says message ISRs
         * at PASSIVE_LEVEL; the documented way to a passive-level ISR is CONNECT_FULLY_SPECIFIED
         * with Irql = SynchronizeIrql = PASSIVE_LEVEL). It is a known version, so not
         * STATUS_INVALID_PARAMETER_1, but one whose rules nobody can know: not supported. */
        return STATUS_NOT_SUPPORTED;
    default: return STATUS_INVALID_PARAMETER_1;
    }
}

static KINTERRUPT_MODE descriptor_mode(const CM_PARTIAL_RESOURCE_DESCRIPTOR *d)
{
    return (d->Flags & CM_RESOURCE_INTERRUPT_LATCHED) ? Latched : LevelSensitive;
}

static KIRQL max_irql(KIRQL a, KIRQL b) { return a > b ? a : b; }

/* The descriptor's affinity, limited to the processors that are running. */
static KAFFINITY descriptor_affinity(KAFFINITY affinity, KAFFINITY active)
{
    KAFFINITY a = affinity & active;
    return a ? a : active;
}

/* FULLY_SPECIFIED: the caller names one vector; it must be one of this device's. */
static NTSTATUS plan_fully_specified(const IO_CONNECT_INTERRUPT_PARAMETERS *p, const CM_RESOURCE_LIST *raw,
                                     const CM_RESOURCE_LIST *translated, KAFFINITY active, struct io_connect_plan *plan)
{
    const IO_CONNECT_INTERRUPT_FULLY_SPECIFIED_PARAMETERS *f = &p->FullySpecified;
    ULONG count = io_resource_count(translated);
    ULONG message_index = 0;
    for (ULONG i = 0; i < count; i++) {
        const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_resource_at(translated, i);
        if (d->Type != CmResourceTypeInterrupt)
            continue;
        bool message = io_descriptor_is_message(d);
        ULONG first = message ? d->u.MessageInterrupt.Translated.Vector : d->u.Interrupt.Vector;
        USHORT level = message ? d->u.MessageInterrupt.Translated.Level : d->u.Interrupt.Level;
        /* An MSI descriptor covers MessageCount consecutive vectors (the count is in the raw list). */
        ULONG span = 1;
        const CM_PARTIAL_RESOURCE_DESCRIPTOR *r = io_resource_at(raw, i);
        if (message && r && io_descriptor_is_message(r) && r->u.MessageInterrupt.Raw.MessageCount > 1)
            span = r->u.MessageInterrupt.Raw.MessageCount;
        if (f->Vector < first || f->Vector >= first + span) {
            message_index += message ? span : 0;
            continue;
        }
        bool passive = io_connect_wants_passive(p);
        /* A passive-level ISR names PASSIVE_LEVEL, not the descriptor's Level: the vector keeps
         * its own priority, only the ISR moves to a thread (kernel/ke/passive_interrupt.h). */
        if (f->InterruptMode != descriptor_mode(d) || (!passive && f->Irql != level))
            return STATUS_INVALID_PARAMETER;
        struct io_plan_object *o = &plan->objects[0];
        o->vector = f->Vector;
        o->irql = f->Irql;
        o->synchronize_irql = f->SynchronizeIrql;
        o->mode = f->InterruptMode;
        o->share_vector = f->ShareVector;
        o->affinity = f->ProcessorEnableMask & active;
        o->is_message = message;
        o->message_index = message_index + (f->Vector - first);
        plan->count = 1;
        plan->service_routine = f->ServiceRoutine;
        plan->service_context = f->ServiceContext;
        plan->spin_lock = f->SpinLock;
        plan->passive = passive;
        return STATUS_SUCCESS;
    }
    return STATUS_NOT_FOUND; /* "the specified vector belongs to no device" - not to this one */
}

/* LINE_BASED (and the MESSAGE_BASED fallback): every line interrupt of the device. */
static NTSTATUS plan_lines(const CM_RESOURCE_LIST *translated, KAFFINITY active, PKSERVICE_ROUTINE routine,
                           PVOID context, PKSPIN_LOCK lock, KIRQL minimum_sync, struct io_connect_plan *plan)
{
    ULONG count = io_resource_count(translated);
    KIRQL sync = minimum_sync;
    plan->count = 0;
    for (ULONG i = 0; i < count && plan->count < IO_MAX_MESSAGES; i++) {
        const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_resource_at(translated, i);
        if (!io_descriptor_is_line(d))
            continue;
        struct io_plan_object *o = &plan->objects[plan->count++];
        o->vector = d->u.Interrupt.Vector;
        o->irql = (KIRQL)d->u.Interrupt.Level;
        o->mode = descriptor_mode(d);
        o->share_vector = d->ShareDisposition == CmResourceShareShared;
        o->affinity = descriptor_affinity(d->u.Interrupt.Affinity, active);
        o->is_message = false;
        sync = max_irql(sync, o->irql);
    }
    if (plan->count == 0)
        return STATUS_NOT_FOUND;
    /* One ISR for all lines: it must hold off all of them, so every object runs at the highest
     * of their IRQLs (or the caller's higher minimum), and they share one lock. */
    for (ULONG i = 0; i < plan->count; i++)
        plan->objects[i].synchronize_irql = sync;
    plan->version = CONNECT_LINE_BASED;
    plan->service_routine = routine;
    plan->service_context = context;
    plan->spin_lock = lock;
    plan->shared_lock_needed = plan->count > 1 && !lock;
    return STATUS_SUCCESS;
}

static bool has_messages(const CM_RESOURCE_LIST *translated)
{
    ULONG count = io_resource_count(translated);
    for (ULONG i = 0; i < count; i++)
        if (io_descriptor_is_message(io_resource_at(translated, i)))
            return true;
    return false;
}

/* MESSAGE_BASED with messages: one object per message, MessageID = its index. */
static void plan_messages(const IO_CONNECT_INTERRUPT_MESSAGE_BASED_PARAMETERS *m, const CM_RESOURCE_LIST *raw,
                          const CM_RESOURCE_LIST *translated, KAFFINITY active, struct io_connect_plan *plan)
{
    ULONG count = io_resource_count(translated);
    KIRQL highest = m->SynchronizeIrql;
    plan->count = 0;
    for (ULONG i = 0; i < count; i++) {
        const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_resource_at(translated, i);
        if (!io_descriptor_is_message(d))
            continue;
        const CM_PARTIAL_RESOURCE_DESCRIPTOR *r = io_resource_at(raw, i);
        ULONG span = r && io_descriptor_is_message(r) && r->u.MessageInterrupt.Raw.MessageCount > 1
                         ? r->u.MessageInterrupt.Raw.MessageCount
                         : 1;
        for (ULONG k = 0; k < span && plan->count < IO_MAX_MESSAGES; k++) {
            struct io_plan_object *o = &plan->objects[plan->count];
            o->vector = d->u.MessageInterrupt.Translated.Vector + k;
            o->irql = (KIRQL)(o->vector >> 4);
            o->mode = Latched;       /* a message is a write: edge semantics */
            o->share_vector = FALSE; /* irqlab never shares a message vector (see the doc) */
            o->affinity = descriptor_affinity(d->u.MessageInterrupt.Translated.Affinity, active);
            o->is_message = true;
            o->message_index = plan->count;
            /* No caller lock: each message has its own lock and runs at its own IRQL (or the
             * caller's higher minimum). */
            o->synchronize_irql = max_irql(o->irql, m->SynchronizeIrql);
            highest = max_irql(highest, o->irql);
            plan->count++;
        }
    }
    /* A caller lock is shared by every message, so all must run at one IRQL: the highest. */
    if (m->SpinLock)
        for (ULONG i = 0; i < plan->count; i++)
            plan->objects[i].synchronize_irql = highest;
    plan->unified_irql = highest;
    plan->version = CONNECT_MESSAGE_BASED;
    plan->message_routine = true;
    plan->message_service_routine = m->MessageServiceRoutine;
    plan->service_context = m->ServiceContext;
    plan->spin_lock = m->SpinLock;
}

/* LINE_BASED on a device that was assigned messages (its INTx pin is disabled, so the line is not
 * its interrupt any more). The WDK documents STATUS_INVALID_DEVICE_REQUEST for a device assigned
 * SEVERAL messages ("IoConnectInterruptEx": "Parameters->Version = CONNECT_LINE_BASED, and the
 * system has assigned multiple interrupt messages to the device"). With exactly one message,
 * that message is the device's one interrupt: the KSERVICE_ROUTINE is connected to it, as a
 * line-based connection (Version stays CONNECT_LINE_BASED, disconnect as LINE_BASED). */
static NTSTATUS plan_line_based_on_a_message(const IO_CONNECT_INTERRUPT_PARAMETERS *p, const CM_RESOURCE_LIST *raw,
                                             const CM_RESOURCE_LIST *translated, KAFFINITY active,
                                             struct io_connect_plan *plan)
{
    IO_CONNECT_INTERRUPT_MESSAGE_BASED_PARAMETERS as_message = {0};
    as_message.SynchronizeIrql = p->LineBased.SynchronizeIrql;
    as_message.SpinLock = p->LineBased.SpinLock;
    plan_messages(&as_message, raw, translated, active, plan);
    if (plan->count != 1) {
        *plan = (struct io_connect_plan){0};
        return STATUS_INVALID_DEVICE_REQUEST;
    }
    plan->version = CONNECT_LINE_BASED;
    plan->message_routine = false;
    plan->service_routine = p->LineBased.ServiceRoutine;
    plan->message_service_routine = NULL;
    plan->service_context = p->LineBased.ServiceContext;
    plan->spin_lock = p->LineBased.SpinLock;
    return STATUS_SUCCESS;
}

NTSTATUS io_connect_make_plan(const IO_CONNECT_INTERRUPT_PARAMETERS *p, const CM_RESOURCE_LIST *raw,
                              const CM_RESOURCE_LIST *translated, KAFFINITY active, struct io_connect_plan *plan)
{
    *plan = (struct io_connect_plan){0};
    plan->version = p->Version;

    switch (p->Version) {
    case CONNECT_FULLY_SPECIFIED:
    case CONNECT_FULLY_SPECIFIED_GROUP: return plan_fully_specified(p, raw, translated, active, plan);

    case CONNECT_LINE_BASED:
        if (has_messages(translated))
            return plan_line_based_on_a_message(p, raw, translated, active, plan);
        return plan_lines(translated, active, p->LineBased.ServiceRoutine, p->LineBased.ServiceContext,
                          p->LineBased.SpinLock, p->LineBased.SynchronizeIrql, plan);

    case CONNECT_MESSAGE_BASED: {
        const IO_CONNECT_INTERRUPT_MESSAGE_BASED_PARAMETERS *m = &p->MessageBased;
        if (has_messages(translated)) {
            plan_messages(m, raw, translated, active, plan);
            return STATUS_SUCCESS;
        }
        /* No messages: the fallback routine on the line(s), as a LINE_BASED connect would. No
         * fallback routine is undocumented; irqlab answers STATUS_NOT_FOUND, the documented
         * code for "the device has no interrupts" (of the kind the caller can take). */
        if (!m->FallBackServiceRoutine)
            return STATUS_NOT_FOUND;
        NTSTATUS status = plan_lines(translated, active, m->FallBackServiceRoutine, m->ServiceContext, m->SpinLock,
                                     m->SynchronizeIrql, plan);
        plan->fallback = NT_SUCCESS(status);
        return status;
    }
    default: return STATUS_INVALID_PARAMETER_1; /* io_connect_check_parameters filters these out first */
    }
}
