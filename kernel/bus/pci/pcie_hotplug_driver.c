/* kernel/bus/pci/pcie_hotplug_driver.c - the hot-plug controller as the root port's function
 * driver: start (find the slot, connect the port's interrupt, start the slot thread), stop, and
 * the ISR and DPC. See pcie_hotplug.h for who does what.
 *
 * References: PCI Express Base Specification 3.0 §6.7.3.4 "Software Notification of Hot-Plug
 * Events" (one interrupt - MSI or INTx - for all slot events, enabled by Hot-Plug Interrupt
 * Enable; the Interrupt Message Number in the PCI Express Capabilities register says which MSI
 * message), §7.8.10 Slot Control; learn.microsoft.com "Using the CONNECT_MESSAGE_BASED Version of
 * IoConnectInterruptEx", "Writing an ISR", "DpcForIsr Routine and IoRequestDpc"; QEMU 7.2
 * hw/pci-bridge/pcie_root_port.c (one MSI message, vector 0) and hw/pci/pcie.c
 * hotplug_event_notify: the port signals when "an enabled event is pending" turns from false to
 * true - an edge - so the ISR clears every event it sees and looks again until none is left, or
 * an event arriving between the read and the clear would never interrupt again.
 */
#include "kernel/bus/pci/pcie_hotplug.h"

#include "include/interlocked.h"
#include "kernel/console/log.h"
#include "kernel/io/pnp.h"

#define PCIE_ROOT_PORT_VENDOR 0x1B36 /* Red Hat, Inc.: QEMU's generic pcie-root-port */
#define PCIE_ROOT_PORT_DEVICE 0x000C
#define ISR_MAX_ROUNDS 8

static struct pcie_hp_slot *slots[PCIE_HP_MAX_SLOTS];
static unsigned slot_count;

unsigned pcie_hp_slot_count(void) { return slot_count; }
struct pcie_hp_slot *pcie_hp_slot_at(unsigned index) { return index < slot_count ? slots[index] : NULL; }

const char *pcie_hp_state_name(enum pcie_hp_state state)
{
    switch (state) {
    case PCIE_HP_OFF: return "off";
    case PCIE_HP_BLINKING_ON: return "blink-on";
    case PCIE_HP_ON: return "on";
    case PCIE_HP_BLINKING_OFF: return "blink-off";
    }
    return "?";
}

/* ---- interrupt ------------------------------------------------------------------------------ */

static BOOLEAN PcieHpService(struct pcie_hp_slot *s)
{
    uint16_t seen = 0;
    for (unsigned round = 0; round < ISR_MAX_ROUNDS; round++) {
        uint16_t events = pcie_slot_status(&s->slot) & PCIE_SLTSTA_EVENTS;
        if (!events)
            break;
        pcie_slot_clear_events(&s->slot, events); /* exactly what was read (RW1C) */
        seen |= events;
    }
    if (!seen)
        return FALSE; /* not ours: the line may be shared */
    s->counts.interrupts++;
    InterlockedOr(&s->isr_events, seen);
    IoRequestDpc(s->fdo, NULL, NULL);
    return TRUE;
}

static BOOLEAN PcieHpMessageIsr(PKINTERRUPT Interrupt, PVOID ServiceContext, ULONG MessageId)
{
    UNREFERENCED_PARAMETER(Interrupt);
    UNREFERENCED_PARAMETER(MessageId);
    return PcieHpService(ServiceContext);
}

static BOOLEAN PcieHpLineIsr(PKINTERRUPT Interrupt, PVOID ServiceContext)
{
    UNREFERENCED_PARAMETER(Interrupt);
    return PcieHpService(ServiceContext);
}

