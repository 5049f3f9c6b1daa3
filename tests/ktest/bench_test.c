/* tests/ktest/bench_test.c - what irqlab's interrupt path and its primitives cost (manual suite
 * `bench`; `make bench` runs it, docs/performance.md explains every figure).
 *
 * Every case prints its figures as `bench-figure <name> <TSC ticks> <baseline name>` lines that
 * scripts/bench.py collects. Under `-icount shift=0,sleep=off` one TSC tick is one guest
 * instruction: the figures are deterministic instruction counts, the same on every host. Each
 * figure is an average over ROUNDS after a warm-up pass (TCG translates each path once).
 *
 *   floor (case floor_stub)  a self-IPI to tests/ktest/bench_stub.asm (save scratch registers, EOI,
 *                            iretq) and back: what any interrupt costs on this CPU model
 *   dispatch_*               the same self-IPI through irqlab's whole path (stub, trap frame,
 *                            ke_dispatch_interrupt, chain walk, an empty ISR, EOI, statistics), the
 *                            interrupt object built as each IoConnectInterruptEx version builds it:
 *                            FULLY_SPECIFIED (Latched, ServiceRoutine), LINE_BASED (LevelSensitive,
 *                            shareable), MESSAGE_BASED (MessageServiceRoutine, message 0)
 *   dispatch_trace_on        FULLY_SPECIFIED with the trace recording (kernel/ke/trace.h)
 *   chain_N                  a LevelSensitive chain of N sharers where only the last one claims
 *   ipi_self                 a self-IPI on the IPI vector (0xE1) with no request: the kernel's own
 *                            per-processor object (kernel/ke/ipi.c), no chain lock (issue 15 item 6)
 *   isr_to_dpc               from the ISR's first instruction to its DPC routine's first
 *   call                     an empty out-of-line function call: the baseline of the primitives
 *   synchronize_execution    KeSynchronizeExecution with an empty routine, there and back
 *   raise_lower              KeRaiseIrql(DISPATCH_LEVEL) + KeLowerIrql
 *   spin_lock_pair           KeAcquireSpinLock + KeReleaseSpinLock, uncontended
 * Timing is reported, never asserted; only that every interrupt arrived. */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/lapic.h"
#include "include/wdm.h"
#include "kernel/ke/kprcb.h"
#include "kernel/ke/time.h"
#include "kernel/ke/vectors.h"
#include "kernel/ke/trace.h"
#include "kernel/lib/format.h"
#include "tests/ktest/irq_helpers.h"
#include "tests/ktest/ktest.h"

#define ROUNDS 2000
#define MAX_SHARERS 8

extern void bench_bare_stub(void);

static void figure(struct ktest *t, const char *name, uint64_t ticks, const char *baseline)
{
    ktest_log(t, "bench-figure %s %lu %s", name, (unsigned long)ticks, baseline);
}

static BOOLEAN empty_isr(PKINTERRUPT interrupt, PVOID context) { return TRUE; }
static BOOLEAN declining_isr(PKINTERRUPT interrupt, PVOID context) { return FALSE; }
static BOOLEAN empty_message_isr(PKINTERRUPT interrupt, PVOID context, ULONG message) { return TRUE; }

/* Average TSC ticks for "send a self-IPI on `vector` and come back from its handler". */
static uint64_t round_trip_ticks(int vector)
{
    uint64_t total = 0;
    for (int i = 0; i < ROUNDS; i++) {
        uint64_t start = rdtsc();
        lapic_send_ipi_self((uint8_t)vector);
        __asm__ volatile("nop" ::: "memory"); /* the interrupt is taken here, before rdtsc */
        total += rdtsc() - start;
    }
    return total / ROUNDS;
}

static uint64_t warm_round_trip(int vector)
{
    round_trip_ticks(vector); /* warm up: TCG translates each code path once */
    return round_trip_ticks(vector);
}

