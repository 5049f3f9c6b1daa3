/* tests/ktest/ndis_timer_test.c - NDIS timer objects (kernel/ndis/ndis_timer.c) and the e1000's
 * link watchdog built on one (drivers/e1000/e1000_watchdog.c).
 *
 * learn.microsoft.com: NdisAllocateTimerObject, NdisSetTimerObject, NdisCancelTimerObject,
 * NdisFreeTimerObject, NetTimerCallback. Every verdict counts callbacks; waits are generous and
 * end as soon as the count is reached, so a slow host only makes a case take longer.
 */
#include "drivers/e1000/e1000.h"
#include "kernel/ndis/ndis_block.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/thread.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/thread_helpers.h"

#define TEST_TAG IRQLAB_POOL_TAG("NTmT")
#define GENEROUS_MS 20000

struct probe {
    volatile uint64_t runs;
    PVOID last_context;
    KIRQL irql;
    KSEMAPHORE ran; /* released once per run */
};

static struct probe probe_a, probe_b;

static VOID probe_callback(PVOID SystemSpecific1, PVOID FunctionContext, PVOID SystemSpecific2, PVOID SystemSpecific3)
{
    UNREFERENCED_PARAMETER(SystemSpecific1);
    UNREFERENCED_PARAMETER(SystemSpecific2);
    UNREFERENCED_PARAMETER(SystemSpecific3);
    struct probe *p = FunctionContext;
    p->last_context = FunctionContext;
    p->irql = KeGetCurrentIrql();
    __atomic_add_fetch(&p->runs, 1, __ATOMIC_SEQ_CST);
    KeReleaseSemaphore(&p->ran, 0, 1, FALSE);
}

static void probe_reset(struct probe *p)
{
    p->runs = 0;
    p->last_context = NULL;
    p->irql = 0xFF;
    KeInitializeSemaphore(&p->ran, 0, 1000);
}

static NDIS_TIMER_CHARACTERISTICS chars_for(PVOID context)
{
    NDIS_TIMER_CHARACTERISTICS c;
    NdisZeroMemory(&c, sizeof(c));
    c.Header.Type = NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS;
    c.Header.Revision = NDIS_TIMER_CHARACTERISTICS_REVISION_1;
    c.Header.Size = NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1;
    c.AllocationTag = TEST_TAG;
    c.TimerFunction = probe_callback;
    c.FunctionContext = context;
    return c;
}

static bool wait_run(struct probe *p)
{
    LARGE_INTEGER t = th_ms(GENEROUS_MS);
    return KeWaitForSingleObject(&p->ran, Executive, KernelMode, FALSE, &t) == STATUS_SUCCESS;
}

/* Is a timer whose DPC runs `routine` (with `context`, unless NULL) in the kernel's queue? */
static unsigned queued_with(PVOID routine, PVOID context)
{
    static struct ke_timer_info rows[64];
    unsigned n = ke_timer_snapshot(rows, 64), found = 0;
    for (unsigned i = 0; i < n && i < 64; i++)
        if ((PVOID)rows[i].dpc_routine == routine && (!context || rows[i].dpc_context == context))
            found++;
    return found;
}

static void allocate_checks_the_characteristics(struct ktest *t)
{
    NDIS_HANDLE timer = NULL;
    NDIS_TIMER_CHARACTERISTICS c = chars_for(NULL);
    c.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
    KTEST_EXPECT_EQ(t, NdisAllocateTimerObject(NULL, &c, &timer), NDIS_STATUS_INVALID_PARAMETER);
    c = chars_for(NULL);
    c.Header.Size = NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1 - 1;
    KTEST_EXPECT_EQ(t, NdisAllocateTimerObject(NULL, &c, &timer), NDIS_STATUS_INVALID_PARAMETER);
    c = chars_for(NULL);
    c.TimerFunction = NULL;
    KTEST_EXPECT_EQ(t, NdisAllocateTimerObject(NULL, &c, &timer), NDIS_STATUS_INVALID_PARAMETER);
    uint64_t pool = io_test_pool_bytes(TEST_TAG);
    c = chars_for(NULL);
    KTEST_ASSERT_EQ(t, NdisAllocateTimerObject(NULL, &c, &timer), NDIS_STATUS_SUCCESS);
    KTEST_EXPECT_GT(t, io_test_pool_bytes(TEST_TAG), pool);          /* charged to AllocationTag */
    KTEST_EXPECT_EQ(t, queued_with((PVOID)probe_callback, NULL), 0); /* allocated is not set */
    NdisFreeTimerObject(timer);
    KTEST_EXPECT_EQ(t, io_test_pool_bytes(TEST_TAG), pool);
}

