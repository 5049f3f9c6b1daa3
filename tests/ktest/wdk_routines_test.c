/* tests/ktest/wdk_routines_test.c - the WDK routines issue 12 added to include/: Rtl memory,
 * Interlocked*, port and register access, in-stack queued spin locks, system/interrupt time,
 * KeNumberProcessors, ExQueryPoolBlockSize. Each is checked against its documented result. */
#include "include/wdm.h"
#include "kernel/ke/system_time.h"
#include "tests/ktest/irq_helpers.h"
#include "tests/ktest/ktest.h"

#define TEST_TAG IRQLAB_POOL_TAG("Wdkr")

/* ---- Rtl memory ---- */
static void rtl_memory_routines(struct ktest *t)
{
    UCHAR a[16], b[16];
    RtlFillMemory(a, sizeof(a), 0x5A);
    for (int i = 0; i < 16; i++)
        KTEST_EXPECT_EQ(t, a[i], 0x5A);
    RtlZeroMemory(b, sizeof(b));
    KTEST_EXPECT_EQ(t, RtlCompareMemory(a, b, sizeof(a)), 0);
    RtlCopyMemory(b, a, sizeof(a));
    KTEST_EXPECT_TRUE(t, RtlEqualMemory(a, b, sizeof(a)));
    b[9] = 0;
    KTEST_EXPECT_FALSE(t, RtlEqualMemory(a, b, sizeof(a)));
    KTEST_EXPECT_EQ(t, RtlCompareMemory(a, b, sizeof(a)), 9); /* bytes that match before the first difference */
    KTEST_EXPECT_EQ(t, RtlCompareMemory(a, b, 9), 9);
    for (int i = 0; i < 16; i++)
        a[i] = (UCHAR)i;
    RtlMoveMemory(a + 2, a, 8); /* overlapping: must behave as through a temporary */
    static const UCHAR expect[10] = {0, 1, 0, 1, 2, 3, 4, 5, 6, 7};
    KTEST_EXPECT_EQ(t, RtlCompareMemory(a, expect, sizeof(expect)), sizeof(expect));
}

/* ---- Interlocked ---- */
static void interlocked_return_values(struct ktest *t)
{
    volatile LONG v = 5;
    KTEST_EXPECT_EQ(t, InterlockedIncrement(&v), 6);
    KTEST_EXPECT_EQ(t, InterlockedDecrement(&v), 5);
    KTEST_EXPECT_EQ(t, InterlockedExchange(&v, 9), 5);
    KTEST_EXPECT_EQ(t, InterlockedCompareExchange(&v, 1, 8), 9); /* no swap */
    KTEST_EXPECT_EQ(t, v, 9);
    KTEST_EXPECT_EQ(t, InterlockedCompareExchange(&v, 1, 9), 9); /* swap */
    KTEST_EXPECT_EQ(t, v, 1);
    KTEST_EXPECT_EQ(t, InterlockedExchangeAdd(&v, 10), 1);
    KTEST_EXPECT_EQ(t, InterlockedAdd(&v, 10), 21);
    KTEST_EXPECT_EQ(t, InterlockedOr(&v, 0x100), 21);
    KTEST_EXPECT_EQ(t, InterlockedAnd(&v, 0x1F0), 0x115);
    KTEST_EXPECT_EQ(t, v, 0x110);
    KTEST_EXPECT_EQ(t, InterlockedXor(&v, 0x11), 0x110);
    KTEST_EXPECT_EQ(t, v, 0x101);
    volatile LONG m = 0;
    KTEST_EXPECT_EQ(t, InterlockedDecrement(&m), -1);

    volatile LONG64 q = 0x100000000ll;
    KTEST_EXPECT_EQ(t, InterlockedIncrement64(&q), 0x100000001ll);
    KTEST_EXPECT_EQ(t, InterlockedDecrement64(&q), 0x100000000ll);
    KTEST_EXPECT_EQ(t, InterlockedExchange64(&q, 7), 0x100000000ll);
    KTEST_EXPECT_EQ(t, InterlockedCompareExchange64(&q, 0x200000000ll, 7), 7);
    KTEST_EXPECT_EQ(t, InterlockedExchangeAdd64(&q, 1), 0x200000000ll);
    KTEST_EXPECT_EQ(t, InterlockedAdd64(&q, 1), 0x200000002ll);
    KTEST_EXPECT_EQ(t, InterlockedOr64(&q, 1), 0x200000002ll);
    KTEST_EXPECT_EQ(t, InterlockedAnd64(&q, 0x200000000ll), 0x200000003ll);
    KTEST_EXPECT_EQ(t, InterlockedXor64(&q, 0x200000000ll), 0x200000000ll);
    KTEST_EXPECT_EQ(t, q, 0);

    int x, y;
    PVOID volatile p = &x;
    KTEST_EXPECT_TRUE(t, InterlockedExchangePointer(&p, &y) == &x);
    KTEST_EXPECT_TRUE(t, InterlockedCompareExchangePointer(&p, NULL, &x) == &y); /* no swap */
    KTEST_EXPECT_TRUE(t, InterlockedCompareExchangePointer(&p, NULL, &y) == &y); /* swap */
    KTEST_EXPECT_NULL(t, p);
}

