/* drivers/parport/parport_interrupt.c - the port interrupt: one ISR for the port, shared by its
 * clients through IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT / _DISCONNECT_INTERRUPT.
 *
 * learn.microsoft.com: IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT, IOCTL_INTERNAL_PARALLEL_
 * DISCONNECT_INTERRUPT, PARALLEL_INTERRUPT_SERVICE_ROUTINE, PARALLEL_INTERRUPT_INFORMATION,
 * "Connecting an Interrupt Service Routine to a ParallelPort", IoConnectInterruptEx
 * (CONNECT_LINE_BASED); docs/reference/IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT.md.
 *
 * An ISA line (IRQ 7, edge) cannot be shared between drivers through the kernel: the resource is
 * CmResourceShareDeviceExclusive. Windows' answer is that the port driver owns the interrupt and
 * its clients hook into it: each CONNECT adds a client ISR (and/or a deferred port check routine)
 * to the port's list; the port's ISR calls the client ISRs in connection order until one claims
 * the interrupt. The interrupt itself is connected with IoConnectInterruptEx when the first
 * client connects and disconnected with IoDisconnectInterruptEx after the last one leaves - the
 * kernel then masks the IOAPIC pin again. The interrupt's spin lock is the port's StateLock, so
 * adding and removing clients under that lock is what Windows does inside KeSynchronizeExecution:
 * no ISR is walking the list meanwhile, and an entry removed under it is never called again.
 *
 * Both requests are PASSIVE_LEVEL (they call IoConnectInterruptEx / IoDisconnectInterruptEx); the
 * dispatch routine enforces that before they get here (parport.c).
 */
#include "parport_internal.h"

/* The port's ISR, at the port's DIRQL holding StateLock. A client ISR decides "mine?" - on a
 * shared port: "do I own the port and expect this?" - and silences the port itself. */
static BOOLEAN ParportInterruptService(PKINTERRUPT Interrupt, PVOID ServiceContext)
{
    PPARPORT_EXTENSION ext = ServiceContext;
    ext->Interrupts++;
    if (parport_clients_dispatch(&ext->Clients, Interrupt))
        return TRUE;
    /* Nobody's. Reading STATUS still lowers the line, so the next strobe makes a new edge - a
     * level left high on an edge-triggered pin would hide every later interrupt. */
    ext->Unclaimed++;
    (void)READ_PORT_UCHAR(LptRegister(ext->Controller, LPT_STATUS));
    return FALSE;
}

static NTSTATUS ParportConnectPortInterrupt(PPARPORT_EXTENSION Ext)
{
    PKINTERRUPT interrupt = NULL;
    IO_CONNECT_INTERRUPT_PARAMETERS connect = {0};
    connect.Version = CONNECT_LINE_BASED;
    connect.LineBased.PhysicalDeviceObject = Ext->Pdo;
    connect.LineBased.InterruptObject = &interrupt;
    connect.LineBased.ServiceRoutine = ParportInterruptService;
    connect.LineBased.ServiceContext = Ext;
    connect.LineBased.SpinLock = &Ext->StateLock; /* one lock for the ISR and the port's state */
    connect.LineBased.SynchronizeIrql = Ext->Irql;
    connect.LineBased.FloatingSave = FALSE;
    NTSTATUS status = IoConnectInterruptEx(&connect);
    if (!NT_SUCCESS(status)) {
        DbgPrint("parport: IoConnectInterruptEx failed: 0x%08x\n", (unsigned)status);
        return status;
    }
    KIRQL old = ParportLock(Ext);
    Ext->Interrupt = interrupt;
    ParportUnlock(Ext, old);
    return STATUS_SUCCESS;
}

static VOID ParportDisconnectPortInterrupt(PPARPORT_EXTENSION Ext)
{
    KIRQL old = ParportLock(Ext);
    PKINTERRUPT interrupt = Ext->Interrupt;
    Ext->Interrupt = NULL;
    ParportUnlock(Ext, old);
    if (!interrupt)
        return;
    IO_DISCONNECT_INTERRUPT_PARAMETERS disconnect = {0};
    disconnect.Version = CONNECT_LINE_BASED;
    disconnect.ConnectionContext.InterruptObject = interrupt;
    IoDisconnectInterruptEx(&disconnect); /* on return the port ISR runs nowhere; the pin is masked */
}

