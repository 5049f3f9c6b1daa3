/* drivers/lab_isr/lab_isr.c - lab "from ISR to thread": a driver for QEMU's edu device whose
 * requests pend until the device's interrupt says the work is done.
 *
 * REFERENCE SOLUTION (labs/from-isr-to-thread/solution/). Handout: docs/labs/from-isr-to-thread.md.
 *
 * One request, IOCTL_LAB_ISR_FACTORIAL with n, from start to finish:
 *   sender, PASSIVE_LEVEL   IoCallDriver -> LabIsrDeviceControl: checks the buffers, marks the IRP
 *                           pending, queues it, starts the device if it is idle, returns
 *                           STATUS_PENDING. The sender waits on the request's event.
 *   the device              computes n! and raises its interrupt (interrupt-status bit 0x1).
 *   ISR, DIRQL              LabIsrInterrupt: mine? acknowledge, keep the result, IoRequestDpc.
 *   DPC, DISPATCH_LEVEL     LabIsrDpcForIsr: takes the result and the request the device worked
 *                           on, starts the next one, completes this one - IoCompleteRequest copies
 *                           the output back and sets the sender's event, and the sender runs on.
 * References: learn.microsoft.com "Handling IRPs", "Completing IRPs", IoMarkIrpPending,
 * "DispatchDeviceControl and DispatchInternalDeviceControl Routines", "Writing an ISR",
 * "DpcForIsr Routine and IoRequestDpc"; QEMU docs/specs/edu.txt and hw/misc/edu.c (registers).
 */
#include "lab_isr.h"

/* edu registers in BAR0, all 32 bits wide. */
#define LAB_EDU_REG_ID 0x00               /* low byte 0xED */
#define LAB_EDU_REG_FACTORIAL 0x08        /* write n: compute n!; read: the result once done */
#define LAB_EDU_REG_STATUS 0x20           /* bit 0 computing (read), bit 7 interrupt when done */
#define LAB_EDU_REG_INTERRUPT_STATUS 0x24 /* bits raised and not yet acknowledged */
#define LAB_EDU_REG_INTERRUPT_ACK 0x64    /* write: clear these status bits (the line drops at 0) */
#define LAB_EDU_STATUS_IRQ_FACTORIAL 0x80
#define LAB_EDU_FACTORIAL_DONE 0x01 /* the interrupt-status bit a finished factorial raises */
#define LAB_EDU_ID_MAGIC 0xED

typedef struct _LAB_ISR_EXTENSION {
    PDEVICE_OBJECT Self;
    PDEVICE_OBJECT Pdo;
    volatile ULONG *Registers; /* BAR0, mapped */
    SIZE_T RegistersLength;
    PKINTERRUPT Interrupt; /* from IoConnectInterruptEx (CONNECT_LINE_BASED) */

    /* The requests. edu computes one factorial at a time (it ignores a new n while it computes),
     * so requests wait in a cancel-safe queue (Csq: the list WaitingIrps under CsqLock), oldest
     * first, and CurrentIrp is the one the device is working on (NULL: the device is idle; under
     * StartLock). A waiting request can be cancelled; the current one runs to its interrupt. */
    IO_CSQ Csq;
    KSPIN_LOCK CsqLock;
    LIST_ENTRY WaitingIrps; /* linked through Irp->Tail.Overlay.ListEntry */
    KSPIN_LOCK StartLock;   /* taken before CsqLock, never after */
    PIRP CurrentIrp;

    /* Written by the ISR, read by the DPC: only under the interrupt's spin lock. */
    ULONG PendingStatus; /* interrupt-status bits seen since the DPC last ran */
    ULONG Result;        /* the factorial register, read when a factorial finished */
} LAB_ISR_EXTENSION, *PLAB_ISR_EXTENSION;

static PDEVICE_OBJECT lab_isr_fdo;

static inline volatile ULONG *LabRegister(PLAB_ISR_EXTENSION Dev, ULONG Offset)
{
    return &Dev->Registers[Offset / 4];
}

/* ---- the request queue (given, except TODO 4) -----------------------------------------------
 * LabQueueRequest, LabStartNextRequest and LabTakeCurrentRequest are what the rest of the driver
 * calls; "static inline" only so that the skeleton, which does not call them yet, builds. */

/* METHOD_BUFFERED: input and output share the system buffer; LabCheckRequest made sure it holds
 * a ULONG each way. */
static ULONG LabRequestN(PIRP Irp) { return *(PULONG)Irp->AssociatedIrp.SystemBuffer; }

