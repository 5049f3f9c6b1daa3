/* tests/ktest/par_revoke_test.c - the parallel port going away while clients hold it.
 *
 * A connected client holds the port's KINTERRUPT and calls KeSynchronizeExecution with it; the
 * port's stop frees it (IoDisconnectInterruptEx). drivers/parport/parport_pnp.c: the port first
 * reports GUID_IRQLAB_PARALLEL_PORT_REVOKE (IoReportTargetDeviceChange) so parwatch and parprint
 * free the port, disconnect and close while the object still exists; a client that does not
 * listen is taken off the list by force. And IRP_MN_QUERY_REMOVE_DEVICE / QUERY_STOP_DEVICE are
 * refused (STATUS_DEVICE_BUSY) while the port is allocated or has clients connected.
 *
 * The PnP manager's stop and remove ask first and are refused while a client holds the port;
 * the revocation is shown with the stop nobody can refuse (power-off's STOP without a query).
 * The checks are states and counts, never durations. */
#include "drivers/parport/parport.h"
#include "drivers/parprint/parprint.h"
#include "drivers/parwatch/parwatch.h"
#include "include/parallel.h"
#include "kernel/io/pnp.h"
#include "kernel/io/pnp_internal.h" /* io_pnp_stop_for_shutdown: the stop nobody can refuse */
#include "kernel/io/target_notify.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/par_helpers.h"

#define ISR_IN ((ULONG)sizeof(PARALLEL_INTERRUPT_SERVICE_ROUTINE))
#define ISR_OUT ((ULONG)sizeof(PARALLEL_INTERRUPT_INFORMATION))

#define PORT_OR_SKIP(t, port)                                                                                          \
    PDEVICE_OBJECT port = parport_device(0);                                                                           \
    if (!port || !par_test_status(port).has_interrupt)                                                                 \
        KTEST_SKIP((t), "needs LPT1 with its interrupt");

/* The stop nobody can refuse (power-off's: STOP without QUERY_STOP), then LPT1 started again. */
static PDEVICE_OBJECT force_restart(PDEVICE_OBJECT pdo, bool *stopped)
{
    *stopped = NT_SUCCESS(io_pnp_stop_for_shutdown(pdo));
    (void)io_device_start(pdo, IO_START_DRIVER);
    return parport_device(0);
}

static NTSTATUS send_pnp(PDEVICE_OBJECT fdo, UCHAR minor)
{
    PIRP irp = IoAllocateIrp(fdo->StackSize, FALSE);
    if (!irp)
        return STATUS_INSUFFICIENT_RESOURCES;
    IO_STATUS_BLOCK iosb = {0};
    irp->UserIosb = &iosb;
    irp->IoStatus.Status = STATUS_NOT_SUPPORTED; /* every PnP IRP starts so */
    PIO_STACK_LOCATION stack = IoGetNextIrpStackLocation(irp);
    stack->MajorFunction = IRP_MJ_PNP;
    stack->MinorFunction = minor;
    NTSTATUS returned = IoCallDriver(fdo, irp); /* completed before it returns */
    return returned == iosb.Status ? returned : STATUS_UNSUCCESSFUL;
}

