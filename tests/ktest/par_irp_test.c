/* tests/ktest/par_irp_test.c - the IRP machinery the parallel port stack is built on
 * (kernel/io/irp.c, irp_build.c, file_object.c, object_name.c): device names, opening and closing
 * a device by name, METHOD_BUFFERED and METHOD_NEITHER requests, the default dispatch entry,
 * completion routines in a two-driver stack (including STATUS_MORE_PROCESSING_REQUIRED with an
 * IoAllocateIrp IRP), IoSkipCurrentIrpStackLocation, and deleting a device that is still open.
 * Two drivers of its own: "ktest-irp" (the device) and "ktest-filter" (attached on top). No leaks:
 * every case checks the pool totals and the count of live IRPs. */
#include "include/wdm.h"
#include "kernel/io/io_tags.h"
#include "kernel/io/irp.h"
#include "kernel/lib/string.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"

#define TEST_ECHO CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define TEST_NEITHER CTL_CODE(FILE_DEVICE_UNKNOWN, 0x802, METHOD_NEITHER, FILE_ANY_ACCESS)
#define TEST_FAIL CTL_CODE(FILE_DEVICE_UNKNOWN, 0x803, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define TEST_IN_DIRECT CTL_CODE(FILE_DEVICE_UNKNOWN, 0x804, METHOD_IN_DIRECT, FILE_ANY_ACCESS)

/* What the device driver saw. */
static struct {
    unsigned creates, cleanups, closes, controls;
    UCHAR last_major;
    PFILE_OBJECT last_file;
    PDEVICE_OBJECT last_device;
    ULONG in_length, out_length;
    PVOID type3, user_buffer;
    ULONG_PTR claim_information; /* what the echo sets Information to (0: the output length) */
    bool refuse_create;
    int sequence, dispatched_at;
} seen;

/* The echo: output[i] = ~input[i] for the bytes both have. */
static NTSTATUS TestDispatchControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    seen.controls++;
    seen.last_major = stack->MajorFunction;
    seen.last_device = DeviceObject;
    seen.dispatched_at = ++seen.sequence;
    seen.in_length = stack->Parameters.DeviceIoControl.InputBufferLength;
    seen.out_length = stack->Parameters.DeviceIoControl.OutputBufferLength;
    seen.type3 = stack->Parameters.DeviceIoControl.Type3InputBuffer;
    seen.user_buffer = Irp->UserBuffer;
    NTSTATUS status = STATUS_SUCCESS;
    ULONG_PTR information = 0;
    switch (stack->Parameters.DeviceIoControl.IoControlCode) {
    case TEST_ECHO: {
        UCHAR *b = Irp->AssociatedIrp.SystemBuffer;
        ULONG n = seen.in_length < seen.out_length ? seen.in_length : seen.out_length;
        for (ULONG i = 0; i < n; i++)
            b[i] = (UCHAR)~b[i];
        information = seen.claim_information ? seen.claim_information : seen.out_length;
        break;
    }
    case TEST_NEITHER:
        if (seen.out_length >= 4 && seen.in_length >= 4) {
            memcpy(Irp->UserBuffer, stack->Parameters.DeviceIoControl.Type3InputBuffer, 4);
            information = 4;
        }
        break;
    case TEST_FAIL:
        memset(Irp->AssociatedIrp.SystemBuffer, 0xEE, seen.out_length);
        information = seen.out_length;
        status = STATUS_INVALID_PARAMETER;
        break;
    default: status = STATUS_INVALID_DEVICE_REQUEST; break;
    }
    Irp->IoStatus.Status = status;
    Irp->IoStatus.Information = information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return status;
}

static NTSTATUS TestDispatchCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS status = STATUS_SUCCESS;
    seen.last_file = stack->FileObject;
    if (stack->MajorFunction == IRP_MJ_CREATE) {
        seen.creates++;
        if (seen.refuse_create)
            status = STATUS_NO_SUCH_DEVICE;
    } else if (stack->MajorFunction == IRP_MJ_CLEANUP) {
        seen.cleanups++;
        seen.dispatched_at = ++seen.sequence;
    } else {
        seen.closes++;
        seen.dispatched_at = ++seen.sequence;
    }
    Irp->IoStatus.Status = status;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return status;
}

static DRIVER_OBJECT device_driver = {.Type = IO_TYPE_DRIVER, .Size = sizeof(DRIVER_OBJECT), .Name = "ktest-irp"};
static DRIVER_OBJECT bare_driver = {.Type = IO_TYPE_DRIVER, .Size = sizeof(DRIVER_OBJECT), .Name = "ktest-bare"};