static void floor_stub(struct ktest *t)
{
    int bare = test_vector_alloc(0);
    KTEST_ASSERT_GE(t, bare, 0x30);
    uint64_t old = idt_replace_handler((unsigned)bare, (uint64_t)(uintptr_t)bench_bare_stub);
    uint64_t ticks = warm_round_trip(bare);
    idt_replace_handler((unsigned)bare, old);
    test_vector_free(bare);
    ktest_log(t, "bench: TSC %lu MHz, %d rounds each", (unsigned long)(time_tsc_frequency() / 1000000), ROUNDS);
    figure(t, "floor", ticks, "floor");
}

enum style { FULLY_SPECIFIED, LINE_BASED, MESSAGE_BASED };

/* One object of `style` on a fresh vector; the round trip through the whole dispatcher. */
static void dispatch_one(struct ktest *t, enum style style, const char *name, bool traced)
{
    static KINTERRUPT obj;
    int vector = test_vector_alloc(0);
    KTEST_ASSERT_GE(t, vector, 0x30);
    KIRQL irql = (KIRQL)(vector >> 4);
    ke_interrupt_init(&obj, style == MESSAGE_BASED ? NULL : empty_isr,
                      style == MESSAGE_BASED ? empty_message_isr : NULL, 0, NULL, NULL, (ULONG)vector, irql, irql,
                      style == LINE_BASED ? LevelSensitive : Latched, style == LINE_BASED, KeQueryActiveProcessors(),
                      "bench");
    KTEST_ASSERT_EQ(t, ke_interrupt_connect(&obj), KE_CONNECT_OK);
    bool was_on = trace_on;
    if (traced)
        trace_start();
    uint64_t ticks = warm_round_trip(vector);
    if (traced && !was_on)
        trace_stop();
    ke_interrupt_disconnect(&obj);
    test_vector_free(vector);
    figure(t, name, ticks, "floor");
    KTEST_EXPECT_EQ(t, obj.ServiceCount[KeGetCurrentProcessorNumber()], 2 * ROUNDS);
}

static void ipi_self(struct ktest *t)
{
    uint64_t before = ke_current_prcb()->vector_claimed[KE_VECTOR_IPI];
    uint64_t ticks = warm_round_trip(KE_VECTOR_IPI);
    figure(t, "ipi_self", ticks, "floor");
    KTEST_EXPECT_EQ(t, ke_current_prcb()->vector_claimed[KE_VECTOR_IPI] - before, 2 * ROUNDS);
}

static void dispatch_fully_specified(struct ktest *t)
{
    dispatch_one(t, FULLY_SPECIFIED, "dispatch_fully_specified", false);
}
static void dispatch_line_based(struct ktest *t) { dispatch_one(t, LINE_BASED, "dispatch_line_based", false); }
static void dispatch_message_based(struct ktest *t) { dispatch_one(t, MESSAGE_BASED, "dispatch_message_based", false); }
static void dispatch_trace_on(struct ktest *t) { dispatch_one(t, FULLY_SPECIFIED, "dispatch_trace_on", true); }

static void shared_chain(struct ktest *t)
{
    static KINTERRUPT objs[MAX_SHARERS];
    static const unsigned sizes[] = {1, 2, 4, 8};
    for (unsigned s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        unsigned n = sizes[s];
        int vector = test_vector_alloc(0);
        KTEST_ASSERT_GE(t, vector, 0x30);
        /* Connected in order: the walk calls the decliners first, the claimer last. Each object
         * has its own context, so none is a duplicate of another (interrupt.h). */
        for (unsigned i = 0; i < n; i++)
            KTEST_ASSERT_EQ(
                t,
                test_connect(&objs[i], vector, i + 1 < n ? declining_isr : empty_isr, &objs[i], LevelSensitive, TRUE),
                KE_CONNECT_OK);
        uint64_t ticks = warm_round_trip(vector);
        for (unsigned i = 0; i < n; i++)
            ke_interrupt_disconnect(&objs[i]);
        test_vector_free(vector);
        char name[16];
        ksnprintf(name, sizeof(name), "chain_%u", n);
        figure(t, name, ticks, "chain_1");
        KTEST_EXPECT_EQ(t, objs[n - 1].ServiceCount[KeGetCurrentProcessorNumber()], 2 * ROUNDS);
    }
}

