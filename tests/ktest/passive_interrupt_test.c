/* tests/ktest/passive_interrupt_test.c - passive-level ISRs (kernel/ke/passive_interrupt.h;
 * learn.microsoft.com "Using Passive-Level Interrupt Service Routines"):
 *   - on a level line (the second edu forced onto INTx) the ISR runs at PASSIVE_LEVEL in its own
 *     thread, may block, and the IOAPIC entry stays masked until it returns: one raise, one
 *     delivery, although the device keeps its line asserted while the ISR waits;
 *   - on an edge (the edu's MSI) an interrupt that arrives while the ISR runs is counted and the
 *     ISR is called again for it;
 *   - KeSynchronizeExecution holds the ISR off (it waits on the object's event);
 *   - the parameter rules: a SpinLock, or a vector shared with a DIRQL ISR, is STATUS_INVALID_PARAMETER;
 *   - IoDisconnectInterruptEx waits for an ISR that is busy in its thread;
 *   - the edu driver's passive mode (edu_passive=on) on its message and on its line.
 * KeAcquireInterruptSpinLock on such an object (0x13B) is passive_crash_test.c's.
 *
 *     make check-ktest GLOB='passive_interrupt.*' MACHINE=q35 SMP=4
 */
#include "arch/x86_64/ioapic.h"
#include "drivers/edu/edu.h"
#include "include/wdm.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/passive_interrupt.h"
#include "kernel/ke/thread.h"
#include "kernel/ke/time.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/io_probe.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/thread_helpers.h"

#define WAIT_MS 10000
#define WAIT_TICKS 1000 /* 10 s of guest time: generous, only failures wait this long */

struct passive_probe {
    volatile ULONG *edu;
    PKINTERRUPT object;
    uint32_t gsi; /* level tests: the edu's IOAPIC pin */
    volatile uint64_t calls;
    volatile uint64_t claimed;
    KIRQL irql;
    PKTHREAD thread;
    bool masked_in_isr;    /* the IOAPIC entry's mask bit, read inside the ISR */
    uint64_t traps_in_isr; /* deliveries seen by the end of the (first) ISR call */
    ULONG status_per_call[4];
    volatile uint64_t entered_seq, left_seq;
    volatile uint64_t entered;
    KEVENT release;   /* disconnect test: the ISR waits for it */
    bool block;       /* ... when set */
    bool raise_again; /* edge test: the first call raises one more edge and waits for it */
};

static struct passive_probe pp;

/* Devices taken from their drivers to free the edu's line (give_back_the_line returns them). */
static PDEVICE_OBJECT line_sharers[8];
static unsigned line_sharer_count;

/* A passive-level ISR never shares its vector (kernel/ke/passive_interrupt.h). The devices of
 * `make check-ktest` (two edus, an e1000e) can all end up on one INTx line with msi=off, their
 * drivers connected to it. Take each of them (started again without a driver: nothing connected)
 * while the test runs. */
static void free_the_line(PDEVICE_OBJECT pdo)
{
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(pdo, 0, false);
    if (!d || io_descriptor_is_message(d))
        return;
    ULONG vector = io_test_vector(d);
    for (unsigned i = 0; i < io_pdo_count() && ke_vector_table[vector].object_count > 0; i++) {
        PDEVICE_OBJECT other = io_pdo_at(i);
        const CM_PARTIAL_RESOURCE_DESCRIPTOR *o = io_test_interrupt(other, 0, false);
        if (other == pdo || !o || io_descriptor_is_message(o) || io_test_vector(o) != vector ||
            line_sharer_count == sizeof(line_sharers) / sizeof(line_sharers[0]))
            continue;
        if (io_test_take(other, 0))
            line_sharers[line_sharer_count++] = other;
    }
}

static void give_back_the_line(void)
{
    while (line_sharer_count > 0)
        io_test_give_back(line_sharers[--line_sharer_count]);
}

