/* tests/ktest/bench_sched_test.c - what the path from an interrupt to a thread costs, and how
 * many context switches a second irqlab makes (manual suite `bench_sched`; docs/scheduling.md
 * "Figures").
 *
 *   interrupt_to_thread  a self-IPI -> ISR (queues a DPC) -> DPC (KeSetEvent) -> the waiting
 *                        priority-9 thread running again, on the same CPU: TSC ticks from just
 *                        before the IPI to the thread's first instruction after its wait.
 *   switch_rate          on every CPU a pair of threads hands the CPU back and forth through two
 *                        synchronization events; switches counted by the scheduler, divided by
 *                        the guest time (TSC) they took.
 *
 * Under `-icount shift=0` (make check-ktest GLOB=bench_sched QEMU_EXTRA='-icount shift=0') one TSC
 * tick is one guest instruction: deterministic counts. Under plain TCG the TSC follows the host
 * clock: switch_rate is then "switches per second of a TCG guest on this host". Reported, never
 * asserted (only that every round trip happened).
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "include/wdm.h"
#include "kernel/ke/thread.h"
#include "kernel/ke/time.h"
#include "tests/ktest/irq_helpers.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/thread_helpers.h"

#define WAKE_ROUNDS 1000
#define PAIR_ROUNDS 3000

static KEVENT wake;
static KDPC wake_dpc;
static volatile uint64_t sent_at, total_ticks, wakes;
static volatile bool wake_stop;

static BOOLEAN wake_isr(PKINTERRUPT interrupt, PVOID context)
{
    KeInsertQueueDpc(&wake_dpc, NULL, NULL);
    return TRUE;
}

static VOID wake_dpc_routine(PKDPC dpc, PVOID context, PVOID a1, PVOID a2) { KeSetEvent(&wake, 0, FALSE); }

static VOID waiter(PVOID context)
{
    for (;;) {
        KeWaitForSingleObject(&wake, Executive, KernelMode, FALSE, NULL);
        uint64_t now = rdtsc();
        if (wake_stop)
            return;
        total_ticks += now - sent_at;
        wakes++;
    }
}

static void interrupt_to_thread(struct ktest *t)
{
    static KINTERRUPT obj;
    KAFFINITY here = th_pin_here();
    int vector = test_vector_alloc(0);
    KTEST_ASSERT_GE(t, vector, 0x30);
    KTEST_ASSERT_EQ(t, test_connect(&obj, vector, wake_isr, NULL, Latched, FALSE), KE_CONNECT_OK);
    KeInitializeEvent(&wake, SynchronizationEvent, FALSE);
    KeInitializeDpc(&wake_dpc, wake_dpc_routine, NULL);
    wake_stop = false;
    PKTHREAD w = th_start(waiter, NULL, 9, here); /* above us: runs to its wait at once */
    KTEST_ASSERT_NOT_NULL(t, w);
    for (int warm = 0; warm < 2; warm++) { /* the first pass lets TCG translate every path */
        total_ticks = 0;
        wakes = 0;
        for (int i = 0; i < WAKE_ROUNDS; i++) {
            sent_at = rdtsc();
            lapic_send_ipi_self((uint8_t)vector); /* ISR, DPC, switch to the waiter, back to us */
            __asm__ volatile("nop" ::: "memory");
        }
    }
    uint64_t ticks = wakes ? total_ticks / wakes : 0;
    wake_stop = true;
    KeSetEvent(&wake, 0, FALSE);
    KTEST_EXPECT_TRUE(t, th_join(w, 10));
    ke_interrupt_disconnect(&obj);
    test_vector_free(vector);
    th_unpin();
    ktest_log(t,
              "bench_sched: TSC %lu MHz; interrupt -> ISR -> DPC -> KeSetEvent -> waiting thread running: "
              "%lu TSC ticks (%lu wakes)",
              (unsigned long)(time_tsc_frequency() / 1000000), (unsigned long)ticks, (unsigned long)wakes);
    KTEST_EXPECT_EQ(t, wakes, WAKE_ROUNDS);
    ktest_log(t, "bench-figure interrupt_to_thread %lu floor", (unsigned long)ticks);
}

struct pair {
    KEVENT ping, pong;
    volatile bool done;
};
static struct pair pairs[KE_MAX_CPUS];

static VOID pair_partner(PVOID context)
{
    struct pair *p = context;
    for (int i = 0; i < PAIR_ROUNDS; i++) {
        KeWaitForSingleObject(&p->ping, Executive, KernelMode, FALSE, NULL);
        KeSetEvent(&p->pong, 0, FALSE);
    }
}

static VOID pair_leader(PVOID context)
{
    struct pair *p = context;
    for (int i = 0; i < PAIR_ROUNDS; i++) {
        KeSetEvent(&p->ping, 0, FALSE);
        KeWaitForSingleObject(&p->pong, Executive, KernelMode, FALSE, NULL);
    }
    __atomic_store_n(&p->done, true, __ATOMIC_RELEASE);
}

static uint64_t all_switches(void)
{
    uint64_t n = 0;
    for (unsigned c = 0; c < KE_MAX_CPUS; c++)
        n += __atomic_load_n(&ke_sched_cpus[c].context_switches, __ATOMIC_RELAXED);
    return n;
}

static void switch_rate(struct ktest *t)
{
    unsigned cpus = (unsigned)KeNumberProcessors;
    PKTHREAD threads[2 * KE_MAX_CPUS] = {0};
    KPRIORITY old = KeSetPriorityThread(KeGetCurrentThread(), 15); /* start them all, then watch */
    uint64_t switches = all_switches(), start = rdtsc();
    for (unsigned c = 0; c < cpus; c++) {
        KeInitializeEvent(&pairs[c].ping, SynchronizationEvent, FALSE);
        KeInitializeEvent(&pairs[c].pong, SynchronizationEvent, FALSE);
        pairs[c].done = false;
        threads[2 * c] = th_start(pair_partner, &pairs[c], 9, (KAFFINITY)1 << c);
        threads[2 * c + 1] = th_start(pair_leader, &pairs[c], 8, (KAFFINITY)1 << c);
    }
    KeSetPriorityThread(KeGetCurrentThread(), old);
    for (unsigned c = 0; c < cpus; c++)
        while (!__atomic_load_n(&pairs[c].done, __ATOMIC_ACQUIRE))
            KeDelayExecutionThread(KernelMode, FALSE, &(LARGE_INTEGER){.QuadPart = -10000});
    uint64_t ticks = rdtsc() - start;
    switches = all_switches() - switches;
    for (unsigned i = 0; i < 2 * cpus; i++)
        KTEST_EXPECT_TRUE(t, th_join(threads[i], 30));
    uint64_t hz = time_tsc_frequency();
    uint64_t per_second = ticks ? switches * hz / ticks : 0;
    ktest_log(t,
              "bench_sched: %u CPUs, %lu switches in %lu TSC ticks: %lu switches/s of guest time, "
              "%lu per CPU",
              cpus, (unsigned long)switches, (unsigned long)ticks, (unsigned long)per_second,
              (unsigned long)(per_second / cpus));
    KTEST_EXPECT_GE(t, switches, (uint64_t)2 * PAIR_ROUNDS * cpus);
    ktest_log(t, "bench-figure switches_per_second_%ucpu %lu switches_per_second_%ucpu", cpus,
              (unsigned long)per_second, cpus);
}

KTEST_MANUAL_SUITE(bench_sched, KTEST_CASE(interrupt_to_thread), KTEST_CASE(switch_rate));
