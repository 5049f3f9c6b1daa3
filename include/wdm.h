/* include/wdm.h - the driver-facing kernel API of irqlab, named and shaped as in the WDK's wdm.h.
 *
 * A driver includes only this header (plus ndis.h / parallel.h when it needs them). Every
 * routine here behaves as its page on learn.microsoft.com describes; docs/reference/ lists
 * where irqlab differs. This file grows with each subsystem: IRQL, spin locks, DPCs, interrupt
 * objects, IoConnectInterruptEx and friends are added by the interrupt-core and I/O issues.
 */
#ifndef IRQLAB_WDM_H
#define IRQLAB_WDM_H

#include <stdarg.h>

#include "ntdef.h"
#include "ntstatus.h"

/* ---- issue 12: the rest of the driver contract, in headers of their own ---- */
#include "bugcodes.h"     /* stop codes for KeBugCheckEx */
#include "interlocked.h"  /* Interlocked* */
#include "ioaccess.h"     /* READ_REGISTER_*, WRITE_PORT_*, ... */
#include "ntrtl.h"        /* RtlZeroMemory, RtlCopyMemory, ... */
#include "guiddef.h"      /* GUID, DEFINE_GUID (the GUIDs themselves: wdmguid.h) */
/* ---- end of issue 12 includes (ntkeex.h is included at the end: it needs KSPIN_LOCK) ---- */

/* ---- Debug output (DbgPrint, DbgPrintEx) ---- */
#define DPFLTR_ERROR_LEVEL 0
#define DPFLTR_WARNING_LEVEL 1
#define DPFLTR_TRACE_LEVEL 2
#define DPFLTR_INFO_LEVEL 3
#define DPFLTR_IHVDRIVER_ID 77

/* Windows' format semantics (kernel/lib/format.h, format_windows_v): %ld/%lu/%lx are 32-bit
 * (LONG, ULONG), %I64x / %llx 64-bit, %Ix pointer-sized, %p 16 upper-case digits, %Z / %wZ print
 * a PANSI_STRING / PUNICODE_STRING, %ws / %S a WCHAR string. No compiler format check: gcc's
 * format(printf) would apply C99's LP64 rules (%lu = 64-bit) and reject every correct WDK call
 * (%lu with a ULONG), and format(ms_printf), which knows Microsoft's rules, exists only for
 * mingw targets ("'ms_printf' is an unrecognized format function type" on x86_64-linux-gnu).
 * A wrong format is found by reading the output, as with the WDK's DbgPrint. */
ULONG DbgPrint(PCSTR Format, ...);
ULONG DbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, ...);
ULONG vDbgPrintEx(ULONG ComponentId, ULONG Level, PCCH Format, va_list arglist);

/* ---- Memory (kernel/mm/pool.c; flags and types as in the WDK's wdm.h) ----
 * All pool is non-paged and no-execute (irqlab never pages). ExAllocatePool2 returns NULL for
 * Tag 0, invalid flags and out of memory, as documented; irqlab additionally behaves like Driver
 * Verifier's pool checks and bugchecks with BAD_POOL_CALLER (0xC2) for the caller bugs Windows
 * would catch: tag mismatch on free (P1 0x0A), double free (0x07), freeing a non-pool address
 * (0x46), zero-byte allocations (0x00), ExAllocatePoolWithTag with Tag 0 (0x9B), tags without a
 * letter or digit (0x9D), MustSucceed pool types (0x9A), and allocating/freeing above
 * DISPATCH_LEVEL (0x08/0x09). Overruns found on free: BAD_POOL_HEADER (0x19). Details and every
 * parameter: kernel/mm/pool.c and kernel/mm/heap.h. */
typedef ULONG64 POOL_FLAGS;
#define POOL_FLAG_REQUIRED_START 0x0000000000000001ull
#define POOL_FLAG_USE_QUOTA 0x0000000000000001ull     /* accepted, no quota exists */
#define POOL_FLAG_UNINITIALIZED 0x0000000000000002ull /* don't zero the allocation */
#define POOL_FLAG_SESSION 0x0000000000000004ull       /* no sessions: fails */
#define POOL_FLAG_CACHE_ALIGNED 0x0000000000000008ull /* 64-byte aligned */
#define POOL_FLAG_RESERVED1 0x0000000000000010ull
#define POOL_FLAG_RAISE_ON_FAILURE 0x0000000000000020ull  /* no SEH: failure bugchecks (0x1E) */
#define POOL_FLAG_NON_PAGED 0x0000000000000040ull         /* non-paged, no-execute */
#define POOL_FLAG_NON_PAGED_EXECUTE 0x0000000000000080ull /* not supported: fails */
#define POOL_FLAG_PAGED 0x0000000000000100ull             /* served from non-paged memory */
#define POOL_FLAG_RESERVED2 0x0000000000000200ull
#define POOL_FLAG_RESERVED3 0x0000000000000400ull
#define POOL_FLAG_REQUIRED_END 0x0000000080000000ull
#define POOL_FLAG_OPTIONAL_START 0x0000000100000000ull /* optional flags are ignored */
#define POOL_FLAG_SPECIAL_POOL 0x0000000100000000ull
#define POOL_FLAG_OPTIONAL_END 0x8000000000000000ull

typedef enum _POOL_TYPE {
    NonPagedPool = 0,
    NonPagedPoolExecute = 0,
    PagedPool = 1,
    NonPagedPoolMustSucceed = 2,
    DontUseThisType = 3,
    NonPagedPoolCacheAligned = 4,
    PagedPoolCacheAligned = 5,
    NonPagedPoolCacheAlignedMustS = 6,
    MaxPoolType = 7,
    NonPagedPoolBase = 0,
    NonPagedPoolBaseMustSucceed = 2,
    NonPagedPoolBaseCacheAligned = 4,
    NonPagedPoolBaseCacheAlignedMustS = 6,
    NonPagedPoolSession = 32,
    PagedPoolSession = 33,
    NonPagedPoolMustSucceedSession = 34,
    DontUseThisTypeSession = 35,
    NonPagedPoolCacheAlignedSession = 36,
    PagedPoolCacheAlignedSession = 37,
    NonPagedPoolCacheAlignedMustSSession = 38,
    NonPagedPoolNx = 512,
    NonPagedPoolNxCacheAligned = 516,
    NonPagedPoolSessionNx = 544,
} POOL_TYPE;

/* Modifier bits a POOL_TYPE may carry. */
#define POOL_QUOTA_FAIL_INSTEAD_OF_RAISE 8
#define POOL_RAISE_IF_ALLOCATION_FAILURE 16
#define POOL_COLD_ALLOCATION 256
#define POOL_NX_ALLOCATION 512
#define POOL_ZERO_ALLOCATION 1024

#ifndef PAGE_SIZE
#define PAGE_SIZE 0x1000
#endif

/* irqlab addition: gcc rejects MSVC's multi-character tag literals ('1gaT') under -Werror, so
 * write IRQLAB_POOL_TAG("Tag1"): the same value, spelled in the order a pool dump shows it. */
#define IRQLAB_POOL_TAG(s)                                                                                             \
    ((ULONG)(UCHAR)(s)[0] | (ULONG)(UCHAR)(s)[1] << 8 | (ULONG)(UCHAR)(s)[2] << 16 | (ULONG)(UCHAR)(s)[3] << 24)

PVOID ExAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag);
PVOID ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag);
VOID ExFreePoolWithTag(PVOID P, ULONG Tag); /* Tag 0: no tag check, like ExFreePool */
VOID ExFreePool(PVOID P);
/* ---- end of Memory ---- */

/* ---- Lists (the WDK's inline helpers) ---- */
typedef struct _LIST_ENTRY {
    struct _LIST_ENTRY *Flink;
    struct _LIST_ENTRY *Blink;
} LIST_ENTRY, *PLIST_ENTRY;

typedef struct _SINGLE_LIST_ENTRY {
    struct _SINGLE_LIST_ENTRY *Next;
} SINGLE_LIST_ENTRY, *PSINGLE_LIST_ENTRY;

static inline VOID InitializeListHead(PLIST_ENTRY ListHead) { ListHead->Flink = ListHead->Blink = ListHead; }
static inline BOOLEAN IsListEmpty(const LIST_ENTRY *ListHead) { return ListHead->Flink == ListHead; }
static inline VOID InsertTailList(PLIST_ENTRY ListHead, PLIST_ENTRY Entry)
{
    PLIST_ENTRY last = ListHead->Blink;
    Entry->Flink = ListHead;
    Entry->Blink = last;
    last->Flink = Entry;
    ListHead->Blink = Entry;
}
static inline VOID InsertHeadList(PLIST_ENTRY ListHead, PLIST_ENTRY Entry)
{
    PLIST_ENTRY first = ListHead->Flink;
    Entry->Flink = first;
    Entry->Blink = ListHead;
    first->Blink = Entry;
    ListHead->Flink = Entry;
}
/* Returns TRUE if the list is empty afterwards (WDK semantics). */
static inline BOOLEAN RemoveEntryList(PLIST_ENTRY Entry)
{
    PLIST_ENTRY next = Entry->Flink, prev = Entry->Blink;
    prev->Flink = next;
    next->Blink = prev;
    return next == prev;
}

/* ---- Processors ---- */
typedef ULONG_PTR KAFFINITY, *PKAFFINITY;
#define MAXIMUM_PROCESSORS 64
#define ALL_PROCESSOR_GROUPS 0xffff

typedef struct _PROCESSOR_NUMBER {
    USHORT Group;
    UCHAR Number;
    UCHAR Reserved;
} PROCESSOR_NUMBER, *PPROCESSOR_NUMBER;

typedef struct _GROUP_AFFINITY {
    KAFFINITY Mask;
    USHORT Group;
    USHORT Reserved[3];
} GROUP_AFFINITY, *PGROUP_AFFINITY;

ULONG KeGetCurrentProcessorNumberEx(PPROCESSOR_NUMBER ProcNumber);
ULONG KeGetCurrentProcessorNumber(VOID);
ULONG KeQueryActiveProcessorCountEx(USHORT GroupNumber);
ULONG KeQueryActiveProcessorCount(PKAFFINITY ActiveProcessors);
KAFFINITY KeQueryActiveProcessors(VOID);

/* ---- IRQL (x64: the IRQL is CR8, the local APIC's task-priority class) ---- */
typedef UCHAR KIRQL, *PKIRQL;
#define PASSIVE_LEVEL 0
#define LOW_LEVEL 0
#define APC_LEVEL 1
#define DISPATCH_LEVEL 2
#define CMCI_LEVEL 5
#define SYNCH_LEVEL 12
#define CLOCK_LEVEL 13
#define IPI_LEVEL 14
#define DRS_LEVEL 14
#define POWER_LEVEL 14
#define PROFILE_LEVEL 15
#define HIGH_LEVEL 15

KIRQL KeGetCurrentIrql(VOID);
KIRQL KfRaiseIrql(KIRQL NewIrql);
VOID KeLowerIrql(KIRQL NewIrql);
KIRQL KeRaiseIrqlToDpcLevel(VOID);
KIRQL KeRaiseIrqlToSynchLevel(VOID);
#define KeRaiseIrql(NewIrql, OldIrql) (*(OldIrql) = KfRaiseIrql(NewIrql))

/* ---- Spin locks ---- */
typedef ULONG_PTR KSPIN_LOCK, *PKSPIN_LOCK;

VOID KeInitializeSpinLock(PKSPIN_LOCK SpinLock);
KIRQL KeAcquireSpinLockRaiseToDpc(PKSPIN_LOCK SpinLock);
#define KeAcquireSpinLock(SpinLock, OldIrql) (*(OldIrql) = KeAcquireSpinLockRaiseToDpc(SpinLock))
VOID KeReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql);
VOID KeAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock);
VOID KeReleaseSpinLockFromDpcLevel(PKSPIN_LOCK SpinLock);
BOOLEAN KeTryToAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock);
BOOLEAN KeTestSpinLock(PKSPIN_LOCK SpinLock);

/* ---- DPCs ---- */
struct _KDPC;
typedef VOID KDEFERRED_ROUTINE(struct _KDPC *Dpc, PVOID DeferredContext, PVOID SystemArgument1,
                               PVOID SystemArgument2);
typedef KDEFERRED_ROUTINE *PKDEFERRED_ROUTINE;

typedef enum _KDPC_IMPORTANCE {
    LowImportance = 0,
    MediumImportance = 1,
    HighImportance = 2,
    MediumHighImportance = 3,
} KDPC_IMPORTANCE;

/* As in the WDK. KDPC.Type is not one of these: it is the object type KeInitializeDpc stores,
 * DpcObject (0x13), or ThreadedDpcObject (0x18) from KeInitializeThreadedDpc (KOBJECTS). */
#define DPC_NORMAL 0
#define DPC_THREADED 1

/* x64 layout of the WDK (size 0x40). DpcData != NULL while the DPC sits in a queue. */
typedef struct _KDPC {
    union {
        ULONG TargetInfoAsUlong;
        struct {
            UCHAR Type;
            UCHAR Importance;
            volatile USHORT Number; /* 0 = the CPU that queues it; MAXIMUM_PROCESSORS + n = CPU n */
        };
    };
    SINGLE_LIST_ENTRY DpcListEntry;
    KAFFINITY ProcessorHistory;
    PKDEFERRED_ROUTINE DeferredRoutine;
    PVOID DeferredContext;
    PVOID SystemArgument1;
    PVOID SystemArgument2;
    volatile PVOID DpcData;
} KDPC, *PKDPC, *PRKDPC;

VOID KeInitializeDpc(PRKDPC Dpc, PKDEFERRED_ROUTINE DeferredRoutine, PVOID DeferredContext);
/* A threaded DPC runs at PASSIVE_LEVEL in its CPU's priority-31 thread (preempted by ordinary DPCs
 * and interrupts, never by a thread); with `threaded_dpcs=off` it runs as an ordinary DPC at
 * DISPATCH_LEVEL, so its routine must be correct at both and follow the DPC rules (no waits). */
VOID KeInitializeThreadedDpc(PRKDPC Dpc, PKDEFERRED_ROUTINE DeferredRoutine, PVOID DeferredContext);
BOOLEAN KeInsertQueueDpc(PRKDPC Dpc, PVOID SystemArgument1, PVOID SystemArgument2);
BOOLEAN KeRemoveQueueDpc(PRKDPC Dpc);
VOID KeSetTargetProcessorDpc(PRKDPC Dpc, CHAR Number);
NTSTATUS KeSetTargetProcessorDpcEx(PKDPC Dpc, PPROCESSOR_NUMBER ProcNumber);
VOID KeSetImportanceDpc(PRKDPC Dpc, KDPC_IMPORTANCE Importance);
VOID KeFlushQueuedDpcs(VOID);

/* ---- Interrupt objects ---- */
typedef enum _KINTERRUPT_MODE { LevelSensitive = 0, Latched = 1 } KINTERRUPT_MODE;

typedef enum _KINTERRUPT_POLARITY {
    InterruptPolarityUnknown = 0,
    InterruptActiveHigh = 1,
    InterruptRisingEdge = 1,
    InterruptActiveLow = 2,
    InterruptFallingEdge = 2,
    InterruptActiveBoth = 3,
    InterruptActiveBothTriggerLow = 3,
    InterruptActiveBothTriggerHigh = 4,
} KINTERRUPT_POLARITY, *PKINTERRUPT_POLARITY;