static KDPC latency_dpc;
static volatile uint64_t isr_at, dpc_total, dpc_runs;

static VOID latency_dpc_routine(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    uint64_t now = rdtsc();
    dpc_total += now - isr_at;
    dpc_runs++;
}

static BOOLEAN latency_isr(PKINTERRUPT interrupt, PVOID context)
{
    isr_at = rdtsc();
    KeInsertQueueDpc(&latency_dpc, NULL, NULL);
    return TRUE;
}

static void isr_to_dpc(struct ktest *t)
{
    static KINTERRUPT obj;
    int vector = test_vector_alloc(0);
    KTEST_ASSERT_GE(t, vector, 0x30);
    KeInitializeDpc(&latency_dpc, latency_dpc_routine, NULL);
    KTEST_ASSERT_EQ(t, test_connect(&obj, vector, latency_isr, NULL, Latched, FALSE), KE_CONNECT_OK);
    for (int pass = 0; pass < 2; pass++) { /* the first pass warms up */
        dpc_total = dpc_runs = 0;
        round_trip_ticks(vector);
    }
    ke_interrupt_disconnect(&obj);
    test_vector_free(vector);
    KTEST_EXPECT_EQ(t, dpc_runs, (uint64_t)ROUNDS);
    figure(t, "isr_to_dpc", dpc_runs ? dpc_total / dpc_runs : 0, "floor");
}

__attribute__((noinline)) static void empty_call(void) { __asm__ volatile("" ::: "memory"); }
static BOOLEAN empty_sync(PVOID context) { return TRUE; }

/* Ticks per iteration of `body`, measured twice (the first warms up). */
#define PER_ROUND(result, body)                                                                                        \
    do {                                                                                                               \
        for (int pass_ = 0; pass_ < 2; pass_++) {                                                                      \
            uint64_t start_ = rdtsc();                                                                                 \
            for (int i_ = 0; i_ < ROUNDS; i_++) {                                                                      \
                body;                                                                                                  \
            }                                                                                                          \
            (result) = (rdtsc() - start_) / ROUNDS;                                                                    \
        }                                                                                                              \
    } while (0)

static void primitives(struct ktest *t)
{
    static KINTERRUPT obj;
    static KSPIN_LOCK lock;
    uint64_t call = 0, sync = 0, raise_lower = 0, spin = 0;
    int vector = test_vector_alloc(0);
    KTEST_ASSERT_GE(t, vector, 0x30);
    KTEST_ASSERT_EQ(t, test_connect(&obj, vector, empty_isr, NULL, Latched, FALSE), KE_CONNECT_OK);
    KeInitializeSpinLock(&lock);
    PER_ROUND(call, empty_call());
    PER_ROUND(sync, KeSynchronizeExecution(&obj, empty_sync, NULL));
    PER_ROUND(raise_lower, {
        KIRQL old;
        KeRaiseIrql(DISPATCH_LEVEL, &old);
        KeLowerIrql(old);
    });
    PER_ROUND(spin, {
        KIRQL old;
        KeAcquireSpinLock(&lock, &old);
        KeReleaseSpinLock(&lock, old);
    });
    ke_interrupt_disconnect(&obj);
    test_vector_free(vector);
    figure(t, "call", call, "call");
    figure(t, "synchronize_execution", sync, "call");
    figure(t, "raise_lower", raise_lower, "call");
    figure(t, "spin_lock_pair", spin, "call");
}

KTEST_MANUAL_SUITE(bench, KTEST_CASE(floor_stub), KTEST_CASE(dispatch_fully_specified), KTEST_CASE(dispatch_line_based),
                   KTEST_CASE(dispatch_message_based), KTEST_CASE(dispatch_trace_on), KTEST_CASE(ipi_self), KTEST_CASE(shared_chain),
                   KTEST_CASE(isr_to_dpc), KTEST_CASE(primitives));
