/* kernel/io/connect_interrupt.c - IoConnectInterruptEx and IoDisconnectInterruptEx.
 *
 * learn.microsoft.com: IoConnectInterruptEx, IoDisconnectInterruptEx, IO_CONNECT_INTERRUPT_PARAMETERS,
 * IO_DISCONNECT_INTERRUPT_PARAMETERS, IO_INTERRUPT_MESSAGE_INFO(_ENTRY), "Bug Check 0xCA";
 * docs/reference/IoConnectInterruptEx.md, IoDisconnectInterruptEx.md.
 *
 * Connect, in order:
 *   1. IRQL must be PASSIVE_LEVEL, else bugcheck IRQL_NOT_LESS_OR_EQUAL (0xA): P1 = the address
 *      of IoConnectInterruptEx, P2 = the current IRQL, P3 = 0, P4 = the caller's return address.
 *   2. Parameter checks and the plan (connect_plan.c, pure): statuses listed in connect_plan.h.
 *      A PhysicalDeviceObject that is not a PDO the kernel created (random memory, a driver's own
 *      FDO) is what Windows' Bug Check 0xCA parameter 0x2 "invalid PDO" is for: irqlab stops the
 *      same way, P2 = the object, P3 = P4 = 0.
 *   3. Affinity: an interrupt goes to exactly one CPU (physical destination). If the vector is
 *      aimed outside the new object's affinity, it is moved to a CPU that every object on the
 *      vector allows; if there is none: STATUS_INVALID_PARAMETER_10.
 *   4. One allocation holds the connection, its KINTERRUPTs and (MESSAGE_BASED) the message
 *      table. Allocation failure: STATUS_INSUFFICIENT_RESOURCES.
 *   5. Messages: MSI-X entries nobody is connected to are written (masked) and the function
 *      enabled - an entry that already has an object is live and is left alone; objects are
 *      connected one by one (each may run at once); then MSI is enabled. A refused connect - the
 *      vector is in use by an object that will not share, or with the other trigger mode - is
 *      STATUS_INVALID_PARAMETER, what Windows' IoConnectInterrupt returns when KeConnectInterrupt
 *      fails. So is an object whose routine and context are already on the vector (the same ISR
 *      connected twice), on a line as on a message (docs/io-manager.md). Any failure
 *      disconnects what was connected, turns messages off again if nothing else uses them,
 *      frees the allocation: nothing is left half-connected, and every connection that existed
 *      before is exactly as it was.
 *   A passive-level ISR (CONNECT_FULLY_SPECIFIED, Irql = SynchronizeIrql = PASSIVE_LEVEL, no
 *   SpinLock - else STATUS_INVALID_PARAMETER) gets its thread before the lock is taken
 *   (kernel/ke/passive_interrupt.h); a vector that has other ISRs, or one that later wants to
 *   join it, is refused like any other refused connect: STATUS_INVALID_PARAMETER.
 *   6. Outputs are written only on success; MESSAGE_BASED with no messages falls back to
 *      FallBackServiceRoutine on the line and rewrites Parameters->Version to CONNECT_LINE_BASED.
 * irqlab differs from Windows in one visible way: CONNECT_FULLY_SPECIFIED makes one KINTERRUPT
 * whose Affinity is ProcessorEnableMask & the active CPUs, where Windows makes one per CPU.
 *
 * Disconnect:
 *   1. IRQL must be PASSIVE_LEVEL (bugcheck as for connect, P1 = IoDisconnectInterruptEx).
 *   2. The context must be one this file handed out and not yet taken back, of the kind Version
 *      names: FULLY_SPECIFIED or _GROUP (1, 4) for a fully specified connection, LINE_BASED (2) for
 *      a line-based one or a MESSAGE_BASED fallback, MESSAGE_BASED (3) for a message table.
 *      Anything else is Windows' Bug Check 0xCA PNP_DETECTED_FATAL_ERROR with P1 = 0x9 ("the
 *      connection type passed does not match"): P2 = the Version passed, P3 = the context passed,
 *      P4 = the Version it was connected with (0: unknown to this kernel). NULL Parameters: the
 *      same with P2 = P3 = P4 = 0. (The check is the pure io_disconnect_check, disconnect_check.c,
 *      fuzzed on the host by tests/fuzz/fuzz_io_disconnect.c.)
 *   3. Every object is disconnected (ke_interrupt_disconnect waits until no CPU runs its ISR, so on
 *      return no ISR of the connection runs or will run anywhere; the line or message is masked
 *      when its last object leaves; a passive-level ISR's thread is waited for and ended); when
 *      the device's last message object leaves, MSI / MSI-X is turned off in the device; the
 *      allocation (and so the table) is freed.
 *   The vectors stay the device's: they are part of its resources, as the translated list says,
 *   and are freed when the device is stopped (io_device_stop). A reconnect gets the same ones.
 *   DPCs the ISR queued may still run after return: a driver that frees its state calls
 *   KeFlushQueuedDpcs (or KeRemoveQueueDpc) first, as on Windows.
 */
