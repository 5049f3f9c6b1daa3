/* tests/ktest/ndis_interrupt_test.c - the NDIS 6 interrupt API against a real device (QEMU's
 * e1000e, borrowed from its driver; tests/ktest/ndis_test_miniport.h).
 *
 * learn.microsoft.com: NdisMRegisterInterruptEx, NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS,
 * MINIPORT_ISR ("NDIS queues DPCs according to QueueDefaultInterruptDpc and TargetProcessors,
 * whatever the return value"), NdisMQueueDpcEx, NdisMSynchronizeWithInterruptEx,
 * NDIS_RECEIVE_THROTTLE_PARAMETERS, NdisMDeregisterInterruptEx; docs/ndis.md.
 * Runs on every machine of the matrix: MSI-X (5 messages), msix=off (MSI, 1 message) and
 * msi=off (the line, shared with the edus on pc).
 */
#include "drivers/ndis/ndis_block.h"
#include "drivers/ndis/ndis_rules.h"
#include "kernel/io/connect_interrupt.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/interrupt.h"
#include "kernel/lib/string.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/msix_helpers.h"
#include "tests/ktest/ndis_test_miniport.h"

static struct ktest *T; /* for checks made inside MiniportInitializeEx / MiniportHaltEx */

static ULONG expected_messages(PDEVICE_OBJECT nic)
{
    struct io_pdo *p = io_test_pdo(nic);
    return p ? ndis_message_count(p->raw) : 0;
}

static void reset(void)
{
    memset(&ntm, 0, sizeof(ntm));
    ntm.answer = (struct ntm_answer){.claim = TRUE, .queue_default = TRUE, .targets = 0};
}

/* ---- registration checks, made from inside MiniportInitializeEx --------------------------------- */

static NDIS_STATUS try_register(NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS c)
{
    NDIS_HANDLE h = (NDIS_HANDLE)0x1234;
    NDIS_STATUS status = NdisMRegisterInterruptEx(ntm.adapter, &ntm, &c, &h);
    if (status == NDIS_STATUS_SUCCESS) {
        ntm.interrupt = h;
        ntm_deregister(); /* legal: we are inside MiniportInitializeEx */
    } else {
        KTEST_EXPECT_TRUE(T, h == (NDIS_HANDLE)0x1234); /* nothing written on failure */
    }
    return status;
}

static ULONG messages_of_device;

