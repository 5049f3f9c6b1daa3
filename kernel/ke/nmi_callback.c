/* kernel/ke/nmi_callback.c - KeRegisterNmiCallback, KeDeregisterNmiCallback and the walk the NMI
 * handler makes over them.
 *
 * learn.microsoft.com: "KeRegisterNmiCallback function (wdm.h)", "KeDeregisterNmiCallback
 * function (wdm.h)", "Bug Check 0x80: NMI_HARDWARE_FAILURE"; docs/reference/KeRegisterNmiCallback.md.
 * Intel SDM Vol. 3A §6.7.1 "Handling Multiple NMIs" (a second NMI waits until the handler's iret).
 *
 * The WDK's rules: "the system calls each registered callback in reverse order from the order in
 * which they were registered"; the first gets Handled = FALSE, each later one TRUE if any earlier
 * one returned TRUE; if one returned TRUE the NMI is handled, otherwise "the HAL's default
 * handler ... normally causes the system to bug check" (0x80). Callbacks run at HIGH_LEVEL.
 * Register / deregister at IRQL <= APC_LEVEL; KeRegisterNmiCallback returns an opaque handle or
 * NULL; KeDeregisterNmiCallback returns STATUS_SUCCESS, or STATUS_INVALID_HANDLE if no callback
 * matches the handle.
 *
 * An NMI can arrive on any CPU at any moment - in the middle of a registration on this very CPU,
 * with interrupts disabled, holding any lock - so the walk takes no lock:
 *   * the list is singly linked, newest first (which is the WDK's reverse order); a registration
 *     fills in the entry and then publishes it with one release store of the head; a removal
 *     unlinks it with one release store. A walker sees the list before or after, never half.
 *   * writers are serialised by a raw spin lock (interrupts off; an NMI walker never takes it).
 *   * a removed entry may still be in use by a CPU that loaded it before the unlink: each CPU
 *     counts itself in `walking[cpu]` around the walk, and KeDeregisterNmiCallback frees the
 *     entry only after it has seen every CPU outside the walk once. Any walk that starts later
 *     cannot find the entry. So on return the callback is not running anywhere.
 * The handle is the entry's address; KeDeregisterNmiCallback looks it up in the list before it
 * touches it, so any pointer can be passed.
 * A stop screen in progress freezes the other CPUs with NMIs (bugcheck.c): those are not shown to
 * the callbacks. The clock watchdog's NMI probe is answered before them (arch/x86_64/trap.c).
 */
#include "kernel/ke/nmi_callback.h"

#include "arch/x86_64/cpu.h"
#include "include/wdm.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/ke/irql.h"
#include "kernel/ke/kprcb.h"
#include "kernel/ke/rawlock.h"

#define NMI_TAG IRQLAB_POOL_TAG("KeNm")
#define NMI_ENTRY_MAGIC IRQLAB_POOL_TAG("NmiC")

struct nmi_entry {
    struct nmi_entry *next; /* older registrations */
    ULONG magic;
    PNMI_CALLBACK routine;
    PVOID context;
};

static struct nmi_entry *head; /* newest first; read by the NMI handler without a lock */
static raw_lock_t writers = RAW_LOCK_INIT;
static unsigned registered;
static unsigned fail_registrations;
static volatile uint32_t walking[KE_MAX_CPUS];
static volatile unsigned long dispatched;

unsigned ke_nmi_callback_count(void) { return registered; }
unsigned long ke_nmi_dispatch_count(void) { return dispatched; }
void ke_nmi_fail_next_registrations(unsigned n) { fail_registrations = n; }

static void check_apc_level(void *routine, void *caller)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql > APC_LEVEL)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)routine, irql, APC_LEVEL, (ULONG_PTR)caller);
}

PVOID KeRegisterNmiCallback(PNMI_CALLBACK CallbackRoutine, PVOID Context)
{
    check_apc_level((void *)KeRegisterNmiCallback, __builtin_return_address(0));
    if (!CallbackRoutine)
        return NULL; /* nothing to call: "unable to register" */
    if (fail_registrations) {
        fail_registrations--;
        return NULL;
    }
    struct nmi_entry *e = ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*e), NMI_TAG);
    if (!e)
        return NULL;
    e->magic = NMI_ENTRY_MAGIC;
    e->routine = CallbackRoutine;
    e->context = Context;
    uint64_t flags = raw_lock_acquire(&writers);
    e->next = head;
    __atomic_store_n(&head, e, __ATOMIC_RELEASE); /* now an NMI sees it, complete */
    registered++;
    raw_lock_release(&writers, flags);
    return e;
}

/* Wait until every CPU has been seen outside the callback walk once. */
static void wait_for_walkers(void)
{
    for (unsigned cpu = 0; cpu < KE_MAX_CPUS; cpu++)
        while (__atomic_load_n(&walking[cpu], __ATOMIC_SEQ_CST))
            cpu_pause();
}

NTSTATUS KeDeregisterNmiCallback(PVOID Handle)
{
    check_apc_level((void *)KeDeregisterNmiCallback, __builtin_return_address(0));
    uint64_t flags = raw_lock_acquire(&writers);
    struct nmi_entry **link = &head;
    while (*link && *link != Handle) /* compare only: Handle may be anything */
        link = &(*link)->next;
    struct nmi_entry *e = *link;
    if (e)
        __atomic_store_n(link, e->next, __ATOMIC_RELEASE);
    if (e)
        registered--;
    raw_lock_release(&writers, flags);
    if (!e)
        return STATUS_INVALID_HANDLE;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    wait_for_walkers();
    e->magic = 0;
    ExFreePoolWithTag(e, NMI_TAG);
    return STATUS_SUCCESS;
}

bool ke_nmi_call_callbacks(void)
{
    /* Nothing registered (also before the per-CPU blocks exist), or the stop screen's freeze. */
    if (!__atomic_load_n(&head, __ATOMIC_ACQUIRE) || !ke_prcb_ready() || bugcheck_in_progress())
        return false;
    uint32_t cpu = ke_current_prcb()->number;
    __atomic_add_fetch(&walking[cpu], 1, __ATOMIC_SEQ_CST);
    KIRQL interrupted = ke_get_irql();
    ke_set_irql_unchecked(HIGH_LEVEL); /* "must be able to run at IRQL = HIGH_LEVEL" */
    BOOLEAN handled = FALSE;
    for (struct nmi_entry *e = __atomic_load_n(&head, __ATOMIC_ACQUIRE); e;
         e = __atomic_load_n(&e->next, __ATOMIC_ACQUIRE))
        if (e->routine(e->context, handled))
            handled = TRUE;
    ke_set_irql_unchecked(interrupted);
    __atomic_add_fetch(&dispatched, 1, __ATOMIC_RELAXED);
    __atomic_sub_fetch(&walking[cpu], 1, __ATOMIC_SEQ_CST);
    return handled;
}
