/* kernel/ke/thread.c - kernel threads: creation, readying, priorities, affinity, termination,
 * the idle threads and the thread object's handles.
 *
 * learn.microsoft.com: PsCreateSystemThread, PsTerminateSystemThread, KeSetPriorityThread,
 * KeSetSystemAffinityThreadEx, KeRevertToUserAffinityThreadEx, KeGetCurrentThread,
 * PsGetCurrentThreadId, ObReferenceObjectByHandle, ZwClose; "Scheduling Priorities".
 *
 * Each thread has its own kernel stack with an unmapped guard page below it (kernel/mm/kstack.c),
 * so an overflow stops with 0x7F (double fault) instead of corrupting a neighbour. The stacks of
 * terminated threads are kept for the next thread (as Windows keeps dead stacks) rather than
 * unmapped: another CPU may still hold their translations in its TLB.
 */
#include "kernel/ke/thread.h"

#include "arch/x86_64/cpu.h"
#include "kernel/cm/registry.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/ke/ipi.h"
#include "kernel/ke/rawlock.h"
#include "kernel/ke/wait_core.h"
#include "kernel/ke/irql.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/kstack.h"

struct ke_sched_cpu ke_sched_cpus[KE_MAX_CPUS];
raw_lock_t ke_dispatcher_lock = RAW_LOCK_INIT;
LIST_ENTRY ke_thread_list;
volatile bool ke_sched_running;

static ULONG next_thread_id = 4;
#define STACK_CACHE 32
static uint64_t stack_cache[STACK_CACHE]; /* tops of stacks of terminated threads */
static unsigned stack_cache_count;

void ke_swap_context(uint64_t *save_rsp, uint64_t new_rsp);
void ke_thread_trampoline(void);

static struct _OBJECT_TYPE {
    const char *name;
} thread_type = {"Thread"};
static POBJECT_TYPE thread_type_pointer = &thread_type;
POBJECT_TYPE *PsThreadType = &thread_type_pointer;

PLIST_ENTRY wait_thread_mutant_list(PKTHREAD thread) { return &thread->MutantListHead; }

const char *ke_thread_state_name(unsigned state)
{
    static const char *names[] = {"Initialized", "Ready", "Running", "Standby", "Terminated", "Waiting", "Transition",
                                  "DeferredReady"};
    return state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}

/* ---- allocation and bookkeeping ---- */

static PKTHREAD thread_alloc(const char *name, int priority)
{
    PKTHREAD t = kzalloc(sizeof(*t));
    if (!t)
        return NULL;
    t->Header.Type = ThreadObject;
    t->Header.Size = sizeof(*t) / sizeof(LONG) > 255 ? 255 : (UCHAR)(sizeof(*t) / sizeof(LONG));
    InitializeListHead(&t->Header.WaitListHead);
    KeInitializeTimer(&t->Timer);
    InitializeListHead(&t->MutantListHead);
    t->Priority = t->BasePriority = (SCHAR)priority;
    t->Affinity = (KAFFINITY)-1;
    t->Quantum = KE_QUANTUM_TICKS;
    t->References = 1; /* the thread's own, dropped when it has terminated and been switched away from */
    t->ThreadId = __atomic_fetch_add(&next_thread_id, 4, __ATOMIC_RELAXED);
    strlcpy(t->Name, name, sizeof(t->Name));
    return t;
}

static void thread_list_add(PKTHREAD t)
{
    uint64_t flags = cpu_save_and_disable_interrupts();
    ke_dispatcher_lock_acquire();
    InsertTailList(&ke_thread_list, &t->ThreadListEntry);
    ke_dispatcher_lock_release();
    cpu_restore_interrupts(flags);
}

void ke_thread_reference(PKTHREAD thread) { __atomic_fetch_add(&thread->References, 1, __ATOMIC_ACQ_REL); }

/* Threads that have terminated and been reaped but are still referenced (a handle not yet
 * closed): off ke_thread_list, on this one until the last reference goes, so is_thread() can
 * recognise them by address alone. It used to read the Type of whatever the handle pointed at,
 * which for a bogus handle (a ULONG on the caller's stack) was a misaligned read of memory that
 * is no thread: the sanitizer build (make SANITIZE=1) stopped on it in
 * registry.bad_requests_get_the_documented_status. */
