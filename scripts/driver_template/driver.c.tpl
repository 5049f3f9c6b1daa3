/* drivers/@name@/@name@.c - an interrupt-driven PCI driver for @VENDOR@:@DEVICE@, made from
 * scripts/driver_template by `make new-driver` (docs/tutorial-first-driver.md walks through it).
 *
 * The whole life of a WDM-style driver, top to bottom:
 *   1. IRQLAB_DRIVER (at the end) puts an entry in the driver table: "I drive PCI @VENDOR@:@DEVICE@".
 *      At boot the PnP code makes a PDO (physical device object) for every PCI function, gives it
 *      resources (BARs, an interrupt) and calls StartDevice for the first driver that matches.
 *   2. StartDevice: find the registers in the *translated* resources, map them, quiet the device,
 *      connect the interrupt with IoConnectInterruptEx(CONNECT_MESSAGE_BASED) and a line fallback.
 *   3. The ISR runs at device IRQL: "is it mine?", acknowledge, remember, queue the DPC. Nothing more.
 *   4. The DPC runs later at DISPATCH_LEVEL and does the real work.
 *   5. StopDevice undoes StartDevice in reverse order.
 * The `@name@` shell command shows what happened; `@name@ raise` makes the device interrupt.
 * drivers/edu/edu.c is the full reference driver (several devices, an API for tests).
 * Like every driver it is built against include/ alone: <wdm.h> is the WDK's API, <irqlab.h>
 * irqlab's own hooks; a kernel routine outside include/exports.txt fails `make test`.
 */
#include <wdm.h>

#include <irqlab.h> /* the shell command at the end: irqlab's teaching hooks, not WDK */

#define @UPPER@_VENDOR_ID @VENDOR@
#define @UPPER@_DEVICE_ID @DEVICE@

/* Registers in BAR0, 32 bits wide. @REGISTER_NOTE@ */
#define @UPPER@_REG_INTERRUPT_STATUS @STATUS@ /* read: which interrupt causes are pending */
#define @UPPER@_REG_INTERRUPT_RAISE @RAISE@  /* write: make the device interrupt (for testing) */
#define @UPPER@_REG_INTERRUPT_ACK @ACK@    /* write: clear these causes - the acknowledge */

/* Everything the driver knows about its device lives in the device extension: memory the kernel
 * allocates with the device object (IoCreateDevice) and zeroes. */
typedef struct _@UPPER@_EXTENSION {
    PDEVICE_OBJECT Self;       /* our device object, the FDO (functional device object) */
    PDEVICE_OBJECT Pdo;        /* the device as the PCI bus sees it; we attach on top of it */
    volatile ULONG *Registers; /* BAR0, mapped into our address space */
    SIZE_T RegistersLength;

    /* IoConnectInterruptEx fills these; IoDisconnectInterruptEx wants exactly them back. */
    ULONG ConnectVersion; /* CONNECT_MESSAGE_BASED, or CONNECT_LINE_BASED if it fell back */
    union {
        PVOID Generic;
        PIO_INTERRUPT_MESSAGE_INFO MessageTable; /* message based: one entry per message */
        PKINTERRUPT LineInterrupt;               /* line based (the fallback) */
    } Connection;
    ULONG Vector;          /* the IDT vector we got (for the shell command) */
    PKINTERRUPT Interrupt; /* whose spin lock guards the fields below (KeSynchronizeExecution) */

    /* Shared by the ISR and the DPC/shell: touched only under the interrupt's spin lock. */
    ULONG PendingStatus; /* causes the ISR acknowledged and the DPC has not handled yet */
    ULONG64 IsrCalls;    /* the ISR ran (on a shared line, also for other devices' interrupts) */
    ULONG64 IsrClaimed;  /* ... and it was ours */
    ULONG64 DpcCalls;    /* the DPC ran (one run may handle several interrupts) */
} @UPPER@_EXTENSION, *P@UPPER@_EXTENSION;

/* This template drives one device (the first that matches); drivers/edu keeps a table of several. */
static PDEVICE_OBJECT @name@_fdo;

static inline volatile ULONG *@Name@Register(P@UPPER@_EXTENSION Ext, ULONG Offset)
{
    return &Ext->Registers[Offset / 4];
}

/* ---- interrupt handling ------------------------------------------------------------------- */

/* The ISR's work, shared by the message ISR and the line ISR. It runs at the interrupt's IRQL
 * holding its spin lock: be short, never wait, never allocate. Return TRUE only if our device
 * interrupted - on a shared line the kernel then knows the interrupt was handled. */