/* Tell the device to compute n! and to interrupt when it is done. */
static VOID LabStartFactorial(PLAB_ISR_EXTENSION Dev, ULONG N)
{
    WRITE_REGISTER_ULONG(LabRegister(Dev, LAB_EDU_REG_STATUS), LAB_EDU_STATUS_IRQ_FACTORIAL);
    WRITE_REGISTER_ULONG(LabRegister(Dev, LAB_EDU_REG_FACTORIAL), N);
}

/* The cancel-safe queue's routines (learn.microsoft.com "Cancel-Safe IRP Queues"). The IoCsq*
 * routines call them holding CsqLock (except the last): they only keep the list. */
static VOID LabCsqInsert(PIO_CSQ Csq, PIRP Irp)
{
    PLAB_ISR_EXTENSION dev = CONTAINING_RECORD(Csq, LAB_ISR_EXTENSION, Csq);
    InsertTailList(&dev->WaitingIrps, &Irp->Tail.Overlay.ListEntry);
}

static VOID LabCsqRemove(PIO_CSQ Csq, PIRP Irp)
{
    UNREFERENCED_PARAMETER(Csq);
    RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
}

/* The IRP after `Irp` (the first one for NULL), or NULL at the end. */
static PIRP LabCsqPeekNext(PIO_CSQ Csq, PIRP Irp, PVOID PeekContext)
{
    UNREFERENCED_PARAMETER(PeekContext);
    PLAB_ISR_EXTENSION dev = CONTAINING_RECORD(Csq, LAB_ISR_EXTENSION, Csq);
    PLIST_ENTRY next = Irp ? Irp->Tail.Overlay.ListEntry.Flink : dev->WaitingIrps.Flink;
    return next == &dev->WaitingIrps ? NULL : CONTAINING_RECORD(next, IRP, Tail.Overlay.ListEntry);
}

static VOID LabCsqAcquireLock(PIO_CSQ Csq, PKIRQL Irql)
{
    KeAcquireSpinLock(&CONTAINING_RECORD(Csq, LAB_ISR_EXTENSION, Csq)->CsqLock, Irql);
}

static VOID LabCsqReleaseLock(PIO_CSQ Csq, KIRQL Irql)
{
    KeReleaseSpinLock(&CONTAINING_RECORD(Csq, LAB_ISR_EXTENSION, Csq)->CsqLock, Irql);
}

/* A waiting request was cancelled (IoCancelIrp): the queue has let go of it, the driver
 * completes it. DISPATCH_LEVEL or below, holding no lock. */
static VOID LabCsqCompleteCanceled(PIO_CSQ Csq, PIRP Irp)
{
    UNREFERENCED_PARAMETER(Csq);
    Irp->IoStatus.Status = STATUS_CANCELLED;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
}

/* Add a request at the end of the waiting queue, cancelable. IRQL <= DISPATCH_LEVEL. */
static inline VOID LabQueueRequest(PLAB_ISR_EXTENSION Dev, PIRP Irp) { IoCsqInsertIrp(&Dev->Csq, Irp, NULL); }

/* If the device is idle, make the oldest waiting request the current one and start the device
 * on it. IRQL <= DISPATCH_LEVEL. CurrentIrp is set before the device starts: its interrupt may
 * come at once, and the DPC (on another CPU) must find the request. */
static inline VOID LabStartNextRequest(PLAB_ISR_EXTENSION Dev)
{
    KIRQL old;
    KeAcquireSpinLock(&Dev->StartLock, &old);
    if (!Dev->CurrentIrp) {
        PIRP next = IoCsqRemoveNextIrp(&Dev->Csq, NULL); /* no longer cancelable */
        if (next) {
            Dev->CurrentIrp = next;
            LabStartFactorial(Dev, LabRequestN(next));
        }
    }
    KeReleaseSpinLock(&Dev->StartLock, old);
}

/* The request the device was working on (NULL if none); the device is idle afterwards. */
static inline PIRP LabTakeCurrentRequest(PLAB_ISR_EXTENSION Dev)
{
    KIRQL old;
    KeAcquireSpinLock(&Dev->StartLock, &old);
    PIRP irp = Dev->CurrentIrp;
    Dev->CurrentIrp = NULL;
    KeReleaseSpinLock(&Dev->StartLock, old);
    return irp;
}

/* ---- the dispatch routine: IRP_MJ_DEVICE_CONTROL, PASSIVE_LEVEL ------------------------------ */

/* STATUS_SUCCESS if the request is one this driver can start (given). */
static NTSTATUS LabCheckRequest(PIO_STACK_LOCATION Stack, PIRP Irp)
{
    if (Stack->Parameters.DeviceIoControl.IoControlCode != IOCTL_LAB_ISR_FACTORIAL)
        return STATUS_INVALID_DEVICE_REQUEST;
    if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(ULONG))
        return STATUS_INVALID_PARAMETER;
    if (Stack->Parameters.DeviceIoControl.OutputBufferLength < sizeof(ULONG))
        return STATUS_BUFFER_TOO_SMALL;
    if (LabRequestN(Irp) > LAB_ISR_MAX_N)
        return STATUS_INVALID_PARAMETER;
    return STATUS_SUCCESS;
}

