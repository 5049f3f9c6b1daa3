/* drivers/e1000/e1000_rx.c - the receive descriptor ring.
 *
 * 8254x SDM "Receive Descriptor Format", "Receive Descriptor Queue Structure" (head, tail),
 * "Receive Control Register"; QEMU 7.2 hw/net/e1000.c (e1000_receive_iov) and e1000e_core.c.
 *
 * The ring is RDLEN/16 descriptors in DMA memory (256, or e1000_rx_buffers=), each pointing at a
 * 1024-byte buffer. The NIC
 * owns the descriptors from RDH up to (not including) RDT; it fills one, sets DD ("descriptor
 * done") and EOP on a frame's last buffer, and moves RDH on. The driver reads from RxNext while DD
 * is set, hands each complete frame to the stack, clears the descriptor and gives it back by
 * moving RDT. One descriptor always stays empty between them: RDH == RDT means "ring full".
 *
 * Why 1024-byte buffers when a frame is up to 1514 bytes: it shows how a frame spans
 * descriptors (EOP), and it makes a receive overrun observable. When the ring has one free
 * buffer and a two-buffer frame arrives, the e1000 drops it, counts it in MPC and raises RXO;
 * the e1000e keeps it and raises RXO (QEMU 7.2 hw/net/e1000.c, e1000e_core.c). With 2048-byte
 * buffers QEMU would only ever hold frames back, and a flood would be lost silently inside QEMU.
 *
 * A complete frame goes up as a NET_BUFFER_LIST (learn.microsoft.com "Indicating Received Ethernet
 * Packets"): each descriptor has an NBL whose one NET_BUFFER's one MDL describes the descriptor's
 * buffer; the NB's DataLength is set to the frame's length and the NBL indicated with
 * NdisMIndicateReceiveNetBufferLists from the DPC. A frame spread over several buffers is gathered
 * into RxFrame and indicated with the NBL over that. The driver passes NDIS_RECEIVE_FLAGS_RESOURCES:
 * NDIS must be done with the data when the call returns, so the buffer can go straight back to the
 * NIC - the simple choice for a ring whose buffers cannot be swapped; a miniport that lends its
 * buffers instead gets them back in MiniportReturnNetBufferLists (docs/ndis.md).
 */
#include "e1000.h"

NDIS_STATUS E1000RxAllocate(PE1000_ADAPTER Adapter)
{
    NdisMAllocateSharedMemory(Adapter->AdapterHandle, E1000_RX_RING_SIZE * sizeof(e1000_rx_desc_t), FALSE,
                              (PVOID *)&Adapter->RxRing, &Adapter->RxRingPhysical);
    NdisMAllocateSharedMemory(Adapter->AdapterHandle, E1000_RX_RING_SIZE * E1000_RX_BUFFER_SIZE, FALSE,
                              (PVOID *)&Adapter->RxBuffers, &Adapter->RxBuffersPhysical);
    if (!Adapter->RxRing || !Adapter->RxBuffers)
        return NDIS_STATUS_RESOURCES;
    KeInitializeSpinLock(&Adapter->RxLock);
    for (ULONG i = 0; i < E1000_RX_RING_SIZE; i++) {
        Adapter->RxRing[i].buffer_address = (uint64_t)Adapter->RxBuffersPhysical.QuadPart + i * E1000_RX_BUFFER_SIZE;
        Adapter->RxRing[i].status = 0;
    }

    /* The NBLs the frames are indicated in: one NB each, one MDL over the buffer. */
    NET_BUFFER_LIST_POOL_PARAMETERS pool;
    NdisZeroMemory(&pool, sizeof(pool));
    pool.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
    pool.Header.Revision = NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1;
    pool.Header.Size = NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1;
    pool.ProtocolId = NDIS_PROTOCOL_ID_DEFAULT;
    pool.fAllocateNetBuffer = TRUE;
    pool.PoolTag = E1000_TAG_NBL;
    Adapter->RxNblPool = NdisAllocateNetBufferListPool(Adapter->AdapterHandle, &pool);
    if (!Adapter->RxNblPool)
        return NDIS_STATUS_RESOURCES;
    for (ULONG i = 0; i <= E1000_RX_RING_SIZE; i++) {
        bool gather = i == E1000_RX_RING_SIZE; /* the last one is RxFrame's */
        PVOID buffer = gather ? (PVOID)Adapter->RxFrame : (PVOID)(Adapter->RxBuffers + i * E1000_RX_BUFFER_SIZE);
        ULONG size = gather ? sizeof(Adapter->RxFrame) : E1000_RX_BUFFER_SIZE;
        PMDL mdl = NdisAllocateMdl(Adapter->AdapterHandle, buffer, size);
        PNET_BUFFER_LIST nbl = mdl ? NdisAllocateNetBufferAndNetBufferList(Adapter->RxNblPool, 0, 0, mdl, 0, 0) : NULL;
        if (!nbl) {
            NdisFreeMdl(mdl);
            return NDIS_STATUS_RESOURCES;
        }
        nbl->SourceHandle = Adapter->AdapterHandle; /* NDIS wants to know who indicates it */
        if (gather) {
            Adapter->RxFrameMdl = mdl;
            Adapter->RxFrameNbl = nbl;
        } else {
            Adapter->RxMdl[i] = mdl;
            Adapter->RxNbl[i] = nbl;
        }
    }
    return NDIS_STATUS_SUCCESS;
}

