/* tests/wdk_samples/sample_connect.c - connecting an interrupt the way a WDM driver's
 * IRP_MN_START_DEVICE handler does: message-based with a line-based fallback, an ISR that only
 * acknowledges and queues a DPC, a DPC that takes the status under a spin lock, and a
 * disconnect with whatever Version the connect reported. Compiled against include/ only. */
#include <wdm.h>

#include "wdk_samples.h"

KSERVICE_ROUTINE SampleInterruptService;
KMESSAGE_SERVICE_ROUTINE SampleMessageService;
KDEFERRED_ROUTINE SampleDpcRoutine;

static ULONG SampleReadStatus(PSAMPLE_DEVICE Device)
{
    return READ_REGISTER_ULONG((volatile ULONG *)(Device->Registers + SAMPLE_EDU_STATUS));
}

/* Both ISRs share this: claim, acknowledge, hand over to the DPC. */
static BOOLEAN SampleServiceDevice(PSAMPLE_DEVICE Device)
{
    ULONG status = SampleReadStatus(Device);
    if (status == 0) {
        return FALSE; /* not ours: someone else on a shared line */
    }
    WRITE_REGISTER_ULONG((volatile ULONG *)(Device->Registers + SAMPLE_EDU_ACK), status);
    InterlockedOr(&Device->PendingStatus, (LONG)status);
    InterlockedIncrement(&Device->IsrCount);
    KeInsertQueueDpc(&Device->Dpc, NULL, NULL);
    return TRUE;
}

_Use_decl_annotations_ BOOLEAN SampleInterruptService(PKINTERRUPT Interrupt, PVOID ServiceContext)
{
    UNREFERENCED_PARAMETER(Interrupt);
    return SampleServiceDevice((PSAMPLE_DEVICE)ServiceContext);
}

_Use_decl_annotations_ BOOLEAN SampleMessageService(PKINTERRUPT Interrupt, PVOID ServiceContext, ULONG MessageId)
{
    UNREFERENCED_PARAMETER(Interrupt);
    UNREFERENCED_PARAMETER(MessageId);
    return SampleServiceDevice((PSAMPLE_DEVICE)ServiceContext);
}

_Use_decl_annotations_ VOID SampleDpcRoutine(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1,
                                             PVOID SystemArgument2)
{
    PSAMPLE_DEVICE device = (PSAMPLE_DEVICE)DeferredContext;
    KIRQL oldIrql;

    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(SystemArgument1);
    UNREFERENCED_PARAMETER(SystemArgument2);

    ULONG status = (ULONG)InterlockedExchange(&device->PendingStatus, 0);
    KeAcquireSpinLock(&device->StatusLock, &oldIrql); /* at DISPATCH_LEVEL already: allowed */
    device->LastStatusSeen = status;
    KeReleaseSpinLock(&device->StatusLock, oldIrql);
    InterlockedIncrement(&device->DpcCount);
    if (device->WorkItem != NULL) {
        SampleQueueWork(device); /* the rest must wait: hand it to PASSIVE_LEVEL */
    }
}

_Use_decl_annotations_ NTSTATUS SampleConnectInterrupt(PSAMPLE_DEVICE Device)
{
    IO_CONNECT_INTERRUPT_PARAMETERS params;
    NTSTATUS status;

    KeInitializeDpc(&Device->Dpc, SampleDpcRoutine, Device);
    KeInitializeSpinLock(&Device->StatusLock);

    RtlZeroMemory(&params, sizeof(params));
    params.Version = CONNECT_MESSAGE_BASED;
    params.MessageBased.PhysicalDeviceObject = Device->PhysicalDeviceObject;
    params.MessageBased.MessageServiceRoutine = SampleMessageService;
    params.MessageBased.ServiceContext = Device;
    params.MessageBased.SynchronizeIrql = 0;
    params.MessageBased.FloatingSave = FALSE;
    params.MessageBased.FallBackServiceRoutine = SampleInterruptService;
    params.MessageBased.ConnectionContext.Generic = &Device->ConnectionContext;

    status = IoConnectInterruptEx(&params);
    if (!NT_SUCCESS(status)) {
        DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_ERROR_LEVEL, "sample: IoConnectInterruptEx failed 0x%08lx\n",
                   (ULONG)status);
        return status;
    }
    Device->ConnectVersion = params.Version; /* LINE_BASED if the fallback was used */
    if (params.Version == CONNECT_MESSAGE_BASED) {
        PIO_INTERRUPT_MESSAGE_INFO info = (PIO_INTERRUPT_MESSAGE_INFO)Device->ConnectionContext;
        DbgPrint("sample: %lu message(s), first vector 0x%lx, IRQL %lu\n", info->MessageCount,
                 info->MessageInfo[0].Vector, (ULONG)info->UnifiedIrql);
    } else {
        DbgPrint("sample: line-based fallback\n");
    }
    return STATUS_SUCCESS;
}

_Use_decl_annotations_ VOID SampleDisconnectInterrupt(PSAMPLE_DEVICE Device)
{
    IO_DISCONNECT_INTERRUPT_PARAMETERS params;

    RtlZeroMemory(&params, sizeof(params));
    params.Version = Device->ConnectVersion;
    if (params.Version == CONNECT_MESSAGE_BASED) {
        params.ConnectionContext.InterruptMessageTable = (PIO_INTERRUPT_MESSAGE_INFO)Device->ConnectionContext;
    } else {
        params.ConnectionContext.InterruptObject = (PKINTERRUPT)Device->ConnectionContext;
    }
    IoDisconnectInterruptEx(&params);
    KeFlushQueuedDpcs(); /* no DPC of ours may run after this returns */
}

_Use_decl_annotations_ VOID SampleRaiseInterrupt(PSAMPLE_DEVICE Device, ULONG Status)
{
    WRITE_REGISTER_ULONG((volatile ULONG *)(Device->Registers + SAMPLE_EDU_RAISE), Status);
}
