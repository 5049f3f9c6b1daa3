/* tests/ktest/workitem_tdpc_test.c - threaded DPCs (suites `workitem_tdpc` and
 * `workitem_tdpc_off`).
 *
 * workitem_tdpc (skipped when booted with threaded_dpcs=off): the routine runs at PASSIVE_LEVEL
 * in its target CPU's priority-31 thread; a thread made ready meanwhile does not preempt it, an
 * ordinary DPC does; KeRemoveQueueDpc and KeFlushQueuedDpcs cover it; running longer than the
 * DPC watchdog's limit is no DPC-level stall.
 * workitem_tdpc_off (runs only with threaded_dpcs=off: make test's q35 msix=off configuration, scripts/run_tests.py): the same
 * DPC runs as an ordinary one, at DISPATCH_LEVEL.
 *
 *     make check-ktest GLOB='workitem*' MACHINE=q35 SMP=4
 *     make check-ktest GLOB='workitem_tdpc_off' MACHINE=pc SMP=4 CMDLINE='threaded_dpcs=off'
 */
#include "include/wdm.h"
#include "kernel/boot/cmdline.h"
#include "kernel/ke/kprcb.h"
#include "kernel/ke/thread.h"
#include "kernel/ke/threaded_dpc.h"
#include "kernel/ke/watchdog.h"
#include "kernel/lib/string.h"
#include "tests/ktest/irq_helpers.h"
#include "tests/ktest/ktest.h"

#define WAIT_MS 60000

struct tdpc_seen {
    volatile uint64_t runs;
    KIRQL irql;
    ULONG cpu;
    PKTHREAD thread;
    KPRIORITY priority;
    PVOID arg1;
};

static VOID record(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    struct tdpc_seen *s = context;
    s->irql = KeGetCurrentIrql();
    s->cpu = KeGetCurrentProcessorNumber();
    s->thread = KeGetCurrentThread();
    s->priority = KeQueryPriorityThread(s->thread);
    s->arg1 = a1;
    __atomic_fetch_add(&s->runs, 1, __ATOMIC_RELEASE);
}

/* threaded_dpcs=off (or 0, no, false) on the command line. */
static bool booted_off(void) { return !cmdline_get_bool("threaded_dpcs", true); }

#define SKIP_IF_OFF(t)                                                                                                 \
    do {                                                                                                               \
        if (booted_off())                                                                      \
            KTEST_SKIP((t), "booted with threaded_dpcs=off (workitem_tdpc_off covers that)");                          \
    } while (0)

static void runs_at_passive_in_its_cpus_thread(struct ktest *t)
{
    SKIP_IF_OFF(t);
    KTEST_ASSERT_TRUE(t, ke_threaded_dpcs_enabled());
    ULONG cpus = KeQueryActiveProcessorCountEx(0);
    for (ULONG target = 0; target < cpus; target++) {
        KDPC dpc;
        struct tdpc_seen s = {0};
        KeInitializeThreadedDpc(&dpc, record, &s);
        KeSetTargetProcessorDpc(&dpc, (CHAR)target);
        KTEST_ASSERT_TRUE(t, KeInsertQueueDpc(&dpc, (PVOID)0x77, NULL));
        KTEST_ASSERT_TRUE(t, test_wait_for(&s.runs, 1, WAIT_MS));
        KTEST_EXPECT_EQ(t, s.irql, PASSIVE_LEVEL);
        KTEST_EXPECT_EQ(t, s.cpu, target);
        KTEST_EXPECT_TRUE(t, s.thread == ke_threaded_dpc_thread(target));
        KTEST_EXPECT_EQ(t, s.priority, 31);
        KTEST_EXPECT_EQ(t, (uintptr_t)s.arg1, 0x77);
        KTEST_EXPECT_EQ(t, dpc.ProcessorHistory, (KAFFINITY)1 << target);
        KTEST_EXPECT_NULL(t, dpc.DpcData);
    }
}

/* From a real interrupt: the ISR queues it (at DIRQL, where no thread can be readied). */
static struct {
    KDPC dpc;
    struct tdpc_seen seen;
    ULONG isr_cpu;
} from_isr;

static BOOLEAN threaded_dpc_queueing_isr(PKINTERRUPT interrupt, PVOID context)
{
    from_isr.isr_cpu = KeGetCurrentProcessorNumber();
    KeInsertQueueDpc(&from_isr.dpc, interrupt, NULL);
    return TRUE;
}