#include "kernel/io/connect_interrupt.h"
#include "kernel/io/disconnect_check.h"

#include "arch/x86_64/cpu.h"

#include "kernel/io/connect_plan.h"
#include "kernel/io/io_tags.h"
#include "kernel/io/message_hw.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/irq_route.h"
#include "kernel/ke/passive_interrupt.h"
#include "kernel/lib/string.h"

#define CONNECTION_MAGIC IRQLAB_POOL_TAG("Conn")

/* One IoConnectInterruptEx call that succeeded. The KINTERRUPTs handed out are objects[0..count),
 * the message table (MESSAGE_BASED) follows them in the same allocation. */
struct io_connection {
    ULONG magic;
    LIST_ENTRY link; /* in `connections` */
    ULONG version;   /* CONNECT_* it is (LINE_BASED after a fallback) */
    struct io_pdo *pdo;
    ULONG count;
    ULONG message_objects; /* objects on the device's messages */
    PIO_INTERRUPT_MESSAGE_INFO table;
    KSPIN_LOCK shared_lock; /* LINE_BASED with several lines and no caller lock */
    KINTERRUPT objects[];
};

static LIST_ENTRY connections = {&connections, &connections};
static unsigned connection_total;
static unsigned fail_allocations;

unsigned io_connection_count(void) { return connection_total; }

unsigned io_connections_of(PDEVICE_OBJECT device)
{
    struct io_pdo *pdo = io_pdo_from_device(device);
    return pdo ? pdo->connections : 0;
}

void io_fail_next_allocations(unsigned n) { fail_allocations = n; }

PKINTERRUPT io_connection_first_object(PDEVICE_OBJECT device)
{
    for (PLIST_ENTRY e = connections.Flink; e != &connections; e = e->Flink) {
        struct io_connection *c = CONTAINING_RECORD(e, struct io_connection, link);
        if (c->pdo && c->pdo->device == device && c->count)
            return &c->objects[0];
    }
    return NULL;
}

static void check_passive(void *routine, void *caller)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql != PASSIVE_LEVEL)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)routine, irql, 0, (ULONG_PTR)caller);
}

static struct io_pdo *require_pdo(PDEVICE_OBJECT device)
{
    struct io_pdo *pdo = io_pdo_from_device(device);
    if (!pdo)
        /* "Invalid PDO: an API which requires a PDO has been called with random memory, or with
         * an FDO, or with a PDO which hasn't been initialized." */
        KeBugCheckEx(PNP_DETECTED_FATAL_ERROR, 0x2, (ULONG_PTR)device, 0, 0);
    return pdo;
}

/* ---- affinity ------------------------------------------------------------------------------- */