static void stop_tells_clients_before_the_interrupt_goes(struct ktest *t)
{
    PORT_OR_SKIP(t, port);
    PDEVICE_OBJECT pdo = parport_pdo(port);
    par_test_restore(port);
    parwatch_reset_counts();
    parprint_reset_counts();
    KTEST_ASSERT_EQ(t, parwatch_start(PARWATCH_HONEST), STATUS_SUCCESS);
    KTEST_ASSERT_EQ(t, parprint_open(), STATUS_SUCCESS);
    KTEST_EXPECT_TRUE(t, parprint_interrupt_driven());
    KTEST_ASSERT_EQ(t, parwatch_allocate(), STATUS_SUCCESS); /* and parwatch holds the port */
    KTEST_EXPECT_EQ(t, io_target_notifications(pdo), 2);
    struct parport_status before = par_test_status(port);
    KTEST_EXPECT_EQ(t, before.client_count, 2);
    KTEST_EXPECT_TRUE(t, before.allocated);

    /* The PnP manager asks first: refused, nothing changes. */
    KTEST_EXPECT_EQ(t, io_pnp_stop_device(pdo), STATUS_DEVICE_BUSY);
    KTEST_EXPECT_TRUE(t, parwatch_connected());
    KTEST_EXPECT_TRUE(t, parprint_is_open());

    bool stopped;
    PDEVICE_OBJECT again = force_restart(pdo, &stopped);
    KTEST_EXPECT_TRUE(t, stopped);
    /* Both clients heard it and left while the interrupt object was still theirs to use. */
    KTEST_EXPECT_FALSE(t, parwatch_connected());
    KTEST_EXPECT_FALSE(t, parwatch_owns_port());
    KTEST_EXPECT_FALSE(t, parprint_is_open());
    struct parwatch_counts w;
    parwatch_get_counts(&w); /* not connected: no KeSynchronizeExecution on the old object */
    KTEST_EXPECT_EQ(t, w.revocations, 1);
    struct parprint_counts p;
    parprint_get_counts(&p);
    KTEST_EXPECT_EQ(t, p.revocations, 1);
    KTEST_EXPECT_EQ(t, io_target_notifications(pdo), 0);

    /* The port is back and its clients can come again. */
    KTEST_ASSERT_NOT_NULL(t, again);
    struct parport_status after = par_test_status(again);
    KTEST_EXPECT_EQ(t, after.client_count, 0);
    KTEST_EXPECT_FALSE(t, after.connected);
    KTEST_EXPECT_EQ(t, after.revoked_clients, 0);
    KTEST_EXPECT_EQ(t, parwatch_start(PARWATCH_HONEST), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, parwatch_allocate(), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, parwatch_ping(), STATUS_SUCCESS); /* its ISR works on the new interrupt */
    par_test_restore(again);
}

static volatile uint64_t deaf_calls;
static BOOLEAN deaf_isr(PKINTERRUPT interrupt, PVOID context)
{
    UNREFERENCED_PARAMETER(interrupt);
    UNREFERENCED_PARAMETER(context);
    deaf_calls++;
    return FALSE;
}

static void a_client_that_does_not_listen_is_revoked(struct ktest *t)
{
    PORT_OR_SKIP(t, port);
    PDEVICE_OBJECT pdo = parport_pdo(port);
    par_test_restore(port);
    PFILE_OBJECT file;
    KTEST_ASSERT_NOT_NULL(t, par_test_open(&file));
    PARALLEL_INTERRUPT_SERVICE_ROUTINE in = {.InterruptServiceRoutine = deaf_isr, .InterruptServiceContext = &in};
    PARALLEL_INTERRUPT_INFORMATION out;
    KTEST_ASSERT_EQ(
        t, par_test_ioctl(port, file, IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT, &in, ISR_IN, &out, ISR_OUT, NULL),
        STATUS_SUCCESS);
    PARALLEL_PORT_INFORMATION info;
    KTEST_ASSERT_EQ(
        t, par_test_ioctl(port, file, IOCTL_INTERNAL_GET_PARALLEL_PORT_INFO, NULL, 0, &info, sizeof(info), NULL),
        STATUS_SUCCESS);

    KTEST_EXPECT_EQ(t, io_pnp_stop_for_shutdown(pdo), STATUS_SUCCESS);
    /* The stopped port's extension lives while our file object does: it says what it did, and
     * every later call fails cleanly instead of touching what is gone. */
    struct parport_status old = par_test_status(port);
    KTEST_EXPECT_EQ(t, old.revoked_clients, 1);
    KTEST_EXPECT_EQ(t, old.client_count, 0);
    KTEST_EXPECT_FALSE(t, old.connected);
    KTEST_EXPECT_FALSE(t, info.TryAllocatePort(info.Context));
    KTEST_EXPECT_EQ(
        t, par_test_ioctl(port, file, IOCTL_INTERNAL_PARALLEL_DISCONNECT_INTERRUPT, &in, ISR_IN, NULL, 0, NULL),
        STATUS_DELETE_PENDING);
    par_test_close(file);
    (void)io_device_start(pdo, IO_START_DRIVER);
    PDEVICE_OBJECT again = parport_device(0);
    /* The restarted port never calls the revoked ISR. */
    uint64_t calls = deaf_calls;
    KTEST_ASSERT_NOT_NULL(t, again);
    KTEST_EXPECT_EQ(t, parwatch_start(PARWATCH_HONEST), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, parwatch_allocate(), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, parwatch_ping(), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, deaf_calls, calls);
    par_test_restore(again);
}

