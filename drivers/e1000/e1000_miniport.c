/* drivers/e1000/e1000_miniport.c - DriverEntry, MiniportInitializeEx and MiniportHaltEx of the
 * e1000 / e1000e NDIS 6 miniport.
 *
 * learn.microsoft.com: "Writing NDIS Miniport Drivers" - DriverEntry of an NDIS miniport
 * (NdisMRegisterMiniportDriver), MINIPORT_INITIALIZE ("Initializing a Miniport Adapter": set the
 * registration attributes first, register the interrupt only once the NIC is ready), MINIPORT_HALT
 * ("Halting a Miniport Adapter": quiet the NIC, NdisMDeregisterInterruptEx, free everything);
 * NdisMRegisterInterruptEx's remarks (the ISR may run before it returns).
 *
 * Initialization order, and why:
 *   attributes        NDIS wants the adapter context before anything else (and before the interrupt)
 *   map BAR0, identify  which of the two chips (PCI device id through NdisMGetBusData)
 *   reset             every cause masked, so nothing can interrupt before the rings exist
 *   MAC, filters      EEPROM words 0-2 -> receive address 0
 *   rings             DMA memory from NdisMAllocateSharedMemory, and the NBLs and MDLs receives
 *                     are indicated in; receive and transmit enabled (no frame is indicated until
 *                     NDIS sets a packet filter, after MiniportInitializeEx)
 *   interrupt         NdisMRegisterInterruptEx (messages if granted, else the line); causes are
 *                     still masked, so an ISR called now (shared line) finds nothing of ours
 *   enable            mode-specific set-up (IVAR, moderation), then unmask under the lock
 * Halt is the reverse (after a surprise removal without touching the NIC), with one QEMU 7.2 detail: an e1000e must not
 * lose MSI-X within the throttling window after its last message (docs/io-manager.md, "QEMU 7.2 quirks").
 */
#include "e1000.h"

#define E1000_TAG IRQLAB_POOL_TAG("E1k ")
/* Wait at least this long after masking before the interrupt goes (and with it MSI-X): longer
 * than QEMU's minimum throttle window of 128 us, and than twice the moderation interval asked for. */
#define E1000_QUIET_US 1000

static const PCSTR cause_names[E1000_COUNT_CAUSES] = {
    [E1000_COUNT_RXT0] = "rxt0", [E1000_COUNT_RXO] = "rxo",     [E1000_COUNT_RXDMT0] = "rxdmt0",
    [E1000_COUNT_TXDW] = "txdw", [E1000_COUNT_LSC] = "lsc",     [E1000_COUNT_RXQ0] = "rxq0",
    [E1000_COUNT_TXQ0] = "txq0", [E1000_COUNT_OTHER] = "other",
};

static const CM_PARTIAL_RESOURCE_DESCRIPTOR *find_registers(PNDIS_RESOURCE_LIST Resources)
{
    /* BAR0 is the first memory range on both chips (the e1000e's flash and MSI-X BARs follow). */
    for (ULONG i = 0; Resources && i < Resources->Count; i++)
        if (Resources->PartialDescriptors[i].Type == CmResourceTypeMemory)
            return &Resources->PartialDescriptors[i];
    return NULL;
}

static NDIS_STATUS set_attributes(PE1000_ADAPTER Adapter)
{
    NDIS_MINIPORT_ADAPTER_ATTRIBUTES attributes;
    NdisZeroMemory(&attributes, sizeof(attributes));
    NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES *r = &attributes.RegistrationAttributes;
    r->Header.Type = NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES;
    r->Header.Revision = NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1;
    r->Header.Size = NDIS_SIZEOF_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1;
    r->MiniportAdapterContext = Adapter;
    r->AttributeFlags = NDIS_MINIPORT_ATTRIBUTES_HARDWARE_DEVICE | NDIS_MINIPORT_ATTRIBUTES_BUS_MASTER;
    r->CheckForHangTimeInSeconds = 0;
    r->InterfaceType = NdisInterfacePci;
    return NdisMSetMiniportAttributes(Adapter->AdapterHandle, &attributes);
}

static NDIS_STATUS identify(PE1000_ADAPTER Adapter)
{
    USHORT ids[2] = {0, 0}; /* vendor, device at offset 0 */
    if (NdisMGetBusData(Adapter->AdapterHandle, PCI_WHICHSPACE_CONFIG, 0, ids, sizeof(ids)) != sizeof(ids) ||
        ids[0] != E1000_VENDOR_INTEL)
        return NDIS_STATUS_ADAPTER_NOT_FOUND;
    switch (ids[1]) {
    case E1000_DEVICE_82540EM: Adapter->Chip = E1000_CHIP_82540EM; return NDIS_STATUS_SUCCESS;
    case E1000_DEVICE_82574L: Adapter->Chip = E1000_CHIP_82574L; return NDIS_STATUS_SUCCESS;
    default: return NDIS_STATUS_ADAPTER_NOT_FOUND;
    }
}

