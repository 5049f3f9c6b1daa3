/* tests/ktest/ndis_nbl_test.c - the NDIS 6 data path: MDLs, NBL pools, NdisGetDataBuffer, the
 * receive indication with and without NDIS_RECEIVE_FLAGS_RESOURCES, send completion, OID requests
 * (answered in place and pended), the link-state indication, and the bridge to kernel/net.
 * The adapter is tests/ktest/ndis_dp_miniport.c on QEMU's e1000e; the test indicates frames as
 * a miniport's DPC would (at DISPATCH_LEVEL).
 */
#include "drivers/ndis/ndis_block.h"
#include "kernel/lib/string.h"
#include "kernel/net/arp.h"
#include "kernel/net/ethernet.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/ndis_dp_miniport.h"

#define WAIT_MS 5000

static UCHAR buffer[3 * 4096] __attribute__((aligned(4096)));

static void mdl_describes_its_buffer(struct ktest *t)
{
    PVOID va = buffer + 4096 - 100; /* 100 bytes in one page, 300 in the next */
    PMDL mdl = NdisAllocateMdl(NULL, va, 400);
    KTEST_ASSERT_NOT_NULL(t, mdl);
    KTEST_EXPECT_TRUE(t, mdl->StartVa == (PVOID)buffer);
    KTEST_EXPECT_EQ(t, MmGetMdlByteOffset(mdl), 4096 - 100);
    KTEST_EXPECT_EQ(t, MmGetMdlByteCount(mdl), 400);
    KTEST_EXPECT_TRUE(t, MmGetMdlVirtualAddress(mdl) == va);
    KTEST_EXPECT_TRUE(t, MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority) == va);
    KTEST_EXPECT_EQ(t, mdl->Size, (CSHORT)(sizeof(MDL) + 2 * sizeof(PFN_NUMBER))); /* two pages */
    KTEST_EXPECT_EQ(t, MmGetMdlPfnArray(mdl)[0], (ULONG_PTR)buffer >> 12);
    KTEST_EXPECT_EQ(t, MmGetMdlPfnArray(mdl)[1], ((ULONG_PTR)buffer >> 12) + 1);
    KTEST_EXPECT_TRUE(t, (mdl->MdlFlags & MDL_SOURCE_IS_NONPAGED_POOL) != 0);
    KTEST_EXPECT_NULL(t, NDIS_MDL_LINKAGE(mdl));
    PVOID got = NULL;
    ULONG length = 0;
    NdisQueryMdl(mdl, &got, &length, NormalPagePriority);
    KTEST_EXPECT_TRUE(t, got == va);
    KTEST_EXPECT_EQ(t, length, 400);
    NdisFreeMdl(mdl);
    KTEST_EXPECT_NULL(t, NdisAllocateMdl(NULL, NULL, 10));
}

static NET_BUFFER_LIST_POOL_PARAMETERS pool_parameters(void)
{
    NET_BUFFER_LIST_POOL_PARAMETERS p;
    memset(&p, 0, sizeof(p));
    p.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
    p.Header.Revision = NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1;
    p.Header.Size = NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1;
    p.ProtocolId = NDIS_PROTOCOL_ID_DEFAULT;
    p.fAllocateNetBuffer = TRUE;
    p.PoolTag = IRQLAB_POOL_TAG("KtNb");
    return p;
}

/* An NBL whose data starts DataOffset bytes into a two-MDL chain: CurrentMdl is the MDL the data
 * starts in (learn.microsoft.com "NET_BUFFER Architecture"). */