/* Every CPU increments one counter many times: no increment may be lost. */
#define INCREMENTS 20000
static volatile LONG shared_count;
static volatile LONG64 shared_count64;
static volatile uint64_t cpus_done;

static VOID increment_dpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    for (int i = 0; i < INCREMENTS; i++) {
        InterlockedIncrement(&shared_count);
        InterlockedExchangeAdd64(&shared_count64, 2);
    }
    __atomic_fetch_add(&cpus_done, 1, __ATOMIC_SEQ_CST);
}

static void interlocked_is_atomic_across_cpus(struct ktest *t)
{
    ULONG cpus = KeQueryActiveProcessorCountEx(0);
    if (cpus < 2)
        KTEST_SKIP(t, "needs 2 or more CPUs");
    static KDPC dpcs[MAXIMUM_PROCESSORS];
    shared_count = 0, shared_count64 = 0, cpus_done = 0;
    for (ULONG n = 0; n < cpus; n++) {
        KeInitializeDpc(&dpcs[n], increment_dpc, NULL);
        KeSetTargetProcessorDpc(&dpcs[n], (CHAR)n);
        KeInsertQueueDpc(&dpcs[n], NULL, NULL);
    }
    KTEST_ASSERT_TRUE(t, test_wait_for(&cpus_done, cpus, 60000));
    KTEST_EXPECT_EQ(t, shared_count, (LONG)(cpus * INCREMENTS));
    KTEST_EXPECT_EQ(t, shared_count64, (LONG64)cpus * INCREMENTS * 2);
}

/* ---- ports and registers ---- */
#define PCI_ADDRESS ((PULONG)(ULONG_PTR)0xCF8)
#define PCI_DATA ((PULONG)(ULONG_PTR)0xCFC)
#define CMOS_INDEX ((PUCHAR)(ULONG_PTR)0x70)
#define CMOS_DATA ((PUCHAR)(ULONG_PTR)0x71)
#define CMOS_SCRATCH 0x5F /* a byte of the RTC's NVRAM no firmware field uses in QEMU */