/* The CPUs every object already connected to `vector` allows. */
static KAFFINITY allowed_by_chain(uint8_t vector)
{
    struct ke_vector *v = &ke_vector_table[vector];
    KAFFINITY allowed = ~(KAFFINITY)0;
    /* Interrupts off while holding the chain lock: the dispatcher takes it for this vector, and
     * it could fire on this very CPU (kernel/ke/interrupt.h). */
    uint64_t flags = cpu_save_and_disable_interrupts();
    ke_chain_lock(v);
    for (PLIST_ENTRY e = v->chain.Flink; e != &v->chain; e = e->Flink)
        allowed &= CONTAINING_RECORD(e, KINTERRUPT, InterruptListEntry)->Affinity;
    ke_chain_unlock(v);
    cpu_restore_interrupts(flags);
    return allowed;
}

/* Vectors that move together: the MSI block shares one address register; anything else is alone. */
static unsigned destination_group(const struct io_pdo *pdo, const struct io_plan_object *o, uint8_t *vectors)
{
    if (o->is_message && pdo->resources.kind == IO_INTERRUPT_MSI) {
        for (unsigned i = 0; i < pdo->resources.message_count; i++)
            vectors[i] = pdo->messages[i].vector;
        return pdo->resources.message_count;
    }
    vectors[0] = (uint8_t)o->vector;
    return 1;
}

/* Step 3, checking only: may every object of the plan be delivered inside its affinity? */
static NTSTATUS check_affinity(const struct io_pdo *pdo, const struct io_connect_plan *plan, KAFFINITY *needed)
{
    KAFFINITY active = KeQueryActiveProcessors();
    for (ULONG i = 0; i < plan->count; i++) {
        uint8_t group[IO_MAX_MSI_MESSAGES];
        unsigned n = destination_group(pdo, &plan->objects[i], group);
        KAFFINITY allowed = plan->objects[i].affinity & active;
        for (unsigned k = 0; k < n; k++)
            allowed &= allowed_by_chain(group[k]);
        if (!allowed)
            return STATUS_INVALID_PARAMETER_10;
        needed[i] = allowed;
    }
    return STATUS_SUCCESS;
}

/* Step 3, doing: re-aim what is aimed outside. Not undone on a later failure - the interrupt is
 * then still aimed at a CPU every connected object allows, which is all that matters. */
static void apply_affinity(struct io_pdo *pdo, const struct io_connect_plan *plan, const KAFFINITY *needed)
{
    for (ULONG i = 0; i < plan->count; i++) {
        const struct io_plan_object *o = &plan->objects[i];
        if (needed[i] & ((KAFFINITY)1 << ke_route_target_cpu((uint8_t)o->vector)))
            continue;
        uint32_t cpu = ke_pick_target_cpu(needed[i]);
        uint8_t group[IO_MAX_MSI_MESSAGES];
        unsigned n = destination_group(pdo, o, group);
        for (unsigned k = 0; k < n; k++) {
            struct ke_message_route route;
            if (!NT_SUCCESS(ke_route_retarget(group[k], cpu, &route)) || !o->is_message)
                continue;
            unsigned index = n > 1 ? k : o->message_index; /* an MSI block: message k is vector k */
            pdo->messages[index].cpu = cpu;
            pdo->messages[index].address = route.address;
            io_message_retargeted(pdo, index);
        }
    }
}

/* ---- the connection's memory ---------------------------------------------------------------- */

static size_t objects_end(ULONG count)
{
    size_t end = sizeof(struct io_connection) + count * sizeof(KINTERRUPT);
    return (end + 15) & ~(size_t)15;
}