static void pool_gives_nbls_with_one_nb(struct ktest *t)
{
    NET_BUFFER_LIST_POOL_PARAMETERS p = pool_parameters();
    p.Header.Size = 4;
    KTEST_EXPECT_NULL(t, NdisAllocateNetBufferListPool(NULL, &p)); /* bad header */
    p = pool_parameters();
    p.DataSize = 2048;
    KTEST_EXPECT_NULL(t, NdisAllocateNetBufferListPool(NULL, &p)); /* irqlab: no pool-allocated data */
    p = pool_parameters();
    NDIS_HANDLE pool = NdisAllocateNetBufferListPool(NULL, &p);
    KTEST_ASSERT_NOT_NULL(t, pool);
    PMDL first = NdisAllocateMdl(NULL, buffer, 64), second = NdisAllocateMdl(NULL, buffer + 1000, 200);
    KTEST_ASSERT_TRUE(t, first && second);
    NDIS_MDL_LINKAGE(first) = second;
    PNET_BUFFER_LIST nbl = NdisAllocateNetBufferAndNetBufferList(pool, 0, 0, first, 80, 150);
    KTEST_ASSERT_NOT_NULL(t, nbl);
    PNET_BUFFER nb = NET_BUFFER_LIST_FIRST_NB(nbl);
    KTEST_ASSERT_NOT_NULL(t, nb);
    KTEST_EXPECT_NULL(t, NET_BUFFER_NEXT_NB(nb));
    KTEST_EXPECT_NULL(t, NET_BUFFER_LIST_NEXT_NBL(nbl));
    KTEST_EXPECT_TRUE(t, NET_BUFFER_FIRST_MDL(nb) == first);
    KTEST_EXPECT_EQ(t, NET_BUFFER_DATA_OFFSET(nb), 80);
    KTEST_EXPECT_EQ(t, NET_BUFFER_DATA_LENGTH(nb), 150);
    KTEST_EXPECT_TRUE(t, NET_BUFFER_CURRENT_MDL(nb) == second); /* 80 > the first MDL's 64 bytes */
    KTEST_EXPECT_EQ(t, NET_BUFFER_CURRENT_MDL_OFFSET(nb), 16);
    NdisFreeNetBufferList(nbl);
    NdisFreeNetBufferListPool(pool); /* empty again: no stop */
    NdisFreeMdl(first);
    NdisFreeMdl(second);
}

static void get_data_buffer_gathers_across_mdls(struct ktest *t)
{
    for (unsigned i = 0; i < 200; i++)
        buffer[i] = (UCHAR)i;
    NET_BUFFER_LIST_POOL_PARAMETERS p = pool_parameters();
    NDIS_HANDLE pool = NdisAllocateNetBufferListPool(NULL, &p);
    PMDL first = NdisAllocateMdl(NULL, buffer, 100), second = NdisAllocateMdl(NULL, buffer + 100, 100);
    KTEST_ASSERT_TRUE(t, pool && first && second);
    NDIS_MDL_LINKAGE(first) = second;
    PNET_BUFFER_LIST nbl = NdisAllocateNetBufferAndNetBufferList(pool, 0, 0, first, 10, 180);
    KTEST_ASSERT_NOT_NULL(t, nbl);
    PNET_BUFFER nb = NET_BUFFER_LIST_FIRST_NB(nbl);
    UCHAR storage[200];
    /* Contiguous in the current MDL: a pointer into it, Storage untouched. */
    KTEST_EXPECT_TRUE(t, NdisGetDataBuffer(nb, 50, storage, 1, 0) == buffer + 10);
    /* Across the two MDLs: NULL without storage, a copy with. */
    KTEST_EXPECT_NULL(t, NdisGetDataBuffer(nb, 150, NULL, 1, 0));
    UCHAR *got = NdisGetDataBuffer(nb, 150, storage, 1, 0);
    KTEST_ASSERT_TRUE(t, got == storage);
    bool same = true;
    for (unsigned i = 0; i < 150; i++)
        same = same && got[i] == (UCHAR)(10 + i);
    KTEST_EXPECT_TRUE(t, same);
    KTEST_EXPECT_NULL(t, NdisGetDataBuffer(nb, 181, storage, 1, 0)); /* more than DataLength */
    NdisFreeNetBufferList(nbl);
    NdisFreeNetBufferListPool(pool);
    NdisFreeMdl(first);
    NdisFreeMdl(second);
}

/* ---- with an adapter ---- */

static bool oid_seen(NDIS_OID oid)
{
    for (unsigned i = 0; i < ARRAYSIZE(dpm.oids_seen) && i < dpm.oid_calls; i++)
        if (dpm.oids_seen[i] == oid)
            return true;
    return false;
}

