/* tests/ktest/msix_helpers.c - see msix_helpers.h.
 * 82574L datasheet: ICR, ICS, PBACLR; Intel SDM Vol. 3A §11.8.4 (IRR). */
#include "tests/ktest/msix_helpers.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "include/wdm.h"

struct drain {
    uint8_t vector;
    volatile uint64_t done;
    volatile bool drained;
};

static VOID drain_dpc(PKDPC dpc, PVOID context, PVOID arg1, PVOID arg2)
{
    struct drain *d = context;
    /* At DISPATCH_LEVEL a device vector is still deliverable: a pending one is taken here. */
    bool drained = false;
    for (unsigned i = 0; i < 1000000 && !drained; i++) {
        drained = !lapic_irr_pending(d->vector);
        if (!drained)
            cpu_pause();
    }
    d->drained = drained;
    __atomic_store_n(&d->done, 1, __ATOMIC_RELEASE);
}

bool test_drain_vector(uint32_t cpu, uint8_t vector, unsigned ms)
{
    static KDPC dpc;
    static struct drain d;
    d = (struct drain){.vector = vector};
    KeInitializeDpc(&dpc, drain_dpc, &d);
    KeSetTargetProcessorDpc(&dpc, (CHAR)cpu);
    KeInsertQueueDpc(&dpc, NULL, NULL);
    for (unsigned i = 0; i < ms * 10 && !__atomic_load_n(&d.done, __ATOMIC_ACQUIRE); i++)
        KeStallExecutionProcessor(100);
    if (!__atomic_load_n(&d.done, __ATOMIC_ACQUIRE)) {
        KeRemoveQueueDpc(&dpc);
        return false;
    }
    return d.drained;
}

#define E1000E_ICR 0xC0
#define E1000E_ICS 0xC8
#define E1000E_PBACLR 0x5B68
#define E1000E_ICR_RXQ0 (1u << 20)

bool e1000e_test_make_resend(struct pci_device *dev, volatile uint32_t *regs, unsigned entry, unsigned ms)
{
    for (unsigned attempt = 0; attempt < 100; attempt++) {
        regs[E1000E_PBACLR / 4] = 1u << entry;
        regs[E1000E_ICR / 4] = E1000E_ICR_RXQ0; /* so the next one is a new cause */
        regs[E1000E_ICS / 4] = E1000E_ICR_RXQ0;
        if (pci_msix_pending(dev, entry))
            continue; /* sent at once: the throttle timer was idle; it runs now, so go again */
        bool fired = false;
        for (unsigned i = 0; i < ms * 10 && !fired; i++) {
            fired = pci_msix_pending(dev, entry);
            if (!fired)
                KeStallExecutionProcessor(100);
        }
        regs[E1000E_ICR / 4] = E1000E_ICR_RXQ0;
        regs[E1000E_PBACLR / 4] = 1u << entry;
        return fired && !pci_msix_pending(dev, entry);
    }
    return false;
}