/* The second edu, taken from its driver with `flags`, quiet, alone on its line. */
static PDEVICE_OBJECT take_edu(unsigned flags)
{
    PDEVICE_OBJECT pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 1);
    if (!pdo || !io_test_take(pdo, flags))
        return NULL;
    free_the_line(pdo);
    pp = (struct passive_probe){.edu = io_test_map_memory(pdo, 0)};
    KeInitializeEvent(&pp.release, NotificationEvent, FALSE);
    io_test_edu_quiet(pp.edu);
    return pdo;
}

static void give_back(PDEVICE_OBJECT pdo)
{
    io_test_give_back(pdo);
    give_back_the_line();
}

static struct ke_passive_interrupt *state(void) { return pp.object->Passive; }

static BOOLEAN passive_isr(PKINTERRUPT interrupt, PVOID context)
{
    struct passive_probe *p = context;
    uint64_t call = p->calls;
    p->entered_seq = th_next();
    __atomic_store_n(&p->entered, 1, __ATOMIC_RELEASE);
    p->irql = KeGetCurrentIrql();
    p->thread = KeGetCurrentThread();
    if (call == 0 && p->gsi) {
        /* The device still holds its line up (nothing acknowledged yet): were the pin open, it
         * would fire again at once. It is masked, so it cannot. A wait proves the ISR may block. */
        struct ioapic_rte rte;
        p->masked_in_isr = ioapic_read_rte(p->gsi, &rte) && rte.masked;
        LARGE_INTEGER ms = th_ms(20);
        KeDelayExecutionThread(KernelMode, FALSE, &ms);
    }
    if (p->block)
        (void)KeWaitForSingleObject(&p->release, Executive, KernelMode, FALSE, NULL);
    ULONG status = READ_REGISTER_ULONG(&p->edu[IO_TEST_EDU_STATUS / 4]);
    WRITE_REGISTER_ULONG(&p->edu[IO_TEST_EDU_ACK / 4], status);
    if (call < 4)
        p->status_per_call[call] = status;
    if (call == 0 && p->raise_again) {
        /* An edge while this ISR runs: the trap handler takes it now, on whatever CPU. */
        WRITE_REGISTER_ULONG(&p->edu[IO_TEST_EDU_RAISE / 4], 0x20);
        (void)th_spin_until(&interrupt->Passive->traps_during_isr, WAIT_TICKS);
    }
    if (call == 0)
        p->traps_in_isr = interrupt->Passive->traps;
    p->left_seq = th_next();
    __atomic_add_fetch(&p->calls, 1, __ATOMIC_RELEASE);
    if (status)
        p->claimed++;
    return status != 0;
}

/* The edu's descriptor as a passive-level FULLY_SPECIFIED connect. */
static IO_CONNECT_INTERRUPT_PARAMETERS passive_params(PDEVICE_OBJECT pdo)
{
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(pdo, 0, false);
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_fully(pdo, d, passive_isr, &pp, &pp.object);
    p.FullySpecified.Irql = PASSIVE_LEVEL;
    p.FullySpecified.SynchronizeIrql = PASSIVE_LEVEL;
    return p;
}

static bool wait_calls(uint64_t target) { return io_test_wait(&pp.calls, target, WAIT_MS); }

/* ---- level ---- */

