/* drivers/parport/parport.c - the parallel port's function driver: it owns the port registers and
 * the port interrupt, and serves client drivers through internal device-control requests.
 *
 * References: learn.microsoft.com "Features of System-Supplied Parallel Drivers", "Synchronizing
 * the Use of a ParallelPort", "Connecting an Interrupt Service Routine to a ParallelPort", the
 * ni-parallel-ioctl_internal_* pages, IRP_MJ_INTERNAL_DEVICE_CONTROL, IRP_MJ_CREATE/_CLOSE;
 * docs/reference/IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT.md; QEMU 7.2 hw/char/parallel.c.
 *
 * Shape, as Windows' parport.sys - a WDM driver (docs/pnp.md): DriverEntry fills the dispatch
 * table, AddDevice creates the FDO \Device\ParallelPort<n> on top of the PDO, IRP_MN_START_DEVICE
 * takes the port range and the interrupt from the resource lists, QUERY_STOP / QUERY_REMOVE are
 * refused while the port is in use, STOP / SURPRISE_REMOVAL / REMOVE revoke the clients before the
 * interrupt goes (parport_pnp.c). The other requests: IRP_MJ_CREATE / _CLEANUP / _CLOSE (opens by
 * IoGetDeviceObjectPointer) and IRP_MJ_INTERNAL_DEVICE_CONTROL (the requests of parallel.h; only
 * kernel-mode drivers can send those). IRP_MJ_DEVICE_CONTROL is not handled: the internal
 * requests sent as ordinary device controls get STATUS_INVALID_DEVICE_REQUEST from the I/O
 * manager. The interrupt is connected only while some client has an ISR connected
 * (parport_interrupt.c); ownership is parport_alloc.c.
 *
 * Each request is checked in this order (rules: parport_rules.c):
 *   1. IRQL: CONNECT/DISCONNECT_INTERRUPT above PASSIVE_LEVEL is a bugcheck, IRQL_NOT_LESS_OR_EQUAL
 *      (0xA) with P1 = the request's handler (ParportConnectInterrupt / ParportDisconnectInterrupt),
 *      P2 = the IRQL, P3 = 0 (the highest allowed), P4 = the code that sent it (IoCallDriver's
 *      caller): it would call IoConnectInterruptEx / IoDisconnectInterruptEx at that IRQL, which
 *      Windows forbids, so irqlab stops where the rule is broken instead of only sometimes (when
 *      the request happens to be the first connect or the last disconnect);
 *   2. the port was stopped: STATUS_DELETE_PENDING;
 *   3. an unknown code: STATUS_INVALID_DEVICE_REQUEST; CONNECT while connect requests are off:
 *      STATUS_UNSUCCESSFUL; buffers too small: STATUS_BUFFER_TOO_SMALL (Information = 0).
 * Every request completes before the dispatch routine returns, except an ALLOCATE that finds the
 * port busy: it pends until a free hands it the port or its sender cancels it (parport_alloc.c).
 */
#include "parport_internal.h"
#include "parport_rules.h"

#define PARPORT_IRQL_NOT_LESS_OR_EQUAL 0x0000000Au /* bugcodes.h IRQL_NOT_LESS_OR_EQUAL */

static PDEVICE_OBJECT ports[PARPORT_MAX_PORTS]; /* started ports, by number */
static BOOLEAN numbers_used[PARPORT_MAX_PORTS]; /* numbers of ports that exist (AddDevice..REMOVE) */
static VOID ParportForgetNumber(ULONG Number) { numbers_used[Number] = FALSE; }

/* EnableConnectInterruptIoctl, a REG_DWORD in the port's device key: nonzero lets clients connect
 * ISRs (learn.microsoft.com: IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT). Windows' default, when
 * the value is absent, is off; irqlab's is on, since sharing the port's interrupt is what the
 * parallel-port lessons are about (docs/differences.md). Set it on the kernel command line as
 * parport.EnableConnectInterruptIoctl=0 or parport_connect_interrupt=off (docs/configuration.md). */
