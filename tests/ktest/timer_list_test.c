/* tests/ktest/timer_list_test.c - ke_timer_snapshot, what the `timers` shell command prints
 * (kernel/shell/cmd_timers.c): a driver's KTIMER with its DPC, a wait's timeout with its thread. */
#include "kernel/ke/thread.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/thread_helpers.h"

#define ROWS 64

static struct ke_timer_info rows[ROWS];

static const struct ke_timer_info *find(PKTIMER timer, unsigned *count)
{
    *count = ke_timer_snapshot(rows, ROWS);
    for (unsigned i = 0; i < *count && i < ROWS; i++)
        if (rows[i].timer == timer)
            return &rows[i];
    return NULL;
}

static VOID nothing(PKDPC dpc, PVOID context, PVOID a1, PVOID a2) {}

static void lists_a_set_timer_with_its_dpc(struct ktest *t)
{
    KTIMER timer;
    KDPC dpc;
    unsigned n;
    KeInitializeTimer(&timer);
    KeInitializeDpc(&dpc, nothing, &timer);
    KTEST_EXPECT_NULL(t, find(&timer, &n));
    ULONGLONG now = KeQueryInterruptTime();
    KeSetTimerEx(&timer, th_ms(60000), 250, &dpc);
    const struct ke_timer_info *r = find(&timer, &n);
    KTEST_ASSERT_NOT_NULL(t, r);
    KTEST_EXPECT_EQ(t, (uintptr_t)r->dpc_routine, (uintptr_t)nothing);
    KTEST_EXPECT_EQ(t, r->dpc_context, &timer);
    KTEST_EXPECT_EQ(t, r->period, 250);
    KTEST_EXPECT_GE(t, r->due, now + 60000ull * 10000);
    KTEST_EXPECT_NULL(t, r->waiter);
    KeCancelTimer(&timer);
    KTEST_EXPECT_NULL(t, find(&timer, &n));
}

static KEVENT never;

static VOID wait_a_minute(PVOID context)
{
    LARGE_INTEGER timeout = th_ms(60000);
    KeWaitForSingleObject(&never, Executive, KernelMode, FALSE, &timeout);
}

/* A wait with a timeout queues the thread's own KTIMER: listed with that thread, no DPC. */
static void lists_a_wait_timeout_with_its_thread(struct ktest *t)
{
    KeInitializeEvent(&never, NotificationEvent, FALSE);
    PKTHREAD waiter = th_start(wait_a_minute, NULL, 8, 0);
    KTEST_ASSERT_NOT_NULL(t, waiter);
    for (unsigned i = 0; i < 100000 && __atomic_load_n(&waiter->State, __ATOMIC_ACQUIRE) != Waiting; i++)
        KeDelayExecutionThread(KernelMode, FALSE, &(LARGE_INTEGER){.QuadPart = -10000});
    unsigned n;
    const struct ke_timer_info *r = find(&waiter->Timer, &n);
    KTEST_ASSERT_NOT_NULL(t, r);
    KTEST_EXPECT_EQ(t, r->waiter, waiter);
    KTEST_EXPECT_EQ(t, r->waiter_id, waiter->ThreadId);
    KTEST_EXPECT_NULL(t, r->dpc_routine);
    KTEST_EXPECT_EQ(t, r->period, 0);
    KeSetEvent(&never, 0, FALSE);
    LARGE_INTEGER generous = th_ms(30000);
    KTEST_EXPECT_EQ(t, KeWaitForSingleObject(waiter, Executive, KernelMode, FALSE, &generous), STATUS_SUCCESS);
    KTEST_EXPECT_TRUE(t, find(&waiter->Timer, &n) == NULL); /* the wait ended: its timeout went */
    ke_thread_dereference(waiter);                          /* th_start's reference, kept until here */
}

KTEST_SUITE(timer_list, KTEST_CASE(lists_a_set_timer_with_its_dpc), KTEST_CASE(lists_a_wait_timeout_with_its_thread));