/* Complete at once, with nothing transferred (given): what a bad request gets. */
static NTSTATUS LabCompleteNow(PIRP Irp, NTSTATUS Status)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

static NTSTATUS LabIsrDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PLAB_ISR_EXTENSION dev = DeviceObject->DeviceExtension;
    NTSTATUS status = LabCheckRequest(IoGetCurrentIrpStackLocation(Irp), Irp);
    if (status != STATUS_SUCCESS)
        return LabCompleteNow(Irp, status);

    /* The device answers later, in an interrupt: say so before anyone else can see the IRP. Once
     * it is queued, the DPC may complete it on another CPU - and then it is gone. (IoCsqInsertIrp
     * marks it pending too; a driver with a queue of its own would not get that for free.) */
    IoMarkIrpPending(Irp);
    LabQueueRequest(dev, Irp);
    LabStartNextRequest(dev);
    /* Marked pending means STATUS_PENDING, even if the IRP has been completed by now. */
    return STATUS_PENDING;
}

/* ---- the ISR, at the line's DIRQL holding the interrupt's spin lock ------------------------- */

static BOOLEAN LabIsrInterrupt(PKINTERRUPT Interrupt, PVOID ServiceContext)
{
    UNREFERENCED_PARAMETER(Interrupt);
    PLAB_ISR_EXTENSION dev = ServiceContext;
    ULONG status = READ_REGISTER_ULONG(LabRegister(dev, LAB_EDU_REG_INTERRUPT_STATUS));
    if (status == 0)
        return FALSE; /* not ours: another device on the line */

    /* Acknowledge first: the level line stays asserted until the status is clear. The result
     * register holds n! from the moment the device raised the interrupt. Nothing else here: no
     * IRP, no queue - those are for the DPC, at an IRQL that may take spin locks and complete. */
    WRITE_REGISTER_ULONG(LabRegister(dev, LAB_EDU_REG_INTERRUPT_ACK), status);
    if (status & LAB_EDU_FACTORIAL_DONE)
        dev->Result = READ_REGISTER_ULONG(LabRegister(dev, LAB_EDU_REG_FACTORIAL));
    dev->PendingStatus |= status;

    /* Last: the DPC may start on another CPU the moment it is queued. */
    IoRequestDpc(dev->Self, NULL, NULL);
    return TRUE;
}

/* ---- the DPC, at DISPATCH_LEVEL -------------------------------------------------------------- */

struct lab_take {
    PLAB_ISR_EXTENSION Dev;
    ULONG Status;
    ULONG Result;
};

/* Runs under the interrupt's spin lock (KeSynchronizeExecution): the ISR cannot run meanwhile. */
static BOOLEAN LabTakeResult(PVOID Context)
{
    struct lab_take *take = Context;
    take->Status = take->Dev->PendingStatus;
    take->Result = take->Dev->Result;
    take->Dev->PendingStatus = 0;
    return TRUE;
}

static VOID LabIsrDpcForIsr(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Irp);
    UNREFERENCED_PARAMETER(Context);
    PLAB_ISR_EXTENSION dev = DeviceObject->DeviceExtension;
    struct lab_take take = {dev, 0, 0};
    (void)KeSynchronizeExecution(dev->Interrupt, LabTakeResult, &take);
    if (!(take.Status & LAB_EDU_FACTORIAL_DONE))
        return; /* raised through the raise register: no factorial finished */

    PIRP request = LabTakeCurrentRequest(dev);
    if (!request)
        return;
    /* The answer goes where the input came from (METHOD_BUFFERED); Information says how many
     * bytes of it are the answer - the I/O manager copies that many to the sender's buffer. */
    *(PULONG)request->AssociatedIrp.SystemBuffer = take.Result;
    request->IoStatus.Status = STATUS_SUCCESS;
    request->IoStatus.Information = sizeof(ULONG);
    LabStartNextRequest(dev); /* keep the device busy while this one is handed back */
    IoCompleteRequest(request, IO_NO_INCREMENT); /* holding no lock: completion runs others' code */
}

/* ---- start (given) --------------------------------------------------------------------------- */

static PCM_PARTIAL_RESOURCE_DESCRIPTOR LabFindRegisters(PCM_RESOURCE_LIST Translated)
{
    if (!Translated || Translated->Count == 0)
        return NULL;
    PCM_PARTIAL_RESOURCE_LIST list = &Translated->List[0].PartialResourceList;
    for (ULONG i = 0; i < list->Count; i++)
        if (list->PartialDescriptors[i].Type == CmResourceTypeMemory)
            return &list->PartialDescriptors[i];
    return NULL;
}

