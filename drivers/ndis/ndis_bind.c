/* drivers/ndis/ndis_bind.c - binding an adapter to irqlab's network stack (kernel/net).
 *
 * On Windows a protocol (TCP/IP) binds to the miniport once it has initialized: it learns the
 * address (OID_802_3_CURRENT_ADDRESS), the link state, and sets a packet filter
 * (OID_GEN_CURRENT_PACKET_FILTER) - from then on the miniport indicates what passes the filter.
 * learn.microsoft.com: "Binding to an Adapter", "OID_GEN_CURRENT_PACKET_FILTER",
 * "OID_802_3_CURRENT_ADDRESS", "OID_GEN_LINK_STATE". irqlab's NDIS does that on the stack's behalf
 * right after MiniportInitializeEx succeeds, registering a struct netif whose transmit is
 * ndis_send.c's bridge; and undoes it around MiniportHaltEx.
 */
#include "drivers/ndis/ndis_block.h"
#include "drivers/ndis/ndis_verify.h"
#include "kernel/console/log.h"

#define NDIS_BIND_PACKET_FILTER (NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_MULTICAST | NDIS_PACKET_TYPE_BROADCAST)

static NDIS_STATUS query(struct ndis_adapter *adapter, NDIS_OID oid, PVOID buffer, ULONG length)
{
    ULONG written;
    NDIS_STATUS status = ndis_oid_request(adapter, NdisRequestQueryInformation, oid, buffer, length, &written);
    if (status == NDIS_STATUS_SUCCESS && written != length)
        status = NDIS_STATUS_INVALID_LENGTH;
    return status;
}

static void refresh_netif(struct netif *netif) { ndis_refresh_statistics(netif->driver_context); }

VOID ndis_bind(struct ndis_adapter *adapter)
{
    const NDIS_MINIPORT_DRIVER_CHARACTERISTICS *c = &adapter->driver->chars;
    if (!c->SendNetBufferListsHandler || !c->OidRequestHandler || !c->ReturnNetBufferListsHandler)
        return; /* a test miniport without a data path: nothing to bind */
    struct netif *n = &adapter->netif;
    NDIS_STATUS status = query(adapter, OID_802_3_CURRENT_ADDRESS, n->mac, ETH_ADDR_LEN);
    if (status != NDIS_STATUS_SUCCESS) {
        log_error("ndis: %s: OID_802_3_CURRENT_ADDRESS failed: 0x%08x; not bound", adapter->name, (unsigned)status);
        return;
    }
    NDIS_LINK_STATE link;
    NdisZeroMemory(&link, sizeof(link));
    status = query(adapter, OID_GEN_LINK_STATE, &link, sizeof(link));
    if (status == NDIS_STATUS_SUCCESS)
        ndis_set_link_state(adapter, &link);
    else
        n->link_up = false; /* learnt from the first NDIS_STATUS_LINK_STATE */
    if (!NT_SUCCESS(ndis_send_create(adapter))) {
        log_error("ndis: %s: no memory for the send slots; not bound", adapter->name);
        ndis_send_destroy(adapter);
        return;
    }
    n->name[0] = '\0'; /* the stack names it net<index> */
    n->transmit = ndis_bridge_transmit;
    n->refresh_counters = refresh_netif;
    n->driver_context = adapter;
    for (ULONG i = 0; i < adapter->cause_count; i++)
        n->irq_causes[i].name = adapter->cause_names[i];
    n->irq_cause_count = adapter->cause_count;
    NTSTATUS registered = netif_register(n);
    if (!NT_SUCCESS(registered)) {
        log_error("ndis: %s: netif_register failed: 0x%08x; not bound", adapter->name, (unsigned)registered);
        ndis_send_destroy(adapter);
        return;
    }
    __atomic_store_n(&adapter->bound, true, __ATOMIC_RELEASE);
    ULONG filter = NDIS_BIND_PACKET_FILTER;
    ULONG read;
    status = ndis_oid_request(adapter, NdisRequestSetInformation, OID_GEN_CURRENT_PACKET_FILTER, &filter,
                              sizeof(filter), &read);
    if (status != NDIS_STATUS_SUCCESS)
        log_warn("ndis: %s: OID_GEN_CURRENT_PACKET_FILTER failed: 0x%08x", adapter->name, (unsigned)status);
    else
        log_info("ndis: %s: bound as %s (link %s, packet filter 0x%x)", adapter->name, n->name,
                 n->link_up ? "up" : "down", (unsigned)filter);
}

