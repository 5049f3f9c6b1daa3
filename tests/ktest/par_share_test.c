/* tests/ktest/par_share_test.c - the two client drivers sharing the port interrupt
 * (drivers/parprint/, drivers/parwatch/): a 4.5 KiB text with every byte value goes out with one
 * acknowledge interrupt per byte; with both clients connected both see the interrupts and only the
 * port's owner claims them (in either connection order); disconnecting one leaves the other
 * working and the last one takes the port interrupt away (the pin is masked); contention between
 * the clients (the second one's allocate pends and is cancelled by it after its timeout, or is
 * handed the port when the first frees it); a client that claims interrupts it does not own
 * starves the owner, whose ACK-timeout poll still finishes the job; an interrupt on a free port
 * taken at interrupt level; printing polled when the port refuses the interrupt.
 * The host-side check that the bytes arrive exactly is tests/e2e/test_parport.py. */
#include "drivers/parprint/parprint.h"
#include "drivers/parwatch/parwatch.h"
#include "kernel/io/irp.h"
#include "kernel/ke/ksyms.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/par_helpers.h"
#include "tests/ktest/thread_helpers.h"

#define WAIT_MS 1000

static UCHAR text[PAR_TEST_PATTERN_BYTES];

struct fixture {
    PDEVICE_OBJECT port;
    uint64_t pool;
    unsigned irps;
};

static bool set_up(struct ktest *t, struct fixture *f)
{
    f->pool = par_test_pool_bytes();
    f->irps = io_irps_outstanding();
    f->port = parport_device(0);
    if (!f->port) {
        ktest_skip(t, "no \\Device\\ParallelPort0 (QEMU without LPT1)");
        return false;
    }
    par_test_restore(f->port);
    parprint_reset_counts();
    parwatch_reset_counts();
    par_test_pattern(text, sizeof(text));
    return true;
}

static void tear_down(struct ktest *t, struct fixture *f)
{
    par_test_restore(f->port);
    struct parport_status s = par_test_status(f->port);
    KTEST_EXPECT_FALSE(t, s.allocated);
    KTEST_EXPECT_EQ(t, s.client_count, 0);
    KTEST_EXPECT_FALSE(t, s.connected);
    KTEST_EXPECT_TRUE(t, par_test_pin_masked(f->port));
    KTEST_EXPECT_EQ(t, io_irps_outstanding(), f->irps);
    KTEST_EXPECT_EQ(t, par_test_pool_bytes(), f->pool);
}

/* Every byte acknowledged once: by its interrupt, or (rarely, on a loaded host) by the poll. */
static void expect_one_interrupt_per_byte(struct ktest *t, ULONG bytes, uint64_t port_interrupts)
{
    struct parprint_counts c = {0};
    parprint_get_counts(&c);
    KTEST_EXPECT_EQ(t, c.last_status, STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, c.last_job_bytes, bytes);
    KTEST_EXPECT_EQ(t, c.last_job_interrupts + c.last_job_timeouts, bytes);
    if (c.last_job_timeouts == 0) {
        KTEST_EXPECT_EQ(t, port_interrupts, bytes); /* one strobe, one interrupt */
    } else {
        ktest_log(t, "%u of %u bytes needed the ACK-timeout poll (a slow host)", c.last_job_timeouts, bytes);
        KTEST_EXPECT_GE(t, port_interrupts, c.last_job_interrupts);
    }
}

static void a_4k_text_with_every_byte_value_goes_out_one_interrupt_per_byte(struct ktest *t)
{
    struct fixture f;
    if (!set_up(t, &f))
        return;
    struct parport_status before = par_test_status(f.port);
    KTEST_ASSERT_EQ(t, parprint_print(text, sizeof(text)), STATUS_SUCCESS);
    struct parport_status after = par_test_status(f.port);
    expect_one_interrupt_per_byte(t, sizeof(text), after.interrupts - before.interrupts);
    struct parprint_counts c = {0};
    parprint_get_counts(&c);
    if (c.last_job_timeouts == 0) /* a poll that raced a late interrupt leaves that one unclaimed */
        KTEST_EXPECT_EQ(t, after.unclaimed, before.unclaimed);
    KTEST_EXPECT_EQ(t, after.allocations, before.allocations + 1); /* one job, one allocation */
    KTEST_EXPECT_EQ(t, after.opens, before.opens + 1);
    KTEST_EXPECT_EQ(t, after.closes, before.closes + 1);
    tear_down(t, &f);
}

