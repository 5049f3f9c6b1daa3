/* tests/ktest/interrupt_test.c - the dispatcher: delivery, IRQL, chains, sharing rules,
 * KeSynchronizeExecution across CPUs, clocks on every CPU, spurious vectors. */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/pic.h"
#include "include/wdm.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/kprcb.h"
#include "kernel/ke/time.h"
#include "kernel/ke/vectors.h"
#include "kernel/lib/string.h"
#include "tests/ktest/irq_helpers.h"
#include "tests/ktest/ktest.h"

struct isr_probe {
    volatile uint64_t calls;
    KIRQL irql;
    bool interrupts_were_on;
    BOOLEAN answer;          /* what the ISR returns */
    uint64_t claim_budget;   /* if non-zero: return TRUE this many times, then FALSE */
};

static BOOLEAN probe_isr(PKINTERRUPT interrupt, PVOID context)
{
    struct isr_probe *p = context;
    p->irql = KeGetCurrentIrql();
    p->interrupts_were_on = interrupts_enabled();
    __atomic_fetch_add(&p->calls, 1, __ATOMIC_RELEASE);
    if (p->claim_budget) {
        p->claim_budget--;
        return TRUE;
    }
    return p->answer;
}

static void self_ipi_reaches_isr_at_its_irql(struct ktest *t)
{
    static KINTERRUPT obj;
    struct isr_probe p = {.answer = TRUE};
    int vector = test_vector_alloc(0);
    KTEST_ASSERT_GE(t, vector, KE_VECTOR_DEVICE_FIRST);
    KTEST_ASSERT_EQ(t, test_connect(&obj, vector, probe_isr, &p, Latched, FALSE), KE_CONNECT_OK);
    uint64_t before = ke_current_prcb()->vector_claimed[vector];
    test_fire_self(vector);
    ke_interrupt_disconnect(&obj);
    test_vector_free(vector);
    KTEST_EXPECT_EQ(t, p.calls, 1);
    KTEST_EXPECT_EQ(t, p.irql, vector >> 4);
    KTEST_EXPECT_TRUE(t, p.interrupts_were_on); /* ISRs run with IF=1: higher IRQLs may nest */
    KTEST_EXPECT_EQ(t, ke_current_prcb()->vector_claimed[vector], before + 1);
    KTEST_EXPECT_EQ(t, obj.ServiceCount[KeGetCurrentProcessorNumber()], 1);
}

static void ipi_reaches_every_other_cpu(struct ktest *t)
{
    ULONG cpus = KeQueryActiveProcessorCountEx(0);
    if (cpus < 2)
        KTEST_SKIP(t, "needs 2 or more CPUs");
    static KINTERRUPT obj;
    struct isr_probe p = {.answer = TRUE};
    int vector = test_vector_alloc(0);
    KTEST_ASSERT_GE(t, vector, KE_VECTOR_DEVICE_FIRST);
    KTEST_ASSERT_EQ(t, test_connect(&obj, vector, probe_isr, &p, Latched, FALSE), KE_CONNECT_OK);
    lapic_send_ipi_all_but_self((uint8_t)vector);
    bool all = test_wait_for(&p.calls, cpus - 1, 2000);
    ke_interrupt_disconnect(&obj);
    test_vector_free(vector);
    KTEST_EXPECT_TRUE(t, all);
    ULONG me = KeGetCurrentProcessorNumber();
    for (ULONG cpu = 0; cpu < cpus; cpu++)
        KTEST_EXPECT_EQ(t, obj.ServiceCount[cpu], cpu == me ? 0u : 1u);
}

