/* kernel/ndis/ndis_dpc.c - the interrupt DPCs NDIS queues for a miniport: after its ISR, and
 * through NdisMQueueDpc / NdisMQueueDpcEx.
 *
 * learn.microsoft.com: MINIPORT_ISR and MINIPORT_MESSAGE_INTERRUPT (QueueDefaultInterruptDpc,
 * TargetProcessors), MINIPORT_INTERRUPT_DPC, MINIPORT_MESSAGE_INTERRUPT_DPC, NdisMQueueDpc,
 * NdisMQueueDpcEx, NDIS_RECEIVE_THROTTLE_PARAMETERS; network/"Handling an MSI Interrupt";
 * docs/reference/NdisMQueueDpcEx.md, MINIPORT_INTERRUPT_DPC.md.
 *
 * The rules, and how they are kept:
 *   * The ISR's return value says only "my NIC interrupted". Which DPCs run, and where, is
 *     decided by its two outputs alone (ndis_dpc_targets in ndis_rules.c), so an ISR may return
 *     FALSE and still get a DPC, or TRUE and get none.
 *   * One KDPC per (message, CPU), each aimed at its CPU with KeSetTargetProcessorDpc: requests
 *     for different messages, or for different CPUs, never collapse into one another; two
 *     requests for the same (message, CPU) before it runs are one run (KeInsertQueueDpc returns
 *     FALSE the second time - NdisMQueueDpcEx reports it by leaving that CPU's bit out).
 *   * MiniportDpcContext is what NdisMQueueDpc(Ex) was given, NULL when the ISR asked.
 *   * The DPC gets NDIS_RECEIVE_THROTTLE_PARAMETERS; if it sets MoreNblsPending, NDIS queues it
 *     again at once (same CPU, same context), so a flood is handled in bounded slices.
 */
#include "kernel/ndis/ndis_block.h"
#include "kernel/ndis/ndis_rules.h"
#include "kernel/ndis/ndis_verify.h"
#include "kernel/lib/string.h"

/* No libgcc in the kernel: count bits by hand (affinities are short). */
static uint64_t cpu_count_of(KAFFINITY set)
{
    uint64_t n = 0;
    for (; set; set &= set - 1)
        n++;
    return n;
}

static struct ndis_dpc *dpc_of(struct ndis_interrupt *interrupt, ULONG message, ULONG cpu)
{
    return &interrupt->dpcs[message * interrupt->cpu_count + cpu];
}

static VOID ndis_interrupt_dpc(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2)
{
    struct ndis_dpc *d = DeferredContext;
    struct ndis_interrupt *interrupt = d->interrupt;
    /* NdisMDeregisterInterruptEx has begun: it is waiting for the DPCs that already run, and a
     * DPC that starts now calls nobody (the miniport is halting its NIC). */
    if (__atomic_load_n(&interrupt->deregistering, __ATOMIC_SEQ_CST))
        return;
    NDIS_RECEIVE_THROTTLE_PARAMETERS throttle = {.MaxNblsToIndicate = NDIS_RECEIVE_BUDGET, .MoreNblsPending = 0};
    if (interrupt->type == NDIS_CONNECT_MESSAGE_BASED)
        interrupt->chars.MessageInterruptDpcHandler(interrupt->context, d->message, SystemArgument1, &throttle, NULL);
    else
        interrupt->chars.InterruptDpcHandler(interrupt->context, SystemArgument1, &throttle, NULL);
    struct ndis_message_stats *stats = &interrupt->stats[d->message];
    __atomic_fetch_add(&stats->dpc_runs, 1, __ATOMIC_RELAXED);
    if (throttle.MoreNblsPending && !__atomic_load_n(&interrupt->deregistering, __ATOMIC_SEQ_CST)) {
        /* The KDPC was taken off its queue before this routine was called, so it can go back. */
        if (KeInsertQueueDpc(Dpc, SystemArgument1, SystemArgument2))
            __atomic_fetch_add(&stats->dpc_requeues, 1, __ATOMIC_RELAXED);
    }
}