static NDIS_STATUS init_checks_everything(struct ntm_state *s)
{
    NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS good = ntm_characteristics(true, false), c;
    /* Before NdisMSetMiniportAttributes: refused. */
    KTEST_EXPECT_EQ(T, try_register(good), NDIS_STATUS_INVALID_DEVICE_REQUEST);

    NDIS_MINIPORT_ADAPTER_ATTRIBUTES a;
    memset(&a, 0, sizeof(a));
    a.RegistrationAttributes.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES;
    a.RegistrationAttributes.Header.Revision = 1;
    a.RegistrationAttributes.Header.Size = NDIS_SIZEOF_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1;
    a.RegistrationAttributes.MiniportAdapterContext = s;
    KTEST_EXPECT_EQ(T, NdisMSetMiniportAttributes(s->adapter, &a), NDIS_STATUS_INVALID_PARAMETER); /* not first */
    a.RegistrationAttributes.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES;
    a.RegistrationAttributes.MiniportAdapterContext = NULL;
    KTEST_EXPECT_EQ(T, NdisMSetMiniportAttributes(s->adapter, &a), NDIS_STATUS_INVALID_PARAMETER);
    a.RegistrationAttributes.MiniportAdapterContext = s;
    a.RegistrationAttributes.Header.Size = 8;
    KTEST_EXPECT_EQ(T, NdisMSetMiniportAttributes(s->adapter, &a), NDIS_STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_EQ(T, NdisMSetMiniportAttributes(s->adapter, NULL), NDIS_STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_EQ(T, ntm_set_attributes(), NDIS_STATUS_SUCCESS);
    KTEST_EXPECT_EQ(T, ntm_set_attributes(), NDIS_STATUS_INVALID_DEVICE_REQUEST); /* once */

    NDIS_HANDLE h;
    KTEST_EXPECT_EQ(T, NdisMRegisterInterruptEx(s->adapter, s, NULL, &h), NDIS_STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_EQ(T, NdisMRegisterInterruptEx(s->adapter, s, &good, NULL), NDIS_STATUS_INVALID_PARAMETER);
    c = good;
    c.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
    KTEST_EXPECT_EQ(T, try_register(c), NDIS_STATUS_INVALID_PARAMETER);
    c = good;
    c.Header.Revision = 0;
    KTEST_EXPECT_EQ(T, try_register(c), NDIS_STATUS_INVALID_PARAMETER);
    c = good;
    c.Header.Size = sizeof(NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS) - 8;
    KTEST_EXPECT_EQ(T, try_register(c), NDIS_STATUS_INVALID_PARAMETER);
    c = good;
    c.InterruptHandler = NULL; /* the line handlers are required even with MsiSupported */
    KTEST_EXPECT_EQ(T, try_register(c), NDIS_STATUS_INVALID_PARAMETER);
    c = good;
    c.InterruptDpcHandler = NULL;
    KTEST_EXPECT_EQ(T, try_register(c), NDIS_STATUS_INVALID_PARAMETER);
    c = good;
    c.DisableInterruptHandler = NULL;
    KTEST_EXPECT_EQ(T, try_register(c), NDIS_STATUS_INVALID_PARAMETER);
    c = good;
    c.EnableInterruptHandler = NULL;
    KTEST_EXPECT_EQ(T, try_register(c), NDIS_STATUS_INVALID_PARAMETER);
    c = good;
    c.MessageInterruptHandler = NULL;
    KTEST_EXPECT_EQ(T, try_register(c), NDIS_STATUS_INVALID_PARAMETER);
    c = good;
    c.MessageInterruptDpcHandler = NULL;
    KTEST_EXPECT_EQ(T, try_register(c), NDIS_STATUS_INVALID_PARAMETER);
    c = good;
    c.DisableMessageInterruptHandler = NULL;
    KTEST_EXPECT_EQ(T, try_register(c), NDIS_STATUS_INVALID_PARAMETER);
    c = good;
    c.EnableMessageInterruptHandler = NULL;
    KTEST_EXPECT_EQ(T, try_register(c), NDIS_STATUS_INVALID_PARAMETER);

    /* Line-only characteristics on a device that was given several messages: IoConnectInterruptEx's
     * LINE_BASED refuses (its pin is disabled). With one message or none it connects. */
    NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS line = ntm_characteristics(false, false);
    KTEST_EXPECT_EQ(T, try_register(line),
                    messages_of_device > 1 ? (NDIS_STATUS)STATUS_INVALID_DEVICE_REQUEST : NDIS_STATUS_SUCCESS);

    /* The real thing, twice: the second is refused while the first stands. */
    KTEST_EXPECT_EQ(T, ntm_register(true, false), NDIS_STATUS_SUCCESS);
    KTEST_EXPECT_TRUE(T, ndis_interrupt_from_handle(s->interrupt) != NULL);
    NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS again = good;
    KTEST_EXPECT_EQ(T, NdisMRegisterInterruptEx(s->adapter, s, &again, &h), NDIS_STATUS_INVALID_DEVICE_REQUEST);
    /* Fail the initialization, deregistering first (DDI rule Init_RegisterInterrupt). */
    ntm_deregister();
    return NDIS_STATUS_FAILURE;
}

static void registration_checks_what_the_miniport_passes(struct ktest *t)
{
    T = t;
    reset();
    PDEVICE_OBJECT nic = io_pdo_find_pci(IO_TEST_E1000E_VENDOR, IO_TEST_E1000E_DEVICE, 0);
    if (!nic)
        KTEST_SKIP(t, "needs -device e1000e");
    messages_of_device = expected_messages(nic);
    ntm.on_initialize = init_checks_everything;
    NDIS_STATUS init = NDIS_STATUS_SUCCESS;
    nic = ntm_start(t, &init);
    if (!nic)
        return;
    KTEST_EXPECT_EQ(t, init, NDIS_STATUS_FAILURE);   /* what our MiniportInitializeEx returned */
    KTEST_EXPECT_NULL(t, ndis_adapter_for_pdo(nic)); /* the failed adapter is gone */
    KTEST_EXPECT_EQ(t, io_connections_of(nic), 0);
    KTEST_EXPECT_EQ(t, io_test_pool_bytes(NDIS_TAG_INTERRUPT), ntm.pool_at_start);
    ntm_stop(nic);
}

/* ---- what is granted ---------------------------------------------------------------------------- */

static void interrupt_type_follows_the_resources(struct ktest *t)
{
    T = t;
    reset();
    NDIS_STATUS init = NDIS_STATUS_FAILURE;
    PDEVICE_OBJECT nic = ntm_start(t, &init);
    if (!nic)
        return;
    KTEST_ASSERT_EQ(t, init, NDIS_STATUS_SUCCESS);
    ULONG messages = expected_messages(nic);
    if (messages) {
        KTEST_EXPECT_EQ(t, ntm.granted.InterruptType, NDIS_CONNECT_MESSAGE_BASED);
        KTEST_ASSERT_NOT_NULL(t, ntm.granted.MessageInfoTable);
        KTEST_EXPECT_EQ(t, ntm.granted.MessageInfoTable->MessageCount, messages);
        /* msix=off leaves the e1000e's single MSI message; otherwise its five MSI-X entries. */
        KTEST_EXPECT_EQ(t, messages, io_test_cmdline_off("msix") ? 1u : 5u);
    } else {
        KTEST_EXPECT_EQ(t, ntm.granted.InterruptType, NDIS_CONNECT_LINE_BASED); /* msi=off: the fallback */
        KTEST_EXPECT_NULL(t, ntm.granted.MessageInfoTable);
    }
    struct ndis_interrupt *in = ndis_interrupt_from_handle(ntm.interrupt);
    KTEST_ASSERT_NOT_NULL(t, in);
    KTEST_EXPECT_EQ(t, in->message_count, messages ? messages : 1);
    KTEST_EXPECT_GT(t, io_connections_of(nic), 0);
    ndis_adapter_stop(nic);
    KTEST_EXPECT_EQ(t, io_connections_of(nic), 0);
    ntm_stop(nic);
}

/* ---- MINIPORT_ISR: the answer and the DPCs are independent ---------------------------------------- */

static PKINTERRUPT object_of(ULONG message)
{
    struct ndis_interrupt *in = ndis_interrupt_from_handle(ntm.interrupt);
    return in ? ndis_interrupt_object(in, message) : NULL;
}

/* In MSI-X mode QEMU 7.2's e1000e sends each message a second time when the vector's throttle
 * timer expires (~128 us later), once that vector was ever postponed - and every vector has
 * been by the time these tests run (kernel/bus/pci/pci_quirk_e1000e.c does it whenever MSI-X goes
 * off). So after a message, wait for that second ISR call (a condition with a generous bound;
 * 1 call is fine too), then for every DPC the calls queued to have run. A second call that comes
 * while the first one's DPC is still queued is served by that same DPC (a KDPC is queued once),
 * so DPC counts lie between "one call's worth" and "every call's worth". */
static bool ndis_idle(ULONG message)
{
    struct ndis_message_stats s = ndis_interrupt_stats(ndis_interrupt_from_handle(ntm.interrupt), message);
    return s.dpc_runs >= s.dpc_queued + s.dpc_requeues;
}

static void wait_for_resend_and_dpcs(struct ktest *t, ULONG message, uint64_t isr0)
{
    if (ntm.msix)
        (void)io_test_wait(&ntm.isr_calls[message], isr0 + 2, 2000);
    /* The miniport's ISR has returned, but NDIS's wrapper around it may still be queueing the
     * DPCs on another CPU: let every CPU finish what it took on this vector first. */
    PKINTERRUPT o = object_of(message);
    KAFFINITY active = KeQueryActiveProcessors();
    for (ULONG cpu = 0; o && cpu < 8 * sizeof(KAFFINITY); cpu++)
        if (active & ((KAFFINITY)1 << cpu))
            KTEST_EXPECT_TRUE(t, test_drain_vector(cpu, (uint8_t)o->Vector, 5000));
    bool idle = false;
    for (int i = 0; i < 50000 && !(idle = ndis_idle(message)); i++)
        KeStallExecutionProcessor(100);
    KTEST_EXPECT_TRUE(t, idle);
}

/* Raise `message` once, with the ISR answering `answer`; wait for the ISR, its re-send (above)
 * and the DPCs it asked for (dpcs_per_call each time it runs, fewer if they coalesced). Returns
 * how many times the ISR ran: 1 or 2. */
static uint64_t raise_once(struct ktest *t, ULONG message, struct ntm_answer answer, uint64_t dpcs_per_call)
{
    ntm.answer = answer;
    uint64_t isr0 = ntm.isr_calls[message], dpc0 = ntm.dpc_calls[message];
    ndis_test_raise(message);
    KTEST_EXPECT_TRUE(t, io_test_wait(&ntm.isr_calls[message], isr0 + 1, 5000));
    wait_for_resend_and_dpcs(t, message, isr0);
    uint64_t calls = ntm.isr_calls[message] - isr0;
    KTEST_EXPECT_LE(t, calls, 2);
    uint64_t dpcs = ntm.dpc_calls[message] - dpc0;
    KTEST_EXPECT_GE(t, dpcs, dpcs_per_call);
    KTEST_EXPECT_LE(t, dpcs, calls * dpcs_per_call);
    return calls;
}

static void dpcs_follow_the_outputs_not_the_return_value(struct ktest *t)
{
    T = t;
    reset();
    NDIS_STATUS init = NDIS_STATUS_FAILURE;
    PDEVICE_OBJECT nic = ntm_start(t, &init);
    if (!nic)
        return;
    KTEST_ASSERT_EQ(t, init, NDIS_STATUS_SUCCESS);
    PKINTERRUPT o = object_of(0);
    KTEST_ASSERT_NOT_NULL(t, o);

    /* "Not mine" - but a DPC all the same: the kernel counts a decline, NDIS queues the DPC. */
    uint64_t declined = ntm_decline_count(o), served = ntm_service_count(o);
    uint64_t calls = raise_once(t, 0, (struct ntm_answer){.claim = FALSE, .queue_default = TRUE}, 1);
    KTEST_EXPECT_EQ(t, ntm_decline_count(o), declined + calls);
    KTEST_EXPECT_EQ(t, ntm_service_count(o), served);
    KTEST_EXPECT_NULL(t, ntm.last_dpc_context); /* queued by the ISR: no MiniportDpcContext */
    KTEST_EXPECT_EQ(t, ntm.dpc_irql, DISPATCH_LEVEL);
    KTEST_EXPECT_EQ(t, ntm.isr_irql, o->SynchronizeIrql);

    /* "Mine" - and no DPC asked for: none runs. */
    calls = raise_once(t, 0, (struct ntm_answer){.claim = TRUE, .queue_default = FALSE, .targets = 0}, 0);
    KTEST_EXPECT_EQ(t, ntm_service_count(o), served + calls);

    /* TargetProcessors: one DPC on each CPU named (QueueDefaultInterruptDpc FALSE). */
    KAFFINITY active = KeQueryActiveProcessors();
    ULONG cpus = 0;
    uint64_t before[NTM_MAX_CPUS];
    for (ULONG c = 0; c < NTM_MAX_CPUS; c++) {
        before[c] = ntm.dpc_on_cpu[c];
        cpus += (active >> c) & 1;
    }
    calls =
        raise_once(t, 0, (struct ntm_answer){.claim = TRUE, .queue_default = FALSE, .targets = (ULONG)active}, cpus);
    for (ULONG c = 0; c < NTM_MAX_CPUS; c++) {
        if ((active >> c) & 1)
            KTEST_EXPECT_TRUE(t, ntm.dpc_on_cpu[c] >= before[c] + 1 && ntm.dpc_on_cpu[c] <= before[c] + calls);
        else
            KTEST_EXPECT_EQ(t, ntm.dpc_on_cpu[c], before[c]);
    }
    /* QueueDefaultInterruptDpc wins over TargetProcessors: one DPC, on the ISR's CPU. */
    raise_once(t, 0, (struct ntm_answer){.claim = TRUE, .queue_default = TRUE, .targets = (ULONG)active}, 1);

    if (ntm.msix) { /* another message: its own ISR call and its own DPC */
        uint64_t isr0 = ntm.isr_calls[0];
        calls = raise_once(t, 3, (struct ntm_answer){.claim = TRUE, .queue_default = TRUE}, 1);
        KTEST_EXPECT_EQ(t, ntm.isr_calls[3], calls);
        KTEST_EXPECT_EQ(t, ntm.isr_calls[0], isr0); /* message 0 was not involved */
        struct ndis_message_stats s3 = ndis_interrupt_stats(ndis_interrupt_from_handle(ntm.interrupt), 3);
        KTEST_EXPECT_EQ(t, s3.isr_calls, calls);
        KTEST_EXPECT_TRUE(t, s3.dpc_runs >= 1 && s3.dpc_runs <= calls);
    }
    ntm_stop(nic);
}

/* ---- NdisMQueueDpcEx ----------------------------------------------------------------------------- */

static void queue_dpc_ex_returns_the_newly_queued_cpus(struct ktest *t)
{
    T = t;
    reset();
    NDIS_STATUS init = NDIS_STATUS_FAILURE;
    PDEVICE_OBJECT nic = ntm_start(t, &init);
    if (!nic)
        return;
    KTEST_ASSERT_EQ(t, init, NDIS_STATUS_SUCCESS);
    PVOID context = (PVOID)0xC0FFEE;

    /* At DISPATCH_LEVEL the DPC cannot run on this CPU until we lower: the second request for the
     * same (message, CPU) finds it pending and is not queued again. */
    KIRQL old = KeRaiseIrqlToDpcLevel();
    ULONG me = KeGetCurrentProcessorNumber();
    GROUP_AFFINITY here = {.Mask = (KAFFINITY)1 << me, .Group = 0};
    KAFFINITY first = NdisMQueueDpcEx(ntm.interrupt, 0, &here, context);
    KAFFINITY second = NdisMQueueDpcEx(ntm.interrupt, 0, &here, (PVOID)0xBAD);
    GROUP_AFFINITY other_group = {.Mask = (KAFFINITY)1 << me, .Group = 1};
    KAFFINITY none = NdisMQueueDpcEx(ntm.interrupt, 0, &other_group, context);
    uint64_t before = ntm.dpc_on_cpu[me];
    KeLowerIrql(old); /* runs it */
    KTEST_EXPECT_EQ(t, first, here.Mask);
    KTEST_EXPECT_EQ(t, second, 0);
    KTEST_EXPECT_EQ(t, none, 0);
    KTEST_EXPECT_TRUE(t, io_test_wait(&ntm.dpc_on_cpu[me], before + 1, 1000));
    KTEST_EXPECT_TRUE(t, ntm.last_dpc_context == context); /* the first caller's context stands */

    /* Every CPU at once (NdisMQueueDpc, the NDIS 6.0 form). */
    KAFFINITY active = KeQueryActiveProcessors();
    uint64_t total = 0;
    for (ULONG c = 0; c < NTM_MAX_CPUS; c++)
        total += ntm.dpc_on_cpu[c];
    ULONG queued = NdisMQueueDpc(ntm.interrupt, 0, (ULONG)active, context);
    KTEST_EXPECT_EQ(t, queued, (ULONG)active);
    for (ULONG c = 0; c < NTM_MAX_CPUS; c++)
        if (active & ((KAFFINITY)1 << c))
            KTEST_EXPECT_TRUE(t, io_test_wait(&ntm.dpc_on_cpu[c], c == me ? before + 2 : 1, 1000));
    uint64_t now = 0;
    for (ULONG c = 0; c < NTM_MAX_CPUS; c++)
        now += ntm.dpc_on_cpu[c];
    uint64_t active_count = 0;
    for (KAFFINITY a = active; a; a &= a - 1)
        active_count++;
    KTEST_EXPECT_EQ(t, now, total + active_count);
    ntm_stop(nic);
}

/* ---- the receive throttle ------------------------------------------------------------------------ */

static void more_nbls_pending_runs_the_dpc_again(struct ktest *t)
{
    T = t;
    reset();
    NDIS_STATUS init = NDIS_STATUS_FAILURE;
    PDEVICE_OBJECT nic = ntm_start(t, &init);
    if (!nic)
        return;
    KTEST_ASSERT_EQ(t, init, NDIS_STATUS_SUCCESS);
    ntm.more_nbls_rounds = 2;
    ntm.answer = (struct ntm_answer){.claim = TRUE, .queue_default = TRUE};
    uint64_t isr0 = ntm.isr_calls[0];
    ndis_test_raise(0);
    KTEST_EXPECT_TRUE(t, io_test_wait(&ntm.dpc_calls[0], 3, 5000)); /* one request, two requeues */
    wait_for_resend_and_dpcs(t, 0, isr0);
    KTEST_EXPECT_EQ(t, ntm.last_max_nbls, NDIS_RECEIVE_BUDGET);
    struct ndis_message_stats s = ndis_interrupt_stats(ndis_interrupt_from_handle(ntm.interrupt), 0);
    KTEST_EXPECT_EQ(t, ntm.more_nbls_rounds, 0);                   /* both "more pending" answers were given */
    KTEST_EXPECT_GE(t, s.dpc_runs, 3);                             /* the request, then once per answer */
    KTEST_EXPECT_EQ(t, s.dpc_runs, s.dpc_queued + s.dpc_requeues); /* every queued DPC ran */
    /* One DPC per ISR call, or fewer when the device's re-send found it still queued. A
     * re-send that queues the DPC while it runs leaves nothing for the requeue to add: it ran
     * again all the same (hence one requeue instead of two). */
    KTEST_EXPECT_TRUE(t, s.dpc_queued >= 1 && s.dpc_queued <= s.isr_calls);
    if (s.isr_calls == 1)
        KTEST_EXPECT_EQ(t, s.dpc_requeues, 2);
    else
        KTEST_EXPECT_TRUE(t, s.dpc_requeues >= 1 && s.dpc_requeues <= 2);
    ntm_stop(nic);
}

/* ---- NdisMSynchronizeWithInterruptEx and the Disable/Enable handlers ----------------------------- */

struct sync_probe {
    PKINTERRUPT object;
    KIRQL irql;
    bool lock_held;
    BOOLEAN result;
};

static BOOLEAN probe_sync(NDIS_HANDLE context)
{
    struct sync_probe *p = context;
    p->irql = KeGetCurrentIrql();
    p->lock_held = __atomic_load_n(p->object->ActualLock, __ATOMIC_RELAXED) != 0;
    return p->result;
}

static void check_sync_on_every_message(struct ktest *t, bool one_lock)
{
    struct ndis_interrupt *in = ndis_interrupt_from_handle(ntm.interrupt);
    KTEST_ASSERT_NOT_NULL(t, in);
    for (ULONG m = 0; m < in->message_count; m++) {
        struct sync_probe p = {.object = ndis_interrupt_object(in, m), .result = (BOOLEAN)(m & 1)};
        KTEST_ASSERT_NOT_NULL(t, p.object);
        KTEST_EXPECT_EQ(t, NdisMSynchronizeWithInterruptEx(ntm.interrupt, m, probe_sync, &p), (BOOLEAN)(m & 1));
        KTEST_EXPECT_EQ(t, p.irql, p.object->SynchronizeIrql);
        KTEST_EXPECT_TRUE(t, p.lock_held);
        KTEST_EXPECT_EQ(t, KeGetCurrentIrql(), PASSIVE_LEVEL);
        if (ntm.granted.InterruptType == NDIS_CONNECT_MESSAGE_BASED) {
            PIO_INTERRUPT_MESSAGE_INFO table = ntm.granted.MessageInfoTable;
            PKINTERRUPT own = table->MessageInfo[m].InterruptObject;
            if (one_lock) { /* MsiSyncWithAllMessages: one lock, at the highest IRQL */
                KTEST_EXPECT_TRUE(t, own->ActualLock == table->MessageInfo[0].InterruptObject->ActualLock);
                KTEST_EXPECT_EQ(t, own->SynchronizeIrql, table->UnifiedIrql);
            } else {
                KTEST_EXPECT_TRUE(t, own->ActualLock == &own->SpinLock);
                KTEST_EXPECT_TRUE(t, p.object == own);
            }
        }
    }
    /* NDIS calling the miniport's Disable / Enable handler: at DIRQL, under the lock. */
    PKINTERRUPT o0 = ndis_interrupt_object(in, 0);
    ndis_interrupt_disable(in, 0);
    KTEST_EXPECT_EQ(t, ntm.disable_calls, 1);
    KTEST_EXPECT_EQ(t, ntm.handler_irql, o0->SynchronizeIrql);
    ndis_interrupt_enable(in, 0);
    KTEST_EXPECT_EQ(t, ntm.enable_calls, 1);
}

static void synchronize_runs_at_dirql_under_the_lock(struct ktest *t)
{
    T = t;
    reset();
    NDIS_STATUS init = NDIS_STATUS_FAILURE;
    PDEVICE_OBJECT nic = ntm_start(t, &init);
    if (!nic)
        return;
    KTEST_ASSERT_EQ(t, init, NDIS_STATUS_SUCCESS);
    check_sync_on_every_message(t, false);
    ntm_stop(nic);
}

static NDIS_STATUS init_one_lock(struct ntm_state *s)
{
    UNREFERENCED_PARAMETER(s);
    NDIS_STATUS status = ntm_set_attributes();
    return status == NDIS_STATUS_SUCCESS ? ntm_register(true, true) : status;
}

static void msi_sync_with_all_messages_shares_one_lock(struct ktest *t)
{
    T = t;
    reset();
    ntm.on_initialize = init_one_lock;
    NDIS_STATUS init = NDIS_STATUS_FAILURE;
    PDEVICE_OBJECT nic = ntm_start(t, &init);
    if (!nic)
        return;
    KTEST_ASSERT_EQ(t, init, NDIS_STATUS_SUCCESS);
    if (!ntm.msix) {
        ntm_stop(nic);
        KTEST_SKIP(t, "needs several messages (MSI-X)");
    }
    check_sync_on_every_message(t, true);
    /* Messages still arrive on their own IDs and DPCs. */
    raise_once(t, 2, (struct ntm_answer){.claim = TRUE, .queue_default = TRUE}, 1);
    ntm_stop(nic);
}

/* ---- deregistration ------------------------------------------------------------------------------ */

static NDIS_HANDLE halted_handle;

static void halt_and_look(struct ntm_state *s)
{
    KTEST_EXPECT_GT(T, io_test_pool_bytes(NDIS_TAG_INTERRUPT), ntm.pool_at_start);
    halted_handle = s->interrupt;
    ntm_deregister();
    KTEST_EXPECT_NULL(T, ndis_interrupt_from_handle(halted_handle));               /* the handle is dead */
    KTEST_EXPECT_EQ(T, io_test_pool_bytes(NDIS_TAG_INTERRUPT), ntm.pool_at_start); /* DPCs, counters too */
}

static void deregister_leaves_nothing_behind(struct ktest *t)
{
    T = t;
    reset();
    ntm.on_halt = halt_and_look;
    NDIS_STATUS init = NDIS_STATUS_FAILURE;
    PDEVICE_OBJECT nic = ntm_start(t, &init);
    if (!nic)
        return;
    KTEST_ASSERT_EQ(t, init, NDIS_STATUS_SUCCESS);
    raise_once(t, 0, (struct ntm_answer){.claim = TRUE, .queue_default = TRUE}, 1);
    ndis_adapter_stop(nic);
    KTEST_EXPECT_TRUE(t, halted_handle != NULL);
    KTEST_EXPECT_EQ(t, io_connections_of(nic), 0);
    KTEST_EXPECT_NULL(t, ndis_adapter_for_pdo(nic));
    ntm_stop(nic);
}

KTEST_SUITE(ndis_interrupt, KTEST_CASE(registration_checks_what_the_miniport_passes),
            KTEST_CASE(interrupt_type_follows_the_resources), KTEST_CASE(dpcs_follow_the_outputs_not_the_return_value),
            KTEST_CASE(queue_dpc_ex_returns_the_newly_queued_cpus), KTEST_CASE(more_nbls_pending_runs_the_dpc_again),
            KTEST_CASE(synchronize_runs_at_dirql_under_the_lock),
            KTEST_CASE(msi_sync_with_all_messages_shares_one_lock), KTEST_CASE(deregister_leaves_nothing_behind));