static void level_isr_runs_in_a_thread_with_the_line_masked(struct ktest *t)
{
    PDEVICE_OBJECT pdo = take_edu(IO_START_NO_MSI);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    IO_CONNECT_INTERRUPT_PARAMETERS p = passive_params(pdo);
    KTEST_ASSERT_EQ(t, p.FullySpecified.InterruptMode, LevelSensitive);
    pp.gsi = ke_vector_table[p.FullySpecified.Vector].source.gsi;
    NTSTATUS status = IoConnectInterruptEx(&p);
    KTEST_ASSERT_EQ(t, status, STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, pp.object->Irql, PASSIVE_LEVEL);
    KTEST_EXPECT_EQ(t, pp.object->SynchronizeIrql, PASSIVE_LEVEL);
    KTEST_EXPECT_NOT_NULL(t, pp.object->PassiveEvent);

    probe_edu_raise(pp.edu, 1);
    KTEST_EXPECT_TRUE(t, wait_calls(1));
    /* The thread unmasks after the ISR returned: wait for that, then judge. */
    KTEST_EXPECT_TRUE(t, io_test_wait(&state()->unmasks, 1, WAIT_MS));
    KTEST_EXPECT_EQ(t, pp.irql, PASSIVE_LEVEL);
    KTEST_EXPECT_TRUE(t, pp.thread == state()->thread);
    KTEST_EXPECT_TRUE(t, pp.thread != KeGetCurrentThread());
    KTEST_EXPECT_TRUE(t, pp.masked_in_isr);
    KTEST_EXPECT_EQ(t, pp.traps_in_isr, 1); /* one raise, one delivery: masked while it waited */
    KTEST_EXPECT_EQ(t, pp.status_per_call[0], 1);
    struct ioapic_rte rte;
    KTEST_EXPECT_TRUE(t, ioapic_read_rte(pp.gsi, &rte));
    KTEST_EXPECT_FALSE(t, rte.masked); /* open again */
    KTEST_EXPECT_EQ(t, state()->traps, 1);
    KTEST_EXPECT_EQ(t, state()->isr_calls, 1);

    /* And again: the line works after the unmask. */
    probe_edu_raise(pp.edu, 2);
    KTEST_EXPECT_TRUE(t, wait_calls(2));
    KTEST_EXPECT_EQ(t, pp.status_per_call[1], 2);
    io_test_disconnect(CONNECT_FULLY_SPECIFIED, pp.object);
    KTEST_EXPECT_TRUE(t, ioapic_read_rte(pp.gsi, &rte) && rte.masked); /* the last object left */
    give_back(pdo);
}

/* ---- edge ---- */

static void edge_during_the_isr_is_not_lost(struct ktest *t)
{
    PDEVICE_OBJECT pdo = take_edu(0);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(pdo, 0, false);
    if (!d || !io_descriptor_is_message(d)) {
        give_back(pdo);
        KTEST_SKIP(t, "the edu has no message resource (msi=off)");
    }
    IO_CONNECT_INTERRUPT_PARAMETERS p = passive_params(pdo);
    KTEST_ASSERT_EQ(t, p.FullySpecified.InterruptMode, Latched);
    pp.raise_again = true;
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    probe_edu_raise(pp.edu, 1);
    KTEST_EXPECT_TRUE(t, wait_calls(2)); /* the second call is for the edge that came during the first */
    KTEST_EXPECT_EQ(t, state()->traps, 2);
    KTEST_EXPECT_EQ(t, state()->traps_during_isr, 1);
    KTEST_EXPECT_EQ(t, pp.status_per_call[0], 1);
    KTEST_EXPECT_EQ(t, pp.status_per_call[1], 0x20); /* it found the second raise's bit */
    KTEST_EXPECT_EQ(t, pp.irql, PASSIVE_LEVEL);
    KTEST_EXPECT_EQ(t, state()->unmasks, 0); /* an edge is never masked */
    io_test_disconnect(CONNECT_FULLY_SPECIFIED, pp.object);
    KTEST_EXPECT_EQ(t, pp.calls, 2);
    give_back(pdo);
}

/* ---- KeSynchronizeExecution ---- */

struct sync_context {
    struct ktest *t;
    bool isr_was_waiting;  /* the ISR's thread blocked on PassiveEvent while we held it */
    uint64_t calls_inside; /* ISR calls that happened while we held it */
    uint64_t left_seq;
};

static bool thread_waits_on(PKTHREAD thread, PVOID object)
{
    return thread->State == Waiting && thread->WaitBlockList && thread->WaitBlockList->Object == object;
}

