/* tests/ktest/e1000_oid_test.c - the e1000 miniport's MiniportOidRequest and link-state
 * indication, asked through NDIS as the stack's binding does (drivers/e1000/e1000_oid.c).
 */
#include "drivers/e1000/e1000.h"
#include "drivers/ndis/ndis_block.h"
#include "kernel/lib/string.h"
#include "tests/ktest/e1000_stats_print.h"
#include "tests/ktest/ktest.h"

static PE1000_ADAPTER first_adapter(struct ktest *t)
{
    PE1000_ADAPTER a = e1000_adapter(0);
    if (!a)
        ktest_skip(t, "needs an e1000 or e1000e");
    return a;
}

static NDIS_STATUS query(PE1000_ADAPTER a, NDIS_OID oid, PVOID buffer, ULONG length, PULONG done)
{
    return ndis_oid_request(ndis_adapter_from_handle(a->AdapterHandle), NdisRequestQueryInformation, oid, buffer,
                            length, done);
}

static void answers_the_oids_the_stack_needs(struct ktest *t)
{
    PE1000_ADAPTER a = first_adapter(t);
    if (!a)
        return;
    UCHAR mac[6];
    ULONG done = 0;
    KTEST_EXPECT_EQ(t, query(a, OID_802_3_CURRENT_ADDRESS, mac, sizeof(mac), &done), NDIS_STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, done, 6);
    KTEST_EXPECT_EQ(t, memcmp(mac, a->Mac, 6), 0);
    KTEST_EXPECT_EQ(t, memcmp(mac, e1000_netif(a)->mac, 6), 0); /* what the stack was bound with */
    KTEST_EXPECT_EQ(t, query(a, OID_802_3_PERMANENT_ADDRESS, mac, sizeof(mac), &done), NDIS_STATUS_SUCCESS);
    ULONG value = 0;
    KTEST_EXPECT_EQ(t, query(a, OID_GEN_MAXIMUM_FRAME_SIZE, &value, sizeof(value), &done), NDIS_STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, value, 1500);
    KTEST_EXPECT_EQ(t, query(a, OID_GEN_CURRENT_PACKET_FILTER, &value, sizeof(value), &done), NDIS_STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, value, NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_MULTICAST | NDIS_PACKET_TYPE_BROADCAST);
    NDIS_LINK_STATE link;
    KTEST_EXPECT_EQ(t, query(a, OID_GEN_LINK_STATE, &link, sizeof(link), &done), NDIS_STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, link.Header.Type, NDIS_OBJECT_TYPE_DEFAULT);
    KTEST_EXPECT_EQ(t, link.MediaConnectState, MediaConnectStateConnected);
    KTEST_EXPECT_EQ(t, link.XmitLinkSpeed, 1000000000ull);
    KTEST_EXPECT_EQ(t, link.MediaDuplexState, MediaDuplexStateFull);
    ULONG64 counter = 0;
    KTEST_EXPECT_EQ(t, query(a, OID_GEN_RCV_ERROR, &counter, sizeof(counter), &done), NDIS_STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, done, 8);
    ULONG small = 0;
    KTEST_EXPECT_EQ(t, query(a, OID_GEN_XMIT_OK, &small, sizeof(small), &done), NDIS_STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, done, 4); /* a ULONG when that is all the buffer holds */
}

static void refuses_what_it_does_not_know(struct ktest *t)
{
    PE1000_ADAPTER a = first_adapter(t);
    if (!a)
        return;
    UCHAR four[4];
    ULONG done = 7;
    KTEST_EXPECT_EQ(t, query(a, OID_802_3_CURRENT_ADDRESS, four, sizeof(four), &done), NDIS_STATUS_BUFFER_TOO_SHORT);
    KTEST_EXPECT_EQ(t, done, 0);
    KTEST_EXPECT_EQ(t, query(a, 0x00FF0000, four, sizeof(four), &done), NDIS_STATUS_NOT_SUPPORTED);
    struct ndis_adapter *block = ndis_adapter_from_handle(a->AdapterHandle);
    ULONG filter = 0x10000000; /* not an NDIS_PACKET_TYPE_* this NIC supports */
    KTEST_EXPECT_EQ(t,
                    ndis_oid_request(block, NdisRequestSetInformation, OID_GEN_CURRENT_PACKET_FILTER, &filter,
                                     sizeof(filter), NULL),
                    NDIS_STATUS_NOT_SUPPORTED);
    USHORT two = 0;
    KTEST_EXPECT_EQ(
        t, ndis_oid_request(block, NdisRequestSetInformation, OID_GEN_CURRENT_PACKET_FILTER, &two, sizeof(two), NULL),
        NDIS_STATUS_INVALID_LENGTH);
    ULONG value = 0;
    KTEST_EXPECT_EQ(t, query(a, OID_GEN_CURRENT_PACKET_FILTER, &value, sizeof(value), &done), NDIS_STATUS_SUCCESS);
    KTEST_EXPECT_NE(t, value, 0); /* unchanged */
}

/* The driver told NDIS its link state with NdisMIndicateStatusEx at initialization; NDIS's copy
 * and the stack's link_up agree with the hardware. */
static void link_state_was_indicated(struct ktest *t)
{
    PE1000_ADAPTER a = first_adapter(t);
    if (!a)
        return;
    struct ndis_adapter *block = ndis_adapter_from_handle(a->AdapterHandle);
    KTEST_EXPECT_GE(t, e1000_stats_of(a).link_indications, 1);
    KTEST_EXPECT_GE(t, block->data.link_indications, 1);
    KTEST_EXPECT_EQ(t, block->link_state.MediaConnectState,
                    a->LinkUp ? MediaConnectStateConnected : MediaConnectStateDisconnected);
    KTEST_EXPECT_EQ(t, e1000_netif(a)->link_up, a->LinkUp);
}

KTEST_SUITE(e1000_oid, KTEST_CASE(answers_the_oids_the_stack_needs), KTEST_CASE(refuses_what_it_does_not_know),
            KTEST_CASE(link_state_was_indicated));
