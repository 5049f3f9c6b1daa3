/* tests/ktest/trace_test.c - the per-CPU trace ring (kernel/ke/trace.h).
 *
 *   wraparound        more than a ring's worth of events: the newest TRACE_EVENTS_PER_CPU are kept,
 *                     in order, the older ones are gone (trace_event_at says so), none is torn
 *   per_cpu           a thread on every CPU writes marks: each lands in its own CPU's ring only
 *   ordering          a real workload (self-IPIs whose ISR queues a DPC): on every CPU sequence
 *                     numbers are consecutive and time never goes back; every ISR event lies inside
 *                     its vector's interrupt entry/exit; every DPC run follows its queueing
 *   off_records_none  stopped, the same workload adds no event
 * The trace state found at the start (on with trace=on, or off) is restored at the end. */
#include "arch/x86_64/cpu.h"
#include "include/wdm.h"
#include "kernel/ke/kprcb.h"
#include "kernel/ke/trace.h"
#include "tests/ktest/irq_helpers.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/thread_helpers.h"

#define MARK_MAGIC 0x7e57u
#define MARKS_PER_CPU 100
#define WORKLOAD_ROUNDS 50

static bool started(struct ktest *t, bool *was_on)
{
    *was_on = trace_on;
    trace_stop();
    trace_clear();
    return trace_start();
}

static void finish(bool was_on)
{
    trace_stop();
    trace_clear();
    if (was_on)
        trace_start();
}

static void wraparound(struct ktest *t)
{
    bool was_on;
    KTEST_ASSERT_TRUE(t, started(t, &was_on));
    const uint32_t written = 3 * TRACE_EVENTS_PER_CPU + 5;
    /* Only our marks on this CPU from here: an interrupt between trace_start and this line may
     * have recorded events already (its entry, ISR, exit...), so the marks are counted from the
     * ring's position now, not from 0. */
    uint64_t flags = cpu_save_and_disable_interrupts();
    unsigned cpu = ke_current_prcb()->number;
    const struct trace_cpu *b = trace_buffer(cpu);
    uint32_t base = b ? b->next : 0;
    for (uint32_t i = 0; i < written; i++)
        trace_record(TRACE_MARK, 0, 0, MARK_MAGIC, base + i);
    trace_stop();
    cpu_restore_interrupts(flags);

    KTEST_ASSERT_NOT_NULL(t, b);
    uint32_t end = base + written;
    KTEST_EXPECT_EQ(t, b->next, end);
    uint32_t first = end - TRACE_EVENTS_PER_CPU;
    KTEST_EXPECT_NULL(t, trace_event_at(cpu, first - 1)); /* overwritten */
    KTEST_EXPECT_NULL(t, trace_event_at(cpu, end));       /* not yet written */
    unsigned bad = 0;
    for (uint32_t seq = first; seq < end; seq++) {
        const struct trace_event *e = trace_event_at(cpu, seq);
        if (!e || e->seq != seq || e->type != TRACE_MARK || e->what != MARK_MAGIC || e->object != seq)
            bad++;
        else if (seq > first && e->tsc < trace_event_at(cpu, seq - 1)->tsc)
            bad++;
    }
    KTEST_EXPECT_EQ(t, bad, 0u);
    finish(was_on);
}

static volatile uint64_t marks_done;

static VOID write_marks(PVOID context)
{
    for (unsigned i = 0; i < MARKS_PER_CPU; i++) {
        uint64_t flags = cpu_save_and_disable_interrupts(); /* the CPU we record on is the one we read */
        trace_record(TRACE_MARK, 0, 0, MARK_MAGIC, ke_current_prcb()->number);
        cpu_restore_interrupts(flags);
    }
    __atomic_add_fetch(&marks_done, 1, __ATOMIC_SEQ_CST);
}

static void per_cpu(struct ktest *t)
{
    unsigned cpus = (unsigned)KeNumberProcessors;
    bool was_on;
    KTEST_ASSERT_TRUE(t, started(t, &was_on));
    marks_done = 0;
    PKTHREAD threads[KE_MAX_CPUS] = {0};
    for (unsigned c = 0; c < cpus; c++)
        threads[c] = th_start(write_marks, NULL, 9, (KAFFINITY)1 << c);
    for (unsigned c = 0; c < cpus; c++)
        KTEST_EXPECT_TRUE(t, threads[c] && th_join(threads[c], 30));
    trace_stop();
    KTEST_EXPECT_EQ(t, marks_done, (uint64_t)cpus);
    for (unsigned c = 0; c < cpus; c++) {
        const struct trace_cpu *b = trace_buffer(c);
        KTEST_ASSERT_NOT_NULL(t, b);
        unsigned mine = 0, foreign = 0;
        for (uint32_t seq = b->next > TRACE_EVENTS_PER_CPU ? b->next - TRACE_EVENTS_PER_CPU : 0; seq < b->next; seq++) {
            const struct trace_event *e = trace_event_at(c, seq);
            if (e && e->type == TRACE_MARK && e->what == MARK_MAGIC)
                *(e->object == c ? &mine : &foreign) += 1;
        }
        KTEST_EXPECT_EQ(t, mine, (unsigned)MARKS_PER_CPU);
        KTEST_EXPECT_EQ(t, foreign, 0u);
    }
    finish(was_on);
}