static BOOLEAN synchronized_routine(PVOID context)
{
    struct sync_context *c = context;
    struct ke_passive_interrupt *passive = state();
    probe_edu_raise(pp.edu, 4);
    /* Until the ISR's thread has come for the event and found it taken (guest ticks bound it). */
    uint64_t end = ke_tick_count + WAIT_TICKS;
    while (!thread_waits_on(passive->thread, &passive->lock_event) && pp.calls == 0 && ke_tick_count < end) {
        LARGE_INTEGER ms = th_ms(1);
        KeDelayExecutionThread(KernelMode, FALSE, &ms);
    }
    c->isr_was_waiting = thread_waits_on(passive->thread, &passive->lock_event);
    c->calls_inside = pp.calls;
    c->left_seq = th_next();
    return TRUE;
}

static void synchronize_execution_excludes_the_isr(struct ktest *t)
{
    PDEVICE_OBJECT pdo = take_edu(IO_START_NO_MSI);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    IO_CONNECT_INTERRUPT_PARAMETERS p = passive_params(pdo);
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    struct sync_context c = {.t = t};
    KTEST_EXPECT_TRUE(t, KeSynchronizeExecution(pp.object, synchronized_routine, &c));
    KTEST_EXPECT_TRUE(t, c.isr_was_waiting);
    KTEST_EXPECT_EQ(t, c.calls_inside, 0);
    KTEST_EXPECT_TRUE(t, wait_calls(1)); /* released: the ISR runs now */
    KTEST_EXPECT_GT(t, pp.entered_seq, c.left_seq);
    io_test_disconnect(CONNECT_FULLY_SPECIFIED, pp.object);
    give_back(pdo);
}

/* ---- the parameter rules ---- */

static BOOLEAN dirql_isr(PKINTERRUPT interrupt, PVOID context)
{
    (void)interrupt;
    (void)context;
    return FALSE;
}

static void parameters_follow_the_wdk(struct ktest *t)
{
    PDEVICE_OBJECT pdo = take_edu(IO_START_NO_MSI);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(pdo, 0, false);
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);

    /* "The caller must not supply a spin lock" - STATUS_INVALID_PARAMETER, nothing written. */
    IO_CONNECT_INTERRUPT_PARAMETERS p = passive_params(pdo);
    p.FullySpecified.SpinLock = &lock;
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_NULL(t, pp.object);
    /* Irql PASSIVE with a DIRQL SynchronizeIrql is neither form: refused as before. */
    p = passive_params(pdo);
    p.FullySpecified.SynchronizeIrql = io_test_level(d);
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_NULL(t, pp.object);

    /* A DIRQL ISR on the line first: the passive one may not join it ... */
    PKINTERRUPT dirql = NULL;
    IO_CONNECT_INTERRUPT_PARAMETERS q = io_test_fully(pdo, d, dirql_isr, NULL, &dirql);
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&q), STATUS_SUCCESS);
    p = passive_params(pdo);
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_NULL(t, pp.object);
    io_test_disconnect(CONNECT_FULLY_SPECIFIED, dirql);

    /* ... and the other way round. The right form connects. */
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    KTEST_EXPECT_NOT_NULL(t, pp.object);
    dirql = NULL;
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&q), STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_NULL(t, dirql);
    io_test_disconnect(CONNECT_FULLY_SPECIFIED, pp.object);
    give_back(pdo);
}

/* ---- disconnect ---- */

static volatile uint64_t disconnect_returned_seq;

static VOID disconnect_thread(PVOID context)
{
    io_test_disconnect(CONNECT_FULLY_SPECIFIED, context);
    disconnect_returned_seq = th_next();
}

