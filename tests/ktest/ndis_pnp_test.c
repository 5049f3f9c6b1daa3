/* tests/ktest/ndis_pnp_test.c - NDIS taking an adapter away for each reason (kernel/ndis/ndis_pnp.c):
 * which miniport handler is called, with which HaltAction / event / ShutdownAction, in which
 * order; the e1000 miniport touching no register after a surprise removal and quieting its NIC at
 * shutdown; everything given back afterwards (interrupt pool, connections).
 *
 * learn.microsoft.com MINIPORT_HALT, MINIPORT_DEVICE_PNP_EVENT_NOTIFY, MINIPORT_SHUTDOWN. The
 * PnP core reaches the same entry (ndis_pnp_event) from IRP_MN_STOP_DEVICE / REMOVE_DEVICE /
 * SURPRISE_REMOVAL and `poweroff`; these cases call it directly. */
#include "drivers/e1000/e1000.h"
#include "kernel/io/connect_interrupt.h"
#include "kernel/io/pnp.h"
#include "kernel/ndis/ndis_block.h"
#include "kernel/ndis/ndis_pnp.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/ndis_test_miniport.h"

static PDEVICE_OBJECT start_ntm(struct ktest *t)
{
    NDIS_STATUS init;
    PDEVICE_OBJECT nic = ntm_start(t, &init);
    if (nic && init != NDIS_STATUS_SUCCESS) {
        ktest_fail(t, __FILE__, __LINE__, "MiniportInitializeEx failed: 0x%08x", (unsigned)init);
        ntm_stop(nic);
        return NULL;
    }
    return nic;
}

static void halts_for(struct ktest *t, enum ndis_pnp_reason reason, NDIS_HALT_ACTION action)
{
    PDEVICE_OBJECT nic = start_ntm(t);
    if (!nic)
        return;
    KTEST_EXPECT_EQ(t, ndis_pnp_event(nic, reason), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, ntm.halt_action, action);
    KTEST_EXPECT_EQ(t, ntm.shutdown_order, 0);
    KTEST_EXPECT_NULL(t, ndis_adapter_for_pdo(nic));
    KTEST_EXPECT_EQ(t, io_connections_of(nic), 0);
    KTEST_EXPECT_EQ(t, io_test_pool_bytes(NDIS_TAG_INTERRUPT), ntm.pool_at_start);
    KTEST_EXPECT_EQ(t, ndis_pnp_event(nic, reason), STATUS_NO_SUCH_DEVICE); /* nothing left */
    ntm_stop(nic);
}

static void stop_halts_with_device_stopped(struct ktest *t)
{
    halts_for(t, NDIS_PNP_STOP, NdisHaltDeviceStopped);
    KTEST_EXPECT_EQ(t, ntm.pnp_order, 0);
}

static void remove_halts_with_device_disabled(struct ktest *t)
{
    halts_for(t, NDIS_PNP_REMOVE, NdisHaltDeviceDisabled);
    KTEST_EXPECT_EQ(t, ntm.pnp_order, 0);
}

static void surprise_removal_notifies_then_halts(struct ktest *t)
{
    halts_for(t, NDIS_PNP_SURPRISE, NdisHaltDeviceSurpriseRemoved);
    KTEST_EXPECT_EQ(t, ntm.pnp_event, NdisDevicePnPEventSurpriseRemoved);
    KTEST_EXPECT_EQ(t, ntm.pnp_order, 1);  /* first ... */
    KTEST_EXPECT_EQ(t, ntm.halt_order, 2); /* ... then the halt */
}

