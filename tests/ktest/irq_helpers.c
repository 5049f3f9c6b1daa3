/* tests/ktest/irq_helpers.c - see irq_helpers.h. */
#include "tests/ktest/irq_helpers.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "kernel/ke/kprcb.h"

int test_vector_alloc(KIRQL irql)
{
    int vector = ke_vector_alloc(irql);
    if (vector >= 0) {
        struct ke_source source = {.kind = KE_SOURCE_LOCAL, .label = "ktest IPI"};
        ke_vector_set_source((uint8_t)vector, &source);
    }
    return vector;
}

void test_vector_free(int vector)
{
    if (vector >= 0)
        ke_vector_free((uint8_t)vector);
}

enum ke_connect_result test_connect(PKINTERRUPT interrupt, int vector, PKSERVICE_ROUTINE isr, void *context,
                                    KINTERRUPT_MODE mode, BOOLEAN share)
{
    KIRQL irql = (KIRQL)(vector >> 4);
    ke_interrupt_init(interrupt, isr, NULL, 0, context, NULL, (ULONG)vector, irql, irql, mode, share,
                      KeQueryActiveProcessors(), "ktest");
    return ke_interrupt_connect(interrupt);
}

void test_fire_self(int vector)
{
    lapic_send_ipi_self((uint8_t)vector);
    /* Under TCG the IPI is taken at once. Nested KVM injects it only at its next exit, and
     * reading the APIC (an MSR in x2APIC mode) is such an exit: poll IRR until it is taken. */
    for (int i = 0; i < 100000 && lapic_irr_pending((uint8_t)vector); i++)
        cpu_pause();
    KeStallExecutionProcessor(100);
}

uint64_t test_calls(PKINTERRUPT interrupt)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < KE_MAX_CPUS; i++)
        n += interrupt->ServiceCount[i] + interrupt->DeclineCount[i];
    return n;
}

bool test_wait_for(volatile uint64_t *counter, uint64_t target, unsigned ms)
{
    for (unsigned i = 0; i < ms * 10; i++) {
        if (__atomic_load_n(counter, __ATOMIC_ACQUIRE) >= target)
            return true;
        KeStallExecutionProcessor(100);
    }
    return __atomic_load_n(counter, __ATOMIC_ACQUIRE) >= target;
}

struct ioapic_rte test_rte(uint32_t gsi)
{
    struct ioapic_rte rte = {0};
    ioapic_read_rte(gsi, &rte);
    return rte;
}
