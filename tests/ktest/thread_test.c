/* tests/ktest/thread_test.c - kernel threads and the scheduler: creation, termination, own
 * stacks, preemption by a thread woken from a DPC, no preemption at DISPATCH_LEVEL (then an
 * immediate switch on release), round robin by quantum, priorities, affinity, and many switches
 * on every CPU leaving the scheduler consistent. Verdicts are orders of events and counts, never
 * host durations. */
#include "arch/x86_64/cpu.h"
#include "include/wdm.h"
#include "kernel/ke/ipi.h"
#include "kernel/ke/kprcb.h"
#include "kernel/ke/thread.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/thread_helpers.h"

struct record {
    volatile uint64_t ran;
    volatile uint64_t seq;
    KIRQL irql;
    uint64_t stack_address;
    HANDLE id;
    ULONG cpu;
    PKEVENT event;
    volatile uint64_t *release;
};

static VOID note_and_exit(PVOID context)
{
    struct record *r = context;
    uint64_t here = (uint64_t)(uintptr_t)&here;
    r->irql = KeGetCurrentIrql();
    r->stack_address = here;
    r->id = PsGetCurrentThreadId();
    r->cpu = KeGetCurrentProcessorNumber();
    r->seq = th_next();
    __atomic_store_n(&r->ran, 1, __ATOMIC_RELEASE);
}

static void create_wait_and_close(struct ktest *t)
{
    struct record r = {0};
    HANDLE handle = NULL;
    CLIENT_ID client;
    NTSTATUS status = PsCreateSystemThread(&handle, THREAD_ALL_ACCESS, NULL, NULL, &client, note_and_exit, &r);
    KTEST_ASSERT_EQ(t, status, STATUS_SUCCESS);
    PVOID object = NULL;
    KTEST_ASSERT_EQ(t, ObReferenceObjectByHandle(handle, THREAD_ALL_ACCESS, *PsThreadType, KernelMode, &object, NULL),
                    STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, ZwClose(handle), STATUS_SUCCESS);
    LARGE_INTEGER timeout = th_ms(10000);
    KTEST_EXPECT_EQ(t, KeWaitForSingleObject(object, Executive, KernelMode, FALSE, &timeout), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, r.ran, 1);
    KTEST_EXPECT_EQ(t, r.irql, PASSIVE_LEVEL);
    KTEST_EXPECT_EQ(t, (uintptr_t)r.id, (uintptr_t)client.UniqueThread);
    KTEST_EXPECT_NE(t, (uintptr_t)r.id, (uintptr_t)PsGetCurrentThreadId());
    KTEST_EXPECT_EQ(t, (uintptr_t)r.id % 4, 0);
    PKTHREAD thread = object;
    KTEST_EXPECT_EQ(t, thread->State, Terminated);
    /* It ran on its own stack, not ours. */
    KTEST_EXPECT_GE(t, r.stack_address, thread->StackLimit);
    KTEST_EXPECT_LT(t, r.stack_address, thread->StackBase);
    ObDereferenceObject(object);
    KTEST_EXPECT_EQ(t, ObReferenceObjectByHandle(NULL, 0, NULL, KernelMode, &object, NULL), STATUS_INVALID_HANDLE);
}

static VOID wait_then_note(PVOID context)
{
    struct record *r = context;
    KeWaitForSingleObject(r->event, Executive, KernelMode, FALSE, NULL);
    r->cpu = KeGetCurrentProcessorNumber();
    r->seq = th_next();
    __atomic_store_n(&r->ran, 1, __ATOMIC_RELEASE);
}

static VOID set_event_dpc(PKDPC dpc, PVOID context, PVOID a1, PVOID a2) { KeSetEvent(context, 0, FALSE); }

/* A priority-20 thread waits for an event on our CPU; a DPC sets it. The thread must run before
 * the code after KeInsertQueueDpc: the DPC readies it, and the switch happens as soon as the
 * IRQL drops below DISPATCH_LEVEL after the DPC. */
static void dpc_wakeup_preempts_lower_priority(struct ktest *t)
{
    KAFFINITY here = th_pin_here();
    KEVENT event;
    KeInitializeEvent(&event, SynchronizationEvent, FALSE);
    struct record r = {.event = &event};
    PKTHREAD high = th_start(wait_then_note, &r, 20, here);
    KTEST_ASSERT_NOT_NULL(t, high);
    KTEST_EXPECT_EQ(t, high->State, Waiting); /* it preempted us at creation and ran to its wait */
    KDPC dpc;
    KeInitializeDpc(&dpc, set_event_dpc, &event);
    uint64_t before = th_next();
    KeInsertQueueDpc(&dpc, NULL, NULL);
    uint64_t after = th_next();
    KTEST_EXPECT_EQ(t, r.ran, 1);
    KTEST_EXPECT_GT(t, r.seq, before);
    KTEST_EXPECT_LT(t, r.seq, after);
    KTEST_EXPECT_TRUE(t, th_join(high, 10));
    th_unpin();
}

