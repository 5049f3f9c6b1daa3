/* drivers/edu/edu.c - a driver for QEMU's edu device, written the way a WDM driver is.
 *
 * References: learn.microsoft.com "Introduction to Message-Signaled Interrupts", "Using the
 * CONNECT_MESSAGE_BASED Version of IoConnectInterruptEx", "Writing an ISR", "DpcForIsr Routine
 * and IoRequestDpc"; QEMU docs/specs/edu.txt (registers below).
 *
 * This is the model to copy. What it shows:
 *   - StartDevice finds its registers in the *translated* resource list and maps them;
 *   - it quiets the device before connecting, because the ISR may run before the connect returns;
 *   - it asks for message-signalled interrupts (CONNECT_MESSAGE_BASED) and gives a fallback ISR,
 *     so the same driver works when the device only has its line (boot with msi=off): the
 *     kernel then connects the fallback and rewrites Parameters.Version to CONNECT_LINE_BASED;
 *   - the ISR decides "mine?", silences the device, saves what it saw, queues the DPC - last;
 *   - the DPC takes the saved state under the interrupt's spin lock (KeSynchronizeExecution);
 *   - StopDevice undoes everything in reverse, and flushes DPCs before freeing what they use.
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

/* Undo a (possibly partial) start, newest first. */
static VOID EduCleanup(PEDU_EXTENSION Edu)
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
    IoDetachDevice(Edu->Pdo);
    IoDeleteDevice(Edu->Self);
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

static NTSTATUS EduStartDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo, PCM_RESOURCE_LIST Raw,
                               PCM_RESOURCE_LIST Translated)
{
    UNREFERENCED_PARAMETER(Raw); /* the raw list is in bus terms; drivers use the translated one */

    PCM_PARTIAL_RESOURCE_DESCRIPTOR registers = EduFindRegisters(Translated);
    if (!registers) {
        DbgPrint("edu: no memory resource (BAR0)\n");
        return STATUS_INSUFFICIENT_RESOURCES;
    }

    /* Our device object, with our state as its extension, on top of the PDO. */
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
    if (!IoAttachDeviceToDeviceStack(fdo, Pdo)) {
        IoDeleteDevice(fdo);
        return STATUS_NO_SUCH_DEVICE;
    }

    edu->RegistersLength = registers->u.Memory.Length;
    edu->Registers = MmMapIoSpace(registers->u.Memory.Start, edu->RegistersLength, MmNonCached);
    if (!edu->Registers) {
        EduCleanup(edu);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    if ((READ_REGISTER_ULONG(EduRegister(edu, EDU_REG_ID)) & 0xFF) != EDU_ID_MAGIC) {
        DbgPrint("edu: BAR0 does not look like an edu device\n");
        EduCleanup(edu);
        return STATUS_NO_SUCH_DEVICE;
    }

    /* Quiet the device first: edu keeps its status across a reset, and an old raise would
     * interrupt the moment the ISR is connected - possibly before IoConnectInterruptEx returns. */
    WRITE_REGISTER_ULONG(EduRegister(edu, EDU_REG_INTERRUPT_ACK),
                         READ_REGISTER_ULONG(EduRegister(edu, EDU_REG_INTERRUPT_STATUS)));

    IoInitializeDpcRequest(fdo, EduDpcForIsr);

    if (edu_passive_mode > 0 || (edu_passive_mode < 0 && EduPassiveInterruptConfigured(Pdo))) {
        status = EduConnectPassive(edu, Translated);
        if (!NT_SUCCESS(status)) {
            DbgPrint("edu: IoConnectInterruptEx (passive) failed: 0x%08x\n", (unsigned)status);
            EduCleanup(edu);
            return status;
        }
        fdo->Flags &= ~DO_DEVICE_INITIALIZING;
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
        EduCleanup(edu);
        return status;
    }
    /* Version tells which routine the kernel connected - and what disconnecting needs. */
    edu->ConnectVersion = connect.Version;
    if (connect.Version == CONNECT_MESSAGE_BASED)
        edu->Interrupt = edu->Connection.MessageTable->MessageInfo[0].InterruptObject;
    else
        edu->Interrupt = edu->Connection.LineInterrupt;

    fdo->Flags &= ~DO_DEVICE_INITIALIZING;
    EduRemember(fdo, Pdo);
    if (connect.Version == CONNECT_MESSAGE_BASED)
        DbgPrint("edu: message-based, %lu message(s), vector 0x%02lx at IRQL %u\n", /* WDK: %lu = ULONG */
                 edu->Connection.MessageTable->MessageCount, edu->Connection.MessageTable->MessageInfo[0].Vector,
                 edu->Connection.MessageTable->UnifiedIrql);
    else
        DbgPrint("edu: line-based (fallback ISR)\n");
    return STATUS_SUCCESS;
}

/* IRP_MN_STOP_DEVICE / IRP_MN_REMOVE_DEVICE: Fdo is our own device object, as in Windows. */
static VOID EduStopDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Fdo)
{
    UNREFERENCED_PARAMETER(DriverObject);
    PEDU_EXTENSION edu = Fdo->DeviceExtension;
    EduForget(Fdo);
    /* Stop the device interrupting before taking the ISR away: a level line left asserted with
     * no ISR to clear it would storm the other devices on it. */
    WRITE_REGISTER_ULONG(EduRegister(edu, EDU_REG_INTERRUPT_ACK),
                         READ_REGISTER_ULONG(EduRegister(edu, EDU_REG_INTERRUPT_STATUS)));
    EduCleanup(edu);
}

IRQLAB_DRIVER(edu, .Name = "edu", .VendorId = EDU_VENDOR_ID, .DeviceId = EDU_DEVICE_ID, .StartDevice = EduStartDevice,
              .StopDevice = EduStopDevice);

/* ---- the API for tests and the shell (edu.h) ----------------------------------------------- */

PDEVICE_OBJECT edu_device(unsigned slot) { return slot < EDU_MAX_DEVICES ? edu_slots[slot] : NULL; }

NTSTATUS edu_raise(PDEVICE_OBJECT device, ULONG value)
{
    if (!device || value == 0)
        return STATUS_INVALID_PARAMETER;
    PEDU_EXTENSION edu = device->DeviceExtension;
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
    (void)KeSynchronizeExecution(edu->Interrupt, EduCopyCounts, &copy);
}

ULONG edu_connection_version(PDEVICE_OBJECT device)
{
    return ((PEDU_EXTENSION)device->DeviceExtension)->ConnectVersion;
}

PKINTERRUPT edu_interrupt(PDEVICE_OBJECT device) { return ((PEDU_EXTENSION)device->DeviceExtension)->Interrupt; }

VOID edu_set_passive_mode(int mode) { edu_passive_mode = mode < 0 ? -1 : mode > 0; }

BOOLEAN edu_is_passive(PDEVICE_OBJECT device) { return ((PEDU_EXTENSION)device->DeviceExtension)->Passive; }