static void port_access_widths_and_buffers(struct ktest *t)
{
    /* Device 00:00.0 is the host bridge: Intel's vendor ID 0x8086 on both machines. */
    KIRQL old;
    KeRaiseIrql(HIGH_LEVEL, &old); /* no interrupt between selecting and reading */
    WRITE_PORT_ULONG(PCI_ADDRESS, 0x80000000u);
    ULONG id = READ_PORT_ULONG(PCI_DATA);
    USHORT vendor = READ_PORT_USHORT((PUSHORT)PCI_DATA);
    UCHAR low = READ_PORT_UCHAR((PUCHAR)PCI_DATA);
    ULONG ids[3] = {0};
    USHORT vendors[3] = {0};
    UCHAR lows[3] = {0};
    READ_PORT_BUFFER_ULONG(PCI_DATA, ids, 3); /* the same port three times */
    READ_PORT_BUFFER_USHORT((PUSHORT)PCI_DATA, vendors, 3);
    READ_PORT_BUFFER_UCHAR((PUCHAR)PCI_DATA, lows, 3);
    ULONG addresses[2] = {0x80000800u, 0x80000000u};
    WRITE_PORT_BUFFER_ULONG(PCI_ADDRESS, addresses, 2); /* the last one stays selected */
    ULONG selected = READ_PORT_ULONG(PCI_ADDRESS);
    /* CMOS: index then data; a 16-bit write to 0x70 writes the index (0x70) and data (0x71). */
    WRITE_PORT_UCHAR(CMOS_INDEX, CMOS_SCRATCH);
    UCHAR saved = READ_PORT_UCHAR(CMOS_DATA);
    WRITE_PORT_USHORT((PUSHORT)CMOS_INDEX, (USHORT)(0xA5 << 8 | CMOS_SCRATCH));
    WRITE_PORT_UCHAR(CMOS_INDEX, CMOS_SCRATCH);
    UCHAR after_ushort = READ_PORT_UCHAR(CMOS_DATA);
    UCHAR values[3] = {0x11, 0x22, 0x3C};
    WRITE_PORT_UCHAR(CMOS_INDEX, CMOS_SCRATCH);
    WRITE_PORT_BUFFER_UCHAR(CMOS_DATA, values, 3);
    WRITE_PORT_UCHAR(CMOS_INDEX, CMOS_SCRATCH);
    UCHAR after_buffer = READ_PORT_UCHAR(CMOS_DATA);
    WRITE_PORT_UCHAR(CMOS_INDEX, CMOS_SCRATCH);
    WRITE_PORT_UCHAR(CMOS_DATA, saved);
    KeLowerIrql(old);

    KTEST_EXPECT_EQ(t, id & 0xFFFF, 0x8086);
    KTEST_EXPECT_EQ(t, vendor, 0x8086);
    KTEST_EXPECT_EQ(t, low, 0x86);
    for (int i = 0; i < 3; i++) {
        KTEST_EXPECT_EQ(t, ids[i], id);
        KTEST_EXPECT_EQ(t, vendors[i], 0x8086);
        KTEST_EXPECT_EQ(t, lows[i], 0x86);
    }
    KTEST_EXPECT_EQ(t, selected, 0x80000000u);
    KTEST_EXPECT_EQ(t, after_ushort, 0xA5);
    KTEST_EXPECT_EQ(t, after_buffer, 0x3C);
}

static void register_access_widths_and_buffers(struct ktest *t)
{
    /* Registers are memory: exercise the widths and the buffer forms on pool memory. */
    volatile ULONG *regs = ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, TEST_TAG);
    KTEST_ASSERT_NOT_NULL(t, regs);
    WRITE_REGISTER_ULONG(&regs[0], 0x11223344u);
    KTEST_EXPECT_EQ(t, READ_REGISTER_ULONG(&regs[0]), 0x11223344u);
    KTEST_EXPECT_EQ(t, READ_REGISTER_USHORT((volatile USHORT *)&regs[0]), 0x3344); /* little endian */
    KTEST_EXPECT_EQ(t, READ_REGISTER_UCHAR((volatile UCHAR *)&regs[0] + 3), 0x11);
    WRITE_REGISTER_USHORT((volatile USHORT *)&regs[0], 0xBEEF);
    WRITE_REGISTER_UCHAR((volatile UCHAR *)&regs[0] + 3, 0x99);
    KTEST_EXPECT_EQ(t, READ_REGISTER_ULONG(&regs[0]), 0x9922BEEFu);

    ULONG out[4] = {1, 2, 3, 4}, in[4] = {0};
    WRITE_REGISTER_BUFFER_ULONG(&regs[4], out, 4); /* four consecutive registers */
    READ_REGISTER_BUFFER_ULONG(&regs[4], in, 4);
    for (int i = 0; i < 4; i++) {
        KTEST_EXPECT_EQ(t, regs[4 + i], (ULONG)(i + 1));
        KTEST_EXPECT_EQ(t, in[i], (ULONG)(i + 1));
    }
    USHORT ws[3] = {0xA1A1, 0xB2B2, 0xC3C3}, wr[3] = {0};
    WRITE_REGISTER_BUFFER_USHORT((volatile USHORT *)&regs[8], ws, 3);
    READ_REGISTER_BUFFER_USHORT((volatile USHORT *)&regs[8], wr, 3);
    UCHAR bs[5] = {1, 2, 3, 4, 5}, br[5] = {0};
    WRITE_REGISTER_BUFFER_UCHAR((volatile UCHAR *)&regs[12], bs, 5);
    READ_REGISTER_BUFFER_UCHAR((volatile UCHAR *)&regs[12], br, 5);
    KTEST_EXPECT_EQ(t, RtlCompareMemory(ws, wr, sizeof(ws)), sizeof(ws));
    KTEST_EXPECT_EQ(t, RtlCompareMemory(bs, br, sizeof(bs)), sizeof(bs));
    KTEST_EXPECT_EQ(t, ((volatile UCHAR *)&regs[12])[4], 5);
    ExFreePoolWithTag((PVOID)regs, TEST_TAG);
}