static void level_chain_stops_at_first_claim(struct ktest *t)
{
    static KINTERRUPT a, b;
    struct isr_probe pa = {.answer = TRUE}, pb = {.answer = TRUE};
    int vector = test_vector_alloc(0);
    KTEST_ASSERT_GE(t, vector, KE_VECTOR_DEVICE_FIRST);
    KTEST_ASSERT_EQ(t, test_connect(&a, vector, probe_isr, &pa, LevelSensitive, TRUE), KE_CONNECT_OK);
    KTEST_ASSERT_EQ(t, test_connect(&b, vector, probe_isr, &pb, LevelSensitive, TRUE), KE_CONNECT_OK);
    test_fire_self(vector);
    KTEST_EXPECT_EQ(t, pa.calls, 1);
    KTEST_EXPECT_EQ(t, pb.calls, 0); /* a claimed it: b is not asked */
    pa.answer = FALSE;
    test_fire_self(vector);
    KTEST_EXPECT_EQ(t, pa.calls, 2);
    KTEST_EXPECT_EQ(t, pb.calls, 1); /* a declined: b gets it */
    ke_interrupt_disconnect(&a);
    ke_interrupt_disconnect(&b);
    test_vector_free(vector);
    KTEST_EXPECT_EQ(t, a.DeclineCount[KeGetCurrentProcessorNumber()], 1);
}

static void latched_chain_walks_until_a_clean_pass(struct ktest *t)
{
    static KINTERRUPT a, b;
    struct isr_probe pa = {.answer = FALSE, .claim_budget = 1}, pb = {.answer = FALSE};
    int vector = test_vector_alloc(0);
    KTEST_ASSERT_GE(t, vector, KE_VECTOR_DEVICE_FIRST);
    KTEST_ASSERT_EQ(t, test_connect(&a, vector, probe_isr, &pa, Latched, TRUE), KE_CONNECT_OK);
    KTEST_ASSERT_EQ(t, test_connect(&b, vector, probe_isr, &pb, Latched, TRUE), KE_CONNECT_OK);
    test_fire_self(vector);
    ke_interrupt_disconnect(&a);
    ke_interrupt_disconnect(&b);
    test_vector_free(vector);
    /* pass 1: a claims, b declines -> pass 2: both decline -> stop */
    KTEST_EXPECT_EQ(t, pa.calls, 2);
    KTEST_EXPECT_EQ(t, pb.calls, 2);
}

static void sharing_rules_are_enforced(struct ktest *t)
{
    static KINTERRUPT a, b;
    struct isr_probe p = {.answer = TRUE};
    int vector = test_vector_alloc(0);
    KTEST_ASSERT_GE(t, vector, KE_VECTOR_DEVICE_FIRST);
    KTEST_ASSERT_EQ(t, test_connect(&a, vector, probe_isr, &p, LevelSensitive, FALSE), KE_CONNECT_OK);
    KTEST_EXPECT_EQ(t, test_connect(&b, vector, probe_isr, &p, LevelSensitive, TRUE), KE_CONNECT_SHARE_CONFLICT);
    ke_interrupt_disconnect(&a);
    KTEST_ASSERT_EQ(t, test_connect(&a, vector, probe_isr, &p, LevelSensitive, TRUE), KE_CONNECT_OK);
    KTEST_EXPECT_EQ(t, test_connect(&b, vector, probe_isr, &p, Latched, TRUE), KE_CONNECT_MODE_CONFLICT);
    KTEST_EXPECT_EQ(t, ke_interrupt_connect(&a), KE_CONNECT_ALREADY);
    ke_interrupt_init(&b, NULL, NULL, 0, &p, NULL, (ULONG)vector, (KIRQL)(vector >> 4), (KIRQL)(vector >> 4),
                      LevelSensitive, TRUE, 1, "ktest");
    KTEST_EXPECT_EQ(t, ke_interrupt_connect(&b), KE_CONNECT_NO_ROUTINE);
    ke_interrupt_disconnect(&a);
    KTEST_EXPECT_FALSE(t, ke_interrupt_disconnect(&a)); /* not connected any more */

    /* Irql must be Vector >> 4 and SynchronizeIrql >= Irql. */
    ke_interrupt_init(&b, probe_isr, NULL, 0, &p, NULL, (ULONG)vector, (KIRQL)((vector >> 4) + 1),
                      (KIRQL)((vector >> 4) + 1), Latched, FALSE, 1, "ktest");
    KTEST_EXPECT_EQ(t, ke_interrupt_connect(&b), KE_CONNECT_BAD_IRQL);
    ke_interrupt_init(&b, probe_isr, NULL, 0, &p, NULL, (ULONG)vector, (KIRQL)(vector >> 4),
                      (KIRQL)((vector >> 4) - 1), Latched, FALSE, 1, "ktest");
    KTEST_EXPECT_EQ(t, ke_interrupt_connect(&b), KE_CONNECT_BAD_IRQL);
    test_vector_free(vector);
    /* A freed vector is not connectable. */
    ke_interrupt_init(&b, probe_isr, NULL, 0, &p, NULL, (ULONG)vector, (KIRQL)(vector >> 4), (KIRQL)(vector >> 4),
                      Latched, FALSE, 1, "ktest");
    KTEST_EXPECT_EQ(t, ke_interrupt_connect(&b), KE_CONNECT_BAD_VECTOR);
}