static void both_clients_see_the_interrupts_and_only_the_owner_claims(struct ktest *t)
{
    struct fixture f;
    if (!set_up(t, &f))
        return;
    /* parwatch first, so the port asks it before parprint. */
    KTEST_ASSERT_EQ(t, parwatch_start(PARWATCH_HONEST), STATUS_SUCCESS);
    KTEST_ASSERT_EQ(t, parprint_open(), STATUS_SUCCESS);
    KTEST_ASSERT_TRUE(t, parprint_interrupt_driven());
    struct parport_status s = par_test_status(f.port);
    KTEST_ASSERT_EQ(t, s.client_count, 2);
    KTEST_EXPECT_TRUE(t, s.clients[0].isr == parwatch_isr());
    KTEST_EXPECT_TRUE(t, s.clients[1].isr == parprint_isr());
    KTEST_EXPECT_EQ(t, ksym_address_of("ParWatchIsr"), (uint64_t)(uintptr_t)parwatch_isr()); /* `lpt status` names */

    ULONG n = 1024;
    KTEST_ASSERT_EQ(t, parprint_start(text, n), STATUS_SUCCESS);
    KTEST_ASSERT_EQ(t, parprint_wait(30000), STATUS_SUCCESS);
    struct parport_status after = par_test_status(f.port);
    expect_one_interrupt_per_byte(t, n, after.interrupts - s.interrupts);
    struct parwatch_counts w = {0};
    parwatch_get_counts(&w);
    /* The job's last interrupt freed the port at interrupt level; the port's DPC - maybe on
     * another CPU, late on a loaded host - then runs the deferred checks: wait for it (bounded). */
    for (int i = 0; i < 50000 && w.deferred_checks == 0; i++) {
        KeStallExecutionProcessor(100);
        parwatch_get_counts(&w);
    }
    KTEST_EXPECT_EQ(t, w.seen, after.interrupts - s.interrupts); /* parwatch saw every one ... */
    KTEST_EXPECT_EQ(t, w.claimed, 0);                            /* ... and claimed none: not its port */
    struct parprint_counts c = {0};
    parprint_get_counts(&c);
    if (c.last_job_timeouts == 0) {
        KTEST_EXPECT_EQ(t, after.clients[1].claims, after.clients[1].calls); /* parprint claimed all it saw */
        KTEST_EXPECT_EQ(t, after.unclaimed, s.unclaimed);
    }
    KTEST_EXPECT_GE(t, w.deferred_checks, 1); /* the job's end left the port idle */

    /* parwatch owns the port and raises an interrupt: it claims; parprint, after it, never sees it. */
    struct parprint_counts pc0 = {0}, pc1 = {0};
    parprint_get_counts(&pc0);
    KTEST_ASSERT_EQ(t, parwatch_allocate(), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, parwatch_ping(), STATUS_SUCCESS);
    parprint_get_counts(&pc1);
    KTEST_EXPECT_EQ(t, pc1.isr_calls, pc0.isr_calls);
    parwatch_free();

    /* The other order: parprint first. It sees parwatch's interrupt and declines it (no job). */
    parwatch_stop();
    KTEST_ASSERT_EQ(t, parwatch_start(PARWATCH_HONEST), STATUS_SUCCESS);
    s = par_test_status(f.port);
    KTEST_EXPECT_TRUE(t, s.clients[0].isr == parprint_isr());
    KTEST_ASSERT_EQ(t, parwatch_allocate(), STATUS_SUCCESS);
    parprint_get_counts(&pc0);
    parwatch_get_counts(&w);
    KTEST_EXPECT_EQ(t, parwatch_ping(), STATUS_SUCCESS);
    parprint_get_counts(&pc1);
    KTEST_EXPECT_EQ(t, pc1.isr_calls, pc0.isr_calls + 1);
    KTEST_EXPECT_EQ(t, pc1.interrupts, pc0.interrupts);
    parwatch_free();
    /* ... and while parprint prints, parwatch (now second) sees none of parprint's interrupts. */
    uint64_t seen = w.seen + 1;
    KTEST_ASSERT_EQ(t, parprint_start(text, 100), STATUS_SUCCESS);
    KTEST_ASSERT_EQ(t, parprint_wait(30000), STATUS_SUCCESS);
    parwatch_get_counts(&w);
    KTEST_EXPECT_EQ(t, w.seen, seen);
    tear_down(t, &f);
}

