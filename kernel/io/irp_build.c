/* kernel/io/irp_build.c - building requests for a sender: IoBuildDeviceIoControlRequest and the
 * parameterless create/cleanup/close requests file objects need.
 *
 * learn.microsoft.com: IoBuildDeviceIoControlRequest, "Buffer Descriptions for I/O Control
 * Codes", "Defining I/O Control Codes" (CTL_CODE, METHOD_*), IRP_MJ_INTERNAL_DEVICE_CONTROL.
 *
 * The IRP gets one stack location per device in the target's stack (DeviceObject->StackSize);
 * the first driver's location is filled in. The transfer type is the low two bits of the code:
 *   METHOD_BUFFERED  one system buffer of max(input, output) bytes; the input is copied in, the
 *                    driver reads its input from and writes its output to the same buffer
 *                    (AssociatedIrp.SystemBuffer), and completion copies IoStatus.Information
 *                    bytes back to OutputBuffer;
 *   METHOD_NEITHER   the sender's pointers as they are: Type3InputBuffer and UserBuffer;
 *   METHOD_IN_DIRECT / METHOD_OUT_DIRECT need MDLs, which irqlab does not have: NULL.
 * The IRP belongs to the I/O manager: completion frees it (with its system buffer), writes
 * *IoStatusBlock and sets Event. PASSIVE_LEVEL, as documented: above it, bugcheck 0xA with P1 =
 * IoBuildDeviceIoControlRequest, P2 = the IRQL, P3 = 0, P4 = the caller. A driver at
 * DISPATCH_LEVEL builds its IRP with IoAllocateIrp instead.
 */
#include "kernel/io/irp.h"

#include "kernel/ke/bugcheck.h"
#include "kernel/lib/string.h"

PIRP IoBuildDeviceIoControlRequest(ULONG IoControlCode, PDEVICE_OBJECT DeviceObject, PVOID InputBuffer,
                                   ULONG InputBufferLength, PVOID OutputBuffer, ULONG OutputBufferLength,
                                   BOOLEAN InternalDeviceIoControl, PKEVENT Event, PIO_STATUS_BLOCK IoStatusBlock)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql != PASSIVE_LEVEL)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)IoBuildDeviceIoControlRequest, irql, 0,
                     (ULONG_PTR)__builtin_return_address(0));
    if (!DeviceObject || !IoStatusBlock)
        return NULL;
    if ((InputBufferLength && !InputBuffer) || (OutputBufferLength && !OutputBuffer))
        return NULL;
    ULONG method = METHOD_FROM_CTL_CODE(IoControlCode);
    if (method == METHOD_IN_DIRECT || method == METHOD_OUT_DIRECT)
        return NULL;

    PIRP irp = IoAllocateIrp(DeviceObject->StackSize, FALSE);
    if (!irp)
        return NULL;
    PIO_STACK_LOCATION stack = IoGetNextIrpStackLocation(irp);
    stack->MajorFunction = InternalDeviceIoControl ? IRP_MJ_INTERNAL_DEVICE_CONTROL : IRP_MJ_DEVICE_CONTROL;
    stack->Parameters.DeviceIoControl.IoControlCode = IoControlCode;
    stack->Parameters.DeviceIoControl.InputBufferLength = InputBufferLength;
    stack->Parameters.DeviceIoControl.OutputBufferLength = OutputBufferLength;

    if (method == METHOD_BUFFERED) {
        ULONG size = InputBufferLength > OutputBufferLength ? InputBufferLength : OutputBufferLength;
        if (size) {
            PVOID buffer = io_system_buffer_alloc(size, OutputBufferLength);
            if (!buffer) {
                IoFreeIrp(irp);
                return NULL;
            }
            if (InputBufferLength)
                memcpy(buffer, InputBuffer, InputBufferLength);
            irp->AssociatedIrp.SystemBuffer = buffer;
            irp->Flags = IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER;
            if (OutputBufferLength)
                irp->Flags |= IRP_INPUT_OPERATION;
        }
    } else { /* METHOD_NEITHER */
        stack->Parameters.DeviceIoControl.Type3InputBuffer = InputBuffer;
    }
    irp->UserBuffer = OutputBuffer;
    irp->UserIosb = IoStatusBlock;
    irp->UserEvent = Event;
    return irp;
}

PIRP io_build_simple_irp(UCHAR major, PDEVICE_OBJECT target, PFILE_OBJECT file, PIO_STATUS_BLOCK iosb)
{
    PIRP irp = IoAllocateIrp(target->StackSize, FALSE);
    if (!irp)
        return NULL;
    PIO_STACK_LOCATION stack = IoGetNextIrpStackLocation(irp);
    stack->MajorFunction = major;
    stack->FileObject = file;
    irp->Tail.Overlay.OriginalFileObject = file;
    irp->UserIosb = iosb;
    if (major == IRP_MJ_CREATE)
        irp->Flags = IRP_CREATE_OPERATION | IRP_SYNCHRONOUS_API;
    else if (major == IRP_MJ_CLOSE)
        irp->Flags = IRP_CLOSE_OPERATION | IRP_SYNCHRONOUS_API;
    return irp;
}
