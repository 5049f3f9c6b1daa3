/* include/wdm.h - the driver-facing kernel API of irqlab, named and shaped as in the WDK's wdm.h.
 *
 * A driver includes only this header (plus ndis.h / parallel.h when it needs them). Every
 * routine here behaves as its page on learn.microsoft.com describes; docs/reference/ lists
 * where irqlab differs. This file grows with each subsystem: IRQL, spin locks, DPCs, interrupt
 * objects, IoConnectInterruptEx and friends are added by the interrupt-core and I/O issues.
 */
#ifndef IRQLAB_WDM_H
#define IRQLAB_WDM_H

#include "ntdef.h"
#include "ntstatus.h"

/* ---- Debug output (DbgPrint, DbgPrintEx) ---- */
#define DPFLTR_ERROR_LEVEL 0
#define DPFLTR_WARNING_LEVEL 1
#define DPFLTR_TRACE_LEVEL 2
#define DPFLTR_INFO_LEVEL 3
#define DPFLTR_IHVDRIVER_ID 77

ULONG DbgPrint(PCSTR Format, ...) __attribute__((format(printf, 1, 2)));
ULONG DbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, ...) __attribute__((format(printf, 3, 4)));

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

#define DPC_NORMAL 0x13 /* KOBJECTS value DpcObject; what KeInitializeDpc stores in Type */

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

#endif
