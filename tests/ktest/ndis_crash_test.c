/* tests/ktest/ndis_crash_test.c - miniport mistakes irqlab's NDIS stops the machine for
 * (kernel/ndis/ndis_verify.h, docs/ndis.md). A manual suite: each case ends the kernel on
 * purpose; tests/e2e/test_net_ndis_bugcheck.py runs them one by one and reads the stop screen.
 *
 *   halt_without_deregister          MiniportHaltEx returns with its interrupt registered:
 *                                    BUGCODE_NDIS_DRIVER 0x7C, P1 = 0x08 (Windows' value)
 *   deregister_while_running         NdisMDeregisterInterruptEx outside MiniportInitializeEx and
 *                                    MiniportHaltEx: 0x7C, P1 = 0x1001
 *   synchronize_after_deregister     NdisMSynchronizeWithInterruptEx with a dead handle:
 *                                    0x7C, P1 = 0x1002
 *   shared_memory_at_dispatch        NdisMAllocateSharedMemory at DISPATCH_LEVEL: 0x7C, P1 = 0x01
 *                                    (Windows' value)
 *   register_at_dispatch             NdisMRegisterInterruptEx at DISPATCH_LEVEL: 0xA, P1 = the routine
 *   deregister_while_interrupting    with verifier=ndis: NdisMDeregisterInterruptEx while the NIC
 *                                    still interrupts (its ISR claims during the deregistration):
 *                                    0x7C, P1 = 0x100E, P4 = the claims (three CPUs: SMP=4)
 */
#include "kernel/ke/verifier.h"
#include "kernel/lib/string.h"
#include "kernel/ndis/ndis_block.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/ndis_guarantee.h"
#include "tests/ktest/ndis_test_miniport.h"

static void nothing_at_halt(struct ntm_state *s) { UNREFERENCED_PARAMETER(s); }

static void crash_halt_without_deregister(struct ktest *t)
{
    memset(&ntm, 0, sizeof(ntm));
    ntm.on_halt = nothing_at_halt;
    NDIS_STATUS init;
    PDEVICE_OBJECT nic = ntm_start(t, &init);
    KTEST_ASSERT_NOT_NULL(t, nic);
    KTEST_ASSERT_EQ(t, init, NDIS_STATUS_SUCCESS);
    ndis_adapter_stop(nic); /* does not return */
    KTEST_EXPECT_TRUE(t, false);
}

static void crash_deregister_while_running(struct ktest *t)
{
    memset(&ntm, 0, sizeof(ntm));
    NDIS_STATUS init;
    PDEVICE_OBJECT nic = ntm_start(t, &init);
    KTEST_ASSERT_NOT_NULL(t, nic);
    KTEST_ASSERT_EQ(t, init, NDIS_STATUS_SUCCESS);
    NdisMDeregisterInterruptEx(ntm.interrupt); /* the adapter is running: not allowed */
    KTEST_EXPECT_TRUE(t, false);
}

static BOOLEAN nothing(NDIS_HANDLE context)
{
    UNREFERENCED_PARAMETER(context);
    return TRUE;
}

static void synchronize_after(struct ntm_state *s)
{
    NDIS_HANDLE dead = s->interrupt;
    ntm_deregister();
    (void)NdisMSynchronizeWithInterruptEx(dead, 0, nothing, NULL); /* DDI rule NdisMDeregisterInterruptEx */
}

static void crash_synchronize_after_deregister(struct ktest *t)
{
    memset(&ntm, 0, sizeof(ntm));
    ntm.on_halt = synchronize_after;
    NDIS_STATUS init;
    PDEVICE_OBJECT nic = ntm_start(t, &init);
    KTEST_ASSERT_NOT_NULL(t, nic);
    KTEST_ASSERT_EQ(t, init, NDIS_STATUS_SUCCESS);
    ndis_adapter_stop(nic);
    KTEST_EXPECT_TRUE(t, false);
}

static NDIS_STATUS allocate_at_dispatch(struct ntm_state *s)
{
    NDIS_STATUS status = ntm_set_attributes();
    PVOID va;
    NDIS_PHYSICAL_ADDRESS pa;
    KIRQL old = KeRaiseIrqlToDpcLevel();
    NdisMAllocateSharedMemory(s->adapter, 4096, FALSE, &va, &pa);
    KeLowerIrql(old);
    return status;
}

static void crash_shared_memory_at_dispatch(struct ktest *t)
{
    memset(&ntm, 0, sizeof(ntm));
    ntm.on_initialize = allocate_at_dispatch;
    NDIS_STATUS init;
    (void)ntm_start(t, &init);
    KTEST_EXPECT_TRUE(t, false);
}

static NDIS_STATUS register_at_dispatch(struct ntm_state *s)
{
    if (ntm_set_attributes() != NDIS_STATUS_SUCCESS)
        return NDIS_STATUS_FAILURE;
    NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS c = ntm_characteristics(true, false);
    KIRQL old = KeRaiseIrqlToDpcLevel();
    NDIS_STATUS status = NdisMRegisterInterruptEx(s->adapter, s, &c, &s->interrupt);
    KeLowerIrql(old);
    return status;
}

static void crash_register_at_dispatch(struct ktest *t)
{
    memset(&ntm, 0, sizeof(ntm));
    ntm.on_initialize = register_at_dispatch;
    NDIS_STATUS init;
    (void)ntm_start(t, &init);
    KTEST_EXPECT_TRUE(t, false);
}

static void crash_deregister_while_interrupting(struct ktest *t)
{
    ke_verifier_set(KE_VERIFY_NDIS, true);
    if (ndis_test_deregister_while_interrupting(t)) /* does not return when it ran */
        KTEST_EXPECT_TRUE(t, false);
}

KTEST_MANUAL_SUITE(ndis_crash, KTEST_CASE(crash_deregister_while_interrupting),
                   KTEST_CASE(crash_halt_without_deregister), KTEST_CASE(crash_deregister_while_running),
                   KTEST_CASE(crash_synchronize_after_deregister), KTEST_CASE(crash_shared_memory_at_dispatch),
                   KTEST_CASE(crash_register_at_dispatch));
