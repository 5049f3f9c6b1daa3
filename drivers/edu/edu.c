/* drivers/edu/edu.c - a driver for QEMU's edu device, written the way a WDM driver is.
 *
 * References: learn.microsoft.com "Introduction to Message-Signaled Interrupts", "Using the
 * CONNECT_MESSAGE_BASED Version of IoConnectInterruptEx", "Writing an ISR", "DpcForIsr Routine
 * and IoRequestDpc"; QEMU docs/specs/edu.txt (registers below).
 *
 * This is the model to copy. It is a WDM driver (learn.microsoft.com "DriverEntry for WDM
 * Drivers", "AddDevice routine", "Handling PnP IRPs"; docs/pnp.md): DriverEntry fills the dispatch
 * table, AddDevice creates the FDO and attaches it to the PDO, IRP_MJ_PNP does the rest:
 *   START_DEVICE      the bus driver first (IoForwardIrpSynchronously), then map + connect with
 *                     the resources this start brings (after a rebalance: other ones);
 *   QUERY_STOP/REMOVE refused (STATUS_DEVICE_BUSY) while work is in flight (edu_hold);
 *   STOP_DEVICE       quiet the device, disconnect, unmap - the FDO stays for the next START;
 *   SURPRISE_REMOVAL  the same without touching the (gone) registers;
 *   REMOVE_DEVICE     the same if still started, pass it down, IoDetachDevice, IoDeleteDevice;
 *   DriverUnload      nothing left to free (Bug Check 0xCE if an interrupt or device were).
 * What it shows besides:
 *   - START finds its registers in the *translated* resource list and maps them;
 *   - it quiets the device before connecting, because the ISR may run before the connect returns;
 *   - it asks for message-signalled interrupts (CONNECT_MESSAGE_BASED) and gives a fallback ISR,
 *     so the same driver works when the device only has its line (boot with msi=off): the
 *     kernel then connects the fallback and rewrites Parameters.Version to CONNECT_LINE_BASED;
 *   - the ISR decides "mine?", silences the device, saves what it saw, queues the DPC - last;
 *   - the DPC takes the saved state under the interrupt's spin lock (KeSynchronizeExecution);
 *   - STOP undoes everything in reverse, and flushes DPCs before freeing what they use.
 * Every call that can fail is checked.
 *
 * Passive mode (`edu_passive=on`; learn.microsoft.com "Using Passive-Level Interrupt Service
 * Routines"): the same ISR, connected with CONNECT_FULLY_SPECIFIED and Irql = SynchronizeIrql =
 * PASSIVE_LEVEL, SpinLock = NULL, runs in a kernel thread. It may block (a device behind I2C
 * would wait for its bus here); the kernel keeps a level line masked until it returns. It does
 * the DPC's work itself - no DPC - and KeSynchronizeExecution still guards the shared fields,
 * through the interrupt's event instead of a spin lock. KMDF drivers ask for the same with
 * WDF_INTERRUPT_CONFIG.PassiveHandling = TRUE.
 */
#include "edu.h"

#define EDU_VENDOR_ID 0x1234
#define EDU_DEVICE_ID 0x11E8

/* Registers in BAR0 (all 32 bits wide). */
#define EDU_REG_ID 0x00               /* 0x010000ED: version 1.0, "ED" */
#define EDU_REG_INTERRUPT_STATUS 0x24 /* bits raised and not yet acknowledged */
#define EDU_REG_INTERRUPT_RAISE 0x60  /* write: set these status bits and interrupt */
#define EDU_REG_INTERRUPT_ACK 0x64    /* write: clear these status bits */
#define EDU_ID_MAGIC 0xED

