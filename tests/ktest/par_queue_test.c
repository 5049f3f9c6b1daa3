/* tests/ktest/par_queue_test.c - IOCTL_INTERNAL_PARALLEL_PORT_ALLOCATE on a busy port pends in the
 * port's queue, as on Windows ("Synchronizing the Use of a ParallelPort"): three clients queue
 * behind the owner (STATUS_PENDING), one cancels (IoCancelIrp: STATUS_CANCELLED, out of the
 * queue), and each free - the callback, the FREE request - hands the port to the oldest remaining
 * request, completing it with STATUS_SUCCESS, in order; closing the last of them leaves the port
 * idle. On several CPUs, a cancel racing the free that would grant the request completes it
 * exactly once, either way, with the port's state matching the outcome and no IRP lost. */
#include "kernel/io/irp.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/par_helpers.h"
#include "tests/ktest/thread_helpers.h"

#define CLIENTS 3

struct fixture {
    PDEVICE_OBJECT port;
    PFILE_OBJECT file[CLIENTS];
    PARALLEL_PORT_INFORMATION info;
    uint64_t pool;
    unsigned irps;
};

static bool set_up(struct ktest *t, struct fixture *f)
{
    *f = (struct fixture){.pool = par_test_pool_bytes(), .irps = io_irps_outstanding()};
    f->port = parport_device(0);
    if (!f->port) {
        ktest_skip(t, "no \\Device\\ParallelPort0 (QEMU without LPT1)");
        return false;
    }
    par_test_restore(f->port);
    for (int i = 0; i < CLIENTS; i++)
        if (!par_test_open(&f->file[i])) {
            ktest_fail(t, __FILE__, __LINE__, "cannot open the port");
            return false;
        }
    if (!NT_SUCCESS(par_test_ioctl(f->port, f->file[0], IOCTL_INTERNAL_GET_PARALLEL_PORT_INFO, NULL, 0, &f->info,
                                   sizeof(f->info), NULL))) {
        ktest_fail(t, __FILE__, __LINE__, "no port information");
        return false;
    }
    return true;
}

static void tear_down(struct ktest *t, struct fixture *f)
{
    for (int i = 0; i < CLIENTS; i++)
        par_test_close(f->file[i]);
    par_test_restore(f->port);
    struct parport_status s = par_test_status(f->port);
    KTEST_EXPECT_FALSE(t, s.allocated);
    KTEST_EXPECT_EQ(t, s.waiters, 0);
    KTEST_EXPECT_EQ(t, io_irps_outstanding(), f->irps);
    KTEST_EXPECT_EQ(t, par_test_pool_bytes(), f->pool);
    KTEST_EXPECT_FALSE(t, par_test_request_mismatch);
}

static void queued_requests_are_granted_in_order_and_cancel_leaves_the_queue(struct ktest *t)
{
    struct fixture f;
    if (!set_up(t, &f))
        return;
    struct parport_status before = par_test_status(f.port);
    KTEST_ASSERT_TRUE(t, f.info.TryAllocatePort(f.info.Context)); /* the owner: a callback */

    struct par_test_allocate a[CLIENTS];
    for (int i = 0; i < CLIENTS; i++)
        KTEST_ASSERT_EQ(t, par_test_allocate_send(f.port, f.file[i], &a[i]), STATUS_PENDING);
    KTEST_EXPECT_EQ(t, f.info.QueryNumWaiters(f.info.Context), CLIENTS);

    /* The middle one gives up. */
    KTEST_EXPECT_TRUE(t, IoCancelIrp(a[1].irp));
    KTEST_EXPECT_EQ(t, par_test_allocate_finish(&a[1]), STATUS_CANCELLED);
    KTEST_EXPECT_EQ(t, f.info.QueryNumWaiters(f.info.Context), CLIENTS - 1);

    /* The owner frees: the oldest request gets the port, the other one still waits. */
    f.info.FreePort(f.info.Context);
    KTEST_EXPECT_EQ(t, par_test_allocate_finish(&a[0]), STATUS_SUCCESS);
    struct parport_status s = par_test_status(f.port);
    KTEST_EXPECT_TRUE(t, s.allocated && s.owner_tag == f.file[0]);
    KTEST_EXPECT_EQ(t, s.waiters, 1);
    KTEST_EXPECT_FALSE(t, KeReadStateEvent(&a[2].done));

    /* The new owner frees with the request: the last one gets it. */
    KTEST_EXPECT_EQ(t, par_test_ioctl(f.port, f.file[0], IOCTL_INTERNAL_PARALLEL_PORT_FREE, NULL, 0, NULL, 0, NULL),
                    STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, par_test_allocate_finish(&a[2]), STATUS_SUCCESS);
    s = par_test_status(f.port);
    KTEST_EXPECT_TRUE(t, s.allocated && s.owner_tag == f.file[2]);
    KTEST_EXPECT_TRUE(t, a[1].completed < a[0].completed && a[0].completed < a[2].completed);
    for (int i = 0; i < CLIENTS; i++)
        KTEST_EXPECT_EQ(t, a[i].completions, 1);
    KTEST_EXPECT_EQ(t, s.waits, before.waits + CLIENTS);
    KTEST_EXPECT_EQ(t, s.handovers, before.handovers + 2);
    KTEST_EXPECT_EQ(t, s.cancellations, before.cancellations + 1);

    KTEST_EXPECT_EQ(t, par_test_ioctl(f.port, f.file[2], IOCTL_INTERNAL_PARALLEL_PORT_FREE, NULL, 0, NULL, 0, NULL),
                    STATUS_SUCCESS);
    KTEST_EXPECT_FALSE(t, par_test_status(f.port).allocated); /* nobody waits: idle */
    tear_down(t, &f);
}