BOOLEAN ParportReadConnectSwitch(PDEVICE_OBJECT Pdo)
{
    BOOLEAN enabled = TRUE;
    HANDLE key;
    if (!NT_SUCCESS(IoOpenDeviceRegistryKey(Pdo, PLUGPLAY_REGKEY_DEVICE, KEY_READ, &key)))
        return enabled;
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"EnableConnectInterruptIoctl");
    ULONG buffer[(sizeof(KEY_VALUE_PARTIAL_INFORMATION) + sizeof(ULONG)) / sizeof(ULONG) + 1];
    PKEY_VALUE_PARTIAL_INFORMATION info = (PKEY_VALUE_PARTIAL_INFORMATION)buffer;
    ULONG length;
    if (NT_SUCCESS(ZwQueryValueKey(key, &name, KeyValuePartialInformation, info, sizeof(buffer), &length))) {
        if (info->Type == REG_DWORD)
            enabled = *(ULONG *)info->Data != 0;
        else
            DbgPrint("parport: EnableConnectInterruptIoctl is not a number; connect requests stay on\n");
    }
    ZwClose(key);
    return enabled;
}

/* ---- the small requests ---------------------------------------------------------------------- */

static NTSTATUS ParportGetPortInfo(PPARPORT_EXTENSION Ext, PIRP Irp, PIO_STACK_LOCATION Stack, ULONG_PTR *Information)
{
    UNREFERENCED_PARAMETER(Stack);
    PPARALLEL_PORT_INFORMATION info = Irp->AssociatedIrp.SystemBuffer;
    info->OriginalController = Ext->OriginalController;
    info->Controller = Ext->Controller;
    info->SpanOfController = Ext->SpanOfController;
    info->TryAllocatePort = ParportTryAllocatePort;
    info->FreePort = ParportFreePort;
    info->QueryNumWaiters = ParportQueryNumWaiters;
    info->Context = Ext;
    *Information = sizeof(*info);
    return STATUS_SUCCESS;
}

static NTSTATUS ParportGetMorePortInfo(PPARPORT_EXTENSION Ext, PIRP Irp, PIO_STACK_LOCATION Stack,
                                       ULONG_PTR *Information)
{
    UNREFERENCED_PARAMETER(Stack);
    PMORE_PARALLEL_PORT_INFORMATION info = Irp->AssociatedIrp.SystemBuffer;
    info->InterfaceType = Isa;
    info->BusNumber = 0;
    info->InterruptLevel = Ext->Irql;
    info->InterruptVector = Ext->Vector;
    info->InterruptAffinity = Ext->Affinity;
    info->InterruptMode = Ext->Mode;
    *Information = sizeof(*info);
    return STATUS_SUCCESS;
}

/* Documented to return STATUS_SUCCESS: meant to let the callbacks be paged, which Windows never
 * implemented either. */
static NTSTATUS ParportReleasePortInfo(PPARPORT_EXTENSION Ext, PIRP Irp, PIO_STACK_LOCATION Stack,
                                       ULONG_PTR *Information)
{
    UNREFERENCED_PARAMETER(Ext);
    UNREFERENCED_PARAMETER(Irp);
    UNREFERENCED_PARAMETER(Stack);
    UNREFERENCED_PARAMETER(Information);
    return STATUS_SUCCESS;
}

static const struct {
    ULONG code;
    PARPORT_REQUEST_HANDLER *handler;
} handlers[] = {
    {IOCTL_INTERNAL_PARALLEL_PORT_ALLOCATE, ParportAllocatePortRequest},
    {IOCTL_INTERNAL_PARALLEL_PORT_FREE, ParportFreePortRequest},
    {IOCTL_INTERNAL_GET_PARALLEL_PORT_INFO, ParportGetPortInfo},
    {IOCTL_INTERNAL_GET_MORE_PARALLEL_PORT_INFO, ParportGetMorePortInfo},
    {IOCTL_INTERNAL_RELEASE_PARALLEL_PORT_INFO, ParportReleasePortInfo},
    {IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT, ParportConnectInterrupt},
    {IOCTL_INTERNAL_PARALLEL_DISCONNECT_INTERRUPT, ParportDisconnectInterrupt},
};