static void shutdown_calls_shutdown_and_does_not_halt(struct ktest *t)
{
    PDEVICE_OBJECT nic = start_ntm(t);
    if (!nic)
        return;
    KTEST_EXPECT_EQ(t, ndis_pnp_event(nic, NDIS_PNP_SHUTDOWN), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, ntm.shutdown_action, NdisShutdownPowerOff);
    KTEST_EXPECT_EQ(t, ntm.shutdown_order, 1);
    KTEST_EXPECT_EQ(t, ntm.halt_order, 0);
    struct ndis_adapter *a = ndis_adapter_for_pdo(nic);
    KTEST_ASSERT_NOT_NULL(t, a);
    KTEST_EXPECT_TRUE(t, a->shut_down);
    KTEST_EXPECT_NOT_NULL(t, a->interrupt); /* still registered: the machine is going away */
    KTEST_EXPECT_EQ(t, ndis_pnp_event(nic, NDIS_PNP_SHUTDOWN), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, ntm.shutdown_order, 1); /* once */
    ntm_stop(nic);                             /* a test may still halt it */
    KTEST_EXPECT_EQ(t, ntm.halt_action, NdisHaltDeviceStopped);
}

/* ---- the e1000 miniport ---- */

static struct ndis_adapter *e1000_ndis(PE1000_ADAPTER *out)
{
    for (unsigned i = 0; i < NDIS_MAX_ADAPTERS; i++) {
        struct ndis_adapter *n = ndis_adapter_at(i);
        for (unsigned k = 0; n && k < E1000_MAX_ADAPTERS; k++) {
            if (e1000_adapter(k) && n->registration.MiniportAdapterContext == e1000_adapter(k)) {
                *out = e1000_adapter(k);
                return n;
            }
        }
    }
    return NULL;
}

static void e1000_surprise_removal_touches_no_register(struct ktest *t)
{
    PE1000_ADAPTER a;
    struct ndis_adapter *n = e1000_ndis(&a);
    if (!n)
        KTEST_SKIP(t, "needs -device e1000 or -device e1000e");
    PDEVICE_OBJECT pdo = n->pdo;
    unsigned adapters = e1000_adapter_count();
    uint64_t pool = io_test_pool_bytes(NDIS_TAG_INTERRUPT);
    uint64_t absent = e1000_absent_register_accesses;
    KTEST_ASSERT_EQ(t, ndis_pnp_event(pdo, NDIS_PNP_SURPRISE), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, e1000_absent_register_accesses, absent); /* none even attempted */
    KTEST_EXPECT_EQ(t, e1000_adapter_count(), adapters - 1);
    KTEST_EXPECT_NULL(t, ndis_adapter_for_pdo(pdo));
    KTEST_EXPECT_EQ(t, io_connections_of(pdo), 0);
    KTEST_EXPECT_LT(t, io_test_pool_bytes(NDIS_TAG_INTERRUPT), pool);
    /* The NIC is still in QEMU: the PnP core's stop and start bring the driver back. */
    KTEST_EXPECT_EQ(t, io_device_stop(pdo), STATUS_SUCCESS);
    KTEST_ASSERT_EQ(t, io_device_start(pdo, IO_START_DRIVER), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, e1000_adapter_count(), adapters);
    KTEST_EXPECT_EQ(t, io_test_pool_bytes(NDIS_TAG_INTERRUPT), pool);
}

static void e1000_shutdown_quiets_the_nic(struct ktest *t)
{
    PE1000_ADAPTER a;
    struct ndis_adapter *n = e1000_ndis(&a);
    if (!n)
        KTEST_SKIP(t, "needs -device e1000 or -device e1000e");
    PDEVICE_OBJECT pdo = n->pdo;
    KTEST_ASSERT_EQ(t, ndis_pnp_event(pdo, NDIS_PNP_SHUTDOWN), STATUS_SUCCESS);
    KTEST_EXPECT_TRUE(t, a->ShutDown);
    KTEST_EXPECT_EQ(t, E1000Read(a, E1000_IMS), 0);  /* no cause can interrupt */
    KTEST_EXPECT_EQ(t, E1000Read(a, E1000_RCTL), 0); /* no receive DMA */
    KTEST_EXPECT_EQ(t, E1000Read(a, E1000_TCTL), 0); /* no transmit DMA */
    KTEST_EXPECT_TRUE(t, n->shut_down);
    /* Put it back for the suites after this one. */
    KTEST_EXPECT_EQ(t, io_device_stop(pdo), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, io_device_start(pdo, IO_START_DRIVER), STATUS_SUCCESS);
}