static void disconnect_waits_for_a_busy_isr(struct ktest *t)
{
    PDEVICE_OBJECT pdo = take_edu(IO_START_NO_MSI);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    IO_CONNECT_INTERRUPT_PARAMETERS p = passive_params(pdo);
    pp.block = true;
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    PKTHREAD isr_thread = state()->thread;
    probe_edu_raise(pp.edu, 1);
    KTEST_ASSERT_TRUE(t, th_spin_until(&pp.entered, WAIT_TICKS)); /* the ISR is waiting for `release` */

    disconnect_returned_seq = 0;
    PKTHREAD d = th_start(disconnect_thread, pp.object, 12, 0);
    KTEST_ASSERT_NOT_NULL(t, d);
    /* Until the disconnect is waiting for the ISR's thread to end. */
    uint64_t end = ke_tick_count + WAIT_TICKS;
    while (!thread_waits_on(d, isr_thread) && !disconnect_returned_seq && ke_tick_count < end) {
        LARGE_INTEGER ms = th_ms(1);
        KeDelayExecutionThread(KernelMode, FALSE, &ms);
    }
    KTEST_EXPECT_EQ(t, disconnect_returned_seq, 0); /* still inside IoDisconnectInterruptEx */
    KTEST_EXPECT_TRUE(t, thread_waits_on(d, isr_thread));
    KTEST_EXPECT_EQ(t, pp.calls, 0);
    KeSetEvent(&pp.release, 0, FALSE);
    KTEST_EXPECT_TRUE(t, th_join(d, 10));
    KTEST_EXPECT_EQ(t, pp.calls, 1);
    KTEST_EXPECT_LT(t, pp.left_seq, disconnect_returned_seq); /* the ISR returned first */
    give_back(pdo);
}

/* ---- the edu driver's passive mode ---- */

static void restart_edu(PDEVICE_OBJECT pdo, unsigned flags)
{
    (void)io_device_stop(pdo);
    (void)io_device_start(pdo, IO_START_DRIVER | flags);
}

static void edu_driver_passive_mode(struct ktest *t)
{
    PDEVICE_OBJECT pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 1);
    if (!pdo || !edu_device(1))
        KTEST_SKIP(t, "needs -device edu,addr=07.0 started by its driver");
    edu_set_passive_mode(1);
    static const unsigned modes[] = {0, IO_START_NO_MSI}; /* its message (edge), its line (level) */
    for (unsigned m = 0; m < 2; m++) {
        /* On a line (IO_START_NO_MSI, or msi=off) the other drivers must leave it first:
         * assign the resources, free the line, then start the edu driver on it. */
        (void)io_device_stop(pdo);
        (void)io_device_start(pdo, modes[m]);
        free_the_line(pdo);
        (void)io_device_stop(pdo);
        (void)io_device_start(pdo, IO_START_DRIVER | modes[m]);
        PDEVICE_OBJECT edu = edu_device(1);
        KTEST_ASSERT_NOT_NULL(t, edu);
        KTEST_EXPECT_TRUE(t, edu_is_passive(edu));
        KTEST_EXPECT_EQ(t, edu_connection_version(edu), CONNECT_FULLY_SPECIFIED);
        KTEST_EXPECT_NOT_NULL(t, edu_interrupt(edu)->Passive);
        struct edu_counts before = {0}, after = {0};
        edu_get_counts(edu, &before);
        KTEST_EXPECT_EQ(t, edu_raise(edu, 0x10), STATUS_SUCCESS);
        uint64_t end = ke_tick_count + WAIT_TICKS;
        do {
            edu_get_counts(edu, &after); /* KeSynchronizeExecution: waits on the event */
        } while (after.dpc_calls == before.dpc_calls && ke_tick_count < end);
        KTEST_EXPECT_EQ(t, after.dpc_calls, before.dpc_calls + 1);
        KTEST_EXPECT_EQ(t, after.last_irql, PASSIVE_LEVEL);
        KTEST_EXPECT_TRUE(t, (after.status_seen & 0x10) != 0);
    }
    edu_set_passive_mode(-1);
    restart_edu(pdo, 0);
    give_back_the_line();
    KTEST_ASSERT_NOT_NULL(t, edu_device(1));
    KTEST_EXPECT_FALSE(t, edu_is_passive(edu_device(1)));
}

KTEST_SUITE(passive_interrupt, KTEST_CASE(level_isr_runs_in_a_thread_with_the_line_masked),
            KTEST_CASE(edge_during_the_isr_is_not_lost), KTEST_CASE(synchronize_execution_excludes_the_isr),
            KTEST_CASE(parameters_follow_the_wdk), KTEST_CASE(disconnect_waits_for_a_busy_isr),
            KTEST_CASE(edu_driver_passive_mode));
