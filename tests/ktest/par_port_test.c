/* tests/ktest/par_port_test.c - the parallel port driver's requests (drivers/parport/), sent the way
 * a client driver sends them, with test ISRs of its own: port information, every buffer check
 * (STATUS_BUFFER_TOO_SMALL for connect and disconnect), unknown codes and the wrong major
 * function, connecting and disconnecting the port interrupt (the IOAPIC pin unmasked with the
 * first client, masked after the last), disconnecting an ISR that was never connected, connecting
 * one twice, the connect switch, ownership by callbacks and requests, deferred port checks, the
 * interrupt-level allocate and free, and allocate contention (a busy port queues the request:
 * STATUS_PENDING, cancelled by its sender with IoCancelIrp, granted by a free at DISPATCH_LEVEL,
 * and handed over by a free from interrupt level on another CPU).
 * Skips itself without LPT1; leaves the port as it found it; checks for leaks. */
#include "drivers/parport/lpt_hw.h"
#include "kernel/io/irp.h"
#include "kernel/lib/string.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/par_helpers.h"

#define WAIT_MS 1000
#define ISR_IN ((ULONG)sizeof(PARALLEL_INTERRUPT_SERVICE_ROUTINE))
#define ISR_OUT ((ULONG)sizeof(PARALLEL_INTERRUPT_INFORMATION))

/* A test client: claims an interrupt only while it owns the port. */
struct client {
    PUCHAR base;
    volatile BOOLEAN owns;
    volatile uint64_t calls, claims, deferred;
};

static BOOLEAN client_isr(PKINTERRUPT Interrupt, PVOID Context)
{
    UNREFERENCED_PARAMETER(Interrupt);
    struct client *c = Context;
    c->calls++;
    if (!c->owns)
        return FALSE;
    (void)LptAcknowledge(c->base);
    c->claims++;
    return TRUE;
}

static VOID client_deferred(PVOID Context) { ((struct client *)Context)->deferred++; }

static PARALLEL_INTERRUPT_SERVICE_ROUTINE isr_of(struct client *c, bool deferred)
{
    PARALLEL_INTERRUPT_SERVICE_ROUTINE r = {client_isr, c, deferred ? client_deferred : NULL, deferred ? c : NULL};
    return r;
}

static NTSTATUS connect(PDEVICE_OBJECT port, PFILE_OBJECT file, PARALLEL_INTERRUPT_SERVICE_ROUTINE r,
                        PARALLEL_INTERRUPT_INFORMATION *out, ULONG_PTR *information)
{
    return par_test_ioctl(port, file, IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT, &r, ISR_IN, out, ISR_OUT, information);
}

static NTSTATUS disconnect(PDEVICE_OBJECT port, PFILE_OBJECT file, PARALLEL_INTERRUPT_SERVICE_ROUTINE r)
{
    return par_test_ioctl(port, file, IOCTL_INTERNAL_PARALLEL_DISCONNECT_INTERRUPT, &r, ISR_IN, NULL, 0, NULL);
}

static bool get_info(PDEVICE_OBJECT port, PFILE_OBJECT file, PARALLEL_PORT_INFORMATION *info)
{
    return NT_SUCCESS(
        par_test_ioctl(port, file, IOCTL_INTERNAL_GET_PARALLEL_PORT_INFO, NULL, 0, info, sizeof(*info), NULL));
}

/* Raise the port interrupt while `c` owns the port; true once it claimed it. */
static bool ping(PDEVICE_OBJECT port, struct client *c)
{
    uint64_t before = c->claims;
    par_test_raise_unsolicited(port);
    return io_test_wait(&c->claims, before + 1, WAIT_MS);
}

struct fixture {
    PDEVICE_OBJECT port;
    PFILE_OBJECT file;
    PARALLEL_PORT_INFORMATION info;
    uint64_t pool;
    unsigned irps;
};