static void bind_asks_the_miniport_with_oids(struct ktest *t)
{
    dpm.pend_oids = false;
    PDEVICE_OBJECT nic = dpm_start(t);
    if (!nic)
        return;
    struct netif *n = ndis_netif_of(dpm.adapter);
    KTEST_ASSERT_NOT_NULL(t, n);
    KTEST_EXPECT_TRUE(t, oid_seen(OID_802_3_CURRENT_ADDRESS));
    KTEST_EXPECT_TRUE(t, oid_seen(OID_GEN_LINK_STATE));
    KTEST_EXPECT_TRUE(t, oid_seen(OID_GEN_CURRENT_PACKET_FILTER));
    KTEST_EXPECT_EQ(t, dpm.packet_filter,
                    NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_MULTICAST | NDIS_PACKET_TYPE_BROADCAST);
    KTEST_EXPECT_EQ(t, memcmp(n->mac, dpm_mac, 6), 0);
    KTEST_EXPECT_TRUE(t, n->link_up);
    KTEST_EXPECT_TRUE(t, netif_find(n->name) == n);
    /* A query the miniport answers in place, and one with too small a buffer. */
    struct ndis_adapter *block = dpm_block();
    ULONG size = 0, done = 0;
    KTEST_EXPECT_EQ(
        t, ndis_oid_request(block, NdisRequestQueryInformation, OID_GEN_MAXIMUM_FRAME_SIZE, &size, sizeof(size), &done),
        NDIS_STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, size, 1500);
    KTEST_EXPECT_EQ(t, done, sizeof(ULONG));
    UCHAR small[4];
    KTEST_EXPECT_EQ(
        t, ndis_oid_request(block, NdisRequestQueryInformation, OID_802_3_CURRENT_ADDRESS, small, sizeof(small), &done),
        NDIS_STATUS_BUFFER_TOO_SHORT);
    KTEST_EXPECT_EQ(t, block->data.oid_pended, 0);
    char name[NETIF_NAME_MAX];
    strlcpy(name, n->name, sizeof(name));
    ndis_adapter_stop(nic);
    KTEST_EXPECT_NULL(t, netif_find(name)); /* unbound at halt */
    KTEST_EXPECT_NULL(t, ndis_netif_of(dpm.adapter));
    io_test_give_back(nic);
}

/* Pended OIDs: the miniport returns NDIS_STATUS_PENDING and completes from a DPC; the bind
 * (three requests) works the same. */
static void pended_oids_complete_later(struct ktest *t)
{
    dpm.pend_oids = true;
    PDEVICE_OBJECT nic = dpm_start(t);
    dpm.pend_oids = false;
    if (!nic)
        return;
    struct ndis_adapter *block = dpm_block();
    KTEST_EXPECT_GE(t, block->data.oid_pended, 3);
    KTEST_EXPECT_NOT_NULL(t, ndis_netif_of(dpm.adapter));
    KTEST_EXPECT_EQ(t, dpm.packet_filter,
                    NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_MULTICAST | NDIS_PACKET_TYPE_BROADCAST);
    dpm.pend_oids = true;
    ULONG size = 0;
    KTEST_EXPECT_EQ(
        t, ndis_oid_request(block, NdisRequestQueryInformation, OID_GEN_MAXIMUM_FRAME_SIZE, &size, sizeof(size), NULL),
        NDIS_STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, size, 1500);
    KTEST_EXPECT_NULL(t, block->oid_pending);
    dpm.pend_oids = false;
    dpm_stop(nic);
}