static void one_client_leaves_and_the_other_keeps_working(struct ktest *t)
{
    struct fixture f;
    if (!set_up(t, &f))
        return;
    KTEST_ASSERT_EQ(t, parwatch_start(PARWATCH_HONEST), STATUS_SUCCESS);
    KTEST_ASSERT_EQ(t, parprint_open(), STATUS_SUCCESS);
    KTEST_EXPECT_FALSE(t, par_test_pin_masked(f.port));

    /* parwatch leaves: parprint still prints by interrupt. */
    parwatch_stop();
    struct parport_status s = par_test_status(f.port);
    KTEST_EXPECT_TRUE(t, s.connected);
    KTEST_EXPECT_EQ(t, s.client_count, 1);
    KTEST_EXPECT_FALSE(t, par_test_pin_masked(f.port));
    KTEST_ASSERT_EQ(t, parprint_start(text, 512), STATUS_SUCCESS);
    KTEST_ASSERT_EQ(t, parprint_wait(30000), STATUS_SUCCESS);
    expect_one_interrupt_per_byte(t, 512, par_test_status(f.port).interrupts - s.interrupts);

    /* parwatch back, parprint leaves: parwatch's interrupts still arrive. */
    KTEST_ASSERT_EQ(t, parwatch_start(PARWATCH_HONEST), STATUS_SUCCESS);
    parprint_close();
    KTEST_EXPECT_EQ(t, par_test_status(f.port).client_count, 1);
    KTEST_ASSERT_EQ(t, parwatch_allocate(), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, parwatch_ping(), STATUS_SUCCESS);
    parwatch_free();

    /* The last client leaves: no port interrupt, the pin masked. */
    parwatch_stop();
    s = par_test_status(f.port);
    KTEST_EXPECT_FALSE(t, s.connected);
    KTEST_EXPECT_TRUE(t, par_test_pin_masked(f.port));
    tear_down(t, &f);
}

static void the_second_client_waits_and_is_cancelled(struct ktest *t)
{
    struct fixture f;
    if (!set_up(t, &f))
        return;
    KTEST_ASSERT_EQ(t, parwatch_start(PARWATCH_HONEST), STATUS_SUCCESS);
    KTEST_ASSERT_EQ(t, parwatch_allocate(), STATUS_SUCCESS);
    KTEST_EXPECT_TRUE(t, par_test_status(f.port).allocated);
    /* parwatch holds the port; parprint's allocate pends in the queue, and parprint cancels it
     * (IoCancelIrp) after its allocate timeout, as a Windows client does with a request that
     * waits too long. Nothing is printed. */
    parprint_set_allocate_timeout(50);
    struct parport_status before = par_test_status(f.port);
    KTEST_EXPECT_EQ(t, parprint_print(text, 64), STATUS_CANCELLED);
    struct parport_status after = par_test_status(f.port);
    KTEST_EXPECT_EQ(t, after.waits, before.waits + 1);
    KTEST_EXPECT_EQ(t, after.cancellations, before.cancellations + 1);
    KTEST_EXPECT_EQ(t, after.interrupts, before.interrupts);
    KTEST_EXPECT_TRUE(t, parwatch_owns_port());
    KTEST_EXPECT_FALSE(t, parprint_owns_port());
    /* TryAllocatePort (parwatch's view of a second try) fails the same way, without waiting. */
    KTEST_EXPECT_FALSE(t, parwatch_try_allocate());
    struct parwatch_counts w0 = {0}, w1 = {0};
    parwatch_get_counts(&w0);
    KTEST_EXPECT_EQ(t, parwatch_free_request(), STATUS_SUCCESS); /* the request form of the free */
    parwatch_get_counts(&w1);
    KTEST_EXPECT_EQ(t, w1.deferred_checks, w0.deferred_checks + 1); /* idle again: its check ran */
    tear_down(t, &f);
}