static bool set_up(struct ktest *t, struct fixture *f)
{
    par_test_request_mismatch = false;
    f->pool = par_test_pool_bytes();
    f->irps = io_irps_outstanding();
    f->port = par_test_open(&f->file);
    if (!f->port) {
        ktest_skip(t, "no \\Device\\ParallelPort0 (QEMU without LPT1)");
        return false;
    }
    if (!get_info(f->port, f->file, &f->info)) {
        ktest_fail(t, __FILE__, __LINE__, "GET_PARALLEL_PORT_INFO failed");
        par_test_close(f->file);
        return false;
    }
    return true;
}

static void tear_down(struct ktest *t, struct fixture *f)
{
    struct parport_status s = par_test_status(f->port);
    KTEST_EXPECT_FALSE(t, s.allocated);
    KTEST_EXPECT_EQ(t, s.client_count, 0);
    KTEST_EXPECT_FALSE(t, s.connected);
    KTEST_EXPECT_TRUE(t, par_test_pin_masked(f->port));
    par_test_close(f->file);
    par_test_restore(f->port);
    KTEST_EXPECT_FALSE(t, par_test_request_mismatch); /* every event set, every status block right */
    KTEST_EXPECT_EQ(t, io_irps_outstanding(), f->irps);
    KTEST_EXPECT_EQ(t, par_test_pool_bytes(), f->pool);
}

static void port_information_describes_lpt1(struct ktest *t)
{
    struct fixture f;
    if (!set_up(t, &f))
        return;
    ULONG_PTR information = 0;
    PARALLEL_PORT_INFORMATION info;
    memset(&info, 0xAA, sizeof(info));
    KTEST_EXPECT_EQ(t,
                    par_test_ioctl(f.port, f.file, IOCTL_INTERNAL_GET_PARALLEL_PORT_INFO, NULL, 0, &info, sizeof(info),
                                   &information),
                    STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, information, sizeof(info));
    KTEST_EXPECT_EQ(t, info.OriginalController.QuadPart, 0x378);
    KTEST_EXPECT_EQ(t, (ULONG_PTR)info.Controller, 0x378);
    KTEST_EXPECT_EQ(t, info.SpanOfController, 8);
    KTEST_EXPECT_NOT_NULL(t, info.TryAllocatePort);
    KTEST_EXPECT_NOT_NULL(t, info.FreePort);
    KTEST_EXPECT_NOT_NULL(t, info.QueryNumWaiters);
    KTEST_EXPECT_NOT_NULL(t, info.Context);

    /* One byte short: STATUS_BUFFER_TOO_SMALL, Information 0, the buffer untouched. */
    memset(&info, 0xAA, sizeof(info));
    information = 77;
    KTEST_EXPECT_EQ(t,
                    par_test_ioctl(f.port, f.file, IOCTL_INTERNAL_GET_PARALLEL_PORT_INFO, NULL, 0, &info,
                                   sizeof(info) - 1, &information),
                    STATUS_BUFFER_TOO_SMALL);
    KTEST_EXPECT_EQ(t, information, 0);
    KTEST_EXPECT_EQ(t, ((UCHAR *)&info)[0], 0xAA);

    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(parport_pdo(f.port), 0, false);
    KTEST_ASSERT_NOT_NULL(t, d);
    MORE_PARALLEL_PORT_INFORMATION more = {0};
    KTEST_EXPECT_EQ(t,
                    par_test_ioctl(f.port, f.file, IOCTL_INTERNAL_GET_MORE_PARALLEL_PORT_INFO, NULL, 0, &more,
                                   sizeof(more), &information),
                    STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, information, sizeof(more));
    KTEST_EXPECT_EQ(t, more.InterfaceType, Isa);
    KTEST_EXPECT_EQ(t, more.InterruptVector, io_test_vector(d));
    KTEST_EXPECT_EQ(t, more.InterruptLevel, io_test_level(d));
    KTEST_EXPECT_EQ(t, more.InterruptMode, Latched);
    KTEST_EXPECT_EQ(t,
                    par_test_ioctl(f.port, f.file, IOCTL_INTERNAL_RELEASE_PARALLEL_PORT_INFO, NULL, 0, NULL, 0, NULL),
                    STATUS_SUCCESS);
    tear_down(t, &f);
}

