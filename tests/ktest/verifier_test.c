/* tests/ktest/verifier_test.c - the verifier checks that report instead of stopping (verifier.h):
 *   - budget: a DPC routine over its budget is counted and named, one under it is not;
 *   - lowres: allocations under the chosen pool tag fail at random from a seed - the same seed
 *     fails the same ones again - and IoConnectInterruptEx's error path leaks nothing;
 *   - spinlock: nested spin locks released in the right order give no stop and leave no count;
 *   - special: a block under the chosen tag ends where an unmapped page begins; other tags are
 *     ordinary pool; sizes and tag accounting as for any block.
 * Each switches its check on at run time (ke_verifier_set) and restores it. The stops are
 * verifier_crash_test.c's, checked by tests/e2e/test_bugcheck_verifier.py. */
#include "include/wdm.h"
#include "kernel/io/connect_interrupt.h"
#include "kernel/io/io_tags.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/verifier.h"
#include "kernel/ke/verifier_budget.h"
#include "kernel/ke/verifier_spinlock.h"
#include "kernel/mm/paging.h"
#include "kernel/mm/pool_special.h"
#include "kernel/mm/pool_verify.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"

static volatile uint64_t dpc_runs;

static VOID verifier_slow_dpc(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    KeStallExecutionProcessor(20000); /* 20 ms of guest TSC, far over a 1 ms budget */
    __atomic_fetch_add(&dpc_runs, 1, __ATOMIC_RELEASE);
}

static bool run_dpc(void)
{
    static KDPC dpc;
    uint64_t before = dpc_runs;
    KeInitializeDpc(&dpc, verifier_slow_dpc, NULL);
    KeInsertQueueDpc(&dpc, NULL, NULL);
    return io_test_wait(&dpc_runs, before + 1, 5000);
}

/* The routine's entry in the table of slowest routines (zeros if it has none). */
static struct ke_budget_worst worst_of(void *routine)
{
    struct ke_budget_worst w[KE_BUDGET_WORST];
    unsigned n = ke_verifier_budget_worst(w, KE_BUDGET_WORST);
    for (unsigned i = 0; i < n; i++)
        if (w[i].routine == routine)
            return w[i];
    return (struct ke_budget_worst){0};
}

static void budget_names_a_slow_dpc(struct ktest *t)
{
    uint32_t isr_us, dpc_us;
    ke_verifier_budget_get(&isr_us, &dpc_us);
    bool was = ke_verifier_set(KE_VERIFY_BUDGET, true);
    uint64_t overruns = worst_of((void *)verifier_slow_dpc).overruns; /* an earlier run may have left some */

    ke_verifier_budget_set(isr_us, 1000000); /* 1 s: a 20 ms DPC is within it */
    KTEST_EXPECT_TRUE(t, run_dpc());
    uint64_t overruns_within = worst_of((void *)verifier_slow_dpc).overruns;

    ke_verifier_budget_set(isr_us, 1000); /* 1 ms: over it */
    uint64_t hits = ke_verifier_hits(KE_VERIFY_BUDGET);
    KTEST_EXPECT_TRUE(t, run_dpc());
    uint64_t hits_over = ke_verifier_hits(KE_VERIFY_BUDGET) - hits;
    struct ke_budget_worst w = worst_of((void *)verifier_slow_dpc);

    ke_verifier_budget_set(isr_us, dpc_us);
    ke_verifier_set(KE_VERIFY_BUDGET, was);
    KTEST_EXPECT_EQ(t, overruns_within, overruns);
    KTEST_EXPECT_GE(t, hits_over, 1);
    KTEST_EXPECT_EQ(t, w.overruns, overruns + 1);
    KTEST_EXPECT_GE(t, w.us, 20000); /* its time, measured: at least the stall */
    ktest_log(t, "the slow DPC's worst: %lu us", (unsigned long)w.us);
}

static BOOLEAN never(PKINTERRUPT i, PVOID c) { return FALSE; }

/* 64 connects under lowres: the pattern of failures, one bit per attempt. */
static uint64_t connect_pattern(struct ktest *t, PDEVICE_OBJECT pdo, uint64_t seed, unsigned *failures)
{
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(pdo, 0, false);
    pool_verify_set_lowres(IO_TAG_INTERRUPT, 3, seed);
    uint64_t pattern = 0;
    *failures = 0;
    for (unsigned i = 0; i < 64; i++) {
        PKINTERRUPT object = (PKINTERRUPT)0x77;
        IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_fully(pdo, d, never, NULL, &object);
        NTSTATUS s = IoConnectInterruptEx(&p);
        if (s == STATUS_SUCCESS) {
            io_test_disconnect(CONNECT_FULLY_SPECIFIED, object);
        } else {
            KTEST_EXPECT_EQ(t, s, STATUS_INSUFFICIENT_RESOURCES);
            KTEST_EXPECT_TRUE(t, object == (PKINTERRUPT)0x77); /* untouched on failure */
            pattern |= 1ull << i;
            (*failures)++;
        }
    }
    return pattern;
}