static LIST_ENTRY retired_threads = {&retired_threads, &retired_threads};
static raw_lock_t retired_lock = RAW_LOCK_INIT;

void ke_thread_dereference(PKTHREAD thread)
{
    if (__atomic_sub_fetch(&thread->References, 1, __ATOMIC_ACQ_REL) == 0) {
        uint64_t flags = raw_lock_acquire(&retired_lock);
        RemoveEntryList(&thread->ThreadListEntry); /* always retired by now: see ke_thread_reap */
        raw_lock_release(&retired_lock, flags);
        kfree(thread);
    }
}

void ke_thread_reap(PKTHREAD old)
{
    /* Dispatcher lock held, on the next thread's stack: old's stack is free now. */
    RemoveEntryList(&old->ThreadListEntry);
    uint64_t flags = raw_lock_acquire(&retired_lock);
    InsertTailList(&retired_threads, &old->ThreadListEntry);
    raw_lock_release(&retired_lock, flags);
    if (old->OwnStack) {
        if (stack_cache_count < STACK_CACHE)
            stack_cache[stack_cache_count++] = old->StackBase;
        /* else: leaked rather than unmapped under another CPU's TLB (see the top of this file) */
    }
    ke_thread_dereference(old);
}

static uint64_t stack_get(void)
{
    uint64_t top = 0;
    uint64_t flags = cpu_save_and_disable_interrupts();
    ke_dispatcher_lock_acquire();
    if (stack_cache_count)
        top = stack_cache[--stack_cache_count];
    ke_dispatcher_lock_release();
    cpu_restore_interrupts(flags);
    if (top) {
        memset((void *)(uintptr_t)(top - KE_THREAD_STACK_PAGES * 4096ull), 0, KE_THREAD_STACK_PAGES * 4096ull);
        return top;
    }
    return kstack_alloc(KE_THREAD_STACK_PAGES);
}

/* Lay out a new stack so that ke_swap_context's `ret` enters ke_thread_trampoline with the
 * callee-saved registers zero (context_switch.asm). */
static void build_initial_stack(PKTHREAD t, uint64_t top)
{
    uint64_t *sp = (uint64_t *)(uintptr_t)top;
    *--sp = (uint64_t)(uintptr_t)ke_thread_trampoline; /* ret target; RSP = top afterwards */
    for (int i = 0; i < 6; i++)
        *--sp = 0; /* rbp, rbx, r12, r13, r14, r15 */
    t->KernelStack = (uint64_t)(uintptr_t)sp;
    t->StackBase = top;
    t->StackLimit = top - KE_THREAD_STACK_PAGES * 4096ull;
    t->OwnStack = true;
}

PKTHREAD ke_create_thread(PKSTART_ROUTINE start, PVOID context, int priority, KAFFINITY affinity, const char *name)
{
    PKTHREAD t = thread_alloc(name, priority);
    if (!t)
        return NULL;
    uint64_t top = stack_get();
    if (!top) {
        kfree(t);
        return NULL;
    }
    build_initial_stack(t, top);
    t->StartRoutine = start;
    t->StartContext = context;
    t->Affinity = affinity & ke_active_processors;
    if (!t->Affinity)
        t->Affinity = ke_active_processors;
    t->NextProcessor = KeGetCurrentProcessorNumber();
    ke_thread_reference(t); /* the creator's reference (a handle, or the caller of this) */
    thread_list_add(t);

    KIRQL old = KfRaiseIrql(DISPATCH_LEVEL);
    uint64_t flags = cpu_save_and_disable_interrupts();
    ke_dispatcher_lock_acquire();
    ke_ready_thread(t);
    ke_dispatcher_lock_release();
    cpu_restore_interrupts(flags);
    KeLowerIrql(old);
    return t;
}

/* ---- readying ---- */

