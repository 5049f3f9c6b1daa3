/* tests/wdk_samples/sample_ndis_isr.c - an NDIS 6 miniport's interrupt handlers, written as the
 * WDK's NIC samples structure them: the ISR only latches the cause and asks for the DPC, the DPC
 * reads and clears the latched cause inside NdisMSynchronizeWithInterruptEx (so it cannot race
 * the ISR), and enable/disable write the mask register. Compiled against include/ only. */
#include <ndis.h>

#include "wdk_samples.h"

#define SAMPLE_CAUSE 0
#define SAMPLE_MASK 1

MINIPORT_SYNCHRONIZE_INTERRUPT SampleTakeLatchedCause;

static BOOLEAN SampleLatchCause(PSAMPLE_ADAPTER Adapter)
{
    ULONG cause = READ_REGISTER_ULONG(&Adapter->Registers[SAMPLE_CAUSE]);
    if (cause == 0) {
        return FALSE;
    }
    WRITE_REGISTER_ULONG(&Adapter->Registers[SAMPLE_CAUSE], 0); /* read-to-clear, by hand */
    Adapter->CauseLatched |= cause;
    InterlockedIncrement64(&Adapter->Interrupts);
    return TRUE;
}

_Use_decl_annotations_ BOOLEAN SampleMiniportIsr(NDIS_HANDLE MiniportInterruptContext,
                                                 PBOOLEAN QueueDefaultInterruptDpc, PULONG TargetProcessors)
{
    PSAMPLE_ADAPTER adapter = (PSAMPLE_ADAPTER)MiniportInterruptContext;
    *TargetProcessors = 0;
    *QueueDefaultInterruptDpc = SampleLatchCause(adapter);
    return *QueueDefaultInterruptDpc;
}

_Use_decl_annotations_ BOOLEAN SampleMiniportMessageIsr(NDIS_HANDLE MiniportInterruptContext, ULONG MessageId,
                                                        PBOOLEAN QueueDefaultInterruptDpc, PULONG TargetProcessors)
{
    UNREFERENCED_PARAMETER(MessageId);
    return SampleMiniportIsr(MiniportInterruptContext, QueueDefaultInterruptDpc, TargetProcessors);
}

_Use_decl_annotations_ BOOLEAN SampleTakeLatchedCause(NDIS_HANDLE SynchronizeContext)
{
    PSAMPLE_ADAPTER adapter = (PSAMPLE_ADAPTER)SynchronizeContext;
    adapter->LastCauseHandled = adapter->CauseLatched;
    adapter->CauseLatched = 0;
    return adapter->LastCauseHandled != 0;
}

_Use_decl_annotations_ VOID SampleMiniportInterruptDpc(NDIS_HANDLE MiniportInterruptContext, PVOID MiniportDpcContext,
                                                       PVOID ReceiveThrottleParameters, PVOID NdisReserved2)
{
    PSAMPLE_ADAPTER adapter = (PSAMPLE_ADAPTER)MiniportInterruptContext;
    UNREFERENCED_PARAMETER(MiniportDpcContext);
    UNREFERENCED_PARAMETER(ReceiveThrottleParameters);
    UNREFERENCED_PARAMETER(NdisReserved2);

    if (NdisMSynchronizeWithInterruptEx(adapter->InterruptHandle, 0, SampleTakeLatchedCause, adapter)) {
        InterlockedIncrement64(&adapter->DpcRuns);
        DbgPrint("sample-ndis: cause 0x%08lx handled, %I64d interrupt(s)\n", adapter->LastCauseHandled,
                 adapter->Interrupts);
    }
}

_Use_decl_annotations_ VOID SampleMiniportMessageInterruptDpc(NDIS_HANDLE MiniportInterruptContext, ULONG MessageId,
                                                              PVOID MiniportDpcContext, PVOID ReceiveThrottleParameters,
                                                              PVOID NdisReserved2)
{
    UNREFERENCED_PARAMETER(MessageId);
    SampleMiniportInterruptDpc(MiniportInterruptContext, MiniportDpcContext, ReceiveThrottleParameters, NdisReserved2);
}

_Use_decl_annotations_ VOID SampleMiniportEnableInterrupt(NDIS_HANDLE MiniportInterruptContext)
{
    PSAMPLE_ADAPTER adapter = (PSAMPLE_ADAPTER)MiniportInterruptContext;
    WRITE_REGISTER_ULONG(&adapter->Registers[SAMPLE_MASK], 0xFFFFFFFF);
}

_Use_decl_annotations_ VOID SampleMiniportDisableInterrupt(NDIS_HANDLE MiniportInterruptContext)
{
    PSAMPLE_ADAPTER adapter = (PSAMPLE_ADAPTER)MiniportInterruptContext;
    WRITE_REGISTER_ULONG(&adapter->Registers[SAMPLE_MASK], 0);
}

_Use_decl_annotations_ VOID SampleMiniportEnableMessageInterrupt(NDIS_HANDLE MiniportInterruptContext, ULONG MessageId)
{
    UNREFERENCED_PARAMETER(MessageId);
    SampleMiniportEnableInterrupt(MiniportInterruptContext);
}

_Use_decl_annotations_ VOID SampleMiniportDisableMessageInterrupt(NDIS_HANDLE MiniportInterruptContext, ULONG MessageId)
{
    UNREFERENCED_PARAMETER(MessageId);
    SampleMiniportDisableInterrupt(MiniportInterruptContext);
}

_Use_decl_annotations_ NDIS_STATUS SampleRegisterInterrupt(NDIS_HANDLE MiniportAdapterHandle, PSAMPLE_ADAPTER Adapter)
{
    NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS chars;

    NdisZeroMemory(&chars, sizeof(chars));
    chars.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_INTERRUPT;
    chars.Header.Revision = NDIS_MINIPORT_INTERRUPT_REVISION_1;
    chars.Header.Size = NDIS_SIZEOF_MINIPORT_INTERRUPT_CHARACTERISTICS_REVISION_1;
    chars.InterruptHandler = SampleMiniportIsr;
    chars.InterruptDpcHandler = SampleMiniportInterruptDpc;
    chars.DisableInterruptHandler = SampleMiniportDisableInterrupt;
    chars.EnableInterruptHandler = SampleMiniportEnableInterrupt;
    chars.MsiSupported = TRUE;
    chars.MsiSyncWithAllMessages = TRUE;
    chars.MessageInterruptHandler = SampleMiniportMessageIsr;
    chars.MessageInterruptDpcHandler = SampleMiniportMessageInterruptDpc;
    chars.DisableMessageInterruptHandler = SampleMiniportDisableMessageInterrupt;
    chars.EnableMessageInterruptHandler = SampleMiniportEnableMessageInterrupt;

    return NdisMRegisterInterruptEx(MiniportAdapterHandle, Adapter, &chars, &Adapter->InterruptHandle);
}
