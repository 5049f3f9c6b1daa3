/* tests/ktest/par_crash_test.c - requests at the wrong IRQL and IRP misuse, each ending the kernel
 * with the stop code irqlab documents (manual suite `par_crash`; tests/e2e/test_parport.py boots
 * `ktest=par_crash.<case>` and reads the stop screen). By hand:
 *
 *     make run-ktest CMDLINE='ktest=par_crash.par_connect_at_dispatch'
 *
 *   par_connect_at_dispatch      IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT sent at DISPATCH_LEVEL:
 *                                0xA, P1 = ParportConnectInterrupt, P2 = 2, P3 = 0, P4 = the sender
 *   par_disconnect_at_dispatch   ... DISCONNECT_INTERRUPT: P1 = ParportDisconnectInterrupt
 *   par_build_at_dispatch        IoBuildDeviceIoControlRequest at DISPATCH_LEVEL: 0xA, P1 = it
 *   par_call_driver_at_dirql     IoCallDriver above DISPATCH_LEVEL: 0xA, P1 = IofCallDriver,
 *                                P2 = the IRQL, P3 = 2 (DISPATCH_LEVEL, the highest allowed)
 *   par_complete_twice           a dispatch routine completing its IRP twice: 0x44, P1 = the IRP
 */
#include "include/parallel.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/par_helpers.h"

#define CRASH_SITE __attribute__((noipa))

static BOOLEAN never(PKINTERRUPT Interrupt, PVOID Context)
{
    UNREFERENCED_PARAMETER(Interrupt);
    UNREFERENCED_PARAMETER(Context);
    return FALSE;
}

static PDEVICE_OBJECT open_port(struct ktest *t, PFILE_OBJECT *file)
{
    PDEVICE_OBJECT port = par_test_open(file);
    if (!port)
        ktest_fail(t, __FILE__, __LINE__, "no \\Device\\ParallelPort0");
    return port;
}

static PIRP build(PDEVICE_OBJECT port, ULONG code, PARALLEL_INTERRUPT_SERVICE_ROUTINE *in,
                  PARALLEL_INTERRUPT_INFORMATION *out, PIO_STATUS_BLOCK iosb)
{
    return IoBuildDeviceIoControlRequest(code, port, in, sizeof(*in), out, out ? sizeof(*out) : 0, TRUE, NULL, iosb);
}

static CRASH_SITE void par_connect_at_dispatch(struct ktest *t)
{
    PFILE_OBJECT file;
    PDEVICE_OBJECT port = open_port(t, &file);
    if (!port)
        return;
    PARALLEL_INTERRUPT_SERVICE_ROUTINE in = {never, NULL, NULL, NULL};
    PARALLEL_INTERRUPT_INFORMATION out;
    IO_STATUS_BLOCK iosb;
    PIRP irp = build(port, IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT, &in, &out, &iosb); /* at PASSIVE_LEVEL */
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    (void)IoCallDriver(port, irp); /* connect needs IoConnectInterruptEx: PASSIVE_LEVEL only */
    KeLowerIrql(old);
    ktest_fail(t, __FILE__, __LINE__, "CONNECT_INTERRUPT at DISPATCH_LEVEL returned");
}

static CRASH_SITE void par_disconnect_at_dispatch(struct ktest *t)
{
    PFILE_OBJECT file;
    PDEVICE_OBJECT port = open_port(t, &file);
    if (!port)
        return;
    PARALLEL_INTERRUPT_SERVICE_ROUTINE in = {never, NULL, NULL, NULL};
    PARALLEL_INTERRUPT_INFORMATION out;
    if (!NT_SUCCESS(par_test_ioctl(port, file, IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT, &in, sizeof(in), &out,
                                   sizeof(out), NULL))) {
        ktest_fail(t, __FILE__, __LINE__, "connect failed");
        return;
    }
    IO_STATUS_BLOCK iosb;
    PIRP irp = build(port, IOCTL_INTERNAL_PARALLEL_DISCONNECT_INTERRUPT, &in, NULL, &iosb);
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    (void)IoCallDriver(port, irp);
    KeLowerIrql(old);
    ktest_fail(t, __FILE__, __LINE__, "DISCONNECT_INTERRUPT at DISPATCH_LEVEL returned");
}

static CRASH_SITE void par_build_at_dispatch(struct ktest *t)
{
    PFILE_OBJECT file;
    PDEVICE_OBJECT port = open_port(t, &file);
    if (!port)
        return;
    IO_STATUS_BLOCK iosb;
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    (void)IoBuildDeviceIoControlRequest(IOCTL_INTERNAL_PARALLEL_PORT_ALLOCATE, port, NULL, 0, NULL, 0, TRUE, NULL,
                                        &iosb);
    KeLowerIrql(old);
    ktest_fail(t, __FILE__, __LINE__, "IoBuildDeviceIoControlRequest at DISPATCH_LEVEL returned");
}

static CRASH_SITE void par_call_driver_at_dirql(struct ktest *t)
{
    PFILE_OBJECT file;
    PDEVICE_OBJECT port = open_port(t, &file);
    if (!port)
        return;
    IO_STATUS_BLOCK iosb;
    PIRP irp =
        IoBuildDeviceIoControlRequest(IOCTL_INTERNAL_PARALLEL_PORT_ALLOCATE, port, NULL, 0, NULL, 0, TRUE, NULL, &iosb);
    KIRQL old;
    KeRaiseIrql(5, &old); /* a device IRQL, as inside an ISR */
    (void)IoCallDriver(port, irp);
    KeLowerIrql(old);
    ktest_fail(t, __FILE__, __LINE__, "IoCallDriver at IRQL 5 returned");
}

static NTSTATUS CompleteTwice(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    IoCompleteRequest(Irp, IO_NO_INCREMENT); /* the bug */
    return STATUS_SUCCESS;
}

static CRASH_SITE void par_complete_twice(struct ktest *t)
{
    static DRIVER_OBJECT driver = {.Type = IO_TYPE_DRIVER, .Size = sizeof(DRIVER_OBJECT), .Name = "ktest-twice"};
    driver.MajorFunction[IRP_MJ_INTERNAL_DEVICE_CONTROL] = CompleteTwice;
    PDEVICE_OBJECT device;
    if (!NT_SUCCESS(IoCreateDevice(&driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &device))) {
        ktest_fail(t, __FILE__, __LINE__, "IoCreateDevice failed");
        return;
    }
    IO_STATUS_BLOCK iosb;
    PIRP irp = IoBuildDeviceIoControlRequest(0x00220000, device, NULL, 0, NULL, 0, TRUE, NULL, &iosb);
    (void)IoCallDriver(device, irp);
    ktest_fail(t, __FILE__, __LINE__, "completing an IRP twice returned");
}

KTEST_MANUAL_SUITE(par_crash, KTEST_CASE(par_connect_at_dispatch), KTEST_CASE(par_disconnect_at_dispatch),
                   KTEST_CASE(par_build_at_dispatch), KTEST_CASE(par_call_driver_at_dirql),
                   KTEST_CASE(par_complete_twice));
