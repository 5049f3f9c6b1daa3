/* tests/wdk_samples/wdk_samples.h - what the WDK-style fragments in this directory offer the
 * in-guest suite tests/ktest/wdk_samples_test.c. The fragments are written the way Microsoft's
 * driver samples are written (SAL, function-class typedefs, DbgPrint of ULONGs, Rtl*, Interlocked*,
 * in-stack queued spin locks) and are compiled against include/ ONLY, with -Wall -Werror: the proof
 * that include/ is the whole driver contract (issue 12). Only WDK names appear here. */
#ifndef WDK_SAMPLES_H
#define WDK_SAMPLES_H

#include <ndis.h>
#include <wdm.h>

/* ---- sample_connect.c: connect with fallback, ISR, DPC, disconnect (an edu device) ---- */
#define SAMPLE_EDU_STATUS 0x24 /* byte offsets of the edu's interrupt registers */
#define SAMPLE_EDU_RAISE 0x60
#define SAMPLE_EDU_ACK 0x64

typedef struct _SAMPLE_DEVICE {
    PDEVICE_OBJECT PhysicalDeviceObject;
    volatile UCHAR *Registers;
    ULONG ConnectVersion; /* CONNECT_MESSAGE_BASED, or CONNECT_LINE_BASED after the fallback */
    PVOID ConnectionContext;
    KDPC Dpc;
    KSPIN_LOCK StatusLock;
    volatile LONG PendingStatus; /* ISR -> DPC, with InterlockedOr / InterlockedExchange */
    volatile LONG IsrCount;
    volatile LONG DpcCount;
    ULONG LastStatusSeen;
    /* sample_isr_to_thread.c: the DPC hands on to a work item, which wakes a waiting thread. */
    PIO_WORKITEM WorkItem; /* NULL: the DPC's work ends in the DPC */
    volatile LONG WorkQueued;
    volatile LONG WorkCount;
    KIRQL WorkIrql;
    KEVENT DataReady; /* synchronization event: one wake-up per SetEvent */
    HANDLE WaiterHandle;
    volatile LONG Stopping;
    volatile LONG WaiterWakeups;
    KIRQL WaiterIrql;
    HANDLE WaiterThreadId;
} SAMPLE_DEVICE, *PSAMPLE_DEVICE;

_IRQL_requires_(PASSIVE_LEVEL) NTSTATUS SampleConnectInterrupt(_Inout_ PSAMPLE_DEVICE Device);
_IRQL_requires_(PASSIVE_LEVEL) VOID SampleDisconnectInterrupt(_Inout_ PSAMPLE_DEVICE Device);
VOID SampleRaiseInterrupt(_In_ PSAMPLE_DEVICE Device, _In_ ULONG Status);

/* ---- sample_isr_to_thread.c: ISR -> DPC -> work item -> KeSetEvent -> waiting thread ---- */
_IRQL_requires_(PASSIVE_LEVEL) NTSTATUS
    SampleStartWaiter(_Inout_ PSAMPLE_DEVICE Device, _In_ PDEVICE_OBJECT DeviceObject);
_IRQL_requires_max_(DISPATCH_LEVEL) VOID SampleQueueWork(_Inout_ PSAMPLE_DEVICE Device);
_IRQL_requires_(PASSIVE_LEVEL) VOID SampleStopWaiter(_Inout_ PSAMPLE_DEVICE Device);

/* ---- sample_ndis_isr.c: an NDIS 6 ISR/DPC pair with NdisMSynchronizeWithInterruptEx ---- */
typedef struct _SAMPLE_ADAPTER {
    NDIS_HANDLE InterruptHandle; /* from NdisMRegisterInterruptEx; NULL: sync runs the function directly */
    volatile ULONG *Registers;   /* [0] = cause (read-to-clear), [1] = mask */
    ULONG CauseLatched;
    volatile LONG64 Interrupts;
    volatile LONG64 DpcRuns;
    ULONG LastCauseHandled;
} SAMPLE_ADAPTER, *PSAMPLE_ADAPTER;

MINIPORT_ISR SampleMiniportIsr;
MINIPORT_INTERRUPT_DPC SampleMiniportInterruptDpc;
MINIPORT_ENABLE_INTERRUPT SampleMiniportEnableInterrupt;
MINIPORT_DISABLE_INTERRUPT SampleMiniportDisableInterrupt;
MINIPORT_MESSAGE_INTERRUPT SampleMiniportMessageIsr;
MINIPORT_MESSAGE_INTERRUPT_DPC SampleMiniportMessageInterruptDpc;
MINIPORT_ENABLE_MESSAGE_INTERRUPT SampleMiniportEnableMessageInterrupt;
MINIPORT_DISABLE_MESSAGE_INTERRUPT SampleMiniportDisableMessageInterrupt;

/* Registers the eight handlers above (in MiniportInitializeEx). */
_IRQL_requires_(PASSIVE_LEVEL) NDIS_STATUS
    SampleRegisterInterrupt(_In_ NDIS_HANDLE MiniportAdapterHandle, _Inout_ PSAMPLE_ADAPTER Adapter);

/* ---- sample_bus_config.c: IoGetDeviceProperty and BUS_INTERFACE_STANDARD in a start routine ---- */
typedef struct _SAMPLE_BUS_CONFIG {
    WCHAR FirstHardwareId[64];
    USHORT VendorId;
    USHORT DeviceId;
    ULONG Answer; /* the device key's REG_DWORD "SampleAnswer", 7 when it is not set */
} SAMPLE_BUS_CONFIG, *PSAMPLE_BUS_CONFIG;

_IRQL_requires_(PASSIVE_LEVEL) NTSTATUS SampleReadBusConfig(_In_ PDEVICE_OBJECT Pdo, _Out_ PSAMPLE_BUS_CONFIG Config);

/* ---- sample_sync_memory.c: a ring of records under an in-stack queued spin lock ---- */
#define SAMPLE_RING_SIZE 8

typedef struct _SAMPLE_RECORD {
    union {
        ULONG AsUlong;
        struct {
            USHORT Code;
            USHORT Flags;
        } DUMMYSTRUCTNAME;
    } DUMMYUNIONNAME;
    LARGE_INTEGER Time;
} SAMPLE_RECORD, *PSAMPLE_RECORD;

typedef struct _SAMPLE_RING {
    KSPIN_LOCK Lock;
    ULONG Head, Count;
    volatile LONG Dropped;
    SAMPLE_RECORD Records[SAMPLE_RING_SIZE];
} SAMPLE_RING, *PSAMPLE_RING;

VOID SampleRingInitialize(_Out_ PSAMPLE_RING Ring);
_IRQL_requires_max_(DISPATCH_LEVEL) LOGICAL
    SampleRingPush(_Inout_ PSAMPLE_RING Ring, _In_ USHORT Code, _In_ USHORT Flags);
_IRQL_requires_max_(DISPATCH_LEVEL) ULONG
    SampleRingDrain(_Inout_ PSAMPLE_RING Ring, _Out_writes_(MaxRecords) PSAMPLE_RECORD Records, _In_ ULONG MaxRecords);
VOID SampleReportRing(IN PSAMPLE_RING Ring, IN PCSTR Name OPTIONAL);

#endif