/* Shared state that the ISR (on another CPU) and KeSynchronizeExecution (here) both update in
 * two non-atomic steps; if they ever overlap, one of them sees first != second. */
struct torn_pair {
    volatile uint64_t first, second;
    volatile uint64_t torn;
    volatile uint64_t isr_runs;
};

static void slow_pair_update(struct torn_pair *s)
{
    if (s->first != s->second)
        s->torn++;
    s->first++;
    for (volatile int i = 0; i < 200; i++) /* widen the window */
        ;
    s->second++;
}

static BOOLEAN pair_isr(PKINTERRUPT interrupt, PVOID context)
{
    struct torn_pair *s = context;
    slow_pair_update(s);
    s->isr_runs++;
    return TRUE;
}

static BOOLEAN pair_sync(PVOID context)
{
    slow_pair_update(context);
    return TRUE;
}

static void synchronize_execution_excludes_isr_on_other_cpu(struct ktest *t)
{
    ULONG cpus = KeQueryActiveProcessorCountEx(0);
    if (cpus < 2)
        KTEST_SKIP(t, "needs 2 or more CPUs");
    static KINTERRUPT obj;
    static struct torn_pair s;
    memset(&s, 0, sizeof(s));
    int vector = test_vector_alloc(0);
    KTEST_ASSERT_GE(t, vector, KE_VECTOR_DEVICE_FIRST);
    KTEST_ASSERT_EQ(t, test_connect(&obj, vector, pair_isr, &s, Latched, FALSE), KE_CONNECT_OK);
    uint32_t other = ke_prcbs[1]->apic_id;
    BOOLEAN all_true = TRUE;
    for (int i = 0; i < 2000; i++) {
        lapic_send_ipi(other, (uint8_t)vector); /* a flood of ISR runs on CPU 1 ... */
        all_true &= KeSynchronizeExecution(&obj, pair_sync, &s); /* ... racing with us */
    }
    test_wait_for(&s.isr_runs, 1, 500);
    ke_interrupt_disconnect(&obj);
    test_vector_free(vector);
    KTEST_EXPECT_TRUE(t, all_true); /* the routine's return value is passed back */
    KTEST_EXPECT_GT(t, s.isr_runs, 0);
    KTEST_EXPECT_EQ(t, s.torn, 0);
    KTEST_EXPECT_EQ(t, s.first, s.second);
    ktest_log(t, "%lu ISR runs on CPU 1 raced 2000 synchronized updates", (unsigned long)s.isr_runs);
}

static BOOLEAN report_irql(PVOID context)
{
    *(KIRQL *)context = KeGetCurrentIrql();
    return FALSE;
}

static void synchronize_runs_at_synchronize_irql(struct ktest *t)
{
    static KINTERRUPT obj;
    struct isr_probe p = {.answer = TRUE};
    int vector = test_vector_alloc(0);
    KTEST_ASSERT_GE(t, vector, KE_VECTOR_DEVICE_FIRST);
    KTEST_ASSERT_EQ(t, test_connect(&obj, vector, probe_isr, &p, Latched, FALSE), KE_CONNECT_OK);
    KIRQL seen = 0;
    BOOLEAN r = KeSynchronizeExecution(&obj, report_irql, &seen);
    KIRQL old = KeAcquireInterruptSpinLock(&obj);
    KIRQL inside = KeGetCurrentIrql();
    KeReleaseInterruptSpinLock(&obj, old);
    ke_interrupt_disconnect(&obj);
    test_vector_free(vector);
    KTEST_EXPECT_FALSE(t, r);
    KTEST_EXPECT_EQ(t, seen, vector >> 4);
    KTEST_EXPECT_EQ(t, inside, vector >> 4);
    KTEST_EXPECT_EQ(t, old, PASSIVE_LEVEL);
    KTEST_EXPECT_EQ(t, KeGetCurrentIrql(), PASSIVE_LEVEL);
}