/* Undo whatever initialization got done, newest first (MiniportHaltEx and failed init). */
static VOID release_adapter(PE1000_ADAPTER Adapter)
{
    if (Adapter->TxRing)
        E1000TxStop(Adapter);
    if (Adapter->Registers && !Adapter->SurpriseRemoved) {
        E1000Write(Adapter, E1000_IMC, 0xFFFFFFFF);
        E1000RxStop(Adapter);
    }
    if (Adapter->InterruptHandle) {
        if (!Adapter->SurpriseRemoved) /* a NIC that is gone sends nothing more */
            NdisStallExecution(E1000_QUIET_US + 2 * Adapter->ItrInterval * 256 / 1000);
        NdisMDeregisterInterruptEx(Adapter->InterruptHandle); /* no ISR or DPC of ours after this */
        Adapter->InterruptHandle = NULL;
    }
    E1000RxFree(Adapter);
    E1000TxFree(Adapter);
    if (Adapter->Registers)
        NdisMUnmapIoSpace(Adapter->AdapterHandle, (PVOID)Adapter->Registers, Adapter->RegistersLength);
    NdisFreeMemory(Adapter, sizeof(*Adapter), 0);
}

/* Who will notice a link change, for the start-up line. */
static PCSTR link_watchers(bool interrupt, bool watchdog)
{
    if (interrupt)
        return watchdog ? "interrupt + watchdog" : "interrupt only";
    return watchdog ? "watchdog only" : "not watched (e1000_link_irq=off, e1000_watchdog_ms=0)";
}

static NDIS_STATUS E1000InitializeEx(NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE MiniportDriverContext,
                                     PNDIS_MINIPORT_INIT_PARAMETERS MiniportInitParameters)
{
    UNREFERENCED_PARAMETER(MiniportDriverContext);
    PE1000_ADAPTER adapter =
        NdisAllocateMemoryWithTagPriority(MiniportAdapterHandle, sizeof(E1000_ADAPTER), E1000_TAG, NormalPoolPriority);
    if (!adapter)
        return NDIS_STATUS_RESOURCES;
    adapter->AdapterHandle = MiniportAdapterHandle;
    adapter->Name = NdisIrqlabAdapterName(MiniportAdapterHandle);
    KeInitializeSpinLock(&adapter->LinkLock);
    E1000ReadConfiguration(adapter);
    bool link_irq = adapter->LinkInterrupt;
    adapter->LineCauses = link_irq ? E1000_LINE_CAUSES : E1000_LINE_CAUSES & ~E1000_ICR_LSC;
    adapter->OtherCauses = link_irq ? E1000_OTHER_CAUSES : E1000_OTHER_CAUSES & ~E1000_ICR_LSC;

    NDIS_STATUS status = set_attributes(adapter);
    if (status == NDIS_STATUS_SUCCESS)
        status = identify(adapter);
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *bar0 = find_registers(MiniportInitParameters->AllocatedResources);
    if (status == NDIS_STATUS_SUCCESS && !bar0)
        status = NDIS_STATUS_RESOURCE_CONFLICT;
    if (status == NDIS_STATUS_SUCCESS) {
        adapter->RegistersLength = bar0->u.Memory.Length;
        status = NdisMMapIoSpace((PVOID *)&adapter->Registers, MiniportAdapterHandle, bar0->u.Memory.Start,
                                 adapter->RegistersLength);
    }
    if (status != NDIS_STATUS_SUCCESS) {
        DbgPrint("e1000: %s: cannot start: 0x%08x\n", adapter->Name, (unsigned)status);
        release_adapter(adapter);
        return status;
    }

    E1000ResetHardware(adapter);
    E1000ReadMacAddress(adapter);
    E1000ProgramFilters(adapter);
    adapter->MissedSeen = E1000Read(adapter, E1000_MPC);
    status = E1000RxAllocate(adapter);
    if (status == NDIS_STATUS_SUCCESS)
        status = E1000TxAllocate(adapter);
    if (status == NDIS_STATUS_SUCCESS) {
        E1000RxStart(adapter);
        E1000TxStart(adapter);
        NdisIrqlabNameInterruptCauses(MiniportAdapterHandle, cause_names, E1000_COUNT_CAUSES);
    }
    NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS chars;
    E1000InterruptCharacteristics(&chars);
    if (status == NDIS_STATUS_SUCCESS)
        status = NdisMRegisterInterruptEx(MiniportAdapterHandle, adapter, &chars, &adapter->InterruptHandle);
    if (status != NDIS_STATUS_SUCCESS) {
        DbgPrint("e1000: %s: cannot start: 0x%08x\n", adapter->Name, (unsigned)status);
        release_adapter(adapter);
        return status;
    }

    (void)E1000UpdateLink(adapter, "initialization");
    E1000StartInterrupts(adapter, &chars);
    status = E1000WatchdogStart(adapter);
    if (status != NDIS_STATUS_SUCCESS) {
        DbgPrint("e1000: %s: cannot start: 0x%08x\n", adapter->Name, (unsigned)status);
        E1000TxStop(adapter);
        E1000StopInterrupts(adapter);
        release_adapter(adapter);
        return status;
    }
    e1000_remember(adapter);
    const UCHAR *m = adapter->Mac;
    DbgPrint("e1000: %s: %s %02x:%02x:%02x:%02x:%02x:%02x, %s interrupts%s, moderation %s, link %s\n", adapter->Name,
             adapter->Chip == E1000_CHIP_82574L ? "82574L" : "82540EM", m[0], m[1], m[2], m[3], m[4], m[5],
             E1000ModeName(adapter->Mode), adapter->Mode == E1000_IRQ_MSIX ? " (rx/tx/other = messages 0/1/2)" : "",
             adapter->ItrInterval ? "on" : "off", link_watchers(link_irq, adapter->WatchdogTimer != NULL));
    return NDIS_STATUS_SUCCESS;
}

