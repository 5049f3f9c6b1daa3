/* kernel/ke/interrupt.c - the vector table, connecting/disconnecting interrupt objects,
 * KeSynchronizeExecution and the interrupt spin lock routines.
 *
 * Sharing rule (as Windows' KeConnectInterrupt): a second object may join a vector only if both
 * it and the objects already there set ShareVector and all have the same Mode. IoConnectInterrupt's
 * per-processor objects for different processors are never called together, so they need not.
 * Passive rule (irqlab's, kernel/ke/passive_interrupt.h): an object with a passive-level ISR is
 * alone on its vector; its Irql and SynchronizeIrql are PASSIVE_LEVEL, not the vector's.
 * Duplicate rule (irqlab's, docs/io-manager.md): the same routine with the same ServiceContext
 * (and MessageIndex) is never on one vector twice.
 * Disconnect guarantee: connect/disconnect change a chain only while holding its chain lock, and
 * the dispatcher holds that lock for the whole walk. So once ke_interrupt_disconnect has taken
 * the lock, no ISR of the chain is running anywhere; after it drops it, the object is gone from
 * the chain and cannot be called again.
 */
#include "kernel/ke/interrupt.h"

#include "arch/x86_64/cpu.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/ke/irql.h"
#include "kernel/ke/passive_interrupt.h"
#include "kernel/ke/spinlock.h"
#include "kernel/ke/vector_alloc.h"
#include "kernel/ke/vectors.h"
#include "kernel/lib/string.h"

struct ke_vector ke_vector_table[KE_VECTORS];

static struct vector_allocator device_vectors;
static raw_lock_t device_vectors_lock = RAW_LOCK_INIT;

void ke_vector_table_init(void)
{
    for (unsigned v = 0; v < KE_VECTORS; v++) {
        memset(&ke_vector_table[v], 0, sizeof(ke_vector_table[v]));
        InitializeListHead(&ke_vector_table[v].chain);
        /* Everything outside the device range belongs to the kernel. */
        ke_vector_table[v].allocated = v < KE_VECTOR_DEVICE_FIRST || v > KE_VECTOR_DEVICE_LAST;
    }
    vector_allocator_init(&device_vectors, KE_DEVICE_IRQL_MIN, KE_DEVICE_IRQL_MAX);
}

int ke_vector_alloc(KIRQL irql)
{
    uint64_t flags = raw_lock_acquire(&device_vectors_lock);
    int vector = vector_allocator_alloc(&device_vectors, irql);
    if (vector >= 0) {
        struct ke_vector *v = &ke_vector_table[vector];
        v->allocated = true;
        v->masked = true;
        v->storm = false;
        memset(&v->source, 0, sizeof(v->source));
    }
    raw_lock_release(&device_vectors_lock, flags);
    return vector;
}

int ke_vector_alloc_block(KIRQL irql, unsigned count)
{
    uint64_t flags = raw_lock_acquire(&device_vectors_lock);
    int base = vector_allocator_alloc_block(&device_vectors, count, irql);
    for (unsigned i = 0; base >= 0 && i < count; i++) {
        struct ke_vector *v = &ke_vector_table[base + i];
        v->allocated = true;
        v->masked = true;
        v->storm = false;
        memset(&v->source, 0, sizeof(v->source));
    }
    raw_lock_release(&device_vectors_lock, flags);
    return base;
}

void ke_vector_free(uint8_t vector)
{
    uint64_t flags = raw_lock_acquire(&device_vectors_lock);
    struct ke_vector *v = &ke_vector_table[vector];
    if (vector >= KE_VECTOR_DEVICE_FIRST && vector <= KE_VECTOR_DEVICE_LAST && v->object_count == 0) {
        v->allocated = false;
        memset(&v->source, 0, sizeof(v->source));
        vector_allocator_free(&device_vectors, vector);
    }
    raw_lock_release(&device_vectors_lock, flags);
}

unsigned ke_vector_free_count(void) { return vector_allocator_free_count(&device_vectors); }

void ke_vector_set_source(uint8_t vector, const struct ke_source *source) { ke_vector_table[vector].source = *source; }

void ke_vector_mask(uint8_t vector)
{
    struct ke_vector *v = &ke_vector_table[vector];
    if (v->source.mask)
        v->source.mask(&v->source);
    v->masked = true;
}

void ke_vector_unmask(uint8_t vector)
{
    struct ke_vector *v = &ke_vector_table[vector];
    if (v->storm)
        return; /* a storm-masked line stays masked until the last owner disconnects */
    if (v->source.unmask)
        v->source.unmask(&v->source);
    v->masked = false;
}