static void query_remove_refused_while_the_port_is_held(struct ktest *t)
{
    PORT_OR_SKIP(t, port);
    par_test_restore(port);
    KTEST_EXPECT_EQ(t, parport_query_remove(port), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, send_pnp(port, IRP_MN_QUERY_REMOVE_DEVICE), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, send_pnp(port, IRP_MN_CANCEL_REMOVE_DEVICE), STATUS_SUCCESS);

    /* Connected. */
    KTEST_ASSERT_EQ(t, parwatch_start(PARWATCH_HONEST), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, parport_query_remove(port), STATUS_DEVICE_BUSY);
    /* Through the PnP manager: QUERY_REMOVE refused, CANCEL_REMOVE, LPT1 stays. */
    KTEST_EXPECT_EQ(t, io_pnp_remove_device(parport_pdo(port)), STATUS_DEVICE_BUSY);
    KTEST_EXPECT_TRUE(t, parport_device(0) == port);
    KTEST_EXPECT_TRUE(t, parwatch_connected());
    KTEST_EXPECT_EQ(t, send_pnp(port, IRP_MN_QUERY_REMOVE_DEVICE), STATUS_DEVICE_BUSY);
    KTEST_EXPECT_EQ(t, send_pnp(port, IRP_MN_QUERY_STOP_DEVICE), STATUS_DEVICE_BUSY);
    parwatch_stop();

    /* Allocated by a client that connected nothing. */
    PFILE_OBJECT file;
    KTEST_ASSERT_NOT_NULL(t, par_test_open(&file));
    KTEST_ASSERT_EQ(t, par_test_ioctl(port, file, IOCTL_INTERNAL_PARALLEL_PORT_ALLOCATE, NULL, 0, NULL, 0, NULL),
                    STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, send_pnp(port, IRP_MN_QUERY_REMOVE_DEVICE), STATUS_DEVICE_BUSY);
    KTEST_EXPECT_EQ(t, send_pnp(port, IRP_MN_QUERY_STOP_DEVICE), STATUS_DEVICE_BUSY);
    KTEST_ASSERT_EQ(t, par_test_ioctl(port, file, IOCTL_INTERNAL_PARALLEL_PORT_FREE, NULL, 0, NULL, 0, NULL),
                    STATUS_SUCCESS);
    par_test_close(file);

    /* Idle again: both queries pass (and go down to the bus driver). */
    KTEST_EXPECT_EQ(t, send_pnp(port, IRP_MN_QUERY_STOP_DEVICE), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, send_pnp(port, IRP_MN_CANCEL_STOP_DEVICE), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, send_pnp(port, IRP_MN_QUERY_REMOVE_DEVICE), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, send_pnp(port, IRP_MN_CANCEL_REMOVE_DEVICE), STATUS_SUCCESS);
    par_test_restore(port);
}

KTEST_SUITE(par_revoke, KTEST_CASE(stop_tells_clients_before_the_interrupt_goes),
            KTEST_CASE(a_client_that_does_not_listen_is_revoked),
            KTEST_CASE(query_remove_refused_while_the_port_is_held));