static struct io_connection *allocate_connection(const struct io_connect_plan *plan)
{
    size_t size = objects_end(plan->count);
    if (plan->version == CONNECT_MESSAGE_BASED)
        size +=
            offsetof(IO_INTERRUPT_MESSAGE_INFO, MessageInfo) + plan->count * sizeof(IO_INTERRUPT_MESSAGE_INFO_ENTRY);
    if (fail_allocations) {
        fail_allocations--;
        return NULL;
    }
    struct io_connection *c = ExAllocatePool2(POOL_FLAG_NON_PAGED, size, IO_TAG_INTERRUPT); /* zeroed */
    if (!c)
        return NULL;
    c->magic = CONNECTION_MAGIC;
    InitializeListHead(&c->link);
    c->version = plan->version;
    c->count = plan->count;
    KeInitializeSpinLock(&c->shared_lock);
    if (plan->version == CONNECT_MESSAGE_BASED)
        c->table = (PIO_INTERRUPT_MESSAGE_INFO)((char *)c + objects_end(plan->count));
    return c;
}

static void free_connection(struct io_connection *c)
{
    c->magic = 0;
    /* A driver may keep its pointer after disconnecting: make the objects recognisably dead
     * (KeSynchronizeExecution on one then stops with 0xD5, kernel/ke/interrupt.c). */
    for (ULONG i = 0; i < c->count; i++)
        ke_interrupt_retire(&c->objects[i]);
    ExFreePoolWithTag(c, IO_TAG_INTERRUPT);
}

/* ---- connecting ------------------------------------------------------------------------------ */

static void init_objects(struct io_connection *c, const struct io_connect_plan *plan)
{
    PKSPIN_LOCK lock = plan->spin_lock ? plan->spin_lock : plan->shared_lock_needed ? &c->shared_lock : NULL;
    for (ULONG i = 0; i < plan->count; i++) {
        const struct io_plan_object *o = &plan->objects[i];
        /* A NULL lock gives each object its own (KINTERRUPT.SpinLock): per message for MESSAGE_BASED. */
        ke_interrupt_init(&c->objects[i], plan->message_routine ? NULL : plan->service_routine,
                          plan->message_routine ? plan->message_service_routine : NULL, o->message_index,
                          plan->service_context, lock, o->vector, o->irql, o->synchronize_irql, o->mode,
                          o->share_vector, o->affinity, c->pdo->owner);
        c->objects[i].PerProcessor = o->per_processor;
        c->objects[i].Number = o->processor;
        c->message_objects += o->is_message;
    }
}

static void fill_message_table(struct io_connection *c, const struct io_connect_plan *plan)
{
    PIO_INTERRUPT_MESSAGE_INFO t = c->table;
    t->UnifiedIrql = plan->unified_irql;
    t->MessageCount = plan->count;
    for (ULONG i = 0; i < plan->count; i++) {
        const struct io_message *m = &c->pdo->messages[plan->objects[i].message_index];
        PIO_INTERRUPT_MESSAGE_INFO_ENTRY e = &t->MessageInfo[i];
        e->MessageAddress.QuadPart = (LONGLONG)m->address;
        e->TargetProcessorSet = (KAFFINITY)1 << m->cpu;
        e->InterruptObject = &c->objects[i];
        /* Multi-message MSI: the device sends message k as the first data value + k, which is
         * what the table shows for entry k (the capability itself holds only the first). */
        e->MessageData = m->data;
        e->Vector = plan->objects[i].vector;
        e->Irql = plan->objects[i].irql;
        e->Mode = Latched;
        e->Polarity = InterruptRisingEdge;
    }
}

/* Undo the first `connected` objects and what was switched on for them. */
static void rollback(struct io_connection *c, ULONG connected, bool messages_counted)
{
    while (connected > 0)
        ke_interrupt_disconnect(&c->objects[--connected]);
    if (messages_counted)
        c->pdo->connected_messages -= c->message_objects;
    if (c->pdo->connected_messages == 0)
        io_messages_disable(c->pdo);
}

