/* tests/ktest/local_interrupts_test.c - the clock and the IPI vector have one interrupt object per
 * processor, as Windows does (kernel/ke/interrupt.h, per_processor): each CPU's tick and each IPI
 * call only the interrupted CPU's own object, under its own spin lock, so no lock is shared
 * between CPUs on either path (issue 15 item 6). */
#include "arch/x86_64/cpu.h"
#include "include/wdm.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/ipi.h"
#include "kernel/ke/kprcb.h"
#include "kernel/ke/time.h"
#include "kernel/ke/vectors.h"
#include "tests/ktest/ktest.h"

#define WAIT_LIMIT_MS 20000 /* guest time; a tick is 10 ms, so this is 2000 ticks of slack */

/* Every online CPU's objects of `vector`: exactly one per CPU, its own, with its own lock. */
static void one_object_per_cpu(struct ktest *t, uint8_t vector)
{
    ULONG cpus = KeQueryActiveProcessorCount(NULL);
    struct ke_vector *v = &ke_vector_table[vector];
    PKINTERRUPT seen[KE_MAX_CPUS] = {0};
    unsigned objects = 0;
    bool all_per_processor = true;
    uint64_t flags = cpu_save_and_disable_interrupts();
    ke_chain_lock(v);
    for (PLIST_ENTRY e = v->chain.Flink; e != &v->chain; e = e->Flink) {
        PKINTERRUPT object = CONTAINING_RECORD(e, KINTERRUPT, InterruptListEntry);
        objects++;
        if (!object->PerProcessor || object->Number >= KE_MAX_CPUS || seen[object->Number])
            all_per_processor = false;
        else
            seen[object->Number] = object;
    }
    ke_chain_unlock(v);
    cpu_restore_interrupts(flags);

    KTEST_EXPECT_GE(t, objects, (unsigned)cpus);
    KTEST_ASSERT_TRUE(t, all_per_processor);
    for (ULONG cpu = 0; cpu < cpus; cpu++) {
        KTEST_ASSERT_NOT_NULL(t, seen[cpu]);
        KTEST_EXPECT_EQ(t, seen[cpu]->Affinity, (KAFFINITY)1 << cpu);
        for (ULONG other = 0; other < cpu; other++)
            KTEST_EXPECT_NE(t, (uintptr_t)seen[cpu]->ActualLock, (uintptr_t)seen[other]->ActualLock);
        /* Only its own CPU ever called it. */
        for (ULONG c = 0; c < KE_MAX_CPUS; c++)
            if (c != cpu)
                KTEST_EXPECT_EQ(t, seen[cpu]->ServiceCount[c] + seen[cpu]->DeclineCount[c], 0u);
    }
}

static void clock_has_an_object_per_cpu(struct ktest *t)
{
    ULONG cpus = KeQueryActiveProcessorCount(NULL);
    uint64_t before[KE_MAX_CPUS];
    for (ULONG c = 0; c < cpus; c++)
        before[c] = ke_prcbs[c]->vector_claimed[KE_VECTOR_CLOCK];
    /* Let every CPU tick a few times, so that every object has been called. */
    uint64_t deadline = time_now_us() + WAIT_LIMIT_MS * 1000ull;
    for (ULONG c = 0; c < cpus; c++)
        while (ke_prcbs[c]->vector_claimed[KE_VECTOR_CLOCK] < before[c] + 3 && time_now_us() < deadline)
            cpu_pause();
    for (ULONG c = 0; c < cpus; c++)
        KTEST_EXPECT_GE(t, ke_prcbs[c]->vector_claimed[KE_VECTOR_CLOCK], before[c] + 3);
    one_object_per_cpu(t, KE_VECTOR_CLOCK);
}

static void ipi_has_an_object_per_cpu(struct ktest *t)
{
    ULONG cpus = KeQueryActiveProcessorCount(NULL);
    /* An IPI with no request to every other CPU: its own object answers it. */
    for (ULONG c = 0; c < cpus; c++)
        if (c != KeGetCurrentProcessorNumber())
            ke_ipi_send(c, 0);
    one_object_per_cpu(t, KE_VECTOR_IPI);
}

KTEST_SUITE(local_interrupts, KTEST_CASE(clock_has_an_object_per_cpu), KTEST_CASE(ipi_has_an_object_per_cpu));