typedef struct _EDU_EXTENSION {
    PDEVICE_OBJECT Self;       /* our device object (the FDO) */
    PDEVICE_OBJECT Pdo;        /* the device as the bus sees it */
    PDEVICE_OBJECT Lower;      /* what IoAttachDeviceToDeviceStack attached us to: IRPs go on there */
    BOOLEAN Started;           /* between a successful START and STOP / REMOVE / SURPRISE_REMOVAL */
    BOOLEAN Gone;              /* surprise-removed: the registers are no longer there */
    LONG Busy;                 /* edu_hold: QUERY_STOP / QUERY_REMOVE are refused while > 0 */
    volatile ULONG *Registers; /* BAR0, mapped */
    SIZE_T RegistersLength;

    /* What IoConnectInterruptEx gave us, which IoDisconnectInterruptEx wants back. */
    ULONG ConnectVersion; /* CONNECT_MESSAGE_BASED, or CONNECT_LINE_BASED (fallback) */
    union {
        PVOID Generic;
        PIO_INTERRUPT_MESSAGE_INFO MessageTable;
        PKINTERRUPT LineInterrupt;
    } Connection;
    PKINTERRUPT Interrupt; /* the object whose lock guards the fields below */
    BOOLEAN Passive;       /* the ISR runs at PASSIVE_LEVEL (passive mode) */

    /* Written by the ISR, read by the DPC: only under the interrupt's spin lock. */
    ULONG PendingStatus;
    struct edu_counts Counts;
} EDU_EXTENSION, *PEDU_EXTENSION;

static PDEVICE_OBJECT edu_slots[EDU_MAX_DEVICES];
static PDEVICE_OBJECT edu_slot_pdos[EDU_MAX_DEVICES];

static inline volatile ULONG *EduRegister(PEDU_EXTENSION Edu, ULONG Offset) { return &Edu->Registers[Offset / 4]; }

/* ---- interrupt handling ------------------------------------------------------------------- */

/* The ISR's work, shared by the message ISR and the line fallback. Runs at the interrupt's
 * SynchronizeIrql holding its spin lock. */
static BOOLEAN EduServiceInterrupt(PEDU_EXTENSION Edu, ULONG MessageId)
{
    Edu->Counts.isr_calls++;
    ULONG status = READ_REGISTER_ULONG(EduRegister(Edu, EDU_REG_INTERRUPT_STATUS));
    if (status == 0)
        return FALSE; /* not ours: on a shared line the other device is interrupting */

    /* Acknowledge at once: a level line drops only when the status is clear, and in MSI mode
     * the status would otherwise pile up. Then remember what happened for the DPC. */
    WRITE_REGISTER_ULONG(EduRegister(Edu, EDU_REG_INTERRUPT_ACK), status);
    Edu->PendingStatus |= status;
    Edu->Counts.isr_claimed++;
    Edu->Counts.last_message_id = MessageId;
    Edu->Counts.last_cpu = KeGetCurrentProcessorNumber();
    Edu->Counts.last_irql = KeGetCurrentIrql();

    if (Edu->Passive) {
        /* At PASSIVE_LEVEL the ISR may take its time: do the DPC's work here. */
        Edu->Counts.dpc_calls++;
        Edu->Counts.status_seen |= Edu->PendingStatus;
        Edu->PendingStatus = 0;
        return TRUE;
    }
    /* Last: the DPC may start on another CPU the moment it is queued. */
    IoRequestDpc(Edu->Self, NULL, NULL);
    return TRUE;
}

static BOOLEAN EduMessageIsr(PKINTERRUPT Interrupt, PVOID ServiceContext, ULONG MessageId)
{
    UNREFERENCED_PARAMETER(Interrupt);
    return EduServiceInterrupt(ServiceContext, MessageId);
}

static BOOLEAN EduLineIsr(PKINTERRUPT Interrupt, PVOID ServiceContext)
{
    UNREFERENCED_PARAMETER(Interrupt);
    return EduServiceInterrupt(ServiceContext, 0);
}

struct edu_take {
    PEDU_EXTENSION Edu;
    ULONG Status;
};

/* Runs under the interrupt's spin lock (KeSynchronizeExecution): the ISR cannot run meanwhile. */
static BOOLEAN EduTakePendingStatus(PVOID Context)
{
    struct edu_take *take = Context;
    take->Status = take->Edu->PendingStatus;
    take->Edu->PendingStatus = 0;
    take->Edu->Counts.dpc_calls++;
    take->Edu->Counts.status_seen |= take->Status;
    return TRUE;
}

