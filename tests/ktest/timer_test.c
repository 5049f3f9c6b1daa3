/* tests/ktest/timer_test.c - KTIMER: one-shot expiry never early (guest interrupt time), the
 * timer's DPC with the expiry time in its arguments, periodic timers whose k-th expiry stays
 * within two ticks of start + due + k * period (bounded drift), KeSetTimer on an armed timer,
 * KeCancelTimer, synchronization timers waking one waiter. Verdicts use the guest clock only. */
#include "include/wdm.h"
#include "kernel/ke/thread.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/thread_helpers.h"

#define PERIODS 8

struct timer_record {
    volatile uint64_t runs;
    ULONGLONG at[PERIODS]; /* SystemArgument1/2: the interrupt time the expiry was processed */
    KIRQL irql;
    PKTIMER timer;
};

static VOID record_expiry(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    struct timer_record *r = context;
    uint64_t n = r->runs;
    if (n < PERIODS)
        r->at[n] = (ULONGLONG)(uintptr_t)a1 | ((ULONGLONG)(uintptr_t)a2 << 32);
    r->irql = KeGetCurrentIrql();
    if (n + 1 == PERIODS && r->timer)
        KeCancelTimer(r->timer); /* legal at DISPATCH_LEVEL */
    __atomic_store_n(&r->runs, n + 1, __ATOMIC_RELEASE);
}

static void one_shot_is_never_early(struct ktest *t)
{
    KTIMER timer;
    KDPC dpc;
    struct timer_record r = {0};
    KeInitializeTimer(&timer);
    KeInitializeDpc(&dpc, record_expiry, &r);
    KTEST_EXPECT_FALSE(t, KeReadStateTimer(&timer));
    ULONGLONG start = KeQueryInterruptTime();
    KTEST_EXPECT_FALSE(t, KeSetTimer(&timer, th_ms(40), &dpc));
    LARGE_INTEGER limit = th_ms(10000);
    KTEST_EXPECT_EQ(t, KeWaitForSingleObject(&timer, Executive, KernelMode, FALSE, &limit), STATUS_SUCCESS);
    ULONGLONG woke = KeQueryInterruptTime();
    KTEST_EXPECT_GE(t, woke - start, 400000ull);
    KTEST_EXPECT_TRUE(t, KeReadStateTimer(&timer)); /* notification timer: stays signalled */
    for (int i = 0; i < 1000 && !r.runs; i++) {
        LARGE_INTEGER tick = th_ms(10);
        KeDelayExecutionThread(KernelMode, FALSE, &tick);
    }
    KTEST_ASSERT_EQ(t, r.runs, 1);
    KTEST_EXPECT_EQ(t, r.irql, DISPATCH_LEVEL);
    KTEST_EXPECT_GE(t, r.at[0], start + 400000);
    KTEST_EXPECT_FALSE(t, KeCancelTimer(&timer)); /* expired: no longer armed */
}

static void periodic_timer_drift_is_bounded(struct ktest *t)
{
    KTIMER timer;
    KDPC dpc;
    struct timer_record r = {.timer = &timer};
    KeInitializeTimerEx(&timer, SynchronizationTimer);
    KeInitializeDpc(&dpc, record_expiry, &r);
    const ULONGLONG due = 30 * 10000ull, period = 20 * 10000ull, tick = KeQueryTimeIncrement();
    ULONGLONG start = KeQueryInterruptTime();
    KeSetTimerEx(&timer, th_ms(30), 20, &dpc);
    for (int i = 0; i < 3000 && r.runs < PERIODS; i++) {
        LARGE_INTEGER wait = th_ms(10);
        KeDelayExecutionThread(KernelMode, FALSE, &wait);
    }
    KTEST_ASSERT_EQ(t, r.runs, PERIODS);
    for (int k = 0; k < PERIODS; k++) {
        ULONGLONG ideal = start + due + k * period;
        KTEST_EXPECT_GE(t, r.at[k], ideal); /* never early */
        /* Drift bounded in ticks: each due time is the previous due time + Period (not "when it
         * was processed" + Period), so the k-th expiry stays within a few ticks of the ideal
         * time however many periods went by. Ticks are guest time: a slow host delays them
         * all alike. */
        KTEST_EXPECT_LT(t, r.at[k], ideal + 3 * tick);
    }
    KTEST_EXPECT_FALSE(t, KeCancelTimer(&timer)); /* the DPC already cancelled it */
}

static void set_and_cancel_report_armed(struct ktest *t)
{
    KTIMER timer;
    KeInitializeTimer(&timer);
    KTEST_EXPECT_FALSE(t, KeSetTimer(&timer, th_ms(5000), NULL));
    KTEST_EXPECT_TRUE(t, KeSetTimer(&timer, th_ms(5000), NULL)); /* was armed: re-armed */
    KTEST_EXPECT_TRUE(t, KeCancelTimer(&timer));
    KTEST_EXPECT_FALSE(t, KeCancelTimer(&timer));
    LARGE_INTEGER wait = th_ms(30);
    KTEST_EXPECT_EQ(t, KeWaitForSingleObject(&timer, Executive, KernelMode, FALSE, &wait), STATUS_TIMEOUT);
    KTEST_EXPECT_FALSE(t, KeReadStateTimer(&timer));
}

struct timer_waiter {
    PKTIMER timer;
    volatile uint64_t woken;
};

static VOID wait_for_timer(PVOID context)
{
    struct timer_waiter *w = context;
    LARGE_INTEGER limit = th_ms(3000);
    if (KeWaitForSingleObject(w->timer, Executive, KernelMode, FALSE, &limit) == STATUS_SUCCESS)
        __atomic_store_n(&w->woken, 1, __ATOMIC_RELEASE);
}

static void synchronization_timer_wakes_one_waiter(struct ktest *t)
{
    KTIMER timer;
    KeInitializeTimerEx(&timer, SynchronizationTimer);
    struct timer_waiter w[2] = {{&timer, 0}, {&timer, 0}};
    PKTHREAD th[2];
    for (int i = 0; i < 2; i++)
        th[i] = th_start(wait_for_timer, &w[i], 8, 0);
    LARGE_INTEGER settle = th_ms(20);
    KeDelayExecutionThread(KernelMode, FALSE, &settle);
    KeSetTimer(&timer, th_ms(20), NULL);
    for (int i = 0; i < 2; i++)
        KTEST_EXPECT_TRUE(t, th_join(th[i], 20)); /* the second one times out after 3 s */
    KTEST_EXPECT_EQ(t, w[0].woken + w[1].woken, 1);
    KTEST_EXPECT_FALSE(t, KeReadStateTimer(&timer)); /* the wake reset it */
}

KTEST_SUITE(timer, KTEST_CASE(one_shot_is_never_early), KTEST_CASE(periodic_timer_drift_is_bounded),
            KTEST_CASE(set_and_cancel_report_armed), KTEST_CASE(synchronization_timer_wakes_one_waiter));
