/* tests/ktest/msix_helpers.c - see msix_helpers.h.
 * 82574L datasheet: "MDI Control Register" (MDIC), "PHY Control Register" (restart
 * auto-negotiation), "Device Status Register" (LU); Intel SDM Vol. 3A §11.8.4 (IRR). */
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

#define E1000E_STATUS 0x08
#define E1000E_STATUS_LU (1u << 1)
#define E1000E_MDIC 0x20
#define E1000E_MDIC_PHY_1 (1u << 21)
#define E1000E_MDIC_OP_WRITE (1u << 26)
#define E1000E_MDIC_OP_READ (2u << 26)
#define E1000E_MDIC_READY (1u << 28)
#define E1000E_MDIC_ERROR (1u << 30)
#define E1000E_ICR 0xC0
#define E1000E_IMC 0xD8
#define PHY_CTRL 0
#define PHY_CTRL_AUTONEG_ENABLE (1u << 12)
#define PHY_CTRL_RESTART_AUTONEG (1u << 9)

/* One MDIC transaction with the PHY at address 1; false on error or no READY. */
static bool mdic(volatile uint32_t *regs, uint32_t op, unsigned reg, uint16_t data, uint16_t *out)
{
    regs[E1000E_MDIC / 4] = op | E1000E_MDIC_PHY_1 | ((uint32_t)reg << 16) | data;
    for (unsigned i = 0; i < 10000; i++) {
        uint32_t v = regs[E1000E_MDIC / 4];
        if (v & E1000E_MDIC_READY) {
            if (out)
                *out = (uint16_t)v;
            return !(v & E1000E_MDIC_ERROR);
        }
        KeStallExecutionProcessor(10);
    }
    return false;
}

bool e1000e_test_settle_throttles(volatile uint32_t *regs, unsigned ms)
{
    regs[E1000E_IMC / 4] = 0xFFFFFFFFu; /* no new message, so no throttle timer is armed again */
    uint16_t ctrl = 0;
    bool ok = mdic(regs, E1000E_MDIC_OP_READ, PHY_CTRL, 0, &ctrl) &&
              mdic(regs, E1000E_MDIC_OP_WRITE, PHY_CTRL,
                   (uint16_t)(ctrl | PHY_CTRL_AUTONEG_ENABLE | PHY_CTRL_RESTART_AUTONEG), NULL);
    /* The restart takes the link down at once; the autoneg timer brings it back. */
    ok = ok && !(regs[E1000E_STATUS / 4] & E1000E_STATUS_LU);
    bool up = false;
    for (unsigned i = 0; ok && i < ms * 10 && !up; i++) {
        up = regs[E1000E_STATUS / 4] & E1000E_STATUS_LU;
        if (!up)
            KeStallExecutionProcessor(100);
    }
    regs[E1000E_ICR / 4] = 0xFFFFFFFFu; /* the link change set LSC (masked: no message) */
    return ok && up;
}
