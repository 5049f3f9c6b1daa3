/* drivers/ndis/ndis_receive.c - NdisMIndicateReceiveNetBufferLists and the return path.
 *
 * learn.microsoft.com: NdisMIndicateReceiveNetBufferLists, MINIPORT_RETURN_NET_BUFFER_LISTS,
 * "Receiving Network Data", "Indicating Received Ethernet Packets" (NDIS_RECEIVE_FLAGS_RESOURCES:
 * the miniport regains ownership when the call returns).
 *
 * NDIS is the bridge to irqlab's stack (kernel/net): each NB's data becomes one netif_receive
 * call - a pointer into the miniport's buffer when the frame is contiguous in one MDL, else a copy
 * gathered with NdisGetDataBuffer into a per-CPU buffer. The stack copies what it keeps before
 * netif_receive returns, so NDIS could give every NBL straight back; it does not: without
 * NDIS_RECEIVE_FLAGS_RESOURCES the NBLs stay NDIS's until a DPC hands them to
 * MiniportReturnNetBufferLists, as on Windows, where the protocols hold them for a while. A miniport
 * that reuses an NBL before it came back is caught (BUGCODE_NDIS_DRIVER 0x1007).
 */
#include "drivers/ndis/ndis_block.h"
#include "drivers/ndis/ndis_verify.h"

static VOID return_dpc(PKDPC dpc, PVOID context, PVOID arg1, PVOID arg2)
{
    UNREFERENCED_PARAMETER(dpc);
    UNREFERENCED_PARAMETER(arg1);
    UNREFERENCED_PARAMETER(arg2);
    ndis_receive_flush_returns(context);
}

VOID ndis_receive_init(struct ndis_adapter *adapter)
{
    KeInitializeSpinLock(&adapter->return_lock);
    KeInitializeDpc(&adapter->return_dpc, return_dpc, adapter);
    adapter->return_head = NULL;
}

VOID ndis_receive_flush_returns(struct ndis_adapter *adapter)
{
    KIRQL irql;
    KeAcquireSpinLock(&adapter->return_lock, &irql);
    PNET_BUFFER_LIST list = adapter->return_head;
    adapter->return_head = NULL;
    KeReleaseSpinLock(&adapter->return_lock, irql);
    if (!list)
        return;
    ULONG n = 0;
    for (PNET_BUFFER_LIST nbl = list; nbl; nbl = nbl->Next) {
        ndis_nbl_set_owner(nbl, NDIS_NBL_FREE);
        n++;
    }
    __atomic_fetch_sub(&adapter->receives_outstanding, (LONG)n, __ATOMIC_RELAXED);
    __atomic_fetch_add(&adapter->data.returned, n, __ATOMIC_RELAXED);
    KIRQL old = KeRaiseIrqlToDpcLevel();
    adapter->driver->chars.ReturnNetBufferListsHandler(adapter->registration.MiniportAdapterContext, list,
                                                       NDIS_RETURN_FLAGS_DISPATCH_LEVEL);
    KeLowerIrql(old);
}

/* One NB's frame to the stack. */
static void deliver(struct ndis_adapter *adapter, PNET_BUFFER nb)
{
    ULONG length = nb->DataLength;
    if (!adapter->bound || length == 0 || length > NDIS_SEND_SLOT_BYTES) {
        __atomic_fetch_add(&adapter->data.dropped, 1, __ATOMIC_RELAXED);
        return;
    }
    PVOID frame = NdisGetDataBuffer(nb, length, NULL, 1, 0);
    if (frame) {
        netif_receive(&adapter->netif, frame, length);
        return;
    }
    struct ndis_bounce *b = &adapter->bounce[KeGetCurrentProcessorNumber() % NDIS_BOUNCE_CPUS];
    KeAcquireSpinLockAtDpcLevel(&b->lock);
    frame = NdisGetDataBuffer(nb, length, b->data, 1, 0);
    if (frame)
        netif_receive(&adapter->netif, frame, length);
    else
        __atomic_fetch_add(&adapter->data.dropped, 1, __ATOMIC_RELAXED);
    KeReleaseSpinLockFromDpcLevel(&b->lock);
}

VOID NdisMIndicateReceiveNetBufferLists(NDIS_HANDLE MiniportAdapterHandle, PNET_BUFFER_LIST NetBufferLists,
                                        NDIS_PORT_NUMBER PortNumber, ULONG NumberOfNetBufferLists, ULONG ReceiveFlags)
{
    UNREFERENCED_PARAMETER(PortNumber);
    struct ndis_adapter *adapter =
        ndis_require_adapter(MiniportAdapterHandle, "NdisMIndicateReceiveNetBufferLists",
                             (void *)NdisMIndicateReceiveNetBufferLists, __builtin_return_address(0));
    ULONG count = 0;
    for (PNET_BUFFER_LIST nbl = NetBufferLists; nbl; nbl = nbl->Next) {
        if (ndis_nbl_owner(nbl) == NDIS_NBL_INDICATED || ndis_nbl_owner(nbl) == NDIS_NBL_SENT)
            ndis_bugcheck(NDIS_BUGCHECK_NBL_INDICATED_TWICE, (ULONG_PTR)adapter, (ULONG_PTR)nbl, 0,
                          "a NET_BUFFER_LIST indicated again before NDIS returned it");
        count++;
    }
    if (count != NumberOfNetBufferLists)
        ndis_bugcheck(NDIS_BUGCHECK_INDICATE_COUNT, (ULONG_PTR)adapter, NumberOfNetBufferLists, count,
                      "NumberOfNetBufferLists is not the length of the chain");
    if (count == 0)
        return;
    bool resources = (ReceiveFlags & NDIS_RECEIVE_FLAGS_RESOURCES) != 0;
    __atomic_fetch_add(&adapter->data.indicated, count, __ATOMIC_RELAXED);
    if (resources)
        __atomic_fetch_add(&adapter->data.indicated_resources, count, __ATOMIC_RELAXED);
    else {
        for (PNET_BUFFER_LIST nbl = NetBufferLists; nbl; nbl = nbl->Next)
            ndis_nbl_set_owner(nbl, NDIS_NBL_INDICATED);
        __atomic_fetch_add(&adapter->receives_outstanding, (LONG)count, __ATOMIC_RELAXED);
    }

    KIRQL old = KeRaiseIrqlToDpcLevel(); /* the stack wants DISPATCH_LEVEL at most; be exact */
    for (PNET_BUFFER_LIST nbl = NetBufferLists; nbl; nbl = nbl->Next) {
        nbl->Status = NDIS_STATUS_SUCCESS;
        for (PNET_BUFFER nb = nbl->FirstNetBuffer; nb; nb = nb->Next)
            deliver(adapter, nb);
    }
    KeLowerIrql(old);
    if (resources)
        return; /* the miniport's again */

    /* Queue the chain for the return DPC. */
    PNET_BUFFER_LIST last = NetBufferLists;
    while (last->Next)
        last = last->Next;
    KIRQL irql;
    KeAcquireSpinLock(&adapter->return_lock, &irql);
    last->Next = adapter->return_head;
    adapter->return_head = NetBufferLists;
    KeReleaseSpinLock(&adapter->return_lock, irql);
    if (adapter->state == NDIS_ADAPTER_RUNNING)
        KeInsertQueueDpc(&adapter->return_dpc, NULL, NULL);
    else
        ndis_receive_flush_returns(adapter); /* halting: give them back before MiniportHaltEx returns */
}