/* Opaque to drivers, as in the WDK: only the kernel looks inside (kernel/ke/interrupt.h). */
typedef struct _KINTERRUPT KINTERRUPT, *PKINTERRUPT, *PRKINTERRUPT;

typedef BOOLEAN KSERVICE_ROUTINE(struct _KINTERRUPT *Interrupt, PVOID ServiceContext);
typedef KSERVICE_ROUTINE *PKSERVICE_ROUTINE;
typedef BOOLEAN KMESSAGE_SERVICE_ROUTINE(struct _KINTERRUPT *Interrupt, PVOID ServiceContext, ULONG MessageID);
typedef KMESSAGE_SERVICE_ROUTINE *PKMESSAGE_SERVICE_ROUTINE;
typedef BOOLEAN KSYNCHRONIZE_ROUTINE(PVOID SynchronizeContext);
typedef KSYNCHRONIZE_ROUTINE *PKSYNCHRONIZE_ROUTINE;

/* At most the object's SynchronizeIrql. A passive-level object (its ISR runs at PASSIVE_LEVEL,
 * IoConnectInterruptEx below) has no spin lock: KeSynchronizeExecution then holds its event, and
 * KeAcquire/ReleaseInterruptSpinLock stop with PASSIVE_INTERRUPT_ERROR (0x13B), P1 = 1. */
BOOLEAN KeSynchronizeExecution(PKINTERRUPT Interrupt, PKSYNCHRONIZE_ROUTINE SynchronizeRoutine,
                               PVOID SynchronizeContext);
KIRQL KeAcquireInterruptSpinLock(PKINTERRUPT Interrupt);
VOID KeReleaseInterruptSpinLock(PKINTERRUPT Interrupt, KIRQL OldIrql);

/* ---- Bug checks ---- */
/* Stop the system: print the stop screen (code, parameters, registers, backtrace) on COM1 and
 * end QEMU with the failure status. Never returns. Stop codes: kernel/ke/bugcheck.h. */
__attribute__((noreturn)) VOID KeBugCheckEx(ULONG BugCheckCode, ULONG_PTR BugCheckParameter1,
                                            ULONG_PTR BugCheckParameter2, ULONG_PTR BugCheckParameter3,
                                            ULONG_PTR BugCheckParameter4);
__attribute__((noreturn)) VOID KeBugCheck(ULONG BugCheckCode);

/* ---- NMI callbacks (kernel/ke/nmi_callback.c) ----
 * A non-maskable interrupt calls every registered callback, newest first, at HIGH_LEVEL on the
 * CPU that took it; Handled is TRUE once an earlier one returned TRUE. If none returns TRUE the
 * system stops with 0x80 NMI_HARDWARE_FAILURE, as Windows' default handler does. Register and
 * deregister at IRQL <= APC_LEVEL (above it: 0xA, P1 = the routine, P2 = the IRQL, P3 = 1,
 * P4 = the caller). KeRegisterNmiCallback returns NULL if it cannot register (no routine, no
 * pool); KeDeregisterNmiCallback returns STATUS_INVALID_HANDLE for a handle it did not hand out
 * or already took back. On return from KeDeregisterNmiCallback the callback runs nowhere. */
typedef BOOLEAN NMI_CALLBACK(PVOID Context, BOOLEAN Handled);
typedef NMI_CALLBACK *PNMI_CALLBACK;

PVOID KeRegisterNmiCallback(PNMI_CALLBACK CallbackRoutine, PVOID Context);
NTSTATUS KeDeregisterNmiCallback(PVOID Handle);

/* ---- Time (kernel/ke/time.c; the clock interrupt is kernel/ke/clock.c) ----
 * KeStallExecutionProcessor busy-waits on the TSC (calibrated against the PIT at boot); the WDK
 * recommends at most 50 us, longer values work but hold the CPU. KeQueryPerformanceCounter
 * counts TSC cycles since boot and returns their rate in *PerformanceFrequency. One clock tick
 * is KeQueryTimeIncrement() 100-ns units (100000 = 10 ms at 100 Hz); KeQueryTickCount reads the
 * number of ticks since the clock started, as the WDK's x64 macro does. */
VOID KeStallExecutionProcessor(ULONG MicroSeconds);
LARGE_INTEGER KeQueryPerformanceCounter(PLARGE_INTEGER PerformanceFrequency);
ULONG KeQueryTimeIncrement(VOID);
extern volatile ULONG64 ke_tick_count;
#define KeQueryTickCount(CurrentCount) ((void)((CurrentCount)->QuadPart = (LONGLONG)ke_tick_count))
/* ---- end of Time ---- */

/* ==== I/O manager (kernel/io/) =====================================================================
 * Device and driver objects, hardware resource lists, DPCs for ISRs, register access, and
 * IoConnectInterruptEx / IoDisconnectInterruptEx. Names, values and the x64 layouts of the
 * resource and connect structures are the WDK's (wdm.h); the static asserts at the end of this
 * section check every size and offset a driver could depend on. irqlab additions are marked
 * "irqlab:". What irqlab does where the WDK is silent: docs/io-manager.md. */

/* ---- Strings (device names: IoCreateDevice, IoGetDeviceObjectPointer; helpers in the IRPs section) ---- */
typedef struct _UNICODE_STRING {
    USHORT Length; /* in bytes, without a terminator */
    USHORT MaximumLength;
    WCHAR *Buffer;
} UNICODE_STRING, *PUNICODE_STRING;

/* ---- Driver and device objects ----
 * irqlab keeps only the members below (in the WDK's order, with the WDK's names); the real
 * objects have many more, so the sizes differ from Windows'. Drivers never allocate them. */
typedef ULONG DEVICE_TYPE;
#define FILE_DEVICE_NETWORK 0x00000012
#define FILE_DEVICE_PARALLEL_PORT 0x00000016
#define FILE_DEVICE_SERIAL_PORT 0x0000001b
#define FILE_DEVICE_UNKNOWN 0x00000022
#define FILE_DEVICE_BUS_EXTENDER 0x0000002a

#define FILE_DEVICE_SECURE_OPEN 0x00000100 /* DeviceCharacteristics (accepted, no effect) */
#define FILE_AUTOGENERATED_DEVICE_NAME 0x00000080

#define IO_TYPE_DEVICE 3 /* DEVICE_OBJECT.Type */
#define IO_TYPE_DRIVER 4 /* DRIVER_OBJECT.Type */

#define DO_BUFFERED_IO 0x00000004
#define DO_DIRECT_IO 0x00000010
#define DO_DEVICE_HAS_NAME 0x00000040     /* created with a DeviceName */
#define DO_DEVICE_INITIALIZING 0x00000080   /* set by IoCreateDevice; the driver clears it */
#define DO_BUS_ENUMERATED_DEVICE 0x00001000 /* a PDO: created by a bus driver (here: kernel/io/pnp.c) */
#define DO_POWER_PAGABLE 0x00002000

typedef struct _IRP IRP, *PIRP; /* an I/O request packet: see the IRPs section below */
struct _DRIVER_OBJECT;
struct _DEVICE_OBJECT;

/* Major function codes: which entry of DRIVER_OBJECT.MajorFunction an IRP is dispatched to
 * (IoCallDriver; the IRPs section below has the rest of the IRP machinery). */
#define IRP_MJ_CREATE 0x00
#define IRP_MJ_CREATE_NAMED_PIPE 0x01
#define IRP_MJ_CLOSE 0x02
#define IRP_MJ_READ 0x03
#define IRP_MJ_WRITE 0x04
#define IRP_MJ_QUERY_INFORMATION 0x05
#define IRP_MJ_SET_INFORMATION 0x06
#define IRP_MJ_QUERY_EA 0x07
#define IRP_MJ_SET_EA 0x08
#define IRP_MJ_FLUSH_BUFFERS 0x09
#define IRP_MJ_QUERY_VOLUME_INFORMATION 0x0a
#define IRP_MJ_SET_VOLUME_INFORMATION 0x0b
#define IRP_MJ_DIRECTORY_CONTROL 0x0c
#define IRP_MJ_FILE_SYSTEM_CONTROL 0x0d
#define IRP_MJ_DEVICE_CONTROL 0x0e
#define IRP_MJ_INTERNAL_DEVICE_CONTROL 0x0f
#define IRP_MJ_SHUTDOWN 0x10
#define IRP_MJ_LOCK_CONTROL 0x11
#define IRP_MJ_CLEANUP 0x12
#define IRP_MJ_CREATE_MAILSLOT 0x13
#define IRP_MJ_QUERY_SECURITY 0x14
#define IRP_MJ_SET_SECURITY 0x15
#define IRP_MJ_POWER 0x16
#define IRP_MJ_SYSTEM_CONTROL 0x17
#define IRP_MJ_DEVICE_CHANGE 0x18
#define IRP_MJ_QUERY_QUOTA 0x19
#define IRP_MJ_SET_QUOTA 0x1a
#define IRP_MJ_PNP 0x1b
#define IRP_MJ_MAXIMUM_FUNCTION 0x1b

/* IRP_MJ_PNP minor codes (the ones irqlab sends or answers; learn.microsoft.com: "Plug and Play
 * Minor IRPs"). A PnP IRP's sender sets IoStatus.Status = STATUS_NOT_SUPPORTED first: a driver
 * that does not handle the minor code passes the IRP on (or, a bus driver, completes it) without
 * touching the status. */
#define IRP_MN_START_DEVICE 0x00
#define IRP_MN_QUERY_REMOVE_DEVICE 0x01
#define IRP_MN_REMOVE_DEVICE 0x02
#define IRP_MN_CANCEL_REMOVE_DEVICE 0x03
#define IRP_MN_STOP_DEVICE 0x04
#define IRP_MN_QUERY_STOP_DEVICE 0x05
#define IRP_MN_CANCEL_STOP_DEVICE 0x06
#define IRP_MN_QUERY_DEVICE_RELATIONS 0x07
#define IRP_MN_QUERY_INTERFACE 0x08
#define IRP_MN_QUERY_CAPABILITIES 0x09
#define IRP_MN_QUERY_RESOURCES 0x0A
#define IRP_MN_QUERY_RESOURCE_REQUIREMENTS 0x0B
#define IRP_MN_QUERY_DEVICE_TEXT 0x0C
#define IRP_MN_READ_CONFIG 0x0F
#define IRP_MN_WRITE_CONFIG 0x10
#define IRP_MN_QUERY_ID 0x13
#define IRP_MN_QUERY_PNP_DEVICE_STATE 0x14
#define IRP_MN_QUERY_BUS_INFORMATION 0x15
#define IRP_MN_SURPRISE_REMOVAL 0x17

/* A dispatch routine: called by IoCallDriver with the driver's device object and the IRP. */
typedef NTSTATUS DRIVER_DISPATCH(struct _DEVICE_OBJECT *DeviceObject, struct _IRP *Irp);
typedef DRIVER_DISPATCH *PDRIVER_DISPATCH;

typedef struct _DEVICE_OBJECT {
    SHORT Type;  /* IO_TYPE_DEVICE */
    USHORT Size; /* sizeof(DEVICE_OBJECT) + the extension */
    LONG ReferenceCount;
    struct _DRIVER_OBJECT *DriverObject;   /* the driver that created it */
    struct _DEVICE_OBJECT *NextDevice;     /* the driver's next device object */
    struct _DEVICE_OBJECT *AttachedDevice; /* the device attached on top (a PDO's FDO) */
    PIRP CurrentIrp;
    ULONG Flags; /* DO_* */
    ULONG Characteristics;
    PVOID DeviceExtension; /* driver-defined, zeroed, 16-byte aligned */
    DEVICE_TYPE DeviceType;
    CHAR StackSize;
    KDPC Dpc; /* the DpcForIsr: IoInitializeDpcRequest, IoRequestDpc */
} DEVICE_OBJECT, *PDEVICE_OBJECT;

/* The driver's routines the PnP manager calls (learn.microsoft.com: "DriverEntry for WDM Drivers",
 * "AddDevice routine", "Unload routine"). DriverEntry runs once per load, at PASSIVE_LEVEL, and
 * fills DriverObject->MajorFunction[], DriverExtension->AddDevice and DriverUnload. */
typedef NTSTATUS DRIVER_INITIALIZE(struct _DRIVER_OBJECT *DriverObject, PUNICODE_STRING RegistryPath);
typedef DRIVER_INITIALIZE *PDRIVER_INITIALIZE;
typedef NTSTATUS DRIVER_ADD_DEVICE(struct _DRIVER_OBJECT *DriverObject, struct _DEVICE_OBJECT *PhysicalDeviceObject);
typedef DRIVER_ADD_DEVICE *PDRIVER_ADD_DEVICE;
typedef VOID DRIVER_UNLOAD(struct _DRIVER_OBJECT *DriverObject);
typedef DRIVER_UNLOAD *PDRIVER_UNLOAD;

typedef struct _DRIVER_EXTENSION {
    struct _DRIVER_OBJECT *DriverObject;
    PDRIVER_ADD_DEVICE AddDevice; /* set by DriverEntry; called once per device the driver gets */
    ULONG Count;
    UNICODE_STRING ServiceKeyName;
} DRIVER_EXTENSION, *PDRIVER_EXTENSION;

typedef struct _DRIVER_OBJECT {
    SHORT Type; /* IO_TYPE_DRIVER */
    SHORT Size;
    PDEVICE_OBJECT DeviceObject; /* first of the driver's devices (linked by NextDevice) */
    ULONG Flags;
    PDRIVER_EXTENSION DriverExtension; /* AddDevice lives here (WDM drivers: IRQLAB_DRIVER .DriverEntry) */
    PCSTR Name; /* irqlab: the driver's name; the WDK has UNICODE_STRING DriverName */
    PDRIVER_INITIALIZE DriverInit;
    PDRIVER_UNLOAD DriverUnload; /* set by DriverEntry; `drivers unload` calls it after removing the devices */
    /* The dispatch table (last, as in the WDK). A NULL entry makes IoCallDriver complete the IRP
     * with STATUS_INVALID_DEVICE_REQUEST, what Windows' default entry does. A WDM driver fills it
     * in DriverEntry; a driver-table entry without DriverEntry fills the entries it handles in
     * its StartDevice (or before it first creates a device object). */
    PDRIVER_DISPATCH MajorFunction[IRP_MJ_MAXIMUM_FUNCTION + 1];
} DRIVER_OBJECT, *PDRIVER_OBJECT;

/* DeviceName (optional) enters the device in the object-name table, e.g. \Device\ParallelPort0,
 * where IoGetDeviceObjectPointer finds it: STATUS_OBJECT_NAME_COLLISION if the name is taken,
 * STATUS_OBJECT_NAME_INVALID if it does not start with '\' (kernel/io/object_name.c). */
NTSTATUS IoCreateDevice(PDRIVER_OBJECT DriverObject, ULONG DeviceExtensionSize, PUNICODE_STRING DeviceName,
                        DEVICE_TYPE DeviceType, ULONG DeviceCharacteristics, BOOLEAN Exclusive,
                        PDEVICE_OBJECT *DeviceObject);
VOID IoDeleteDevice(PDEVICE_OBJECT DeviceObject);
/* learn.microsoft.com: IoRegisterShutdownNotification, IoUnregisterShutdownNotification. The
 * device's driver gets IRP_MJ_SHUTDOWN at PASSIVE_LEVEL when the machine is about to power off
 * (`poweroff`), before the devices are stopped; a device told so is not stopped afterwards. */
