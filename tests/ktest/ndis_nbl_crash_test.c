/* tests/ktest/ndis_nbl_crash_test.c - breaking the data path's ownership rules stops the machine
 * (drivers/ndis/ndis_verify.h, docs/ndis.md). A manual suite: each case ends the kernel on
 * purpose; tests/e2e/test_ndis_nbl_bugcheck.py runs them one by one and reads the stop screen.
 * Windows leaves these rules to NDIS Verifier / Static Driver Verifier and documents no 0x7C
 * parameter for them, so the P1 values are irqlab's (0x1007 and up).
 *
 *   crash_send_completed_twice     NdisMSendNetBufferListsComplete twice for one NBL:  P1 0x1008
 *   crash_indicated_twice          an NBL indicated again before NDIS returned it:    P1 0x1007
 *   crash_halt_with_send_pending   MiniportHaltEx returns holding a sent NBL:          P1 0x100A
 *   crash_pool_freed_in_use        NdisFreeNetBufferListPool with an NBL allocated:    P1 0x100B
 *   crash_oid_completed_unasked    NdisMOidRequestComplete for no pending request:     P1 0x100C
 */
#include "drivers/ndis/ndis_block.h"
#include "kernel/lib/string.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/ndis_dp_miniport.h"

static const UCHAR frame[60] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02, 0, 0, 0, 0, 0x42, 0x88, 0xB5};

/* The stack sends one frame; the miniport keeps its NBL. */
static PDEVICE_OBJECT start_with_held_send(struct ktest *t)
{
    PDEVICE_OBJECT nic = dpm_start(t);
    if (!nic)
        return NULL;
    dpm.hold_sends = true;
    KIRQL old = KeRaiseIrqlToDpcLevel();
    (void)ndis_bridge_transmit(ndis_netif_of(dpm.adapter), frame, sizeof(frame));
    KeLowerIrql(old);
    return dpm.held_count == 1 ? nic : NULL;
}

static void crash_send_completed_twice(struct ktest *t)
{
    KTEST_ASSERT_NOT_NULL(t, start_with_held_send(t));
    KIRQL old = KeRaiseIrqlToDpcLevel();
    NdisMSendNetBufferListsComplete(dpm.adapter, dpm.held[0], NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL);
    NdisMSendNetBufferListsComplete(dpm.adapter, dpm.held[0], NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL);
    KeLowerIrql(old);
    KTEST_EXPECT_TRUE(t, false);
}

static void crash_halt_with_send_pending(struct ktest *t)
{
    PDEVICE_OBJECT nic = start_with_held_send(t);
    KTEST_ASSERT_NOT_NULL(t, nic);
    ndis_adapter_stop(nic); /* does not return */
    KTEST_EXPECT_TRUE(t, false);
}

static NDIS_HANDLE make_pool(void)
{
    NET_BUFFER_LIST_POOL_PARAMETERS p;
    memset(&p, 0, sizeof(p));
    p.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
    p.Header.Revision = NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1;
    p.Header.Size = NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1;
    p.fAllocateNetBuffer = TRUE;
    return NdisAllocateNetBufferListPool(NULL, &p);
}

static void crash_indicated_twice(struct ktest *t)
{
    KTEST_ASSERT_NOT_NULL(t, dpm_start(t));
    static UCHAR data[60];
    memcpy(data, frame, sizeof(frame));
    PMDL mdl = NdisAllocateMdl(dpm.adapter, data, sizeof(data));
    PNET_BUFFER_LIST nbl = NdisAllocateNetBufferAndNetBufferList(make_pool(), 0, 0, mdl, 0, sizeof(data));
    KTEST_ASSERT_NOT_NULL(t, nbl);
    nbl->SourceHandle = dpm.adapter;
    KIRQL old = KeRaiseIrqlToDpcLevel(); /* NDIS's return DPC cannot run in between */
    NdisMIndicateReceiveNetBufferLists(dpm.adapter, nbl, NDIS_DEFAULT_PORT_NUMBER, 1,
                                       NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL);
    NdisMIndicateReceiveNetBufferLists(dpm.adapter, nbl, NDIS_DEFAULT_PORT_NUMBER, 1,
                                       NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL);
    KeLowerIrql(old);
    KTEST_EXPECT_TRUE(t, false);
}

static void crash_pool_freed_in_use(struct ktest *t)
{
    NDIS_HANDLE pool = make_pool();
    KTEST_ASSERT_NOT_NULL(t, pool);
    KTEST_ASSERT_NOT_NULL(t, NdisAllocateNetBufferAndNetBufferList(pool, 0, 0, NULL, 0, 0));
    NdisFreeNetBufferListPool(pool);
    KTEST_EXPECT_TRUE(t, false);
}

static void crash_oid_completed_unasked(struct ktest *t)
{
    KTEST_ASSERT_NOT_NULL(t, dpm_start(t));
    static NDIS_OID_REQUEST request;
    NdisMOidRequestComplete(dpm.adapter, &request, NDIS_STATUS_SUCCESS);
    KTEST_EXPECT_TRUE(t, false);
}

KTEST_MANUAL_SUITE(ndis_nbl_crash, KTEST_CASE(crash_send_completed_twice), KTEST_CASE(crash_indicated_twice),
                   KTEST_CASE(crash_halt_with_send_pending), KTEST_CASE(crash_pool_freed_in_use),
                   KTEST_CASE(crash_oid_completed_unasked));
