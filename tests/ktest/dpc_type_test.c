/* tests/ktest/dpc_type_test.c - DPC_NORMAL/DPC_THREADED have the WDK's values, and KDPC.Type is
 * the object type (KOBJECTS DpcObject 0x13, ThreadedDpcObject 0x18), as on Windows. */
#include "include/wdm.h"
#include "tests/ktest/ktest.h"

static VOID nothing_dpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2) {}

static void dpc_kind_constants_match_the_wdk(struct ktest *t)
{
    KTEST_EXPECT_EQ(t, DPC_NORMAL, 0);
    KTEST_EXPECT_EQ(t, DPC_THREADED, 1);
}

static void type_is_the_object_type(struct ktest *t)
{
    KDPC dpc, threaded;
    KeInitializeDpc(&dpc, nothing_dpc, NULL);
    KeInitializeThreadedDpc(&threaded, nothing_dpc, NULL);
    KTEST_EXPECT_EQ(t, dpc.Type, 0x13);      /* DpcObject */
    KTEST_EXPECT_EQ(t, threaded.Type, 0x18); /* ThreadedDpcObject */
    KTEST_EXPECT_EQ(t, dpc.Importance, MediumImportance);
}

KTEST_SUITE(dpc_type, KTEST_CASE(dpc_kind_constants_match_the_wdk), KTEST_CASE(type_is_the_object_type));