static VOID timer_dpc_sets_event(PKDPC dpc, PVOID context, PVOID a1, PVOID a2) { KeSetEvent(context, 0, FALSE); }

/* The same through a real interrupt: a KTIMER's DPC (clock interrupt -> expiry DPC -> timer DPC)
 * wakes the thread while we spin at PASSIVE_LEVEL; it must take the CPU from us without our
 * ever calling the kernel. */
static void timer_dpc_preempts_a_spinning_thread(struct ktest *t)
{
    KAFFINITY here = th_pin_here();
    KEVENT event;
    KeInitializeEvent(&event, SynchronizationEvent, FALSE);
    struct record r = {.event = &event};
    PKTHREAD high = th_start(wait_then_note, &r, 20, here);
    KTEST_ASSERT_NOT_NULL(t, high);
    KTIMER timer;
    KDPC dpc;
    KeInitializeTimer(&timer);
    KeInitializeDpc(&dpc, timer_dpc_sets_event, &event);
    KeSetTimer(&timer, th_ms(20), &dpc);
    bool ran = th_spin_until(&r.ran, 500); /* we never wait: only preemption can run it */
    KTEST_EXPECT_TRUE(t, ran);
    KTEST_EXPECT_EQ(t, r.cpu, KeGetCurrentProcessorNumber());
    KTEST_EXPECT_TRUE(t, th_join(high, 10));
    th_unpin();
}

/* The DPC runs on another CPU: the woken thread belongs to ours, so that CPU must interrupt us
 * with a reschedule IPI (KE_IPI_RESCHEDULE) and we are preempted on the IPI's way out. */
static void wakeup_from_another_cpu_preempts_by_ipi(struct ktest *t)
{
    if (KeQueryActiveProcessorCount(NULL) < 2) {
        KTEST_SKIP(t, "needs 2 CPUs");
        return;
    }
    KAFFINITY here = th_pin_here();
    ULONG me = KeGetCurrentProcessorNumber(), other = me == 0 ? 1 : 0;
    KEVENT event;
    KeInitializeEvent(&event, SynchronizationEvent, FALSE);
    struct record r = {.event = &event};
    PKTHREAD high = th_start(wait_then_note, &r, 20, here);
    KTEST_ASSERT_NOT_NULL(t, high);
    KDPC dpc;
    KeInitializeDpc(&dpc, set_event_dpc, &event);
    KeSetTargetProcessorDpc(&dpc, (CHAR)other);
    uint64_t ipis = ke_prcbs[me]->ipi_received[4]; /* bit 4 = KE_IPI_RESCHEDULE */
    KeInsertQueueDpc(&dpc, NULL, NULL);
    bool ran = th_spin_until(&r.ran, 500); /* we never wait: only preemption can run it */
    KTEST_EXPECT_TRUE(t, ran);
    KTEST_EXPECT_EQ(t, r.cpu, me);
    KTEST_EXPECT_GT(t, ke_prcbs[me]->ipi_received[4], ipis);
    KTEST_EXPECT_TRUE(t, th_join(high, 10));
    th_unpin();
}

/* Holding a spin lock (DISPATCH_LEVEL), we make a priority-20 thread ready on our CPU. It must
 * not run while we hold the lock, even across clock ticks, and must run the moment we release. */
static void no_preemption_at_dispatch_level_then_immediate(struct ktest *t)
{
    KAFFINITY here = th_pin_here();
    KEVENT event;
    KeInitializeEvent(&event, SynchronizationEvent, FALSE);
    struct record r = {.event = &event};
    PKTHREAD high = th_start(wait_then_note, &r, 20, here);
    KTEST_ASSERT_NOT_NULL(t, high);
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    KIRQL old;
    KeAcquireSpinLock(&lock, &old);
    KeSetEvent(&event, 0, FALSE);
    uint64_t start = ke_tick_count;
    while (ke_tick_count < start + 3) /* clock interrupts arrive; none may switch us out */
        cpu_pause();
    uint64_t ran_while_held = r.ran;
    KTEST_EXPECT_EQ(t, high->State, Ready);
    uint64_t before = th_next();
    KeReleaseSpinLock(&lock, old);
    uint64_t after = th_next();
    KTEST_EXPECT_EQ(t, ran_while_held, 0);
    KTEST_EXPECT_GT(t, r.seq, before);
    KTEST_EXPECT_LT(t, r.seq, after);
    KTEST_EXPECT_TRUE(t, th_join(high, 10));
    th_unpin();
}

