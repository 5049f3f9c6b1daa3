/* tests/wdk_samples/sample_sync_memory.c - a small event ring as WDK samples keep one: records
 * stamped with KeQuerySystemTimePrecise, pushed and drained under an in-stack queued spin lock,
 * copied with the Rtl memory routines, counted with Interlocked operations, reported with
 * DbgPrint of ULONGs. Compiled against include/ only. */
#include <wdm.h>

#include "wdk_samples.h"

_Use_decl_annotations_ VOID SampleRingInitialize(PSAMPLE_RING Ring)
{
    RtlZeroMemory(Ring, sizeof(*Ring));
    KeInitializeSpinLock(&Ring->Lock);
}

_Use_decl_annotations_ LOGICAL SampleRingPush(PSAMPLE_RING Ring, USHORT Code, USHORT Flags)
{
    KLOCK_QUEUE_HANDLE lockHandle;
    SAMPLE_RECORD record;
    LOGICAL stored = FALSE;

    RtlZeroMemory(&record, sizeof(record));
    record.Code = Code; /* through DUMMYUNIONNAME / DUMMYSTRUCTNAME */
    record.Flags = Flags;
    KeQuerySystemTimePrecise(&record.Time);

    KeAcquireInStackQueuedSpinLock(&Ring->Lock, &lockHandle);
    if (Ring->Count < SAMPLE_RING_SIZE) {
        ULONG slot = (Ring->Head + Ring->Count) % SAMPLE_RING_SIZE;
        RtlCopyMemory(&Ring->Records[slot], &record, sizeof(record));
        Ring->Count++;
        stored = TRUE;
    }
    KeReleaseInStackQueuedSpinLock(&lockHandle);

    if (!stored) {
        InterlockedIncrement(&Ring->Dropped);
    }
    return stored;
}

_Use_decl_annotations_ ULONG SampleRingDrain(PSAMPLE_RING Ring, PSAMPLE_RECORD Records, ULONG MaxRecords)
{
    KLOCK_QUEUE_HANDLE lockHandle;
    ULONG taken;

    KeAcquireInStackQueuedSpinLock(&Ring->Lock, &lockHandle);
    taken = min(Ring->Count, MaxRecords);
    for (ULONG i = 0; i < taken; i++) {
        RtlMoveMemory(&Records[i], &Ring->Records[(Ring->Head + i) % SAMPLE_RING_SIZE], sizeof(SAMPLE_RECORD));
    }
    Ring->Head = (Ring->Head + taken) % SAMPLE_RING_SIZE;
    Ring->Count -= taken;
    KeReleaseInStackQueuedSpinLock(&lockHandle);
    return taken;
}

VOID SampleReportRing(IN PSAMPLE_RING Ring, IN PCSTR Name OPTIONAL)
{
    KLOCK_QUEUE_HANDLE lockHandle;
    ULONG count;
    KIRQL irql = KeRaiseIrqlToDpcLevel();

    KeAcquireInStackQueuedSpinLockAtDpcLevel(&Ring->Lock, &lockHandle);
    count = Ring->Count;
    KeReleaseInStackQueuedSpinLockFromDpcLevel(&lockHandle);
    KeLowerIrql(irql);

    DbgPrint("sample-ring %s: %lu queued, %ld dropped, capacity %lu, max %lu\n", Name ? Name : "(unnamed)", count,
             InterlockedCompareExchange(&Ring->Dropped, 0, 0), (ULONG)SAMPLE_RING_SIZE,
             (ULONG)max(count, (ULONG)SAMPLE_RING_SIZE));
}