/* The same through the PnP manager (kernel/io/pnp_state.c): NDIS's own AddDevice / IRP_MJ_PNP
 * (installed by NdisMRegisterMiniportDriver) turns each IRP into the documented call. */
static void pnp_manager_irps_reach_the_miniport(struct ktest *t)
{
    PE1000_ADAPTER a;
    struct ndis_adapter *n = e1000_ndis(&a);
    if (!n)
        KTEST_SKIP(t, "needs -device e1000 or -device e1000e");
    PDEVICE_OBJECT pdo = n->pdo;
    struct pci_device *pci = io_pdo_from_device(pdo)->pci;
    unsigned adapters = e1000_adapter_count();
    uint64_t pool = io_test_pool_bytes(NDIS_TAG_INTERRUPT);

    KTEST_ASSERT_EQ(t, io_pnp_stop_device(pdo), STATUS_SUCCESS); /* QUERY_STOP + STOP */
    KTEST_EXPECT_EQ(t, e1000_last_halt_action, NdisHaltDeviceStopped);
    KTEST_EXPECT_EQ(t, e1000_adapter_count(), adapters - 1);
    KTEST_ASSERT_EQ(t, io_pnp_start_device(pdo, NULL), STATUS_SUCCESS); /* the same FDO, started again */
    KTEST_EXPECT_EQ(t, e1000_adapter_count(), adapters);

    KTEST_ASSERT_EQ(t, io_pnp_disable_device(pdo), STATUS_SUCCESS); /* QUERY_REMOVE + REMOVE */
    KTEST_EXPECT_EQ(t, e1000_last_halt_action, NdisHaltDeviceDisabled);
    KTEST_EXPECT_EQ(t, io_connections_of(pdo), 0);
    KTEST_ASSERT_EQ(t, io_pnp_start_device(pdo, NULL), STATUS_SUCCESS); /* AddDevice + START */
    KTEST_EXPECT_EQ(t, e1000_adapter_count(), adapters);

    uint64_t absent = e1000_absent_register_accesses;
    KTEST_ASSERT_EQ(t, io_pnp_surprise_remove_device(pdo), STATUS_SUCCESS); /* the PDO is gone too */
    KTEST_EXPECT_EQ(t, e1000_last_halt_action, NdisHaltDeviceSurpriseRemoved);
    KTEST_EXPECT_EQ(t, e1000_absent_register_accesses, absent);
    KTEST_EXPECT_EQ(t, e1000_adapter_count(), adapters - 1);
    KTEST_EXPECT_LT(t, io_test_pool_bytes(NDIS_TAG_INTERRUPT), pool);
    /* The NIC is still in QEMU: found again, as `devices rescan` does. */
    KTEST_ASSERT_NOT_NULL(t, io_pnp_add_pci_function(pci));
    KTEST_EXPECT_EQ(t, e1000_adapter_count(), adapters);
    KTEST_EXPECT_EQ(t, io_test_pool_bytes(NDIS_TAG_INTERRUPT), pool);
}

KTEST_SUITE(ndis_pnp, KTEST_CASE(stop_halts_with_device_stopped), KTEST_CASE(remove_halts_with_device_disabled),
            KTEST_CASE(surprise_removal_notifies_then_halts), KTEST_CASE(shutdown_calls_shutdown_and_does_not_halt),
            KTEST_CASE(e1000_surprise_removal_touches_no_register), KTEST_CASE(e1000_shutdown_quiets_the_nic),
            KTEST_CASE(pnp_manager_irps_reach_the_miniport));