static VOID PcieHpDpc(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Irp);
    UNREFERENCED_PARAMETER(Context);
    struct pcie_hp_slot *s = DeviceObject->DeviceExtension;
    LONG events = InterlockedExchange(&s->isr_events, 0);
    if (events & PCIE_SLTSTA_CC) {
        s->counts.command++;
        KeSetEvent(&s->command_done, IO_NO_INCREMENT, FALSE);
    }
    if (events & ~PCIE_SLTSTA_CC) {
        InterlockedOr(&s->thread_events, events & ~PCIE_SLTSTA_CC);
        KeSetEvent(&s->wake, IO_NO_INCREMENT, FALSE);
    }
}

static NTSTATUS connect(struct pcie_hp_slot *s, PDEVICE_OBJECT pdo)
{
    IO_CONNECT_INTERRUPT_PARAMETERS c = {0};
    c.Version = CONNECT_MESSAGE_BASED;
    c.MessageBased.PhysicalDeviceObject = pdo;
    c.MessageBased.ConnectionContext.Generic = &s->connection;
    c.MessageBased.MessageServiceRoutine = PcieHpMessageIsr;
    c.MessageBased.ServiceContext = s;
    c.MessageBased.FallBackServiceRoutine = PcieHpLineIsr;
    NTSTATUS status = IoConnectInterruptEx(&c);
    if (!NT_SUCCESS(status))
        return status;
    s->connect_version = c.Version;
    if (c.Version == CONNECT_MESSAGE_BASED)
        s->interrupt = ((PIO_INTERRUPT_MESSAGE_INFO)s->connection)->MessageInfo[0].InterruptObject;
    else
        s->interrupt = s->connection;
    return STATUS_SUCCESS;
}

static void disconnect(struct pcie_hp_slot *s)
{
    if (!s->connection)
        return;
    IO_DISCONNECT_INTERRUPT_PARAMETERS d = {0};
    d.Version = s->connect_version;
    d.ConnectionContext.Generic = s->connection;
    IoDisconnectInterruptEx(&d);
    s->connection = NULL;
    KeFlushQueuedDpcs();
}

/* ---- start and stop ------------------------------------------------------------------------- */

static void forget(struct pcie_hp_slot *s)
{
    for (unsigned i = 0; i < slot_count; i++)
        if (slots[i] == s) {
            slots[i] = slots[--slot_count];
            return;
        }
}