/* The priority a CPU is effectively running at: what a readied thread must beat. */
static void cpu_view(unsigned i, struct sched_cpu_view *v)
{
    struct ke_sched_cpu *c = &ke_sched_cpus[i];
    v->online = ke_prcbs[i] && ke_prcbs[i]->online && c->current;
    int ready = sched_queue_highest(&c->ready);
    int running = c->current ? c->current->Priority : 0;
    if (c->current && c->current->IsIdle)
        running = -1;
    v->idle = v->online && running < 0 && ready < 0;
    v->running_priority = ready > running ? ready : running;
}

void ke_ready_thread(PKTHREAD thread)
{
    struct sched_cpu_view views[KE_MAX_CPUS];
    for (unsigned i = 0; i < KE_MAX_CPUS; i++)
        cpu_view(i, &views[i]);
    int target = sched_choose_cpu(views, KE_MAX_CPUS, thread->Affinity, thread->NextProcessor, thread->Priority);
    if (target < 0)
        target = 0;
    struct ke_sched_cpu *cpu = &ke_sched_cpus[target];
    thread->State = Ready;
    thread->NextProcessor = (ULONG)target;
    sched_queue_insert(&cpu->ready, &thread->ReadyListEntry, thread->Priority, false);

    int running = cpu->current->IsIdle ? -1 : cpu->current->Priority;
    if (!sched_preempts(thread->Priority, running))
        return;
    cpu->dispatch_pending = true;
    if ((unsigned)target != ke_current_prcb()->number)
        ke_ipi_send((uint32_t)target, KE_IPI_RESCHEDULE); /* its dispatcher switches on the way out */
}

/* ---- the clock ---- */

void ke_sched_clock_tick(struct kprcb *prcb)
{
    if (!ke_sched_running)
        return;
    if (prcb->number == 0)
        ke_timer_clock_tick();
    struct ke_sched_cpu *cpu = &ke_sched_cpus[prcb->number];
    PKTHREAD t = cpu->current;
    if (!t || t->IsIdle || --t->Quantum > 0)
        return;
    uint64_t flags = cpu_save_and_disable_interrupts();
    ke_dispatcher_lock_acquire();
    t->Quantum = KE_QUANTUM_TICKS;
    t->Priority = (SCHAR)sched_decay(t->BasePriority, t->Priority);
    if (sched_quantum_yields(sched_queue_highest(&cpu->ready), t->Priority)) {
        cpu->dispatch_pending = true;
        cpu->quantum_end = true;
    }
    ke_dispatcher_lock_release();
    cpu_restore_interrupts(flags);
}

/* ---- idle ---- */

/* Anything another CPU has queued that we might take? (A hint: take_ready decides.) */
static bool others_have_ready(struct ke_sched_cpu *me)
{
    for (unsigned i = 0; i < KE_MAX_CPUS; i++)
        if (&ke_sched_cpus[i] != me && __atomic_load_n(&ke_sched_cpus[i].ready.count, __ATOMIC_RELAXED) &&
            ke_sched_cpus[i].current && !ke_sched_cpus[i].current->IsIdle)
            return true;
    return false;
}

/* The idle thread of every CPU, at PASSIVE_LEVEL: halt until an interrupt; on the way out of
 * that interrupt the dispatcher switches to whatever it made ready. `sti; hlt` is one step
 * (Intel SDM Vol. 2B "STI": the instruction after STI runs before any interrupt), so a wake-up
 * cannot slip in between the check and the halt. */
static VOID idle_loop(PVOID context)
{
    (void)context;
    bool looked = false;
    for (;;) {
        cpu_disable_interrupts();
        struct ke_sched_cpu *cpu = ke_this_sched();
        if (cpu->dispatch_pending) {
            cpu_enable_interrupts();
            KeLowerIrql(KfRaiseIrql(DISPATCH_LEVEL)); /* the switch happens in here */
            continue;
        }
        if (!looked && others_have_ready(cpu)) {
            looked = true; /* once per wake-up: a thread pinned elsewhere must not make us spin */
            cpu->dispatch_pending = true;
            continue;
        }
        looked = false;
        __asm__ volatile("sti; hlt" ::: "memory");
    }
}

static void init_cpu(unsigned number) { sched_queue_init(&ke_sched_cpus[number].ready); }