static BOOLEAN @Name@ServiceInterrupt(P@UPPER@_EXTENSION Ext)
{
    Ext->IsrCalls++;

    /* 1. Is it mine? Ask the device. No pending cause: another device on the line did it. */
    ULONG status = READ_REGISTER_ULONG(@Name@Register(Ext, @UPPER@_REG_INTERRUPT_STATUS));
    if (status == 0)
        return FALSE;

    /* 2. Acknowledge, so the device stops interrupting: a level-triggered line stays asserted
     * (and the ISR would run again forever) until the device's status is cleared. */
    @ACK_STATEMENT@

    /* 3. Remember what happened for the DPC, and count. */
    Ext->PendingStatus |= status;
    Ext->IsrClaimed++;

    /* 4. Queue the DPC - last, because it may start on another CPU at once. */
    IoRequestDpc(Ext->Self, NULL, NULL);
    return TRUE;
}

/* The message ISR (MSI/MSI-X): MessageId says which of the device's messages arrived. */
static BOOLEAN @Name@MessageIsr(PKINTERRUPT Interrupt, PVOID ServiceContext, ULONG MessageId)
{
    UNREFERENCED_PARAMETER(Interrupt);
    UNREFERENCED_PARAMETER(MessageId);
    return @Name@ServiceInterrupt(ServiceContext);
}

/* The line ISR (INTx through the IOAPIC), used when message interrupts are not available
 * (msi=off, or a device without MSI): the FallBackServiceRoutine of CONNECT_MESSAGE_BASED. */
static BOOLEAN @Name@LineIsr(PKINTERRUPT Interrupt, PVOID ServiceContext)
{
    UNREFERENCED_PARAMETER(Interrupt);
    return @Name@ServiceInterrupt(ServiceContext);
}

struct @name@_take {
    P@UPPER@_EXTENSION Ext;
    ULONG Status;
};

/* Runs under the interrupt's spin lock, at its IRQL: the ISR cannot run meanwhile on any CPU. */
static BOOLEAN @Name@TakePending(PVOID Context)
{
    struct @name@_take *take = Context;
    take->Status = take->Ext->PendingStatus;
    take->Ext->PendingStatus = 0;
    take->Ext->DpcCalls++;
    return TRUE;
}

/* DpcForIsr: runs at DISPATCH_LEVEL after the ISR returned, with interrupts on. This is where the
 * real work goes. Several interrupts may have arrived since the last run: handle them all. */
static VOID @Name@DpcForIsr(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Irp);
    UNREFERENCED_PARAMETER(Context);
    P@UPPER@_EXTENSION ext = DeviceObject->DeviceExtension;
    struct @name@_take take = {ext, 0};
    (void)KeSynchronizeExecution(ext->Interrupt, @Name@TakePending, &take);
    /* TODO: a real device would now complete the work that take.Status reports. */
}

/* ---- start and stop ----------------------------------------------------------------------- */

/* The first memory range in the translated resource list (BAR0 on most simple devices). */
static PCM_PARTIAL_RESOURCE_DESCRIPTOR @Name@FindRegisters(PCM_RESOURCE_LIST Translated)
{
    if (!Translated || Translated->Count == 0)
        return NULL;
    PCM_PARTIAL_RESOURCE_LIST list = &Translated->List[0].PartialResourceList;
    for (ULONG i = 0; i < list->Count; i++)
        if (list->PartialDescriptors[i].Type == CmResourceTypeMemory)
            return &list->PartialDescriptors[i];
    return NULL;
}

/* The line interrupt's IDT vector, from the translated list (for the shell command only). */
static ULONG @Name@FindLineVector(PCM_RESOURCE_LIST Translated)
{
    PCM_PARTIAL_RESOURCE_LIST list = &Translated->List[0].PartialResourceList;
    for (ULONG i = 0; i < list->Count; i++)
        if (list->PartialDescriptors[i].Type == CmResourceTypeInterrupt)
            return list->PartialDescriptors[i].u.Interrupt.Vector;
    return 0;
}

/* Undo a (possibly partial) start, newest step first. */
static VOID @Name@Cleanup(P@UPPER@_EXTENSION Ext)
{
    if (Ext->Connection.Generic) {
        /* Hand back the Version the connect *returned* and its connection context. */
        IO_DISCONNECT_INTERRUPT_PARAMETERS disconnect = {0};
        disconnect.Version = Ext->ConnectVersion;
        disconnect.ConnectionContext.Generic = Ext->Connection.Generic;
        IoDisconnectInterruptEx(&disconnect); /* on return our ISR runs nowhere */
        Ext->Connection.Generic = NULL;
    }
    KeFlushQueuedDpcs(); /* a DPC the ISR queued may still be waiting: let it finish first */
    if (Ext->Registers)
        MmUnmapIoSpace((PVOID)Ext->Registers, Ext->RegistersLength);
    IoDetachDevice(Ext->Pdo);
    IoDeleteDevice(Ext->Self);
}

