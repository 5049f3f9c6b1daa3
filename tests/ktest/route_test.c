/* tests/ktest/route_test.c - a real ISA line through the IOAPIC: the PIT's IRQ 0.
 * QEMU's MADT overrides ISA IRQ 0 to GSI 2 (edge, active high), so this proves the override is
 * honoured, the redirection entry is programmed, the line is unmasked on connect and masked on
 * disconnect, and the affinity picks the CPU that receives it.
 * Intel 8254 data sheet (mode 2, rate generator); ACPI 6.5 §5.2.12.5. */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/ioapic.h"
#include "include/wdm.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/irq_route.h"
#include "kernel/ke/kprcb.h"
#include "tests/ktest/irq_helpers.h"
#include "tests/ktest/ktest.h"

#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_HZ 1193182u

static void pit_periodic(unsigned hz)
{
    uint16_t divisor = (uint16_t)(PIT_HZ / hz);
    outb(PIT_CMD, 0x34); /* channel 0, lobyte/hibyte, mode 2 */
    outb(PIT_CH0, (uint8_t)divisor);
    outb(PIT_CH0, (uint8_t)(divisor >> 8));
}

static void pit_stop(void)
{
    outb(PIT_CMD, 0x30); /* channel 0, mode 0 (one-shot) with a count that is never written: idle */
}

static volatile uint64_t pit_ticks;

static BOOLEAN pit_isr(PKINTERRUPT interrupt, PVOID context)
{
    pit_ticks++;
    return TRUE;
}

static void run_pit_on(struct ktest *t, KAFFINITY affinity, uint32_t *cpu_out, uint64_t *counts)
{
    static KINTERRUPT obj;
    uint8_t vector;
    uint32_t gsi;
    NTSTATUS status = ke_route_isa_irq(0, affinity, "ktest:pit", &vector, &gsi);
    KTEST_ASSERT_EQ(t, status, STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, gsi, 2); /* the override */
    struct ioapic_rte rte = test_rte(gsi);
    KTEST_EXPECT_EQ(t, rte.vector, vector);
    KTEST_EXPECT_FALSE(t, rte.level_triggered);
    KTEST_EXPECT_TRUE(t, rte.masked); /* routed, but nobody connected yet */
    KIRQL irql = (KIRQL)(vector >> 4);
    ke_interrupt_init(&obj, pit_isr, NULL, 0, NULL, NULL, vector, irql, irql, Latched, FALSE, affinity, "ktest:pit");
    pit_ticks = 0;
    KTEST_ASSERT_EQ(t, ke_interrupt_connect(&obj), KE_CONNECT_OK);
    KTEST_EXPECT_FALSE(t, test_rte(gsi).masked);
    pit_periodic(1000);
    bool got = test_wait_for(&pit_ticks, 20, 2000);
    pit_stop();
    ke_interrupt_disconnect(&obj);
    KTEST_EXPECT_TRUE(t, test_rte(gsi).masked);
    *cpu_out = ke_gsi_route_get(gsi)->cpu;
    ke_unroute_gsi(gsi);
    for (unsigned i = 0; i < KE_MAX_CPUS; i++)
        counts[i] = obj.ServiceCount[i];
    KTEST_EXPECT_TRUE(t, got);
}

static void isa_irq0_arrives_through_override(struct ktest *t)
{
    uint32_t cpu = 0;
    uint64_t counts[KE_MAX_CPUS] = {0};
    run_pit_on(t, KeQueryActiveProcessors(), &cpu, counts);
    KTEST_EXPECT_GE(t, counts[cpu], 20);
}

static void affinity_selects_the_receiving_cpu(struct ktest *t)
{
    ULONG cpus = KeQueryActiveProcessorCountEx(0);
    if (cpus < 2)
        KTEST_SKIP(t, "needs 2 or more CPUs");
    uint32_t want = cpus - 1;
    uint32_t cpu = UINT32_MAX; /* stays so if run_pit_on stopped early (its failure is recorded) */
    uint64_t counts[KE_MAX_CPUS] = {0};
    run_pit_on(t, (KAFFINITY)1 << want, &cpu, counts);
    KTEST_EXPECT_EQ(t, cpu, want);
    for (uint32_t i = 0; i < cpus; i++) {
        if (i == want)
            KTEST_EXPECT_GE(t, counts[i], 20);
        else
            KTEST_EXPECT_EQ(t, counts[i], 0);
    }
}

static void bad_gsi_is_refused(struct ktest *t)
{
    uint8_t vector;
    KTEST_EXPECT_EQ(t, ke_route_gsi(200, true, false, 1, "ktest", &vector), STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_EQ(t, ke_route_isa_irq(16, 1, "ktest", &vector, NULL), STATUS_INVALID_PARAMETER);
}

static void shared_gsi_reuses_its_vector(struct ktest *t)
{
    uint8_t v1, v2, v3;
    unsigned free_before = ke_vector_free_count();
    KTEST_ASSERT_EQ(t, ke_route_gsi(5, true, false, 1, "ktest:a", &v1), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, ke_route_gsi(5, true, false, 1, "ktest:b", &v2), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, v1, v2);
    KTEST_EXPECT_EQ(t, ke_route_gsi(5, false, false, 1, "ktest:c", &v3), STATUS_INVALID_DEVICE_REQUEST);
    KTEST_EXPECT_EQ(t, ke_vector_free_count(), free_before - 1);
    ke_unroute_gsi(5);
    KTEST_EXPECT_EQ(t, ke_vector_free_count(), free_before - 1);
    ke_unroute_gsi(5);
    KTEST_EXPECT_EQ(t, ke_vector_free_count(), free_before);
    KTEST_EXPECT_TRUE(t, test_rte(5).masked);
}

KTEST_SUITE(route, KTEST_CASE(isa_irq0_arrives_through_override), KTEST_CASE(affinity_selects_the_receiving_cpu),
            KTEST_CASE(bad_gsi_is_refused), KTEST_CASE(shared_gsi_reuses_its_vector));
