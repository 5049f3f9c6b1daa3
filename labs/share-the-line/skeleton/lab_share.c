/* drivers/lab_share/lab_share.c - lab "share the line": a second driver for QEMU's edu device
 * whose ISR shares a level-triggered interrupt line with drivers/edu/edu.c.
 *
 * STUDENT SKELETON (labs/share-the-line/skeleton/). Handout: docs/labs/share-the-line.md.
 * Your work: LabShareIsr (TODO 1-5). Everything marked "given" already works; read it.
 *
 * The grader starts this driver on the edu at 00:07.0; the edu at 00:03.0 keeps drivers/edu/edu.c.
 * Both raise the same level-triggered INTx line, so the kernel calls the ISRs on that vector one
 * after the other (kernel/ke/chain_walk.h) until one returns TRUE. Ours is called first.
 */
#include "lab_share.h"

/* edu registers in BAR0 (QEMU docs/specs/edu.txt), all 32 bits wide. */
#define LAB_EDU_REG_ID 0x00               /* low byte 0xED */
#define LAB_EDU_REG_INTERRUPT_STATUS 0x24 /* bits raised and not yet acknowledged */
#define LAB_EDU_REG_INTERRUPT_ACK 0x64    /* write: clear these status bits (the line drops at 0) */
#define LAB_EDU_ID_MAGIC 0xED

typedef struct _LAB_SHARE_EXTENSION {
    PDEVICE_OBJECT Self;
    PDEVICE_OBJECT Pdo;
    volatile ULONG *Registers; /* BAR0, mapped */
    SIZE_T RegistersLength;
    PKINTERRUPT Interrupt; /* from IoConnectInterruptEx (CONNECT_LINE_BASED) */

    /* Written by the ISR, read by the DPC: only under the interrupt's spin lock. */
    ULONG PendingStatus;
    struct lab_share_counts Counts;
} LAB_SHARE_EXTENSION, *PLAB_SHARE_EXTENSION;

static PDEVICE_OBJECT lab_share_fdo;

static inline volatile ULONG *LabRegister(PLAB_SHARE_EXTENSION Dev, ULONG Offset)
{
    return &Dev->Registers[Offset / 4];
}

/* ---- the ISR: "is this interrupt mine?"  (YOUR WORK IS HERE) ------------------------------- */

/* Runs at the line's DIRQL holding the interrupt's spin lock, on whichever CPU took the interrupt.
 * The line is shared with the edu at 00:03.0 (drivers/edu/edu.c): being called does NOT mean
 * that our device interrupted. The kernel calls the ISRs on a level-triggered vector in connect
 * order and stops at the first that returns TRUE (kernel/ke/chain_walk.h). */
static BOOLEAN LabShareIsr(PKINTERRUPT Interrupt, PVOID ServiceContext)
{
    UNREFERENCED_PARAMETER(Interrupt);
    PLAB_SHARE_EXTENSION dev = ServiceContext;
    dev->Counts.isr_calls++;

    /* TODO 1: read our device's interrupt status register (LAB_EDU_REG_INTERRUPT_STATUS) with
     *         READ_REGISTER_ULONG(LabRegister(dev, ...)). */

    /* TODO 2: if no bit is set our device is quiet: this interrupt belongs to the other device on
     *         the line. Say so (and touch nothing else). */

    /* TODO 3: it is ours. Acknowledge it by writing the bits you read to LAB_EDU_REG_INTERRUPT_ACK
     *         - a level-triggered line stays asserted until the device's status is clear - then
     *         OR them into dev->PendingStatus for the DPC and count the claim in
     *         dev->Counts.isr_claimed. */

    /* TODO 4: queue the DPC (IoRequestDpc on dev->Self; LabShareDpcForIsr below is already
     *         set up with IoInitializeDpcRequest), as the last thing before returning. */

    return FALSE; /* TODO 5: return the right answer on each path */
}

/* ---- the DPC (given) ------------------------------------------------------------------------ */

struct lab_take {
    PLAB_SHARE_EXTENSION Dev;
    ULONG Status;
    KIRQL Irql; /* the DPC's IRQL, before KeSynchronizeExecution raised it */
};

static BOOLEAN LabTakePendingStatus(PVOID Context)
{
    struct lab_take *take = Context;
    take->Status = take->Dev->PendingStatus;
    take->Dev->PendingStatus = 0;
    take->Dev->Counts.dpc_calls++;
    take->Dev->Counts.status_seen |= take->Status;
    take->Dev->Counts.dpc_irql = take->Irql;
    return TRUE;
}