/* IRP_MN_START_DEVICE in Windows. Raw = resources as the bus sees them (bus addresses, the
 * device's INTx pin); Translated = as the CPU sees them (physical addresses, vectors). Drivers
 * use the translated list. */
static NTSTATUS @Name@StartDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo, PCM_RESOURCE_LIST Raw,
                                  PCM_RESOURCE_LIST Translated)
{
    UNREFERENCED_PARAMETER(Raw);
    if (@name@_fdo) {
        DbgPrint("@name@: already driving a device; this template drives one\n");
        return STATUS_DEVICE_BUSY;
    }
    PCM_PARTIAL_RESOURCE_DESCRIPTOR registers = @Name@FindRegisters(Translated);
    if (!registers) {
        DbgPrint("@name@: no memory resource (BAR0)\n");
        return STATUS_INSUFFICIENT_RESOURCES;
    }

    /* Our device object, with our extension, attached on top of the PDO. */
    PDEVICE_OBJECT fdo;
    NTSTATUS status = IoCreateDevice(DriverObject, sizeof(@UPPER@_EXTENSION), NULL, FILE_DEVICE_UNKNOWN,
                                     FILE_DEVICE_SECURE_OPEN, FALSE, &fdo);
    if (!NT_SUCCESS(status)) {
        DbgPrint("@name@: IoCreateDevice failed: 0x%08x\n", (unsigned)status);
        return status;
    }
    P@UPPER@_EXTENSION ext = fdo->DeviceExtension;
    ext->Self = fdo;
    ext->Pdo = Pdo;
    if (!IoAttachDeviceToDeviceStack(fdo, Pdo)) {
        IoDeleteDevice(fdo);
        return STATUS_NO_SUCH_DEVICE;
    }

    /* Map the registers: the translated Start is a physical address; we need a virtual one. */
    ext->RegistersLength = registers->u.Memory.Length;
    ext->Registers = MmMapIoSpace(registers->u.Memory.Start, ext->RegistersLength, MmNonCached);
    if (!ext->Registers) {
        @Name@Cleanup(ext);
        return STATUS_INSUFFICIENT_RESOURCES;
    }

    /* Quiet the device before connecting: an interrupt left pending from before would fire the
     * moment the ISR is connected - possibly before IoConnectInterruptEx has returned. */
    ULONG stale = READ_REGISTER_ULONG(@Name@Register(ext, @UPPER@_REG_INTERRUPT_STATUS));
    if (stale)
        WRITE_REGISTER_ULONG(@Name@Register(ext, @UPPER@_REG_INTERRUPT_ACK), stale);

    /* The DPC object lives in the device object; IoRequestDpc (in the ISR) queues it. */
    IoInitializeDpcRequest(fdo, @Name@DpcForIsr);

    /* Ask for message-signalled interrupts, and give a line ISR to fall back on. The kernel
     * connects one of the two and says which in connect.Version. */
    IO_CONNECT_INTERRUPT_PARAMETERS connect = {0};
    connect.Version = CONNECT_MESSAGE_BASED;
    connect.MessageBased.PhysicalDeviceObject = Pdo;
    connect.MessageBased.ConnectionContext.Generic = &ext->Connection.Generic; /* filled in */
    connect.MessageBased.MessageServiceRoutine = @Name@MessageIsr;
    connect.MessageBased.ServiceContext = ext; /* passed to the ISR: our extension */
    connect.MessageBased.SpinLock = NULL;      /* the kernel makes one lock per message */
    connect.MessageBased.SynchronizeIrql = 0;  /* = the message's own IRQL */
    connect.MessageBased.FloatingSave = FALSE;
    connect.MessageBased.FallBackServiceRoutine = @Name@LineIsr;
    status = IoConnectInterruptEx(&connect);
    if (!NT_SUCCESS(status)) {
        DbgPrint("@name@: IoConnectInterruptEx failed: 0x%08x\n", (unsigned)status);
        @Name@Cleanup(ext);
        return status;
    }
    /* Save the Version the kernel returned: it says what was connected, and disconnect needs it. */
    ext->ConnectVersion = connect.Version;
    if (connect.Version == CONNECT_MESSAGE_BASED) {
        ext->Interrupt = ext->Connection.MessageTable->MessageInfo[0].InterruptObject;
        ext->Vector = ext->Connection.MessageTable->MessageInfo[0].Vector;
    } else {
        ext->Interrupt = ext->Connection.LineInterrupt;
        ext->Vector = @Name@FindLineVector(Translated);
    }

    fdo->Flags &= ~DO_DEVICE_INITIALIZING; /* ready */
    @name@_fdo = fdo;
    DbgPrint("@name@: started, %s\n", connect.Version == CONNECT_MESSAGE_BASED ? "message-based" : "line-based");
    return STATUS_SUCCESS;
}