/* One shot: one run at DISPATCH_LEVEL with the characteristics' context, then off the queue. */
static void one_shot_runs_once_at_dispatch_level(struct ktest *t)
{
    probe_reset(&probe_a);
    NDIS_HANDLE timer;
    NDIS_TIMER_CHARACTERISTICS c = chars_for(&probe_a);
    KTEST_ASSERT_EQ(t, NdisAllocateTimerObject(NULL, &c, &timer), NDIS_STATUS_SUCCESS);
    KTEST_EXPECT_FALSE(t, NdisSetTimerObject(timer, th_ms(20), 0, NULL));
    KTEST_EXPECT_EQ(t, queued_with((PVOID)probe_callback, &probe_a), 1);
    KTEST_EXPECT_TRUE(t, wait_run(&probe_a));
    KTEST_EXPECT_EQ(t, probe_a.last_context, &probe_a);
    KTEST_EXPECT_EQ(t, probe_a.irql, DISPATCH_LEVEL);
    KTEST_EXPECT_EQ(t, queued_with((PVOID)probe_callback, &probe_a), 0);
    KTEST_EXPECT_FALSE(t, NdisCancelTimerObject(timer)); /* it had fired: not in the queue */
    KTEST_EXPECT_EQ(t, probe_a.runs, 1);
    NdisFreeTimerObject(timer);
}

/* NdisSetTimerObject's FunctionContext replaces the default for the runs it sets up. */
static void set_context_overrides_the_default(struct ktest *t)
{
    probe_reset(&probe_a);
    probe_reset(&probe_b);
    NDIS_HANDLE timer;
    NDIS_TIMER_CHARACTERISTICS c = chars_for(&probe_a);
    KTEST_ASSERT_EQ(t, NdisAllocateTimerObject(NULL, &c, &timer), NDIS_STATUS_SUCCESS);
    (void)NdisSetTimerObject(timer, th_ms(10), 0, &probe_b);
    KTEST_EXPECT_TRUE(t, wait_run(&probe_b));
    KTEST_EXPECT_EQ(t, probe_a.runs, 0);
    (void)NdisSetTimerObject(timer, th_ms(10), 0, NULL); /* back to the characteristics' */
    KTEST_EXPECT_TRUE(t, wait_run(&probe_a));
    KTEST_EXPECT_EQ(t, probe_b.runs, 1);
    NdisFreeTimerObject(timer);
}

/* Periodic: runs again and again; re-setting it says TRUE (it was queued); after
 * NdisCancelTimerObject at PASSIVE_LEVEL no run is queued or running, and none comes later -
 * checked while a second periodic timer runs 5 more times. */
