/* drivers/e1000/e1000_interrupt.c - the eight NDIS interrupt handlers of the e1000 miniport.
 *
 * learn.microsoft.com: MINIPORT_ISR, MINIPORT_INTERRUPT_DPC, MINIPORT_DISABLE_INTERRUPT,
 * MINIPORT_ENABLE_INTERRUPT and their MESSAGE_ variants, NdisMSynchronizeWithInterruptEx,
 * NDIS_RECEIVE_THROTTLE_PARAMETERS; 8254x SDM "Interrupt Cause Read Register" (read to clear),
 * "Interrupt Mask Set/Read", "Interrupt Mask Clear"; 82574 datasheet "Interrupts" (MSI-X,
 * IVAR, the OTHER cause); QEMU 7.2 hw/net/e1000.c and hw/net/e1000e_core.c for what QEMU does.
 *
 * Line-based (e1000; e1000e with msi=off) and MSI (e1000e with msix=off): one interrupt for all
 * causes (RXT0 RXO RXDMT0 TXDW LSC).
 *   ISR   If our causes are all masked, our NIC cannot be interrupting: FALSE, and do not even
 *         read ICR - that read clears the causes that piled up while the DPC runs, and the DPC
 *         would never hear of them. Otherwise read ICR (which clears it and drops our INTx):
 *         nothing of ours in it -> FALSE, it was another device on the shared line. Else mask
 *         everything (DisableInterrupt), remember the causes for the DPC, ask for the default DPC.
 *   DPC   Take the causes (under the interrupt lock), handle link and overrun, receive up to the
 *         budget, reclaim sent descriptors, then unmask (EnableInterrupt, under the lock). If the
 *         budget ran out it sets MoreNblsPending instead and stays masked: NDIS runs it again.
 *         Causes that arrive while masked wait in ICR and interrupt again the moment IMS allows.
 * MSI-X (e1000e): IVAR sends RXQ0 to message 0, TXQ0 to message 1, OTHER (LSC, RXO, ...) to
 *   message 2. Each message ISR masks and clears (ICR is write-1-to-clear) only its own causes and
 *   queues its own DPC, which unmasks only that message's causes. RX, TX and link work thus run
 *   in separate DPCs, each re-armed separately. Messages are never shared: their ISR says TRUE.
 * Every write of IMS/IMC happens in an ISR or inside NdisMSynchronizeWithInterruptEx, i.e. under
 * the interrupt's lock at its DIRQL, so an ISR never sees a half-changed EnabledMask.
 */
#include "e1000.h"

static ULONG message_causes(PE1000_ADAPTER Adapter, ULONG MessageId)
{
    if (Adapter->Mode != E1000_IRQ_MSIX)
        return Adapter->LineCauses; /* MSI has one message for everything */
    switch (MessageId) {
    case E1000_MSG_RX: return E1000_ICR_RXQ0;
    case E1000_MSG_TX: return E1000_ICR_TXQ0;
    case E1000_MSG_OTHER: return Adapter->OtherCauses;
    default: return 0;
    }
}

static void count_causes(PE1000_ADAPTER Adapter, ULONG icr)
{
    static const struct {
        ULONG bit;
        enum e1000_cause_counter counter;
    } map[] = {
        {E1000_ICR_RXT0, E1000_COUNT_RXT0},     {E1000_ICR_RXO, E1000_COUNT_RXO},
        {E1000_ICR_RXDMT0, E1000_COUNT_RXDMT0}, {E1000_ICR_TXDW, E1000_COUNT_TXDW},
        {E1000_ICR_LSC, E1000_COUNT_LSC},       {E1000_ICR_RXQ0, E1000_COUNT_RXQ0},
        {E1000_ICR_TXQ0, E1000_COUNT_TXQ0},     {E1000_ICR_OTHER, E1000_COUNT_OTHER},
    };
    for (unsigned i = 0; i < ARRAYSIZE(map); i++)
        if (icr & map[i].bit) {
            e1000_count(&Adapter->Stats.causes[map[i].counter], 1);
            NdisIrqlabCountInterruptCause(Adapter->AdapterHandle, map[i].counter); /* `net` lists them */
        }
}

/* ---- Disable / Enable: DIRQL, holding the interrupt lock ----------------------------------------- */

static VOID E1000DisableInterrupt(NDIS_HANDLE MiniportInterruptContext)
{
    PE1000_ADAPTER adapter = MiniportInterruptContext;
    E1000Write(adapter, E1000_IMC, 0xFFFFFFFF);
    __atomic_store_n(&adapter->EnabledMask, 0, __ATOMIC_RELAXED);
}