static VOID LabShareDpcForIsr(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Irp);
    UNREFERENCED_PARAMETER(Context);
    PLAB_SHARE_EXTENSION dev = DeviceObject->DeviceExtension;
    /* DISPATCH_LEVEL when the kernel runs us as a DPC (and DIRQL if an ISR called us directly). */
    struct lab_take take = {dev, 0, KeGetCurrentIrql()};
    (void)KeSynchronizeExecution(dev->Interrupt, LabTakePendingStatus, &take);
    /* A real device would now complete the work `take.Status` reports. */
}

/* ---- start and stop (given) ----------------------------------------------------------------- */

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

static VOID LabCleanup(PLAB_SHARE_EXTENSION Dev)
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

NTSTATUS LabShareStartDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo, PCM_RESOURCE_LIST Raw,
                             PCM_RESOURCE_LIST Translated)
{
    UNREFERENCED_PARAMETER(Raw);
    PCM_PARTIAL_RESOURCE_DESCRIPTOR registers = LabFindRegisters(Translated);
    if (!registers)
        return STATUS_INSUFFICIENT_RESOURCES;

    PDEVICE_OBJECT fdo;
    NTSTATUS status = IoCreateDevice(DriverObject, sizeof(LAB_SHARE_EXTENSION), NULL, FILE_DEVICE_UNKNOWN,
                                     FILE_DEVICE_SECURE_OPEN, FALSE, &fdo);
    if (!NT_SUCCESS(status))
        return status;
    PLAB_SHARE_EXTENSION dev = fdo->DeviceExtension; /* zeroed */
    dev->Self = fdo;
    dev->Pdo = Pdo;
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

    IoInitializeDpcRequest(fdo, LabShareDpcForIsr);

    IO_CONNECT_INTERRUPT_PARAMETERS connect = {0};
    connect.Version = CONNECT_LINE_BASED;
    connect.LineBased.PhysicalDeviceObject = Pdo;
    connect.LineBased.InterruptObject = &dev->Interrupt;
    connect.LineBased.ServiceRoutine = LabShareIsr;
    connect.LineBased.ServiceContext = dev;
    status = IoConnectInterruptEx(&connect);
    if (!NT_SUCCESS(status)) {
        DbgPrint("lab_share: IoConnectInterruptEx failed: 0x%08x\n", (unsigned)status);
        dev->Interrupt = NULL;
        LabCleanup(dev);
        return status;
    }
    fdo->Flags &= ~DO_DEVICE_INITIALIZING;
    lab_share_fdo = fdo;
    DbgPrint("lab_share: connected to the shared line\n");
    return STATUS_SUCCESS;
}

VOID LabShareStopDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Fdo)
{
    UNREFERENCED_PARAMETER(DriverObject);
    if (!Fdo || Fdo != lab_share_fdo)
        return;
    PLAB_SHARE_EXTENSION dev = Fdo->DeviceExtension;
    lab_share_fdo = NULL;
    /* Silence the device before taking the ISR away: an asserted line with no ISR to clear it
     * would storm the other device on it. */
    WRITE_REGISTER_ULONG(LabRegister(dev, LAB_EDU_REG_INTERRUPT_ACK),
                         READ_REGISTER_ULONG(LabRegister(dev, LAB_EDU_REG_INTERRUPT_STATUS)));
    LabCleanup(dev);
}

/* ---- for the grader (lab_share.h) ------------------------------------------------------------ */

PDEVICE_OBJECT lab_share_device(void) { return lab_share_fdo; }

struct lab_copy {
    PLAB_SHARE_EXTENSION Dev;
    struct lab_share_counts *Out;
};

static BOOLEAN LabCopyCounts(PVOID Context)
{
    struct lab_copy *copy = Context;
    *copy->Out = copy->Dev->Counts;
    return TRUE;
}

VOID lab_share_get_counts(PDEVICE_OBJECT Device, struct lab_share_counts *Counts)
{
    PLAB_SHARE_EXTENSION dev = Device->DeviceExtension;
    struct lab_copy copy = {dev, Counts};
    (void)KeSynchronizeExecution(dev->Interrupt, LabCopyCounts, &copy);
}

PKINTERRUPT lab_share_interrupt(PDEVICE_OBJECT Device) { return ((PLAB_SHARE_EXTENSION)Device->DeviceExtension)->Interrupt; }