VOID ndis_unbind_begin(struct ndis_adapter *adapter)
{
    if (!adapter->bound)
        return;
    __atomic_store_n(&adapter->bound, false, __ATOMIC_SEQ_CST);
    /* A transmit that saw `bound` may still be inside MiniportSendNetBufferLists: let it leave. */
    while (__atomic_load_n(&adapter->sends_in_call, __ATOMIC_ACQUIRE) != 0)
        KeStallExecutionProcessor(10);
    /* Windows returns every indicated NBL before it halts a miniport ("pause"). */
    KeRemoveQueueDpc(&adapter->return_dpc);
    KeFlushQueuedDpcs();
    ndis_receive_flush_returns(adapter);
}

VOID ndis_unbind_end(struct ndis_adapter *adapter)
{
    if (!adapter->send_pool)
        return; /* never bound */
    KeRemoveQueueDpc(&adapter->return_dpc);
    KeFlushQueuedDpcs();
    ndis_receive_flush_returns(adapter); /* nothing should be left; be sure before the block goes */
    netif_unregister(&adapter->netif);
    LONG pending = __atomic_load_n(&adapter->sends_outstanding, __ATOMIC_ACQUIRE);
    if (pending)
        ndis_bugcheck(NDIS_BUGCHECK_HALT_WITH_SENDS_PENDING, (ULONG_PTR)adapter, (ULONG_PTR)pending, 0,
                      "MiniportHaltEx returned with sent NET_BUFFER_LISTs it never completed");
    ndis_send_destroy(adapter);
}

struct netif *ndis_netif_of(NDIS_HANDLE adapter_handle)
{
    struct ndis_adapter *adapter = ndis_adapter_from_handle(adapter_handle);
    return adapter && adapter->send_pool ? &adapter->netif : NULL;
}

/* A counter OID: ULONG64, as the WDK recommends for statistics. */
static bool query_counter(struct ndis_adapter *adapter, NDIS_OID oid, uint64_t *value)
{
    ULONG64 v = 0;
    if (query(adapter, oid, &v, sizeof(v)) != NDIS_STATUS_SUCCESS)
        return false;
    *value = v;
    return true;
}

VOID ndis_refresh_statistics(struct ndis_adapter *adapter)
{
    if (!adapter || !adapter->bound)
        return;
    uint64_t v;
    if (query_counter(adapter, OID_GEN_RCV_ERROR, &v) && v > adapter->stat_rx_errors_seen) {
        netif_counter_add(&adapter->netif.counters.rx_errors, v - adapter->stat_rx_errors_seen);
        adapter->stat_rx_errors_seen = v;
    }
    if (query_counter(adapter, OID_GEN_RCV_NO_BUFFER, &v) && v > adapter->stat_rx_drops_seen) {
        netif_counter_add(&adapter->netif.counters.rx_drops, v - adapter->stat_rx_drops_seen);
        adapter->stat_rx_drops_seen = v;
    }
}

VOID NdisIrqlabNameInterruptCauses(NDIS_HANDLE MiniportAdapterHandle, const PCSTR *Names, ULONG Count)
{
    struct ndis_adapter *adapter =
        ndis_require_adapter(MiniportAdapterHandle, "NdisIrqlabNameInterruptCauses",
                             (void *)NdisIrqlabNameInterruptCauses, __builtin_return_address(0));
    if (Count > NDIS_CAUSES_MAX)
        Count = NDIS_CAUSES_MAX;
    for (ULONG i = 0; i < Count; i++)
        adapter->cause_names[i] = Names[i];
    adapter->cause_count = Count;
}

VOID NdisIrqlabCountInterruptCause(NDIS_HANDLE MiniportAdapterHandle, ULONG Cause)
{
    struct ndis_adapter *adapter = ndis_adapter_from_handle(MiniportAdapterHandle); /* any IRQL: no bugcheck path */
    if (adapter && Cause < NDIS_CAUSES_MAX)
        netif_count_irq_cause(&adapter->netif, Cause);
}
