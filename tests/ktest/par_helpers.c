/* tests/ktest/par_helpers.c - see par_helpers.h. */
#include "tests/ktest/par_helpers.h"

#include "arch/x86_64/ioapic.h"
#include "drivers/parport/lpt_hw.h"
#include "drivers/parprint/parprint.h"
#include "drivers/parwatch/parwatch.h"
#include "kernel/io/io_tags.h"
#include "kernel/io/irp.h"
#include "kernel/io/pnp.h"
#include "tests/ktest/io_helpers.h"

bool par_test_request_mismatch;

PDEVICE_OBJECT par_test_open(PFILE_OBJECT *file)
{
    *file = NULL;
    UNICODE_STRING name = RTL_CONSTANT_STRING(IRQLAB_PARALLEL_PORT0_NAME);
    PDEVICE_OBJECT port = NULL;
    if (!NT_SUCCESS(IoGetDeviceObjectPointer(&name, FILE_READ_DATA | FILE_WRITE_DATA, file, &port)))
        return NULL;
    return port;
}

void par_test_close(PFILE_OBJECT file)
{
    if (file)
        ObDereferenceObject(file);
}

NTSTATUS par_test_request(PDEVICE_OBJECT port, PFILE_OBJECT file, ULONG code, PVOID in, ULONG in_length, PVOID out,
                          ULONG out_length, BOOLEAN internal, ULONG_PTR *information)
{
    KEVENT event;
    IO_STATUS_BLOCK iosb = {.Status = 0x7EADBEEF, .Information = 0xDEAD};
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    PIRP irp = IoBuildDeviceIoControlRequest(code, port, in, in_length, out, out_length, internal, &event, &iosb);
    if (!irp)
        return STATUS_INSUFFICIENT_RESOURCES;
    IoGetNextIrpStackLocation(irp)->FileObject = file;
    NTSTATUS status = IoCallDriver(port, irp);
    if (status == STATUS_PENDING) {
        LARGE_INTEGER timeout;
        timeout.QuadPart = -10000LL * 20000; /* 20 s of guest time */
        if (KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, &timeout) == STATUS_SUCCESS)
            status = iosb.Status;
    }
    if (!KeReadStateEvent(&event) || iosb.Status != status)
        par_test_request_mismatch = true;
    if (information)
        *information = iosb.Information;
    return status;
}

volatile uint64_t par_test_completion_sequence;

static NTSTATUS allocate_done(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    struct par_test_allocate *a = Context;
    a->completed = __atomic_add_fetch(&par_test_completion_sequence, 1, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&a->completions, 1, __ATOMIC_SEQ_CST);
    (void)KeSetEvent(&a->done, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

NTSTATUS par_test_allocate_send(PDEVICE_OBJECT port, PFILE_OBJECT file, struct par_test_allocate *a)
{
    KeInitializeEvent(&a->done, NotificationEvent, FALSE);
    a->completed = 0;
    a->completions = 0;
    a->irp = IoAllocateIrp(port->StackSize, FALSE);
    if (!a->irp)
        return STATUS_INSUFFICIENT_RESOURCES;
    a->irp->IoStatus.Status = 0x7EADBEEF;
    PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(a->irp);
    next->MajorFunction = IRP_MJ_INTERNAL_DEVICE_CONTROL;
    next->Parameters.DeviceIoControl.IoControlCode = IOCTL_INTERNAL_PARALLEL_PORT_ALLOCATE;
    next->FileObject = file;
    IoSetCompletionRoutine(a->irp, allocate_done, a, TRUE, TRUE, TRUE);
    return IoCallDriver(port, a->irp);
}

NTSTATUS par_test_allocate_finish(struct par_test_allocate *a)
{
    if (!a->irp)
        return STATUS_INSUFFICIENT_RESOURCES;
    LARGE_INTEGER timeout;
    timeout.QuadPart = -10000LL * 20000;
    if (KeWaitForSingleObject(&a->done, Executive, KernelMode, FALSE, &timeout) != STATUS_SUCCESS)
        return 0x7EADBEEF; /* lost: leak it rather than free an IRP a driver still holds */
    NTSTATUS status = a->irp->IoStatus.Status;
    IoFreeIrp(a->irp);
    a->irp = NULL;
    return status;
}

bool par_test_pin_masked(PDEVICE_OBJECT port)
{
    struct io_pdo *pdo = port ? io_pdo_from_device(parport_pdo(port)) : NULL;
    struct ioapic_rte rte;
    return pdo && pdo->assigned && ioapic_read_rte(pdo->resources.gsi, &rte) && rte.masked;
}

struct parport_status par_test_status(PDEVICE_OBJECT port)
{
    struct parport_status s = {0};
    (void)parport_query_status(port, &s);
    return s;
}

uint64_t par_test_pool_bytes(void)
{
    return io_test_pool_bytes(IRQLAB_POOL_TAG("PaPt")) + io_test_pool_bytes(IRQLAB_POOL_TAG("PaPr")) +
           io_test_pool_bytes(IO_TAG_IRP) + io_test_pool_bytes(IO_TAG_SYSBUF) + io_test_pool_bytes(IO_TAG_FILE) +
           io_test_pool_bytes(IO_TAG_INTERRUPT);
}

void par_test_raise_unsolicited(PDEVICE_OBJECT port)
{
    struct parport_status s = par_test_status(port);
    PUCHAR base = (PUCHAR)(uintptr_t)s.base;
    LptInterruptsOn(base);
    LptInterruptsOn(base); /* STROBE low after a value with INTEN: the interrupt */
    /* QEMU's IOAPIC takes every CONTROL write made while the port's interrupt is still pending
     * (STATUS not read yet) as one more edge (QEMU hw/char/parallel.c). With the ISR on another CPU the
     * writes below could come first: wait until the port's ISR has run. Its count changes under
     * the port's lock, which the ISR holds until it returns - so once par_test_status sees the new
     * count, STATUS has been read. */
    if (s.connected) {
        uint64_t deadline = par_test_now_us() + 1000000;
        while (par_test_status(port).interrupts == s.interrupts && par_test_now_us() < deadline)
            KeStallExecutionProcessor(10);
    }
    LptInterruptsOff(base);
}

void par_test_restore(PDEVICE_OBJECT port)
{
    parprint_close();
    parwatch_stop();
    parwatch_set_mode(PARWATCH_HONEST);
    parprint_set_ack_timeout(PARPRINT_DEFAULT_ACK_TIMEOUT_MS);
    parprint_set_allocate_timeout(PARPRINT_DEFAULT_ALLOCATE_TIMEOUT_MS);
    if (!port)
        return;
    parport_set_connect_enabled(port, true);
    struct parport_status s = par_test_status(port);
    LptInterruptsOff((PUCHAR)(uintptr_t)s.base);
    (void)READ_PORT_UCHAR((PUCHAR)(uintptr_t)(s.base + LPT_STATUS));
}

uint64_t par_test_now_us(void)
{
    LARGE_INTEGER frequency;
    LARGE_INTEGER now = KeQueryPerformanceCounter(&frequency);
    uint64_t per_us = (uint64_t)frequency.QuadPart / 1000000;
    return (uint64_t)now.QuadPart / (per_us ? per_us : 1);
}

void par_test_pattern(UCHAR *buffer, ULONG length)
{
    for (ULONG i = 0; i < length; i++)
        buffer[i] = (UCHAR)(7 * i + i / 256);
}