static PARPORT_REQUEST_HANDLER *ParportHandlerFor(ULONG Code)
{
    for (unsigned i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
        if (handlers[i].code == Code)
            return handlers[i].handler;
    return NULL;
}

/* ---- dispatch -------------------------------------------------------------------------------- */

static NTSTATUS ParportComplete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = NT_SUCCESS(Status) ? Information : 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

static NTSTATUS ParportDispatchCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PPARPORT_EXTENSION ext = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    switch (stack->MajorFunction) {
    case IRP_MJ_CREATE:
        if (ext->Removed)
            return ParportComplete(Irp, STATUS_DELETE_PENDING, 0);
        __atomic_fetch_add(&ext->Opens, 1, __ATOMIC_RELAXED);
        break;
    case IRP_MJ_CLOSE: __atomic_fetch_add(&ext->Closes, 1, __ATOMIC_RELAXED); break;
    default: break; /* IRP_MJ_CLEANUP: nothing is queued per open */
    }
    return ParportComplete(Irp, STATUS_SUCCESS, 0);
}

static NTSTATUS ParportDispatchInternalDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PPARPORT_EXTENSION ext = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG code = stack->Parameters.DeviceIoControl.IoControlCode;
    const struct parport_request_rule *rule = parport_rule_for(code);
    PARPORT_REQUEST_HANDLER *handler = ParportHandlerFor(code);
    KIRQL irql = KeGetCurrentIrql();
    if (rule && handler && irql > rule->max_irql)
        KeBugCheckEx(PARPORT_IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)handler, irql, rule->max_irql,
                     (ULONG_PTR)Irp->CallerAddress);
    if (ext->Removed || (ext->Revoking && (code == IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT ||
                                           code == IOCTL_INTERNAL_PARALLEL_PORT_ALLOCATE)))
        return ParportComplete(Irp, STATUS_DELETE_PENDING, 0); /* leaving works while revoking */
    NTSTATUS status = parport_check_request(code, stack->Parameters.DeviceIoControl.InputBufferLength,
                                            stack->Parameters.DeviceIoControl.OutputBufferLength, ext->ConnectEnabled);
    ULONG_PTR information = 0;
    if (NT_SUCCESS(status) && handler) /* a known code has a handler: the tables match */
        status = handler(ext, Irp, stack, &information);
    if (status == STATUS_PENDING)
        return STATUS_PENDING; /* a queued ALLOCATE: completed when the port is handed over */
    return ParportComplete(Irp, status, information);
}

/* ---- start and stop -------------------------------------------------------------------------- */

static PCM_PARTIAL_RESOURCE_DESCRIPTOR ParportFindResource(PCM_RESOURCE_LIST List, UCHAR Type)
{
    if (!List || List->Count == 0)
        return NULL;
    PCM_PARTIAL_RESOURCE_LIST partial = &List->List[0].PartialResourceList;
    for (ULONG i = 0; i < partial->Count; i++)
        if (partial->PartialDescriptors[i].Type == Type)
            return &partial->PartialDescriptors[i];
    return NULL;
}

/* IRP_MN_START_DEVICE, after the bus driver started the device: take the port range and the
 * interrupt from the resource lists. The same FDO may be started again after a STOP (a
 * rebalance), with other resources. */