/* DpcForIsr, at DISPATCH_LEVEL. Several raises may have happened since the last run: handle all. */
static VOID EduDpcForIsr(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Irp);
    UNREFERENCED_PARAMETER(Context);
    PEDU_EXTENSION edu = DeviceObject->DeviceExtension;
    struct edu_take take = {edu, 0};
    (void)KeSynchronizeExecution(edu->Interrupt, EduTakePendingStatus, &take);
    /* A real device would now complete the work `take.Status` reports. */
}

/* ---- start and stop ----------------------------------------------------------------------- */

/* The first memory range in the translated resources: BAR0 (edu has no other). */
static PCM_PARTIAL_RESOURCE_DESCRIPTOR EduFindRegisters(PCM_RESOURCE_LIST Translated)
{
    if (!Translated || Translated->Count == 0)
        return NULL;
    PCM_PARTIAL_RESOURCE_LIST list = &Translated->List[0].PartialResourceList;
    for (ULONG i = 0; i < list->Count; i++)
        if (list->PartialDescriptors[i].Type == CmResourceTypeMemory)
            return &list->PartialDescriptors[i];
    return NULL;
}

static VOID EduRemember(PDEVICE_OBJECT Fdo, PDEVICE_OBJECT Pdo)
{
    unsigned free_slot = EDU_MAX_DEVICES;
    for (unsigned i = 0; i < EDU_MAX_DEVICES; i++) {
        if (edu_slot_pdos[i] == Pdo) { /* restarted: same slot as before */
            edu_slots[i] = Fdo;
            return;
        }
        if (!edu_slot_pdos[i] && free_slot == EDU_MAX_DEVICES)
            free_slot = i;
    }
    if (free_slot < EDU_MAX_DEVICES) {
        edu_slot_pdos[free_slot] = Pdo;
        edu_slots[free_slot] = Fdo;
    }
}

static VOID EduForget(PDEVICE_OBJECT Fdo)
{
    for (unsigned i = 0; i < EDU_MAX_DEVICES; i++)
        if (edu_slots[i] == Fdo)
            edu_slots[i] = NULL;
}

/* REMOVE: the slot is free for the next device (a PDO rescanned after a removal takes it). */
static VOID EduFreeSlot(PDEVICE_OBJECT Pdo)
{
    for (unsigned i = 0; i < EDU_MAX_DEVICES; i++)
        if (edu_slot_pdos[i] == Pdo)
            edu_slot_pdos[i] = edu_slots[i] = NULL;
}

/* Undo a (possibly partial) start, newest first. The device object stays: it belongs to
 * AddDevice / REMOVE, not to START / STOP. */
static VOID EduDisconnect(PEDU_EXTENSION Edu)
{
    if (Edu->Connection.Generic) {
        IO_DISCONNECT_INTERRUPT_PARAMETERS disconnect = {0};
        disconnect.Version = Edu->ConnectVersion;
        disconnect.ConnectionContext.Generic = Edu->Connection.Generic;
        IoDisconnectInterruptEx(&disconnect); /* on return no ISR of ours runs anywhere */
        Edu->Connection.Generic = NULL;
    }
    KeFlushQueuedDpcs(); /* ... but a DPC the ISR queued may still be waiting: let it finish */
    if (Edu->Registers)
        MmUnmapIoSpace((PVOID)Edu->Registers, Edu->RegistersLength);
    Edu->Registers = NULL;
    Edu->Interrupt = NULL;
    Edu->Passive = FALSE;
}

static int edu_passive_mode = -1; /* edu_set_passive_mode; -1: the command line decides */