NTSTATUS IoRegisterShutdownNotification(PDEVICE_OBJECT DeviceObject);
VOID IoUnregisterShutdownNotification(PDEVICE_OBJECT DeviceObject);
PDEVICE_OBJECT IoAttachDeviceToDeviceStack(PDEVICE_OBJECT SourceDevice, PDEVICE_OBJECT TargetDevice);
VOID IoDetachDevice(PDEVICE_OBJECT TargetDevice);

/* ---- What the bus driver knows about a device: IoGetDeviceProperty ----
 * learn.microsoft.com: "IoGetDeviceProperty function (wdm.h)", "DEVICE_REGISTRY_PROPERTY
 * enumeration (wdm.h)". Ask the PDO (the device object StartDevice got), at PASSIVE_LEVEL.
 * Strings come back as NUL-terminated WCHAR strings, ID lists as REG_MULTI_SZ (strings, then
 * an empty one), and *ResultLength always counts the bytes the whole value needs: call once
 * with a small buffer, get STATUS_BUFFER_TOO_SMALL and the size, allocate, call again.
 * What irqlab's bus drivers report for each property: docs/reference/IoGetDeviceProperty.md. */
typedef enum {
    DevicePropertyDeviceDescription = 0x0,
    DevicePropertyHardwareID = 0x1,
    DevicePropertyCompatibleIDs = 0x2,
    DevicePropertyBootConfiguration = 0x3,
    DevicePropertyBootConfigurationTranslated = 0x4,
    DevicePropertyClassName = 0x5,
    DevicePropertyClassGuid = 0x6,
    DevicePropertyDriverKeyName = 0x7,
    DevicePropertyManufacturer = 0x8,
    DevicePropertyFriendlyName = 0x9,
    DevicePropertyLocationInformation = 0xa,
    DevicePropertyPhysicalDeviceObjectName = 0xb,
    DevicePropertyBusTypeGuid = 0xc,
    DevicePropertyLegacyBusType = 0xd,
    DevicePropertyBusNumber = 0xe,
    DevicePropertyEnumeratorName = 0xf,
    DevicePropertyAddress = 0x10,
    DevicePropertyUINumber = 0x11,
    DevicePropertyInstallState = 0x12,
    DevicePropertyRemovalPolicy = 0x13,
    DevicePropertyResourceRequirements = 0x14,
    DevicePropertyAllocatedResources = 0x15,
    DevicePropertyContainerID = 0x16,
} DEVICE_REGISTRY_PROPERTY;

typedef enum _DEVICE_REMOVAL_POLICY {
    RemovalPolicyExpectNoRemoval = 1,
    RemovalPolicyExpectOrderlyRemoval = 2,
    RemovalPolicyExpectSurpriseRemoval = 3,
} DEVICE_REMOVAL_POLICY, *PDEVICE_REMOVAL_POLICY;

typedef enum _DEVICE_INSTALL_STATE {
    InstallStateInstalled = 0,
    InstallStateNeedsReinstall = 1,
    InstallStateFailedInstall = 2,
    InstallStateFinishInstall = 3,
} DEVICE_INSTALL_STATE, *PDEVICE_INSTALL_STATE;

NTSTATUS IoGetDeviceProperty(PDEVICE_OBJECT DeviceObject, DEVICE_REGISTRY_PROPERTY DeviceProperty, ULONG BufferLength,
                             PVOID PropertyBuffer, PULONG ResultLength);

/* ---- Interfaces a bus driver exports: IRP_MN_QUERY_INTERFACE ----
 * learn.microsoft.com: "IRP_MN_QUERY_INTERFACE", "INTERFACE structure (wdm.h)",
 * "BUS_INTERFACE_STANDARD structure (wdm.h)", "Obtaining Device Configuration Information at
 * IRQL = PASSIVE_LEVEL" / "... at IRQL = DISPATCH_LEVEL". Send IRP_MJ_PNP / IRP_MN_QUERY_INTERFACE
 * with InterfaceType = &GUID_BUS_INTERFACE_STANDARD (wdmguid.h), Size = sizeof the structure,
 * Version = 1; on success the structure is filled and already referenced once: call
 * InterfaceDereference(Context) when done with it. GetBusData / SetBusData may then be called
 * at any IRQL up to DISPATCH_LEVEL. */
typedef VOID (*PINTERFACE_REFERENCE)(PVOID Context);
typedef VOID (*PINTERFACE_DEREFERENCE)(PVOID Context);

typedef struct _INTERFACE {
    USHORT Size;
    USHORT Version;
    PVOID Context;
    PINTERFACE_REFERENCE InterfaceReference;
    PINTERFACE_DEREFERENCE InterfaceDereference;
} INTERFACE, *PINTERFACE;

/* DataType of GetBusData / SetBusData on a PCI device. */
#define PCI_WHICHSPACE_CONFIG 0x0
#define PCI_WHICHSPACE_ROM 0x52696350

struct _DMA_ADAPTER;
struct _DEVICE_DESCRIPTION;
typedef BOOLEAN TRANSLATE_BUS_ADDRESS(PVOID Context, PHYSICAL_ADDRESS BusAddress, ULONG Length, PULONG AddressSpace,
                                      PPHYSICAL_ADDRESS TranslatedAddress);
typedef TRANSLATE_BUS_ADDRESS *PTRANSLATE_BUS_ADDRESS;
typedef struct _DMA_ADAPTER *GET_DMA_ADAPTER(PVOID Context, struct _DEVICE_DESCRIPTION *DeviceDescriptor,
                                              PULONG NumberOfMapRegisters);
typedef GET_DMA_ADAPTER *PGET_DMA_ADAPTER;
/* Returns the number of bytes read or written (0: nothing there, or a bad DataType). */
typedef ULONG GET_SET_DEVICE_DATA(PVOID Context, ULONG DataType, PVOID Buffer, ULONG Offset, ULONG Length);
typedef GET_SET_DEVICE_DATA *PGET_SET_DEVICE_DATA;

typedef struct _BUS_INTERFACE_STANDARD {
    USHORT Size;
    USHORT Version;
    PVOID Context;
    PINTERFACE_REFERENCE InterfaceReference;
    PINTERFACE_DEREFERENCE InterfaceDereference;
    PTRANSLATE_BUS_ADDRESS TranslateBusAddress;
    PGET_DMA_ADAPTER GetDmaAdapter;
    PGET_SET_DEVICE_DATA SetBusData;
    PGET_SET_DEVICE_DATA GetBusData;
} BUS_INTERFACE_STANDARD, *PBUS_INTERFACE_STANDARD;

/* ---- DpcForIsr (the WDK's inline helpers) ----
 * The device object owns one KDPC. IoRequestDpc is KeInsertQueueDpc(&DeviceObject->Dpc, Irp,
 * Context), so the routine runs at DISPATCH_LEVEL as (Dpc, DeviceObject, Irp, Context); many ISR
 * calls may collapse into one DPC run, so the routine must handle all pending work. */
typedef VOID IO_DPC_ROUTINE(PKDPC Dpc, struct _DEVICE_OBJECT *DeviceObject, struct _IRP *Irp, PVOID Context);
typedef IO_DPC_ROUTINE *PIO_DPC_ROUTINE;

static inline VOID IoInitializeDpcRequest(PDEVICE_OBJECT DeviceObject, PIO_DPC_ROUTINE DpcRoutine)
{
    /* As in the WDK, the IO_DPC_ROUTINE is called as a KDEFERRED_ROUTINE: DeferredContext is the
     * device object, SystemArgument1/2 are Irp/Context (all pointers, so the call is compatible). */
    KeInitializeDpc(&DeviceObject->Dpc, (PKDEFERRED_ROUTINE)(void (*)(void))DpcRoutine, DeviceObject);
}

/* KeInsertQueueDpc(&DeviceObject->Dpc, Irp, Context), from an ISR: the WDK documents DIRQL
 * ("Callers of IoRequestDpc must be running at DIRQL"). At DISPATCH_LEVEL or below irqlab stops
 * with 0x9 IRQL_NOT_GREATER_OR_EQUAL (kernel/io/request_dpc.c); use KeInsertQueueDpc there. */
VOID IoRequestDpc(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context);

/* ---- Work items: PASSIVE_LEVEL work in system worker threads ----
 * (kernel/ke/worker_threads.c, kernel/io/work_item.c; docs/scheduling.md "Work items and
 * threaded DPCs"). A DPC that needs to wait, allocate paged memory or call a PASSIVE_LEVEL routine
 * queues a work item; a system worker thread of the chosen queue runs its routine at
 * PASSIVE_LEVEL. Queue at IRQL <= DISPATCH_LEVEL (above it: 0xA IRQL_NOT_LESS_OR_EQUAL). A
 * routine must return at PASSIVE_LEVEL (else 0xE1 WORKER_THREAD_RETURNED_AT_BAD_IRQL); queueing
 * an item that is still queued, or freeing one, is 0xE4 WORKER_INVALID. */
typedef enum _WORK_QUEUE_TYPE {
    CriticalWorkQueue = 0,      /* worker threads at priority 13 */
    DelayedWorkQueue = 1,       /* priority 12: what drivers should use */
    HyperCriticalWorkQueue = 2, /* priority 15, "reserved for system use" */
    NormalWorkQueue = 3,        /* the values below exist in the WDK; irqlab has no threads for */
    BackgroundWorkQueue = 4,    /* them and stops with 0xE4, P1 = 6 (docs/differences.md) */
    RealTimeWorkQueue = 5,
    SuperCriticalWorkQueue = 6,
    MaximumWorkQueue = 7,
    CustomPriorityWorkQueue = 32
} WORK_QUEUE_TYPE;

typedef VOID WORKER_THREAD_ROUTINE(PVOID Parameter);
typedef WORKER_THREAD_ROUTINE *PWORKER_THREAD_ROUTINE;

/* The WDK's layout. List.Flink != NULL while the item is queued. */
typedef struct _WORK_QUEUE_ITEM {
    LIST_ENTRY List;
    PWORKER_THREAD_ROUTINE WorkerRoutine;
    volatile PVOID Parameter;
} WORK_QUEUE_ITEM, *PWORK_QUEUE_ITEM;

#define ExInitializeWorkItem(Item, Routine, Context)                                                                   \
    do {                                                                                                               \
        (Item)->WorkerRoutine = (Routine);                                                                             \
        (Item)->Parameter = (Context);                                                                                 \
        (Item)->List.Flink = NULL;                                                                                     \
    } while (0)
/* <= DISPATCH_LEVEL. Drivers with a device object use IoQueueWorkItem instead (it keeps the device
 * object alive until the routine has run). */
VOID ExQueueWorkItem(PWORK_QUEUE_ITEM WorkItem, WORK_QUEUE_TYPE QueueType);

/* IO_WORKITEM is opaque: allocate it (IoAllocateWorkItem) or give it IoSizeofWorkItem() bytes of
 * your own non-paged memory (IoInitializeWorkItem). */
typedef struct _IO_WORKITEM IO_WORKITEM, *PIO_WORKITEM;
typedef VOID IO_WORKITEM_ROUTINE(PDEVICE_OBJECT DeviceObject, PVOID Context);
typedef IO_WORKITEM_ROUTINE *PIO_WORKITEM_ROUTINE;
typedef VOID IO_WORKITEM_ROUTINE_EX(PVOID IoObject, PVOID Context, PIO_WORKITEM IoWorkItem);
typedef IO_WORKITEM_ROUTINE_EX *PIO_WORKITEM_ROUTINE_EX;

/* <= DISPATCH_LEVEL. NULL when out of memory. */
PIO_WORKITEM IoAllocateWorkItem(PDEVICE_OBJECT DeviceObject);
/* <= DISPATCH_LEVEL. Not while queued (0xE4, P1 = 2); from inside its own routine is fine. */
VOID IoFreeWorkItem(PIO_WORKITEM IoWorkItem);
/* <= DISPATCH_LEVEL. The device object is referenced from here until WorkerRoutine has returned. */
VOID IoQueueWorkItem(PIO_WORKITEM IoWorkItem, PIO_WORKITEM_ROUTINE WorkerRoutine, WORK_QUEUE_TYPE QueueType,
                     PVOID Context);
VOID IoQueueWorkItemEx(PIO_WORKITEM IoWorkItem, PIO_WORKITEM_ROUTINE_EX WorkerRoutine, WORK_QUEUE_TYPE QueueType,
                       PVOID Context);
ULONG IoSizeofWorkItem(VOID);
/* IoObject: a device or driver object (anything else: 0xE4, P1 = 3). */
VOID IoInitializeWorkItem(PVOID IoObject, PIO_WORKITEM IoWorkItem);
VOID IoUninitializeWorkItem(PIO_WORKITEM IoWorkItem);

/* ---- Device registers: READ_REGISTER_*, WRITE_REGISTER_*, READ_PORT_*, WRITE_PORT_* and
 * their _BUFFER_ forms are in ioaccess.h (included at the top). ---- */
typedef enum _MEMORY_CACHING_TYPE { MmNonCached = 0, MmCached = 1, MmWriteCombined = 2 } MEMORY_CACHING_TYPE;
/* Map device memory (a translated CmResourceTypeMemory range). irqlab maps it uncached whatever
 * CacheType says, at the same virtual address, and never unmaps (MmUnmapIoSpace only checks). */
PVOID MmMapIoSpace(PHYSICAL_ADDRESS PhysicalAddress, SIZE_T NumberOfBytes, MEMORY_CACHING_TYPE CacheType);
VOID MmUnmapIoSpace(PVOID BaseAddress, SIZE_T NumberOfBytes);

/* Memory a device reaches by physical address (descriptor rings). irqlab identity-maps RAM, so the
 * address returned is also the physical one; not zeroed; every CacheType is mapped cached.
 * NULL when no block fits below HighestAcceptableAddress (and above Lowest, within a
 * BoundaryAddressMultiple window). IRQL <= DISPATCH_LEVEL. docs/reference/MmAllocateContiguousMemory.md */
PVOID MmAllocateContiguousMemory(SIZE_T NumberOfBytes, PHYSICAL_ADDRESS HighestAcceptableAddress);
PVOID MmAllocateContiguousMemorySpecifyCache(SIZE_T NumberOfBytes, PHYSICAL_ADDRESS LowestAcceptableAddress,
                                             PHYSICAL_ADDRESS HighestAcceptableAddress,
                                             PHYSICAL_ADDRESS BoundaryAddressMultiple, MEMORY_CACHING_TYPE CacheType);
/* Only what MmAllocateContiguousMemory* returned (else 0x4E PFN_LIST_CORRUPT, P3 = 4). */
VOID MmFreeContiguousMemory(PVOID BaseAddress);
/* The physical address a mapped virtual address translates to (a page-table walk); 0 if unmapped. */
PHYSICAL_ADDRESS MmGetPhysicalAddress(PVOID BaseAddress);

/* ---- Hardware resources (WDK cmtypes: what IRP_MN_START_DEVICE hands a driver) ----
 * A CM_RESOURCE_LIST holds full descriptors (one per bus; irqlab always has exactly one), each
 * holding a partial-descriptor list: one CM_PARTIAL_RESOURCE_DESCRIPTOR per port range, memory
 * range or interrupt. The "raw" list is in bus terms (an IRQ/GSI, a message count), the
 * "translated" list in CPU terms (IDT vector, IRQL, affinity) - IoConnectInterruptEx takes its
 * values from the translated one. The WDK packs these structures to 4 bytes. */