/* Every CPU's clock ticks: wait until each has had 3 more ticks (a condition with a generous
 * bound - a loaded host delivers one tick for all the periods QEMU was descheduled, so "100 ms
 * = 10 ticks" does not hold), then check none ticked faster than 100 Hz allows for the time that
 * passed by the TSC (ticks can be lost, never gained). */
static void clock_ticks_on_every_cpu(struct ktest *t)
{
    uint64_t before[KE_MAX_CPUS];
    for (unsigned i = 0; i < KE_MAX_CPUS; i++)
        before[i] = ke_prcbs[i] ? ke_prcbs[i]->clock_ticks : 0;
    LARGE_INTEGER frequency, start = KeQueryPerformanceCounter(&frequency);
    bool all = false;
    for (unsigned waited = 0; waited < 100000 && !all; waited++) { /* up to 10 s */
        all = true;
        for (unsigned i = 0; i < KE_MAX_CPUS; i++)
            if (ke_prcbs[i] && ke_prcbs[i]->online && ke_prcbs[i]->clock_ticks - before[i] < 3)
                all = false;
        if (!all)
            KeStallExecutionProcessor(100);
    }
    uint64_t elapsed_ms =
        (uint64_t)(KeQueryPerformanceCounter(NULL).QuadPart - start.QuadPart) * 1000 / (uint64_t)frequency.QuadPart;
    for (unsigned i = 0; i < KE_MAX_CPUS; i++) {
        if (!ke_prcbs[i] || !ke_prcbs[i]->online)
            continue;
        uint64_t ticks = ke_prcbs[i]->clock_ticks - before[i];
        KTEST_EXPECT_GE(t, ticks, 3);
        KTEST_EXPECT_LE(t, ticks, elapsed_ms / 10 + 2); /* 100 Hz; +2 for the partial periods */
    }
    ktest_log(t, "3 ticks on every CPU took %lu ms", (unsigned long)elapsed_ms);
    LARGE_INTEGER count;
    KeQueryTickCount(&count);
    KTEST_EXPECT_GT(t, count.QuadPart, 0);
    KTEST_EXPECT_EQ(t, KeQueryTimeIncrement(), 100000);
}

static void spurious_vectors_are_counted_not_dispatched(struct ktest *t)
{
    KTEST_SKIP_UNDER_KVM(t);
    struct kprcb *prcb = ke_current_prcb();
    uint64_t lapic_before = prcb->spurious_lapic;
    /* `int` enters the IDT like the APIC would but sets no in-service bit, which is exactly the
     * spurious situation: the dispatcher must count it and must not send an EOI. */
    __asm__ volatile("int $0xff");
    KTEST_EXPECT_EQ(t, prcb->spurious_lapic, lapic_before + 1);
    KTEST_EXPECT_FALSE(t, lapic_isr_active(0xFF));
    uint64_t pic_before = pic_spurious_count(7);
    __asm__ volatile("int $0x27"); /* a PIC IRQ 7 whose in-service bit is clear: spurious */
    KTEST_EXPECT_EQ(t, pic_spurious_count(7), pic_before + 1);
}

KTEST_SUITE(interrupt, KTEST_CASE(self_ipi_reaches_isr_at_its_irql), KTEST_CASE(ipi_reaches_every_other_cpu),
            KTEST_CASE(level_chain_stops_at_first_claim), KTEST_CASE(latched_chain_walks_until_a_clean_pass),
            KTEST_CASE(sharing_rules_are_enforced), KTEST_CASE(synchronize_execution_excludes_isr_on_other_cpu),
            KTEST_CASE(synchronize_runs_at_synchronize_irql), KTEST_CASE(clock_ticks_on_every_cpu),
            KTEST_CASE(spurious_vectors_are_counted_not_dispatched));