/* ---- in-stack queued spin locks ---- */
static void queued_lock_raises_and_restores(struct ktest *t)
{
    KSPIN_LOCK lock;
    KLOCK_QUEUE_HANDLE h;
    KeInitializeSpinLock(&lock);
    KeAcquireInStackQueuedSpinLock(&lock, &h);
    KTEST_EXPECT_EQ(t, KeGetCurrentIrql(), DISPATCH_LEVEL);
    KTEST_EXPECT_EQ(t, h.OldIrql, PASSIVE_LEVEL);
    KTEST_EXPECT_FALSE(t, KeTestSpinLock(&lock)); /* held: the word names the last queue entry */
    KTEST_EXPECT_EQ(t, lock, (KSPIN_LOCK)&h.LockQueue);
    KeReleaseInStackQueuedSpinLock(&h);
    KTEST_EXPECT_EQ(t, KeGetCurrentIrql(), PASSIVE_LEVEL);
    KTEST_EXPECT_EQ(t, lock, 0);

    KIRQL old = KeRaiseIrqlToDpcLevel();
    KeAcquireInStackQueuedSpinLockAtDpcLevel(&lock, &h);
    KTEST_EXPECT_EQ(t, KeGetCurrentIrql(), DISPATCH_LEVEL);
    KeReleaseInStackQueuedSpinLockFromDpcLevel(&h);
    KTEST_EXPECT_EQ(t, KeGetCurrentIrql(), DISPATCH_LEVEL);
    KTEST_EXPECT_EQ(t, lock, 0);
    KeLowerIrql(old);
}

/* FIFO: while this CPU holds the lock, CPU 1 queues, then CPU 2; they must get it in that order. */
static KSPIN_LOCK fifo_lock;
static volatile uint64_t fifo_order[3], fifo_next, fifo_done;
static volatile KSPIN_LOCK fifo_seen_tail[3];

static VOID fifo_waiter_dpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    KLOCK_QUEUE_HANDLE h;
    ULONG_PTR me = (ULONG_PTR)Context;
    fifo_seen_tail[me] = (KSPIN_LOCK)&h.LockQueue; /* the tail the lock word will show */
    KeAcquireInStackQueuedSpinLockAtDpcLevel(&fifo_lock, &h);
    fifo_order[__atomic_fetch_add(&fifo_next, 1, __ATOMIC_SEQ_CST)] = me;
    KeReleaseInStackQueuedSpinLockFromDpcLevel(&h);
    __atomic_fetch_add(&fifo_done, 1, __ATOMIC_SEQ_CST);
}

static bool wait_for_tail(volatile KSPIN_LOCK *lock, volatile KSPIN_LOCK *expected)
{
    for (uint64_t i = 0; i < 200000000ull; i++) { /* spin by count: no clock at DISPATCH_LEVEL needed */
        KSPIN_LOCK e = *expected;
        if (e && __atomic_load_n(lock, __ATOMIC_ACQUIRE) == e)
            return true;
        __asm__ volatile("pause");
    }
    return false;
}

