/* kernel/ndis/ndis_send.c - the stack's transmit as MiniportSendNetBufferLists, and
 * NdisMSendNetBufferListsComplete.
 *
 * learn.microsoft.com: MINIPORT_SEND_NET_BUFFER_LISTS, NdisMSendNetBufferListsComplete,
 * "Sending Network Data" (the miniport owns each NBL from the send call until it completes it,
 * once; it may complete inside the send call), "Dispatch IRQL Tracking".
 *
 * kernel/net lends its frame only for the duration of transmit (kernel/net/netif.h), so the
 * bridge copies it into one of NDIS_SEND_SLOTS slots, each an NBL with one NB and one MDL over
 * the slot's buffer, made once at bind time. A slot goes FREE -> IN_CALL (inside the miniport's
 * send) -> either DONE_IN_CALL (completed before the call returned: transmit reports the status
 * to the stack) or PENDING (completed later: a failure then counts as a tx error) -> FREE.
 * All slots busy is what a full ring was before: transmit returns FALSE.
 */
#include "kernel/ndis/ndis_block.h"
#include "kernel/ndis/ndis_verify.h"

enum { SLOT_FREE, SLOT_IN_CALL, SLOT_DONE_IN_CALL, SLOT_PENDING };

#define NDIS_TAG_SEND IRQLAB_POOL_TAG("NdSn")

NTSTATUS ndis_send_create(struct ndis_adapter *adapter)
{
    adapter->send_slots =
        ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(struct ndis_send_slot) * NDIS_SEND_SLOTS, NDIS_TAG_SEND);
    adapter->bounce =
        ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(struct ndis_bounce) * NDIS_BOUNCE_CPUS, NDIS_TAG_SEND);
    if (!adapter->send_slots || !adapter->bounce)
        return STATUS_INSUFFICIENT_RESOURCES;
    for (unsigned i = 0; i < NDIS_BOUNCE_CPUS; i++)
        KeInitializeSpinLock(&adapter->bounce[i].lock);
    NET_BUFFER_LIST_POOL_PARAMETERS p = {0};
    p.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
    p.Header.Revision = NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1;
    p.Header.Size = NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1;
    p.ProtocolId = NDIS_PROTOCOL_ID_DEFAULT;
    p.fAllocateNetBuffer = TRUE;
    p.PoolTag = NDIS_TAG_SEND;
    adapter->send_pool = NdisAllocateNetBufferListPool(adapter, &p);
    if (!adapter->send_pool)
        return STATUS_INSUFFICIENT_RESOURCES;
    for (unsigned i = 0; i < NDIS_SEND_SLOTS; i++) {
        struct ndis_send_slot *slot = &adapter->send_slots[i];
        slot->mdl = NdisAllocateMdl(adapter, slot->data, sizeof(slot->data));
        if (!slot->mdl)
            return STATUS_INSUFFICIENT_RESOURCES;
        slot->nbl = NdisAllocateNetBufferAndNetBufferList(adapter->send_pool, 0, 0, slot->mdl, 0, 0);
        if (!slot->nbl)
            return STATUS_INSUFFICIENT_RESOURCES;
        slot->nbl->NdisReserved[1] = slot;
        slot->state = SLOT_FREE;
    }
    return STATUS_SUCCESS;
}

VOID ndis_send_destroy(struct ndis_adapter *adapter)
{
    if (adapter->send_slots) {
        for (unsigned i = 0; i < NDIS_SEND_SLOTS; i++) {
            struct ndis_send_slot *slot = &adapter->send_slots[i];
            if (slot->nbl && ndis_nbl_owner(slot->nbl) == NDIS_NBL_SENT)
                continue; /* never completed: the halt check reported it; leave it alone */
            if (slot->nbl)
                NdisFreeNetBufferList(slot->nbl);
            NdisFreeMdl(slot->mdl);
            slot->nbl = NULL;
            slot->mdl = NULL;
        }
    }
    if (adapter->send_pool && __atomic_load_n(&adapter->sends_outstanding, __ATOMIC_ACQUIRE) == 0)
        NdisFreeNetBufferListPool(adapter->send_pool);
    adapter->send_pool = NULL;
    if (adapter->send_slots)
        ExFreePoolWithTag(adapter->send_slots, NDIS_TAG_SEND);
    if (adapter->bounce)
        ExFreePoolWithTag(adapter->bounce, NDIS_TAG_SEND);
    adapter->send_slots = NULL;
    adapter->bounce = NULL;
}

static struct ndis_send_slot *claim_slot(struct ndis_adapter *adapter)
{
    for (unsigned i = 0; i < NDIS_SEND_SLOTS; i++) {
        int expected = SLOT_FREE;
        struct ndis_send_slot *slot = &adapter->send_slots[i];
        if (__atomic_compare_exchange_n(&slot->state, &expected, SLOT_IN_CALL, false, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED))
            return slot;
    }
    return NULL;
}