static NTSTATUS connect_objects(struct io_connection *c, const struct io_connect_plan *plan)
{
    struct io_pdo *pdo = c->pdo;
    if (c->message_objects) {
        /* Only entries nobody is connected to: writing masks the entry, and a message that
         * already has an object (another connection's, or a sharer's) is live - masking it
         * would silence that connection, and a failed connect must leave it exactly as it was.
         * A live entry already holds this address and data (they change only with the route,
         * and io_message_retargeted rewrites it then). */
        for (ULONG i = 0; i < plan->count; i++)
            if (ke_vector_table[plan->objects[i].vector].object_count == 0)
                io_message_write(pdo, plan->objects[i].message_index);
        if (pdo->resources.kind == IO_INTERRUPT_MSIX && !io_messages_enable(pdo))
            return STATUS_INVALID_DEVICE_REQUEST;
    }
    for (ULONG i = 0; i < plan->count; i++) {
        if (ke_interrupt_connect(&c->objects[i]) != KE_CONNECT_OK) {
            rollback(c, i, false);
            return STATUS_INVALID_PARAMETER;
        }
    }
    pdo->connected_messages += c->message_objects;
    if (c->message_objects && pdo->resources.kind == IO_INTERRUPT_MSI && !io_messages_enable(pdo)) {
        rollback(c, plan->count, true);
        return STATUS_INVALID_DEVICE_REQUEST; /* the device refused its own resources */
    }
    return STATUS_SUCCESS;
}

static void write_outputs(PIO_CONNECT_INTERRUPT_PARAMETERS p, struct io_connection *c,
                          const struct io_connect_plan *plan)
{
    switch (p->Version) {
    case CONNECT_FULLY_SPECIFIED:
    case CONNECT_FULLY_SPECIFIED_GROUP: *p->FullySpecified.InterruptObject = &c->objects[0]; break;
    case CONNECT_LINE_BASED: *p->LineBased.InterruptObject = &c->objects[0]; break;
    case CONNECT_MESSAGE_BASED:
        if (plan->fallback) {
            *p->MessageBased.ConnectionContext.InterruptObject = &c->objects[0];
            p->Version = CONNECT_LINE_BASED; /* how the caller learns a fallback happened */
        } else {
            *p->MessageBased.ConnectionContext.InterruptMessageTable = c->table;
        }
        break;
    default: break;
    }
}

NTSTATUS IoConnectInterruptEx(PIO_CONNECT_INTERRUPT_PARAMETERS Parameters)
{
    check_passive((void *)IoConnectInterruptEx, __builtin_return_address(0));
    return io_connect_shaped(Parameters, NULL);
}

NTSTATUS io_connect_shaped(PIO_CONNECT_INTERRUPT_PARAMETERS Parameters, void (*shape)(struct io_connect_plan *plan))
{
    NTSTATUS status = io_connect_check_parameters(Parameters, KeQueryActiveProcessors());
    if (!NT_SUCCESS(status))
        return status;
    struct io_pdo *pdo = require_pdo(io_connect_pdo(Parameters));
    /* A passive-level ISR's thread and event, made here at PASSIVE_LEVEL: below, the I/O lock
     * holds the IRQL at DISPATCH_LEVEL, where no thread can be created. */
    struct ke_passive_interrupt *passive = NULL;
    if (io_connect_wants_passive(Parameters)) {
        passive = ke_passive_create();
        if (!passive)
            return STATUS_INSUFFICIENT_RESOURCES;
    }

    /* The plan is large (one entry per possible message): static, used under the lock. */
    static struct io_connect_plan plan;
    static KAFFINITY needed[IO_MAX_PLAN_OBJECTS];
    KIRQL old = io_lock();
    status = io_connect_make_plan(Parameters, pdo->assigned ? pdo->raw : NULL, pdo->assigned ? pdo->translated : NULL,
                                  KeQueryActiveProcessors(), &plan);
    if (NT_SUCCESS(status) && shape)
        shape(&plan);
    if (NT_SUCCESS(status))
        status = check_affinity(pdo, &plan, needed);
    struct io_connection *c = NULL;
    if (NT_SUCCESS(status)) {
        c = allocate_connection(&plan);
        if (!c)
            status = STATUS_INSUFFICIENT_RESOURCES;
    }
    if (NT_SUCCESS(status)) {
        c->pdo = pdo;
        apply_affinity(pdo, &plan, needed);
        init_objects(c, &plan);
        if (passive)
            ke_passive_attach(passive, &c->objects[0]); /* FULLY_SPECIFIED: one object */
        status = connect_objects(c, &plan);
        if (!NT_SUCCESS(status)) {
            free_connection(c);
        } else {
            passive = NULL; /* the connection's now: IoDisconnectInterruptEx stops it */
            if (c->table)
                fill_message_table(c, &plan);
            InsertTailList(&connections, &c->link);
            connection_total++;
            pdo->connections++;
            write_outputs(Parameters, c, &plan);
        }
    }
    io_unlock(old);
    if (passive)
        ke_passive_stop(passive); /* the connect failed: its thread never ran the ISR */
    return status;
}