/* ---- cancel racing the free ---- */

#define RACE_ROUNDS 100

static struct {
    PARALLEL_PORT_INFORMATION *info;
    volatile uint64_t started, go, done;
    ULONG jitter_us; /* how late the free starts: sweeps the window in which the two collide */
} race;

static VOID free_on_the_shot(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    __atomic_store_n(&race.started, 1, __ATOMIC_RELEASE);
    if (Context) /* another CPU: wait for the shot (bounded) */
        (void)th_spin_until(&race.go, 1000);
    KeStallExecutionProcessor(race.jitter_us);
    race.info->FreePort(race.info->Context);
    __atomic_store_n(&race.done, 1, __ATOMIC_RELEASE);
}

static void a_cancel_racing_the_free_completes_once(struct ktest *t)
{
    struct fixture f;
    if (!set_up(t, &f))
        return;
    (void)th_pin_here();
    bool smp = KeNumberProcessors > 1;
    KDPC dpc;
    KeInitializeDpc(&dpc, free_on_the_shot, smp ? (PVOID)1 : NULL);
    KeSetTargetProcessorDpc(&dpc, (CCHAR)((KeGetCurrentProcessorNumber() + 1) % (ULONG)KeNumberProcessors));
    race.info = &f.info;
    unsigned granted = 0, cancelled = 0;
    for (unsigned round = 0; round < RACE_ROUNDS && !t->failed; round++) {
        KTEST_ASSERT_TRUE(t, f.info.TryAllocatePort(f.info.Context));
        struct par_test_allocate a;
        KTEST_ASSERT_EQ(t, par_test_allocate_send(f.port, f.file[0], &a), STATUS_PENDING);
        race.started = race.go = race.done = 0;
        race.jitter_us = round % 20;
        KTEST_EXPECT_TRUE(t, KeInsertQueueDpc(&dpc, NULL, NULL));
        if (smp)
            KTEST_EXPECT_TRUE(t, th_spin_until(&race.started, 2000));
        __atomic_store_n(&race.go, 1, __ATOMIC_RELEASE);
        (void)IoCancelIrp(a.irp);
        NTSTATUS status = par_test_allocate_finish(&a);
        KTEST_EXPECT_TRUE(t, th_spin_until(&race.done, 2000));
        KTEST_EXPECT_EQ(t, a.completions, 1);
        struct parport_status s = par_test_status(f.port);
        KTEST_EXPECT_EQ(t, s.waiters, 0);
        if (status == STATUS_SUCCESS) {
            granted++;
            KTEST_EXPECT_TRUE(t, s.allocated && s.owner_tag == f.file[0]);
            f.info.FreePort(f.info.Context);
        } else {
            KTEST_EXPECT_EQ(t, status, STATUS_CANCELLED);
            cancelled++;
            KTEST_EXPECT_FALSE(t, s.allocated); /* the free found nobody to hand it to */
        }
    }
    th_unpin();
    ktest_log(t, "%u rounds: %u granted, %u cancelled", RACE_ROUNDS, granted, cancelled);
    KTEST_EXPECT_EQ(t, granted + cancelled, RACE_ROUNDS);
    tear_down(t, &f);
}

KTEST_SUITE(par_queue, KTEST_CASE(queued_requests_are_granted_in_order_and_cancel_leaves_the_queue),
            KTEST_CASE(a_cancel_racing_the_free_completes_once));