/* An ARP request for the adapter's address, as the wire would bring it (60 bytes, padded). */
static ULONG arp_request(UCHAR *f, const struct netif *n)
{
    static const UCHAR peer_mac[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
    memset(f, 0, 60);
    memset(f, 0xFF, 6);
    memcpy(f + 6, peer_mac, 6);
    f[12] = 0x08, f[13] = 0x06;                       /* ARP */
    f[14] = 0, f[15] = 1, f[16] = 0x08, f[17] = 0x00; /* Ethernet, IPv4 */
    f[18] = 6, f[19] = 4, f[20] = 0, f[21] = ARP_OP_REQUEST;
    memcpy(f + 22, peer_mac, 6);
    uint32_t peer = n->ipv4.gateway, me = n->ipv4.address;
    for (int i = 0; i < 4; i++) {
        f[28 + i] = (UCHAR)(peer >> (24 - 8 * i));
        f[38 + i] = (UCHAR)(me >> (24 - 8 * i));
    }
    return 60;
}

static bool wait_until(volatile uint64_t *counter, uint64_t value)
{
    for (unsigned ms = 0; ms < WAIT_MS && __atomic_load_n(counter, __ATOMIC_ACQUIRE) < value; ms++)
        KeStallExecutionProcessor(1000);
    return __atomic_load_n(counter, __ATOMIC_ACQUIRE) >= value;
}

struct rx_frame {
    NDIS_HANDLE pool;
    PMDL header, body;
    PNET_BUFFER_LIST nbl;
};

/* The frame split over two MDLs (14-byte header, then the rest): NDIS must gather it. */
static bool make_rx_frame(struct rx_frame *r, UCHAR *frame, ULONG length)
{
    NET_BUFFER_LIST_POOL_PARAMETERS p = pool_parameters();
    r->pool = NdisAllocateNetBufferListPool(dpm.adapter, &p);
    r->header = NdisAllocateMdl(dpm.adapter, frame, 14);
    r->body = NdisAllocateMdl(dpm.adapter, frame + 14, length - 14);
    if (!r->pool || !r->header || !r->body)
        return false;
    NDIS_MDL_LINKAGE(r->header) = r->body;
    r->nbl = NdisAllocateNetBufferAndNetBufferList(r->pool, 0, 0, r->header, 0, length);
    if (r->nbl)
        r->nbl->SourceHandle = dpm.adapter;
    return r->nbl != NULL;
}

static void free_rx_frame(struct rx_frame *r)
{
    if (r->nbl)
        NdisFreeNetBufferList(r->nbl);
    NdisFreeMdl(r->header);
    NdisFreeMdl(r->body);
    if (r->pool)
        NdisFreeNetBufferListPool(r->pool);
}

/* Without NDIS_RECEIVE_FLAGS_RESOURCES the NBL is NDIS's until MiniportReturnNetBufferLists
 * (at DISPATCH_LEVEL, from NDIS's DPC): not yet when the indication returns, and exactly once. The
 * stack got the frame (an ARP request) and its reply went out through MiniportSendNetBufferLists. */
static void receive_is_returned_later(struct ktest *t)
{
    PDEVICE_OBJECT nic = dpm_start(t);
    if (!nic)
        return;
    struct ndis_adapter *block = dpm_block();
    struct netif *n = ndis_netif_of(dpm.adapter);
    KTEST_ASSERT_NOT_NULL(t, n);
    static UCHAR frame[64];
    ULONG length = arp_request(frame, n);
    struct rx_frame r = {0};
    if (!make_rx_frame(&r, frame, length)) {
        free_rx_frame(&r);
        dpm_stop(nic);
        KTEST_ASSERT_TRUE(t, false);
    }
    uint64_t rx = netif_counter_read(&n->counters.rx_packets);
    uint64_t arp_in = netif_counter_read(&n->counters.arp_requests_in);

    KIRQL old = KeRaiseIrqlToDpcLevel(); /* as a miniport's DPC */
    NdisMIndicateReceiveNetBufferLists(dpm.adapter, r.nbl, NDIS_DEFAULT_PORT_NUMBER, 1,
                                       NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL);
    uint64_t returned_in_call = dpm.returned;
    ULONG_PTR owner = ndis_nbl_owner(r.nbl);
    LONG outstanding = block->receives_outstanding;
    KeLowerIrql(old);

    KTEST_EXPECT_EQ(t, returned_in_call, 0);
    KTEST_EXPECT_EQ(t, owner, NDIS_NBL_INDICATED);
    KTEST_EXPECT_EQ(t, outstanding, 1);
    KTEST_EXPECT_TRUE(t, wait_until(&dpm.returned, 1));
    KeFlushQueuedDpcs();
    KTEST_EXPECT_EQ(t, dpm.returned, 1); /* once */
    KTEST_EXPECT_EQ(t, dpm.return_irql, DISPATCH_LEVEL);
    KTEST_EXPECT_EQ(t, block->receives_outstanding, 0);
    KTEST_EXPECT_EQ(t, block->data.returned, 1);
    KTEST_EXPECT_EQ(t, netif_counter_read(&n->counters.rx_packets), rx + 1);
    KTEST_EXPECT_EQ(t, netif_counter_read(&n->counters.arp_requests_in), arp_in + 1);
    /* The ARP reply, sent while the indication was running. */
    KTEST_EXPECT_GE(t, dpm.sends, 1);
    KTEST_EXPECT_EQ(t, dpm.send_irql, DISPATCH_LEVEL);
    KTEST_EXPECT_EQ(t, dpm.last_frame[12], 0x08);
    KTEST_EXPECT_EQ(t, dpm.last_frame[13], 0x06);
    KTEST_EXPECT_EQ(t, dpm.last_frame[21], ARP_OP_REPLY);
    KTEST_EXPECT_EQ(t, memcmp(dpm.last_frame + 6, dpm_mac, 6), 0);
    KTEST_EXPECT_EQ(t, block->sends_outstanding, 0);
    free_rx_frame(&r);
    dpm_stop(nic);
}

/* With NDIS_RECEIVE_FLAGS_RESOURCES the NBL is the miniport's again when the call returns: never
 * returned, and it can be indicated again at once. */
static void receive_with_resources_stays_the_miniports(struct ktest *t)
{
    PDEVICE_OBJECT nic = dpm_start(t);
    if (!nic)
        return;
    struct ndis_adapter *block = dpm_block();
    struct netif *n = ndis_netif_of(dpm.adapter);
    KTEST_ASSERT_NOT_NULL(t, n);
    static UCHAR frame[64];
    ULONG length = arp_request(frame, n);
    struct rx_frame r = {0};
    bool made = make_rx_frame(&r, frame, length);
    uint64_t rx = netif_counter_read(&n->counters.rx_packets);
    for (int i = 0; made && i < 2; i++) {
        KIRQL old = KeRaiseIrqlToDpcLevel();
        NdisMIndicateReceiveNetBufferLists(dpm.adapter, r.nbl, NDIS_DEFAULT_PORT_NUMBER, 1,
                                           NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL | NDIS_RECEIVE_FLAGS_RESOURCES);
        KeLowerIrql(old);
        KTEST_EXPECT_NE(t, ndis_nbl_owner(r.nbl), NDIS_NBL_INDICATED);
    }
    KeFlushQueuedDpcs();
    KTEST_EXPECT_TRUE(t, made);
    KTEST_EXPECT_EQ(t, dpm.returned, 0);
    KTEST_EXPECT_EQ(t, block->data.indicated_resources, 2);
    KTEST_EXPECT_EQ(t, block->receives_outstanding, 0);
    KTEST_EXPECT_EQ(t, netif_counter_read(&n->counters.rx_packets), rx + 2);
    free_rx_frame(&r);
    dpm_stop(nic);
}

/* A send the miniport keeps and completes later with a failure: the stack counted it sent, NDIS
 * counts the failure as a tx error. One it completes inside the call with a failure: transmit
 * says FALSE. */
static void send_completion_status_reaches_the_stack(struct ktest *t)
{
    PDEVICE_OBJECT nic = dpm_start(t);
    if (!nic)
        return;
    struct ndis_adapter *block = dpm_block();
    struct netif *n = ndis_netif_of(dpm.adapter);
    KTEST_ASSERT_NOT_NULL(t, n);
    static UCHAR frame[60] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02, 0, 0, 0, 0, 0x42, 0x88, 0xB5};
    dpm.hold_sends = true;
    KIRQL old = KeRaiseIrqlToDpcLevel();
    BOOLEAN sent = ndis_bridge_transmit(n, frame, sizeof(frame));
    KeLowerIrql(old);
    KTEST_EXPECT_TRUE(t, sent);
    KTEST_ASSERT_EQ(t, dpm.held_count, 1);
    KTEST_EXPECT_EQ(t, block->sends_outstanding, 1);
    KTEST_EXPECT_EQ(t, ndis_nbl_owner(dpm.held[0]), NDIS_NBL_SENT);
    KTEST_EXPECT_EQ(t, dpm.last_frame_length, sizeof(frame));
    uint64_t errors = netif_counter_read(&n->counters.tx_errors);
    NET_BUFFER_LIST_STATUS(dpm.held[0]) = NDIS_STATUS_FAILURE;
    old = KeRaiseIrqlToDpcLevel();
    NdisMSendNetBufferListsComplete(dpm.adapter, dpm.held[0], NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL);
    KeLowerIrql(old);
    KTEST_EXPECT_EQ(t, block->sends_outstanding, 0);
    KTEST_EXPECT_EQ(t, netif_counter_read(&n->counters.tx_errors), errors + 1);
    KTEST_EXPECT_EQ(t, block->data.send_failures, 1);

    dpm.hold_sends = false;
    dpm.send_status = NDIS_STATUS_RESOURCES;
    old = KeRaiseIrqlToDpcLevel();
    sent = ndis_bridge_transmit(n, frame, sizeof(frame));
    KeLowerIrql(old);
    KTEST_EXPECT_FALSE(t, sent);
    KTEST_EXPECT_EQ(t, block->sends_outstanding, 0);
    dpm.send_status = NDIS_STATUS_SUCCESS;
    dpm_stop(nic);
}