static void periodic_runs_until_cancelled(struct ktest *t)
{
    probe_reset(&probe_a);
    probe_reset(&probe_b);
    NDIS_HANDLE timer, witness;
    NDIS_TIMER_CHARACTERISTICS c = chars_for(&probe_a);
    KTEST_ASSERT_EQ(t, NdisAllocateTimerObject(NULL, &c, &timer), NDIS_STATUS_SUCCESS);
    c = chars_for(&probe_b);
    KTEST_ASSERT_EQ(t, NdisAllocateTimerObject(NULL, &c, &witness), NDIS_STATUS_SUCCESS);
    KTEST_EXPECT_FALSE(t, NdisSetTimerObject(timer, th_ms(10), 10, NULL));
    for (int i = 0; i < 4; i++)
        KTEST_ASSERT_TRUE(t, wait_run(&probe_a));
    KTEST_EXPECT_EQ(t, queued_with((PVOID)probe_callback, &probe_a), 1); /* periodic: back in the queue */
    KTEST_EXPECT_TRUE(t, NdisCancelTimerObject(timer));
    uint64_t after_cancel = __atomic_load_n(&probe_a.runs, __ATOMIC_SEQ_CST);
    KTEST_EXPECT_EQ(t, queued_with((PVOID)probe_callback, &probe_a), 0);
    (void)NdisSetTimerObject(witness, th_ms(10), 10, NULL);
    for (int i = 0; i < 5; i++)
        KTEST_ASSERT_TRUE(t, wait_run(&probe_b));
    KTEST_EXPECT_EQ(t, probe_a.runs, after_cancel);
    NdisFreeTimerObject(witness); /* cancels a set timer too */
    KTEST_EXPECT_EQ(t, queued_with((PVOID)probe_callback, NULL), 0);
    NdisFreeTimerObject(timer);
}

static PE1000_ADAPTER first_adapter(void)
{
    for (unsigned i = 0; i < E1000_MAX_ADAPTERS; i++)
        if (e1000_adapter(i))
            return e1000_adapter(i);
    return NULL;
}

static PDEVICE_OBJECT pdo_of(PE1000_ADAPTER a)
{
    for (unsigned i = 0; i < NDIS_MAX_ADAPTERS; i++) {
        struct ndis_adapter *n = ndis_adapter_at(i);
        if (n && n->registration.MiniportAdapterContext == a)
            return n->pdo;
    }
    return NULL;
}

/* The e1000's watchdog is a queued periodic timer whose callback polls; halting the adapter
 * leaves no timer of it queued and gives its memory back; a restart sets a new one. */
static void e1000_watchdog_polls_and_halt_cancels_it(struct ktest *t)
{
    PE1000_ADAPTER a = first_adapter();
    if (!a)
        KTEST_SKIP(t, "needs -device e1000 or -device e1000e");
    if (!a->WatchdogTimer)
        KTEST_SKIP(t, "e1000_watchdog_ms=0");
    KTEST_EXPECT_EQ(t, queued_with((PVOID)E1000WatchdogTimer, a), 1);
    uint64_t polls = e1000_stats_of(a).watchdog_polls;
    /* One more poll (a period of 2 s by default: a generous wait that ends at the poll). */
    KTEST_ASSERT_TRUE(t, io_test_wait(&a->Stats.watchdog_polls, polls + 1, 2 * a->WatchdogPeriodMs + GENEROUS_MS));
    KTEST_EXPECT_EQ(t, e1000_stats_of(a).watchdog_links, 0); /* nobody touched the cable */

    PDEVICE_OBJECT pdo = pdo_of(a);
    KTEST_ASSERT_NOT_NULL(t, pdo);
    uint64_t pool = io_test_pool_bytes(IRQLAB_POOL_TAG("E1kW"));
    KTEST_ASSERT_EQ(t, io_device_stop(pdo), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, queued_with((PVOID)E1000WatchdogTimer, NULL), 0);
    KTEST_EXPECT_LT(t, io_test_pool_bytes(IRQLAB_POOL_TAG("E1kW")), pool);
    KTEST_ASSERT_EQ(t, io_device_start(pdo, IO_START_DRIVER), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, queued_with((PVOID)E1000WatchdogTimer, NULL), 1);
    KTEST_EXPECT_EQ(t, io_test_pool_bytes(IRQLAB_POOL_TAG("E1kW")), pool);
}

KTEST_SUITE(ndis_timer, KTEST_CASE(allocate_checks_the_characteristics),
            KTEST_CASE(one_shot_runs_once_at_dispatch_level), KTEST_CASE(set_context_overrides_the_default),
            KTEST_CASE(periodic_runs_until_cancelled), KTEST_CASE(e1000_watchdog_polls_and_halt_cancels_it));
