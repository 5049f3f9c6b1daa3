/* tests/ktest/verifier_test.c - the verifier checks that report instead of stopping (verifier.h):
 *   - budget: a DPC routine over its budget is counted and named, one under it is not;
 *   - lowres: allocations under the chosen pool tag fail at random from a seed - the same seed
 *     fails the same ones again - and IoConnectInterruptEx's error path leaks nothing;
 *   - spinlock: nested spin locks released in the right order give no stop and leave no count.
 * Each switches its check on at run time (ke_verifier_set) and restores it. The stops are
 * verifier_crash_test.c's, checked by tests/e2e/test_bugcheck_verifier.py. */
#include "include/wdm.h"
#include "kernel/io/connect_interrupt.h"
#include "kernel/io/io_tags.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/verifier.h"
#include "kernel/ke/verifier_budget.h"
#include "kernel/ke/verifier_spinlock.h"
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

static bool worst_has(void *routine, uint64_t at_least_us)
{
    struct ke_budget_worst w[KE_BUDGET_WORST];
    unsigned n = ke_verifier_budget_worst(w, KE_BUDGET_WORST);
    for (unsigned i = 0; i < n; i++)
        if (w[i].routine == routine && w[i].us >= at_least_us)
            return true;
    return false;
}

static void budget_names_a_slow_dpc(struct ktest *t)
{
    uint32_t isr_us, dpc_us;
    ke_verifier_budget_get(&isr_us, &dpc_us);
    bool was = ke_verifier_set(KE_VERIFY_BUDGET, true);

    ke_verifier_budget_set(isr_us, 1000000); /* 1 s: a 20 ms DPC is within it */
    uint64_t hits = ke_verifier_hits(KE_VERIFY_BUDGET);
    KTEST_EXPECT_TRUE(t, run_dpc());
    uint64_t hits_within = ke_verifier_hits(KE_VERIFY_BUDGET) - hits;
    bool listed_within = worst_has((void *)verifier_slow_dpc, 1);

    ke_verifier_budget_set(isr_us, 1000); /* 1 ms: over it */
    hits = ke_verifier_hits(KE_VERIFY_BUDGET);
    KTEST_EXPECT_TRUE(t, run_dpc());
    uint64_t hits_over = ke_verifier_hits(KE_VERIFY_BUDGET) - hits;

    ke_verifier_budget_set(isr_us, dpc_us);
    ke_verifier_set(KE_VERIFY_BUDGET, was);
    KTEST_EXPECT_FALSE(t, listed_within);
    KTEST_EXPECT_GE(t, hits_over, 1);
    KTEST_EXPECT_TRUE(t, worst_has((void *)verifier_slow_dpc, 20000)); /* its time, measured: >= the stall */
    (void)hits_within; /* other routines may run over 1 s on a loaded host: not judged */
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

KTEST_SUITE(verifier, KTEST_CASE(budget_names_a_slow_dpc), KTEST_CASE(lowres_fails_by_seed_and_leaks_nothing),
            KTEST_CASE(spinlocks_released_in_order_are_fine));