VOID E1000RxFree(PE1000_ADAPTER Adapter)
{
    for (ULONG i = 0; i <= E1000_RX_RING_SIZE; i++) {
        PNET_BUFFER_LIST *nbl = i < E1000_RX_RING_SIZE ? &Adapter->RxNbl[i] : &Adapter->RxFrameNbl;
        PMDL *mdl = i < E1000_RX_RING_SIZE ? &Adapter->RxMdl[i] : &Adapter->RxFrameMdl;
        if (*nbl)
            NdisFreeNetBufferList(*nbl);
        if (*mdl)
            NdisFreeMdl(*mdl);
        *nbl = NULL;
        *mdl = NULL;
    }
    if (Adapter->RxNblPool)
        NdisFreeNetBufferListPool(Adapter->RxNblPool);
    Adapter->RxNblPool = NULL;
    if (Adapter->RxBuffers)
        NdisMFreeSharedMemory(Adapter->AdapterHandle, E1000_RX_RING_SIZE * E1000_RX_BUFFER_SIZE, FALSE,
                              Adapter->RxBuffers, Adapter->RxBuffersPhysical);
    if (Adapter->RxRing)
        NdisMFreeSharedMemory(Adapter->AdapterHandle, E1000_RX_RING_SIZE * sizeof(e1000_rx_desc_t), FALSE,
                              Adapter->RxRing, Adapter->RxRingPhysical);
    Adapter->RxBuffers = NULL;
    Adapter->RxRing = NULL;
}

VOID E1000RxStart(PE1000_ADAPTER Adapter)
{
    uint64_t ring = (uint64_t)Adapter->RxRingPhysical.QuadPart;
    E1000Write(Adapter, E1000_RDBAL, (ULONG)ring);
    E1000Write(Adapter, E1000_RDBAH, (ULONG)(ring >> 32));
    E1000Write(Adapter, E1000_RDLEN, Adapter->RxRingSize * sizeof(e1000_rx_desc_t));
    E1000Write(Adapter, E1000_RDH, 0);
    E1000Write(Adapter, E1000_RDT, Adapter->RxRingSize - 1); /* all but one descriptor to the NIC */
    Adapter->RxNext = 0;
    Adapter->RxFrameLength = 0;
    Adapter->RxFrameBad = false;
    /* Broadcast on (ARP requests are broadcast), CRC stripped, 1 KiB buffers, no promiscuity.
     * QEMU's e1000 then receives nothing for about a second (a flush timer armed by every RCTL
     * write: QEMU 7.2 hw/net/e1000.c set_rx_control); frames that arrive meanwhile wait in
     * QEMU, they are not lost. */
    E1000Write(Adapter, E1000_RCTL,
               E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_BSIZE_1024 | E1000_RCTL_SECRC | E1000_RCTL_RDMTS_HALF);
}

VOID E1000RxStop(PE1000_ADAPTER Adapter)
{
    if (!Adapter->SurpriseRemoved)
        E1000Write(Adapter, E1000_RCTL, 0);
}

/* Give descriptors back: everything before RxNext is free for the NIC again. */
static void return_descriptors(PE1000_ADAPTER Adapter)
{
    /* The descriptors' cleared status must be in memory before the NIC may use them. x86 does
     * not reorder stores, so a compiler barrier is enough; the RDT write is uncached MMIO. */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    E1000Write(Adapter, E1000_RDT, (Adapter->RxNext + Adapter->RxRingSize - 1) % Adapter->RxRingSize);
}

/* Indicate `Length` bytes in `Nbl` (its MDL's buffer) to NDIS, the NBL staying ours
 * (NDIS_RECEIVE_FLAGS_RESOURCES): when this returns, the buffer is free again. */
