/* drivers/e1000/e1000_rx.c - the receive descriptor ring.
 *
 * LAB SKELETON (labs/e1000-rx/, handout docs/labs/e1000-rx.md): the refill of the ring
 * (return_descriptors), the indication of one frame (indicate) and the receive loop
 * (E1000RxProcess) are yours to write - see the numbered TODOs below. Allocation (the ring, its
 * buffers, and an NBL + MDL per buffer) and start-up (RDBAL/RDLEN/RDH/RDT/RCTL) are given.
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
#include "drivers/e1000/e1000.h"

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

VOID E1000RxStop(PE1000_ADAPTER Adapter) { E1000Write(Adapter, E1000_RCTL, 0); }

/* Give descriptors back: everything before RxNext is free for the NIC again.
 *
 * TODO 6 (refill): the NIC owns the descriptors from RDH up to, not including, RDT. Give it
 *   every descriptor you have processed by writing RDT = the one just before RxNext
 *   ((RxNext + RxRingSize - 1) % RxRingSize: one descriptor always stays empty, RDH == RDT
 *   would mean "ring full" to nobody's benefit). The cleared status fields must be in memory
 *   before the NIC may reuse the descriptors: put a release fence
 *   (__atomic_thread_fence(__ATOMIC_RELEASE)) before the E1000Write. Without this the NIC runs
 *   out of descriptors after RxRingSize - 1 frames and receives nothing more. */
static void return_descriptors(PE1000_ADAPTER Adapter) { UNREFERENCED_PARAMETER(Adapter); }

/* Indicate `Length` bytes in `Nbl` (its MDL's buffer) to NDIS, the NBL staying ours
 * (NDIS_RECEIVE_FLAGS_RESOURCES): when this returns, the buffer is free again.
 *
 * TODO 3a (describe the frame): Nbl has one NET_BUFFER (NET_BUFFER_LIST_FIRST_NB) whose one MDL
 *   (NET_BUFFER_FIRST_MDL) covers the whole buffer. Set the NB's NET_BUFFER_DATA_LENGTH to
 *   Length, its NET_BUFFER_DATA_OFFSET to 0, its NET_BUFFER_CURRENT_MDL to the first MDL and its
 *   NET_BUFFER_CURRENT_MDL_OFFSET to 0; NET_BUFFER_LIST_NEXT_NBL(Nbl) = NULL (a chain of one) and
 *   NET_BUFFER_LIST_STATUS(Nbl) = NDIS_STATUS_SUCCESS. Count it:
 *   e1000_count(&Adapter->Stats.rx_frames, 1).
 * TODO 3b (indicate): if Adapter->PacketFilter is 0 nobody asked for frames yet - stop here.
 *   Otherwise NdisMIndicateReceiveNetBufferLists(Adapter->AdapterHandle, Nbl,
 *   NDIS_DEFAULT_PORT_NUMBER, 1, NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL | NDIS_RECEIVE_FLAGS_RESOURCES):
 *   you are in the DPC, and the NBL (and its buffer) must be yours again when the call returns,
 *   because the descriptor goes straight back to the NIC. */
static void indicate(PE1000_ADAPTER Adapter, PNET_BUFFER_LIST Nbl, ULONG Length)
{
    UNREFERENCED_PARAMETER(Adapter);
    UNREFERENCED_PARAMETER(Nbl);
    UNREFERENCED_PARAMETER(Length);
}

/* Called from the DPC (DISPATCH_LEVEL) with the number of frames it may indicate (budget).
 * Returns true when frames were left in the ring because the budget ran out (NDIS then runs the
 * DPC again), false when the ring is drained. */
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

    /* TODO 1 (loop): repeat while the descriptor at RxNext
     *   (volatile e1000_rx_desc_t *d = &Adapter->RxRing[Adapter->RxNext]) has the DD
     *   ("descriptor done", E1000_RXD_STATUS_DD) bit in d->status - the NIC has filled it. No DD:
     *   the ring is drained, stop. If `frames` already reached `budget`, set more = true and stop
     *   (leave the rest for the next DPC run). Read the rest of the descriptor only after seeing
     *   DD: __atomic_thread_fence(__ATOMIC_ACQUIRE).
     *
     * TODO 2 (what arrived): d->length bytes are in the descriptor's buffer,
     *   Adapter->RxBuffers + Adapter->RxNext * E1000_RX_BUFFER_SIZE, which the descriptor's NBL
     *   Adapter->RxNbl[Adapter->RxNext] describes. d->errors has the NIC's verdict
     *   (E1000_RXD_ERRORS_FATAL). EOP (E1000_RXD_STATUS_EOP) in d->status marks a frame's last
     *   buffer: a frame longer than 1024 bytes spans several descriptors, only the last has EOP.
     *
     * TODO 3 (hand it up): a whole frame in one buffer (EOP, and no earlier pieces pending) that
     *   has no fatal error and is at most E1000_MAX_FRAME bytes:
     *   indicate(Adapter, Adapter->RxNbl[Adapter->RxNext], length). A bad one:
     *   e1000_count(&Adapter->Stats.rx_errors, 1). Either way frames++. Pieces of a longer frame
     *   (no EOP yet): append them to Adapter->RxFrame (Adapter->RxFrameLength;
     *   Adapter->RxFrameBad when a piece is bad or the total is too long), and on the EOP piece
     *   indicate Adapter->RxFrameNbl (the NBL over RxFrame) with RxFrameLength (also count
     *   Stats.rx_multi_buffer) or count the error, then reset RxFrameLength / RxFrameBad and
     *   frames++.
     *
     * TODO 4 (reset the descriptor): d->status = 0, so DD is clear when the NIC fills it next
     *   time round, and RxNext = (RxNext + 1) % RxRingSize.
     *
     * TODO 5 (refill as you go): every `batch` descriptors (++since_return == batch) call
     *   return_descriptors(Adapter) and set since_return = 0, so a long burst does not starve
     *   the NIC; the remainder is given back below. */
    (void)budget;
    (void)frames;
    (void)batch;
    (void)indicate;

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