static void queued_lock_is_fifo(struct ktest *t)
{
    ULONG cpus = KeQueryActiveProcessorCountEx(0);
    if (cpus < 3)
        KTEST_SKIP(t, "needs 3 or more CPUs");
    static KDPC d1, d2;
    KLOCK_QUEUE_HANDLE h;
    fifo_next = fifo_done = 0;
    fifo_seen_tail[1] = fifo_seen_tail[2] = 0;
    KeInitializeSpinLock(&fifo_lock);
    KeInitializeDpc(&d1, fifo_waiter_dpc, (PVOID)1);
    KeInitializeDpc(&d2, fifo_waiter_dpc, (PVOID)2);
    KeSetTargetProcessorDpc(&d1, 1);
    KeSetTargetProcessorDpc(&d2, 2);
    KeAcquireInStackQueuedSpinLock(&fifo_lock, &h);
    fifo_order[__atomic_fetch_add(&fifo_next, 1, __ATOMIC_SEQ_CST)] = 0;
    KeInsertQueueDpc(&d1, NULL, NULL);
    bool first_queued = wait_for_tail(&fifo_lock, &fifo_seen_tail[1]);
    KeInsertQueueDpc(&d2, NULL, NULL);
    bool second_queued = wait_for_tail(&fifo_lock, &fifo_seen_tail[2]);
    KeReleaseInStackQueuedSpinLock(&h);
    KTEST_EXPECT_TRUE(t, first_queued);
    KTEST_EXPECT_TRUE(t, second_queued);
    KTEST_ASSERT_TRUE(t, test_wait_for(&fifo_done, 2, 60000));
    KTEST_EXPECT_EQ(t, fifo_order[0], 0);
    KTEST_EXPECT_EQ(t, fifo_order[1], 1);
    KTEST_EXPECT_EQ(t, fifo_order[2], 2);
    KTEST_EXPECT_EQ(t, fifo_lock, 0);
}

/* Mutual exclusion under contention: a non-atomic read-modify-write inside the lock. */
static KSPIN_LOCK counter_lock;
static volatile uint64_t locked_counter;

/* Few rounds: under TCG each hand-over may wait for the host to schedule the next vCPU. */
#define LOCKED_INCREMENTS 300

static VOID locked_increment_dpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    for (int i = 0; i < LOCKED_INCREMENTS; i++) {
        KLOCK_QUEUE_HANDLE h;
        KeAcquireInStackQueuedSpinLockAtDpcLevel(&counter_lock, &h);
        uint64_t v = locked_counter;
        __asm__ volatile("pause"); /* widen the window a lost update would need */
        locked_counter = v + 1;
        KeReleaseInStackQueuedSpinLockFromDpcLevel(&h);
    }
    __atomic_fetch_add(&cpus_done, 1, __ATOMIC_SEQ_CST);
}

static void queued_lock_excludes_across_cpus(struct ktest *t)
{
    ULONG cpus = KeQueryActiveProcessorCountEx(0);
    if (cpus < 2)
        KTEST_SKIP(t, "needs 2 or more CPUs");
    static KDPC dpcs[MAXIMUM_PROCESSORS];
    KeInitializeSpinLock(&counter_lock);
    locked_counter = 0, cpus_done = 0;
    for (ULONG n = 0; n < cpus; n++) {
        KeInitializeDpc(&dpcs[n], locked_increment_dpc, NULL);
        KeSetTargetProcessorDpc(&dpcs[n], (CHAR)n);
        KeInsertQueueDpc(&dpcs[n], NULL, NULL);
    }
    KTEST_ASSERT_TRUE(t, test_wait_for(&cpus_done, cpus, 60000));
    KTEST_EXPECT_EQ(t, locked_counter, (uint64_t)cpus * LOCKED_INCREMENTS);
    KTEST_EXPECT_EQ(t, counter_lock, 0);
}