/* ---- the filter ------------------------------------------------------------------------------ */

enum filter_mode { FILTER_COMPLETION, FILTER_SKIP };

static struct {
    enum filter_mode mode;
    PDEVICE_OBJECT lower;
    unsigned routine_calls;
    PDEVICE_OBJECT routine_device;
    NTSTATUS routine_status;
    CHAR routine_location;
    int routine_at;
} filter;

static NTSTATUS FilterCompletion(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    filter.routine_calls++;
    filter.routine_device = DeviceObject;
    filter.routine_status = Irp->IoStatus.Status;
    filter.routine_location = Irp->CurrentLocation;
    filter.routine_at = ++seen.sequence;
    *(int *)Context += 1;
    return STATUS_SUCCESS; /* let completion go on up */
}

static int filter_context;

static NTSTATUS FilterDispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    if (filter.mode == FILTER_SKIP) {
        IoSkipCurrentIrpStackLocation(Irp);
    } else {
        IoCopyCurrentIrpStackLocationToNext(Irp);
        IoSetCompletionRoutine(Irp, FilterCompletion, &filter_context, TRUE, TRUE, TRUE);
    }
    return IoCallDriver(filter.lower, Irp);
}

static DRIVER_OBJECT filter_driver = {.Type = IO_TYPE_DRIVER, .Size = sizeof(DRIVER_OBJECT), .Name = "ktest-filter"};

/* ---- helpers --------------------------------------------------------------------------------- */

static uint64_t pool_now(void)
{
    return io_test_pool_bytes(IO_TAG_IRP) + io_test_pool_bytes(IO_TAG_SYSBUF) + io_test_pool_bytes(IO_TAG_FILE) +
           io_test_pool_bytes(IO_TAG_DEVICE);
}

