/* kernel/ndis/ndis_interrupt.c - NdisMRegisterInterruptEx, NdisMDeregisterInterruptEx,
 * NdisMSynchronizeWithInterruptEx, and the ISRs NDIS puts between the kernel and the miniport.
 *
 * learn.microsoft.com: NdisMRegisterInterruptEx, NdisMDeregisterInterruptEx,
 * NdisMSynchronizeWithInterruptEx, NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS, MINIPORT_ISR,
 * MINIPORT_MESSAGE_INTERRUPT; network/"Registering and Deregistering Interrupts", "Handling an MSI
 * Interrupt", "Synchronizing with an MSI Interrupt"; docs/reference/NdisMRegisterInterruptEx.md.
 *
 * NDIS is a thin layer over IoConnectInterruptEx (kernel/io/connect_interrupt.c):
 *   MsiSupported         -> CONNECT_MESSAGE_BASED, with NDIS's line ISR as the fallback, so a
 *                           device without messages (e1000, msi=off) still gets an interrupt and
 *                           InterruptType tells the miniport which one;
 *   !MsiSupported        -> CONNECT_LINE_BASED;
 *   MsiSyncWithAllMessages -> one spin lock passed to IoConnectInterruptEx, so every message ISR
 *                           (and every NdisMSynchronizeWithInterruptEx) excludes all the others;
 *                           without it each message has its own lock and IRQL.
 * NDIS's ISR calls the miniport's, then queues the DPCs the ISR asked for - whatever the ISR
 * returned (ndis_dpc.c) - and returns the miniport's answer to the kernel's dispatcher, which on
 * a shared line uses it to decide whether to offer the interrupt to the next ISR.
 */
#include "kernel/ndis/ndis_block.h"
#include "kernel/ndis/ndis_rules.h"
#include "kernel/ndis/ndis_verify.h"
#include "kernel/ke/verifier.h"
#include "kernel/console/log.h"
#include "kernel/lib/string.h"

/* ---- the ISRs the kernel calls ------------------------------------------------------------------- */

/* The miniport said "my NIC interrupted" while NdisMDeregisterInterruptEx was running: the NIC's
 * interrupts were not disabled first. Checked when the deregistration ends. */
static inline void count_if_deregistering(struct ndis_interrupt *interrupt)
{
    if (__atomic_load_n(&interrupt->deregistering, __ATOMIC_RELAXED))
        __atomic_fetch_add(&interrupt->claimed_while_deregistering, 1, __ATOMIC_RELAXED);
}

static BOOLEAN ndis_line_isr(PKINTERRUPT Interrupt, PVOID ServiceContext)
{
    UNREFERENCED_PARAMETER(Interrupt);
    struct ndis_interrupt *interrupt = ServiceContext;
    /* Defaults for a miniport that does not write its outputs: no DPC. */
    BOOLEAN queue_default = FALSE;
    ULONG targets = 0;
    BOOLEAN mine = interrupt->chars.InterruptHandler(interrupt->context, &queue_default, &targets);
    __atomic_fetch_add(&interrupt->stats[0].isr_calls, 1, __ATOMIC_RELAXED);
    if (mine) {
        __atomic_fetch_add(&interrupt->stats[0].isr_claimed, 1, __ATOMIC_RELAXED);
        netif_count_interrupt(&interrupt->adapter->netif); /* `net`'s "interrupts" */
        count_if_deregistering(interrupt);
    }
    ndis_dpcs_after_isr(interrupt, 0, queue_default, targets);
    return mine;
}

static BOOLEAN ndis_message_isr(PKINTERRUPT Interrupt, PVOID ServiceContext, ULONG MessageId)
{
    UNREFERENCED_PARAMETER(Interrupt);
    struct ndis_interrupt *interrupt = ServiceContext;
    if (MessageId >= interrupt->message_count)
        return FALSE; /* cannot happen: the kernel passes the table index it connected */
    BOOLEAN queue_default = FALSE;
    ULONG targets = 0;
    BOOLEAN mine = interrupt->chars.MessageInterruptHandler(interrupt->context, MessageId, &queue_default, &targets);
    __atomic_fetch_add(&interrupt->stats[MessageId].isr_calls, 1, __ATOMIC_RELAXED);
    if (mine) {
        __atomic_fetch_add(&interrupt->stats[MessageId].isr_claimed, 1, __ATOMIC_RELAXED);
        netif_count_interrupt(&interrupt->adapter->netif);
        count_if_deregistering(interrupt);
    }
    ndis_dpcs_after_isr(interrupt, MessageId, queue_default, targets);
    return mine;
}