void ke_interrupt_init(PKINTERRUPT interrupt, PKSERVICE_ROUTINE service_routine,
                       PKMESSAGE_SERVICE_ROUTINE message_routine, ULONG message_index, PVOID context,
                       PKSPIN_LOCK spin_lock, ULONG vector, KIRQL irql, KIRQL synchronize_irql,
                       KINTERRUPT_MODE mode, BOOLEAN share_vector, KAFFINITY affinity, const char *owner)
{
    memset(interrupt, 0, sizeof(*interrupt));
    interrupt->Type = KE_INTERRUPT_OBJECT_TYPE;
    interrupt->Size = sizeof(*interrupt);
    InitializeListHead(&interrupt->InterruptListEntry);
    interrupt->ServiceRoutine = service_routine;
    interrupt->MessageServiceRoutine = message_routine;
    interrupt->MessageIndex = message_index;
    interrupt->ServiceContext = context;
    KeInitializeSpinLock(&interrupt->SpinLock);
    interrupt->ActualLock = spin_lock ? spin_lock : &interrupt->SpinLock;
    interrupt->Vector = vector;
    interrupt->Irql = irql;
    interrupt->SynchronizeIrql = synchronize_irql;
    interrupt->Mode = mode;
    interrupt->ShareVector = share_vector;
    interrupt->Affinity = affinity;
    interrupt->OwnerName = owner ? owner : "?";
}

/* Can both objects be called for one interrupt? Not if they are per-processor objects
 * (IoConnectInterrupt's set) of two different processors: on Windows they would sit in two
 * processors' IDTs, so they neither share the vector nor duplicate each other. */
static bool same_processors(const KINTERRUPT *a, const KINTERRUPT *b)
{
    return !a->PerProcessor || !b->PerProcessor || a->Number == b->Number;
}

/* Called with the chain lock held. */
static bool same_routine_connected(const struct ke_vector *v, const KINTERRUPT *interrupt)
{
    for (const LIST_ENTRY *e = v->chain.Flink; e != &v->chain; e = e->Flink) {
        const KINTERRUPT *other = CONTAINING_RECORD(e, KINTERRUPT, InterruptListEntry);
        if (other->ServiceRoutine == interrupt->ServiceRoutine &&
            other->MessageServiceRoutine == interrupt->MessageServiceRoutine &&
            other->ServiceContext == interrupt->ServiceContext && other->MessageIndex == interrupt->MessageIndex &&
            same_processors(other, interrupt))
            return true;
    }
    return false;
}

/* Called with the chain lock held: does an object this one would be called with refuse to share? */
static bool share_refused(const struct ke_vector *v, const KINTERRUPT *interrupt)
{
    for (const LIST_ENTRY *e = v->chain.Flink; e != &v->chain; e = e->Flink) {
        const KINTERRUPT *other = CONTAINING_RECORD(e, KINTERRUPT, InterruptListEntry);
        if (same_processors(other, interrupt) && (!other->ShareVector || !interrupt->ShareVector))
            return true;
    }
    return false;
}

enum ke_connect_result ke_interrupt_connect(PKINTERRUPT interrupt)
{
    if (interrupt->Vector >= KE_VECTORS || !ke_vector_table[interrupt->Vector].allocated ||
        interrupt->Vector < KE_VECTOR_DEVICE_FIRST)
        return KE_CONNECT_BAD_VECTOR;
    bool passive = interrupt->Passive != NULL;
    if (passive ? interrupt->Irql != PASSIVE_LEVEL || interrupt->SynchronizeIrql != PASSIVE_LEVEL
                : interrupt->Irql != KE_VECTOR_TO_IRQL(interrupt->Vector) ||
                      interrupt->SynchronizeIrql < interrupt->Irql || interrupt->SynchronizeIrql > HIGH_LEVEL)
        return KE_CONNECT_BAD_IRQL;
    if (passive && !interrupt->ServiceRoutine)
        return KE_CONNECT_NO_ROUTINE; /* the thread calls a KSERVICE_ROUTINE */
    if (interrupt->Connected)
        return KE_CONNECT_ALREADY;
    if (!interrupt->ServiceRoutine && !interrupt->MessageServiceRoutine)
        return KE_CONNECT_NO_ROUTINE;