typedef enum _INTERFACE_TYPE {
    InterfaceTypeUndefined = -1,
    Internal = 0,
    Isa = 1,
    Eisa = 2,
    MicroChannel = 3,
    TurboChannel = 4,
    PCIBus = 5,
    VMEBus = 6,
    NuBus = 7,
    PCMCIABus = 8,
    CBus = 9,
    MPIBus = 10,
    MPSABus = 11,
    ProcessorInternal = 12,
    InternalPowerBus = 13,
    PNPISABus = 14,
    PNPBus = 15,
    Vmcs = 16,
    ACPIBus = 17,
    MaximumInterfaceType = 18,
} INTERFACE_TYPE,
    *PINTERFACE_TYPE;

typedef enum _CM_SHARE_DISPOSITION {
    CmResourceShareUndetermined = 0,
    CmResourceShareDeviceExclusive = 1,
    CmResourceShareDriverExclusive = 2,
    CmResourceShareShared = 3,
} CM_SHARE_DISPOSITION;

#define CmResourceTypeNull 0
#define CmResourceTypePort 1
#define CmResourceTypeInterrupt 2
#define CmResourceTypeMemory 3
#define CmResourceTypeDma 4
#define CmResourceTypeDeviceSpecific 5
#define CmResourceTypeBusNumber 6
#define CmResourceTypeMemoryLarge 7

/* Flags of a CmResourceTypeInterrupt descriptor. */
#define CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE 0x0000
#define CM_RESOURCE_INTERRUPT_LATCHED 0x0001
#define CM_RESOURCE_INTERRUPT_MESSAGE 0x0002
#define CM_RESOURCE_INTERRUPT_POLICY_INCLUDED 0x0004
#define CM_RESOURCE_INTERRUPT_SECONDARY_INTERRUPT 0x0010
#define CM_RESOURCE_INTERRUPT_WAKE_HINT 0x0020
#define CM_RESOURCE_INTERRUPT_LEVEL_LATCHED_BITS 0x0001
#define CM_RESOURCE_INTERRUPT_MESSAGE_TOKEN ((ULONG)-2)

/* Flags of a CmResourceTypePort descriptor. */
#define CM_RESOURCE_PORT_MEMORY 0x0000
#define CM_RESOURCE_PORT_IO 0x0001
#define CM_RESOURCE_PORT_10_BIT_DECODE 0x0004
#define CM_RESOURCE_PORT_12_BIT_DECODE 0x0008
#define CM_RESOURCE_PORT_16_BIT_DECODE 0x0010
#define CM_RESOURCE_PORT_POSITIVE_DECODE 0x0020

/* Flags of a CmResourceTypeMemory descriptor. */
#define CM_RESOURCE_MEMORY_READ_WRITE 0x0000
#define CM_RESOURCE_MEMORY_READ_ONLY 0x0001
#define CM_RESOURCE_MEMORY_WRITE_ONLY 0x0002
#define CM_RESOURCE_MEMORY_PREFETCHABLE 0x0004
#define CM_RESOURCE_MEMORY_COMBINEDWRITE 0x0008
#define CM_RESOURCE_MEMORY_24 0x0010
#define CM_RESOURCE_MEMORY_CACHEABLE 0x0020

#pragma pack(push, 4)
typedef struct _CM_PARTIAL_RESOURCE_DESCRIPTOR {
    UCHAR Type;             /* CmResourceType* */
    UCHAR ShareDisposition; /* CM_SHARE_DISPOSITION */
    USHORT Flags;           /* CM_RESOURCE_* of that type */
    union {
        struct {
            PHYSICAL_ADDRESS Start;
            ULONG Length;
        } Generic;
        struct {
            PHYSICAL_ADDRESS Start; /* I/O port number (CM_RESOURCE_PORT_IO) */
            ULONG Length;
        } Port;
        struct {
            USHORT Level; /* raw: the IRQ (GSI); translated: the IRQL */
            USHORT Group;
            ULONG Vector; /* raw: the IRQ (GSI); translated: the IDT vector */
            KAFFINITY Affinity;
        } Interrupt;
        struct {
            union {
                struct {
                    USHORT Group;
                    USHORT MessageCount; /* MSI: messages granted; MSI-X: 1 per descriptor */
                    ULONG Vector;
                    KAFFINITY Affinity;
                } Raw;
                struct {
                    USHORT Level; /* the IRQL */
                    USHORT Group;
                    ULONG Vector; /* the IDT vector (MSI: of message 0; message n is Vector + n) */
                    KAFFINITY Affinity;
                } Translated;
            };
        } MessageInterrupt;
        struct {
            PHYSICAL_ADDRESS Start; /* physical address of device memory (a BAR) */
            ULONG Length;
        } Memory;
        struct {
            ULONG Channel;
            ULONG Port;
            ULONG Reserved1;
        } Dma;
        struct {
            ULONG Data[3];
        } DevicePrivate;
        struct {
            ULONG Start;
            ULONG Length;
            ULONG Reserved;
        } BusNumber;
        struct {
            ULONG DataSize;
            ULONG Reserved1;
            ULONG Reserved2;
        } DeviceSpecificData;
    } u;
} CM_PARTIAL_RESOURCE_DESCRIPTOR, *PCM_PARTIAL_RESOURCE_DESCRIPTOR;

typedef struct _CM_PARTIAL_RESOURCE_LIST {
    USHORT Version;
    USHORT Revision;
    ULONG Count;
    CM_PARTIAL_RESOURCE_DESCRIPTOR PartialDescriptors[1]; /* Count of them */
} CM_PARTIAL_RESOURCE_LIST, *PCM_PARTIAL_RESOURCE_LIST;

typedef struct _CM_FULL_RESOURCE_DESCRIPTOR {
    INTERFACE_TYPE InterfaceType;
    ULONG BusNumber;
    CM_PARTIAL_RESOURCE_LIST PartialResourceList;
} CM_FULL_RESOURCE_DESCRIPTOR, *PCM_FULL_RESOURCE_DESCRIPTOR;

typedef struct _CM_RESOURCE_LIST {
    ULONG Count;
    CM_FULL_RESOURCE_DESCRIPTOR List[1]; /* Count of them */
} CM_RESOURCE_LIST, *PCM_RESOURCE_LIST;
#pragma pack(pop)

/* ---- IoConnectInterruptEx / IoDisconnectInterruptEx (kernel/io/connect_interrupt.c) ---- */
#define CONNECT_FULLY_SPECIFIED 0x1
#define CONNECT_LINE_BASED 0x2
#define CONNECT_MESSAGE_BASED 0x3
#define CONNECT_FULLY_SPECIFIED_GROUP 0x4
#define CONNECT_MESSAGE_BASED_PASSIVE 0x5 /* undocumented; irqlab: STATUS_NOT_SUPPORTED */
#define CONNECT_CURRENT_VERSION 0x5

typedef struct _IO_INTERRUPT_MESSAGE_INFO_ENTRY {
    PHYSICAL_ADDRESS MessageAddress; /* what the device writes to ... */
    KAFFINITY TargetProcessorSet;    /* irqlab: the one CPU the message is aimed at */
    PKINTERRUPT InterruptObject;     /* for KeSynchronizeExecution on this message */
    ULONG MessageData;               /* ... and the value it writes */
    ULONG Vector;
    KIRQL Irql;
    KINTERRUPT_MODE Mode;         /* always Latched */
    KINTERRUPT_POLARITY Polarity; /* irqlab: InterruptRisingEdge */
} IO_INTERRUPT_MESSAGE_INFO_ENTRY, *PIO_INTERRUPT_MESSAGE_INFO_ENTRY;

typedef struct _IO_INTERRUPT_MESSAGE_INFO {
    KIRQL UnifiedIrql;  /* the highest SynchronizeIrql of the messages: holds off every message ISR */
    ULONG MessageCount; /* messages granted; MessageID n is MessageInfo[n] */
    IO_INTERRUPT_MESSAGE_INFO_ENTRY MessageInfo[1];
} IO_INTERRUPT_MESSAGE_INFO, *PIO_INTERRUPT_MESSAGE_INFO;

typedef struct _IO_CONNECT_INTERRUPT_FULLY_SPECIFIED_PARAMETERS {
    PDEVICE_OBJECT PhysicalDeviceObject;
    PKINTERRUPT *InterruptObject; /* out */
    PKSERVICE_ROUTINE ServiceRoutine;
    PVOID ServiceContext;
    PKSPIN_LOCK SpinLock; /* optional */
    KIRQL SynchronizeIrql;
    BOOLEAN FloatingSave; /* must be FALSE */
    BOOLEAN ShareVector;
    ULONG Vector; /* from a translated CmResourceTypeInterrupt descriptor */
    KIRQL Irql; /* Irql = SynchronizeIrql = PASSIVE_LEVEL, SpinLock NULL: a passive-level ISR
                 * (Windows 8+; KMDF's WDF_INTERRUPT_CONFIG.PassiveHandling comes down to this) */
    KINTERRUPT_MODE InterruptMode;
    KAFFINITY ProcessorEnableMask;
    USHORT Group; /* CONNECT_FULLY_SPECIFIED_GROUP only; must be 0 */
} IO_CONNECT_INTERRUPT_FULLY_SPECIFIED_PARAMETERS, *PIO_CONNECT_INTERRUPT_FULLY_SPECIFIED_PARAMETERS;

typedef struct _IO_CONNECT_INTERRUPT_LINE_BASED_PARAMETERS {
    PDEVICE_OBJECT PhysicalDeviceObject;
    PKINTERRUPT *InterruptObject; /* out */
    PKSERVICE_ROUTINE ServiceRoutine;
    PVOID ServiceContext;
    PKSPIN_LOCK SpinLock;  /* optional */
    KIRQL SynchronizeIrql; /* a minimum: 0 = the lines' highest IRQL */
    BOOLEAN FloatingSave;  /* must be FALSE */
} IO_CONNECT_INTERRUPT_LINE_BASED_PARAMETERS, *PIO_CONNECT_INTERRUPT_LINE_BASED_PARAMETERS;

typedef struct _IO_CONNECT_INTERRUPT_MESSAGE_BASED_PARAMETERS {
    PDEVICE_OBJECT PhysicalDeviceObject;
    union {
        PVOID *Generic;
        PIO_INTERRUPT_MESSAGE_INFO *InterruptMessageTable; /* out, when Version stays MESSAGE_BASED */
        PKINTERRUPT *InterruptObject;                      /* out, when Version becomes LINE_BASED */
    } ConnectionContext;
    PKMESSAGE_SERVICE_ROUTINE MessageServiceRoutine;
    PVOID ServiceContext;
    PKSPIN_LOCK SpinLock;                     /* optional: NULL = one lock per message */
    KIRQL SynchronizeIrql;                    /* a minimum */
    BOOLEAN FloatingSave;                     /* must be FALSE */
    PKSERVICE_ROUTINE FallBackServiceRoutine; /* optional: used if the device got no messages */
} IO_CONNECT_INTERRUPT_MESSAGE_BASED_PARAMETERS, *PIO_CONNECT_INTERRUPT_MESSAGE_BASED_PARAMETERS;

typedef struct _IO_CONNECT_INTERRUPT_PARAMETERS {
    ULONG Version; /* in: CONNECT_*; out: CONNECT_LINE_BASED after a MESSAGE_BASED fallback */
    union {
        IO_CONNECT_INTERRUPT_FULLY_SPECIFIED_PARAMETERS FullySpecified;
        IO_CONNECT_INTERRUPT_LINE_BASED_PARAMETERS LineBased;
        IO_CONNECT_INTERRUPT_MESSAGE_BASED_PARAMETERS MessageBased;
    };
} IO_CONNECT_INTERRUPT_PARAMETERS, *PIO_CONNECT_INTERRUPT_PARAMETERS;

typedef struct _IO_DISCONNECT_INTERRUPT_PARAMETERS {
    ULONG Version; /* the Version the connect call ended with */
    union {
        PVOID Generic;
        PKINTERRUPT InterruptObject;
        PIO_INTERRUPT_MESSAGE_INFO InterruptMessageTable;
    } ConnectionContext;
} IO_DISCONNECT_INTERRUPT_PARAMETERS, *PIO_DISCONNECT_INTERRUPT_PARAMETERS;

/* PASSIVE_LEVEL only: above it both bugcheck IRQL_NOT_LESS_OR_EQUAL (0xA) with P1 = the routine,
 * P2 = the current IRQL, P3 = 0, P4 = the caller. IoDisconnectInterruptEx with a Version or
 * context that does not match a connection made here: PNP_DETECTED_FATAL_ERROR (0xCA), P1 = 0x9,
 * P2 = the Version passed, P3 = the context passed, P4 = the Version it was connected with (0 if
 * this kernel never handed it out). Every status and choice: kernel/io/connect_interrupt.c. */
NTSTATUS IoConnectInterruptEx(PIO_CONNECT_INTERRUPT_PARAMETERS Parameters);
VOID IoDisconnectInterruptEx(PIO_DISCONNECT_INTERRUPT_PARAMETERS Parameters);

/* The pre-Vista form (kernel/io/connect_legacy.c): what CONNECT_FULLY_SPECIFIED does, with the
 * parameters as arguments and no PDO - the device is the one whose translated resources hold
 * Vector. One interrupt object per processor in ProcessorEnableMask & the active processors,
 * sharing one spin lock (SpinLock, or one of their own); *InterruptObject = the first of them,
 * NULL on failure. Returns STATUS_SUCCESS, STATUS_INSUFFICIENT_RESOURCES, or
 * STATUS_INVALID_PARAMETER for everything else (no processor, FloatingSave TRUE, a vector no
 * device owns, a refused share). PASSIVE_LEVEL only (0xA as IoConnectInterruptEx). Undo with
 * IoDisconnectInterrupt, or IoDisconnectInterruptEx with CONNECT_FULLY_SPECIFIED. */
NTSTATUS IoConnectInterrupt(PKINTERRUPT *InterruptObject, PKSERVICE_ROUTINE ServiceRoutine, PVOID ServiceContext,
                            PKSPIN_LOCK SpinLock, ULONG Vector, KIRQL Irql, KIRQL SynchronizeIrql,
                            KINTERRUPT_MODE InterruptMode, BOOLEAN ShareVector, KAFFINITY ProcessorEnableMask,
                            BOOLEAN FloatingSave);
VOID IoDisconnectInterrupt(PKINTERRUPT InterruptObject);

/* The processors an interrupt object may be delivered to (kernel/io/interrupt_affinity.c): any
 * IRQL; STATUS_INVALID_PARAMETER if InterruptObject is not a live interrupt object. */
NTSTATUS IoGetAffinityInterrupt(PKINTERRUPT InterruptObject, PGROUP_AFFINITY GroupAffinity);

/* Soft disconnect / reconnect (Windows 8; kernel/io/interrupt_active.c): an inactive connection
 * stays registered but its ISRs are not called; a vector left with no active object is masked.
 * Version and context as IoConnectInterruptEx left them (as for IoDisconnectInterruptEx; a
 * mismatch stops with 0xCA, P1 = 0x9). Repeating a call is a no-op. IRQL <= DISPATCH_LEVEL
 * (above it: 0xA, P1 = the routine, P2 = the IRQL, P3 = 2, P4 = the caller). */