/* MiniportHaltEx. With NdisHaltDeviceSurpriseRemoved (after E1000DevicePnPEventNotify) the NIC
 * is gone: every step below that would touch it checks SurpriseRemoved, and only the software
 * state is undone (the interrupt deregistered, memory freed). */
static VOID E1000HaltEx(NDIS_HANDLE MiniportAdapterContext, NDIS_HALT_ACTION HaltAction)
{
    PE1000_ADAPTER adapter = MiniportAdapterContext;
    e1000_last_halt_action = HaltAction;
    if (HaltAction == NdisHaltDeviceSurpriseRemoved)
        adapter->SurpriseRemoved = true; /* also without the notification before */
    e1000_forget(adapter);
    E1000WatchdogStop(adapter); /* first: its callback reads registers that are about to go */
    /* Refuse sends (NDIS sends none from now on anyway), then mask every cause under the interrupt lock (so
     * no ISR is half-way through enabling them), then let release_adapter wait out the throttle
     * window and deregister. */
    E1000TxStop(adapter);
    E1000StopInterrupts(adapter);
    release_adapter(adapter);
}

/* MiniportDevicePnPEventNotify: only the surprise removal matters to a NIC with no power
 * management - from now on no register is touched (learn.microsoft.com
 * MINIPORT_DEVICE_PNP_EVENT_NOTIFY: "the miniport driver should not attempt to access the hardware"). */
static VOID E1000DevicePnPEventNotify(NDIS_HANDLE MiniportAdapterContext, PNET_DEVICE_PNP_EVENT NetDevicePnPEvent)
{
    PE1000_ADAPTER adapter = MiniportAdapterContext;
    if (NetDevicePnPEvent->DevicePnPEvent == NdisDevicePnPEventSurpriseRemoved) {
        adapter->SurpriseRemoved = true;
        DbgPrint("e1000: %s: surprise removed\n", adapter->Name);
    }
}

/* MiniportShutdownEx: quiet the NIC and nothing else - no lock, no wait, no NDIS call, no free
 * (it may run on a bug check, at any IRQL): every cause masked, receive and transmit off, so it
 * neither interrupts nor writes memory while the machine goes down. */
static VOID E1000ShutdownEx(NDIS_HANDLE MiniportAdapterContext, NDIS_SHUTDOWN_ACTION ShutdownAction)
{
    UNREFERENCED_PARAMETER(ShutdownAction);
    PE1000_ADAPTER adapter = MiniportAdapterContext;
    adapter->ShutDown = true;
    E1000Write(adapter, E1000_IMC, 0xFFFFFFFF);
    E1000Write(adapter, E1000_RCTL, 0);
    E1000Write(adapter, E1000_TCTL, 0);
}

static NTSTATUS E1000DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    NDIS_MINIPORT_DRIVER_CHARACTERISTICS chars;
    NdisZeroMemory(&chars, sizeof(chars));
    chars.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_DRIVER_CHARACTERISTICS;
    chars.Header.Revision = NDIS_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_1;
    chars.Header.Size = NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_1;
    chars.MajorNdisVersion = 6;
    chars.MinorNdisVersion = 20; /* NdisMQueueDpcEx, receive throttling */
    chars.MajorDriverVersion = 1;
    chars.InitializeHandlerEx = E1000InitializeEx;
    chars.HaltHandlerEx = E1000HaltEx;
    chars.OidRequestHandler = E1000OidRequest;
    chars.SendNetBufferListsHandler = E1000SendNetBufferLists;
    chars.ReturnNetBufferListsHandler = E1000ReturnNetBufferLists;
    chars.DevicePnPEventNotifyHandler = E1000DevicePnPEventNotify;
    chars.ShutdownHandlerEx = E1000ShutdownEx;
    NDIS_HANDLE driver_handle;
    return NdisMRegisterMiniportDriver(DriverObject, RegistryPath, NULL, &chars, &driver_handle);
}

/* The "INF": the two PCI ids this miniport drives. */
IRQLAB_NDIS_MINIPORT(e1000, E1000DriverEntry, .Name = "e1000", .VendorId = E1000_VENDOR_INTEL,
                     .DeviceId = E1000_DEVICE_82540EM);
IRQLAB_NDIS_MINIPORT(e1000e, E1000DriverEntry, .Name = "e1000e", .VendorId = E1000_VENDOR_INTEL,
                     .DeviceId = E1000_DEVICE_82574L);