void ke_sched_init_bsp(void)
{
    InitializeListHead(&ke_thread_list);
    for (unsigned i = 0; i < KE_MAX_CPUS; i++)
        init_cpu(i);
    /* The code running now (kernel_main_guarded on its guarded stack) becomes thread "main". */
    PKTHREAD main_thread = thread_alloc("main", KE_SYSTEM_THREAD_PRIORITY);
    if (main_thread)
        InsertTailList(&ke_thread_list, &main_thread->ThreadListEntry);
    PKTHREAD idle = ke_create_idle_thread_for_bsp();
    if (!main_thread || !idle)
        KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, 6, 0, 0, 0);
    uint64_t rsp;
    __asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
    kstack_find(rsp, &main_thread->StackLimit, &main_thread->StackBase);
    main_thread->State = Running;
    main_thread->NextProcessor = 0;
    ke_sched_cpus[0].current = main_thread;
    ke_sched_cpus[0].idle = idle;
    __atomic_store_n(&ke_sched_running, true, __ATOMIC_RELEASE);
}

PKTHREAD ke_create_idle_thread_for_bsp(void)
{
    PKTHREAD t = thread_alloc("idle 0", 0);
    uint64_t top = t ? kstack_alloc(KE_THREAD_STACK_PAGES) : 0;
    if (!top)
        return NULL;
    build_initial_stack(t, top);
    t->StartRoutine = idle_loop;
    t->IsIdle = true;
    t->Affinity = 1;
    t->State = Ready;
    InsertTailList(&ke_thread_list, &t->ThreadListEntry);
    return t;
}

void ke_sched_ap_idle(void)
{
    struct kprcb *prcb = ke_current_prcb();
    char name[16];
    ksnprintf(name, sizeof(name), "idle %u", prcb->number);
    PKTHREAD t = thread_alloc(name, 0);
    if (!t)
        KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, 6, prcb->number, 0, 0);
    t->IsIdle = true;
    t->Affinity = (KAFFINITY)1 << prcb->number;
    t->StackBase = prcb->stack_top;
    t->StackLimit = prcb->stack_top - KE_THREAD_STACK_PAGES * 4096ull;
    t->State = Running;
    t->NextProcessor = prcb->number;
    thread_list_add(t);
    uint64_t flags = cpu_save_and_disable_interrupts();
    ke_sched_cpus[prcb->number].idle = t;
    ke_sched_cpus[prcb->number].current = t;
    cpu_restore_interrupts(flags);
    idle_loop(NULL);
    __builtin_unreachable();
}

/* ---- the WDK routines ---- */

PKTHREAD KeGetCurrentThread(VOID)
{
    if (!ke_sched_running)
        return NULL;
    uint64_t flags = cpu_save_and_disable_interrupts(); /* no migration between the two reads */
    PKTHREAD t = ke_this_sched()->current;
    cpu_restore_interrupts(flags);
    return t;
}

HANDLE PsGetCurrentThreadId(VOID)
{
    PKTHREAD t = KeGetCurrentThread();
    return (HANDLE)(uintptr_t)(t ? t->ThreadId : 0);
}

NTSTATUS PsCreateSystemThread(PHANDLE ThreadHandle, ULONG DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes,
                              HANDLE ProcessHandle, PCLIENT_ID ClientId, PKSTART_ROUTINE StartRoutine,
                              PVOID StartContext)
{
    KIRQL irql = ke_get_irql();
    if (irql != PASSIVE_LEVEL)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)PsCreateSystemThread, irql, 0,
                     (ULONG_PTR)__builtin_return_address(0));
    if (!ThreadHandle || !StartRoutine)
        return STATUS_INVALID_PARAMETER;
    char name[24];
    ksnprintf(name, sizeof(name), "system");
    PKTHREAD t = ke_create_thread(StartRoutine, StartContext, KE_SYSTEM_THREAD_PRIORITY, (KAFFINITY)-1, name);
    if (!t)
        return STATUS_INSUFFICIENT_RESOURCES;
    ksnprintf(t->Name, sizeof(t->Name), "system %u", t->ThreadId);
    if (ClientId) {
        ClientId->UniqueProcess = (HANDLE)(uintptr_t)4; /* the System process */
        ClientId->UniqueThread = (HANDLE)(uintptr_t)t->ThreadId;
    }
    *ThreadHandle = (HANDLE)t; /* irqlab's handle is the object's address (docs/differences.md) */
    return STATUS_SUCCESS;
}