static void unknown_codes_and_the_wrong_major_function(struct ktest *t)
{
    struct fixture f;
    if (!set_up(t, &f))
        return;
    ULONG unknown = CTL_CODE(FILE_DEVICE_PARALLEL_PORT, 16, METHOD_BUFFERED, FILE_ANY_ACCESS);
    KTEST_EXPECT_EQ(t, par_test_ioctl(f.port, f.file, unknown, NULL, 0, NULL, 0, NULL), STATUS_INVALID_DEVICE_REQUEST);
    /* The requests are internal: sent as IRP_MJ_DEVICE_CONTROL nobody handles them. */
    KTEST_EXPECT_EQ(
        t, par_test_request(f.port, f.file, IOCTL_INTERNAL_PARALLEL_PORT_ALLOCATE, NULL, 0, NULL, 0, FALSE, NULL),
        STATUS_INVALID_DEVICE_REQUEST);
    KTEST_EXPECT_FALSE(t, par_test_status(f.port).allocated);
    tear_down(t, &f);
}

static void connect_and_disconnect_check_their_buffers(struct ktest *t)
{
    struct fixture f;
    if (!set_up(t, &f))
        return;
    struct client a = {.base = f.info.Controller};
    PARALLEL_INTERRUPT_SERVICE_ROUTINE in = isr_of(&a, false);
    PARALLEL_INTERRUPT_INFORMATION out;
    ULONG_PTR information = 99;
    ULONG code = IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT;
    KTEST_EXPECT_EQ(t, par_test_ioctl(f.port, f.file, code, &in, ISR_IN - 1, &out, ISR_OUT, &information),
                    STATUS_BUFFER_TOO_SMALL);
    KTEST_EXPECT_EQ(t, information, 0);
    KTEST_EXPECT_EQ(t, par_test_ioctl(f.port, f.file, code, &in, ISR_IN, &out, ISR_OUT - 1, &information),
                    STATUS_BUFFER_TOO_SMALL);
    KTEST_EXPECT_EQ(t, par_test_ioctl(f.port, f.file, code, NULL, 0, NULL, 0, &information), STATUS_BUFFER_TOO_SMALL);
    KTEST_EXPECT_EQ(t, par_test_ioctl(f.port, f.file, code, &in, ISR_IN, NULL, 0, &information),
                    STATUS_BUFFER_TOO_SMALL);
    /* Nothing got connected by any of them. */
    struct parport_status s = par_test_status(f.port);
    KTEST_EXPECT_EQ(t, s.client_count, 0);
    KTEST_EXPECT_FALSE(t, s.connected);
    KTEST_EXPECT_TRUE(t, par_test_pin_masked(f.port));

    /* Disconnect: the input one byte short, or missing. */
    KTEST_ASSERT_EQ(t, connect(f.port, f.file, in, &out, NULL), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t,
                    par_test_ioctl(f.port, f.file, IOCTL_INTERNAL_PARALLEL_DISCONNECT_INTERRUPT, &in, ISR_IN - 1, NULL,
                                   0, &information),
                    STATUS_BUFFER_TOO_SMALL);
    KTEST_EXPECT_EQ(
        t, par_test_ioctl(f.port, f.file, IOCTL_INTERNAL_PARALLEL_DISCONNECT_INTERRUPT, NULL, 0, NULL, 0, &information),
        STATUS_BUFFER_TOO_SMALL);
    KTEST_EXPECT_EQ(t, par_test_status(f.port).client_count, 1); /* still connected */
    KTEST_EXPECT_EQ(t, disconnect(f.port, f.file, in), STATUS_SUCCESS);
    tear_down(t, &f);
}