static NTSTATUS ParportStart(PPARPORT_EXTENSION Ext, PCM_RESOURCE_LIST Raw, PCM_RESOURCE_LIST Translated)
{
    PCM_PARTIAL_RESOURCE_DESCRIPTOR port = ParportFindResource(Translated, CmResourceTypePort);
    PCM_PARTIAL_RESOURCE_DESCRIPTOR raw_port = ParportFindResource(Raw, CmResourceTypePort);
    PCM_PARTIAL_RESOURCE_DESCRIPTOR irq = ParportFindResource(Translated, CmResourceTypeInterrupt);
    PCM_PARTIAL_RESOURCE_DESCRIPTOR raw_irq = ParportFindResource(Raw, CmResourceTypeInterrupt);
    if (!port || port->u.Port.Length < 3) {
        DbgPrint("parport: no port range\n");
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    Ext->Controller = (PUCHAR)(ULONG_PTR)port->u.Port.Start.QuadPart;
    Ext->SpanOfController = port->u.Port.Length;
    Ext->OriginalController = raw_port ? raw_port->u.Port.Start : port->u.Port.Start;
    Ext->HasInterrupt = irq != NULL;
    Ext->Irql = DISPATCH_LEVEL; /* without an interrupt the lock is an ordinary spin lock */
    if (irq) {
        Ext->Vector = irq->u.Interrupt.Vector;
        Ext->Irql = (KIRQL)irq->u.Interrupt.Level;
        Ext->Affinity = irq->u.Interrupt.Affinity;
        Ext->Mode = (irq->Flags & CM_RESOURCE_INTERRUPT_LATCHED) ? Latched : LevelSensitive;
        Ext->RawIrq = raw_irq ? raw_irq->u.Interrupt.Vector : 0;
    }
    Ext->ConnectEnabled = ParportReadConnectSwitch(Ext->Pdo);
    /* A known, quiet state: interrupts off, any raised line lowered. */
    LptInterruptsOff(Ext->Controller);
    (void)READ_PORT_UCHAR(LptRegister(Ext->Controller, LPT_STATUS));
    KIRQL old = ParportLock(Ext);
    Ext->Revoking = FALSE;
    Ext->Removed = FALSE;
    ParportUnlock(Ext, old);
    Ext->Started = TRUE;
    ports[Ext->PortNumber] = Ext->Self;
    DbgPrint("parport: \\Device\\ParallelPort%u at 0x%x, IRQ %u (vector 0x%02x, IRQL %u)%s\n",
             (unsigned)Ext->PortNumber, (unsigned)(ULONG_PTR)Ext->Controller, (unsigned)Ext->RawIrq,
             (unsigned)Ext->Vector, Ext->Irql, Ext->HasInterrupt ? "" : " - no interrupt");
    return STATUS_SUCCESS;
}

/* IRP_MN_STOP_DEVICE, IRP_MN_SURPRISE_REMOVAL, IRP_MN_REMOVE_DEVICE: clients first (they hold
 * the interrupt object the disconnect frees; parport_pnp.c), then the interrupt, then the port. */
static VOID ParportStopPort(PPARPORT_EXTENSION Ext)
{
    if (!Ext->Started)
        return;
    ParportRevokeClients(Ext); /* then STATUS_DELETE_PENDING for everything */
    ParportDisconnectAll(Ext); /* whoever did not listen loses its ISR: the port goes away */
    KeFlushQueuedDpcs();       /* our DpcForIsr may still be queued */
    LptInterruptsOff(Ext->Controller);
    ports[Ext->PortNumber] = NULL;
    Ext->Started = FALSE;
}

static NTSTATUS ParportPassDown(PPARPORT_EXTENSION Ext, PIRP Irp)
{
    IoSkipCurrentIrpStackLocation(Irp);
    return IoCallDriver(Ext->LowerDevice, Irp);
}

static NTSTATUS ParportCompletePnp(PIRP Irp, NTSTATUS Status)
{
    Irp->IoStatus.Status = Status;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

/* IRP_MJ_PNP (learn.microsoft.com "Handling PnP IRPs"). DeviceObject is our FDO. */
static NTSTATUS ParportDispatchPnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PPARPORT_EXTENSION ext = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    switch (stack->MinorFunction) {
    case IRP_MN_START_DEVICE: {
        if (!IoForwardIrpSynchronously(ext->LowerDevice, Irp))
            return ParportCompletePnp(Irp, STATUS_UNSUCCESSFUL);
        NTSTATUS status = Irp->IoStatus.Status;
        if (NT_SUCCESS(status))
            status = ParportStart(ext, stack->Parameters.StartDevice.AllocatedResources,
                                  stack->Parameters.StartDevice.AllocatedResourcesTranslated);
        return ParportCompletePnp(Irp, status);
    }
    case IRP_MN_QUERY_STOP_DEVICE:
    case IRP_MN_QUERY_REMOVE_DEVICE: {
        NTSTATUS status = ParportQueryRemove(ext); /* busy while a client holds the port */
        if (!NT_SUCCESS(status)) {
            DbgPrint("parport: %s refused: the port is in use\n",
                     stack->MinorFunction == IRP_MN_QUERY_STOP_DEVICE ? "QUERY_STOP" : "QUERY_REMOVE");
            return ParportCompletePnp(Irp, status); /* a failed query is not passed down */
        }
        Irp->IoStatus.Status = STATUS_SUCCESS;
        return ParportPassDown(ext, Irp);
    }
    case IRP_MN_CANCEL_STOP_DEVICE:
    case IRP_MN_CANCEL_REMOVE_DEVICE:
        Irp->IoStatus.Status = STATUS_SUCCESS; /* nothing was changed at the query */
        return ParportPassDown(ext, Irp);
    case IRP_MN_STOP_DEVICE:
    case IRP_MN_SURPRISE_REMOVAL:
        ParportStopPort(ext);
        Irp->IoStatus.Status = STATUS_SUCCESS;
        return ParportPassDown(ext, Irp);
    case IRP_MN_REMOVE_DEVICE: {
        ParportStopPort(ext); /* (done already after a STOP or a SURPRISE_REMOVAL) */
        Irp->IoStatus.Status = STATUS_SUCCESS;
        NTSTATUS status = ParportPassDown(ext, Irp);
        ParportForgetNumber(ext->PortNumber);
        IoDetachDevice(ext->LowerDevice); /* what IoAttachDeviceToDeviceStack returned: the PDO */
        IoDeleteDevice(DeviceObject);     /* a client's open file object keeps it until closed */
        return status;
    }
    default: return ParportPassDown(ext, Irp); /* not ours: the status stays as the sender set it */
    }
}

/* AddDevice: \Device\ParallelPort<n> on top of the PDO. No port access yet - the resources come
 * with IRP_MN_START_DEVICE. */
static NTSTATUS ParportAddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo)
{
    ULONG number = 0;
    while (number < PARPORT_MAX_PORTS && numbers_used[number])
        number++;
    if (number == PARPORT_MAX_PORTS)
        return STATUS_INSUFFICIENT_RESOURCES;
    WCHAR text[] = u"\\Device\\ParallelPort0";
    text[ARRAYSIZE(text) - 2] = (WCHAR)(u'0' + number);
    UNICODE_STRING name;
    RtlInitUnicodeString(&name, text);
    PDEVICE_OBJECT fdo;
    NTSTATUS status = IoCreateDevice(DriverObject, sizeof(PARPORT_EXTENSION), &name, FILE_DEVICE_PARALLEL_PORT,
                                     FILE_DEVICE_SECURE_OPEN, FALSE, &fdo);
    if (!NT_SUCCESS(status)) {
        DbgPrint("parport: IoCreateDevice failed: 0x%08x\n", (unsigned)status);
        return status;
    }
    PPARPORT_EXTENSION ext = fdo->DeviceExtension; /* zeroed */
    ext->Self = fdo;
    ext->Pdo = Pdo;
    ext->PortNumber = number;
    KeInitializeSpinLock(&ext->StateLock);
    InitializeListHead(&ext->Clients);
    parport_owner_init(&ext->Owner);
    IoInitializeDpcRequest(fdo, ParportDpcForIsr);
    ext->LowerDevice = IoAttachDeviceToDeviceStack(fdo, Pdo);
    if (!ext->LowerDevice) {
        IoDeleteDevice(fdo);
        return STATUS_NO_SUCH_DEVICE;
    }
    numbers_used[number] = TRUE;
    fdo->Flags |= DO_BUFFERED_IO;
    fdo->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}