/* ---- registration --------------------------------------------------------------------------------- */

static ULONG highest_cpu_plus_one(KAFFINITY active)
{
    ULONG n = 0;
    for (ULONG i = 0; i < 8 * sizeof(KAFFINITY); i++)
        if (active & ((KAFFINITY)1 << i))
            n = i + 1;
    return n;
}

static void free_interrupt(struct ndis_interrupt *interrupt)
{
    ndis_dpcs_destroy(interrupt);
    interrupt->magic = 0;
    ExFreePoolWithTag(interrupt, NDIS_TAG_INTERRUPT);
}

NDIS_STATUS NdisMRegisterInterruptEx(NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE MiniportInterruptContext,
                                     PNDIS_MINIPORT_INTERRUPT_CHARACTERISTICS MiniportInterruptCharacteristics,
                                     PNDIS_HANDLE NdisInterruptHandle)
{
    ndis_require_passive((void *)NdisMRegisterInterruptEx, __builtin_return_address(0));
    struct ndis_adapter *adapter = ndis_require_adapter(MiniportAdapterHandle, "NdisMRegisterInterruptEx",
                                                        (void *)NdisMRegisterInterruptEx, __builtin_return_address(0));
    PNDIS_MINIPORT_INTERRUPT_CHARACTERISTICS chars = MiniportInterruptCharacteristics;
    if (!chars || !NdisInterruptHandle)
        return NDIS_STATUS_INVALID_PARAMETER;
    enum ndis_check check = ndis_check_interrupt_characteristics(chars);
    if (check != NDIS_CHECK_OK) {
        log_warn("ndis: %s: NdisMRegisterInterruptEx: %s", adapter->name, ndis_check_text(check));
        return NDIS_STATUS_INVALID_PARAMETER;
    }
    if (adapter->state != NDIS_ADAPTER_INITIALIZING && ke_verifier_on(KE_VERIFY_NDIS)) {
        ke_verifier_count(KE_VERIFY_NDIS);
        ndis_bugcheck(NDIS_BUGCHECK_REGISTER_OUTSIDE_INIT, (ULONG_PTR)adapter, adapter->state,
                      (ULONG_PTR)__builtin_return_address(0), "NdisMRegisterInterruptEx outside MiniportInitializeEx");
    }
    if (adapter->state != NDIS_ADAPTER_INITIALIZING || !adapter->attributes_set || adapter->interrupt) {
        log_warn("ndis: %s: NdisMRegisterInterruptEx %s", adapter->name,
                 adapter->state != NDIS_ADAPTER_INITIALIZING ? "outside MiniportInitializeEx"
                 : !adapter->attributes_set                  ? "before NdisMSetMiniportAttributes"
                                                             : "a second time");
        return NDIS_STATUS_INVALID_DEVICE_REQUEST;
    }

    struct ndis_interrupt *interrupt = ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*interrupt), NDIS_TAG_INTERRUPT);
    if (!interrupt)
        return NDIS_STATUS_RESOURCES;
    interrupt->magic = NDIS_INTERRUPT_MAGIC;
    interrupt->adapter = adapter;
    interrupt->context = MiniportInterruptContext;
    interrupt->chars = *chars;
    KeInitializeSpinLock(&interrupt->shared_lock);
    /* Everything the ISR and the DPCs touch must exist before IoConnectInterruptEx: the ISR may
     * run before it returns. The messages are known from the resources (IoConnectInterruptEx
     * connects exactly those, and falls back to the line only when there are none). */
    ULONG messages = chars->MsiSupported ? ndis_message_count(adapter->raw) : 0;
    interrupt->type = messages ? NDIS_CONNECT_MESSAGE_BASED : NDIS_CONNECT_LINE_BASED;
    interrupt->message_count = messages ? messages : 1;
    interrupt->cpu_count = highest_cpu_plus_one(KeQueryActiveProcessors());
    if (!NT_SUCCESS(ndis_dpcs_create(interrupt))) {
        free_interrupt(interrupt);
        return NDIS_STATUS_RESOURCES;
    }

    IO_CONNECT_INTERRUPT_PARAMETERS connect = {0};
    if (chars->MsiSupported) {
        connect.Version = CONNECT_MESSAGE_BASED;
        connect.MessageBased.PhysicalDeviceObject = adapter->pdo;
        connect.MessageBased.ConnectionContext.Generic = &interrupt->connection.generic;
        connect.MessageBased.MessageServiceRoutine = ndis_message_isr;
        connect.MessageBased.ServiceContext = interrupt;
        connect.MessageBased.SpinLock = chars->MsiSyncWithAllMessages ? &interrupt->shared_lock : NULL;
        connect.MessageBased.FallBackServiceRoutine = ndis_line_isr;
    } else {
        connect.Version = CONNECT_LINE_BASED;
        connect.LineBased.PhysicalDeviceObject = adapter->pdo;
        connect.LineBased.InterruptObject = &interrupt->connection.line;
        connect.LineBased.ServiceRoutine = ndis_line_isr;
        connect.LineBased.ServiceContext = interrupt;
    }
    NTSTATUS status = IoConnectInterruptEx(&connect);
    if (!NT_SUCCESS(status)) {
        log_warn("ndis: %s: IoConnectInterruptEx (%s) failed: 0x%08x%s", adapter->name,
                 chars->MsiSupported ? "message-based" : "line-based", (unsigned)status,
                 status == STATUS_INVALID_DEVICE_REQUEST ? " (the device was given messages: set MsiSupported)" : "");
        free_interrupt(interrupt);
        return status;
    }
    interrupt->connect_version = connect.Version;
    if ((connect.Version == CONNECT_MESSAGE_BASED) != (interrupt->type == NDIS_CONNECT_MESSAGE_BASED) ||
        (connect.Version == CONNECT_MESSAGE_BASED && interrupt->connection.table->MessageCount != messages))
        log_error("ndis: %s: connected %u message(s), resources said %u", adapter->name,
                  connect.Version == CONNECT_MESSAGE_BASED ? (unsigned)interrupt->connection.table->MessageCount : 0,
                  (unsigned)messages);

    chars->InterruptType = interrupt->type;
    chars->MessageInfoTable = interrupt->type == NDIS_CONNECT_MESSAGE_BASED ? interrupt->connection.table : NULL;
    __atomic_store_n(&adapter->interrupt, interrupt, __ATOMIC_RELEASE);
    *NdisInterruptHandle = interrupt;
    return NDIS_STATUS_SUCCESS;
}

