/* drivers/e1000/e1000_tx.c - the transmit descriptor ring, and MiniportSendNetBufferLists.
 *
 * 8254x SDM "Legacy Transmit Descriptor Format" (EOP, IFCS, RS; DD), "Transmit Descriptor Ring
 * Structure" (TDH, TDT), "Transmit Control Register", "Transmit IPG Register";
 * QEMU 7.2 hw/net/e1000.c start_xmit (QEMU sends synchronously inside the TDT write) and
 * e1000e_core.c (the 82574 also needs TARC0.ENABLE, which is set at reset: left alone).
 *
 * The driver fills descriptors at TxTail and moves TDT past them; the NIC sends from TDH, writes
 * DD back into each descriptor (RS asks for that) and raises TXDW / TXQ0. Descriptors whose DD is
 * set are free again; they are reclaimed both in the TX DPC and lazily by transmit itself, so a
 * full ring frees itself even when TX interrupts are slow (moderation) or masked.
 * MiniportSendNetBufferLists is called at DISPATCH_LEVEL from any CPU, several at once: TxLock
 * serializes them. Each descriptor has its own 2 KiB buffer and each NET_BUFFER's data is copied
 * in (NdisGetDataBuffer gathers it from the MDL chain), so the NBL is no longer needed once
 * copied: the driver completes it at once with NdisMSendNetBufferListsComplete
 * (learn.microsoft.com "Sending Network Data": a miniport may complete inside the send call).
 * A driver that DMAs straight from the NBL's pages would instead complete it when the NIC has
 * written the descriptor back.
 */
#include "e1000.h"

NDIS_STATUS E1000TxAllocate(PE1000_ADAPTER Adapter)
{
    NdisMAllocateSharedMemory(Adapter->AdapterHandle, E1000_TX_RING_SIZE * sizeof(e1000_tx_desc_t), FALSE,
                              (PVOID *)&Adapter->TxRing, &Adapter->TxRingPhysical);
    NdisMAllocateSharedMemory(Adapter->AdapterHandle, E1000_TX_RING_SIZE * E1000_TX_BUFFER_SIZE, FALSE,
                              (PVOID *)&Adapter->TxBuffers, &Adapter->TxBuffersPhysical);
    if (!Adapter->TxRing || !Adapter->TxBuffers)
        return NDIS_STATUS_RESOURCES;
    KeInitializeSpinLock(&Adapter->TxLock);
    return NDIS_STATUS_SUCCESS;
}

VOID E1000TxFree(PE1000_ADAPTER Adapter)
{
    if (Adapter->TxBuffers)
        NdisMFreeSharedMemory(Adapter->AdapterHandle, E1000_TX_RING_SIZE * E1000_TX_BUFFER_SIZE, FALSE,
                              Adapter->TxBuffers, Adapter->TxBuffersPhysical);
    if (Adapter->TxRing)
        NdisMFreeSharedMemory(Adapter->AdapterHandle, E1000_TX_RING_SIZE * sizeof(e1000_tx_desc_t), FALSE,
                              Adapter->TxRing, Adapter->TxRingPhysical);
    Adapter->TxBuffers = NULL;
    Adapter->TxRing = NULL;
}

VOID E1000TxStart(PE1000_ADAPTER Adapter)
{
    uint64_t ring = (uint64_t)Adapter->TxRingPhysical.QuadPart;
    E1000Write(Adapter, E1000_TDBAL, (ULONG)ring);
    E1000Write(Adapter, E1000_TDBAH, (ULONG)(ring >> 32));
    E1000Write(Adapter, E1000_TDLEN, E1000_TX_RING_SIZE * sizeof(e1000_tx_desc_t));
    E1000Write(Adapter, E1000_TDH, 0);
    E1000Write(Adapter, E1000_TDT, 0);
    E1000Write(Adapter, E1000_TIDV, 0);
    Adapter->TxTail = Adapter->TxClean = Adapter->TxInUse = 0;
    Adapter->TxStopped = false;
    E1000Write(Adapter, E1000_TIPG, E1000_TIPG_82540);
    E1000Write(Adapter, E1000_TCTL, E1000_TCTL_EN | E1000_TCTL_PSP | E1000_TCTL_CT | E1000_TCTL_COLD_FD);
}

VOID E1000TxStop(PE1000_ADAPTER Adapter)
{
    KIRQL irql;
    /* Once this lock has been taken and dropped, no transmit is inside the ring any more and
     * every later one sees TxStopped. */
    KeAcquireSpinLock(&Adapter->TxLock, &irql);
    Adapter->TxStopped = true;
    KeReleaseSpinLock(&Adapter->TxLock, irql);
    if (!Adapter->SurpriseRemoved)
        E1000Write(Adapter, E1000_TCTL, 0);
}