static VOID E1000EnableInterrupt(NDIS_HANDLE MiniportInterruptContext)
{
    PE1000_ADAPTER adapter = MiniportInterruptContext;
    __atomic_store_n(&adapter->EnabledMask, adapter->LineCauses, __ATOMIC_RELAXED);
    E1000Write(adapter, E1000_IMS, adapter->LineCauses); /* pending causes interrupt right away */
}

static VOID E1000DisableMessageInterrupt(NDIS_HANDLE MiniportInterruptContext, ULONG MessageId)
{
    PE1000_ADAPTER adapter = MiniportInterruptContext;
    ULONG causes = message_causes(adapter, MessageId);
    E1000Write(adapter, E1000_IMC, causes);
    /* Messages have their own locks: two of these may run at once, hence the atomic. */
    __atomic_fetch_and(&adapter->EnabledMask, ~causes, __ATOMIC_RELAXED);
}

static VOID E1000EnableMessageInterrupt(NDIS_HANDLE MiniportInterruptContext, ULONG MessageId)
{
    PE1000_ADAPTER adapter = MiniportInterruptContext;
    ULONG causes = message_causes(adapter, MessageId);
    __atomic_fetch_or(&adapter->EnabledMask, causes, __ATOMIC_RELAXED);
    E1000Write(adapter, E1000_IMS, causes);
}

/* ---- ISRs: DIRQL, holding the interrupt lock ----------------------------------------------------- */

/* Line-based and MSI: one interrupt for every cause. */
static BOOLEAN service_all_causes(PE1000_ADAPTER Adapter, PBOOLEAN QueueDefaultInterruptDpc)
{
    e1000_count(&Adapter->Stats.isr_calls, 1);
    if (__atomic_load_n(&Adapter->EnabledMask, __ATOMIC_RELAXED) == 0 || Adapter->SurpriseRemoved) {
        e1000_count(&Adapter->Stats.isr_declined, 1); /* masked: it was not us */
        return FALSE;
    }
    ULONG causes = E1000Read(Adapter, E1000_ICR) & Adapter->LineCauses; /* reading clears */
    if (!causes) {
        e1000_count(&Adapter->Stats.isr_declined, 1); /* another device on the shared line */
        return FALSE;
    }
    E1000DisableInterrupt(Adapter); /* quiet until the DPC has done the work */
    Adapter->PendingCauses |= causes;
    count_causes(Adapter, causes);
    e1000_count(&Adapter->Stats.isr_claimed, 1);
    *QueueDefaultInterruptDpc = TRUE; /* the DPC on this CPU */
    return TRUE;
}

static BOOLEAN E1000Isr(NDIS_HANDLE MiniportInterruptContext, PBOOLEAN QueueDefaultInterruptDpc,
                        PULONG TargetProcessors)
{
    *QueueDefaultInterruptDpc = FALSE;
    *TargetProcessors = 0;
    return service_all_causes(MiniportInterruptContext, QueueDefaultInterruptDpc);
}

static BOOLEAN E1000MessageIsr(NDIS_HANDLE MiniportInterruptContext, ULONG MessageId, PBOOLEAN QueueDefaultInterruptDpc,
                               PULONG TargetProcessors)
{
    PE1000_ADAPTER adapter = MiniportInterruptContext;
    *QueueDefaultInterruptDpc = FALSE;
    *TargetProcessors = 0;
    if (adapter->Mode != E1000_IRQ_MSIX)
        return service_all_causes(adapter, QueueDefaultInterruptDpc);
    if (adapter->SurpriseRemoved)
        return FALSE; /* gone: nothing to read (a message, never shared, so nobody else's) */
    if (__atomic_load_n(&adapter->EnabledMask, __ATOMIC_RELAXED) == 0) {
        /* Every cause masked (halting): a message sent just before the mask, late. Not claimed,
         * so NDIS's deregistration check sees a quiet NIC (kernel/ndis/ndis_interrupt.c). */
        e1000_count(&adapter->Stats.isr_calls, 1);
        e1000_count(&adapter->Stats.isr_declined, 1);
        return FALSE;
    }

    e1000_count(&adapter->Stats.isr_calls, 1);
    ULONG causes;
    switch (MessageId) {
    case E1000_MSG_RX:
    case E1000_MSG_TX:
        causes = message_causes(adapter, MessageId);
        E1000DisableMessageInterrupt(adapter, MessageId);
        /* In MSI-X mode reading ICR does not clear it (QEMU 7.2, §2): write the bits back. */
        E1000Write(adapter, E1000_ICR, causes | (MessageId == E1000_MSG_TX ? E1000_ICR_TXQE : 0));
        break;
    case E1000_MSG_OTHER:
        /* Which "other" causes? Read ICR while OTHER is still enabled in IMS - a read with IMS
         * all clear would clear every cause, the RX and TX ones included - then mask and clear. */
        causes = E1000Read(adapter, E1000_ICR) & adapter->OtherCauses;
        E1000DisableMessageInterrupt(adapter, MessageId);
        E1000Write(adapter, E1000_ICR, causes | E1000_ICR_OTHER);
        adapter->PendingCauses |= causes;
        break;
    default:
        e1000_count(&adapter->Stats.isr_declined, 1); /* a message we never map a cause to */
        return FALSE;
    }
    count_causes(adapter, causes);
    e1000_count(&adapter->Stats.isr_claimed, 1);
    *QueueDefaultInterruptDpc = TRUE;
    return TRUE;
}