VOID NdisMDeregisterInterruptEx(NDIS_HANDLE NdisInterruptHandle)
{
    ndis_require_passive((void *)NdisMDeregisterInterruptEx, __builtin_return_address(0));
    struct ndis_interrupt *interrupt =
        ndis_require_interrupt(NdisInterruptHandle, "NdisMDeregisterInterruptEx", (void *)NdisMDeregisterInterruptEx,
                               __builtin_return_address(0));
    struct ndis_adapter *adapter = interrupt->adapter;
    /* Only from MiniportInitializeEx (undoing a failed initialization) or MiniportHaltEx: at any
     * other time NDIS may be sending, receiving or synchronizing with it (DDI rule
     * NdisMDeregisterInterruptEx: "NdisMDeregisterInterruptEx rule (ndis)"). */
    if (adapter->state != NDIS_ADAPTER_INITIALIZING && adapter->state != NDIS_ADAPTER_HALTING)
        ndis_bugcheck(NDIS_BUGCHECK_DEREGISTER_OUTSIDE_INIT_OR_HALT, (ULONG_PTR)adapter, (ULONG_PTR)interrupt,
                      adapter->state, "NdisMDeregisterInterruptEx outside MiniportInitializeEx and MiniportHaltEx");

    /* The order matters, because the miniport's DPC may call NdisMSynchronizeWithInterruptEx,
     * which needs the KINTERRUPTs that IoDisconnectInterruptEx frees:
     *   1. from now on NDIS queues no interrupt DPC and a DPC that starts calls nobody;
     *   2. wait for the miniport DPCs already running (their interrupt objects still exist);
     *   3. disconnect: on return no ISR runs anywhere (IoDisconnectInterruptEx waits for them);
     *   4. take back DPCs an ISR queued meanwhile (they would call nobody) and free everything.
     * Then the handle is dead: using it again is a bugcheck, not a use-after-free. */
    __atomic_store_n(&interrupt->deregistering, true, __ATOMIC_SEQ_CST);
    ndis_dpcs_quiesce(interrupt);
    IO_DISCONNECT_INTERRUPT_PARAMETERS disconnect = {0};
    disconnect.Version = interrupt->connect_version;
    disconnect.ConnectionContext.Generic = interrupt->connection.generic;
    IoDisconnectInterruptEx(&disconnect);
    /* No ISR runs any more: every claim it made during steps 1-3 is counted. A NIC whose
     * interrupts were disabled first claims none (an ISR may still be called - on a shared line,
     * or for a message already on its way - but finds nothing of its NIC's). */
    uint64_t claimed = __atomic_load_n(&interrupt->claimed_while_deregistering, __ATOMIC_RELAXED);
    if (claimed)
        ndis_report_deregister_while_interrupting(adapter, adapter->name, interrupt, claimed);
    __atomic_store_n(&adapter->interrupt, NULL, __ATOMIC_RELEASE);
    free_interrupt(interrupt);
}