static void release_slot(struct ndis_send_slot *slot) { __atomic_store_n(&slot->state, SLOT_FREE, __ATOMIC_RELEASE); }

BOOLEAN ndis_bridge_transmit(struct netif *netif, const void *frame, size_t len)
{
    struct ndis_adapter *adapter = netif->driver_context;
    __atomic_fetch_add(&adapter->sends_in_call, 1, __ATOMIC_ACQUIRE);
    BOOLEAN sent = FALSE;
    struct ndis_send_slot *slot = NULL;
    /* Nothing goes to a miniport that was shut down or whose hardware is gone. */
    if (adapter->bound && !adapter->shut_down && !adapter->surprise_removed && len <= NDIS_SEND_SLOT_BYTES &&
        (slot = claim_slot(adapter)) != NULL) {
        PNET_BUFFER_LIST nbl = slot->nbl;
        PNET_BUFFER nb = nbl->FirstNetBuffer;
        __builtin_memcpy(slot->data, frame, len);
        slot->mdl->ByteCount = (ULONG)len;
        nb->DataLength = (ULONG)len;
        nb->DataOffset = 0;
        nb->CurrentMdl = slot->mdl;
        nb->CurrentMdlOffset = 0;
        nb->Next = NULL;
        nbl->Next = NULL;
        nbl->Status = NDIS_STATUS_SUCCESS;
        nbl->SourceHandle = adapter; /* who sent it, so the completion can be routed back */
        ndis_nbl_set_owner(nbl, NDIS_NBL_SENT);
        __atomic_fetch_add(&adapter->sends_outstanding, 1, __ATOMIC_RELAXED);
        __atomic_fetch_add(&adapter->data.sends, 1, __ATOMIC_RELAXED);
        adapter->driver->chars.SendNetBufferListsHandler(adapter->registration.MiniportAdapterContext, nbl,
                                                         NDIS_DEFAULT_PORT_NUMBER, NDIS_SEND_FLAGS_DISPATCH_LEVEL);
        int expected = SLOT_IN_CALL;
        if (__atomic_compare_exchange_n(&slot->state, &expected, SLOT_PENDING, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
            sent = TRUE; /* the miniport holds it; the completion frees the slot */
        } else {
            sent = slot->status == NDIS_STATUS_SUCCESS; /* completed inside the call */
            release_slot(slot);
        }
    }
    __atomic_fetch_sub(&adapter->sends_in_call, 1, __ATOMIC_RELEASE);
    return sent;
}

VOID NdisMSendNetBufferListsComplete(NDIS_HANDLE MiniportAdapterHandle, PNET_BUFFER_LIST NetBufferList,
                                     ULONG SendCompleteFlags)
{
    UNREFERENCED_PARAMETER(SendCompleteFlags);
    struct ndis_adapter *adapter =
        ndis_require_adapter(MiniportAdapterHandle, "NdisMSendNetBufferListsComplete",
                             (void *)NdisMSendNetBufferListsComplete, __builtin_return_address(0));
    PNET_BUFFER_LIST next;
    for (PNET_BUFFER_LIST nbl = NetBufferList; nbl; nbl = next) {
        next = nbl->Next;
        struct ndis_send_slot *slot = nbl->NdisReserved[1];
        if (ndis_nbl_owner(nbl) != NDIS_NBL_SENT || nbl->SourceHandle != adapter || !slot)
            ndis_bugcheck(NDIS_BUGCHECK_NBL_NOT_PENDING, (ULONG_PTR)adapter, (ULONG_PTR)nbl, ndis_nbl_owner(nbl),
                          "NdisMSendNetBufferListsComplete on a NET_BUFFER_LIST the miniport does not hold "
                          "(completed twice, or never sent)");
        nbl->Next = NULL;
        ndis_nbl_set_owner(nbl, NDIS_NBL_ALLOCATED);
        NDIS_STATUS status = nbl->Status;
        __atomic_fetch_sub(&adapter->sends_outstanding, 1, __ATOMIC_RELAXED);
        __atomic_fetch_add(&adapter->data.send_completions, 1, __ATOMIC_RELAXED);
        if (status != NDIS_STATUS_SUCCESS)
            __atomic_fetch_add(&adapter->data.send_failures, 1, __ATOMIC_RELAXED);
        slot->status = status;
        int expected = SLOT_IN_CALL;
        if (__atomic_compare_exchange_n(&slot->state, &expected, SLOT_DONE_IN_CALL, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            continue; /* the transmit still inside the send call reports the status */
        /* Completed after the call returned: the stack already counted the frame as sent. */
        if (status != NDIS_STATUS_SUCCESS)
            netif_counter_add(&adapter->netif.counters.tx_errors, 1);
        release_slot(slot);
    }
}