    struct ke_vector *v = &ke_vector_table[interrupt->Vector];
    uint64_t flags = cpu_save_and_disable_interrupts();
    ke_chain_lock(v);
    enum ke_connect_result result = KE_CONNECT_OK;
    if (v->object_count > 0) {
        if (passive || v->passive)
            result = KE_CONNECT_PASSIVE_SHARE;
        else if (share_refused(v, interrupt))
            result = KE_CONNECT_SHARE_CONFLICT;
        else if (v->mode != interrupt->Mode)
            result = KE_CONNECT_MODE_CONFLICT;
    }
    if (result == KE_CONNECT_OK && same_routine_connected(v, interrupt))
        result = KE_CONNECT_DUPLICATE;
    bool first = v->object_count == 0;
    if (result == KE_CONNECT_OK) {
        if (first) {
            v->mode = interrupt->Mode;
            v->shared = interrupt->ShareVector;
            v->passive = passive; /* the dispatcher's choice: walk the chain or wake the thread */
        }
        InsertTailList(&v->chain, &interrupt->InterruptListEntry);
        v->object_count++;
        interrupt->Connected = TRUE;
    }
    ke_chain_unlock(v);
    /* Unmask only once the object is linked: the ISR may run the moment the line is open. */
    if (result == KE_CONNECT_OK && first)
        ke_vector_unmask((uint8_t)interrupt->Vector);
    cpu_restore_interrupts(flags);
    return result;
}

enum ke_connect_result ke_interrupt_connect_per_processor(PKINTERRUPT interrupt, PKINTERRUPT *table,
                                                          uint32_t number)
{
    if (number >= KE_MAX_CPUS || interrupt->Vector >= KE_VECTORS)
        return KE_CONNECT_BAD_VECTOR;
    interrupt->PerProcessor = TRUE;
    interrupt->Number = (UCHAR)number;
    interrupt->Affinity = (KAFFINITY)1 << number;
    enum ke_connect_result result = ke_interrupt_connect(interrupt);
    if (result == KE_CONNECT_OK || result == KE_CONNECT_ALREADY) {
        __atomic_store_n(&table[number], interrupt, __ATOMIC_RELEASE);
        __atomic_store_n(&ke_vector_table[interrupt->Vector].per_processor, table, __ATOMIC_RELEASE);
    }
    return result;
}

bool ke_interrupt_disconnect(PKINTERRUPT interrupt)
{
    if (!interrupt->Connected || interrupt->Vector >= KE_VECTORS)
        return false;
    struct ke_vector *v = &ke_vector_table[interrupt->Vector];
    uint64_t flags = cpu_save_and_disable_interrupts();
    ke_chain_lock(v); /* waits for any CPU still walking this chain */
    RemoveEntryList(&interrupt->InterruptListEntry);
    InitializeListHead(&interrupt->InterruptListEntry);
    interrupt->Connected = FALSE;
    bool last = --v->object_count == 0;
    if (last) {
        ke_vector_mask((uint8_t)interrupt->Vector);
        v->storm = false;
        v->passive = false;
    }
    ke_chain_unlock(v);
    cpu_restore_interrupts(flags);
    return true;
}

const char *ke_connect_result_text(enum ke_connect_result result)
{
    switch (result) {
    case KE_CONNECT_OK: return "connected";
    case KE_CONNECT_BAD_VECTOR: return "the vector was not allocated for devices";
    case KE_CONNECT_BAD_IRQL: return "Irql must equal Vector >> 4 and SynchronizeIrql must be >= Irql";
    case KE_CONNECT_SHARE_CONFLICT: return "the vector is in use and not every object sets ShareVector";
    case KE_CONNECT_MODE_CONFLICT: return "level-sensitive and latched objects cannot share a vector";
    case KE_CONNECT_ALREADY: return "the object is already connected";
    case KE_CONNECT_NO_ROUTINE: return "the object has no service routine";
    case KE_CONNECT_DUPLICATE: return "the same routine with the same context is already connected to the vector";
    case KE_CONNECT_PASSIVE_SHARE: return "a passive-level ISR cannot share its vector with any other ISR";
    }
    return "?";
}

void ke_interrupt_retire(PKINTERRUPT interrupt)
{
    interrupt->Type = KE_INTERRUPT_OBJECT_RETIRED;
    interrupt->Size = 0;
    interrupt->ActualLock = NULL;
}

/* ---- Synchronising with an ISR (wdm.h) ---- */