static void queued_from_an_isr(struct ktest *t)
{
    SKIP_IF_OFF(t);
    static KINTERRUPT interrupt;
    memset(&from_isr, 0, sizeof(from_isr));
    KeInitializeThreadedDpc(&from_isr.dpc, record, &from_isr.seen);
    int vector = test_vector_alloc(0);
    KTEST_ASSERT_GE(t, vector, 0x30);
    KTEST_ASSERT_EQ(t, test_connect(&interrupt, vector, threaded_dpc_queueing_isr, NULL, Latched, FALSE), KE_CONNECT_OK);
    test_fire_self(vector);
    bool ran = test_wait_for(&from_isr.seen.runs, 1, WAIT_MS);
    ke_interrupt_disconnect(&interrupt);
    test_vector_free(vector);
    KTEST_ASSERT_TRUE(t, ran);
    KTEST_EXPECT_EQ(t, from_isr.seen.irql, PASSIVE_LEVEL);
    KTEST_EXPECT_EQ(t, from_isr.seen.cpu, from_isr.isr_cpu);
    KTEST_EXPECT_TRUE(t, from_isr.seen.thread == ke_threaded_dpc_thread(from_isr.isr_cpu));
}

/* ---- preemption: a priority-30 thread made ready by the routine waits; an ordinary DPC does not -- */

static struct {
    KEVENT go;
    volatile uint64_t high_ran;
    volatile uint64_t high_ran_during, ordinary_ran_during, done;
    KDPC ordinary;
    volatile uint64_t ordinary_runs;
} pre;

static VOID high_thread(PVOID context)
{
    (void)KeWaitForSingleObject(&pre.go, Executive, KernelMode, FALSE, NULL);
    __atomic_store_n(&pre.high_ran, 1, __ATOMIC_RELEASE);
}

static VOID ordinary_dpc(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    __atomic_fetch_add(&pre.ordinary_runs, 1, __ATOMIC_RELEASE);
}

static VOID busy_threaded(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    struct kprcb *prcb = ke_current_prcb();
    KeSetEvent(&pre.go, 0, FALSE); /* the priority-30 thread on this CPU is ready from now on */
    KeInsertQueueDpc(&pre.ordinary, NULL, NULL);
    pre.ordinary_ran_during = pre.ordinary_runs; /* at PASSIVE_LEVEL it ran inside that call */
    uint64_t start = prcb->clock_ticks;
    while (prcb->clock_ticks < start + 3) /* three of this CPU's clock ticks: quantum ends included */
        cpu_pause();
    pre.high_ran_during = __atomic_load_n(&pre.high_ran, __ATOMIC_ACQUIRE);
    __atomic_store_n(&pre.done, 1, __ATOMIC_RELEASE);
}

static void not_preempted_by_a_thread_but_by_a_dpc(struct ktest *t)
{
    SKIP_IF_OFF(t);
    memset(&pre, 0, sizeof(pre));
    KeInitializeEvent(&pre.go, NotificationEvent, FALSE);
    KeInitializeDpc(&pre.ordinary, ordinary_dpc, NULL);
    PKTHREAD high = ke_create_thread(high_thread, NULL, 30, 1, "ktest prio 30");
    KTEST_ASSERT_NOT_NULL(t, high);
    KDPC dpc;
    KeInitializeThreadedDpc(&dpc, busy_threaded, NULL);
    KeSetTargetProcessorDpc(&dpc, 0);
    KeInsertQueueDpc(&dpc, NULL, NULL);
    KTEST_ASSERT_TRUE(t, test_wait_for(&pre.done, 1, WAIT_MS));
    KTEST_ASSERT_TRUE(t, test_wait_for(&pre.high_ran, 1, WAIT_MS));
    LARGE_INTEGER forever_enough = {.QuadPart = -(LONGLONG)WAIT_MS * 10000};
    KTEST_EXPECT_EQ(t, KeWaitForSingleObject(high, Executive, KernelMode, FALSE, &forever_enough), STATUS_SUCCESS);
    ke_thread_dereference(high);
    KTEST_EXPECT_EQ(t, pre.high_ran_during, 0); /* priority 30 < 31: it waited for the routine */
    KTEST_EXPECT_EQ(t, pre.ordinary_ran_during, 1); /* an ordinary DPC preempts a threaded one */
}

static void remove_threaded_before_it_runs(struct ktest *t)
{
    SKIP_IF_OFF(t);
    KDPC dpc;
    struct tdpc_seen s = {0};
    KeInitializeThreadedDpc(&dpc, record, &s);
    KIRQL old = KeRaiseIrqlToDpcLevel(); /* this CPU's DPC thread cannot run now */
    KeSetTargetProcessorDpc(&dpc, (CHAR)KeGetCurrentProcessorNumber());
    BOOLEAN inserted = KeInsertQueueDpc(&dpc, NULL, NULL);
    BOOLEAN again = KeInsertQueueDpc(&dpc, NULL, NULL);
    BOOLEAN removed = KeRemoveQueueDpc(&dpc);
    BOOLEAN removed_again = KeRemoveQueueDpc(&dpc);
    KeLowerIrql(old);
    KTEST_EXPECT_TRUE(t, inserted);
    KTEST_EXPECT_FALSE(t, again);
    KTEST_EXPECT_TRUE(t, removed);
    KTEST_EXPECT_FALSE(t, removed_again);
    KeFlushQueuedDpcs();
    KTEST_EXPECT_EQ(t, s.runs, 0);
}