NTSTATUS ndis_dpcs_create(struct ndis_interrupt *interrupt)
{
    ULONG count = interrupt->message_count * interrupt->cpu_count;
    interrupt->dpcs = ExAllocatePool2(POOL_FLAG_NON_PAGED, count * sizeof(struct ndis_dpc), NDIS_TAG_INTERRUPT);
    interrupt->stats = ExAllocatePool2(
        POOL_FLAG_NON_PAGED, interrupt->message_count * sizeof(struct ndis_message_stats), NDIS_TAG_INTERRUPT);
    if (!interrupt->dpcs || !interrupt->stats)
        return STATUS_INSUFFICIENT_RESOURCES; /* the caller frees what was allocated */
    for (ULONG m = 0; m < interrupt->message_count; m++) {
        for (ULONG c = 0; c < interrupt->cpu_count; c++) {
            struct ndis_dpc *d = dpc_of(interrupt, m, c);
            KeInitializeDpc(&d->dpc, ndis_interrupt_dpc, d);
            KeSetTargetProcessorDpc(&d->dpc, (CHAR)c);
            d->interrupt = interrupt;
            d->message = m;
            d->cpu = c;
        }
    }
    return STATUS_SUCCESS;
}

VOID ndis_dpcs_quiesce(struct ndis_interrupt *interrupt)
{
    if (!interrupt->dpcs)
        return;
    for (ULONG i = 0; i < interrupt->message_count * interrupt->cpu_count; i++)
        (void)KeRemoveQueueDpc(&interrupt->dpcs[i].dpc);
    KeFlushQueuedDpcs(); /* and wait for any that is running right now */
}

VOID ndis_dpcs_destroy(struct ndis_interrupt *interrupt)
{
    ndis_dpcs_quiesce(interrupt);
    if (interrupt->dpcs)
        ExFreePoolWithTag(interrupt->dpcs, NDIS_TAG_INTERRUPT);
    if (interrupt->stats)
        ExFreePoolWithTag(interrupt->stats, NDIS_TAG_INTERRUPT);
    interrupt->dpcs = NULL;
    interrupt->stats = NULL;
}

/* Queue (message, cpu) for every cpu in `cpus`; the CPUs where it was newly queued. */
static KAFFINITY queue_on(struct ndis_interrupt *interrupt, ULONG message, KAFFINITY cpus, PVOID context)
{
    KAFFINITY queued = 0;
    for (ULONG cpu = 0; cpu < interrupt->cpu_count; cpu++) {
        KAFFINITY bit = (KAFFINITY)1 << cpu;
        if ((cpus & bit) && KeInsertQueueDpc(&dpc_of(interrupt, message, cpu)->dpc, context, NULL))
            queued |= bit;
    }
    __atomic_fetch_add(&interrupt->stats[message].dpc_queued, cpu_count_of(queued), __ATOMIC_RELAXED);
    return queued;
}

VOID ndis_dpcs_after_isr(struct ndis_interrupt *interrupt, ULONG message, BOOLEAN queue_default, ULONG targets)
{
    KAFFINITY cpus = ndis_dpc_targets(queue_default, targets, KeGetCurrentProcessorNumber(), KeQueryActiveProcessors());
    if (!cpus || __atomic_load_n(&interrupt->deregistering, __ATOMIC_SEQ_CST))
        return;
    __atomic_fetch_add(&interrupt->stats[message].dpc_requests, cpu_count_of(cpus), __ATOMIC_RELAXED);
    (void)queue_on(interrupt, message, cpus, NULL);
}

KAFFINITY NdisMQueueDpcEx(NDIS_HANDLE NdisInterruptHandle, ULONG MessageId, PGROUP_AFFINITY TargetProcessors,
                          PVOID MiniportDpcContext)
{
    struct ndis_interrupt *interrupt = ndis_require_interrupt(NdisInterruptHandle, "NdisMQueueDpcEx",
                                                              (void *)NdisMQueueDpcEx, __builtin_return_address(0));
    if (MessageId >= interrupt->message_count)
        ndis_bugcheck(NDIS_BUGCHECK_BAD_MESSAGE_ID, (ULONG_PTR)interrupt, MessageId, interrupt->message_count,
                      "NdisMQueueDpcEx with a MessageId the interrupt does not have");
    /* irqlab has one processor group; a request for another names no CPU of ours. */
    if (!TargetProcessors || TargetProcessors->Group != 0 ||
        __atomic_load_n(&interrupt->deregistering, __ATOMIC_SEQ_CST))
        return 0;
    return queue_on(interrupt, MessageId, TargetProcessors->Mask & KeQueryActiveProcessors(), MiniportDpcContext);
}

ULONG NdisMQueueDpc(NDIS_HANDLE NdisInterruptHandle, ULONG MessageId, ULONG TargetProcessors, PVOID MiniportDpcContext)
{
    GROUP_AFFINITY affinity = {.Mask = TargetProcessors, .Group = 0};
    return (ULONG)NdisMQueueDpcEx(NdisInterruptHandle, MessageId, &affinity, MiniportDpcContext);
}
