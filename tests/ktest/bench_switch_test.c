/* tests/ktest/bench_switch_test.c - what a thread switch costs (manual suite `bench_switch`).
 *
 * Two threads on one CPU hand the CPU back and forth through two synchronization events: each
 * round is KeSetEvent (readying the other, higher-priority waiter) + KeWaitForSingleObject
 * (switching to it) on both sides, i.e. two context switches. Run it under `-icount shift=0`
 * (make check-ktest GLOB=bench_switch QEMU_EXTRA='-icount shift=0') to turn TSC ticks into
 * deterministic instruction counts. Timing is reported, never asserted. */
#include "arch/x86_64/cpu.h"
#include "include/wdm.h"
#include "kernel/ke/thread.h"
#include "kernel/ke/time.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/thread_helpers.h"

#define ROUNDS 2000

static KEVENT ping, pong;

static VOID partner(PVOID context)
{
    for (int i = 0; i < ROUNDS; i++) {
        KeWaitForSingleObject(&ping, Executive, KernelMode, FALSE, NULL);
        KeSetEvent(&pong, 0, FALSE);
    }
}

static void ping_pong(struct ktest *t)
{
    KAFFINITY here = th_pin_here();
    KeInitializeEvent(&ping, SynchronizationEvent, FALSE);
    KeInitializeEvent(&pong, SynchronizationEvent, FALSE);
    PKTHREAD other = th_start(partner, NULL, 9, here); /* higher: runs as soon as it is ready */
    KTEST_ASSERT_NOT_NULL(t, other);
    uint64_t switches_before = ke_this_sched()->context_switches;
    uint64_t start = rdtsc();
    for (int i = 0; i < ROUNDS; i++) {
        KeSetEvent(&ping, 0, FALSE); /* switches to the partner inside this call */
        KeWaitForSingleObject(&pong, Executive, KernelMode, FALSE, NULL);
    }
    uint64_t ticks = rdtsc() - start;
    uint64_t switches = ke_this_sched()->context_switches - switches_before;
    KTEST_EXPECT_TRUE(t, th_join(other, 10));
    th_unpin();
    ktest_log(t, "bench_switch: TSC %lu MHz, %d rounds, %lu switches", (unsigned long)(time_tsc_frequency() / 1000000),
              ROUNDS, (unsigned long)switches);
    ktest_log(t, "bench_switch: %lu TSC ticks per switch (KeSetEvent + wait + switch, halved round trip)",
              (unsigned long)(switches ? ticks / switches : 0));
    KTEST_EXPECT_GE(t, switches, 2 * ROUNDS);
    ktest_log(t, "bench-figure context_switch %lu set_and_wait", (unsigned long)(switches ? ticks / switches : 0));
}

/* The baseline: the same two calls on an event nobody else waits for - KeSetEvent signals it,
 * the wait is satisfied at once (a synchronization event resets), no thread switch. */
static void set_and_wait(struct ktest *t)
{
    static KEVENT alone;
    KeInitializeEvent(&alone, SynchronizationEvent, FALSE);
    uint64_t ticks = 0;
    for (int pass = 0; pass < 2; pass++) { /* the first pass warms up */
        uint64_t start = rdtsc();
        for (int i = 0; i < ROUNDS; i++) {
            KeSetEvent(&alone, 0, FALSE);
            KeWaitForSingleObject(&alone, Executive, KernelMode, FALSE, NULL);
        }
        ticks = (rdtsc() - start) / ROUNDS;
    }
    ktest_log(t, "bench-figure set_and_wait %lu set_and_wait", (unsigned long)ticks);
}

KTEST_MANUAL_SUITE(bench_switch, KTEST_CASE(set_and_wait), KTEST_CASE(ping_pong));
