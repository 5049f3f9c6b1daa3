/* tests/ktest/irql_test.c - IRQL is CR8; raising and lowering follow Windows' rules.
 * The two rule-breaking calls end the kernel, so they live in the manual suite `irql_crash`
 * and tests/e2e/test_bugcheck.py checks their stop codes. */
#include "arch/x86_64/cpu.h"
#include "include/wdm.h"
#include "tests/ktest/ktest.h"

static void starts_at_passive(struct ktest *t)
{
    KTEST_EXPECT_EQ(t, KeGetCurrentIrql(), PASSIVE_LEVEL);
    KTEST_EXPECT_EQ(t, read_cr8(), 0);
}

static void raise_and_lower_every_level(struct ktest *t)
{
    for (KIRQL level = PASSIVE_LEVEL; level <= HIGH_LEVEL; level++) {
        KIRQL old;
        KeRaiseIrql(level, &old);
        KTEST_EXPECT_EQ(t, old, PASSIVE_LEVEL);
        KTEST_EXPECT_EQ(t, KeGetCurrentIrql(), level);
        KTEST_EXPECT_EQ(t, read_cr8(), level); /* the IRQL really is the task-priority class */
        KeLowerIrql(old);
        KTEST_EXPECT_EQ(t, KeGetCurrentIrql(), PASSIVE_LEVEL);
    }
}

static void nested_raises_return_previous(struct ktest *t)
{
    KIRQL a, b, c;
    KeRaiseIrql(APC_LEVEL, &a);
    KeRaiseIrql(DISPATCH_LEVEL, &b);
    c = KeRaiseIrqlToDpcLevel(); /* raising to the same level is allowed */
    KTEST_EXPECT_EQ(t, a, PASSIVE_LEVEL);
    KTEST_EXPECT_EQ(t, b, APC_LEVEL);
    KTEST_EXPECT_EQ(t, c, DISPATCH_LEVEL);
    KeLowerIrql(c);
    KeLowerIrql(b);
    KTEST_EXPECT_EQ(t, KeGetCurrentIrql(), APC_LEVEL);
    KeLowerIrql(a);
    KTEST_EXPECT_EQ(t, KeGetCurrentIrql(), PASSIVE_LEVEL);
}

static void spin_lock_raises_to_dispatch(struct ktest *t)
{
    KSPIN_LOCK lock;
    KIRQL old;
    KeInitializeSpinLock(&lock);
    KTEST_EXPECT_TRUE(t, KeTestSpinLock(&lock));
    KeAcquireSpinLock(&lock, &old);
    KTEST_EXPECT_EQ(t, KeGetCurrentIrql(), DISPATCH_LEVEL);
    KTEST_EXPECT_FALSE(t, KeTestSpinLock(&lock));
    KTEST_EXPECT_FALSE(t, KeTryToAcquireSpinLockAtDpcLevel(&lock));
    KeReleaseSpinLock(&lock, old);
    KTEST_EXPECT_EQ(t, KeGetCurrentIrql(), PASSIVE_LEVEL);
    KTEST_EXPECT_TRUE(t, KeTestSpinLock(&lock));
}

static void interrupts_blocked_at_high_level(struct ktest *t)
{
    /* At HIGH_LEVEL the clock (CLOCK_LEVEL) cannot interrupt even with IF set. */
    KTEST_ASSERT_TRUE(t, interrupts_enabled());
    LARGE_INTEGER before, after;
    KIRQL old;
    KeRaiseIrql(HIGH_LEVEL, &old);
    KeQueryTickCount(&before);
    KeStallExecutionProcessor(50000); /* 5 clock periods */
    KeQueryTickCount(&after);
    KeLowerIrql(old);
    KTEST_EXPECT_EQ(t, after.QuadPart, before.QuadPart);
    /* ... and ticks resume once lowered (waited for, bounded: a loaded host may be slow to tick) */
    for (int i = 0; i < 100000 && after.QuadPart == before.QuadPart; i++) {
        KeStallExecutionProcessor(100);
        KeQueryTickCount(&after);
    }
    KTEST_EXPECT_GT(t, after.QuadPart, before.QuadPart);
}

KTEST_SUITE(irql, KTEST_CASE(starts_at_passive), KTEST_CASE(raise_and_lower_every_level),
            KTEST_CASE(nested_raises_return_previous), KTEST_CASE(spin_lock_raises_to_dispatch),
            KTEST_CASE(interrupts_blocked_at_high_level));

/* ---- rule violations: each ends the kernel with the stop code Windows uses ---- */

__attribute__((noinline)) static void irql_raise_to_lower(struct ktest *t)
{
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    KeRaiseIrql(PASSIVE_LEVEL, &old); /* 0x9 IRQL_NOT_GREATER_OR_EQUAL */
    ktest_fail(t, __FILE__, __LINE__, "KeRaiseIrql to a lower IRQL returned");
}

__attribute__((noinline)) static void irql_lower_to_higher(struct ktest *t)
{
    KeLowerIrql(DISPATCH_LEVEL); /* at PASSIVE_LEVEL: 0xA IRQL_NOT_LESS_OR_EQUAL */
    ktest_fail(t, __FILE__, __LINE__, "KeLowerIrql to a higher IRQL returned");
}

__attribute__((noinline)) static void spin_lock_twice(struct ktest *t)
{
    KSPIN_LOCK lock;
    KIRQL old;
    KeInitializeSpinLock(&lock);
    KeAcquireSpinLock(&lock, &old);
    KeAcquireSpinLockAtDpcLevel(&lock); /* 0xF SPIN_LOCK_ALREADY_OWNED: a certain deadlock */
    ktest_fail(t, __FILE__, __LINE__, "acquiring an owned spin lock returned");
}

__attribute__((noinline)) static void flush_dpcs_at_dispatch(struct ktest *t)
{
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    KeFlushQueuedDpcs(); /* PASSIVE_LEVEL only: 0xA naming KeFlushQueuedDpcs */
    ktest_fail(t, __FILE__, __LINE__, "KeFlushQueuedDpcs at DISPATCH_LEVEL returned");
}

KTEST_MANUAL_SUITE(irql_crash, KTEST_CASE(irql_raise_to_lower), KTEST_CASE(irql_lower_to_higher),
                   KTEST_CASE(spin_lock_twice), KTEST_CASE(flush_dpcs_at_dispatch));