static KDPC workload_dpc;
static volatile uint64_t dpc_runs;
static VOID workload_dpc_routine(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    __atomic_add_fetch(&dpc_runs, 1, __ATOMIC_SEQ_CST);
}
static BOOLEAN workload_isr(PKINTERRUPT interrupt, PVOID context)
{
    KeInsertQueueDpc(&workload_dpc, NULL, NULL);
    return TRUE;
}

/* Self-IPIs on a private vector whose ISR queues a DPC; returns the vector (freed) or -1. */
static int run_workload(struct ktest *t)
{
    static KINTERRUPT obj;
    int vector = test_vector_alloc(0);
    if (vector < 0x30)
        return -1;
    KeInitializeDpc(&workload_dpc, workload_dpc_routine, NULL);
    if (test_connect(&obj, vector, workload_isr, NULL, Latched, FALSE) != KE_CONNECT_OK) {
        test_vector_free(vector);
        return -1;
    }
    dpc_runs = 0;
    for (int i = 0; i < WORKLOAD_ROUNDS; i++)
        test_fire_self(vector);
    test_wait_for(&dpc_runs, WORKLOAD_ROUNDS, 5000);
    ke_interrupt_disconnect(&obj);
    test_vector_free(vector);
    return vector;
}

/* The checks of `ordering` on one CPU's ring; counts the ISR calls of `vector` seen. */
static void check_cpu(struct ktest *t, unsigned cpu, int vector, unsigned *isrs, unsigned *dpcs)
{
    const struct trace_cpu *b = trace_buffer(cpu);
    if (!b)
        return;
    uint8_t open_vectors[64];
    unsigned depth = 0, gaps = 0, backwards = 0, outside = 0, unmatched_dpc = 0;
    uint64_t queued_dpc = 0;
    uint32_t first = b->next > TRACE_EVENTS_PER_CPU ? b->next - TRACE_EVENTS_PER_CPU : 0;
    const struct trace_event *prev = NULL;
    for (uint32_t seq = first; seq < b->next; seq++) {
        const struct trace_event *e = trace_event_at(cpu, seq);
        if (!e || e->seq != seq) {
            gaps++;
            continue;
        }
        if (prev && e->tsc < prev->tsc)
            backwards++;
        prev = e;
        if (e->type == TRACE_INTERRUPT && depth < 64)
            open_vectors[depth++] = e->vector;
        else if (e->type == TRACE_INTERRUPT_END && depth)
            depth--;
        else if (e->type == TRACE_ISR && (!depth || open_vectors[depth - 1] != e->vector) && seq != first)
            outside++;
        if (e->type == TRACE_ISR && e->vector == vector)
            (*isrs)++;
        if (e->type == TRACE_DPC_QUEUE && e->object == (uint64_t)(uintptr_t)&workload_dpc)
            queued_dpc = e->object;
        if (e->type == TRACE_DPC && e->object == (uint64_t)(uintptr_t)&workload_dpc) {
            if (queued_dpc != e->object)
                unmatched_dpc++;
            queued_dpc = 0;
            (*dpcs)++;
        }
    }
    KTEST_EXPECT_EQ(t, gaps, 0u);
    KTEST_EXPECT_EQ(t, backwards, 0u);
    KTEST_EXPECT_EQ(t, outside, 0u);
    KTEST_EXPECT_EQ(t, unmatched_dpc, 0u);
}

static void ordering(struct ktest *t)
{
    bool was_on;
    KTEST_ASSERT_TRUE(t, started(t, &was_on));
    KAFFINITY here = th_pin_here();
    int vector = run_workload(t);
    th_unpin();
    trace_stop();
    KTEST_ASSERT_GE(t, vector, 0x30);
    unsigned isrs = 0, dpcs = 0;
    for (unsigned c = 0; c < (unsigned)KeNumberProcessors; c++)
        check_cpu(t, c, vector, &isrs, &dpcs);
    KTEST_EXPECT_EQ(t, isrs, (unsigned)WORKLOAD_ROUNDS);
    KTEST_EXPECT_EQ(t, dpcs, (unsigned)WORKLOAD_ROUNDS);
    (void)here;
    finish(was_on);
}

static void off_records_none(struct ktest *t)
{
    bool was_on;
    KTEST_ASSERT_TRUE(t, started(t, &was_on)); /* allocates the rings */
    trace_stop();
    trace_clear();
    KAFFINITY here = th_pin_here();
    unsigned cpu = ke_current_prcb()->number;
    KTEST_ASSERT_GE(t, run_workload(t), 0x30);
    th_unpin();
    KTEST_EXPECT_EQ(t, trace_buffer(cpu)->next, 0u);
    (void)here;
    finish(was_on);
}

KTEST_SUITE(trace, KTEST_CASE(wraparound), KTEST_CASE(per_cpu), KTEST_CASE(ordering), KTEST_CASE(off_records_none));