static void reclaim_locked(PE1000_ADAPTER Adapter)
{
    ULONG done = 0;
    while (Adapter->TxInUse) {
        volatile e1000_tx_desc_t *d = &Adapter->TxRing[Adapter->TxClean];
        if (!(d->status & E1000_TXD_STATUS_DD))
            break;
        d->status = 0;
        Adapter->TxClean = (Adapter->TxClean + 1) % E1000_TX_RING_SIZE;
        Adapter->TxInUse--;
        done++;
    }
    if (done)
        e1000_count(&Adapter->Stats.tx_completed, done);
}

VOID E1000TxReclaim(PE1000_ADAPTER Adapter)
{
    KIRQL irql;
    KeAcquireSpinLock(&Adapter->TxLock, &irql);
    if (!Adapter->TxStopped)
        reclaim_locked(Adapter);
    KeReleaseSpinLock(&Adapter->TxLock, irql);
}

/* Queue one frame to the NIC. NDIS_STATUS_SUCCESS, or why not. */
static NDIS_STATUS transmit_one(PE1000_ADAPTER adapter, PNET_BUFFER nb)
{
    ULONG len = NET_BUFFER_DATA_LENGTH(nb);
    if (len == 0 || len > E1000_MAX_FRAME)
        return NDIS_STATUS_INVALID_LENGTH;
    KIRQL irql;
    KeAcquireSpinLock(&adapter->TxLock, &irql);
    if (adapter->TxStopped) {
        KeReleaseSpinLock(&adapter->TxLock, irql);
        return NDIS_STATUS_CLOSING;
    }
    reclaim_locked(adapter);
    if (adapter->TxInUse >= E1000_TX_RING_SIZE - 1) {
        KeReleaseSpinLock(&adapter->TxLock, irql);
        e1000_count(&adapter->Stats.tx_ring_full, 1);
        return NDIS_STATUS_RESOURCES;
    }
    ULONG i = adapter->TxTail;
    UCHAR *buffer = adapter->TxBuffers + i * E1000_TX_BUFFER_SIZE;
    /* The frame's bytes: in place if contiguous in one MDL, else gathered into the TX buffer. */
    PVOID data = NdisGetDataBuffer(nb, len, buffer, 1, 0);
    if (!data) {
        KeReleaseSpinLock(&adapter->TxLock, irql);
        return NDIS_STATUS_INVALID_PARAMETER;
    }
    if (data != buffer)
        NdisMoveMemory(buffer, data, len);
    volatile e1000_tx_desc_t *d = &adapter->TxRing[i];
    d->buffer_address = (uint64_t)adapter->TxBuffersPhysical.QuadPart + i * E1000_TX_BUFFER_SIZE;
    d->length = (uint16_t)len;
    d->cso = 0;
    d->css = 0;
    d->special = 0;
    d->status = 0;
    d->cmd = E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS;
    adapter->TxTail = (i + 1) % E1000_TX_RING_SIZE;
    adapter->TxInUse++;
    /* Descriptor and data in memory before the NIC is told (x86 keeps stores in order). */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    E1000Write(adapter, E1000_TDT, adapter->TxTail);
    KeReleaseSpinLock(&adapter->TxLock, irql);
    e1000_count(&adapter->Stats.tx_frames, 1);
    return NDIS_STATUS_SUCCESS;
}

VOID E1000SendNetBufferLists(NDIS_HANDLE MiniportAdapterContext, PNET_BUFFER_LIST NetBufferList,
                             NDIS_PORT_NUMBER PortNumber, ULONG SendFlags)
{
    UNREFERENCED_PARAMETER(PortNumber);
    PE1000_ADAPTER adapter = MiniportAdapterContext;
    PNET_BUFFER_LIST next;
    for (PNET_BUFFER_LIST nbl = NetBufferList; nbl; nbl = next) {
        next = NET_BUFFER_LIST_NEXT_NBL(nbl);
        NET_BUFFER_LIST_NEXT_NBL(nbl) = NULL; /* completed one by one */
        e1000_count(&adapter->Stats.tx_nbls, 1);
        NDIS_STATUS status = NDIS_STATUS_SUCCESS;
        for (PNET_BUFFER nb = NET_BUFFER_LIST_FIRST_NB(nbl); nb && status == NDIS_STATUS_SUCCESS;
             nb = NET_BUFFER_NEXT_NB(nb))
            status = transmit_one(adapter, nb);
        NET_BUFFER_LIST_STATUS(nbl) = status;
        NdisMSendNetBufferListsComplete(
            adapter->AdapterHandle, nbl,
            (SendFlags & NDIS_SEND_FLAGS_DISPATCH_LEVEL) ? NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL : 0);
    }
}