/* ---- disconnecting --------------------------------------------------------------------------- */

/* The live connection whose handed-out context is `context` (compared, never dereferenced). */
static struct io_connection *find_connection(PVOID context)
{
    for (PLIST_ENTRY e = connections.Flink; e != &connections; e = e->Flink) {
        struct io_connection *c = CONTAINING_RECORD(e, struct io_connection, link);
        if (context == (PVOID)&c->objects[0] || (c->table && context == (PVOID)c->table))
            return c;
    }
    return NULL;
}

/* What disconnect_check.c needs to know of `c`. */
static struct io_disconnect_target target_of(const struct io_connection *c)
{
    return (struct io_disconnect_target){c->version, &c->objects[0], c->table};
}

static bool version_matches(ULONG passed, const struct io_connection *c, PVOID context)
{
    struct io_disconnect_target t = target_of(c);
    return io_disconnect_version_matches(passed, &t, context);
}

VOID IoDisconnectInterruptEx(PIO_DISCONNECT_INTERRUPT_PARAMETERS Parameters)
{
    check_passive((void *)IoDisconnectInterruptEx, __builtin_return_address(0));
    if (!Parameters)
        KeBugCheckEx(PNP_DETECTED_FATAL_ERROR, 0x9, 0, 0, 0);

    KIRQL old = io_lock();
    PVOID context = Parameters->ConnectionContext.Generic;
    struct io_connection *c = context ? find_connection(context) : NULL;
    struct io_disconnect_target found = c ? target_of(c) : (struct io_disconnect_target){0};
    struct io_disconnect_verdict verdict = io_disconnect_check(Parameters, c ? &found : NULL);
    if (!verdict.valid) {
        io_unlock(old);
        KeBugCheckEx(PNP_DETECTED_FATAL_ERROR, 0x9, verdict.p2, verdict.p3, verdict.p4);
    }
    RemoveEntryList(&c->link);
    connection_total--;
    c->pdo->connections--;
    /* Last object first, the reverse of connecting. Each call returns only when no CPU is inside
     * that object's ISR any more. */
    rollback(c, c->count, true);
    io_unlock(old);
    /* A passive-level ISR runs in its thread, not inside the dispatcher: wait for that thread to
     * leave the ISR and end (at PASSIVE_LEVEL, outside the I/O lock). */
    for (ULONG i = 0; i < c->count; i++)
        if (c->objects[i].Passive)
            ke_passive_stop(c->objects[i].Passive);
    free_connection(c);
}

/* ---- for IoReportInterruptActive / IoReportInterruptInactive (interrupt_active.c) ---------- */

PKINTERRUPT io_connection_objects(ULONG version, PVOID context, ULONG *count)
{
    struct io_connection *c = context ? find_connection(context) : NULL;
    if (!c || !version_matches(version, c, context)) {
        *count = 0;
        return NULL;
    }
    *count = c->count;
    return c->objects;
}