/* Passive mode: a passive-level ISR on the device's first interrupt, message or line. */
static NTSTATUS EduConnectPassive(PEDU_EXTENSION Edu, PCM_RESOURCE_LIST Translated)
{
    PCM_PARTIAL_RESOURCE_DESCRIPTOR interrupt = NULL;
    PCM_PARTIAL_RESOURCE_LIST list = &Translated->List[0].PartialResourceList;
    for (ULONG i = 0; i < list->Count && !interrupt; i++)
        if (list->PartialDescriptors[i].Type == CmResourceTypeInterrupt)
            interrupt = &list->PartialDescriptors[i];
    if (!interrupt)
        return STATUS_NOT_FOUND;
    BOOLEAN message = (interrupt->Flags & CM_RESOURCE_INTERRUPT_MESSAGE) != 0;

    IO_CONNECT_INTERRUPT_PARAMETERS connect = {0};
    connect.Version = CONNECT_FULLY_SPECIFIED;
    connect.FullySpecified.PhysicalDeviceObject = Edu->Pdo;
    connect.FullySpecified.InterruptObject = &Edu->Connection.LineInterrupt;
    connect.FullySpecified.ServiceRoutine = EduLineIsr;
    connect.FullySpecified.ServiceContext = Edu;
    connect.FullySpecified.SpinLock = NULL; /* required: the kernel makes an event */
    connect.FullySpecified.Vector =
        message ? interrupt->u.MessageInterrupt.Translated.Vector : interrupt->u.Interrupt.Vector;
    connect.FullySpecified.Irql = PASSIVE_LEVEL; /* these two make it a passive-level ISR */
    connect.FullySpecified.SynchronizeIrql = PASSIVE_LEVEL;
    connect.FullySpecified.InterruptMode =
        (interrupt->Flags & CM_RESOURCE_INTERRUPT_LATCHED) ? Latched : LevelSensitive;
    connect.FullySpecified.ShareVector = interrupt->ShareDisposition == CmResourceShareShared;
    connect.FullySpecified.ProcessorEnableMask =
        message ? interrupt->u.MessageInterrupt.Translated.Affinity : interrupt->u.Interrupt.Affinity;
    connect.FullySpecified.FloatingSave = FALSE;
    NTSTATUS status = IoConnectInterruptEx(&connect);
    if (!NT_SUCCESS(status))
        return status;
    Edu->ConnectVersion = CONNECT_FULLY_SPECIFIED;
    Edu->Interrupt = Edu->Connection.LineInterrupt;
    Edu->Passive = TRUE;
    DbgPrint("edu: passive-level ISR on vector 0x%02lx (%s)\n", connect.FullySpecified.Vector,
             connect.FullySpecified.InterruptMode == Latched ? "edge" : "level");
    return STATUS_SUCCESS;
}

/* The device's PassiveInterrupt value (REG_DWORD, 0 when absent): connect the passive-level ISR.
 * The command line sets it as `edu.PassiveInterrupt=1` or `edu_passive=on` (docs/configuration.md). */
static BOOLEAN EduPassiveInterruptConfigured(PDEVICE_OBJECT Pdo)
{
    BOOLEAN passive = FALSE;
    HANDLE key;
    if (!NT_SUCCESS(IoOpenDeviceRegistryKey(Pdo, PLUGPLAY_REGKEY_DEVICE, KEY_READ, &key)))
        return passive;
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"PassiveInterrupt");
    ULONG buffer[(sizeof(KEY_VALUE_PARTIAL_INFORMATION) + sizeof(ULONG)) / sizeof(ULONG) + 1];
    PKEY_VALUE_PARTIAL_INFORMATION info = (PKEY_VALUE_PARTIAL_INFORMATION)buffer;
    ULONG length;
    if (NT_SUCCESS(ZwQueryValueKey(key, &name, KeyValuePartialInformation, info, sizeof(buffer), &length)) &&
        info->Type == REG_DWORD)
        passive = *(ULONG *)info->Data != 0;
    ZwClose(key);
    return passive;
}

/* IRP_MN_START_DEVICE, after the bus driver has started the device: map the registers the
 * translated list names, connect the interrupt it names. Also a restart after a stop - with other
 * resources when the PnP manager rebalanced: nothing of the old ones is kept. */