/* A KINTERRUPT handed out by IoConnectInterruptEx lives until IoDisconnectInterruptEx frees it;
 * the driver's pointer does not. After the disconnect the memory holds the retired mark, the
 * pool's fill pattern or someone else's data - anything but Type 0x16 with the right Size (an
 * object reused at the very same address by a new connection cannot be told apart: it is live).
 * Windows with Driver Verifier's special pool catches such a reference as 0xD5
 * DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL (learn.microsoft.com, "Bug Check 0xD5"): P1 = the
 * memory referenced (the object), P2 = 0 (a read), P3 = the address that referenced it (the
 * driver's call), P4 = 0 (reserved). Without the check the lock pointer inside freed memory
 * ends in a #GP deep in the spin-lock code, naming neither the object nor the driver. */
static void check_live(PKINTERRUPT interrupt, void *caller)
{
    if (interrupt->Type != KE_INTERRUPT_OBJECT_TYPE || interrupt->Size != sizeof(*interrupt))
        KeBugCheckEx(DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL, (ULONG_PTR)interrupt, 0, (ULONG_PTR)caller, 0);
}

static void check_sync_irql(PKINTERRUPT interrupt, void *caller)
{
    KIRQL irql = ke_get_irql();
    if (irql > interrupt->SynchronizeIrql)
        /* Windows raises to the object's SynchronizeIrql with KfRaiseIrql, and a raise to a lower
         * IRQL is 0x9 IRQL_NOT_GREATER_OR_EQUAL (checked build, Driver Verifier): the same code as
         * irqlab's own KfRaiseIrql. P1 = current IRQL, P2 = SynchronizeIrql, P3 = the object,
         * P4 = the caller. */
        KeBugCheckEx(IRQL_NOT_GREATER_OR_EQUAL, irql, interrupt->SynchronizeIrql, (ULONG_PTR)interrupt,
                     (ULONG_PTR)caller);
}

/* "If Interrupt points to an interrupt object that connects to a passive-level ISR,
 * KeAcquireInterruptSpinLock causes a bug check" (KeAcquireInterruptSpinLock; the same for
 * KeReleaseInterruptSpinLock, "Using Passive-Level Interrupt Service Routines"): 0x13B
 * PASSIVE_INTERRUPT_ERROR, P1 = 0x1 ("tried to acquire an interrupt spinlock but passed in a
 * passive-level interrupt object" - the only type documented, so the release uses it too),
 * P2 = the object, P3 = P4 = 0 (reserved). */
static void check_not_passive(PKINTERRUPT interrupt)
{
    if (interrupt->Passive)
        KeBugCheckEx(PASSIVE_INTERRUPT_ERROR, 0x1, (ULONG_PTR)interrupt, 0, 0);
}

KIRQL KeAcquireInterruptSpinLock(PKINTERRUPT Interrupt)
{
    check_live(Interrupt, __builtin_return_address(0));
    check_not_passive(Interrupt);
    check_sync_irql(Interrupt, __builtin_return_address(0));
    KIRQL old = ke_get_irql();
    ke_set_irql_unchecked(Interrupt->SynchronizeIrql);
    ke_spin_lock_acquire_raw(Interrupt->ActualLock, __builtin_return_address(0));
    return old;
}

VOID KeReleaseInterruptSpinLock(PKINTERRUPT Interrupt, KIRQL OldIrql)
{
    check_live(Interrupt, __builtin_return_address(0));
    check_not_passive(Interrupt);
    ke_spin_lock_release_raw(Interrupt->ActualLock, __builtin_return_address(0));
    KeLowerIrql(OldIrql);
}

BOOLEAN KeSynchronizeExecution(PKINTERRUPT Interrupt, PKSYNCHRONIZE_ROUTINE SynchronizeRoutine,
                               PVOID SynchronizeContext)
{
    check_live(Interrupt, __builtin_return_address(0));
    check_sync_irql(Interrupt, __builtin_return_address(0));
    /* A passive-level ISR has no spin lock: "KeSynchronizeExecution uses a kernel
     * synchronization event object instead" (check_sync_irql made sure we are at PASSIVE_LEVEL). */
    if (Interrupt->Passive)
        return ke_passive_synchronize(Interrupt, SynchronizeRoutine, SynchronizeContext);
    KIRQL old = ke_get_irql();
    ke_set_irql_unchecked(Interrupt->SynchronizeIrql);
    ke_spin_lock_acquire_raw(Interrupt->ActualLock, __builtin_return_address(0));
    BOOLEAN result = SynchronizeRoutine(SynchronizeContext);
    ke_spin_lock_release_raw(Interrupt->ActualLock, __builtin_return_address(0));
    KeLowerIrql(old);
    return result;
}