static void the_port_interrupt_follows_its_clients(struct ktest *t)
{
    struct fixture f;
    if (!set_up(t, &f))
        return;
    struct client a = {.base = f.info.Controller}, b = {.base = f.info.Controller};
    PARALLEL_INTERRUPT_INFORMATION out_a, out_b;
    ULONG_PTR information = 0;
    KTEST_EXPECT_TRUE(t, par_test_pin_masked(f.port));

    /* First client: the port connects its interrupt; the pin is unmasked. */
    KTEST_ASSERT_EQ(t, connect(f.port, f.file, isr_of(&a, false), &out_a, &information), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, information, ISR_OUT);
    KTEST_EXPECT_NOT_NULL(t, out_a.InterruptObject);
    KTEST_EXPECT_NOT_NULL(t, out_a.TryAllocatePortAtInterruptLevel);
    KTEST_EXPECT_NOT_NULL(t, out_a.FreePortFromInterruptLevel);
    KTEST_EXPECT_TRUE(t, out_a.Context == f.info.Context);
    struct parport_status s = par_test_status(f.port);
    KTEST_EXPECT_TRUE(t, s.connected);
    KTEST_EXPECT_EQ(t, s.client_count, 1);
    KTEST_EXPECT_FALSE(t, par_test_pin_masked(f.port));

    /* Second client: the same interrupt object. */
    KTEST_ASSERT_EQ(t, connect(f.port, f.file, isr_of(&b, true), &out_b, NULL), STATUS_SUCCESS);
    KTEST_EXPECT_TRUE(t, out_b.InterruptObject == out_a.InterruptObject);
    KTEST_EXPECT_EQ(t, par_test_status(f.port).client_count, 2);

    /* a owns the port: a claims, b (called after a) never sees it. */
    uint64_t interrupts = par_test_status(f.port).interrupts;
    KTEST_ASSERT_TRUE(t, f.info.TryAllocatePort(f.info.Context));
    a.owns = TRUE;
    KTEST_EXPECT_TRUE(t, ping(f.port, &a));
    KTEST_EXPECT_EQ(t, a.calls, 1);
    KTEST_EXPECT_EQ(t, b.calls, 0);
    a.owns = FALSE;
    f.info.FreePort(f.info.Context);
    KTEST_EXPECT_EQ(t, b.deferred, 1); /* the port went idle: b's deferred port check ran */

    /* b owns it: a is asked first and declines, b claims. */
    KTEST_ASSERT_TRUE(t, f.info.TryAllocatePort(f.info.Context));
    b.owns = TRUE;
    KTEST_EXPECT_TRUE(t, ping(f.port, &b));
    KTEST_EXPECT_EQ(t, a.calls, 2);
    KTEST_EXPECT_EQ(t, a.claims, 1);
    KTEST_EXPECT_EQ(t, b.calls, 1);
    s = par_test_status(f.port);
    KTEST_EXPECT_EQ(t, s.interrupts, interrupts + 2);
    KTEST_EXPECT_EQ(t, s.unclaimed, par_test_status(f.port).unclaimed);
    KTEST_ASSERT_EQ(t, s.client_count, 2);
    KTEST_EXPECT_TRUE(t, s.clients[0].isr == client_isr && s.clients[0].isr_context == &a); /* connection order */
    KTEST_EXPECT_TRUE(t, s.clients[1].isr_context == &b);
    KTEST_EXPECT_EQ(t, s.clients[0].calls, 2);
    KTEST_EXPECT_EQ(t, s.clients[0].claims, 1);
    KTEST_EXPECT_EQ(t, s.clients[1].claims, 1);
    KTEST_EXPECT_EQ(t, s.clients[1].deferred_calls, 1);

    /* Disconnecting a leaves b working on the same interrupt. */
    KTEST_EXPECT_EQ(t, disconnect(f.port, f.file, isr_of(&a, false)), STATUS_SUCCESS);
    KTEST_EXPECT_TRUE(t, par_test_status(f.port).connected);
    KTEST_EXPECT_FALSE(t, par_test_pin_masked(f.port));
    KTEST_EXPECT_TRUE(t, ping(f.port, &b));
    KTEST_EXPECT_EQ(t, a.calls, 2); /* gone: never called again */
    b.owns = FALSE;
    f.info.FreePort(f.info.Context);

    /* The last one leaves: the port disconnects its interrupt and the pin is masked again. */
    KTEST_EXPECT_EQ(t, disconnect(f.port, f.file, isr_of(&b, true)), STATUS_SUCCESS);
    KTEST_EXPECT_FALSE(t, par_test_status(f.port).connected);
    KTEST_EXPECT_TRUE(t, par_test_pin_masked(f.port));
    par_test_raise_unsolicited(f.port); /* nobody is connected: nothing arrives */
    KeStallExecutionProcessor(5000);
    KTEST_EXPECT_EQ(t, par_test_status(f.port).interrupts, interrupts + 3);
    tear_down(t, &f);
}