struct spinner {
    volatile uint64_t *other_ran;
    volatile uint64_t ran;
    volatile uint64_t gave_up;
};

static VOID spin_until_other_ran(PVOID context)
{
    struct spinner *s = context;
    __atomic_store_n(&s->ran, 1, __ATOMIC_RELEASE);
    if (!th_spin_until(s->other_ran, 1000))
        s->gave_up = 1;
}

/* Two equal-priority threads on one CPU, each spinning until the other has run: only the
 * quantum end can let the second one in. */
static void equal_priority_threads_share_by_quantum(struct ktest *t)
{
    KAFFINITY here = (KAFFINITY)1 << KeGetCurrentProcessorNumber();
    struct spinner a = {0}, b = {0};
    a.other_ran = &b.ran;
    b.other_ran = &a.ran;
    PKTHREAD ta = th_start(spin_until_other_ran, &a, 8, here);
    PKTHREAD tb = th_start(spin_until_other_ran, &b, 8, here);
    KTEST_ASSERT_NOT_NULL(t, ta);
    KTEST_ASSERT_NOT_NULL(t, tb);
    KTEST_EXPECT_TRUE(t, th_join(ta, 30));
    KTEST_EXPECT_TRUE(t, th_join(tb, 30));
    KTEST_EXPECT_EQ(t, a.gave_up + b.gave_up, 0);
}

static void set_priority_returns_old_and_preempts(struct ktest *t)
{
    KAFFINITY here = th_pin_here();
    struct record r = {0};
    KPRIORITY mine = KeQueryPriorityThread(KeGetCurrentThread());
    KIRQL old = KeRaiseIrqlToDpcLevel(); /* create it without letting it run */
    KeLowerIrql(old);
    PKTHREAD low = th_start(note_and_exit, &r, 4, here); /* below us: stays ready */
    KTEST_ASSERT_NOT_NULL(t, low);
    KTEST_EXPECT_EQ(t, r.ran, 0);
    KTEST_EXPECT_EQ(t, low->State, Ready);
    uint64_t before = th_next();
    KTEST_EXPECT_EQ(t, KeSetPriorityThread(low, mine + 2), 4);
    uint64_t after = th_next();
    KTEST_EXPECT_EQ(t, r.ran, 1);
    KTEST_EXPECT_GT(t, r.seq, before);
    KTEST_EXPECT_LT(t, r.seq, after);
    KTEST_EXPECT_TRUE(t, th_join(low, 10));
    th_unpin();
}

static void affinity_moves_the_thread(struct ktest *t)
{
    ULONG cpus = KeQueryActiveProcessorCount(NULL);
    const KAFFINITY entry = 1; /* ktest_run_case runs every case pinned to CPU 0 */
    for (ULONG i = 0; i < cpus; i++) {
        KAFFINITY previous = KeSetSystemAffinityThreadEx((KAFFINITY)1 << i);
        KTEST_EXPECT_EQ(t, KeGetCurrentProcessorNumber(), i);
        KTEST_EXPECT_EQ(t, previous, i == 0 ? entry : (KAFFINITY)1 << (i - 1));
    }
    KeRevertToUserAffinityThreadEx(0);
    KTEST_EXPECT_FALSE(t, KeGetCurrentThread()->SystemAffinityActive);
}

/* ---- many switches on every CPU ---- */

#define STRESS_THREADS 8
#define STRESS_ROUNDS 200

struct stress {
    KMUTEX mutex;
    KSEMAPHORE tokens;
    uint64_t counter; /* plain increments: only the mutex keeps them from being lost */
    volatile uint64_t cpus_seen;
};