typedef struct _IO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS {
    ULONG Version;
    union {
        PVOID Generic;
        PKINTERRUPT InterruptObject;
        PIO_INTERRUPT_MESSAGE_INFO InterruptMessageTable;
    } ConnectionContext;
} IO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS, *PIO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS;

VOID IoReportInterruptActive(PIO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS Parameters);
VOID IoReportInterruptInactive(PIO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS Parameters);

/* ---- irqlab: the driver table (what an INF + AddDevice + IRP_MN_START_DEVICE do on Windows) ----
 * A driver lives in drivers/<name>/ and declares itself once, e.g.
 *
 *     IRQLAB_DRIVER(edu, .Name = "edu", .VendorId = 0x1234, .DeviceId = 0x11e8,
 *                   .StartDevice = EduStartDevice, .StopDevice = EduStopDevice);
 *
 * A WDM driver names `.DriverEntry` instead of StartDevice / StopDevice and handles IRP_MJ_PNP
 * (drivers/edu/edu.c is the model; docs/pnp.md). For the entries below without DriverEntry, the
 * PnP manager translates: IRP_MN_START_DEVICE -> StartDevice, STOP / REMOVE / SURPRISE_REMOVAL ->
 * StopDevice, the query requests succeed.
 *
 * At boot the PnP code (kernel/io/pnp.c) gives every device its resources and calls StartDevice
 * for each device that matches an entry, with the device's PDO and its raw and translated
 * resource lists (AddDevice + IRP_MN_START_DEVICE in one). StopDevice must undo StartDevice
 * (disconnect, detach and delete its device objects). It gets the driver's own FDO - the device
 * object of this driver that StartDevice attached to the PDO's stack - as a Windows driver's
 * dispatch routine gets it as the DeviceObject of IRP_MN_STOP_DEVICE / IRP_MN_REMOVE_DEVICE; a
 * driver that attached no device object to the stack is not called (it is not in the stack). */
typedef NTSTATUS IRQLAB_START_DEVICE(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT PhysicalDeviceObject,
                                     PCM_RESOURCE_LIST AllocatedResources,
                                     PCM_RESOURCE_LIST AllocatedResourcesTranslated);
typedef VOID IRQLAB_STOP_DEVICE(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT DeviceObject);

#define IRQLAB_DRIVER_NO_MSI 0x1  /* like MSISupported = 0 in an INF: line interrupts only */
#define IRQLAB_DRIVER_NO_MSIX 0x2 /* MSI is fine, MSI-X is not */
#define IRQLAB_DRIVER_DEMAND_START 0x4 /* not loaded at boot: only `drivers load <name>` loads it */
#define IRQLAB_PCI_ANY_ID 0xFFFF  /* DeviceId wildcard */

typedef struct _IRQLAB_DRIVER {
    PCSTR Name;
    /* A WDM driver names its DriverEntry (and leaves StartDevice / StopDevice NULL): the PnP
     * manager calls it once per load, then AddDevice for each matching PDO and sends the stack
     * IRP_MJ_PNP requests (IRP_MN_START_DEVICE with both resource lists, QUERY_STOP / STOP,
     * QUERY_REMOVE / REMOVE, SURPRISE_REMOVAL, ...; docs/pnp.md). */
    PDRIVER_INITIALIZE DriverEntry;
    USHORT VendorId; /* PCI ids to match (0 = not a PCI driver) ... */
    USHORT DeviceId;
    PCSTR IsaPnpId;           /* ... or an ISA device: "PNP0501" (COM1), "PNP0400" (LPT1) */
    ULONG Flags;              /* IRQLAB_DRIVER_* */
    ULONG MessageNumberLimit; /* like the INF's MessageNumberLimit; 0 = no limit */
    IRQLAB_START_DEVICE *StartDevice;
    IRQLAB_STOP_DEVICE *StopDevice;
} IRQLAB_DRIVER;

#define IRQLAB_DRIVER(id, ...)                                                                                         \
    __attribute__((section(".driver_table"), used, aligned(8))) static const IRQLAB_DRIVER irqlab_driver_##id = {      \
        __VA_ARGS__}

/* The x64 layouts the WDK defines (offsets from its headers: natural alignment of wdm.h). */
_Static_assert(sizeof(INTERFACE) == 0x20, "INTERFACE");
_Static_assert(sizeof(BUS_INTERFACE_STANDARD) == 0x40, "BUS_INTERFACE_STANDARD");
_Static_assert(offsetof(BUS_INTERFACE_STANDARD, GetBusData) == 0x38, "BUS_INTERFACE_STANDARD.GetBusData");
_Static_assert(sizeof(CM_PARTIAL_RESOURCE_DESCRIPTOR) == 0x14, "CM_PARTIAL_RESOURCE_DESCRIPTOR is 20 bytes");
_Static_assert(offsetof(CM_PARTIAL_RESOURCE_DESCRIPTOR, u) == 0x4, "u follows Type/ShareDisposition/Flags");
_Static_assert(offsetof(CM_PARTIAL_RESOURCE_DESCRIPTOR, u.Interrupt.Vector) == 0x8, "Interrupt.Vector");
_Static_assert(offsetof(CM_PARTIAL_RESOURCE_DESCRIPTOR, u.Interrupt.Affinity) == 0xC, "Interrupt.Affinity");
_Static_assert(offsetof(CM_PARTIAL_RESOURCE_DESCRIPTOR, u.MessageInterrupt.Raw.MessageCount) == 0x6, "MessageCount");
_Static_assert(offsetof(CM_PARTIAL_RESOURCE_DESCRIPTOR, u.MessageInterrupt.Translated.Vector) == 0x8, "msg Vector");
_Static_assert(offsetof(CM_PARTIAL_RESOURCE_DESCRIPTOR, u.Memory.Length) == 0xC, "Memory.Length");
_Static_assert(sizeof(CM_PARTIAL_RESOURCE_LIST) == 0x1C, "CM_PARTIAL_RESOURCE_LIST");
_Static_assert(sizeof(CM_FULL_RESOURCE_DESCRIPTOR) == 0x24, "CM_FULL_RESOURCE_DESCRIPTOR");
_Static_assert(sizeof(CM_RESOURCE_LIST) == 0x28, "CM_RESOURCE_LIST");
_Static_assert(sizeof(IO_CONNECT_INTERRUPT_FULLY_SPECIFIED_PARAMETERS) == 0x48, "FullySpecified");
_Static_assert(offsetof(IO_CONNECT_INTERRUPT_FULLY_SPECIFIED_PARAMETERS, SynchronizeIrql) == 0x28, "FS.Sync");
_Static_assert(offsetof(IO_CONNECT_INTERRUPT_FULLY_SPECIFIED_PARAMETERS, Vector) == 0x2C, "FS.Vector");
_Static_assert(offsetof(IO_CONNECT_INTERRUPT_FULLY_SPECIFIED_PARAMETERS, Irql) == 0x30, "FS.Irql");
_Static_assert(offsetof(IO_CONNECT_INTERRUPT_FULLY_SPECIFIED_PARAMETERS, InterruptMode) == 0x34, "FS.Mode");
_Static_assert(offsetof(IO_CONNECT_INTERRUPT_FULLY_SPECIFIED_PARAMETERS, ProcessorEnableMask) == 0x38, "FS.Mask");
_Static_assert(offsetof(IO_CONNECT_INTERRUPT_FULLY_SPECIFIED_PARAMETERS, Group) == 0x40, "FS.Group");
_Static_assert(sizeof(IO_CONNECT_INTERRUPT_LINE_BASED_PARAMETERS) == 0x30, "LineBased");
_Static_assert(offsetof(IO_CONNECT_INTERRUPT_LINE_BASED_PARAMETERS, FloatingSave) == 0x29, "LB.FloatingSave");
_Static_assert(sizeof(IO_CONNECT_INTERRUPT_MESSAGE_BASED_PARAMETERS) == 0x38, "MessageBased");
_Static_assert(offsetof(IO_CONNECT_INTERRUPT_MESSAGE_BASED_PARAMETERS, SynchronizeIrql) == 0x28, "MB.Sync");
_Static_assert(offsetof(IO_CONNECT_INTERRUPT_MESSAGE_BASED_PARAMETERS, FallBackServiceRoutine) == 0x30, "MB.Fallback");
_Static_assert(sizeof(IO_CONNECT_INTERRUPT_PARAMETERS) == 0x50, "IO_CONNECT_INTERRUPT_PARAMETERS");
_Static_assert(offsetof(IO_CONNECT_INTERRUPT_PARAMETERS, FullySpecified) == 0x8, "the union");
_Static_assert(sizeof(IO_DISCONNECT_INTERRUPT_PARAMETERS) == 0x10, "IO_DISCONNECT_INTERRUPT_PARAMETERS");
_Static_assert(sizeof(IO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS) == 0x10, "IO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS");
_Static_assert(offsetof(IO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS, ConnectionContext) == 0x8, "ConnectionContext");
_Static_assert(sizeof(IO_INTERRUPT_MESSAGE_INFO_ENTRY) == 0x30, "IO_INTERRUPT_MESSAGE_INFO_ENTRY");
_Static_assert(offsetof(IO_INTERRUPT_MESSAGE_INFO_ENTRY, MessageData) == 0x18, "Entry.MessageData");
_Static_assert(offsetof(IO_INTERRUPT_MESSAGE_INFO_ENTRY, Irql) == 0x20, "Entry.Irql");
_Static_assert(offsetof(IO_INTERRUPT_MESSAGE_INFO_ENTRY, Polarity) == 0x28, "Entry.Polarity");
_Static_assert(offsetof(IO_INTERRUPT_MESSAGE_INFO, MessageCount) == 0x4, "MessageCount");
_Static_assert(offsetof(IO_INTERRUPT_MESSAGE_INFO, MessageInfo) == 0x8, "MessageInfo");
/* ==== end of I/O manager ==== */

/* ==== IRPs (kernel/io/irp.c, irp_build.c, file_object.c, object_name.c, event.c) ==================
 * I/O request packets: how one driver asks another to do something. WDK pages: "Handling IRPs",
 * IRP, IO_STACK_LOCATION, IO_STATUS_BLOCK, IoAllocateIrp, IoBuildDeviceIoControlRequest,
 * IoCallDriver, IoCompleteRequest, IoSetCompletionRoutine, IoGetDeviceObjectPointer, CTL_CODE
 * ("Defining I/O Control Codes"). A sender builds an IRP whose stack has one location per driver
 * in the target's device stack; IoCallDriver moves to the next location and calls the target
 * driver's MajorFunction[] entry; the driver that finishes the work calls IoCompleteRequest,
 * which walks back up the stack calling completion routines, then copies the result to the
 * sender's IO_STATUS_BLOCK and sets its event.
 *
 * A dispatch routine may keep the IRP: IoMarkIrpPending, return STATUS_PENDING, complete it later
 * (from a DPC, a timer, a thread). The sender then waits on its event at PASSIVE_LEVEL and reads
 * its IO_STATUS_BLOCK. A pending IRP can be cancelled: IoSetCancelRoutine, IoCancelIrp and the
 * global cancel spin lock, or the cancel-safe queue (IoCsq*) that does it all right
 * (docs/io-manager.md "Pending requests and cancellation").
 *
 * What irqlab does differently (docs/io-manager.md, docs/differences.md):
 *   - completion finishes the request for the sender at once, in the completing context (no
 *     APC to the sender's thread): IoStatus is copied, the IRP freed, then the event set.
 *   - only METHOD_BUFFERED and METHOD_NEITHER I/O controls (no MDLs).
 *   - IRP and FILE_OBJECT keep only the members drivers use, in the WDK's order; IO_STACK_LOCATION
 *     has the WDK's x64 layout (asserted below).
 *   - write device names as u"\\Device\\ParallelPort0": gcc's L"" literals are 32 bits wide. */

#define IO_TYPE_FILE 5 /* FILE_OBJECT.Type */
#define IO_TYPE_IRP 6  /* IRP.Type */
#define IO_NO_INCREMENT 0

typedef CHAR CCHAR;
typedef LONG KPRIORITY;
typedef const WCHAR *PCWSTR;
typedef ULONG ACCESS_MASK;
typedef CCHAR KPROCESSOR_MODE;
typedef enum _MODE { KernelMode = 0, UserMode = 1, MaximumMode = 2 } MODE;

/* Access rights (IoGetDeviceObjectPointer's DesiredAccess; irqlab records them, checks nothing). */
#define FILE_READ_DATA 0x0001
#define FILE_WRITE_DATA 0x0002
#define FILE_READ_ATTRIBUTES 0x0080
#define FILE_ALL_ACCESS 0x001F01FF
#define DELETE 0x00010000L      /* standard rights (winnt.h): any object */
#define SYNCHRONIZE 0x00100000L /* ... the right to wait on it */

/* ---- Strings ---- */
VOID RtlInitUnicodeString(PUNICODE_STRING DestinationString, PCWSTR SourceString);
#define RTL_CONSTANT_STRING(s)                                                                                         \
    {                                                                                                                  \
        sizeof(s) - sizeof((s)[0]), sizeof(s), (WCHAR *)(s)                                                            \
    }

/* ---- I/O control codes (devioctl.h) ---- */
#define CTL_CODE(DeviceType, Function, Method, Access)                                                                 \
    (((DeviceType) << 16) | ((Access) << 14) | ((Function) << 2) | (Method))
#define DEVICE_TYPE_FROM_CTL_CODE(ctrlCode) (((ULONG)((ctrlCode)&0xffff0000)) >> 16)
#define METHOD_FROM_CTL_CODE(ctrlCode) ((ULONG)((ctrlCode)&3))
#define METHOD_BUFFERED 0   /* one system buffer: input copied in, output copied back */
#define METHOD_IN_DIRECT 1  /* irqlab: not supported (needs MDLs) */
#define METHOD_OUT_DIRECT 2 /* irqlab: not supported (needs MDLs) */
#define METHOD_NEITHER 3    /* the caller's pointers as they are: Type3InputBuffer, UserBuffer */
#define FILE_ANY_ACCESS 0
#define FILE_SPECIAL_ACCESS (FILE_ANY_ACCESS)
#define FILE_READ_ACCESS 0x0001
#define FILE_WRITE_ACCESS 0x0002

/* ==== Threads, dispatcher objects, waits and timers (kernel/ke/thread.c, wait.c, timer.c) ========
 * Names, values and member names as in the WDK's wdm.h; what irqlab does and does not do:
 * docs/scheduling.md and docs/differences.md. Every waitable object starts with a
 * DISPATCHER_HEADER; a thread waits in KeWaitForSingleObject / KeWaitForMultipleObjects and is
 * made ready again when an object it waits for is signalled or its timeout expires.
 * IRQL rules (as the WDK documents them, with Windows' stop codes):
 *   - a wait with a non-zero timeout (or none) needs IRQL <= APC_LEVEL: above it, stop 0xA
 *     IRQL_NOT_LESS_OR_EQUAL (P1 = the wait routine, P2 = the IRQL, P3 = 1, P4 = the caller);
 *     from a DPC routine, stop 0xB8 ATTEMPTED_SWITCH_FROM_DPC. A zero timeout is legal at
 *     DISPATCH_LEVEL (it only tests the objects).
 *   - KeReleaseMutex by a thread that does not own the mutex: Windows raises
 *     STATUS_MUTANT_NOT_OWNED, which nothing handles in kernel mode: stop 0x1E
 *     KMODE_EXCEPTION_NOT_HANDLED (P1 = 0xC0000046, P2 = the caller, P3 = the mutex, P4 = owner).
 *   - a thread that ends while it owns a KMUTEX: stop 0x4000008A THREAD_TERMINATE_HELD_MUTEX
 *     (P1 = the thread, P2 = the mutex). */
