/* tests/ktest/ndis_register_rule_test.c - NdisMRegisterInterruptEx outside MiniportInitializeEx
 * ("a miniport driver must call NdisMRegisterInterruptEx from its MiniportInitializeEx",
 * learn.microsoft.com NdisMRegisterInterruptEx remarks; kernel/ndis/ndis_interrupt.c): without
 * verifier=ndis the call fails with NDIS_STATUS_INVALID_DEVICE_REQUEST; with it, the machine
 * stops with BUGCODE_NDIS_DRIVER (0x7C), P1 = 0x100F, P2 = the adapter, P3 = its state (2 =
 * running), P4 = the caller (tests/e2e/test_bugcheck_ndis_rules.py reads that screen).
 *
 *   ndis_register_rule.*                                  ordinary: the status, no stop
 *   ndis_register_rule_crash.crash_register_while_running manual: the stop
 *   ndis_register_rule_crash.crash_initialize_fails_registered  MiniportInitializeEx registers its
 *                              interrupt, then fails without deregistering it (DDI rule
 *                              Init_RegisterInterrupt): 0x7C, P1 = 0x08, P4 = the failure status
 *
 * Both run the test miniport (tests/ktest/ndis_test_miniport.c) on the e1000e.
 */
#include "kernel/ke/verifier.h"
#include "kernel/lib/string.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/ndis_test_miniport.h"

/* Register a second time from outside MiniportInitializeEx; the status it returned. */
static __attribute__((noipa)) NDIS_STATUS register_while_running(void)
{
    NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS c = ntm_characteristics(true, false);
    NDIS_HANDLE handle = NULL;
    return NdisMRegisterInterruptEx(ntm.adapter, &ntm, &c, &handle);
}

static void outside_initialize_fails_without_verifier(struct ktest *t)
{
    bool was_on = ke_verifier_set(KE_VERIFY_NDIS, false);
    memset(&ntm, 0, sizeof(ntm));
    NDIS_STATUS init;
    PDEVICE_OBJECT nic = ntm_start(t, &init);
    if (nic) {
        KTEST_EXPECT_EQ(t, init, NDIS_STATUS_SUCCESS);
        KTEST_EXPECT_EQ(t, register_while_running(), NDIS_STATUS_INVALID_DEVICE_REQUEST);
        ntm_stop(nic);
    }
    ke_verifier_set(KE_VERIFY_NDIS, was_on);
}

static void crash_register_while_running(struct ktest *t)
{
    memset(&ntm, 0, sizeof(ntm));
    NDIS_STATUS init;
    PDEVICE_OBJECT nic = ntm_start(t, &init);
    KTEST_ASSERT_NOT_NULL(t, nic);
    KTEST_ASSERT_EQ(t, init, NDIS_STATUS_SUCCESS);
    ke_verifier_set(KE_VERIFY_NDIS, true);
    (void)register_while_running(); /* does not return */
    KTEST_EXPECT_TRUE(t, false);
}

static NDIS_STATUS register_then_fail(struct ntm_state *s)
{
    UNREFERENCED_PARAMETER(s);
    if (ntm_set_attributes() != NDIS_STATUS_SUCCESS || ntm_register(true, false) != NDIS_STATUS_SUCCESS)
        return NDIS_STATUS_FAILURE;
    ntm_quiet();
    return NDIS_STATUS_ADAPTER_NOT_FOUND; /* the failure path forgets NdisMDeregisterInterruptEx */
}

static void crash_initialize_fails_registered(struct ktest *t)
{
    memset(&ntm, 0, sizeof(ntm));
    ntm.on_initialize = register_then_fail;
    NDIS_STATUS init;
    (void)ntm_start(t, &init); /* does not return */
    KTEST_EXPECT_TRUE(t, false);
}

KTEST_SUITE(ndis_register_rule, KTEST_CASE(outside_initialize_fails_without_verifier));
KTEST_MANUAL_SUITE(ndis_register_rule_crash, KTEST_CASE(crash_register_while_running),
                   KTEST_CASE(crash_initialize_fails_registered));