/* A system thread: free parwatch's port as soon as someone waits for it. */
static volatile uint64_t freed;
static volatile ULONG waiters_seen;
static VOID free_parwatch_port_when_waited_for(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    for (int i = 0; i < 2000 && !waiters_seen; i++) {
        waiters_seen = parwatch_query_waiters(); /* QueryNumWaiters */
        LARGE_INTEGER tick;
        tick.QuadPart = -10000; /* 1 ms */
        (void)KeDelayExecutionThread(KernelMode, FALSE, &tick);
    }
    parwatch_free(); /* FreePort: hands the port to the waiter, completes its request */
    __atomic_store_n(&freed, 1, __ATOMIC_RELEASE);
}

static void the_second_client_waits_and_gets_the_port(struct ktest *t)
{
    struct fixture f;
    if (!set_up(t, &f))
        return;
    KTEST_ASSERT_EQ(t, parwatch_start(PARWATCH_HONEST), STATUS_SUCCESS);
    KTEST_ASSERT_EQ(t, parwatch_allocate(), STATUS_SUCCESS);
    struct parport_status before = par_test_status(f.port);
    freed = 0;
    waiters_seen = 0;
    parprint_set_allocate_timeout(20000); /* patient: the free comes */
    PKTHREAD freer = th_start(free_parwatch_port_when_waited_for, NULL, 8, 0);
    KTEST_ASSERT_NOT_NULL(t, freer);
    KTEST_EXPECT_EQ(t, parprint_print(text, 256), STATUS_SUCCESS); /* pends, gets the port, prints */
    KTEST_EXPECT_TRUE(t, th_join(freer, 20));
    KTEST_EXPECT_EQ(t, freed, 1);
    KTEST_EXPECT_EQ(t, waiters_seen, 1);
    struct parport_status after = par_test_status(f.port);
    KTEST_EXPECT_EQ(t, after.handovers, before.handovers + 1);
    KTEST_EXPECT_EQ(t, after.cancellations, before.cancellations);
    struct parprint_counts c = {0};
    parprint_get_counts(&c);
    KTEST_EXPECT_EQ(t, c.last_job_bytes, 256);
    tear_down(t, &f);
}

static void a_greedy_client_starves_the_owner_until_its_timeout(struct ktest *t)
{
    struct fixture f;
    if (!set_up(t, &f))
        return;
    /* parwatch claims every interrupt, first in line: parprint never hears an acknowledge. */
    KTEST_ASSERT_EQ(t, parwatch_start(PARWATCH_GREEDY), STATUS_SUCCESS);
    KTEST_ASSERT_EQ(t, parprint_open(), STATUS_SUCCESS);
    parprint_set_ack_timeout(2);
    ULONG n = 32;
    KTEST_EXPECT_EQ(t, parprint_start(text, n), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, parprint_wait(30000), STATUS_SUCCESS); /* still complete: the poll moved it on */
    struct parprint_counts c = {0};
    parprint_get_counts(&c);
    KTEST_EXPECT_EQ(t, c.last_job_bytes, n);
    KTEST_EXPECT_EQ(t, c.last_job_interrupts, 0);
    KTEST_EXPECT_EQ(t, c.last_job_timeouts, n);
    KTEST_EXPECT_EQ(t, c.isr_calls, 0); /* the port stopped at parwatch's TRUE every time */
    struct parwatch_counts w = {0};
    parwatch_get_counts(&w);
    /* One interrupt per byte was raised, and parwatch took what arrived; with the interrupt on
     * another CPU, edges that come while one is still pending there merge, so "some", not "n". */
    KTEST_EXPECT_GE(t, w.claimed, 1);
    KTEST_EXPECT_EQ(t, w.claimed, w.seen);
    tear_down(t, &f);
}

