/* tests/ktest/dpc_test.c - DPCs: DISPATCH_LEVEL, coalescing, removal, importance, targeting,
 * and "the DPC runs after the ISR that queued it". */
#include "include/wdm.h"
#include "kernel/ke/kprcb.h"
#include "kernel/lib/string.h"
#include "tests/ktest/irq_helpers.h"
#include "tests/ktest/ktest.h"

struct dpc_record {
    volatile uint64_t runs;
    KIRQL irql;
    ULONG cpu;
    PVOID arg1, arg2;
    uint64_t order; /* global sequence number at the last run */
};

static volatile uint64_t sequence;

static VOID record_dpc(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    struct dpc_record *r = context;
    r->irql = KeGetCurrentIrql();
    r->cpu = KeGetCurrentProcessorNumber();
    r->arg1 = a1;
    r->arg2 = a2;
    r->order = ++sequence;
    __atomic_fetch_add(&r->runs, 1, __ATOMIC_RELEASE);
}

static void runs_at_dispatch_with_arguments(struct ktest *t)
{
    KDPC dpc;
    struct dpc_record r = {0};
    KeInitializeDpc(&dpc, record_dpc, &r);
    KTEST_EXPECT_EQ(t, dpc.Type, 0x13); /* DpcObject */
    KTEST_ASSERT_TRUE(t, KeInsertQueueDpc(&dpc, (PVOID)0x11, (PVOID)0x22));
    KTEST_ASSERT_TRUE(t, test_wait_for(&r.runs, 1, 100));
    KTEST_EXPECT_EQ(t, r.irql, DISPATCH_LEVEL);
    KTEST_EXPECT_EQ(t, (uintptr_t)r.arg1, 0x11);
    KTEST_EXPECT_EQ(t, (uintptr_t)r.arg2, 0x22);
    KTEST_EXPECT_EQ(t, KeGetCurrentIrql(), PASSIVE_LEVEL);
    KTEST_EXPECT_NULL(t, dpc.DpcData);
}

static void second_insert_coalesces(struct ktest *t)
{
    KDPC dpc;
    struct dpc_record r = {0};
    KeInitializeDpc(&dpc, record_dpc, &r);
    KIRQL old = KeRaiseIrqlToDpcLevel(); /* hold the queue: DPCs cannot run at DISPATCH_LEVEL */
    BOOLEAN first = KeInsertQueueDpc(&dpc, (PVOID)1, NULL);
    BOOLEAN second = KeInsertQueueDpc(&dpc, (PVOID)2, NULL);
    uint64_t runs_while_raised = r.runs;
    KeLowerIrql(old);
    KTEST_EXPECT_TRUE(t, first);
    KTEST_EXPECT_FALSE(t, second);
    KTEST_EXPECT_EQ(t, runs_while_raised, 0);
    KTEST_EXPECT_EQ(t, r.runs, 1);
    KTEST_EXPECT_EQ(t, (uintptr_t)r.arg1, 1); /* the first caller's arguments stand */
}

static void remove_before_it_runs(struct ktest *t)
{
    KDPC dpc;
    struct dpc_record r = {0};
    KeInitializeDpc(&dpc, record_dpc, &r);
    KIRQL old = KeRaiseIrqlToDpcLevel();
    KeInsertQueueDpc(&dpc, NULL, NULL);
    BOOLEAN removed = KeRemoveQueueDpc(&dpc);
    BOOLEAN removed_again = KeRemoveQueueDpc(&dpc);
    KeLowerIrql(old);
    KTEST_EXPECT_TRUE(t, removed);
    KTEST_EXPECT_FALSE(t, removed_again);
    KTEST_EXPECT_EQ(t, r.runs, 0);
}

static void high_importance_runs_first(struct ktest *t)
{
    KDPC medium, high;
    struct dpc_record rm = {0}, rh = {0};
    KeInitializeDpc(&medium, record_dpc, &rm);
    KeInitializeDpc(&high, record_dpc, &rh);
    KeSetImportanceDpc(&high, HighImportance);
    KIRQL old = KeRaiseIrqlToDpcLevel();
    KeInsertQueueDpc(&medium, NULL, NULL);
    KeInsertQueueDpc(&high, NULL, NULL);
    KeLowerIrql(old);
    KTEST_ASSERT_EQ(t, rm.runs, 1);
    KTEST_ASSERT_EQ(t, rh.runs, 1);
    KTEST_EXPECT_LT(t, rh.order, rm.order);
}

