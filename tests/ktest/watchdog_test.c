/* tests/ktest/watchdog_test.c - KeFlushQueuedDpcs waits only for what was queued before it, and
 * the DPC watchdog leaves routines under its limit alone (kernel/ke/watchdog.h).
 *
 * learn.microsoft.com "KeFlushQueuedDpcs": it returns after all DPCs queued on any processor
 * when it was called have run. A DPC on another CPU that keeps queueing itself again must not
 * hold it up: the old "wait until every queue is empty" never ended while such a DPC ran.
 * The verdicts are states (did the requeuing DPC still run when the flush returned?), never
 * durations. The deliberate hangs are in watchdog_crash_test.c (manual suite). */
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "include/wdm.h"
#include "kernel/ke/kprcb.h"
#include "kernel/ke/watchdog.h"
#include "tests/ktest/irq_helpers.h"
#include "tests/ktest/ktest.h"

/* A DPC that queues itself again on its own CPU until told to stop - or until it has run
 * REQUEUE_GIVE_UP times during the flush, so that a flush that waits for it (the bug) ends the
 * test, not hangs it. Only runs during the flush count: however long the test thread takes to
 * get from "it is going round" to the flush (a loaded host can delay a vCPU for a long time),
 * the cap is never reached before the flush starts. */
#define REQUEUE_GIVE_UP 500000u

struct requeuer {
    KDPC dpc;
    volatile uint64_t runs;
    volatile uint64_t runs_while_flushing;
    volatile bool flushing;
    volatile bool stop;
    volatile bool gave_up;
};

static VOID requeue_routine(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    struct requeuer *r = context;
    r->runs++;
    if (r->stop)
        return;
    if (r->flushing && ++r->runs_while_flushing >= REQUEUE_GIVE_UP) {
        r->gave_up = true;
        return;
    }
    KeInsertQueueDpc(dpc, NULL, NULL); /* same target CPU as before */
}

static void flush_ignores_requeuing_dpc(struct ktest *t)
{
    ULONG cpus = KeQueryActiveProcessorCountEx(0);
    if (cpus < 2)
        KTEST_SKIP(t, "needs -smp 2: on one CPU a DPC that requeues itself starves the test itself");
    static struct requeuer r;
    r.runs = 0;
    r.runs_while_flushing = 0;
    r.flushing = false;
    r.stop = false;
    r.gave_up = false;
    KeInitializeDpc(&r.dpc, requeue_routine, &r);
    KeSetTargetProcessorDpc(&r.dpc, (CHAR)(cpus - 1));
    KeInsertQueueDpc(&r.dpc, NULL, NULL);
    KTEST_ASSERT_TRUE(t, test_wait_for(&r.runs, 100, 10000)); /* it is going round */

    __atomic_store_n(&r.flushing, true, __ATOMIC_SEQ_CST);
    KeFlushQueuedDpcs();
    bool still_requeuing = !r.gave_up;
    uint64_t runs_during = r.runs_while_flushing;

    r.stop = true;
    KeFlushQueuedDpcs(); /* now it ends: the run this waits for does not queue it again */
    KTEST_EXPECT_TRUE(t, still_requeuing);
    ktest_log(t, "the requeuing DPC ran %lu times while KeFlushQueuedDpcs waited", (unsigned long)runs_during);
}

struct slow_dpc {
    KDPC dpc;
    volatile bool done;
};

static VOID slow_routine(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    struct slow_dpc *s = context;
    KeStallExecutionProcessor(20000);
    s->done = true;
}

static void flush_waits_for_queued_dpc(struct ktest *t)
{
    ULONG cpus = KeQueryActiveProcessorCountEx(0);
    static struct slow_dpc s[KE_MAX_CPUS];
    for (ULONG i = 0; i < cpus; i++) {
        s[i].done = false;
        KeInitializeDpc(&s[i].dpc, slow_routine, &s[i]);
        KeSetTargetProcessorDpc(&s[i].dpc, (CHAR)i);
    }
    /* Queue them all at DISPATCH_LEVEL so none has run (on this CPU) before the flush. */
    KIRQL old = KeRaiseIrqlToDpcLevel();
    for (ULONG i = 0; i < cpus; i++)
        KeInsertQueueDpc(&s[i].dpc, NULL, NULL);
    KeLowerIrql(old);
    KeFlushQueuedDpcs();
    for (ULONG i = 0; i < cpus; i++)
        KTEST_EXPECT_TRUE(t, s[i].done);
}

/* ---- the DPC watchdog's limit: a long routine under it runs to the end ---- */

struct timed {
    KDPC dpc;
    volatile bool watched; /* the watchdog had it in view while it ran */
    volatile bool done;
};

static VOID long_routine(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    struct timed *w = context;
    w->watched = ke_current_prcb()->watched.routine == (void *)long_routine;
    KeStallExecutionProcessor(100000); /* 10 ticks of a 30-tick limit */
    w->done = true;
}

static volatile bool isr_done;

static BOOLEAN long_isr(PKINTERRUPT interrupt, PVOID context)
{
    KeStallExecutionProcessor(100000);
    isr_done = ke_current_prcb()->watched.routine == (void *)long_isr;
    return TRUE;
}

static void long_dpc_and_isr_under_limit(struct ktest *t)
{
    uint32_t old_limit = ke_watchdog_set_dpc_limit(30); /* 300 ms */
    static struct timed w;
    w.watched = w.done = false;
    KeInitializeDpc(&w.dpc, long_routine, &w);
    KeInsertQueueDpc(&w.dpc, NULL, NULL); /* PASSIVE_LEVEL, this CPU: runs now */

    static KINTERRUPT obj;
    int vector = test_vector_alloc(0);
    isr_done = false;
    if (vector >= 0 && test_connect(&obj, vector, long_isr, NULL, Latched, FALSE) == KE_CONNECT_OK) {
        test_fire_self(vector);
        ke_interrupt_disconnect(&obj);
    }
    if (vector >= 0)
        test_vector_free(vector);
    ke_watchdog_set_dpc_limit(old_limit);

    KTEST_EXPECT_TRUE(t, w.done);
    KTEST_EXPECT_TRUE(t, w.watched);
    KTEST_EXPECT_TRUE(t, isr_done);
    KTEST_EXPECT_TRUE(t, ke_current_prcb()->watched.routine == NULL); /* nothing left in view */
}

KTEST_SUITE(watchdog, KTEST_CASE(flush_ignores_requeuing_dpc), KTEST_CASE(flush_waits_for_queued_dpc),
            KTEST_CASE(long_dpc_and_isr_under_limit));