/* ---- synchronizing ------------------------------------------------------------------------------- */

PKINTERRUPT ndis_interrupt_object(struct ndis_interrupt *interrupt, ULONG message)
{
    if (interrupt->type == NDIS_CONNECT_LINE_BASED)
        return interrupt->connection.line; /* MessageId is ignored for a line */
    PIO_INTERRUPT_MESSAGE_INFO table = interrupt->connection.table;
    if (!table || message >= table->MessageCount)
        return NULL;
    /* With one lock for all messages every object holds the same lock at the same IRQL. */
    return table->MessageInfo[interrupt->chars.MsiSyncWithAllMessages ? 0 : message].InterruptObject;
}

BOOLEAN NdisMSynchronizeWithInterruptEx(NDIS_HANDLE NdisInterruptHandle, ULONG MessageId,
                                        MINIPORT_SYNCHRONIZE_INTERRUPT_HANDLER SynchronizeFunction,
                                        PVOID SynchronizeContext)
{
    struct ndis_interrupt *interrupt =
        ndis_require_interrupt(NdisInterruptHandle, "NdisMSynchronizeWithInterruptEx",
                               (void *)NdisMSynchronizeWithInterruptEx, __builtin_return_address(0));
    PKINTERRUPT object = ndis_interrupt_object(interrupt, MessageId);
    if (!object)
        ndis_bugcheck(NDIS_BUGCHECK_BAD_MESSAGE_ID, (ULONG_PTR)interrupt, MessageId, interrupt->message_count,
                      "NdisMSynchronizeWithInterruptEx with a MessageId the interrupt does not have");
    /* Raise to the object's SynchronizeIrql, take its lock, call, release, lower. */
    return KeSynchronizeExecution(object, SynchronizeFunction, SynchronizeContext);
}

/* ---- NDIS calling Disable/Enable(Message)InterruptHandler ------------------------------------------- */

struct handler_call {
    struct ndis_interrupt *interrupt;
    ULONG message;
    bool enable;
};

static BOOLEAN call_enable_disable(PVOID context)
{
    struct handler_call *call = context;
    struct ndis_interrupt *interrupt = call->interrupt;
    if (interrupt->type == NDIS_CONNECT_LINE_BASED) {
        if (call->enable)
            interrupt->chars.EnableInterruptHandler(interrupt->context);
        else
            interrupt->chars.DisableInterruptHandler(interrupt->context);
    } else if (call->enable) {
        interrupt->chars.EnableMessageInterruptHandler(interrupt->context, call->message);
    } else {
        interrupt->chars.DisableMessageInterruptHandler(interrupt->context, call->message);
    }
    return TRUE;
}

static VOID enable_disable(struct ndis_interrupt *interrupt, ULONG message, bool enable)
{
    struct handler_call call = {interrupt, message, enable};
    (void)NdisMSynchronizeWithInterruptEx(interrupt, message, call_enable_disable, &call);
}

VOID ndis_interrupt_disable(struct ndis_interrupt *interrupt, ULONG message)
{
    enable_disable(interrupt, message, false);
}
VOID ndis_interrupt_enable(struct ndis_interrupt *interrupt, ULONG message)
{
    enable_disable(interrupt, message, true);
}

struct ndis_message_stats ndis_interrupt_stats(struct ndis_interrupt *interrupt, ULONG message)
{
    struct ndis_message_stats copy = {0};
    if (message >= interrupt->message_count)
        return copy;
    const struct ndis_message_stats *s = &interrupt->stats[message];
    copy.isr_calls = __atomic_load_n(&s->isr_calls, __ATOMIC_RELAXED);
    copy.isr_claimed = __atomic_load_n(&s->isr_claimed, __ATOMIC_RELAXED);
    copy.dpc_requests = __atomic_load_n(&s->dpc_requests, __ATOMIC_RELAXED);
    copy.dpc_queued = __atomic_load_n(&s->dpc_queued, __ATOMIC_RELAXED);
    copy.dpc_runs = __atomic_load_n(&s->dpc_runs, __ATOMIC_RELAXED);
    copy.dpc_requeues = __atomic_load_n(&s->dpc_requeues, __ATOMIC_RELAXED);
    return copy;
}