static VOID ParportUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("parport: unloaded\n");
}

static NTSTATUS ParportDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->MajorFunction[IRP_MJ_CREATE] = ParportDispatchCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLEANUP] = ParportDispatchCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = ParportDispatchCreateClose;
    DriverObject->MajorFunction[IRP_MJ_INTERNAL_DEVICE_CONTROL] = ParportDispatchInternalDeviceControl;
    DriverObject->MajorFunction[IRP_MJ_PNP] = ParportDispatchPnp;
    DriverObject->DriverExtension->AddDevice = ParportAddDevice;
    DriverObject->DriverUnload = ParportUnload;
    return STATUS_SUCCESS;
}

IRQLAB_DRIVER(parport, .Name = "parport", .IsaPnpId = "PNP0400", .DriverEntry = ParportDriverEntry);

/* ---- the kernel's view (parport.h) ----------------------------------------------------------- */

PDEVICE_OBJECT parport_device(unsigned number) { return number < PARPORT_MAX_PORTS ? ports[number] : NULL; }

PDEVICE_OBJECT parport_pdo(PDEVICE_OBJECT fdo) { return ((PPARPORT_EXTENSION)fdo->DeviceExtension)->Pdo; }

bool parport_query_status(PDEVICE_OBJECT fdo, struct parport_status *out)
{
    if (!fdo)
        return false;
    PPARPORT_EXTENSION ext = fdo->DeviceExtension;
    *out = (struct parport_status){0};
    KIRQL old = ParportLock(ext);
    out->base = (USHORT)(ULONG_PTR)ext->Controller;
    out->irq = ext->RawIrq;
    out->vector = ext->Vector;
    out->irql = ext->Irql;
    out->has_interrupt = ext->HasInterrupt;
    out->connected = ext->Interrupt != NULL;
    out->connect_enabled = ext->ConnectEnabled;
    out->allocated = ext->Owner.allocated;
    out->owner_tag = ext->Owner.owner_tag;
    out->waiters = ext->Owner.waiter_count;
    out->interrupts = ext->Interrupts;
    out->unclaimed = ext->Unclaimed;
    out->allocations = ext->Owner.allocations;
    out->refusals = ext->Owner.refusals;
    out->waits = ext->Owner.waits;
    out->handovers = ext->Owner.handovers;
    out->cancellations = ext->Owner.cancellations;
    out->stray_frees = ext->Owner.stray_frees;
    out->deferred_passes = ext->DeferredPasses;
    out->opens = ext->Opens;
    out->closes = ext->Closes;
    out->revoked_clients = ext->RevokedClients;
    for (PLIST_ENTRY e = ext->Clients.Flink; e != &ext->Clients; e = e->Flink) {
        const struct parport_client *c = CONTAINING_RECORD(e, struct parport_client, link);
        if (out->client_count < PARPORT_MAX_STATUS_CLIENTS) {
            struct parport_client_status *s = &out->clients[out->client_count];
            s->isr = c->routines.InterruptServiceRoutine;
            s->isr_context = c->routines.InterruptServiceContext;
            s->deferred = c->routines.DeferredPortCheckRoutine;
            s->calls = c->calls;
            s->claims = c->claims;
            s->deferred_calls = c->deferred_calls;
        }
        out->client_count++;
    }
    ParportUnlock(ext, old);
    return true;
}

NTSTATUS parport_query_remove(PDEVICE_OBJECT fdo)
{
    return fdo ? ParportQueryRemove(fdo->DeviceExtension) : STATUS_SUCCESS;
}

void parport_set_connect_enabled(PDEVICE_OBJECT fdo, bool enabled)
{
    PPARPORT_EXTENSION ext = fdo->DeviceExtension;
    ext->ConnectEnabled = enabled;
}
