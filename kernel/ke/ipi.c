/* kernel/ke/ipi.c - one IPI vector (0xE1), many reasons.
 *
 * The sender sets request bits in the target's kprcb and sends a fixed IPI; the target's ISR
 * (an ordinary interrupt object on KE_VECTOR_IPI) takes all bits at once and acts on each.
 * A DPC request needs no action here: the dispatcher drains DPCs when it lowers the IRQL again.
 * Intel SDM Vol. 3A §11.6 (issuing IPIs).
 */
#include "kernel/ke/ipi.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/vectors.h"

/* One object per processor, as Windows has: an IPI takes only its target's own lock. */
static KINTERRUPT ipi_interrupts[KE_MAX_CPUS];
static PKINTERRUPT ipi_by_cpu[KE_MAX_CPUS];
static volatile uint32_t call_remaining;
static volatile uint32_t call_busy; /* one cross-call at a time; spun on with interrupts ON so
                                       that a CPU waiting here still answers the other's IPI */

void ke_ipi_send(uint32_t number, uint32_t request)
{
    struct kprcb *target = ke_prcbs[number];
    if (!target || !target->online)
        return;
    __atomic_fetch_or(&target->ipi_requests, request, __ATOMIC_SEQ_CST);
    lapic_send_ipi(target->apic_id, KE_VECTOR_IPI);
}

static BOOLEAN ipi_isr(PKINTERRUPT interrupt, PVOID context)
{
    struct kprcb *prcb = ke_current_prcb();
    uint32_t requests = __atomic_exchange_n(&prcb->ipi_requests, 0, __ATOMIC_ACQ_REL);
    for (unsigned bit = 0; bit < 8; bit++)
        if (requests & (1u << bit))
            prcb->ipi_received[bit]++;
    if (requests & KE_IPI_FREEZE)
        cpu_halt_forever(); /* another CPU is printing a stop screen */
    if (requests & KE_IPI_CALL) {
        void (*fn)(void *) = prcb->ipi_call_fn;
        if (fn)
            fn(prcb->ipi_call_arg);
        __atomic_fetch_sub(&call_remaining, 1, __ATOMIC_ACQ_REL);
    }
    return TRUE;
}

void ke_ipi_call_others(void (*fn)(void *arg), void *arg)
{
    while (__atomic_exchange_n(&call_busy, 1, __ATOMIC_ACQUIRE))
        cpu_pause();
    struct kprcb *me = ke_current_prcb();
    uint32_t targets = 0;
    for (unsigned i = 0; i < KE_MAX_CPUS; i++)
        if (ke_prcbs[i] && ke_prcbs[i]->online && ke_prcbs[i] != me)
            targets++;
    __atomic_store_n(&call_remaining, targets, __ATOMIC_RELEASE);
    for (unsigned i = 0; i < KE_MAX_CPUS; i++) {
        struct kprcb *p = ke_prcbs[i];
        if (!p || !p->online || p == me)
            continue;
        p->ipi_call_fn = fn;
        p->ipi_call_arg = arg;
        ke_ipi_send(i, KE_IPI_CALL);
    }
    while (__atomic_load_n(&call_remaining, __ATOMIC_ACQUIRE))
        cpu_pause();
    __atomic_store_n(&call_busy, 0, __ATOMIC_RELEASE);
}

void ke_ipi_init(void)
{
    struct ke_source source = {.kind = KE_SOURCE_LOCAL, .label = "IPI"};
    ke_vector_set_source(KE_VECTOR_IPI, &source);
    ke_ipi_connect_cpu(0);
}

void ke_ipi_connect_cpu(uint32_t number)
{
    if (number >= KE_MAX_CPUS)
        return;
    PKINTERRUPT interrupt = &ipi_interrupts[number];
    if (!interrupt->Connected)
        ke_interrupt_init(interrupt, ipi_isr, NULL, 0, NULL, NULL, KE_VECTOR_IPI, IPI_LEVEL, IPI_LEVEL, Latched,
                          FALSE, (KAFFINITY)1 << number, "kernel:ipi");
    ke_interrupt_connect_per_processor(interrupt, ipi_by_cpu, number);
}