NTSTATUS PsTerminateSystemThread(NTSTATUS ExitStatus)
{
    KIRQL irql = ke_get_irql();
    if (irql != PASSIVE_LEVEL)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)PsTerminateSystemThread, irql, 0,
                     (ULONG_PTR)__builtin_return_address(0));
    PKTHREAD me = KeGetCurrentThread();
    if (!IsListEmpty(&me->MutantListHead)) { /* only this thread changes its own list now */
        /* A kernel mutex can never be released by anyone else: Windows stops here.
         * P1 = the thread, P2 = the first mutex it owns, P3 = P4 = 0 (reserved). */
        PKMUTEX held = CONTAINING_RECORD(me->MutantListHead.Flink, KMUTEX, MutantListEntry);
        KeBugCheckEx(THREAD_TERMINATE_HELD_MUTEX, (ULONG_PTR)me, (ULONG_PTR)held, 0, 0);
    }
    KfRaiseIrql(DISPATCH_LEVEL);
    cpu_disable_interrupts();
    ke_dispatcher_lock_acquire();
    PKTHREAD self = ke_this_sched()->current;
    self->ExitStatus = ExitStatus;
    self->State = Terminated;
    self->Header.SignalState = 1;
    ke_signal_object(&self->Header, 0); /* wakes those waiting for the thread object */
    ke_switch_away();                    /* never comes back */
    KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, 7, (ULONG_PTR)self, 0, 0);
}

KPRIORITY KeQueryPriorityThread(PKTHREAD Thread) { return Thread->Priority; }

KPRIORITY KeSetPriorityThread(PKTHREAD Thread, KPRIORITY Priority)
{
    KIRQL old = KfRaiseIrql(DISPATCH_LEVEL);
    uint64_t flags = cpu_save_and_disable_interrupts();
    ke_dispatcher_lock_acquire();
    KPRIORITY previous = Thread->Priority;
    if (Priority >= 1 && Priority < MAXIMUM_PRIORITY && !Thread->IsIdle) {
        if (Thread->State == Ready) {
            struct ke_sched_cpu *cpu = &ke_sched_cpus[Thread->NextProcessor];
            sched_queue_remove(&cpu->ready, &Thread->ReadyListEntry, Thread->Priority);
            Thread->Priority = Thread->BasePriority = (SCHAR)Priority;
            ke_ready_thread(Thread);
        } else {
            Thread->Priority = Thread->BasePriority = (SCHAR)Priority;
            if (Thread->State == Running) {
                /* Lowered below a ready thread of its CPU: that one preempts it now. */
                struct ke_sched_cpu *cpu = &ke_sched_cpus[Thread->NextProcessor];
                if (sched_preempts(sched_queue_highest(&cpu->ready), Priority)) {
                    cpu->dispatch_pending = true;
                    if (Thread->NextProcessor != ke_current_prcb()->number)
                        ke_ipi_send(Thread->NextProcessor, KE_IPI_RESCHEDULE);
                }
            }
        }
    }
    ke_dispatcher_lock_release();
    cpu_restore_interrupts(flags);
    KeLowerIrql(old);
    return previous;
}

/* Set the running thread's affinity; if this CPU is no longer allowed, the switch on KeLowerIrql
 * moves the thread to one that is (ke_switch_if_pending). */
static void set_affinity(KAFFINITY affinity, void *caller)
{
    KIRQL irql = ke_get_irql();
    if (irql > APC_LEVEL)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)KeSetSystemAffinityThreadEx, irql, APC_LEVEL,
                     (ULONG_PTR)caller);
    KIRQL old = KfRaiseIrql(DISPATCH_LEVEL);
    uint64_t flags = cpu_save_and_disable_interrupts();
    ke_dispatcher_lock_acquire();
    struct ke_sched_cpu *cpu = ke_this_sched();
    cpu->current->Affinity = affinity;
    if (!((affinity >> ke_current_prcb()->number) & 1))
        cpu->dispatch_pending = true;
    ke_dispatcher_lock_release();
    cpu_restore_interrupts(flags);
    KeLowerIrql(old);
}