static void setup_drivers(void)
{
    seen = (typeof(seen)){0};
    filter = (typeof(filter)){0};
    device_driver.MajorFunction[IRP_MJ_CREATE] = TestDispatchCreateClose;
    device_driver.MajorFunction[IRP_MJ_CLEANUP] = TestDispatchCreateClose;
    device_driver.MajorFunction[IRP_MJ_CLOSE] = TestDispatchCreateClose;
    device_driver.MajorFunction[IRP_MJ_DEVICE_CONTROL] = TestDispatchControl;
    device_driver.MajorFunction[IRP_MJ_INTERNAL_DEVICE_CONTROL] = TestDispatchControl;
    for (unsigned i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        filter_driver.MajorFunction[i] = FilterDispatch;
}

static PDEVICE_OBJECT make_device(PCWSTR name_text)
{
    UNICODE_STRING name;
    RtlInitUnicodeString(&name, name_text);
    PDEVICE_OBJECT device = NULL;
    if (!NT_SUCCESS(IoCreateDevice(&device_driver, 16, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &device)))
        return NULL;
    device->Flags &= ~DO_DEVICE_INITIALIZING;
    return device;
}

static NTSTATUS open_device(PCWSTR name_text, PFILE_OBJECT *file, PDEVICE_OBJECT *top)
{
    UNICODE_STRING name;
    RtlInitUnicodeString(&name, name_text);
    return IoGetDeviceObjectPointer(&name, FILE_READ_DATA, file, top);
}

static NTSTATUS send(PDEVICE_OBJECT target, ULONG code, PVOID in, ULONG in_length, PVOID out, ULONG out_length,
                     BOOLEAN internal, PIO_STATUS_BLOCK iosb, PKEVENT event)
{
    KeInitializeEvent(event, NotificationEvent, FALSE);
    PIRP irp = IoBuildDeviceIoControlRequest(code, target, in, in_length, out, out_length, internal, event, iosb);
    if (!irp)
        return STATUS_INSUFFICIENT_RESOURCES;
    return IoCallDriver(target, irp);
}

/* ---- cases ----------------------------------------------------------------------------------- */

static void names_open_and_close(struct ktest *t)
{
    setup_drivers();
    uint64_t pool = pool_now();
    unsigned names = io_name_count(), files = io_files_open();
    PDEVICE_OBJECT device = make_device(u"\\Device\\KtestIrp0");
    KTEST_ASSERT_NOT_NULL(t, device);
    KTEST_EXPECT_TRUE(t, device->Flags & DO_DEVICE_HAS_NAME);
    KTEST_EXPECT_EQ(t, io_name_count(), names + 1);
    char ascii[40];
    KTEST_EXPECT_TRUE(t, io_name_of(device, ascii, sizeof(ascii)));
    KTEST_EXPECT_STREQ(t, ascii, "\\Device\\KtestIrp0");

    /* Names are unique, compared without case; a name must be a path. */
    PDEVICE_OBJECT other = NULL;
    UNICODE_STRING dup;
    RtlInitUnicodeString(&dup, u"\\DEVICE\\ktestirp0");
    KTEST_EXPECT_EQ(t, IoCreateDevice(&device_driver, 0, &dup, FILE_DEVICE_UNKNOWN, 0, FALSE, &other),
                    STATUS_OBJECT_NAME_COLLISION);
    UNICODE_STRING relative;
    RtlInitUnicodeString(&relative, u"KtestIrp1");
    KTEST_EXPECT_EQ(t, IoCreateDevice(&device_driver, 0, &relative, FILE_DEVICE_UNKNOWN, 0, FALSE, &other),
                    STATUS_OBJECT_NAME_INVALID);
    KTEST_EXPECT_NULL(t, other);
    KTEST_EXPECT_TRUE(t, device_driver.DeviceObject == device); /* the failures left nothing behind */

    PFILE_OBJECT file = NULL;
    PDEVICE_OBJECT top = NULL;
    KTEST_EXPECT_EQ(t, open_device(u"\\Device\\NoSuchDevice", &file, &top), STATUS_OBJECT_NAME_NOT_FOUND);
    KTEST_EXPECT_NULL(t, file);
    seen.refuse_create = true; /* the driver sees every open and may refuse it */
    KTEST_EXPECT_EQ(t, open_device(u"\\Device\\KtestIrp0", &file, &top), STATUS_NO_SUCH_DEVICE);
    KTEST_EXPECT_NULL(t, file);
    KTEST_EXPECT_EQ(t, device->ReferenceCount, 0);
    seen.refuse_create = false;

    KTEST_ASSERT_EQ(t, open_device(u"\\device\\KTESTIRP0", &file, &top), STATUS_SUCCESS);
    KTEST_EXPECT_TRUE(t, top == device);
    KTEST_ASSERT_NOT_NULL(t, file);
    KTEST_EXPECT_EQ(t, file->Type, IO_TYPE_FILE);
    KTEST_EXPECT_TRUE(t, file->DeviceObject == device);
    KTEST_EXPECT_TRUE(t, file->ReadAccess);
    KTEST_EXPECT_FALSE(t, file->WriteAccess);
    KTEST_EXPECT_EQ(t, seen.creates, 2);
    KTEST_EXPECT_TRUE(t, seen.last_file == file);
    KTEST_EXPECT_EQ(t, device->ReferenceCount, 1);
    KTEST_EXPECT_EQ(t, io_files_open(), files + 1);

    /* A second reference keeps it open; the last one closes: CLEANUP, then CLOSE. */
    KTEST_EXPECT_EQ(t, ObReferenceObject(file), 2);
    KTEST_EXPECT_EQ(t, ObDereferenceObject(file), 1);
    KTEST_EXPECT_EQ(t, seen.closes, 0);
    KTEST_EXPECT_EQ(t, ObDereferenceObject(file), 0);
    KTEST_EXPECT_EQ(t, seen.cleanups, 1);
    KTEST_EXPECT_EQ(t, seen.closes, 1);
    KTEST_EXPECT_EQ(t, seen.dispatched_at, 2); /* close came after cleanup */
    KTEST_EXPECT_EQ(t, device->ReferenceCount, 0);
    KTEST_EXPECT_EQ(t, io_files_open(), files);

    IoDeleteDevice(device);
    KTEST_EXPECT_EQ(t, io_name_count(), names);
    KTEST_EXPECT_EQ(t, open_device(u"\\Device\\KtestIrp0", &file, &top), STATUS_OBJECT_NAME_NOT_FOUND);
    KTEST_EXPECT_EQ(t, pool_now(), pool);
}

static void buffered_requests_copy_in_and_out(struct ktest *t)
{
    setup_drivers();
    PDEVICE_OBJECT device = make_device(u"\\Device\\KtestIrp0");
    KTEST_ASSERT_NOT_NULL(t, device);
    uint64_t pool = pool_now();
    unsigned irps = io_irps_outstanding();
    UCHAR in[16], out[12];
    for (int i = 0; i < 16; i++)
        in[i] = (UCHAR)(0x10 + i);
    memset(out, 0x55, sizeof(out));
    IO_STATUS_BLOCK iosb = {0};
    KEVENT event;

    /* Output 8 of a 12-byte buffer: exactly Information bytes come back. */
    KTEST_EXPECT_EQ(t, send(device, TEST_ECHO, in, 16, out, 8, FALSE, &iosb, &event), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, seen.last_major, IRP_MJ_DEVICE_CONTROL);
    KTEST_EXPECT_TRUE(t, seen.last_device == device);
    KTEST_EXPECT_EQ(t, seen.in_length, 16);
    KTEST_EXPECT_EQ(t, seen.out_length, 8);
    KTEST_EXPECT_TRUE(t, KeReadStateEvent(&event)); /* set before IoCallDriver returned */
    KTEST_EXPECT_EQ(t, iosb.Status, STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, iosb.Information, 8);
    for (int i = 0; i < 8; i++)
        KTEST_EXPECT_EQ(t, out[i], (UCHAR) ~(0x10 + i));
    KTEST_EXPECT_EQ(t, out[8], 0x55);
    KTEST_EXPECT_EQ(t, in[0], 0x10); /* the sender's input is a copy source, never written */

    /* Internal: the other major function. A driver claiming more than the buffer holds gets no
     * more than the buffer copied back. */
    memset(out, 0x55, sizeof(out));
    seen.claim_information = 100;
    KTEST_EXPECT_EQ(t, send(device, TEST_ECHO, in, 16, out, 4, TRUE, &iosb, &event), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, seen.last_major, IRP_MJ_INTERNAL_DEVICE_CONTROL);
    KTEST_EXPECT_EQ(t, iosb.Information, 100);
    KTEST_EXPECT_EQ(t, out[3], (UCHAR)~0x13);
    KTEST_EXPECT_EQ(t, out[4], 0x55);
    seen.claim_information = 0;

    /* An error: nothing is copied back. */
    memset(out, 0x55, sizeof(out));
    KTEST_EXPECT_EQ(t, send(device, TEST_FAIL, NULL, 0, out, 8, TRUE, &iosb, &event), STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_EQ(t, iosb.Status, STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_EQ(t, out[0], 0x55);

    /* METHOD_NEITHER: the driver gets the sender's own pointers. */
    ULONG value = 0xC0FFEE11, result = 0;
    KTEST_EXPECT_EQ(t, send(device, TEST_NEITHER, &value, 4, &result, 4, TRUE, &iosb, &event), STATUS_SUCCESS);
    KTEST_EXPECT_TRUE(t, seen.type3 == &value);
    KTEST_EXPECT_TRUE(t, seen.user_buffer == &result);
    KTEST_EXPECT_EQ(t, result, 0xC0FFEE11);

    /* What IoBuildDeviceIoControlRequest refuses: MDL methods, a length without a buffer. */
    KTEST_EXPECT_NULL(t, IoBuildDeviceIoControlRequest(TEST_IN_DIRECT, device, in, 4, out, 4, FALSE, NULL, &iosb));
    KTEST_EXPECT_NULL(t, IoBuildDeviceIoControlRequest(TEST_ECHO, device, NULL, 4, out, 4, FALSE, NULL, &iosb));
    KTEST_EXPECT_NULL(t, IoBuildDeviceIoControlRequest(TEST_ECHO, device, in, 4, NULL, 4, FALSE, NULL, &iosb));
    /* No event is fine (irqlab's requests are complete on return anyway). */
    PIRP irp = IoBuildDeviceIoControlRequest(TEST_ECHO, device, in, 2, out, 2, FALSE, NULL, &iosb);
    KTEST_ASSERT_NOT_NULL(t, irp);
    KTEST_EXPECT_EQ(t, IoCallDriver(device, irp), STATUS_SUCCESS);

    KTEST_EXPECT_EQ(t, io_irps_outstanding(), irps);
    KTEST_EXPECT_EQ(t, pool_now(), pool);
    IoDeleteDevice(device);
}

static void a_missing_dispatch_entry_is_an_invalid_request(struct ktest *t)
{
    setup_drivers();
    uint64_t pool = pool_now();
    PDEVICE_OBJECT device = NULL;
    KTEST_ASSERT_EQ(t, IoCreateDevice(&bare_driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &device), STATUS_SUCCESS);
    IO_STATUS_BLOCK iosb = {.Information = 99};
    KEVENT event;
    UCHAR out[4];
    KTEST_EXPECT_EQ(t, send(device, TEST_ECHO, NULL, 0, out, 4, TRUE, &iosb, &event), STATUS_INVALID_DEVICE_REQUEST);
    KTEST_EXPECT_EQ(t, iosb.Status, STATUS_INVALID_DEVICE_REQUEST);
    KTEST_EXPECT_EQ(t, iosb.Information, 0);
    KTEST_EXPECT_TRUE(t, KeReadStateEvent(&event));
    IoDeleteDevice(device);
    KTEST_EXPECT_EQ(t, pool_now(), pool);
}

static void completion_routines_run_on_the_way_up(struct ktest *t)
{
    setup_drivers();
    PDEVICE_OBJECT device = make_device(u"\\Device\\KtestIrp0");
    KTEST_ASSERT_NOT_NULL(t, device);
    PDEVICE_OBJECT upper = NULL;
    KTEST_ASSERT_EQ(t, IoCreateDevice(&filter_driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &upper), STATUS_SUCCESS);
    filter.lower = IoAttachDeviceToDeviceStack(upper, device);
    KTEST_ASSERT_TRUE(t, filter.lower == device);
    KTEST_EXPECT_EQ(t, upper->StackSize, 2);
    uint64_t pool = pool_now();
    unsigned irps = io_irps_outstanding();

    /* Opening the name reaches the top of the stack: the filter forwards the create. */
    PFILE_OBJECT file = NULL;
    PDEVICE_OBJECT top = NULL;
    KTEST_ASSERT_EQ(t, open_device(u"\\Device\\KtestIrp0", &file, &top), STATUS_SUCCESS);
    KTEST_EXPECT_TRUE(t, top == upper);
    KTEST_EXPECT_TRUE(t, file->DeviceObject == device);
    KTEST_EXPECT_EQ(t, seen.creates, 1);
    KTEST_EXPECT_EQ(t, filter.routine_calls, 1);

    IO_STATUS_BLOCK iosb;
    KEVENT event;
    UCHAR in[4] = {1, 2, 3, 4}, out[4] = {0};
    filter_context = 0;
    seen.sequence = 0;
    KTEST_EXPECT_EQ(t, send(top, TEST_ECHO, in, 4, out, 4, TRUE, &iosb, &event), STATUS_SUCCESS);
    KTEST_EXPECT_TRUE(t, seen.last_device == device); /* the lower location went to the device */
    KTEST_EXPECT_EQ(t, seen.in_length, 4);            /* copied down by the filter */
    KTEST_EXPECT_EQ(t, filter.routine_calls, 2);
    KTEST_EXPECT_TRUE(t, filter.routine_device == upper); /* the routine's driver's own device */
    KTEST_EXPECT_EQ(t, filter.routine_status, STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, filter.routine_location, 2); /* stepped up to the filter's location (the device's is 1) */
    KTEST_EXPECT_EQ(t, filter.routine_at, seen.dispatched_at + 1);
    KTEST_EXPECT_EQ(t, filter_context, 1);
    KTEST_EXPECT_EQ(t, out[0], (UCHAR)~1);

    /* Errors reach the routine too (InvokeOnError). */
    KTEST_EXPECT_EQ(t, send(top, TEST_FAIL, NULL, 0, out, 4, TRUE, &iosb, &event), STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_EQ(t, filter.routine_status, STATUS_INVALID_PARAMETER);

    /* Skipping its location: the device gets the filter's own parameters, no routine runs. */
    filter.mode = FILTER_SKIP;
    unsigned calls = filter.routine_calls;
    KTEST_EXPECT_EQ(t, send(top, TEST_ECHO, in, 3, out, 2, TRUE, &iosb, &event), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, seen.in_length, 3);
    KTEST_EXPECT_EQ(t, seen.out_length, 2);
    KTEST_EXPECT_EQ(t, filter.routine_calls, calls);
    filter.mode = FILTER_COMPLETION;

    ObDereferenceObject(file); /* cleanup + close, through the filter */
    KTEST_EXPECT_EQ(t, seen.closes, 1);
    KTEST_EXPECT_EQ(t, io_irps_outstanding(), irps);
    KTEST_EXPECT_EQ(t, pool_now(), pool);
    IoDetachDevice(device);
    IoDeleteDevice(upper);
    IoDeleteDevice(device);
}

/* ---- an IRP of one's own: the routine takes it back and frees it ---- */

static struct {
    unsigned calls;
    NTSTATUS status;
    ULONG_PTR information;
} own;

static NTSTATUS OwnCompletion(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Context);
    own.calls++;
    own.status = Irp->IoStatus.Status;
    own.information = Irp->IoStatus.Information;
    return STATUS_MORE_PROCESSING_REQUIRED; /* the IRP is ours again: the I/O manager stops */
}

static void more_processing_required_gives_the_irp_back(struct ktest *t)
{
    setup_drivers();
    own = (typeof(own)){0};
    PDEVICE_OBJECT device = make_device(u"\\Device\\KtestIrp0");
    KTEST_ASSERT_NOT_NULL(t, device);
    uint64_t pool = pool_now();
    unsigned irps = io_irps_outstanding();
    ULONG value = 0x12345678, result = 0;

    /* A driver at DISPATCH_LEVEL cannot use IoBuildDeviceIoControlRequest: it builds the IRP. */
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    PIRP irp = IoAllocateIrp(device->StackSize, FALSE);
    if (irp) {
        PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(irp);
        next->MajorFunction = IRP_MJ_INTERNAL_DEVICE_CONTROL;
        next->Parameters.DeviceIoControl.IoControlCode = TEST_NEITHER;
        next->Parameters.DeviceIoControl.InputBufferLength = 4;
        next->Parameters.DeviceIoControl.OutputBufferLength = 4;
        next->Parameters.DeviceIoControl.Type3InputBuffer = &value;
        irp->UserBuffer = &result;
        IoSetCompletionRoutine(irp, OwnCompletion, NULL, TRUE, TRUE, TRUE);
        (void)IoCallDriver(device, irp);
    }
    KeLowerIrql(old);
    KTEST_ASSERT_NOT_NULL(t, irp);
    KTEST_EXPECT_EQ(t, own.calls, 1);
    KTEST_EXPECT_EQ(t, own.status, STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, own.information, 4);
    KTEST_EXPECT_EQ(t, result, 0x12345678);
    KTEST_EXPECT_EQ(t, io_irps_outstanding(), irps + 1); /* still alive: ours to free */
    KTEST_EXPECT_EQ(t, irp->Type, IO_TYPE_IRP);
    IoFreeIrp(irp);
    KTEST_EXPECT_EQ(t, io_irps_outstanding(), irps);
    KTEST_EXPECT_EQ(t, pool_now(), pool);
    IoDeleteDevice(device);
}

static void a_device_deleted_while_open_lives_until_closed(struct ktest *t)
{
    setup_drivers();
    uint64_t devices = io_test_pool_bytes(IO_TAG_DEVICE);
    PDEVICE_OBJECT device = make_device(u"\\Device\\KtestIrp0");
    KTEST_ASSERT_NOT_NULL(t, device);
    uint64_t with_device = io_test_pool_bytes(IO_TAG_DEVICE);
    KTEST_EXPECT_GT(t, with_device, devices);
    PFILE_OBJECT file = NULL;
    PDEVICE_OBJECT top = NULL;
    KTEST_ASSERT_EQ(t, open_device(u"\\Device\\KtestIrp0", &file, &top), STATUS_SUCCESS);

    IoDeleteDevice(device); /* the driver goes away while a client holds it open */
    PFILE_OBJECT again = NULL;
    KTEST_EXPECT_EQ(t, open_device(u"\\Device\\KtestIrp0", &again, &top), STATUS_OBJECT_NAME_NOT_FOUND);
    KTEST_EXPECT_EQ(t, io_test_pool_bytes(IO_TAG_DEVICE), with_device); /* not freed yet */
    KTEST_EXPECT_EQ(t, device->Type, IO_TYPE_DEVICE);
    KTEST_EXPECT_NULL(t, device_driver.DeviceObject); /* but no longer the driver's */

    ObDereferenceObject(file); /* the close still reaches the driver; then the object goes */
    KTEST_EXPECT_EQ(t, seen.closes, 1);
    KTEST_EXPECT_EQ(t, io_test_pool_bytes(IO_TAG_DEVICE), devices);
}

KTEST_SUITE(par_irp, KTEST_CASE(names_open_and_close), KTEST_CASE(buffered_requests_copy_in_and_out),
            KTEST_CASE(a_missing_dispatch_entry_is_an_invalid_request),
            KTEST_CASE(completion_routines_run_on_the_way_up), KTEST_CASE(more_processing_required_gives_the_irp_back),
            KTEST_CASE(a_device_deleted_while_open_lives_until_closed));