static void disconnecting_the_unknown_and_connecting_twice(struct ktest *t)
{
    struct fixture f;
    if (!set_up(t, &f))
        return;
    struct client a = {.base = f.info.Controller}, b = {.base = f.info.Controller}, c = {0};
    PARALLEL_INTERRUPT_INFORMATION out;
    /* Nothing connected at all. */
    KTEST_EXPECT_EQ(t, disconnect(f.port, f.file, isr_of(&a, false)), STATUS_INVALID_PARAMETER);

    KTEST_ASSERT_EQ(t, connect(f.port, f.file, isr_of(&a, false), &out, NULL), STATUS_SUCCESS);
    /* The same ISR with the same context again. */
    KTEST_EXPECT_EQ(t, connect(f.port, f.file, isr_of(&a, true), &out, NULL), STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_EQ(t, par_test_status(f.port).client_count, 1);
    /* The same ISR for another context is another client. */
    KTEST_ASSERT_EQ(t, connect(f.port, f.file, isr_of(&b, false), &out, NULL), STATUS_SUCCESS);
    /* Neither routine. */
    PARALLEL_INTERRUPT_SERVICE_ROUTINE none = {0};
    KTEST_EXPECT_EQ(t, connect(f.port, f.file, none, &out, NULL), STATUS_INVALID_PARAMETER);
    /* An ISR that was never connected, while others are. */
    KTEST_EXPECT_EQ(t, disconnect(f.port, f.file, isr_of(&c, false)), STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_EQ(t, par_test_status(f.port).client_count, 2);
    KTEST_EXPECT_TRUE(t, par_test_status(f.port).connected);

    KTEST_EXPECT_EQ(t, disconnect(f.port, f.file, isr_of(&a, false)), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, disconnect(f.port, f.file, isr_of(&a, false)), STATUS_INVALID_PARAMETER); /* twice */
    KTEST_EXPECT_EQ(t, disconnect(f.port, f.file, isr_of(&b, false)), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, disconnect(f.port, f.file, isr_of(&b, false)), STATUS_INVALID_PARAMETER);
    tear_down(t, &f);
}

static void the_connect_switch(struct ktest *t)
{
    struct fixture f;
    if (!set_up(t, &f))
        return;
    struct client a = {0};
    PARALLEL_INTERRUPT_INFORMATION out;
    parport_set_connect_enabled(f.port, false); /* Windows' default: EnableConnectInterruptIoctl = 0 */
    KTEST_EXPECT_EQ(t, connect(f.port, f.file, isr_of(&a, false), &out, NULL), STATUS_UNSUCCESSFUL);
    KTEST_EXPECT_FALSE(t, par_test_status(f.port).connected);
    KTEST_EXPECT_EQ(t, disconnect(f.port, f.file, isr_of(&a, false)), STATUS_INVALID_PARAMETER);
    /* Ownership does not depend on it. */
    KTEST_EXPECT_EQ(t, par_test_ioctl(f.port, f.file, IOCTL_INTERNAL_PARALLEL_PORT_ALLOCATE, NULL, 0, NULL, 0, NULL),
                    STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, par_test_ioctl(f.port, f.file, IOCTL_INTERNAL_PARALLEL_PORT_FREE, NULL, 0, NULL, 0, NULL),
                    STATUS_SUCCESS);
    parport_set_connect_enabled(f.port, true);
    KTEST_EXPECT_EQ(t, connect(f.port, f.file, isr_of(&a, false), &out, NULL), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, disconnect(f.port, f.file, isr_of(&a, false)), STATUS_SUCCESS);
    tear_down(t, &f);
}

static void ownership_by_callbacks_and_requests(struct ktest *t)
{
    struct fixture f;
    if (!set_up(t, &f))
        return;
    struct parport_status before = par_test_status(f.port);
    KTEST_EXPECT_TRUE(t, f.info.TryAllocatePort(f.info.Context));
    KTEST_EXPECT_FALSE(t, f.info.TryAllocatePort(f.info.Context)); /* never waits, never queues */
    KTEST_EXPECT_EQ(t, f.info.QueryNumWaiters(f.info.Context), 0);
    struct parport_status s = par_test_status(f.port);
    KTEST_EXPECT_TRUE(t, s.allocated);
    KTEST_EXPECT_NULL(t, s.owner_tag); /* a callback says nothing about who */
    /* Busy: the request queues (STATUS_PENDING); the free hands the port to it. */
    struct par_test_allocate a;
    KTEST_EXPECT_EQ(t, par_test_allocate_send(f.port, f.file, &a), STATUS_PENDING);
    KTEST_EXPECT_EQ(t, f.info.QueryNumWaiters(f.info.Context), 1);
    f.info.FreePort(f.info.Context);
    KTEST_EXPECT_EQ(t, par_test_allocate_finish(&a), STATUS_SUCCESS);
    KTEST_EXPECT_TRUE(t, par_test_status(f.port).owner_tag == f.file);
    f.info.FreePort(f.info.Context); /* the request's allocation, freed by its callback */
    KTEST_EXPECT_FALSE(t, par_test_status(f.port).allocated);
    f.info.FreePort(f.info.Context); /* not allocated: ignored, counted */
    KTEST_EXPECT_EQ(t, par_test_status(f.port).stray_frees, before.stray_frees + 1);

    KTEST_EXPECT_EQ(t, par_test_ioctl(f.port, f.file, IOCTL_INTERNAL_PARALLEL_PORT_ALLOCATE, NULL, 0, NULL, 0, NULL),
                    STATUS_SUCCESS);
    s = par_test_status(f.port);
    KTEST_EXPECT_TRUE(t, s.allocated);
    KTEST_EXPECT_TRUE(t, s.owner_tag == f.file); /* the request carries its file object */
    KTEST_EXPECT_FALSE(t, f.info.TryAllocatePort(f.info.Context));
    KTEST_EXPECT_EQ(t, par_test_ioctl(f.port, f.file, IOCTL_INTERNAL_PARALLEL_PORT_FREE, NULL, 0, NULL, 0, NULL),
                    STATUS_SUCCESS);
    KTEST_EXPECT_FALSE(t, par_test_status(f.port).allocated);
    KTEST_EXPECT_EQ(t, par_test_status(f.port).allocations, before.allocations + 3);
    tear_down(t, &f);
}

/* ---- interrupt level ---- */

struct dirql_steps {
    PARALLEL_INTERRUPT_INFORMATION *info;
    BOOLEAN first, second;
    KIRQL irql;
};

static BOOLEAN allocate_and_free_at_dirql(PVOID Context)
{
    struct dirql_steps *s = Context;
    s->irql = KeGetCurrentIrql();
    s->first = s->info->TryAllocatePortAtInterruptLevel(s->info->Context);
    s->second = s->info->TryAllocatePortAtInterruptLevel(s->info->Context);
    s->info->FreePortFromInterruptLevel(s->info->Context);
    return TRUE;
}

static BOOLEAN free_at_dirql(PVOID Context)
{
    PARALLEL_INTERRUPT_INFORMATION *info = Context;
    info->FreePortFromInterruptLevel(info->Context);
    return TRUE;
}

static void deferred_port_checks_and_interrupt_level_calls(struct ktest *t)
{
    struct fixture f;
    if (!set_up(t, &f))
        return;
    struct client d = {0};
    PARALLEL_INTERRUPT_SERVICE_ROUTINE deferred_only = {NULL, NULL, client_deferred, &d};
    PARALLEL_INTERRUPT_INFORMATION out;
    KTEST_ASSERT_EQ(t, connect(f.port, f.file, deferred_only, &out, NULL), STATUS_SUCCESS);
    KTEST_EXPECT_TRUE(t, par_test_status(f.port).connected);

    /* A free that leaves the port idle runs the check, at once. */
    KTEST_ASSERT_TRUE(t, f.info.TryAllocatePort(f.info.Context));
    f.info.FreePort(f.info.Context);
    KTEST_EXPECT_EQ(t, d.deferred, 1);

    /* Inside the port's critical section: allocate, refused again, free - the check follows in
     * the port's DPC (it runs when this CPU drops below DISPATCH_LEVEL). */
    struct dirql_steps steps = {.info = &out};
    KTEST_EXPECT_TRUE(t, KeSynchronizeExecution(out.InterruptObject, allocate_and_free_at_dirql, &steps));
    KTEST_EXPECT_TRUE(t, steps.first);
    KTEST_EXPECT_FALSE(t, steps.second);
    KTEST_EXPECT_EQ(t, steps.irql, par_test_status(f.port).irql);
    KTEST_EXPECT_TRUE(t, io_test_wait(&d.deferred, 2, WAIT_MS));
    KTEST_EXPECT_FALSE(t, par_test_status(f.port).allocated);

    /* A stray free at interrupt level changes nothing. */
    uint64_t strays = par_test_status(f.port).stray_frees;
    KTEST_EXPECT_TRUE(t, KeSynchronizeExecution(out.InterruptObject, free_at_dirql, &out));
    KTEST_EXPECT_EQ(t, par_test_status(f.port).stray_frees, strays + 1);
    KTEST_EXPECT_EQ(t, d.deferred, 2);
    KTEST_EXPECT_EQ(t, disconnect(f.port, f.file, deferred_only), STATUS_SUCCESS);
    tear_down(t, &f);
}

/* ---- contention ---- */

static void a_busy_port_queues_the_allocate_request(struct ktest *t)
{
    struct fixture f;
    if (!set_up(t, &f))
        return;
    struct parport_status before = par_test_status(f.port);
    KTEST_ASSERT_TRUE(t, f.info.TryAllocatePort(f.info.Context)); /* another client has it */

    /* PASSIVE_LEVEL: the request pends in the queue until its sender cancels it. */
    struct par_test_allocate a;
    KTEST_EXPECT_EQ(t, par_test_allocate_send(f.port, f.file, &a), STATUS_PENDING);
    struct parport_status s = par_test_status(f.port);
    KTEST_EXPECT_EQ(t, s.waiters, 1);
    KTEST_EXPECT_EQ(t, s.waits, before.waits + 1);
    KTEST_EXPECT_FALSE(t, KeReadStateEvent(&a.done)); /* nothing frees the port: it stays queued */
    KTEST_EXPECT_TRUE(t, IoCancelIrp(a.irp));
    KTEST_EXPECT_EQ(t, par_test_allocate_finish(&a), STATUS_CANCELLED);
    s = par_test_status(f.port);
    KTEST_EXPECT_EQ(t, s.waiters, 0); /* it left the queue */
    KTEST_EXPECT_EQ(t, s.cancellations, before.cancellations + 1);
    KTEST_EXPECT_NULL(t, s.owner_tag); /* still the first owner's */

    /* DISPATCH_LEVEL: queued the same way (nothing waits in the port driver), granted by a free
     * made at DISPATCH_LEVEL too, completed before FreePort returns. IoBuildDeviceIoControlRequest
     * is PASSIVE_LEVEL: par_test_allocate_send builds the IRP by hand, as such a driver does. */
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    NTSTATUS returned = par_test_allocate_send(f.port, f.file, &a);
    f.info.FreePort(f.info.Context);
    BOOLEAN completed = KeReadStateEvent(&a.done) != 0;
    KeLowerIrql(old);
    KTEST_EXPECT_EQ(t, returned, STATUS_PENDING);
    KTEST_EXPECT_TRUE(t, completed);
    KTEST_EXPECT_EQ(t, par_test_allocate_finish(&a), STATUS_SUCCESS);
    s = par_test_status(f.port);
    KTEST_EXPECT_TRUE(t, s.owner_tag == f.file);
    KTEST_EXPECT_EQ(t, s.handovers, before.handovers + 1);

    KTEST_EXPECT_EQ(t, par_test_ioctl(f.port, f.file, IOCTL_INTERNAL_PARALLEL_PORT_FREE, NULL, 0, NULL, 0, NULL),
                    STATUS_SUCCESS);
    tear_down(t, &f);
}

struct handover {
    PARALLEL_INTERRUPT_INFORMATION *interrupt_info;
    struct client *owner;
};

static BOOLEAN owner_frees_at_dirql(PVOID Context)
{
    struct handover *h = Context;
    h->owner->owns = FALSE;
    h->interrupt_info->FreePortFromInterruptLevel(h->interrupt_info->Context); /* waiters: via the DPC */
    return TRUE;
}

static void a_free_at_interrupt_level_hands_the_port_to_the_waiter(struct ktest *t)
{
    struct fixture f;
    if (!set_up(t, &f))
        return;
    struct client owner = {.base = f.info.Controller};
    PARALLEL_INTERRUPT_INFORMATION out;
    KTEST_ASSERT_EQ(t, connect(f.port, f.file, isr_of(&owner, false), &out, NULL), STATUS_SUCCESS);
    KTEST_ASSERT_TRUE(t, f.info.TryAllocatePort(f.info.Context));
    owner.owns = TRUE;
    struct parport_status before = par_test_status(f.port);

    struct par_test_allocate a;
    KTEST_EXPECT_EQ(t, par_test_allocate_send(f.port, f.file, &a), STATUS_PENDING);
    KTEST_EXPECT_EQ(t, f.info.QueryNumWaiters(f.info.Context), 1);
    /* The owner frees inside the port's critical section: the port's DpcForIsr hands the port
     * over and completes the request, at DISPATCH_LEVEL. */
    struct handover h = {.interrupt_info = &out, .owner = &owner};
    (void)KeSynchronizeExecution(out.InterruptObject, owner_frees_at_dirql, &h);
    KTEST_EXPECT_EQ(t, par_test_allocate_finish(&a), STATUS_SUCCESS);
    struct parport_status s = par_test_status(f.port);
    KTEST_EXPECT_TRUE(t, s.allocated);
    KTEST_EXPECT_TRUE(t, s.owner_tag == f.file); /* handed over, never free in between */
    KTEST_EXPECT_EQ(t, s.handovers, before.handovers + 1);
    KTEST_EXPECT_EQ(t, s.waiters, 0);
    KTEST_EXPECT_EQ(t, par_test_ioctl(f.port, f.file, IOCTL_INTERNAL_PARALLEL_PORT_FREE, NULL, 0, NULL, 0, NULL),
                    STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, disconnect(f.port, f.file, isr_of(&owner, false)), STATUS_SUCCESS);
    tear_down(t, &f);
}

KTEST_SUITE(par_port, KTEST_CASE(port_information_describes_lpt1),
            KTEST_CASE(unknown_codes_and_the_wrong_major_function),
            KTEST_CASE(connect_and_disconnect_check_their_buffers), KTEST_CASE(the_port_interrupt_follows_its_clients),
            KTEST_CASE(disconnecting_the_unknown_and_connecting_twice), KTEST_CASE(the_connect_switch),
            KTEST_CASE(ownership_by_callbacks_and_requests), KTEST_CASE(deferred_port_checks_and_interrupt_level_calls),
            KTEST_CASE(a_busy_port_queues_the_allocate_request),
            KTEST_CASE(a_free_at_interrupt_level_hands_the_port_to_the_waiter));
