/* tests/ktest/dpc_importance_test.c - LowImportance DPCs, as "KeSetImportanceDpc" and
 * "Organization of DPC Queues" describe them: placed at the end of the queue, and the queue is
 * NOT processed at once, unless the queue is deeper than the system's limit (4, Windows'
 * default MaximumDpcQueueDepth). A deferred DPC runs when the CPU next drops below
 * DISPATCH_LEVEL, at the latest after its next clock interrupt. Interrupts are kept off while a
 * case looks at the queue, so no clock interrupt can drain it in between. */
#include "arch/x86_64/cpu.h"
#include "include/wdm.h"
#include "tests/ktest/irq_helpers.h"
#include "tests/ktest/ktest.h"

static volatile uint64_t runs;
static volatile uint64_t order[8];

static VOID counting_dpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    order[__atomic_fetch_add(&runs, 1, __ATOMIC_SEQ_CST) & 7] = (uint64_t)(ULONG_PTR)Context;
}

static void low_importance_is_not_processed_at_once(struct ktest *t)
{
    KDPC low, medium;
    runs = 0;
    KeInitializeDpc(&low, counting_dpc, (PVOID)1);
    KeSetImportanceDpc(&low, LowImportance);
    KeInitializeDpc(&medium, counting_dpc, (PVOID)2);

    uint64_t flags = cpu_save_and_disable_interrupts(); /* no clock interrupt may drain the queue */
    KTEST_EXPECT_TRUE(t, KeInsertQueueDpc(&low, NULL, NULL));
    uint64_t after_low = runs;
    bool still_queued = low.DpcData != NULL;
    cpu_restore_interrupts(flags);
    KTEST_EXPECT_EQ(t, after_low, 0); /* Medium would have run inside KeInsertQueueDpc */
    KTEST_EXPECT_TRUE(t, still_queued);

    /* A MediumImportance DPC starts processing: the queue runs in order, low first (both at the end). */
    KTEST_EXPECT_TRUE(t, KeInsertQueueDpc(&medium, NULL, NULL));
    KTEST_ASSERT_TRUE(t, test_wait_for(&runs, 2, 10000));
    KTEST_EXPECT_EQ(t, order[0], 1);
    KTEST_EXPECT_EQ(t, order[1], 2);
}

static void low_importance_alone_runs_by_the_next_clock_tick(struct ktest *t)
{
    KDPC low;
    runs = 0;
    KeInitializeDpc(&low, counting_dpc, (PVOID)1);
    KeSetImportanceDpc(&low, LowImportance);
    KTEST_EXPECT_TRUE(t, KeInsertQueueDpc(&low, NULL, NULL));
    /* Nothing else happens on this CPU: the clock interrupt's exit drains the queue. */
    KTEST_EXPECT_TRUE(t, test_wait_for(&runs, 1, 10000));
}

static void a_deep_queue_is_processed_at_once(struct ktest *t)
{
    KDPC dpcs[5];
    runs = 0;
    for (int i = 0; i < 5; i++) {
        KeInitializeDpc(&dpcs[i], counting_dpc, (PVOID)(ULONG_PTR)(i + 1));
        KeSetImportanceDpc(&dpcs[i], LowImportance);
    }
    uint64_t flags = cpu_save_and_disable_interrupts();
    for (int i = 0; i < 4; i++)
        KeInsertQueueDpc(&dpcs[i], NULL, NULL);
    uint64_t after_four = runs;
    KeInsertQueueDpc(&dpcs[4], NULL, NULL); /* depth 5 > 4: processed before this returns */
    uint64_t after_five = runs;
    cpu_restore_interrupts(flags);
    KTEST_EXPECT_EQ(t, after_four, 0);
    KTEST_EXPECT_EQ(t, after_five, 5);
    for (int i = 0; i < 5; i++)
        KTEST_EXPECT_EQ(t, order[i], (uint64_t)(i + 1)); /* all at the end: FIFO */
}

static void low_importance_on_another_cpu_is_not_kicked(struct ktest *t)
{
    if (KeQueryActiveProcessorCountEx(0) < 2)
        KTEST_SKIP(t, "needs 2 or more CPUs");
    KDPC low;
    runs = 0;
    KeInitializeDpc(&low, counting_dpc, (PVOID)1);
    KeSetImportanceDpc(&low, LowImportance);
    KeSetTargetProcessorDpc(&low, 1);
    KTEST_EXPECT_TRUE(t, KeInsertQueueDpc(&low, NULL, NULL));
    /* No IPI was sent, but CPU 1's clock interrupt runs it; KeFlushQueuedDpcs also would. */
    KTEST_EXPECT_TRUE(t, test_wait_for(&runs, 1, 10000));
    KTEST_EXPECT_EQ(t, low.ProcessorHistory, (KAFFINITY)1 << 1);
}

KTEST_SUITE(dpc_importance, KTEST_CASE(low_importance_is_not_processed_at_once),
            KTEST_CASE(low_importance_alone_runs_by_the_next_clock_tick), KTEST_CASE(a_deep_queue_is_processed_at_once),
            KTEST_CASE(low_importance_on_another_cpu_is_not_kicked));