static NTSTATUS EduStart(PEDU_EXTENSION edu, PCM_RESOURCE_LIST Translated)
{
    PDEVICE_OBJECT fdo = edu->Self;
    PDEVICE_OBJECT Pdo = edu->Pdo;
    NTSTATUS status;
    PCM_PARTIAL_RESOURCE_DESCRIPTOR registers = EduFindRegisters(Translated);
    if (!registers) {
        DbgPrint("edu: no memory resource (BAR0)\n");
        return STATUS_INSUFFICIENT_RESOURCES;
    }

    edu->RegistersLength = registers->u.Memory.Length;
    edu->Registers = MmMapIoSpace(registers->u.Memory.Start, edu->RegistersLength, MmNonCached);
    if (!edu->Registers) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    if ((READ_REGISTER_ULONG(EduRegister(edu, EDU_REG_ID)) & 0xFF) != EDU_ID_MAGIC) {
        DbgPrint("edu: BAR0 does not look like an edu device\n");
        EduDisconnect(edu);
        return STATUS_NO_SUCH_DEVICE;
    }

    /* Quiet the device first: edu keeps its status across a reset, and an old raise would
     * interrupt the moment the ISR is connected - possibly before IoConnectInterruptEx returns. */
    WRITE_REGISTER_ULONG(EduRegister(edu, EDU_REG_INTERRUPT_ACK),
                         READ_REGISTER_ULONG(EduRegister(edu, EDU_REG_INTERRUPT_STATUS)));

    if (edu_passive_mode > 0 || (edu_passive_mode < 0 && EduPassiveInterruptConfigured(Pdo))) {
        status = EduConnectPassive(edu, Translated);
        if (!NT_SUCCESS(status)) {
            DbgPrint("edu: IoConnectInterruptEx (passive) failed: 0x%08x\n", (unsigned)status);
            EduDisconnect(edu);
            return status;
        }
        EduRemember(fdo, Pdo);
        return STATUS_SUCCESS;
    }

    IO_CONNECT_INTERRUPT_PARAMETERS connect = {0};
    connect.Version = CONNECT_MESSAGE_BASED;
    connect.MessageBased.PhysicalDeviceObject = Pdo;
    connect.MessageBased.ConnectionContext.Generic = &edu->Connection.Generic;
    connect.MessageBased.MessageServiceRoutine = EduMessageIsr;
    connect.MessageBased.ServiceContext = edu;
    connect.MessageBased.SpinLock = NULL;     /* one lock per message, made by the kernel */
    connect.MessageBased.SynchronizeIrql = 0; /* the messages' own IRQL */
    connect.MessageBased.FloatingSave = FALSE;
    connect.MessageBased.FallBackServiceRoutine = EduLineIsr;
    status = IoConnectInterruptEx(&connect);
    if (!NT_SUCCESS(status)) {
        DbgPrint("edu: IoConnectInterruptEx failed: 0x%08x\n", (unsigned)status);
        EduDisconnect(edu);
        return status;
    }
    /* Version tells which routine the kernel connected - and what disconnecting needs. */
    edu->ConnectVersion = connect.Version;
    if (connect.Version == CONNECT_MESSAGE_BASED)
        edu->Interrupt = edu->Connection.MessageTable->MessageInfo[0].InterruptObject;
    else
        edu->Interrupt = edu->Connection.LineInterrupt;

    EduRemember(fdo, Pdo);
    if (connect.Version == CONNECT_MESSAGE_BASED)
        DbgPrint("edu: message-based, %lu message(s), vector 0x%02lx at IRQL %u\n", /* WDK: %lu = ULONG */
                 edu->Connection.MessageTable->MessageCount, edu->Connection.MessageTable->MessageInfo[0].Vector,
                 edu->Connection.MessageTable->UnifiedIrql);
    else
        DbgPrint("edu: line-based (fallback ISR)\n");
    return STATUS_SUCCESS;
}

/* STOP, SURPRISE_REMOVAL, REMOVE: take the interrupt away. Stop the device interrupting first
 * (unless it is gone): a level line left asserted with no ISR to clear it would storm the other
 * devices on it. */