static void an_interrupt_on_a_free_port_is_taken_at_interrupt_level(struct ktest *t)
{
    struct fixture f;
    if (!set_up(t, &f))
        return;
    KTEST_ASSERT_EQ(t, parwatch_start(PARWATCH_GRAB), STATUS_SUCCESS);
    KTEST_ASSERT_EQ(t, parprint_open(), STATUS_SUCCESS);
    struct parwatch_counts w = {0};
    parwatch_get_counts(&w);
    uint64_t deferred = w.deferred_checks;
    /* The port is free and a device on it interrupts: parwatch takes the port at DIRQL
     * (TryAllocatePortAtInterruptLevel), services it, frees it (FreePortFromInterruptLevel); the
     * port's DPC then runs the idle checks. */
    par_test_raise_unsolicited(f.port);
    for (int i = 0; i < WAIT_MS * 10; i++) {
        parwatch_get_counts(&w);
        if (w.grabs && w.deferred_checks > deferred)
            break;
        KeStallExecutionProcessor(100);
    }
    KTEST_EXPECT_EQ(t, w.grabs, 1);
    KTEST_EXPECT_EQ(t, w.claimed, 1);
    KTEST_EXPECT_EQ(t, w.deferred_checks, deferred + 1);
    KTEST_EXPECT_FALSE(t, par_test_status(f.port).allocated);

    /* While parprint prints, the port is not free: parwatch cannot take it and lets every
     * interrupt through to parprint. */
    KTEST_ASSERT_EQ(t, parprint_start(text, 200), STATUS_SUCCESS);
    KTEST_ASSERT_EQ(t, parprint_wait(30000), STATUS_SUCCESS);
    parwatch_get_counts(&w);
    KTEST_EXPECT_EQ(t, w.grabs, 1);
    KTEST_EXPECT_EQ(t, w.claimed, 1);
    struct parprint_counts c = {0};
    parprint_get_counts(&c);
    KTEST_EXPECT_EQ(t, c.last_job_interrupts + c.last_job_timeouts, 200);
    tear_down(t, &f);
}

static void printing_is_polled_when_the_port_refuses_the_interrupt(struct ktest *t)
{
    struct fixture f;
    if (!set_up(t, &f))
        return;
    parport_set_connect_enabled(f.port, false);
    struct parport_status before = par_test_status(f.port);
    KTEST_ASSERT_EQ(t, parprint_open(), STATUS_SUCCESS);
    KTEST_EXPECT_FALSE(t, parprint_interrupt_driven());
    KTEST_EXPECT_FALSE(t, par_test_status(f.port).connected);
    KTEST_EXPECT_TRUE(t, par_test_pin_masked(f.port));
    KTEST_EXPECT_EQ(t, parprint_start(text, 300), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, parprint_wait(30000), STATUS_SUCCESS);
    parprint_close();
    struct parprint_counts c = {0};
    parprint_get_counts(&c);
    KTEST_EXPECT_EQ(t, c.polled_jobs, 1);
    KTEST_EXPECT_EQ(t, c.last_job_bytes, 300);
    KTEST_EXPECT_EQ(t, c.interrupts, 0);
    KTEST_EXPECT_EQ(t, par_test_status(f.port).interrupts, before.interrupts);
    tear_down(t, &f);
}

KTEST_SUITE(par_share, KTEST_CASE(a_4k_text_with_every_byte_value_goes_out_one_interrupt_per_byte),
            KTEST_CASE(both_clients_see_the_interrupts_and_only_the_owner_claims),
            KTEST_CASE(one_client_leaves_and_the_other_keeps_working),
            KTEST_CASE(the_second_client_waits_and_is_cancelled), KTEST_CASE(the_second_client_waits_and_gets_the_port),
            KTEST_CASE(a_greedy_client_starves_the_owner_until_its_timeout),
            KTEST_CASE(an_interrupt_on_a_free_port_is_taken_at_interrupt_level),
            KTEST_CASE(printing_is_polled_when_the_port_refuses_the_interrupt));