/* ---- DPCs: DISPATCH_LEVEL ----------------------------------------------------------------------- */

struct e1000_sync {
    PE1000_ADAPTER adapter;
    ULONG message;
    ULONG causes;
};

static BOOLEAN take_pending_causes(NDIS_HANDLE SynchronizeContext)
{
    struct e1000_sync *s = SynchronizeContext;
    s->causes = s->adapter->PendingCauses;
    s->adapter->PendingCauses = 0;
    return TRUE;
}

static BOOLEAN enable_sync(NDIS_HANDLE SynchronizeContext)
{
    struct e1000_sync *s = SynchronizeContext;
    if (s->adapter->Mode == E1000_IRQ_MSIX)
        E1000EnableMessageInterrupt(s->adapter, s->message);
    else
        E1000EnableInterrupt(s->adapter);
    return TRUE;
}

static BOOLEAN disable_sync(NDIS_HANDLE SynchronizeContext)
{
    struct e1000_sync *s = SynchronizeContext;
    if (s->adapter->Mode == E1000_IRQ_MSIX)
        E1000DisableMessageInterrupt(s->adapter, s->message);
    else
        E1000DisableInterrupt(s->adapter);
    return TRUE;
}

static ULONG take_causes(PE1000_ADAPTER Adapter, ULONG MessageId)
{
    struct e1000_sync s = {Adapter, MessageId, 0};
    (void)NdisMSynchronizeWithInterruptEx(Adapter->InterruptHandle, MessageId, take_pending_causes, &s);
    return s.causes;
}

static void rearm(PE1000_ADAPTER Adapter, ULONG MessageId)
{
    struct e1000_sync s = {Adapter, MessageId, 0};
    (void)NdisMSynchronizeWithInterruptEx(Adapter->InterruptHandle, MessageId, enable_sync, &s);
}

/* Link changes and receive overruns (the "other" causes). */
static void handle_other_causes(PE1000_ADAPTER Adapter, ULONG causes)
{
    if (causes & E1000_ICR_LSC)
        (void)E1000UpdateLink(Adapter, "interrupt");
    if (causes & E1000_ICR_RXO) {
        /* The ring was too full for a frame: the e1000 dropped it (and counted it in MPC), the
         * e1000e holds it until buffers are given back. Receiving below frees them. */
        e1000_count(&Adapter->Stats.rx_overruns, 1);
        E1000CountMissed(Adapter);
    }
}

static VOID E1000InterruptDpc(NDIS_HANDLE MiniportInterruptContext, PVOID MiniportDpcContext,
                              PVOID ReceiveThrottleParameters, PVOID NdisReserved2)
{
    UNREFERENCED_PARAMETER(MiniportDpcContext);
    UNREFERENCED_PARAMETER(NdisReserved2);
    PE1000_ADAPTER adapter = MiniportInterruptContext;
    PNDIS_RECEIVE_THROTTLE_PARAMETERS throttle = ReceiveThrottleParameters;
    if (adapter->SurpriseRemoved)
        return; /* queued before the NIC went: its ring and registers are not ours to read now */
    e1000_count(&adapter->Stats.dpc_runs, 1);
    handle_other_causes(adapter, take_causes(adapter, 0));
    bool more = E1000RxProcess(adapter, throttle->MaxNblsToIndicate);
    E1000TxReclaim(adapter);
    if (more) {
        throttle->MoreNblsPending = 1; /* stay masked; NDIS calls this DPC again */
        return;
    }
    rearm(adapter, 0);
}