KAFFINITY KeSetSystemAffinityThreadEx(KAFFINITY Affinity)
{
    PKTHREAD self = KeGetCurrentThread();
    KAFFINITY usable = Affinity & ke_active_processors;
    if (!self || !usable)
        return 0;
    KAFFINITY previous = self->SystemAffinityActive ? self->Affinity : 0;
    if (!self->SystemAffinityActive)
        self->SavedAffinity = self->Affinity;
    self->SystemAffinityActive = true;
    set_affinity(usable, __builtin_return_address(0));
    return previous;
}

VOID KeRevertToUserAffinityThreadEx(KAFFINITY Affinity)
{
    PKTHREAD self = KeGetCurrentThread();
    if (!self)
        return;
    if (Affinity) {
        set_affinity(Affinity & ke_active_processors ? Affinity & ke_active_processors : ke_active_processors,
                     __builtin_return_address(0));
        return;
    }
    self->SystemAffinityActive = false;
    set_affinity(self->SavedAffinity ? self->SavedAffinity : (KAFFINITY)-1, __builtin_return_address(0));
}

/* ---- handles (the minimum drivers need to wait for their threads) ---- */

static bool is_thread(PVOID object)
{
    bool found = false;
    uint64_t flags = cpu_save_and_disable_interrupts();
    ke_dispatcher_lock_acquire();
    for (PLIST_ENTRY e = ke_thread_list.Flink; e != &ke_thread_list; e = e->Flink)
        if (CONTAINING_RECORD(e, struct _KTHREAD, ThreadListEntry) == object)
            found = true;
    ke_dispatcher_lock_release();
    cpu_restore_interrupts(flags);
    /* A terminated thread is off that list but its object lives while referenced: retired. */
    flags = raw_lock_acquire(&retired_lock);
    for (PLIST_ENTRY e = retired_threads.Flink; !found && e != &retired_threads; e = e->Flink)
        found = CONTAINING_RECORD(e, struct _KTHREAD, ThreadListEntry) == object;
    raw_lock_release(&retired_lock, flags);
    return found;
}

NTSTATUS ObReferenceObjectByHandle(HANDLE Handle, ACCESS_MASK DesiredAccess, POBJECT_TYPE ObjectType,
                                   KPROCESSOR_MODE AccessMode, PVOID *Object,
                                   POBJECT_HANDLE_INFORMATION HandleInformation)
{
    if (!Object)
        return STATUS_INVALID_PARAMETER;
    *Object = NULL;
    if (!Handle || !is_thread(Handle))
        return STATUS_INVALID_HANDLE;
    if (ObjectType && ObjectType != *PsThreadType)
        return STATUS_OBJECT_TYPE_MISMATCH;
    ke_thread_reference((PKTHREAD)Handle);
    *Object = Handle;
    return STATUS_SUCCESS;
}

LONG_PTR ke_thread_ob_reference(PVOID Object)
{
    ke_thread_reference(Object);
    return __atomic_load_n(&((PKTHREAD)Object)->References, __ATOMIC_ACQUIRE);
}

LONG_PTR ke_thread_ob_dereference(PVOID Object)
{
    PKTHREAD t = Object;
    LONG_PTR left = __atomic_load_n(&t->References, __ATOMIC_ACQUIRE) - 1;
    ke_thread_dereference(t);
    return left;
}

/* Closes a thread handle (PsCreateSystemThread) or a registry key (IoOpenDeviceRegistryKey). */
NTSTATUS ZwClose(HANDLE Handle)
{
    if (Handle && cm_is_key(Handle))
        return cm_close_key(Handle);
    if (!Handle || !is_thread(Handle))
        return STATUS_INVALID_HANDLE;
    ke_thread_dereference((PKTHREAD)Handle);
    return STATUS_SUCCESS;
}