static VOID EduStop(PEDU_EXTENSION Edu)
{
    if (!Edu->Started)
        return;
    Edu->Started = FALSE;
    EduForget(Edu->Self);
    if (!Edu->Gone && Edu->Registers)
        WRITE_REGISTER_ULONG(EduRegister(Edu, EDU_REG_INTERRUPT_ACK),
                             READ_REGISTER_ULONG(EduRegister(Edu, EDU_REG_INTERRUPT_STATUS)));
    EduDisconnect(Edu);
}

/* Pass the IRP on to the bus driver unchanged, not waiting for it. */
static NTSTATUS EduPassDown(PEDU_EXTENSION Edu, PIRP Irp)
{
    IoSkipCurrentIrpStackLocation(Irp);
    return IoCallDriver(Edu->Lower, Irp);
}

static NTSTATUS EduComplete(PIRP Irp, NTSTATUS Status)
{
    Irp->IoStatus.Status = Status;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

/* IRP_MJ_PNP (learn.microsoft.com "Handling PnP IRPs" / "Starting a Device in a Function Driver" /
 * "Removing a Device in a Function Driver"). DeviceObject is our FDO. */
static NTSTATUS EduDispatchPnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PEDU_EXTENSION edu = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    switch (stack->MinorFunction) {
    case IRP_MN_START_DEVICE: {
        /* The bus driver first (it enables the device), then us, on the way back up. */
        if (!IoForwardIrpSynchronously(edu->Lower, Irp))
            return EduComplete(Irp, STATUS_UNSUCCESSFUL);
        NTSTATUS status = Irp->IoStatus.Status;
        if (NT_SUCCESS(status)) {
            status = EduStart(edu, stack->Parameters.StartDevice.AllocatedResourcesTranslated);
            edu->Started = NT_SUCCESS(status);
        }
        return EduComplete(Irp, status);
    }
    case IRP_MN_QUERY_STOP_DEVICE:
    case IRP_MN_QUERY_REMOVE_DEVICE:
        /* Refuse while work is in flight (edu_hold): the PnP manager cancels the stop/remove. */
        if (__atomic_load_n(&edu->Busy, __ATOMIC_ACQUIRE) > 0)
            return EduComplete(Irp, STATUS_DEVICE_BUSY);
        Irp->IoStatus.Status = STATUS_SUCCESS;
        return EduPassDown(edu, Irp);
    case IRP_MN_CANCEL_STOP_DEVICE:
    case IRP_MN_CANCEL_REMOVE_DEVICE:
        Irp->IoStatus.Status = STATUS_SUCCESS; /* nothing was changed at the query */
        return EduPassDown(edu, Irp);
    case IRP_MN_STOP_DEVICE:
        EduStop(edu); /* the resources are about to be taken away: the next START brings new ones */
        Irp->IoStatus.Status = STATUS_SUCCESS;
        return EduPassDown(edu, Irp);
    case IRP_MN_SURPRISE_REMOVAL:
        edu->Gone = TRUE; /* the registers are gone: do not touch them */
        EduStop(edu);
        Irp->IoStatus.Status = STATUS_SUCCESS;
        return EduPassDown(edu, Irp);
    case IRP_MN_REMOVE_DEVICE: {
        EduStop(edu); /* (done already after a STOP or a SURPRISE_REMOVAL) */
        EduFreeSlot(edu->Pdo);
        Irp->IoStatus.Status = STATUS_SUCCESS;
        NTSTATUS status = EduPassDown(edu, Irp);
        IoDetachDevice(edu->Lower);
        IoDeleteDevice(DeviceObject);
        return status;
    }
    default: return EduPassDown(edu, Irp); /* not ours: the status stays as the sender set it */
    }
}

/* AddDevice: our device object, with our state as its extension, on top of the PDO. No
 * hardware access yet - the resources come with IRP_MN_START_DEVICE. */