static void lowres_fails_by_seed_and_leaks_nothing(struct ktest *t)
{
    PDEVICE_OBJECT pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 1);
    if (!pdo || !io_test_take(pdo, IO_START_NO_MSI))
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    struct pool_verify_settings saved = pool_verify_settings();
    bool was = ke_verifier_set(KE_VERIFY_LOWRES, true);
    uint64_t bytes = io_test_pool_bytes(IO_TAG_INTERRUPT);
    unsigned connections = io_connection_count();
    uint64_t injected = ke_verifier_hits(KE_VERIFY_LOWRES);

    unsigned f1, f2, f3;
    uint64_t first = connect_pattern(t, pdo, 42, &f1);
    uint64_t again = connect_pattern(t, pdo, 42, &f2);
    uint64_t other = connect_pattern(t, pdo, 7, &f3);

    ke_verifier_set(KE_VERIFY_LOWRES, was);
    pool_verify_set_lowres(saved.fail_tag, saved.fail_one_in, saved.seed);
    KTEST_EXPECT_GT(t, f1, 0);
    KTEST_EXPECT_LT(t, f1, 64);
    KTEST_EXPECT_EQ(t, first, again); /* same seed, same failures */
    KTEST_EXPECT_NE(t, first, other);
    KTEST_EXPECT_EQ(t, ke_verifier_hits(KE_VERIFY_LOWRES) - injected, (uint64_t)(f1 + f2 + f3));
    KTEST_EXPECT_EQ(t, io_test_pool_bytes(IO_TAG_INTERRUPT), bytes);
    KTEST_EXPECT_EQ(t, io_connection_count(), connections);
    ktest_log(t, "seed 42: %u of 64 connects failed (pattern %016lx); seed 7: %u", f1, (unsigned long)first, f3);
    io_test_give_back(pdo);
}

static void spinlocks_released_in_order_are_fine(struct ktest *t)
{
    bool was = ke_verifier_set(KE_VERIFY_SPINLOCK, true);
    KSPIN_LOCK outer, inner;
    KeInitializeSpinLock(&outer);
    KeInitializeSpinLock(&inner);
    uint32_t held = ke_verifier_spinlocks_held();
    KIRQL old_outer, old_inner;
    KeAcquireSpinLock(&outer, &old_outer);
    KeAcquireSpinLock(&inner, &old_inner);
    uint32_t both = ke_verifier_spinlocks_held();
    KeReleaseSpinLock(&inner, old_inner); /* back to DISPATCH_LEVEL: fine */
    KeReleaseSpinLock(&outer, old_outer); /* then below it, nothing held: fine */
    KLOCK_QUEUE_HANDLE h;
    KeAcquireInStackQueuedSpinLock(&outer, &h);
    uint32_t queued = ke_verifier_spinlocks_held();
    KeReleaseInStackQueuedSpinLock(&h);
    ke_verifier_set(KE_VERIFY_SPINLOCK, was);
    KTEST_EXPECT_EQ(t, both, held + 2);
    KTEST_EXPECT_EQ(t, queued, held + 1);
    KTEST_EXPECT_EQ(t, ke_verifier_spinlocks_held(), held);
}

#define SPECIAL_TAG IRQLAB_POOL_TAG("VfSp")
#define OTHER_TAG IRQLAB_POOL_TAG("VfOt")

static void special_pool_puts_a_guard_page_after_the_block(struct ktest *t)
{
    bool was = ke_verifier_set(KE_VERIFY_SPECIAL, true);
    uint32_t saved_tag = pool_special_tag();
    pool_special_set_tag(SPECIAL_TAG);
    unsigned live = pool_special_live();
    uint64_t bytes = io_test_pool_bytes(SPECIAL_TAG);

    uint8_t *p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 100, SPECIAL_TAG);
    uint8_t *big = ExAllocatePool2(POOL_FLAG_NON_PAGED, 4000, SPECIAL_TAG); /* most of a page */
    uint8_t *other = ExAllocatePool2(POOL_FLAG_NON_PAGED, 100, OTHER_TAG);
    bool ok = p && big && other;
    uint64_t end = ok ? (uint64_t)(uintptr_t)p + 112 : 0; /* 100 rounded up to the 16-byte alignment */
    bool page_end = (end & 4095) == 0;
    bool guard_unmapped = ok && !paging_is_mapped(end, false);
    bool block_mapped = ok && paging_is_mapped((uint64_t)(uintptr_t)p, true) && paging_is_mapped(end - 1, true);
    bool big_guarded = ok && !paging_is_mapped((uint64_t)(uintptr_t)big + 4000, false) &&
                       paging_is_mapped((uint64_t)(uintptr_t)big, true);
    bool other_ordinary = ok && paging_is_mapped((uint64_t)(uintptr_t)other + 112, false); /* no guard after it */
    SIZE_T size = ok ? ExQueryPoolBlockSize(p, NULL) : 0;
    unsigned live_with = pool_special_live();
    if (ok) {
        for (unsigned i = 0; i < 100; i++)
            p[i] = (uint8_t)i; /* every byte the caller owns is usable */
        ExFreePoolWithTag(p, SPECIAL_TAG);
        ExFreePoolWithTag(big, SPECIAL_TAG);
        ExFreePoolWithTag(other, OTHER_TAG);
    }
    pool_special_set_tag(saved_tag);
    ke_verifier_set(KE_VERIFY_SPECIAL, was);

    KTEST_ASSERT_TRUE(t, ok);
    KTEST_EXPECT_TRUE(t, page_end);
    KTEST_EXPECT_TRUE(t, guard_unmapped);
    KTEST_EXPECT_TRUE(t, block_mapped);
    KTEST_EXPECT_TRUE(t, big_guarded);
    KTEST_EXPECT_TRUE(t, other_ordinary);
    KTEST_EXPECT_EQ(t, size, 100);
    KTEST_EXPECT_EQ(t, live_with, live + 2);
    KTEST_EXPECT_EQ(t, pool_special_live(), live);
    KTEST_EXPECT_EQ(t, io_test_pool_bytes(SPECIAL_TAG), bytes);
}

KTEST_SUITE(verifier, KTEST_CASE(budget_names_a_slow_dpc), KTEST_CASE(lowres_fails_by_seed_and_leaks_nothing),
            KTEST_CASE(spinlocks_released_in_order_are_fine),
            KTEST_CASE(special_pool_puts_a_guard_page_after_the_block));