/* KeFlushQueuedDpcs returns only after a threaded DPC queued before it has run. The routine takes
 * two clock ticks of its CPU, so without the wait the count would still be 0. */
static VOID slow_record(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    struct kprcb *prcb = ke_current_prcb();
    uint64_t start = prcb->clock_ticks;
    while (prcb->clock_ticks < start + 2)
        cpu_pause();
    record(dpc, context, a1, a2);
}

static void flush_waits_for_a_queued_threaded_dpc(struct ktest *t)
{
    ULONG cpus = KeQueryActiveProcessorCountEx(0);
    for (ULONG target = 0; target < cpus; target++) {
        KDPC dpc;
        struct tdpc_seen s = {0};
        KeInitializeThreadedDpc(&dpc, slow_record, &s);
        KeSetTargetProcessorDpc(&dpc, (CHAR)target);
        KIRQL old = KeRaiseIrqlToDpcLevel(); /* queue it without it starting here first */
        KeInsertQueueDpc(&dpc, NULL, NULL);
        KeLowerIrql(old);
        KeFlushQueuedDpcs();
        KTEST_EXPECT_EQ(t, s.runs, 1);
    }
}

/* A threaded DPC three times longer than the DPC watchdog's single-routine limit (set to 2 ticks
 * here): at PASSIVE_LEVEL it is not a DPC-level stall, so no 0x133 (as an ordinary DPC it is). */
static VOID six_ticks(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    struct kprcb *prcb = ke_current_prcb();
    uint64_t start = prcb->clock_ticks;
    while (prcb->clock_ticks < start + 6)
        cpu_pause();
    record(dpc, context, a1, a2);
}

static void long_threaded_dpc_is_not_a_watchdog_stall(struct ktest *t)
{
    SKIP_IF_OFF(t);
    uint32_t old_limit = ke_watchdog_set_dpc_limit(2);
    KDPC dpc;
    struct tdpc_seen s = {0};
    KeInitializeThreadedDpc(&dpc, six_ticks, &s);
    KeInsertQueueDpc(&dpc, NULL, NULL);
    KeFlushQueuedDpcs();
    ke_watchdog_set_dpc_limit(old_limit);
    KTEST_EXPECT_EQ(t, s.runs, 1); /* and we are still here */
}

KTEST_SUITE(workitem_tdpc, KTEST_CASE(runs_at_passive_in_its_cpus_thread), KTEST_CASE(queued_from_an_isr),
            KTEST_CASE(not_preempted_by_a_thread_but_by_a_dpc), KTEST_CASE(remove_threaded_before_it_runs),
            KTEST_CASE(flush_waits_for_a_queued_threaded_dpc), KTEST_CASE(long_threaded_dpc_is_not_a_watchdog_stall));

/* ---- threaded_dpcs=off ------------------------------------------------------------------------- */

#define SKIP_UNLESS_OFF(t)                                                                                             \
    do {                                                                                                               \
        if (!booted_off())                                                                     \
            KTEST_SKIP((t), "runs only with threaded_dpcs=off on the command line");                                   \
    } while (0)

static void off_runs_as_an_ordinary_dpc(struct ktest *t)
{
    SKIP_UNLESS_OFF(t);
    KTEST_EXPECT_FALSE(t, ke_threaded_dpcs_enabled());
    ULONG cpus = KeQueryActiveProcessorCountEx(0);
    for (ULONG target = 0; target < cpus; target++) {
        KTEST_EXPECT_NULL(t, ke_threaded_dpc_thread(target)); /* no DPC threads at all */
        KDPC dpc;
        struct tdpc_seen s = {0};
        KeInitializeThreadedDpc(&dpc, record, &s);
        KTEST_EXPECT_EQ(t, dpc.Type, 0x18); /* still a ThreadedDpcObject */
        KeSetTargetProcessorDpc(&dpc, (CHAR)target);
        KTEST_ASSERT_TRUE(t, KeInsertQueueDpc(&dpc, NULL, NULL));
        KeFlushQueuedDpcs();
        KTEST_EXPECT_EQ(t, s.runs, 1);
        KTEST_EXPECT_EQ(t, s.irql, DISPATCH_LEVEL);
        KTEST_EXPECT_EQ(t, s.cpu, target);
    }
}

KTEST_SUITE(workitem_tdpc_off, KTEST_CASE(off_runs_as_an_ordinary_dpc));