static void targeted_dpc_runs_on_that_cpu(struct ktest *t)
{
    ULONG cpus = KeQueryActiveProcessorCountEx(0);
    if (cpus < 2)
        KTEST_SKIP(t, "needs 2 or more CPUs");
    for (ULONG target = 1; target < cpus; target++) {
        KDPC dpc;
        struct dpc_record r = {0};
        KeInitializeDpc(&dpc, record_dpc, &r);
        KeSetTargetProcessorDpc(&dpc, (CHAR)target);
        KTEST_ASSERT_TRUE(t, KeInsertQueueDpc(&dpc, NULL, NULL));
        KTEST_ASSERT_TRUE(t, test_wait_for(&r.runs, 1, 1000));
        KTEST_EXPECT_EQ(t, r.cpu, target);
        KTEST_EXPECT_EQ(t, r.irql, DISPATCH_LEVEL);
        KTEST_EXPECT_EQ(t, dpc.ProcessorHistory, (KAFFINITY)1 << target);
    }
}

/* An ISR that records when it ran and queues the DPC as its last action. */
struct isr_then_dpc {
    KDPC dpc;
    struct dpc_record dpc_record;
    uint64_t isr_order;
    ULONG isr_cpu;
};

static BOOLEAN queueing_isr(PKINTERRUPT interrupt, PVOID context)
{
    struct isr_then_dpc *s = context;
    s->isr_order = ++sequence;
    s->isr_cpu = KeGetCurrentProcessorNumber();
    KeInsertQueueDpc(&s->dpc, interrupt, NULL);
    return TRUE;
}

static void dpc_runs_after_its_isr(struct ktest *t)
{
    static struct isr_then_dpc s;
    static KINTERRUPT interrupt;
    memset(&s, 0, sizeof(s));
    KeInitializeDpc(&s.dpc, record_dpc, &s.dpc_record);
    int vector = test_vector_alloc(0);
    KTEST_ASSERT_GE(t, vector, 0x30);
    KTEST_ASSERT_EQ(t, test_connect(&interrupt, vector, queueing_isr, &s, Latched, FALSE), KE_CONNECT_OK);
    test_fire_self(vector);
    bool ran = test_wait_for(&s.dpc_record.runs, 1, 100);
    ke_interrupt_disconnect(&interrupt);
    test_vector_free(vector);
    KTEST_ASSERT_TRUE(t, ran);
    KTEST_EXPECT_LT(t, s.isr_order, s.dpc_record.order);
    KTEST_EXPECT_EQ(t, s.dpc_record.irql, DISPATCH_LEVEL);
    KTEST_EXPECT_EQ(t, s.dpc_record.cpu, s.isr_cpu);
    KTEST_EXPECT_EQ(t, (uintptr_t)s.dpc_record.arg1, (uintptr_t)&interrupt);
}

static void flush_waits_for_queued_dpcs(struct ktest *t)
{
    KDPC dpc;
    struct dpc_record r = {0};
    KeInitializeDpc(&dpc, record_dpc, &r);
    ULONG cpus = KeQueryActiveProcessorCountEx(0);
    KeSetTargetProcessorDpc(&dpc, (CHAR)(cpus - 1));
    KeInsertQueueDpc(&dpc, NULL, NULL);
    KeFlushQueuedDpcs();
    KTEST_EXPECT_EQ(t, r.runs, 1);
}

KTEST_SUITE(dpc, KTEST_CASE(runs_at_dispatch_with_arguments), KTEST_CASE(second_insert_coalesces),
            KTEST_CASE(remove_before_it_runs), KTEST_CASE(high_importance_runs_first),
            KTEST_CASE(targeted_dpc_runs_on_that_cpu), KTEST_CASE(dpc_runs_after_its_isr),
            KTEST_CASE(flush_waits_for_queued_dpcs));
