/* tests/ktest/trace_workload_test.c - a short, known interrupt workload to look at in a trace
 * (manual suite `trace_workload`; scripts/trace.py runs it at the prompt with `trace=on`).
 *
 * On every CPU a pinned thread sends itself ROUNDS self-IPIs on a private vector whose ISR queues
 * that CPU's DPC; every fourth DPC sets an event a priority-9 thread on CPU 0 waits for, so the
 * trace also shows DPCs crossing to a waiting thread and context switches. It leaves the trace as
 * it found it (on or off) and only checks that every interrupt and DPC happened. */
#include "include/wdm.h"
#include "kernel/ke/kprcb.h"
#include "tests/ktest/irq_helpers.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/thread_helpers.h"

#define ROUNDS 40

static KDPC dpcs[KE_MAX_CPUS];
static KEVENT wake;
static volatile uint64_t dpc_runs, wakes, senders_done;
static volatile bool waiter_stop;
static int vector;

static VOID workload_dpc(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    if (__atomic_add_fetch(&dpc_runs, 1, __ATOMIC_SEQ_CST) % 4 == 0)
        KeSetEvent(&wake, 0, FALSE);
}

static BOOLEAN workload_isr(PKINTERRUPT interrupt, PVOID context)
{
    KeInsertQueueDpc(&dpcs[KeGetCurrentProcessorNumber()], NULL, NULL);
    return TRUE;
}

static VOID waiter(PVOID context)
{
    for (;;) {
        KeWaitForSingleObject(&wake, Executive, KernelMode, FALSE, NULL);
        if (waiter_stop)
            return;
        wakes++;
    }
}

static VOID sender(PVOID context)
{
    for (int i = 0; i < ROUNDS; i++)
        test_fire_self(vector);
    __atomic_add_fetch(&senders_done, 1, __ATOMIC_SEQ_CST);
}

static void interrupts_dpcs_and_a_thread(struct ktest *t)
{
    static KINTERRUPT obj;
    unsigned cpus = (unsigned)KeNumberProcessors;
    vector = test_vector_alloc(0);
    KTEST_ASSERT_GE(t, vector, 0x30);
    for (unsigned c = 0; c < cpus; c++)
        KeInitializeDpc(&dpcs[c], workload_dpc, NULL);
    KeInitializeEvent(&wake, SynchronizationEvent, FALSE);
    dpc_runs = wakes = senders_done = 0;
    waiter_stop = false;
    KTEST_ASSERT_EQ(t, test_connect(&obj, vector, workload_isr, NULL, Latched, FALSE), KE_CONNECT_OK);
    PKTHREAD w = th_start(waiter, NULL, 9, 1);
    PKTHREAD senders[KE_MAX_CPUS] = {0};
    for (unsigned c = 0; c < cpus; c++)
        senders[c] = th_start(sender, NULL, 8, (KAFFINITY)1 << c);
    for (unsigned c = 0; c < cpus; c++)
        KTEST_EXPECT_TRUE(t, senders[c] && th_join(senders[c], 60));
    KTEST_EXPECT_TRUE(t, test_wait_for(&dpc_runs, (uint64_t)ROUNDS * cpus, 10000));
    waiter_stop = true;
    KeSetEvent(&wake, 0, FALSE);
    KTEST_EXPECT_TRUE(t, w && th_join(w, 30));
    ke_interrupt_disconnect(&obj);
    test_vector_free(vector);
    KTEST_EXPECT_EQ(t, senders_done, (uint64_t)cpus);
    ktest_log(t, "trace_workload: %lu interrupts and DPCs, %lu wake-ups", (unsigned long)dpc_runs,
              (unsigned long)wakes);
}

KTEST_MANUAL_SUITE(trace_workload, KTEST_CASE(interrupts_dpcs_and_a_thread));