typedef PVOID HANDLE, *PHANDLE;

/* KOBJECTS: DISPATCHER_HEADER.Type */
#define EventNotificationObject 0
#define EventSynchronizationObject 1
#define MutantObject 2
#define SemaphoreObject 5
#define ThreadObject 6
#define TimerNotificationObject 8
#define TimerSynchronizationObject 9

typedef enum _EVENT_TYPE { NotificationEvent = 0, SynchronizationEvent = 1 } EVENT_TYPE;
typedef enum _TIMER_TYPE { NotificationTimer = 0, SynchronizationTimer = 1 } TIMER_TYPE;
typedef enum _WAIT_TYPE { WaitAll = 0, WaitAny = 1 } WAIT_TYPE;
typedef enum _KWAIT_REASON {
    Executive = 0,
    FreePage = 1,
    PageIn = 2,
    PoolAllocation = 3,
    DelayExecution = 4,
    Suspended = 5,
    UserRequest = 6,
    WrExecutive = 7,
} KWAIT_REASON;

typedef struct _DISPATCHER_HEADER {
    UCHAR Type; /* KOBJECTS value */
    UCHAR Absolute;
    UCHAR Size; /* in LONGs, as in Windows */
    UCHAR Inserted; /* timers: in the timer queue */
    volatile LONG SignalState; /* > 0 = signalled */
    LIST_ENTRY WaitListHead;   /* KWAIT_BLOCKs of the threads waiting for this object */
} DISPATCHER_HEADER;

struct _KTHREAD;
typedef struct _KTHREAD *PKTHREAD, *PRKTHREAD, *PETHREAD;

/* One thread waiting for one object. A thread has THREAD_WAIT_OBJECTS built in; waits for more
 * objects pass an array of KWAIT_BLOCKs of their own (KeWaitForMultipleObjects). */
typedef struct _KWAIT_BLOCK {
    LIST_ENTRY WaitListEntry; /* in the object's WaitListHead */
    struct _KTHREAD *Thread;
    PVOID Object;
    struct _KWAIT_BLOCK *NextWaitBlock; /* ring of this wait's blocks */
    USHORT WaitKey;                     /* index in the object array: STATUS_WAIT_0 + WaitKey */
    UCHAR WaitType;                     /* WAIT_TYPE */
    UCHAR BlockState;
} KWAIT_BLOCK, *PKWAIT_BLOCK, *PRKWAIT_BLOCK;

#define THREAD_WAIT_OBJECTS 3
#define MAXIMUM_WAIT_OBJECTS 64

typedef struct _KEVENT {
    DISPATCHER_HEADER Header;
} KEVENT, *PKEVENT, *PRKEVENT;

typedef struct _KSEMAPHORE {
    DISPATCHER_HEADER Header; /* SignalState = the count */
    LONG Limit;
} KSEMAPHORE, *PKSEMAPHORE, *PRKSEMAPHORE;

typedef struct _KMUTANT {
    DISPATCHER_HEADER Header; /* SignalState 1 = free, <= 0 = owned (1 - recursion count) */
    LIST_ENTRY MutantListEntry;
    struct _KTHREAD *OwnerThread;
    BOOLEAN Abandoned;
    UCHAR ApcDisable;
} KMUTANT, *PKMUTANT, *PRKMUTANT, KMUTEX, *PKMUTEX, *PRKMUTEX;

typedef struct _KTIMER {
    DISPATCHER_HEADER Header;
    ULARGE_INTEGER DueTime; /* interrupt time (100 ns units since boot) of expiry */
    LIST_ENTRY TimerListEntry;
    struct _KDPC *Dpc;
    ULONG Processor;
    ULONG Period; /* milliseconds; 0 = one-shot */
} KTIMER, *PKTIMER, *PRKTIMER;

typedef struct _FAST_MUTEX {
    volatile LONG Count; /* 1 = free, 0 = owned, < 0 = owned with waiters */
    PVOID Owner;
    ULONG Contention;
    KEVENT Event;
    ULONG OldIrql;
} FAST_MUTEX, *PFAST_MUTEX;

/* Priorities (KPRIORITY): 0 idle, 1-15 variable (boosted by Increment, decaying per quantum),
 * 16-31 real-time (never boosted). System threads start at 8. */
#define LOW_PRIORITY 0
#define LOW_REALTIME_PRIORITY 16
#define HIGH_PRIORITY 31
#define MAXIMUM_PRIORITY 32
#define EVENT_INCREMENT 1
#define SEMAPHORE_INCREMENT 1
#define MUTANT_INCREMENT 1

typedef VOID KSTART_ROUTINE(PVOID StartContext);
typedef KSTART_ROUTINE *PKSTART_ROUTINE;

typedef struct _CLIENT_ID {
    HANDLE UniqueProcess;
    HANDLE UniqueThread;
} CLIENT_ID, *PCLIENT_ID;

typedef struct _OBJECT_ATTRIBUTES {
    ULONG Length;
    HANDLE RootDirectory;
    PUNICODE_STRING ObjectName;
    ULONG Attributes;
    PVOID SecurityDescriptor;
    PVOID SecurityQualityOfService;
} OBJECT_ATTRIBUTES, *POBJECT_ATTRIBUTES;

#define OBJ_KERNEL_HANDLE 0x00000200L
#define THREAD_ALL_ACCESS 0x001FFFFF
#define InitializeObjectAttributes(p, n, a, r, s)                                                                      \
    do {                                                                                                               \
        (p)->Length = sizeof(OBJECT_ATTRIBUTES);                                                                       \
        (p)->RootDirectory = (r);                                                                                      \
        (p)->Attributes = (a);                                                                                         \
        (p)->ObjectName = (n);                                                                                         \
        (p)->SecurityDescriptor = (s);                                                                                 \
        (p)->SecurityQualityOfService = NULL;                                                                          \
    } while (0)

typedef struct _OBJECT_TYPE *POBJECT_TYPE;
extern POBJECT_TYPE *PsThreadType;
typedef struct _OBJECT_HANDLE_INFORMATION *POBJECT_HANDLE_INFORMATION;

/* ---- Threads ---- */
/* PASSIVE_LEVEL. Creates a system thread running StartRoutine(StartContext) at PASSIVE_LEVEL,
 * priority 8, on any processor. *ThreadHandle receives a kernel handle (close it with ZwClose);
 * ProcessHandle and ObjectAttributes must be NULL or describe a kernel handle. Returns
 * STATUS_SUCCESS or STATUS_INSUFFICIENT_RESOURCES. The thread ends when StartRoutine returns or
 * calls PsTerminateSystemThread. */
NTSTATUS PsCreateSystemThread(PHANDLE ThreadHandle, ULONG DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes,
                              HANDLE ProcessHandle, PCLIENT_ID ClientId, PKSTART_ROUTINE StartRoutine,
                              PVOID StartContext);
/* PASSIVE_LEVEL, from the system thread itself. Ends it (signals the thread object); never returns. */
NTSTATUS PsTerminateSystemThread(NTSTATUS ExitStatus);
/* Any IRQL. The running thread. */
PKTHREAD KeGetCurrentThread(VOID);
#define PsGetCurrentThread() ((PETHREAD)KeGetCurrentThread())
/* Any IRQL. The running thread's id (a multiple of 4, as on Windows). */
HANDLE PsGetCurrentThreadId(VOID);
/* IRQL <= DISPATCH_LEVEL. Sets the thread's priority (1-31; 0 is the idle threads'), returns the
 * old one. A ready thread of higher priority than the running one preempts it. */
KPRIORITY KeSetPriorityThread(PKTHREAD Thread, KPRIORITY Priority);
KPRIORITY KeQueryPriorityThread(PKTHREAD Thread);
/* IRQL <= APC_LEVEL. Restricts the running thread to the processors in Affinity (moving it now
 * if needed) and returns the previous affinity, or 0 if it was not changed before. */
KAFFINITY KeSetSystemAffinityThreadEx(KAFFINITY Affinity);
/* IRQL <= APC_LEVEL. Restores the affinity that KeSetSystemAffinityThreadEx returned (0: all). */
VOID KeRevertToUserAffinityThreadEx(KAFFINITY Affinity);
/* Object manager: enough to wait for a thread (ObReferenceObjectByHandle with *PsThreadType,
 * KeWaitForSingleObject on the object, ObDereferenceObject, ZwClose). */
NTSTATUS ObReferenceObjectByHandle(HANDLE Handle, ACCESS_MASK DesiredAccess, POBJECT_TYPE ObjectType,
                                   KPROCESSOR_MODE AccessMode, PVOID *Object,
                                   POBJECT_HANDLE_INFORMATION HandleInformation);
NTSTATUS ZwClose(HANDLE Handle); /* ObDereferenceObject: the I/O manager's section below */

/* ---- The registry: a device's configuration values ----
 * learn.microsoft.com: "IoOpenDeviceRegistryKey function (wdm.h)", "ZwQueryValueKey function
 * (wdm.h)", "KEY_VALUE_PARTIAL_INFORMATION structure (wdm.h)", "Registry Value Types".
 * Open the device's key from its PDO, query values by name, ZwClose the key. irqlab's values
 * come from the kernel command line (`<driver>.<ValueName>=<data>`): docs/configuration.md. */
#define REG_NONE 0
#define REG_SZ 1
#define REG_EXPAND_SZ 2
#define REG_BINARY 3
#define REG_DWORD 4
#define REG_MULTI_SZ 7
#define REG_QWORD 11

#define KEY_QUERY_VALUE 0x0001
#define KEY_SET_VALUE 0x0002
#define KEY_READ 0x20019
#define KEY_WRITE 0x20006
#define KEY_ALL_ACCESS 0xF003F

#define PLUGPLAY_REGKEY_DEVICE 1 /* the hardware key ("Device Parameters") */
#define PLUGPLAY_REGKEY_DRIVER 2 /* the software key (where NDIS keeps a miniport's keywords) */
#define PLUGPLAY_REGKEY_CURRENT_HWPROFILE 4

typedef enum _KEY_VALUE_INFORMATION_CLASS {
    KeyValueBasicInformation = 0,
    KeyValueFullInformation = 1,
    KeyValuePartialInformation = 2,
    KeyValueFullInformationAlign64 = 3,
    KeyValuePartialInformationAlign64 = 4,
    KeyValueLayerInformation = 5,
    MaxKeyValueInfoClass = 6,
} KEY_VALUE_INFORMATION_CLASS;

typedef struct _KEY_VALUE_BASIC_INFORMATION {
    ULONG TitleIndex;
    ULONG Type;
    ULONG NameLength; /* bytes */
    WCHAR Name[1];    /* not NUL-terminated */
} KEY_VALUE_BASIC_INFORMATION, *PKEY_VALUE_BASIC_INFORMATION;

typedef struct _KEY_VALUE_FULL_INFORMATION {
    ULONG TitleIndex;
    ULONG Type;
    ULONG DataOffset; /* from the start of this structure */
    ULONG DataLength;
    ULONG NameLength;
    WCHAR Name[1];
} KEY_VALUE_FULL_INFORMATION, *PKEY_VALUE_FULL_INFORMATION;

typedef struct _KEY_VALUE_PARTIAL_INFORMATION {
    ULONG TitleIndex;
    ULONG Type;
    ULONG DataLength;
    UCHAR Data[1];
} KEY_VALUE_PARTIAL_INFORMATION, *PKEY_VALUE_PARTIAL_INFORMATION;
_Static_assert(offsetof(KEY_VALUE_PARTIAL_INFORMATION, Data) == 12, "KEY_VALUE_PARTIAL_INFORMATION.Data");
_Static_assert(sizeof(KEY_VALUE_PARTIAL_INFORMATION) == 16, "KEY_VALUE_PARTIAL_INFORMATION");
_Static_assert(offsetof(KEY_VALUE_FULL_INFORMATION, Name) == 20, "KEY_VALUE_FULL_INFORMATION.Name");

NTSTATUS IoOpenDeviceRegistryKey(struct _DEVICE_OBJECT *DeviceObject, ULONG DevInstKeyType, ACCESS_MASK DesiredAccess,
                                 PHANDLE DeviceRegKey);
NTSTATUS ZwQueryValueKey(HANDLE KeyHandle, PUNICODE_STRING ValueName,
                         KEY_VALUE_INFORMATION_CLASS KeyValueInformationClass, PVOID KeyValueInformation, ULONG Length,
                         PULONG ResultLength);

/* ---- Events ---- */
/* Any IRQL. State TRUE = signalled. */
VOID KeInitializeEvent(PRKEVENT Event, EVENT_TYPE Type, BOOLEAN State);
/* IRQL <= DISPATCH_LEVEL. Signals the event: a notification event wakes every waiter and stays
 * signalled; a synchronization event wakes one waiter and resets. Returns the previous state.
 * Increment boosts the woken threads' priority (variable-priority threads only). Wait = TRUE is
 * accepted and treated as FALSE. */
LONG KeSetEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait);
/* IRQL <= DISPATCH_LEVEL. Resets the event (KeResetEvent returns the previous state). */
VOID KeClearEvent(PRKEVENT Event);
LONG KeResetEvent(PRKEVENT Event);
/* Any IRQL. Returns the current state (non-zero = signalled). */
LONG KeReadStateEvent(PRKEVENT Event);

/* ---- Semaphores ---- */
/* Any IRQL. Count = initial count (0..Limit). */
VOID KeInitializeSemaphore(PRKSEMAPHORE Semaphore, LONG Count, LONG Limit);
/* IRQL <= DISPATCH_LEVEL. Adds Adjustment to the count and returns the previous count; going
 * above Limit raises STATUS_SEMAPHORE_LIMIT_EXCEEDED: stop 0x1E here (no SEH in irqlab). */
LONG KeReleaseSemaphore(PRKSEMAPHORE Semaphore, KPRIORITY Increment, LONG Adjustment, BOOLEAN Wait);
LONG KeReadStateSemaphore(PRKSEMAPHORE Semaphore);

/* ---- Mutexes ---- */
/* Any IRQL. The mutex starts free (signalled). Level is ignored, as on Windows. */
VOID KeInitializeMutex(PRKMUTEX Mutex, ULONG Level);
/* IRQL <= DISPATCH_LEVEL. Releases one level of ownership; returns the previous state (0 when
 * this release frees the mutex). A thread that does not own it: stop 0x1E (STATUS_MUTANT_NOT_OWNED). */
LONG KeReleaseMutex(PRKMUTEX Mutex, BOOLEAN Wait);
/* Any IRQL. 1 = free, otherwise owned. */
LONG KeReadStateMutex(PRKMUTEX Mutex);

/* ---- Fast mutexes (raise to APC_LEVEL while owned) ---- */
VOID ExInitializeFastMutex(PFAST_MUTEX FastMutex);
/* IRQL <= APC_LEVEL. Waits for the mutex, then runs at APC_LEVEL until ExReleaseFastMutex. */
VOID ExAcquireFastMutex(PFAST_MUTEX FastMutex);
/* IRQL <= APC_LEVEL. TRUE if it got the mutex without waiting (then at APC_LEVEL). */
BOOLEAN ExTryToAcquireFastMutex(PFAST_MUTEX FastMutex);
/* APC_LEVEL, by the owner. Releases it and returns to the IRQL before the acquire. */
VOID ExReleaseFastMutex(PFAST_MUTEX FastMutex);