/* ---- time, processors, pool ---- */
static void system_and_interrupt_time(struct ktest *t)
{
    /* 2020-01-01 00:00 UTC in 100-ns units since 1601, and the 1601 epoch itself. */
    KTEST_EXPECT_EQ(t, system_time_from_rtc(2020, 1, 1, 0, 0, 0), 132223104000000000ull);
    KTEST_EXPECT_EQ(t, system_time_from_rtc(1601, 1, 1, 0, 0, 0), 0);
    KTEST_EXPECT_EQ(t, system_time_from_rtc(2000, 3, 1, 12, 30, 15) - system_time_from_rtc(2000, 2, 28, 12, 30, 15),
                    2ull * 86400 * 10000000); /* 2000 was a leap year */

    ULONG increment = KeQueryTimeIncrement();
    LARGE_INTEGER coarse, precise;
    KeQuerySystemTime(&coarse);
    KeQuerySystemTimePrecise(&precise);
    KTEST_EXPECT_GT(t, coarse.QuadPart, (LONGLONG)132223104000000000ll); /* QEMU's RTC is the host's date */
    KTEST_EXPECT_EQ(t, coarse.QuadPart % increment, 0);                  /* advances a tick at a time */
    KTEST_EXPECT_GE(t, precise.QuadPart, coarse.QuadPart);

    ULONG64 i1 = KeQueryInterruptTime(), qpc = 0;
    ULONG64 i2 = KeQueryInterruptTimePrecise(&qpc);
    KTEST_EXPECT_EQ(t, i1 % increment, 0);
    KTEST_EXPECT_GE(t, i2, i1);
    KTEST_EXPECT_GT(t, qpc, 0);
    /* Interrupt time is the performance counter in 100-ns units: compare two guest clocks. */
    LARGE_INTEGER hz;
    LONGLONG c1 = KeQueryPerformanceCounter(&hz).QuadPart;
    ULONG64 t1 = KeQueryInterruptTimePrecise(NULL);
    KeStallExecutionProcessor(20000);
    ULONG64 t2 = KeQueryInterruptTimePrecise(NULL);
    LONGLONG c2 = KeQueryPerformanceCounter(NULL).QuadPart;
    ULONG64 counted = (ULONG64)(c2 - c1) * 10000000ull / (ULONG64)hz.QuadPart;
    KTEST_EXPECT_GE(t, t2 - t1, 200000); /* the 20 ms stall at least */
    KTEST_EXPECT_LE(t, t2 - t1, counted + 1);
}

static void processor_count_and_pool_size(struct ktest *t)
{
    KTEST_EXPECT_EQ(t, (ULONG)KeNumberProcessors, KeQueryActiveProcessorCountEx(0));
    BOOLEAN quota = TRUE;
    PVOID p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 100, TEST_TAG);
    KTEST_ASSERT_NOT_NULL(t, p);
    KTEST_EXPECT_EQ(t, ExQueryPoolBlockSize(p, &quota), 100);
    KTEST_EXPECT_FALSE(t, quota);
    ExFreePoolWithTag(p, TEST_TAG);
    p = ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_CACHE_ALIGNED, 1, TEST_TAG);
    KTEST_ASSERT_NOT_NULL(t, p);
    KTEST_EXPECT_EQ(t, ExQueryPoolBlockSize(p, NULL), 1);
    ExFreePoolWithTag(p, TEST_TAG);
}

static void bugcodes_are_public(struct ktest *t)
{
    /* include/bugcodes.h through wdm.h: the numbers of the Bug Check Code Reference. */
    KTEST_EXPECT_EQ(t, IRQL_NOT_GREATER_OR_EQUAL, 0x9);
    KTEST_EXPECT_EQ(t, IRQL_NOT_LESS_OR_EQUAL, 0xA);
    KTEST_EXPECT_EQ(t, DRIVER_IRQL_NOT_LESS_OR_EQUAL, 0xD1);
    KTEST_EXPECT_EQ(t, BUGCODE_NDIS_DRIVER, 0x7C);
    KTEST_EXPECT_EQ(t, MANUALLY_INITIATED_CRASH, 0xE2);
}

KTEST_SUITE(wdk_routines, KTEST_CASE(rtl_memory_routines), KTEST_CASE(interlocked_return_values),
            KTEST_CASE(interlocked_is_atomic_across_cpus), KTEST_CASE(port_access_widths_and_buffers),
            KTEST_CASE(register_access_widths_and_buffers), KTEST_CASE(queued_lock_raises_and_restores),
            KTEST_CASE(queued_lock_is_fifo), KTEST_CASE(queued_lock_excludes_across_cpus),
            KTEST_CASE(system_and_interrupt_time), KTEST_CASE(processor_count_and_pool_size),
            KTEST_CASE(bugcodes_are_public));
