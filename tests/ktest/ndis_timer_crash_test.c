/* tests/ktest/ndis_timer_crash_test.c - the NDIS timer-object mistakes that stop the machine
 * (manual suite; tests/e2e/test_ndis_timer_bugcheck.py boots each case and reads the stop screen):
 *
 *   set_after_free    NdisSetTimerObject on a freed timer: 0x7C BUGCODE_NDIS_DRIVER, P1 0x1006,
 *                     P2 the handle, P3 NdisSetTimerObject, P4 the caller
 *   free_at_dispatch  NdisFreeTimerObject at DISPATCH_LEVEL: 0xA IRQL_NOT_LESS_OR_EQUAL,
 *                     P1 NdisFreeTimerObject, P2 2 (the IRQL), P3 0, P4 the caller
 */
#include "include/ndis.h"
#include "tests/ktest/ktest.h"

static VOID never_runs(PVOID SystemSpecific1, PVOID FunctionContext, PVOID SystemSpecific2, PVOID SystemSpecific3)
{
    UNREFERENCED_PARAMETER(SystemSpecific1);
    UNREFERENCED_PARAMETER(FunctionContext);
    UNREFERENCED_PARAMETER(SystemSpecific2);
    UNREFERENCED_PARAMETER(SystemSpecific3);
}

static NDIS_HANDLE allocate(struct ktest *t)
{
    NDIS_TIMER_CHARACTERISTICS c;
    NdisZeroMemory(&c, sizeof(c));
    c.Header.Type = NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS;
    c.Header.Revision = NDIS_TIMER_CHARACTERISTICS_REVISION_1;
    c.Header.Size = NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1;
    c.AllocationTag = IRQLAB_POOL_TAG("NTmC");
    c.TimerFunction = never_runs;
    NDIS_HANDLE timer = NULL;
    KTEST_EXPECT_EQ(t, NdisAllocateTimerObject(NULL, &c, &timer), NDIS_STATUS_SUCCESS);
    return timer;
}

static void set_after_free(struct ktest *t)
{
    NDIS_HANDLE timer = allocate(t);
    NdisFreeTimerObject(timer);
    LARGE_INTEGER due = {.QuadPart = -10000};
    (void)NdisSetTimerObject(timer, due, 0, NULL); /* stops here */
    KTEST_EXPECT_TRUE(t, false);
}

static void free_at_dispatch(struct ktest *t)
{
    NDIS_HANDLE timer = allocate(t);
    KIRQL old = KeRaiseIrqlToDpcLevel();
    NdisFreeTimerObject(timer); /* stops here */
    KeLowerIrql(old);
    KTEST_EXPECT_TRUE(t, false);
}

KTEST_MANUAL_SUITE(ndis_timer_crash, KTEST_CASE(set_after_free), KTEST_CASE(free_at_dispatch));