/* ---- Waits ---- */
/* Timeout: NULL = forever; negative = relative, in 100 ns units; positive = absolute interrupt
 * time (irqlab has no wall clock: 100 ns units since boot); 0 = test and return at once.
 * IRQL <= APC_LEVEL, or DISPATCH_LEVEL with a zero timeout. Returns STATUS_SUCCESS
 * (= STATUS_WAIT_0), STATUS_TIMEOUT, or STATUS_ALERTED/STATUS_USER_APC never (no APCs). */
NTSTATUS KeWaitForSingleObject(PVOID Object, KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode, BOOLEAN Alertable,
                               PLARGE_INTEGER Timeout);
/* WaitAny: STATUS_WAIT_0 + the index of the object that satisfied the wait; WaitAll:
 * STATUS_WAIT_0 once all are signalled at the same time; STATUS_TIMEOUT. Count > 64: stop 0xC
 * MAXIMUM_WAIT_OBJECTS_EXCEEDED; Count > THREAD_WAIT_OBJECTS without WaitBlockArray: stop 0xC. */
NTSTATUS KeWaitForMultipleObjects(ULONG Count, PVOID Object[], WAIT_TYPE WaitType, KWAIT_REASON WaitReason,
                                  KPROCESSOR_MODE WaitMode, BOOLEAN Alertable, PLARGE_INTEGER Timeout,
                                  PKWAIT_BLOCK WaitBlockArray);
/* IRQL <= APC_LEVEL. Sleeps for Interval (negative = relative, 100 ns units); STATUS_SUCCESS. */
NTSTATUS KeDelayExecutionThread(KPROCESSOR_MODE WaitMode, BOOLEAN Alertable, PLARGE_INTEGER Interval);

/* ---- Timers ---- */
/* Any IRQL. A notification timer (KeInitializeTimer) stays signalled once it expires; a
 * synchronization timer wakes one waiter and resets. */
VOID KeInitializeTimer(PKTIMER Timer);
VOID KeInitializeTimerEx(PKTIMER Timer, TIMER_TYPE Type);
/* IRQL <= DISPATCH_LEVEL. (Re)arms the timer, resetting it to not-signalled: it expires at
 * DueTime (as a wait's Timeout; never early: at the first clock tick at or after it), then every
 * Period milliseconds if Period > 0. At expiry Dpc, if any, is queued with SystemArgument1/2 = the
 * low/high half of the interrupt time. Returns TRUE if the timer was already armed. */
BOOLEAN KeSetTimer(PKTIMER Timer, LARGE_INTEGER DueTime, PKDPC Dpc);
BOOLEAN KeSetTimerEx(PKTIMER Timer, LARGE_INTEGER DueTime, LONG Period, PKDPC Dpc);
/* IRQL <= DISPATCH_LEVEL. Disarms it; TRUE if it was armed. */
BOOLEAN KeCancelTimer(PKTIMER Timer);
/* Any IRQL. TRUE if the timer is signalled. */
BOOLEAN KeReadStateTimer(PKTIMER Timer);
/* ==== end of threads, dispatcher objects, waits and timers ==== */

/* ---- File objects (what IoGetDeviceObjectPointer opens) ---- */
typedef struct _FILE_OBJECT {
    SHORT Type; /* IO_TYPE_FILE */
    SHORT Size;
    PDEVICE_OBJECT DeviceObject; /* the device the name named (requests go to the top of its stack) */
    PVOID FsContext;             /* the driver's, per open */
    PVOID FsContext2;
    BOOLEAN ReadAccess; /* from DesiredAccess */
    BOOLEAN WriteAccess;
    ULONG Flags;
} FILE_OBJECT, *PFILE_OBJECT;

/* ---- The I/O status block ---- */
typedef struct _IO_STATUS_BLOCK {
    union {
        NTSTATUS Status;
        PVOID Pointer;
    };
    ULONG_PTR Information; /* request-specific: bytes returned, ... */
} IO_STATUS_BLOCK, *PIO_STATUS_BLOCK;

/* ---- Stack locations ---- */
typedef NTSTATUS IO_COMPLETION_ROUTINE(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context);
typedef IO_COMPLETION_ROUTINE *PIO_COMPLETION_ROUTINE;

/* IO_STACK_LOCATION.Control */
#define SL_PENDING_RETURNED 0x01
#define SL_ERROR_RETURNED 0x02
#define SL_INVOKE_ON_CANCEL 0x20
#define SL_INVOKE_ON_SUCCESS 0x40
#define SL_INVOKE_ON_ERROR 0x80

#define POINTER_ALIGNMENT __attribute__((aligned(8))) /* the WDK's, on 64-bit targets */

typedef struct _IO_STACK_LOCATION {
    UCHAR MajorFunction; /* IRP_MJ_* */
    UCHAR MinorFunction;
    UCHAR Flags;
    UCHAR Control; /* SL_* */
    union {
        struct {
            PVOID SecurityContext;
            ULONG Options;
            USHORT POINTER_ALIGNMENT FileAttributes;
            USHORT ShareAccess;
            ULONG POINTER_ALIGNMENT EaLength;
        } Create;
        struct {
            ULONG Length;
            ULONG POINTER_ALIGNMENT Key;
            ULONG Flags;
            LARGE_INTEGER ByteOffset;
        } Read;
        struct {
            ULONG Length;
            ULONG POINTER_ALIGNMENT Key;
            ULONG Flags;
            LARGE_INTEGER ByteOffset;
        } Write;
        struct {
            ULONG OutputBufferLength;
            ULONG POINTER_ALIGNMENT InputBufferLength;
            ULONG POINTER_ALIGNMENT IoControlCode;
            PVOID Type3InputBuffer; /* METHOD_NEITHER: the caller's input buffer */
        } DeviceIoControl;
        struct {
            const GUID *InterfaceType; /* IRP_MN_QUERY_INTERFACE: which interface ... */
            USHORT Size;               /* ... the size of the caller's structure ... */
            USHORT Version;            /* ... the version it asks for ... */
            struct _INTERFACE *Interface; /* ... and the structure, filled by the bus driver */
            PVOID InterfaceSpecificData;
        } QueryInterface;
        struct {
            PCM_RESOURCE_LIST AllocatedResources;           /* IRP_MN_START_DEVICE: bus terms (raw) */
            PCM_RESOURCE_LIST AllocatedResourcesTranslated; /* ... and CPU terms: what drivers use */
        } StartDevice;
        struct {
            PVOID Argument1;
            PVOID Argument2;
            PVOID Argument3;
            PVOID Argument4;
        } Others;
    } Parameters;
    PDEVICE_OBJECT DeviceObject; /* set by IoCallDriver: the device this location was sent to */
    PFILE_OBJECT FileObject;
    PIO_COMPLETION_ROUTINE CompletionRoutine; /* set by the driver above (IoSetCompletionRoutine) */
    PVOID Context;
} IO_STACK_LOCATION, *PIO_STACK_LOCATION;

/* ---- The IRP ---- */
/* A cancel routine (IoSetCancelRoutine): called by IoCancelIrp at DISPATCH_LEVEL holding the
 * cancel spin lock, which it must release with IoReleaseCancelSpinLock(Irp->CancelIrql). */
typedef VOID DRIVER_CANCEL(PDEVICE_OBJECT DeviceObject, PIRP Irp);
typedef DRIVER_CANCEL *PDRIVER_CANCEL;

/* IRP.Flags */
#define IRP_SYNCHRONOUS_API 0x00000004
#define IRP_BUFFERED_IO 0x00000010       /* AssociatedIrp.SystemBuffer is an I/O-manager copy */
#define IRP_DEALLOCATE_BUFFER 0x00000020 /* ... freed when the IRP completes */
#define IRP_INPUT_OPERATION 0x00000040   /* ... and copied back to UserBuffer (Information bytes) */
#define IRP_CREATE_OPERATION 0x00000080
#define IRP_CLOSE_OPERATION 0x00000400

struct _IRP {
    SHORT Type; /* IO_TYPE_IRP */
    USHORT Size;
    ULONG Flags; /* IRP_* */
    union {
        struct _IRP *MasterIrp;
        LONG IrpCount;
        PVOID SystemBuffer; /* METHOD_BUFFERED: input on the way down, output on the way up */
    } AssociatedIrp;
    IO_STATUS_BLOCK IoStatus; /* set by the driver that completes the IRP */
    KPROCESSOR_MODE RequestorMode;
    BOOLEAN PendingReturned;
    CHAR StackCount;      /* stack locations */
    CHAR CurrentLocation; /* 1..StackCount; StackCount + 1 while the sender owns the IRP */
    BOOLEAN Cancel;
    KIRQL CancelIrql;
    PIO_STATUS_BLOCK UserIosb;    /* where IoStatus is copied on completion */
    PKEVENT UserEvent;            /* set on completion */
    PDRIVER_CANCEL CancelRoutine; /* IoSetCancelRoutine: what IoCancelIrp calls (NULL: not cancelable) */
    PVOID UserBuffer;             /* the sender's output buffer */
    union {
        struct {
            PVOID DriverContext[4]; /* for the driver that currently owns the IRP */
            struct {
                LIST_ENTRY ListEntry; /* for the driver that currently owns the IRP (its queues) */
                struct _IO_STACK_LOCATION *CurrentStackLocation;
            };
            PFILE_OBJECT OriginalFileObject;
        } Overlay;
    } Tail;
    PVOID CallerAddress; /* irqlab: return address of the first IoCallDriver (stop screens name the sender) */
};

static inline PIO_STACK_LOCATION IoGetCurrentIrpStackLocation(PIRP Irp)
{
    return Irp->Tail.Overlay.CurrentStackLocation;
}
static inline PIO_STACK_LOCATION IoGetNextIrpStackLocation(PIRP Irp)
{
    return Irp->Tail.Overlay.CurrentStackLocation - 1;
}
static inline VOID IoSetNextIrpStackLocation(PIRP Irp)
{
    Irp->CurrentLocation--;
    Irp->Tail.Overlay.CurrentStackLocation--;
}
/* Pass the IRP down unchanged: the lower driver gets this driver's location. */
static inline VOID IoSkipCurrentIrpStackLocation(PIRP Irp)
{
    Irp->CurrentLocation++;
    Irp->Tail.Overlay.CurrentStackLocation++;
}
static inline VOID IoCopyCurrentIrpStackLocationToNext(PIRP Irp)
{
    PIO_STACK_LOCATION current = IoGetCurrentIrpStackLocation(Irp), next = IoGetNextIrpStackLocation(Irp);
    __builtin_memcpy(next, current, offsetof(IO_STACK_LOCATION, CompletionRoutine));
    next->Control = 0;
}
static inline VOID IoSetCompletionRoutine(PIRP Irp, PIO_COMPLETION_ROUTINE CompletionRoutine, PVOID Context,
                                          BOOLEAN InvokeOnSuccess, BOOLEAN InvokeOnError, BOOLEAN InvokeOnCancel)
{
    PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(Irp);
    next->CompletionRoutine = CompletionRoutine;
    next->Context = Context;
    next->Control = 0;
    if (InvokeOnSuccess)
        next->Control |= SL_INVOKE_ON_SUCCESS;
    if (InvokeOnError)
        next->Control |= SL_INVOKE_ON_ERROR;
    if (InvokeOnCancel)
        next->Control |= SL_INVOKE_ON_CANCEL;
}
/* A dispatch routine that returns STATUS_PENDING calls this first (and a completion routine
 * calls it when Irp->PendingReturned, unless it returns STATUS_MORE_PROCESSING_REQUIRED). */
static inline VOID IoMarkIrpPending(PIRP Irp) { IoGetCurrentIrpStackLocation(Irp)->Control |= SL_PENDING_RETURNED; }
/* Set (or clear, with NULL) the IRP's cancel routine atomically; returns the previous one. A
 * driver clears it before it completes the IRP: NULL back means IoCancelIrp has taken the
 * routine and the cancel routine runs (or ran) - the driver must leave the IRP to it. */
static inline PDRIVER_CANCEL IoSetCancelRoutine(PIRP Irp, PDRIVER_CANCEL CancelRoutine)
{
    return __atomic_exchange_n(&Irp->CancelRoutine, CancelRoutine, __ATOMIC_SEQ_CST);
}
static inline USHORT IoSizeOfIrp(CCHAR StackSize)
{
    return (USHORT)(sizeof(IRP) + (ULONG)(UCHAR)StackSize * sizeof(IO_STACK_LOCATION));
}

/* IoAllocateIrp: <= DISPATCH_LEVEL; the allocator frees it with IoFreeIrp, normally from its
 * completion routine, which returns STATUS_MORE_PROCESSING_REQUIRED. StackSize 1..127, NULL if
 * out of pool. */
PIRP IoAllocateIrp(CCHAR StackSize, BOOLEAN ChargeQuota);
VOID IoFreeIrp(PIRP Irp);
/* PASSIVE_LEVEL. The IRP is freed by the I/O manager when it completes (never IoFreeIrp it).
 * METHOD_BUFFERED: the input is copied into a system buffer of max(input, output) bytes and
 * IoStatus.Information bytes of it are copied to OutputBuffer on success. NULL if out of pool, if
 * the code is METHOD_IN/OUT_DIRECT (irqlab has no MDLs) or if a length is given without a buffer. */
PIRP IoBuildDeviceIoControlRequest(ULONG IoControlCode, PDEVICE_OBJECT DeviceObject, PVOID InputBuffer,
                                   ULONG InputBufferLength, PVOID OutputBuffer, ULONG OutputBufferLength,
                                   BOOLEAN InternalDeviceIoControl, PKEVENT Event, PIO_STATUS_BLOCK IoStatusBlock);
/* <= DISPATCH_LEVEL (above it: bugcheck IRQL_NOT_LESS_OR_EQUAL, P1 = IofCallDriver, P2 = the IRQL,
 * P3 = DISPATCH_LEVEL, P4 = the caller). No stack location left: NO_MORE_IRP_STACK_LOCATIONS
 * (0x35, P1 = the IRP). Returns the dispatch routine's status: STATUS_PENDING means the IRP
 * completes later (the sender waits on its event), anything else is final. */
NTSTATUS IofCallDriver(PDEVICE_OBJECT DeviceObject, PIRP Irp);
#define IoCallDriver(DeviceObject, Irp) IofCallDriver(DeviceObject, Irp)
/* <= DISPATCH_LEVEL. Completing an IRP twice: MULTIPLE_IRP_COMPLETE_REQUESTS (0x44, P1 = the IRP).
 * Completing it with its cancel routine still set: CANCEL_STATE_IN_COMPLETED_IRP (0x48, P1 = the
 * IRP, P2 = the cancel routine). From a DPC too: the sender's event is set, its status copied. */
VOID IofCompleteRequest(PIRP Irp, CCHAR PriorityBoost);
#define IoCompleteRequest(Irp, PriorityBoost) IofCompleteRequest(Irp, PriorityBoost)
/* PASSIVE_LEVEL. Send the IRP to TargetDevice with the current location copied to the next one
 * and wait until the lower drivers complete it (their completion routines ran; this driver owns
 * the IRP again and must complete it). TRUE: it was sent (the status is in Irp->IoStatus); FALSE:
 * no stack location left. How a function driver handles IRP_MN_START_DEVICE: the bus driver
 * first, then itself (learn.microsoft.com "IoForwardIrpSynchronously function (wdm.h)"). */