static VOID stress_body(PVOID context)
{
    struct stress *s = context;
    for (int i = 0; i < STRESS_ROUNDS; i++) {
        KeWaitForSingleObject(&s->tokens, Executive, KernelMode, FALSE, NULL);
        KeWaitForSingleObject(&s->mutex, Executive, KernelMode, FALSE, NULL);
        uint64_t v = s->counter;
        if (i % 16 == 0) {
            LARGE_INTEGER zero = {.QuadPart = 0};
            KeDelayExecutionThread(KernelMode, FALSE, &zero); /* yield while holding it */
        }
        s->counter = v + 1;
        __atomic_fetch_or(&s->cpus_seen, (uint64_t)1 << KeGetCurrentProcessorNumber(), __ATOMIC_RELAXED);
        KeReleaseMutex(&s->mutex, FALSE);
        KeReleaseSemaphore(&s->tokens, 0, 1, FALSE);
        if (i % 50 == 0) {
            LARGE_INTEGER tick = th_ms(10);
            KeDelayExecutionThread(KernelMode, FALSE, &tick);
        }
    }
}

static bool scheduler_consistent(struct ktest *t)
{
    bool ok = true;
    uint64_t flags = cpu_save_and_disable_interrupts();
    ke_dispatcher_lock_acquire();
    unsigned ready_in_queues = 0, ready_threads = 0;
    for (unsigned i = 0; i < KE_MAX_CPUS; i++) {
        struct ke_sched_cpu *c = &ke_sched_cpus[i];
        ready_in_queues += c->ready.count;
        if (c->current && c->current->State != Running)
            ok = false;
    }
    for (PLIST_ENTRY e = ke_thread_list.Flink; e != &ke_thread_list; e = e->Flink) {
        PKTHREAD th = CONTAINING_RECORD(e, struct _KTHREAD, ThreadListEntry);
        if (th->State == Ready && !th->IsIdle)
            ready_threads++;
        if (th->State == Running && ke_sched_cpus[th->NextProcessor].current != th)
            ok = false;
    }
    ke_dispatcher_lock_release();
    cpu_restore_interrupts(flags);
    KTEST_EXPECT_EQ(t, ready_in_queues, ready_threads);
    return ok && ready_in_queues == ready_threads;
}

static void many_switches_stay_consistent(struct ktest *t)
{
    static struct stress s;
    KeInitializeMutex(&s.mutex, 0);
    KeInitializeSemaphore(&s.tokens, 3, 3);
    s.counter = 0;
    s.cpus_seen = 0;
    uint64_t switches_before = 0;
    for (unsigned i = 0; i < KE_MAX_CPUS; i++)
        switches_before += ke_sched_cpus[i].context_switches;
    PKTHREAD threads[STRESS_THREADS];
    for (int i = 0; i < STRESS_THREADS; i++) {
        threads[i] = th_start(stress_body, &s, 6 + i % 5, 0);
        KTEST_ASSERT_NOT_NULL(t, threads[i]);
    }
    for (int i = 0; i < STRESS_THREADS; i++)
        KTEST_EXPECT_TRUE(t, th_join(threads[i], 120));
    KTEST_EXPECT_EQ(t, s.counter, STRESS_THREADS * STRESS_ROUNDS);
    KTEST_EXPECT_EQ(t, KeReadStateSemaphore(&s.tokens), 3);
    KTEST_EXPECT_EQ(t, KeReadStateMutex(&s.mutex), 1);
    uint64_t switches = 0;
    for (unsigned i = 0; i < KE_MAX_CPUS; i++)
        switches += ke_sched_cpus[i].context_switches;
    /* How many switches contention causes depends on how the vCPUs interleave (a fast host or a
     * lucky schedule may run the threads side by side); what is certain is that each of a thread's
     * STRESS_ROUNDS / 50 sleeps blocks it - a switch away - and wakes it - a switch back in. */
    KTEST_EXPECT_GE(t, switches - switches_before, 2 * STRESS_THREADS * (STRESS_ROUNDS / 50));
    KTEST_EXPECT_TRUE(t, scheduler_consistent(t));
    if (KeQueryActiveProcessorCount(NULL) > 1) /* more than one bit: they ran on several CPUs */
        KTEST_EXPECT_NE(t, s.cpus_seen & (s.cpus_seen - 1), 0);
}

KTEST_SUITE(thread, KTEST_CASE(create_wait_and_close), KTEST_CASE(dpc_wakeup_preempts_lower_priority),
            KTEST_CASE(timer_dpc_preempts_a_spinning_thread), KTEST_CASE(wakeup_from_another_cpu_preempts_by_ipi),
            KTEST_CASE(no_preemption_at_dispatch_level_then_immediate),
            KTEST_CASE(equal_priority_threads_share_by_quantum), KTEST_CASE(set_priority_returns_old_and_preempts),
            KTEST_CASE(affinity_moves_the_thread), KTEST_CASE(many_switches_stay_consistent));