static void indicate(PE1000_ADAPTER Adapter, PNET_BUFFER_LIST Nbl, ULONG Length)
{
    PNET_BUFFER nb = NET_BUFFER_LIST_FIRST_NB(Nbl);
    NET_BUFFER_DATA_LENGTH(nb) = Length;
    NET_BUFFER_DATA_OFFSET(nb) = 0;
    NET_BUFFER_CURRENT_MDL(nb) = NET_BUFFER_FIRST_MDL(nb);
    NET_BUFFER_CURRENT_MDL_OFFSET(nb) = 0;
    NET_BUFFER_LIST_NEXT_NBL(Nbl) = NULL;
    NET_BUFFER_LIST_STATUS(Nbl) = NDIS_STATUS_SUCCESS;
    e1000_count(&Adapter->Stats.rx_frames, 1);
    if (Adapter->PacketFilter == 0)
        return; /* nobody asked for frames yet (OID_GEN_CURRENT_PACKET_FILTER) */
    NdisMIndicateReceiveNetBufferLists(Adapter->AdapterHandle, Nbl, NDIS_DEFAULT_PORT_NUMBER, 1,
                                       NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL | NDIS_RECEIVE_FLAGS_RESOURCES);
}

bool E1000RxProcess(PE1000_ADAPTER Adapter, ULONG budget)
{
    ULONG frames = 0, since_return = 0;
    ULONG batch = Adapter->RxRingSize / 2 < E1000_RX_RETURN_BATCH ? Adapter->RxRingSize / 2 : E1000_RX_RETURN_BATCH;
    bool more = false;
    KIRQL irql;
    /* The lock keeps two DPCs (NdisMQueueDpcEx can aim them at several CPUs) out of the ring.
     * The send path never takes it, so indicating - NDIS's stack may send a reply on this
     * adapter before the indication returns - under it is fine. */
    KeAcquireSpinLock(&Adapter->RxLock, &irql);
    for (;;) {
        volatile e1000_rx_desc_t *d = &Adapter->RxRing[Adapter->RxNext];
        if (!(d->status & E1000_RXD_STATUS_DD))
            break;
        if (frames >= budget) {
            more = true; /* leave it for the next DPC run (NDIS requeues us) */
            break;
        }
        /* Read the rest of the descriptor only after seeing DD. */
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        ULONG length = d->length;
        UCHAR status = d->status, errors = d->errors;
        const UCHAR *buffer = Adapter->RxBuffers + Adapter->RxNext * E1000_RX_BUFFER_SIZE;
        bool eop = (status & E1000_RXD_STATUS_EOP) != 0;

        if (eop && Adapter->RxFrameLength == 0 && !Adapter->RxFrameBad) {
            /* The common case: the whole frame in one buffer - indicate it in place. */
            if ((errors & E1000_RXD_ERRORS_FATAL) || length > E1000_MAX_FRAME)
                e1000_count(&Adapter->Stats.rx_errors, 1);
            else
                indicate(Adapter, Adapter->RxNbl[Adapter->RxNext], length);
            frames++;
        } else {
            /* A piece of a longer frame: gather it into RxFrame. */
            if ((errors & E1000_RXD_ERRORS_FATAL) || Adapter->RxFrameLength + length > E1000_MAX_FRAME)
                Adapter->RxFrameBad = true;
            if (!Adapter->RxFrameBad) {
                NdisMoveMemory(Adapter->RxFrame + Adapter->RxFrameLength, buffer, length);
                Adapter->RxFrameLength += length;
            }
            if (eop) {
                if (Adapter->RxFrameBad) {
                    e1000_count(&Adapter->Stats.rx_errors, 1);
                } else {
                    e1000_count(&Adapter->Stats.rx_multi_buffer, 1);
                    indicate(Adapter, Adapter->RxFrameNbl, Adapter->RxFrameLength);
                }
                Adapter->RxFrameLength = 0;
                Adapter->RxFrameBad = false;
                frames++;
            }
        }
        /* The buffer is free again (NDIS_RECEIVE_FLAGS_RESOURCES): recycle the descriptor. */
        d->status = 0;
        Adapter->RxNext = (Adapter->RxNext + 1) % Adapter->RxRingSize;
        if (++since_return == batch) {
            return_descriptors(Adapter);
            since_return = 0;
        }
    }
    if (since_return)
        return_descriptors(Adapter);
    KeReleaseSpinLock(&Adapter->RxLock, irql);
    if (more)
        e1000_count(&Adapter->Stats.rx_budget_hits, 1);
    return more;
}

/* NDIS returns only what was indicated without NDIS_RECEIVE_FLAGS_RESOURCES - never, here. A
 * miniport must still have the handler (NDIS_MINIPORT_DRIVER_CHARACTERISTICS). */
VOID E1000ReturnNetBufferLists(NDIS_HANDLE MiniportAdapterContext, PNET_BUFFER_LIST NetBufferLists, ULONG ReturnFlags)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    UNREFERENCED_PARAMETER(NetBufferLists);
    UNREFERENCED_PARAMETER(ReturnFlags);
}