static VOID E1000MessageInterruptDpc(NDIS_HANDLE MiniportInterruptContext, ULONG MessageId, PVOID MiniportDpcContext,
                                     PVOID ReceiveThrottleParameters, PVOID NdisReserved2)
{
    PE1000_ADAPTER adapter = MiniportInterruptContext;
    PNDIS_RECEIVE_THROTTLE_PARAMETERS throttle = ReceiveThrottleParameters;
    if (adapter->SurpriseRemoved)
        return;
    if (adapter->Mode != E1000_IRQ_MSIX) {
        E1000InterruptDpc(MiniportInterruptContext, MiniportDpcContext, ReceiveThrottleParameters, NdisReserved2);
        return;
    }
    e1000_count(&adapter->Stats.dpc_runs, 1);
    switch (MessageId) {
    case E1000_MSG_RX:
        if (E1000RxProcess(adapter, throttle->MaxNblsToIndicate)) {
            throttle->MoreNblsPending = 1;
            return;
        }
        break;
    case E1000_MSG_TX: E1000TxReclaim(adapter); break;
    case E1000_MSG_OTHER: handle_other_causes(adapter, take_causes(adapter, E1000_MSG_OTHER)); break;
    default: return;
    }
    rearm(adapter, MessageId);
}

/* ---- set up and tear down ------------------------------------------------------------------------- */

VOID E1000InterruptCharacteristics(PNDIS_MINIPORT_INTERRUPT_CHARACTERISTICS Chars)
{
    NdisZeroMemory(Chars, sizeof(*Chars));
    Chars->Header.Type = NDIS_OBJECT_TYPE_MINIPORT_INTERRUPT;
    Chars->Header.Revision = NDIS_MINIPORT_INTERRUPT_REVISION_1;
    Chars->Header.Size = sizeof(NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS);
    Chars->InterruptHandler = E1000Isr;
    Chars->InterruptDpcHandler = E1000InterruptDpc;
    Chars->DisableInterruptHandler = E1000DisableInterrupt;
    Chars->EnableInterruptHandler = E1000EnableInterrupt;
    /* "Use messages if you can": NDIS falls back to the line when the device (82540EM) or the
     * command line (msi=off) offers none. Messages are independent, so each keeps its own lock. */
    Chars->MsiSupported = TRUE;
    Chars->MsiSyncWithAllMessages = FALSE;
    Chars->MessageInterruptHandler = E1000MessageIsr;
    Chars->MessageInterruptDpcHandler = E1000MessageInterruptDpc;
    Chars->DisableMessageInterruptHandler = E1000DisableMessageInterrupt;
    Chars->EnableMessageInterruptHandler = E1000EnableMessageInterrupt;
}

PCSTR E1000ModeName(enum e1000_irq_mode Mode)
{
    switch (Mode) {
    case E1000_IRQ_LINE: return "line";
    case E1000_IRQ_MSI: return "msi";
    case E1000_IRQ_MSIX: return "msix";
    }
    return "?";
}

VOID E1000StartInterrupts(PE1000_ADAPTER Adapter, const NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS *Granted)
{
    if (Granted->InterruptType == NDIS_CONNECT_LINE_BASED) {
        Adapter->Mode = E1000_IRQ_LINE;
        Adapter->MessageCount = 0;
    } else {
        /* The 82574's MSI capability has one message, its MSI-X table five: three or more means
         * MSI-X and room for the RX / TX / other split. */
        Adapter->MessageCount = Granted->MessageInfoTable->MessageCount;
        Adapter->Mode = Adapter->Chip == E1000_CHIP_82574L && Adapter->MessageCount >= E1000_MSIX_MESSAGES_USED
                            ? E1000_IRQ_MSIX
                            : E1000_IRQ_MSI;
    }
    E1000ProgramModeration(Adapter);
    if (Adapter->Mode == E1000_IRQ_MSIX)
        E1000ProgramMsixVectors(Adapter, true);
    E1000Write(Adapter, E1000_ICR, 0xFFFFFFFF); /* nothing old left to report */
    if (Adapter->Mode == E1000_IRQ_MSIX)
        for (ULONG m = 0; m < E1000_MSIX_MESSAGES_USED; m++)
            rearm(Adapter, m);
    else
        rearm(Adapter, 0);
}

VOID E1000StopInterrupts(PE1000_ADAPTER Adapter)
{
    if (Adapter->SurpriseRemoved)
        return; /* nothing left to mask */
    ULONG messages = Adapter->Mode == E1000_IRQ_MSIX ? E1000_MSIX_MESSAGES_USED : 1;
    for (ULONG m = 0; m < messages; m++) {
        struct e1000_sync s = {Adapter, m, 0};
        (void)NdisMSynchronizeWithInterruptEx(Adapter->InterruptHandle, m, disable_sync, &s);
    }
    if (Adapter->Mode == E1000_IRQ_MSIX)
        E1000ProgramMsixVectors(Adapter, false);
    E1000Write(Adapter, E1000_ICR, 0xFFFFFFFF);
}
