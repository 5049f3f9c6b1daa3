/* tests/ktest/mm_crash_test.c - pool and frame misuse that must stop the kernel (manual suite).
 *
 * Stop codes as learn.microsoft.com documents them ("Bug Check 0xC2: BAD_POOL_CALLER", "0x19:
 * BAD_POOL_HEADER", "0x4E: PFN_LIST_CORRUPT"); the parameters irqlab passes are listed in
 * kernel/mm/heap.h, kernel/mm/pool.c and kernel/mm/pmm.h. Each case ends the kernel (QEMU exit
 * status 35) with one stop screen; run one by hand:
 *
 *     make run-ktest CMDLINE='ktest=mm_crash.double_free'
 *
 * expected:  double_free      BAD_POOL_CALLER  P1 0x07
 *            wrong_tag        BAD_POOL_CALLER  P1 0x0A
 *            not_pool         BAD_POOL_CALLER  P1 0x46
 *            zero_tag         BAD_POOL_CALLER  P1 0x9B
 *            overrun          BAD_POOL_HEADER  P1 0x21
 *            frame_double_free PFN_LIST_CORRUPT P1 0x99
 * If a case returns, the check it exercises is missing, and the case fails.
 */
#include <stdint.h>

#include "include/wdm.h"
#include "kernel/mm/pmm.h"
#include "tests/ktest/ktest.h"

#define MM_CRASH_TAG IRQLAB_POOL_TAG("mmCr")

static void did_not_stop(struct ktest *t, const char *what)
{
    ktest_fail(t, __FILE__, __LINE__, "%s did not bugcheck", what);
}

static void double_free(struct ktest *t)
{
    void *p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, MM_CRASH_TAG);
    KTEST_ASSERT_NOT_NULL(t, p);
    ExFreePoolWithTag(p, MM_CRASH_TAG);
    ExFreePoolWithTag(p, MM_CRASH_TAG);
    did_not_stop(t, "a double free");
}

static void wrong_tag(struct ktest *t)
{
    void *p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, MM_CRASH_TAG);
    KTEST_ASSERT_NOT_NULL(t, p);
    ExFreePoolWithTag(p, IRQLAB_POOL_TAG("Othr"));
    did_not_stop(t, "freeing with the wrong tag");
}

static void not_pool(struct ktest *t)
{
    static uint64_t not_from_the_pool[4];
    ExFreePool(&not_from_the_pool[2]);
    did_not_stop(t, "freeing a .bss address");
}

static void zero_tag(struct ktest *t)
{
    void *volatile p = ExAllocatePoolWithTag(NonPagedPoolNx, 64, 0);
    (void)p;
    did_not_stop(t, "ExAllocatePoolWithTag with Tag 0");
}

static void overrun(struct ktest *t)
{
    volatile uint8_t *p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 20, MM_CRASH_TAG);
    KTEST_ASSERT_NOT_NULL(t, p);
    p[20] = 0x42; /* one byte past the end: lands in the canary */
    ExFreePoolWithTag((void *)p, MM_CRASH_TAG);
    did_not_stop(t, "a one-byte overrun");
}

static void frame_double_free(struct ktest *t)
{
    uint64_t frame = pmm_alloc_frame();
    KTEST_ASSERT_NE(t, frame, 0ull);
    pmm_free_frame(frame);
    pmm_free_frame(frame);
    did_not_stop(t, "freeing a frame twice");
}

KTEST_MANUAL_SUITE(mm_crash, KTEST_CASE(double_free), KTEST_CASE(wrong_tag), KTEST_CASE(not_pool), KTEST_CASE(zero_tag),
                   KTEST_CASE(overrun), KTEST_CASE(frame_double_free));
