/* tests/ktest/mm_contiguous_test.c - MmAllocateContiguousMemory(SpecifyCache), MmFreeContiguousMemory,
 * MmGetPhysicalAddress (kernel/mm/mm_contiguous.c): what a driver needs for a descriptor ring. */
#include "include/wdm.h"
#include "kernel/mm/paging.h"
#include "kernel/mm/pmm.h"
#include "tests/ktest/ktest.h"

static void contiguous_block_is_physically_contiguous(struct ktest *t)
{
    uint64_t free_before = pmm_free_count();
    PHYSICAL_ADDRESS highest = {.QuadPart = 0xFFFFFFFF};
    UCHAR *ring = MmAllocateContiguousMemory(3 * 4096 + 100, highest); /* 4 pages */
    KTEST_ASSERT_NOT_NULL(t, ring);
    KTEST_EXPECT_EQ(t, pmm_free_count(), free_before - 4);
    PHYSICAL_ADDRESS first = MmGetPhysicalAddress(ring);
    KTEST_EXPECT_NE(t, first.QuadPart, 0);
    KTEST_EXPECT_LE(t, first.QuadPart + 4 * 4096 - 1, 0xFFFFFFFF);
    for (unsigned page = 0; page < 4; page++) { /* each page follows the one before */
        PHYSICAL_ADDRESS pa = MmGetPhysicalAddress(ring + page * 4096 + 17);
        KTEST_EXPECT_EQ(t, pa.QuadPart, first.QuadPart + page * 4096 + 17);
        ring[page * 4096] = (UCHAR)page;
    }
    KTEST_EXPECT_EQ(t, ring[3 * 4096], 3);
    MmFreeContiguousMemory(ring);
    KTEST_EXPECT_EQ(t, pmm_free_count(), free_before);
}

static void physical_address_of_any_mapped_address(struct ktest *t)
{
    int on_stack = 5; /* a kernel stack: not identity-mapped */
    struct paging_info info;
    KTEST_ASSERT_TRUE(t, paging_query((uint64_t)(uintptr_t)&on_stack, &info));
    KTEST_EXPECT_EQ(t, MmGetPhysicalAddress(&on_stack).QuadPart, (LONGLONG)info.phys);
    KTEST_EXPECT_NE(t, (uint64_t)MmGetPhysicalAddress(&on_stack).QuadPart, (uint64_t)(uintptr_t)&on_stack);
    KTEST_EXPECT_EQ(t, MmGetPhysicalAddress((PVOID)0x10).QuadPart, 0); /* page 0 is not mapped */
}

static void limits_are_kept(struct ktest *t)
{
    uint64_t free_before = pmm_free_count();
    PHYSICAL_ADDRESS tiny = {.QuadPart = 0xFFF}; /* nothing ends below 4 KiB */
    KTEST_EXPECT_NULL(t, MmAllocateContiguousMemory(4096, tiny));
    PHYSICAL_ADDRESS low = {.QuadPart = 0}, high = {.QuadPart = 0xFFFFFFFF}, boundary = {.QuadPart = 0x10000};
    UCHAR *block = MmAllocateContiguousMemorySpecifyCache(3 * 4096, low, high, boundary, MmNonCached);
    KTEST_ASSERT_NOT_NULL(t, block);
    uint64_t pa = (uint64_t)MmGetPhysicalAddress(block).QuadPart;
    KTEST_EXPECT_EQ(t, pa / 0x10000, (pa + 3 * 4096 - 1) / 0x10000); /* inside one 64 KiB window */
    MmFreeContiguousMemory(block);
    boundary.QuadPart = 4096; /* smaller than the block: cannot be met */
    KTEST_EXPECT_NULL(t, MmAllocateContiguousMemorySpecifyCache(2 * 4096, low, high, boundary, MmCached));
    KTEST_EXPECT_NULL(t, MmAllocateContiguousMemory(0, high));
    KTEST_EXPECT_EQ(t, pmm_free_count(), free_before);
}

KTEST_SUITE(mm_contiguous, KTEST_CASE(contiguous_block_is_physically_contiguous),
            KTEST_CASE(physical_address_of_any_mapped_address), KTEST_CASE(limits_are_kept));
