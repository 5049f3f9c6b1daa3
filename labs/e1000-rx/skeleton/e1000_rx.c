/* drivers/e1000/e1000_rx.c - the receive descriptor ring.
 *
 * LAB SKELETON (labs/e1000-rx/, handout docs/labs/e1000-rx.md): the refill of the ring
 * (return_descriptors) and the receive loop (E1000RxProcess) are yours to write - see the
 * numbered TODOs below. Allocation and start-up (RDBAL/RDLEN/RDH/RDT/RCTL) are given.
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
    return NDIS_STATUS_SUCCESS;
}

VOID E1000RxFree(PE1000_ADAPTER Adapter)
{
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

/* Called from the DPC (DISPATCH_LEVEL) with the number of frames it may hand up (budget).
 * Returns true when frames were left in the ring because the budget ran out (NDIS then runs the
 * DPC again), false when the ring is drained. */
bool E1000RxProcess(PE1000_ADAPTER Adapter, ULONG budget)
{
    ULONG frames = 0, since_return = 0;
    ULONG batch = Adapter->RxRingSize / 2 < E1000_RX_RETURN_BATCH ? Adapter->RxRingSize / 2 : E1000_RX_RETURN_BATCH;
    bool more = false;
    KIRQL irql;
    /* The lock keeps two DPCs (NdisMQueueDpcEx can aim them at several CPUs) out of the ring.
     * The transmit path never takes it, so calling netif_receive - which may transmit a reply
     * on this adapter before it returns - under it is fine (kernel/net/netif.h). */
    KeAcquireSpinLock(&Adapter->RxLock, &irql);

    /* TODO 1 (loop): repeat while the descriptor at RxNext
     *   (volatile e1000_rx_desc_t *d = &Adapter->RxRing[Adapter->RxNext]) has the DD
     *   ("descriptor done", E1000_RXD_STATUS_DD) bit in d->status - the NIC has filled it. No DD:
     *   the ring is drained, stop. If `frames` already reached `budget`, set more = true and stop
     *   (leave the rest for the next DPC run). Read the rest of the descriptor only after seeing
     *   DD: __atomic_thread_fence(__ATOMIC_ACQUIRE).
     *
     * TODO 2 (what arrived): d->length bytes are in the descriptor's buffer,
     *   Adapter->RxBuffers + Adapter->RxNext * E1000_RX_BUFFER_SIZE. d->errors has the NIC's
     *   verdict (E1000_RXD_ERRORS_FATAL). EOP (E1000_RXD_STATUS_EOP) in d->status marks a frame's
     *   last buffer: a frame longer than 1024 bytes spans several descriptors, only the last has
     *   EOP.
     *
     * TODO 3 (hand it up): a whole frame in one buffer (EOP, and no earlier pieces pending) that
     *   has no fatal error and is at most E1000_MAX_FRAME bytes: count it
     *   (e1000_count(&Adapter->Stats.rx_frames, 1)) and give it to the stack with
     *   netif_receive(&Adapter->Netif, buffer, length) - the stack copies what it keeps. A bad one:
     *   e1000_count(&Adapter->Stats.rx_errors, 1) and
     *   netif_counter_add(&Adapter->Netif.counters.rx_errors, 1). Either way frames++.
     *   Pieces of a longer frame (no EOP yet): append them to Adapter->RxFrame
     *   (Adapter->RxFrameLength; Adapter->RxFrameBad when a piece is bad or the total is too
     *   long), and on the EOP piece hand Adapter->RxFrame up as above (also count
     *   Stats.rx_multi_buffer), then reset RxFrameLength / RxFrameBad and frames++.
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

    if (since_return)
        return_descriptors(Adapter);
    KeReleaseSpinLock(&Adapter->RxLock, irql);
    if (more)
        e1000_count(&Adapter->Stats.rx_budget_hits, 1);
    return more;
}