static NTSTATUS EduAddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo)
{
    PDEVICE_OBJECT fdo;
    NTSTATUS status = IoCreateDevice(DriverObject, sizeof(EDU_EXTENSION), NULL, FILE_DEVICE_UNKNOWN,
                                     FILE_DEVICE_SECURE_OPEN, FALSE, &fdo);
    if (!NT_SUCCESS(status)) {
        DbgPrint("edu: IoCreateDevice failed: 0x%08x\n", (unsigned)status);
        return status;
    }
    PEDU_EXTENSION edu = fdo->DeviceExtension; /* zeroed by IoCreateDevice */
    edu->Self = fdo;
    edu->Pdo = Pdo;
    edu->Lower = IoAttachDeviceToDeviceStack(fdo, Pdo);
    if (!edu->Lower) {
        IoDeleteDevice(fdo);
        return STATUS_NO_SUCH_DEVICE;
    }
    IoInitializeDpcRequest(fdo, EduDpcForIsr);
    fdo->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}

/* Called after every edu device was removed: nothing of ours may be left (Bug Check 0xCE). The
 * driver has no global state to free; the slots were cleared at STOP / REMOVE. */
static VOID EduUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("edu: DriverUnload\n");
}

static NTSTATUS EduDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->MajorFunction[IRP_MJ_PNP] = EduDispatchPnp;
    DriverObject->DriverExtension->AddDevice = EduAddDevice;
    DriverObject->DriverUnload = EduUnload;
    return STATUS_SUCCESS;
}

IRQLAB_DRIVER(edu, .Name = "edu", .VendorId = EDU_VENDOR_ID, .DeviceId = EDU_DEVICE_ID,
              .DriverEntry = EduDriverEntry);

/* ---- the API for tests and the shell (edu.h) ----------------------------------------------- */

PDEVICE_OBJECT edu_device(unsigned slot) { return slot < EDU_MAX_DEVICES ? edu_slots[slot] : NULL; }

NTSTATUS edu_raise(PDEVICE_OBJECT device, ULONG value)
{
    if (!device || value == 0)
        return STATUS_INVALID_PARAMETER;
    PEDU_EXTENSION edu = device->DeviceExtension;
    if (!edu->Started || !edu->Registers)
        return STATUS_DEVICE_NOT_READY; /* stopped: no registers mapped */
    WRITE_REGISTER_ULONG(EduRegister(edu, EDU_REG_INTERRUPT_RAISE), value);
    return STATUS_SUCCESS;
}

struct edu_copy {
    PEDU_EXTENSION Edu;
    struct edu_counts *Out;
};

static BOOLEAN EduCopyCounts(PVOID Context)
{
    struct edu_copy *copy = Context;
    *copy->Out = copy->Edu->Counts;
    return TRUE;
}

VOID edu_get_counts(PDEVICE_OBJECT device, struct edu_counts *counts)
{
    PEDU_EXTENSION edu = device->DeviceExtension;
    struct edu_copy copy = {edu, counts};
    if (edu->Interrupt)
        (void)KeSynchronizeExecution(edu->Interrupt, EduCopyCounts, &copy);
    else
        (void)EduCopyCounts(&copy); /* stopped: no ISR can run */
}

ULONG edu_connection_version(PDEVICE_OBJECT device)
{
    return ((PEDU_EXTENSION)device->DeviceExtension)->ConnectVersion;
}

PKINTERRUPT edu_interrupt(PDEVICE_OBJECT device) { return ((PEDU_EXTENSION)device->DeviceExtension)->Interrupt; }

VOID edu_set_passive_mode(int mode) { edu_passive_mode = mode < 0 ? -1 : mode > 0; }

BOOLEAN edu_is_passive(PDEVICE_OBJECT device) { return ((PEDU_EXTENSION)device->DeviceExtension)->Passive; }

VOID edu_hold(PDEVICE_OBJECT device, BOOLEAN hold)
{
    PEDU_EXTENSION edu = device->DeviceExtension;
    __atomic_add_fetch(&edu->Busy, hold ? 1 : -1, __ATOMIC_ACQ_REL);
}