/* IRP_MN_STOP_DEVICE / REMOVE: undo StartDevice. Fdo is our own device object (the one
 * StartDevice attached to the PDO), as a Windows driver gets it with the IRP. */
static VOID @Name@StopDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Fdo)
{
    UNREFERENCED_PARAMETER(DriverObject);
    P@UPPER@_EXTENSION ext = Fdo->DeviceExtension;
    if (@name@_fdo == Fdo)
        @name@_fdo = NULL;
    /* Silence the device before taking the ISR away: a level line left asserted with no ISR to
     * clear it would storm every other device on that line. */
    ULONG pending = READ_REGISTER_ULONG(@Name@Register(ext, @UPPER@_REG_INTERRUPT_STATUS));
    if (pending)
        WRITE_REGISTER_ULONG(@Name@Register(ext, @UPPER@_REG_INTERRUPT_ACK), pending);
    @Name@Cleanup(ext);
}

/* The driver table entry: name (shown as the owner in `irq`), the PCI ids, the two routines. */
IRQLAB_DRIVER(@name@, .Name = "@name@", .VendorId = @UPPER@_VENDOR_ID, .DeviceId = @UPPER@_DEVICE_ID,
              .StartDevice = @Name@StartDevice, .StopDevice = @Name@StopDevice);

/* ---- the `@name@` shell command ----------------------------------------------------------- */

struct @name@_counts {
    P@UPPER@_EXTENSION Ext;
    ULONG64 IsrCalls, IsrClaimed, DpcCalls;
};

/* A consistent copy of the counts: taken under the interrupt's spin lock, like the ISR. */
static BOOLEAN @Name@CopyCounts(PVOID Context)
{
    struct @name@_counts *c = Context;
    c->IsrCalls = c->Ext->IsrCalls;
    c->IsrClaimed = c->Ext->IsrClaimed;
    c->DpcCalls = c->Ext->DpcCalls;
    return TRUE;
}

static void @name@_read_counts(struct @name@_counts *c)
{
    c->Ext = @name@_fdo->DeviceExtension;
    (void)KeSynchronizeExecution(c->Ext->Interrupt, @Name@CopyCounts, c);
}

static int cmd_@name@(const IRQLAB_SHELL_ARGS *args)
{
    if (!@name@_fdo) {
        IrqlabShellPrint("@name@: no device started (PCI @VENDOR@:@DEVICE@ present? another driver got it?)\n");
        return IRQLAB_SHELL_ERROR;
    }
    P@UPPER@_EXTENSION ext = @name@_fdo->DeviceExtension;
    struct @name@_counts c;
    if (args->argc == 2 && __builtin_strcmp(args->argv[1], "raise") == 0) {
        @name@_read_counts(&c);
        ULONG64 before = c.DpcCalls;
        WRITE_REGISTER_ULONG(@Name@Register(ext, @UPPER@_REG_INTERRUPT_RAISE), 1);
        for (int i = 0; i < 1000 && c.DpcCalls == before; i++) { /* up to ~100 ms for ISR + DPC */
            KeStallExecutionProcessor(100);
            @name@_read_counts(&c);
        }
        IrqlabShellPrint("raised: %s\n", c.DpcCalls != before ? "the ISR and the DPC ran" : "no DPC within 100 ms");
    } else if (args->argc != 1) {
        return IRQLAB_SHELL_USAGE;
    }
    @name@_read_counts(&c);
    if (ext->ConnectVersion == CONNECT_MESSAGE_BASED)
        IrqlabShellPrint("@name@: started, message-based (MSI), vector 0x%02lx, IRQL %u\n",
                       (unsigned long)ext->Vector, ext->Connection.MessageTable->UnifiedIrql);
    else
        IrqlabShellPrint("@name@: started, line-based (fallback ISR), vector 0x%02lx\n",
                       (unsigned long)ext->Vector);
    IrqlabShellPrint("  ISR calls %lu  claimed %lu  DPC runs %lu\n", (unsigned long)c.IsrCalls,
                   (unsigned long)c.IsrClaimed, (unsigned long)c.DpcCalls);
    return IRQLAB_SHELL_OK;
}
IRQLAB_SHELL_COMMAND(@name@, "@name@ [raise]", "the @name@ driver: interrupt kind and counts",
              "@name@        how the driver connected, ISR and DPC counts\n"
              "@name@ raise  make the device interrupt once and wait for the DPC",
              cmd_@name@);