NTSTATUS ParportConnectInterrupt(PPARPORT_EXTENSION Ext, PIRP Irp, PIO_STACK_LOCATION Stack, ULONG_PTR *Information)
{
    UNREFERENCED_PARAMETER(Stack);
    /* Input and output share the system buffer: read all of the input before writing output. */
    PARALLEL_INTERRUPT_SERVICE_ROUTINE in = *(PPARALLEL_INTERRUPT_SERVICE_ROUTINE)Irp->AssociatedIrp.SystemBuffer;
    if (!Ext->HasInterrupt)
        return STATUS_NOT_SUPPORTED; /* a port without an interrupt resource */

    KIRQL old = ParportLock(Ext);
    NTSTATUS status = parport_client_check_new(&Ext->Clients, &in);
    ParportUnlock(Ext, old);
    if (!NT_SUCCESS(status))
        return status;

    struct parport_client *client = ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*client), PARPORT_TAG);
    if (!client)
        return STATUS_INSUFFICIENT_RESOURCES;
    client->routines = in;

    /* The first client brings the interrupt in. PASSIVE_LEVEL code runs on one CPU at a time in
     * irqlab (no threads), so no second CONNECT can race this one. */
    if (!Ext->Interrupt) {
        status = ParportConnectPortInterrupt(Ext);
        if (!NT_SUCCESS(status)) {
            ExFreePoolWithTag(client, PARPORT_TAG);
            return status;
        }
    }
    old = ParportLock(Ext);
    InsertTailList(&Ext->Clients, &client->link);
    PKINTERRUPT interrupt = Ext->Interrupt;
    ParportUnlock(Ext, old);

    PPARALLEL_INTERRUPT_INFORMATION out = Irp->AssociatedIrp.SystemBuffer;
    out->InterruptObject = interrupt;
    out->TryAllocatePortAtInterruptLevel = ParportTryAllocatePortAtInterruptLevel;
    out->FreePortFromInterruptLevel = ParportFreePortFromInterruptLevel;
    out->Context = Ext;
    *Information = sizeof(*out);
    return STATUS_SUCCESS;
}

NTSTATUS ParportDisconnectInterrupt(PPARPORT_EXTENSION Ext, PIRP Irp, PIO_STACK_LOCATION Stack, ULONG_PTR *Information)
{
    UNREFERENCED_PARAMETER(Stack);
    UNREFERENCED_PARAMETER(Information);
    PARALLEL_INTERRUPT_SERVICE_ROUTINE in = *(PPARALLEL_INTERRUPT_SERVICE_ROUTINE)Irp->AssociatedIrp.SystemBuffer;
    KIRQL old = ParportLock(Ext);
    struct parport_client *client = parport_client_find(&Ext->Clients, &in);
    BOOLEAN last = FALSE;
    if (client) {
        RemoveEntryList(&client->link);
        last = IsListEmpty(&Ext->Clients);
    }
    ParportUnlock(Ext, old);
    if (!client)
        return STATUS_INVALID_PARAMETER; /* documented: "the specified ISR is not connected" */
    if (last)
        ParportDisconnectPortInterrupt(Ext);
    ExFreePoolWithTag(client, PARPORT_TAG);
    return STATUS_SUCCESS;
}

VOID ParportDisconnectAll(PPARPORT_EXTENSION Ext)
{
    LIST_ENTRY gone;
    InitializeListHead(&gone);
    KIRQL old = ParportLock(Ext);
    while (!IsListEmpty(&Ext->Clients)) {
        PLIST_ENTRY e = Ext->Clients.Flink;
        RemoveEntryList(e);
        InsertTailList(&gone, e);
    }
    ParportUnlock(Ext, old);
    ParportDisconnectPortInterrupt(Ext);
    while (!IsListEmpty(&gone)) {
        PLIST_ENTRY e = gone.Flink;
        RemoveEntryList(e);
        ExFreePoolWithTag(CONTAINING_RECORD(e, struct parport_client, link), PARPORT_TAG);
    }
}
