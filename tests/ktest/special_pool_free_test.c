/* tests/ktest/special_pool_free_test.c - use after free in special pool (kernel/mm/pool_special.c):
 * a freed block's page is unmapped until its slot is handed out again, so a later access faults
 * and stops with 0xD5 DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL.
 *
 *   special_pool_free.freed_block_stays_unmapped   unmapped after the free (this CPU and, with
 *                                                  SMP, the others' TLBs: a read from another
 *                                                  CPU is not tried - it would stop), the next
 *                                                  block goes elsewhere, the slot comes back
 *   special_pool_free_crash.read_after_free        manual: the kernel's code (this file) reads it:
 *                                                  0xCC PAGE_FAULT_IN_FREED_SPECIAL_POOL, P1 = the
 *                                                  address, P2 = 0 (read), P3 = the instruction;
 *                                                  the screen names the block, its tag and who
 *                                                  allocated and freed it
 *   special_pool_free_crash.driver_reads_after_free  manual: a driver's code (poolleaky's file,
 *                                                  tests/ktest/pool_leaky_driver.c) reads it:
 *                                                  0xD5 DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL
 *                                                  (tests/e2e/test_bugcheck_special_pool_free.py)
 */
#include "include/wdm.h"
#include "kernel/ke/verifier.h"
#include "kernel/mm/paging.h"
#include "kernel/mm/pool_special.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/pool_leaky_driver.h"

#define UAF_TAG IRQLAB_POOL_TAG("VfUf")

static bool mapped(const void *p) { return paging_is_mapped((uint64_t)(uintptr_t)p, false); }

static void freed_block_stays_unmapped(struct ktest *t)
{
    bool was = ke_verifier_set(KE_VERIFY_SPECIAL, true);
    uint32_t saved_tag = pool_special_tag();
    pool_special_set_tag(UAF_TAG);
    unsigned live = pool_special_live();

    uint8_t *p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 100, UAF_TAG);
    KTEST_ASSERT_NOT_NULL(t, p);
    p[0] = 1;
    KTEST_EXPECT_TRUE(t, mapped(p));
    ExFreePoolWithTag(p, UAF_TAG);
    KTEST_EXPECT_FALSE(t, mapped(p)); /* a read now would stop with 0xD5 */
    struct pool_special_block b;
    void *freer = NULL;
    KTEST_EXPECT_TRUE(t, pool_special_freed((uint64_t)(uintptr_t)p + 50, &b, &freer));
    KTEST_EXPECT_EQ(t, b.address, (uint64_t)(uintptr_t)p);
    KTEST_EXPECT_EQ(t, b.bytes, 100u);
    KTEST_EXPECT_EQ(t, b.tag, (uint32_t)UAF_TAG);
    KTEST_EXPECT_NOT_NULL(t, freer);

    uint8_t *q = ExAllocatePool2(POOL_FLAG_NON_PAGED, 100, UAF_TAG); /* round-robin: another slot */
    KTEST_ASSERT_NOT_NULL(t, q);
    KTEST_EXPECT_NE(t, (uint64_t)(uintptr_t)q, (uint64_t)(uintptr_t)p);
    KTEST_EXPECT_FALSE(t, mapped(p));
    KTEST_EXPECT_TRUE(t, mapped(q));
    ExFreePoolWithTag(q, UAF_TAG);

    /* Every other slot once: the first comes back, mapped again (same address, zeroed). */
    uint8_t *again = NULL;
    for (unsigned i = 0; i < 1024 && again != p; i++) {
        again = ExAllocatePool2(POOL_FLAG_NON_PAGED, 100, UAF_TAG);
        if (!again)
            break;
        if (again != p)
            ExFreePoolWithTag(again, UAF_TAG);
    }
    KTEST_EXPECT_TRUE(t, again == p);
    if (again == p) {
        KTEST_EXPECT_TRUE(t, mapped(p));
        KTEST_EXPECT_EQ(t, p[0], 0);
        KTEST_EXPECT_FALSE(t, pool_special_freed((uint64_t)(uintptr_t)p, &b, &freer)); /* live again */
        ExFreePoolWithTag(p, UAF_TAG);
    }
    KTEST_EXPECT_EQ(t, pool_special_live(), live);
    pool_special_set_tag(saved_tag);
    ke_verifier_set(KE_VERIFY_SPECIAL, was);
}

__attribute__((noinline)) static uint8_t read_freed(volatile uint8_t *p) { return p[16]; }

static void read_after_free(struct ktest *t)
{
    ke_verifier_set(KE_VERIFY_SPECIAL, true);
    pool_special_set_tag(UAF_TAG);
    volatile uint8_t *p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, UAF_TAG);
    KTEST_ASSERT_NOT_NULL(t, (void *)p);
    p[16] = 7;
    ExFreePoolWithTag((void *)p, UAF_TAG);
    (void)read_freed(p); /* stops */
    ktest_fail(t, __FILE__, __LINE__, "no stop");
}

static void driver_reads_after_free(struct ktest *t)
{
    ke_verifier_set(KE_VERIFY_SPECIAL, true);
    pool_special_set_tag(UAF_TAG);
    volatile UCHAR *p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, UAF_TAG);
    KTEST_ASSERT_NOT_NULL(t, (void *)p);
    ExFreePoolWithTag((void *)p, UAF_TAG);
    (void)pool_leaky_read(p); /* stops */
    ktest_fail(t, __FILE__, __LINE__, "no stop");
}

KTEST_SUITE(special_pool_free, KTEST_CASE(freed_block_stays_unmapped));
KTEST_MANUAL_SUITE(special_pool_free_crash, KTEST_CASE(read_after_free), KTEST_CASE(driver_reads_after_free));