BOOLEAN IoForwardIrpSynchronously(PDEVICE_OBJECT DeviceObject, PIRP Irp);

/* ---- Cancellation (kernel/io/cancel.c) ---- */
/* The one global cancel spin lock: raises to DISPATCH_LEVEL, *Irql gets the old IRQL. */
VOID IoAcquireCancelSpinLock(PKIRQL Irql);
VOID IoReleaseCancelSpinLock(KIRQL Irql);
/* <= DISPATCH_LEVEL. Sets Irp->Cancel; if the IRP has a cancel routine, takes it (clears it),
 * stores the IRQL in Irp->CancelIrql and calls it holding the cancel spin lock: TRUE. Without one:
 * FALSE (the driver that owns the IRP sees Irp->Cancel later). A cancel routine found on an IRP
 * that was completed: CANCEL_STATE_IN_COMPLETED_IRP (0x48); a cancel routine that returns still
 * holding the lock: DRIVER_RETURNED_HOLDING_CANCEL_LOCK (0x11B, P1 = the IRP, P2 = the routine). */
BOOLEAN IoCancelIrp(PIRP Irp);

/* ---- Cancel-safe IRP queues (kernel/io/csq.c): the WDK's "Cancel-Safe IRP Queues" ----
 * The driver keeps the queue (a list, its lock) and supplies six routines; the IoCsq* routines
 * do the cancel logic: they set and clear the cancel routine under the driver's lock, so an IRP
 * is removed exactly once - by IoCsqRemove*Irp or by cancellation, which calls
 * CsqCompleteCanceledIrp (the driver completes it with STATUS_CANCELLED). */
#define IO_TYPE_CSQ_IRP_CONTEXT 1
#define IO_TYPE_CSQ 2
#define IO_TYPE_CSQ_EX 3
typedef struct _IO_CSQ IO_CSQ, *PIO_CSQ;
typedef struct _IO_CSQ_IRP_CONTEXT {
    ULONG Type; /* IO_TYPE_CSQ_IRP_CONTEXT */
    PIRP Irp;   /* the IRP inserted with this context; NULL once it left the queue */
    PIO_CSQ Csq;
} IO_CSQ_IRP_CONTEXT, *PIO_CSQ_IRP_CONTEXT;
typedef VOID IO_CSQ_INSERT_IRP(PIO_CSQ Csq, PIRP Irp);
typedef IO_CSQ_INSERT_IRP *PIO_CSQ_INSERT_IRP;
typedef NTSTATUS IO_CSQ_INSERT_IRP_EX(PIO_CSQ Csq, PIRP Irp, PVOID InsertContext);
typedef IO_CSQ_INSERT_IRP_EX *PIO_CSQ_INSERT_IRP_EX;
typedef VOID IO_CSQ_REMOVE_IRP(PIO_CSQ Csq, PIRP Irp);
typedef IO_CSQ_REMOVE_IRP *PIO_CSQ_REMOVE_IRP;
typedef PIRP IO_CSQ_PEEK_NEXT_IRP(PIO_CSQ Csq, PIRP Irp, PVOID PeekContext);
typedef IO_CSQ_PEEK_NEXT_IRP *PIO_CSQ_PEEK_NEXT_IRP;
typedef VOID IO_CSQ_ACQUIRE_LOCK(PIO_CSQ Csq, PKIRQL Irql);
typedef IO_CSQ_ACQUIRE_LOCK *PIO_CSQ_ACQUIRE_LOCK;
typedef VOID IO_CSQ_RELEASE_LOCK(PIO_CSQ Csq, KIRQL Irql);
typedef IO_CSQ_RELEASE_LOCK *PIO_CSQ_RELEASE_LOCK;
typedef VOID IO_CSQ_COMPLETE_CANCELED_IRP(PIO_CSQ Csq, PIRP Irp);
typedef IO_CSQ_COMPLETE_CANCELED_IRP *PIO_CSQ_COMPLETE_CANCELED_IRP;
struct _IO_CSQ {
    ULONG Type;                      /* IO_TYPE_CSQ, or IO_TYPE_CSQ_EX (CsqInsertIrp is an _EX routine) */
    PIO_CSQ_INSERT_IRP CsqInsertIrp; /* PIO_CSQ_INSERT_IRP_EX for IO_TYPE_CSQ_EX */
    PIO_CSQ_REMOVE_IRP CsqRemoveIrp;
    PIO_CSQ_PEEK_NEXT_IRP CsqPeekNextIrp;
    PIO_CSQ_ACQUIRE_LOCK CsqAcquireLock;
    PIO_CSQ_RELEASE_LOCK CsqReleaseLock;
    PIO_CSQ_COMPLETE_CANCELED_IRP CsqCompleteCanceledIrp;
    PVOID ReservePointer;
};
NTSTATUS IoCsqInitialize(PIO_CSQ Csq, PIO_CSQ_INSERT_IRP CsqInsertIrp, PIO_CSQ_REMOVE_IRP CsqRemoveIrp,
                         PIO_CSQ_PEEK_NEXT_IRP CsqPeekNextIrp, PIO_CSQ_ACQUIRE_LOCK CsqAcquireLock,
                         PIO_CSQ_RELEASE_LOCK CsqReleaseLock, PIO_CSQ_COMPLETE_CANCELED_IRP CsqCompleteCanceledIrp);
NTSTATUS IoCsqInitializeEx(PIO_CSQ Csq, PIO_CSQ_INSERT_IRP_EX CsqInsertIrp, PIO_CSQ_REMOVE_IRP CsqRemoveIrp,
                           PIO_CSQ_PEEK_NEXT_IRP CsqPeekNextIrp, PIO_CSQ_ACQUIRE_LOCK CsqAcquireLock,
                           PIO_CSQ_RELEASE_LOCK CsqReleaseLock, PIO_CSQ_COMPLETE_CANCELED_IRP CsqCompleteCanceledIrp);
/* Marks the IRP pending and queues it cancelably (Context, may be NULL, lets IoCsqRemoveIrp find
 * it again). An IRP cancelled before it was queued goes straight to CsqCompleteCanceledIrp. */
VOID IoCsqInsertIrp(PIO_CSQ Csq, PIRP Irp, PIO_CSQ_IRP_CONTEXT Context);
/* The same; the driver's CsqInsertIrpEx may refuse (its status is returned, the IRP is not
 * queued and not marked pending). */
NTSTATUS IoCsqInsertIrpEx(PIO_CSQ Csq, PIRP Irp, PIO_CSQ_IRP_CONTEXT Context, PVOID InsertContext);
/* The first queued IRP CsqPeekNextIrp offers that is not being cancelled, removed; or NULL. */
PIRP IoCsqRemoveNextIrp(PIO_CSQ Csq, PVOID PeekContext);
/* The IRP inserted with Context, removed; NULL if it left the queue already (cancelled). */
PIRP IoCsqRemoveIrp(PIO_CSQ Csq, PIO_CSQ_IRP_CONTEXT Context);

/* PASSIVE_LEVEL. Opens the named device: a FILE_OBJECT is created and IRP_MJ_CREATE sent to the
 * top of the device's stack; *DeviceObject is that top device. ObDereferenceObject(*FileObject)
 * closes it again (IRP_MJ_CLEANUP and IRP_MJ_CLOSE). STATUS_OBJECT_NAME_NOT_FOUND for an unknown
 * name, or what the driver's create dispatch returned. */
NTSTATUS IoGetDeviceObjectPointer(PUNICODE_STRING ObjectName, ACCESS_MASK DesiredAccess, PFILE_OBJECT *FileObject,
                                  PDEVICE_OBJECT *DeviceObject);
/* The top of the device's stack, referenced (ObDereferenceObject it). */
PDEVICE_OBJECT IoGetAttachedDeviceReference(PDEVICE_OBJECT DeviceObject);
/* ---- Target device notification (kernel/io/target_notify.c) ----
 * learn.microsoft.com: IoRegisterPlugPlayNotification, IoUnregisterPlugPlayNotificationEx,
 * IoReportTargetDeviceChange, TARGET_DEVICE_REMOVAL_NOTIFICATION, TARGET_DEVICE_CUSTOM_NOTIFICATION,
 * "Using PnP Target Device Change Notification". A driver that opened another driver's device
 * (IoGetDeviceObjectPointer) registers on that file object to hear when the device goes away -
 * GUID_TARGET_DEVICE_QUERY_REMOVE / _REMOVE_CANCELLED / _REMOVE_COMPLETE from the PnP manager, or
 * a custom event the device's own driver reports - and closes its file object when told.
 * irqlab has only EventCategoryTargetDeviceChange. */
typedef enum _IO_NOTIFICATION_EVENT_CATEGORY {
    EventCategoryReserved,
    EventCategoryHardwareProfileChange,
    EventCategoryDeviceInterfaceChange,
    EventCategoryTargetDeviceChange,
    EventCategoryKernelSoftRestart,
} IO_NOTIFICATION_EVENT_CATEGORY;

/* PASSIVE_LEVEL. NotificationStructure begins with a PLUGPLAY_NOTIFICATION_HEADER; for target
 * device changes it is a TARGET_DEVICE_REMOVAL_NOTIFICATION or TARGET_DEVICE_CUSTOM_NOTIFICATION.
 * The return value matters only for GUID_TARGET_DEVICE_QUERY_REMOVE (a failure vetoes the
 * removal). The callback may call IoUnregisterPlugPlayNotificationEx on its own entry. */
typedef NTSTATUS DRIVER_NOTIFICATION_CALLBACK_ROUTINE(PVOID NotificationStructure, PVOID Context);
typedef DRIVER_NOTIFICATION_CALLBACK_ROUTINE *PDRIVER_NOTIFICATION_CALLBACK_ROUTINE;

typedef struct _PLUGPLAY_NOTIFICATION_HEADER {
    USHORT Version; /* 1 */
    USHORT Size;
    GUID Event;
} PLUGPLAY_NOTIFICATION_HEADER, *PPLUGPLAY_NOTIFICATION_HEADER;

typedef struct _TARGET_DEVICE_REMOVAL_NOTIFICATION {
    USHORT Version;
    USHORT Size;
    GUID Event;              /* GUID_TARGET_DEVICE_QUERY_REMOVE, _REMOVE_CANCELLED, _REMOVE_COMPLETE */
    PFILE_OBJECT FileObject; /* the one the callback registered on */
} TARGET_DEVICE_REMOVAL_NOTIFICATION, *PTARGET_DEVICE_REMOVAL_NOTIFICATION;

typedef struct _TARGET_DEVICE_CUSTOM_NOTIFICATION {
    USHORT Version;
    USHORT Size;             /* of the whole structure, data included */
    GUID Event;              /* the reporting driver's own GUID */
    PFILE_OBJECT FileObject; /* NULL from the reporter; the PnP manager fills in each callback's */
    LONG NameBufferOffset;   /* -1: no string in CustomDataBuffer */
    UCHAR CustomDataBuffer[1];
} TARGET_DEVICE_CUSTOM_NOTIFICATION, *PTARGET_DEVICE_CUSTOM_NOTIFICATION;

/* PASSIVE_LEVEL. EventCategoryTargetDeviceChange with EventCategoryData = a PFILE_OBJECT: the
 * callback hears about the device stack the file object is open on, until
 * IoUnregisterPlugPlayNotificationEx. STATUS_SUCCESS, *NotificationEntry set;
 * STATUS_NOT_SUPPORTED for another category; STATUS_INVALID_PARAMETER (NULL file object,
 * callback or entry pointer); STATUS_INSUFFICIENT_RESOURCES. */
NTSTATUS IoRegisterPlugPlayNotification(IO_NOTIFICATION_EVENT_CATEGORY EventCategory, ULONG EventCategoryFlags,
                                        PVOID EventCategoryData, PDRIVER_OBJECT DriverObject,
                                        PDRIVER_NOTIFICATION_CALLBACK_ROUTINE CallbackRoutine, PVOID Context,
                                        PVOID *NotificationEntry);
/* PASSIVE_LEVEL. The callback is not called again once this returns (a call already running -
 * the caller's own, from inside it - finishes). STATUS_INVALID_PARAMETER for an unknown entry. */
NTSTATUS IoUnregisterPlugPlayNotificationEx(PVOID NotificationEntry);
/* PASSIVE_LEVEL. A driver reports a custom event (TARGET_DEVICE_CUSTOM_NOTIFICATION) on its
 * device's stack: every callback registered on a file object open on that stack is called, with
 * FileObject set to its own, before this returns. STATUS_INVALID_DEVICE_REQUEST for the PnP
 * manager's own events (GUID_TARGET_DEVICE_QUERY_REMOVE, _REMOVE_CANCELLED, _REMOVE_COMPLETE), a
 * Size below the header (0x24) or a NameBufferOffset outside the data. */
NTSTATUS IoReportTargetDeviceChange(PDEVICE_OBJECT PhysicalDeviceObject, PVOID NotificationStructure);

/* References on file and device objects. The last dereference of a file object closes it; a
 * device object deleted while referenced is freed with its last reference (as on Windows). */
LONG_PTR ObfReferenceObject(PVOID Object);
LONG_PTR ObfDereferenceObject(PVOID Object);
#define ObReferenceObject(Object) ObfReferenceObject(Object)
#define ObDereferenceObject(Object) ObfDereferenceObject(Object)

/* The WDK's x64 layouts (wdm.h), where irqlab keeps them. */
_Static_assert(sizeof(IO_STATUS_BLOCK) == 0x10, "IO_STATUS_BLOCK");
_Static_assert(sizeof(IO_STACK_LOCATION) == 0x48, "IO_STACK_LOCATION is 72 bytes");
_Static_assert(offsetof(IO_STACK_LOCATION, Parameters) == 0x08, "Parameters");
_Static_assert(offsetof(IO_STACK_LOCATION, Parameters.DeviceIoControl.InputBufferLength) == 0x10, "InputBufferLength");
_Static_assert(offsetof(IO_STACK_LOCATION, Parameters.DeviceIoControl.IoControlCode) == 0x18, "IoControlCode");
_Static_assert(offsetof(IO_STACK_LOCATION, Parameters.DeviceIoControl.Type3InputBuffer) == 0x20, "Type3InputBuffer");
_Static_assert(offsetof(IO_STACK_LOCATION, Parameters.Create.EaLength) == 0x20, "Create.EaLength");
_Static_assert(offsetof(IO_STACK_LOCATION, Parameters.Read.ByteOffset) == 0x18, "Read.ByteOffset");
_Static_assert(offsetof(IO_STACK_LOCATION, DeviceObject) == 0x28, "DeviceObject");
_Static_assert(offsetof(IO_STACK_LOCATION, FileObject) == 0x30, "FileObject");
_Static_assert(offsetof(IO_STACK_LOCATION, CompletionRoutine) == 0x38, "CompletionRoutine");
_Static_assert(offsetof(IO_STACK_LOCATION, Context) == 0x40, "Context");
_Static_assert(CTL_CODE(FILE_DEVICE_PARALLEL_PORT, 11, METHOD_BUFFERED, FILE_ANY_ACCESS) == 0x0016002C, "CTL_CODE");
/* ==== end of IRPs ==== */

#include "ntkeex.h" /* in-stack queued spin locks, system time, ... (issue 12) */

#endif