static NTSTATUS PcieHpStartDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo, PCM_RESOURCE_LIST Raw,
                                  PCM_RESOURCE_LIST Translated)
{
    UNREFERENCED_PARAMETER(Raw);
    UNREFERENCED_PARAMETER(Translated);
    struct io_pdo *p = io_pdo_from_device(Pdo);
    if (!p || !p->pci)
        return STATUS_NO_SUCH_DEVICE;

    struct pcie_slot probe;
    const char *why = NULL;
    bool hotplug = pcie_slot_probe(p->pci, &probe, &why);

    PDEVICE_OBJECT fdo;
    NTSTATUS status =
        IoCreateDevice(DriverObject, sizeof(struct pcie_hp_slot), NULL, FILE_DEVICE_BUS_EXTENDER, 0, FALSE, &fdo);
    if (!NT_SUCCESS(status))
        return status;
    struct pcie_hp_slot *s = fdo->DeviceExtension;
    s->fdo = fdo;
    s->pdo = Pdo;
    if (!IoAttachDeviceToDeviceStack(fdo, Pdo)) {
        IoDeleteDevice(fdo);
        return STATUS_NO_SUCH_DEVICE;
    }
    fdo->Flags &= ~DO_DEVICE_INITIALIZING;
    if (!hotplug) {
        /* A port without a hot-plug slot is still a bridge; it just has no events for us. */
        log_info("pciehp: %s: %s; no hot-plug controller on this port", p->pci->label, why);
        return STATUS_SUCCESS;
    }
    if (slot_count == PCIE_HP_MAX_SLOTS) {
        log_warn("pciehp: %s: more than %d hot-plug slots; this one is ignored", p->pci->label, PCIE_HP_MAX_SLOTS);
        return STATUS_SUCCESS;
    }
    s->slot = probe;
    if (p->pci->secondary_bus == 0 || p->pci->secondary_bus <= p->pci->address.bus) {
        log_warn("pciehp: %s: the firmware gave the port no secondary bus number; hot-plug is not possible "
                 "in this slot (irqlab does not number buses itself)",
                 p->pci->label);
        return STATUS_SUCCESS;
    }
    pci_bridge_windows(p->pci, &s->windows);
    KeInitializeEvent(&s->wake, SynchronizationEvent, FALSE);
    KeInitializeEvent(&s->command_done, SynchronizationEvent, FALSE);
    KeInitializeTimer(&s->button_timer);
    KeInitializeDpc(&s->button_dpc, pcie_hp_button_timer_dpc, s);
    IoInitializeDpcRequest(fdo, PcieHpDpc);

    /* Quiet first: no event enabled, the old events cleared; then the interrupt. */
    pcie_slot_write_control(&s->slot,
                            pcie_sltctl_with(pcie_slot_control(&s->slot), PCIE_SLTCTL_HPIE | PCIE_SLTCTL_CCIE, 0));
    pcie_slot_clear_events(&s->slot, pcie_slot_status(&s->slot));
    status = connect(s, Pdo);
    if (!NT_SUCCESS(status)) {
        log_error("pciehp: %s: IoConnectInterruptEx failed: 0x%08x", p->pci->label, (unsigned)status);
        IoDetachDevice(Pdo);
        IoDeleteDevice(fdo);
        return status;
    }
    slots[slot_count++] = s;

    HANDLE handle;
    status = PsCreateSystemThread(&handle, 0, NULL, NULL, NULL, pcie_hp_thread, s);
    if (NT_SUCCESS(status)) {
        PVOID thread = NULL;
        if (NT_SUCCESS(ObReferenceObjectByHandle(handle, 0, *PsThreadType, KernelMode, &thread, NULL)))
            s->thread = thread;
        ZwClose(handle);
    }
    if (!s->thread) {
        log_error("pciehp: %s: no slot thread", p->pci->label);
        forget(s);
        disconnect(s);
        IoDetachDevice(Pdo);
        IoDeleteDevice(fdo);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    log_info("pciehp: %s slot %u: hot-plug controller, %s interrupt, secondary bus %u", p->pci->label,
             (unsigned)PCIE_SLTCAP_PSN(s->slot.caps),
             s->connect_version == CONNECT_MESSAGE_BASED ? "message-signalled" : "line", p->pci->secondary_bus);
    return STATUS_SUCCESS;
}

static VOID PcieHpStopDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Fdo)
{
    UNREFERENCED_PARAMETER(DriverObject);
    struct pcie_hp_slot *s = Fdo->DeviceExtension;
    if (s->thread) {
        /* Events off, then the thread: it finishes what it is doing and returns. Known limit: the
         * PnP manager calls this holding its lock; a slot thread that is at that moment waiting
         * for the same lock (in the middle of adding or removing the card) would never finish.
         * Stopping a port while its slot is changing is not handled (docs/hotplug.md). */
        pcie_slot_write_control(&s->slot, pcie_sltctl_with(pcie_slot_control(&s->slot), PCIE_SLTCTL_HPIE, 0));
        s->exiting = TRUE;
        KeCancelTimer(&s->button_timer);
        KeSetEvent(&s->wake, IO_NO_INCREMENT, FALSE);
        KeWaitForSingleObject(s->thread, Executive, KernelMode, FALSE, NULL);
        ObDereferenceObject(s->thread);
        s->thread = NULL;
        forget(s);
    }
    disconnect(s);
    KeRemoveQueueDpc(&s->button_dpc);
    KeFlushQueuedDpcs();
    IoDetachDevice(s->pdo);
    IoDeleteDevice(Fdo);
}

IRQLAB_DRIVER(pcieport, .Name = "pcieport", .VendorId = PCIE_ROOT_PORT_VENDOR, .DeviceId = PCIE_ROOT_PORT_DEVICE,
              .StartDevice = PcieHpStartDevice, .StopDevice = PcieHpStopDevice);