static NDIS_LINK_STATE link_state(NET_IF_MEDIA_CONNECT_STATE state)
{
    NDIS_LINK_STATE link;
    memset(&link, 0, sizeof(link));
    link.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
    link.Header.Revision = NDIS_LINK_STATE_REVISION_1;
    link.Header.Size = NDIS_SIZEOF_LINK_STATE_REVISION_1;
    link.MediaConnectState = state;
    return link;
}

static void indicate_link(NDIS_LINK_STATE *link, UCHAR indication_type)
{
    NDIS_STATUS_INDICATION s;
    memset(&s, 0, sizeof(s));
    s.Header.Type = indication_type;
    s.Header.Revision = NDIS_STATUS_INDICATION_REVISION_1;
    s.Header.Size = NDIS_SIZEOF_STATUS_INDICATION_REVISION_1;
    s.SourceHandle = dpm.adapter;
    s.StatusCode = NDIS_STATUS_LINK_STATE;
    s.StatusBuffer = link;
    s.StatusBufferSize = sizeof(*link);
    KIRQL old = KeRaiseIrqlToDpcLevel();
    NdisMIndicateStatusEx(dpm.adapter, &s);
    KeLowerIrql(old);
}

static void link_state_indication_reaches_the_stack(struct ktest *t)
{
    PDEVICE_OBJECT nic = dpm_start(t);
    if (!nic)
        return;
    struct ndis_adapter *block = dpm_block();
    struct netif *n = ndis_netif_of(dpm.adapter);
    KTEST_ASSERT_NOT_NULL(t, n);
    KTEST_EXPECT_TRUE(t, n->link_up);
    NDIS_LINK_STATE down = link_state(MediaConnectStateDisconnected), up = link_state(MediaConnectStateConnected);
    indicate_link(&down, NDIS_OBJECT_TYPE_STATUS_INDICATION);
    KTEST_EXPECT_FALSE(t, n->link_up);
    KTEST_EXPECT_EQ(t, block->link_state.MediaConnectState, MediaConnectStateDisconnected);
    indicate_link(&up, NDIS_OBJECT_TYPE_DEFAULT); /* wrong header type: ignored */
    KTEST_EXPECT_FALSE(t, n->link_up);
    indicate_link(&up, NDIS_OBJECT_TYPE_STATUS_INDICATION);
    KTEST_EXPECT_TRUE(t, n->link_up);
    KTEST_EXPECT_EQ(t, block->data.link_indications, 2);
    dpm_stop(nic);
}

KTEST_SUITE(ndis_nbl, KTEST_CASE(mdl_describes_its_buffer), KTEST_CASE(pool_gives_nbls_with_one_nb),
            KTEST_CASE(get_data_buffer_gathers_across_mdls), KTEST_CASE(bind_asks_the_miniport_with_oids),
            KTEST_CASE(pended_oids_complete_later), KTEST_CASE(receive_is_returned_later),
            KTEST_CASE(receive_with_resources_stays_the_miniports),
            KTEST_CASE(send_completion_status_reaches_the_stack), KTEST_CASE(link_state_indication_reaches_the_stack));