static VOID LabCleanup(PLAB_ISR_EXTENSION Dev)
{
    if (Dev->Interrupt) {
        IO_DISCONNECT_INTERRUPT_PARAMETERS disconnect = {0};
        disconnect.Version = CONNECT_LINE_BASED;
        disconnect.ConnectionContext.InterruptObject = Dev->Interrupt;
        IoDisconnectInterruptEx(&disconnect);
        Dev->Interrupt = NULL;
    }
    KeFlushQueuedDpcs();
    if (Dev->Registers)
        MmUnmapIoSpace((PVOID)Dev->Registers, Dev->RegistersLength);
    IoDetachDevice(Dev->Pdo);
    IoDeleteDevice(Dev->Self);
}

NTSTATUS LabIsrStartDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo, PCM_RESOURCE_LIST Raw,
                           PCM_RESOURCE_LIST Translated)
{
    UNREFERENCED_PARAMETER(Raw);
    PCM_PARTIAL_RESOURCE_DESCRIPTOR registers = LabFindRegisters(Translated);
    if (!registers)
        return STATUS_INSUFFICIENT_RESOURCES;

    /* What DriverEntry would do: the driver's dispatch routine. */
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = LabIsrDeviceControl;

    PDEVICE_OBJECT fdo;
    NTSTATUS status = IoCreateDevice(DriverObject, sizeof(LAB_ISR_EXTENSION), NULL, FILE_DEVICE_UNKNOWN,
                                     FILE_DEVICE_SECURE_OPEN, FALSE, &fdo);
    if (!NT_SUCCESS(status))
        return status;
    PLAB_ISR_EXTENSION dev = fdo->DeviceExtension; /* zeroed */
    dev->Self = fdo;
    dev->Pdo = Pdo;
    KeInitializeSpinLock(&dev->CsqLock);
    KeInitializeSpinLock(&dev->StartLock);
    InitializeListHead(&dev->WaitingIrps);
    (void)IoCsqInitialize(&dev->Csq, LabCsqInsert, LabCsqRemove, LabCsqPeekNext, LabCsqAcquireLock, LabCsqReleaseLock,
                          LabCsqCompleteCanceled);
    if (!IoAttachDeviceToDeviceStack(fdo, Pdo)) {
        IoDeleteDevice(fdo);
        return STATUS_NO_SUCH_DEVICE;
    }
    dev->RegistersLength = registers->u.Memory.Length;
    dev->Registers = MmMapIoSpace(registers->u.Memory.Start, dev->RegistersLength, MmNonCached);
    if (!dev->Registers) {
        LabCleanup(dev);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    if ((READ_REGISTER_ULONG(LabRegister(dev, LAB_EDU_REG_ID)) & 0xFF) != LAB_EDU_ID_MAGIC) {
        LabCleanup(dev);
        return STATUS_NO_SUCH_DEVICE;
    }
    /* Quiet the device before the ISR can run. */
    WRITE_REGISTER_ULONG(LabRegister(dev, LAB_EDU_REG_INTERRUPT_ACK),
                         READ_REGISTER_ULONG(LabRegister(dev, LAB_EDU_REG_INTERRUPT_STATUS)));

    IoInitializeDpcRequest(fdo, LabIsrDpcForIsr);

    IO_CONNECT_INTERRUPT_PARAMETERS connect = {0};
    connect.Version = CONNECT_LINE_BASED;
    connect.LineBased.PhysicalDeviceObject = Pdo;
    connect.LineBased.InterruptObject = &dev->Interrupt;
    connect.LineBased.ServiceRoutine = LabIsrInterrupt;
    connect.LineBased.ServiceContext = dev;
    status = IoConnectInterruptEx(&connect);
    if (!NT_SUCCESS(status)) {
        DbgPrint("lab_isr: IoConnectInterruptEx failed: 0x%08x\n", (unsigned)status);
        dev->Interrupt = NULL;
        LabCleanup(dev);
        return status;
    }
    fdo->Flags &= ~DO_DEVICE_INITIALIZING;
    lab_isr_fdo = fdo;
    DbgPrint("lab_isr: started, line-based\n");
    return STATUS_SUCCESS;
}

/* ---- for the grader (lab_isr.h) -------------------------------------------------------------- */

PDEVICE_OBJECT lab_isr_device(void) { return lab_isr_fdo; }

PKINTERRUPT lab_isr_interrupt(PDEVICE_OBJECT Device) { return ((PLAB_ISR_EXTENSION)Device->DeviceExtension)->Interrupt; }
