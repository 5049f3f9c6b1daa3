/* tests/ktest/mm_test.c - the memory manager, checked from inside the running kernel.
 *
 * Intel SDM Vol. 3A section 4.6 (access rights) and table 11-11 (PCD/PWT memory types): the
 * page-table cases walk the live tables (paging_query, never faulting) and check the rights the
 * layout in kernel/mm/paging.h promises. The allocator cases prove that what goes out comes
 * back: pmm free count, heap bytes and pool-tag bytes return to their start values.
 *
 * Run: build/ktest.elf with -append 'ktest=mm' (or make check-ktest GLOB=mm).
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "include/wdm.h"
#include "kernel/main.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/kstack.h"
#include "kernel/mm/paging.h"
#include "kernel/mm/pmm.h"
#include "kernel/mm/pool.h"
#include "tests/ktest/ktest.h"

extern char __text_start[], __rodata_start[], __data_start[], __bss_start[], __ksyms_start[], __kernel_start[];

#define LAPIC_BASE 0xFEE00000ull
#define LAPIC_VERSION_REGISTER 0x30
#define PAGE 4096ull

static uint64_t va_of(const void *p) { return (uint64_t)(uintptr_t)p; }

/* A small deterministic PRNG (xorshift64) so a failure replays identically. */
static uint64_t rng_state;
static uint64_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Something in .data and something in .bss to look up. */
static volatile uint64_t mm_test_data_word = 0x1234;
static volatile uint64_t mm_test_bss_word;

/* ---- page tables ---- */

static void page0_is_not_mapped(struct ktest *t)
{
    KTEST_EXPECT_FALSE(t, paging_is_mapped(0, false));
    KTEST_EXPECT_FALSE(t, paging_is_mapped(0xFFF, false));
    KTEST_EXPECT_TRUE(t, paging_is_mapped(0x1000, true)); /* the rest of low memory stays */
}

static void text_is_read_only_and_executable(struct ktest *t)
{
    struct paging_info info;
    KTEST_ASSERT_TRUE(t, paging_query(va_of(__text_start), &info));
    KTEST_EXPECT_FALSE(t, info.writable);
    KTEST_EXPECT_TRUE(t, info.executable);
    KTEST_ASSERT_TRUE(t, paging_query(va_of((const void *)page0_is_not_mapped), &info));
    KTEST_EXPECT_FALSE(t, info.writable);
    KTEST_EXPECT_TRUE(t, info.executable);
    KTEST_EXPECT_EQ(t, info.phys, va_of((const void *)page0_is_not_mapped)); /* identity */
    KTEST_EXPECT_FALSE(t, paging_is_mapped(va_of(__text_start), true));
}

static void rodata_and_ksyms_are_read_only_no_execute(struct ktest *t)
{
    const uint64_t addresses[] = {va_of(__kernel_start), va_of(__rodata_start), va_of(__ksyms_start)};
    for (unsigned i = 0; i < 3; i++) {
        struct paging_info info;
        KTEST_ASSERT_TRUE(t, paging_query(addresses[i], &info));
        KTEST_EXPECT_FALSE(t, info.writable);
        KTEST_EXPECT_FALSE(t, info.executable);
    }
}

static void data_and_bss_are_writable_no_execute(struct ktest *t)
{
    const uint64_t addresses[] = {va_of(__data_start), va_of((const void *)&mm_test_data_word), va_of(__bss_start),
                                  va_of((const void *)&mm_test_bss_word)};
    for (unsigned i = 0; i < 4; i++) {
        struct paging_info info;
        KTEST_ASSERT_TRUE(t, paging_query(addresses[i], &info));
        KTEST_EXPECT_TRUE(t, info.writable);
        KTEST_EXPECT_FALSE(t, info.executable); /* the XD bit: nothing in .data runs */
        KTEST_EXPECT_FALSE(t, info.uncached);
    }
}

static void ram_and_low_memory_are_writable_no_execute(struct ktest *t)
{
    struct paging_info info;
    KTEST_ASSERT_TRUE(t, paging_query(0x7000, &info)); /* below 1 MiB */
    KTEST_EXPECT_TRUE(t, info.writable);
    KTEST_EXPECT_FALSE(t, info.executable);
    KTEST_ASSERT_TRUE(t, paging_query(0xB8000, &info)); /* legacy VGA: uncached */
    KTEST_EXPECT_TRUE(t, info.uncached);

    /* Every usable region is mapped write-back RW NX, also above 4 GiB (with -m 4G). */
    for (unsigned i = 0; i < boot_info.region_count; i++) {
        const struct memory_region *r = &boot_info.regions[i];
        if (r->type != MEMORY_USABLE || r->base < 0x100000)
            continue;
        uint64_t last = (r->base + r->length - 1) & ~(PAGE - 1);
        KTEST_ASSERT_TRUE(t, paging_query(last, &info));
        KTEST_EXPECT_TRUE(t, info.writable);
        KTEST_EXPECT_FALSE(t, info.uncached);
        if (last >= 0x200000) /* beyond the kernel's first 2 MiB: no execute anywhere */
            KTEST_EXPECT_FALSE(t, info.executable);
    }
}

static void mmio_mapping_is_uncached(struct ktest *t)
{
    KTEST_ASSERT_EQ(t, paging_map_mmio(LAPIC_BASE, PAGE), LAPIC_BASE);
    KTEST_EXPECT_EQ(t, paging_map_mmio(LAPIC_BASE, PAGE), LAPIC_BASE); /* idempotent */
    struct paging_info info;
    KTEST_ASSERT_TRUE(t, paging_query(LAPIC_BASE + LAPIC_VERSION_REGISTER, &info));
    KTEST_EXPECT_TRUE(t, info.writable);
    KTEST_EXPECT_FALSE(t, info.executable);
    KTEST_EXPECT_TRUE(t, info.uncached);      /* PCD */
    KTEST_EXPECT_TRUE(t, info.write_through); /* PWT: PAT entry 3 = UC */
    KTEST_EXPECT_EQ(t, info.phys, LAPIC_BASE + LAPIC_VERSION_REGISTER);
    /* And it is the device: the local APIC version register reads 0x1X (integrated APIC). */
    uint32_t version = *(volatile uint32_t *)(uintptr_t)(LAPIC_BASE + LAPIC_VERSION_REGISTER);
    KTEST_EXPECT_EQ(t, version & 0xF0u, 0x10u);
    /* The kernel image and page 0 are never remapped as MMIO. */
    KTEST_EXPECT_EQ(t, paging_map_mmio(va_of(__text_start), PAGE), 0ull);
    KTEST_EXPECT_EQ(t, paging_map_mmio(0, PAGE), 0ull);
}

static void set_executable_flips_the_xd_bit(struct ktest *t)
{
    const uint64_t page = 0x7000; /* low memory, not the AP trampoline page (0x8000) */
    struct paging_info info;
    KTEST_ASSERT_TRUE(t, paging_set_executable(page, PAGE, true));
    KTEST_ASSERT_TRUE(t, paging_query(page, &info));
    KTEST_EXPECT_TRUE(t, info.executable);
    KTEST_EXPECT_TRUE(t, info.writable);
    KTEST_ASSERT_TRUE(t, paging_set_executable(page, PAGE, false));
    KTEST_ASSERT_TRUE(t, paging_query(page, &info));
    KTEST_EXPECT_FALSE(t, info.executable);
    KTEST_EXPECT_FALSE(t, paging_set_executable(0, PAGE, true)); /* page 0 is not mapped */
}

/* ---- kernel stacks ---- */

static void kstack_has_an_unmapped_guard(struct ktest *t)
{
    uint64_t top = kstack_alloc(KSTACK_DEFAULT_PAGES);
    KTEST_ASSERT_NE(t, top, 0ull);
    uint64_t bottom = top - KSTACK_DEFAULT_PAGES * PAGE;
    KTEST_EXPECT_EQ(t, top % 16, 0ull);
    KTEST_EXPECT_GE(t, top, (uint64_t)PAGING_KSTACK_BASE);
    KTEST_EXPECT_TRUE(t, paging_is_mapped(top - 8, true));
    KTEST_EXPECT_TRUE(t, paging_is_mapped(bottom, true));
    KTEST_EXPECT_FALSE(t, paging_is_mapped(bottom - 1, false)); /* the guard page */
    KTEST_EXPECT_FALSE(t, paging_is_mapped(bottom - PAGE, false));
    KTEST_EXPECT_TRUE(t, kstack_is_guard_address(bottom - 8));
    KTEST_EXPECT_FALSE(t, kstack_is_guard_address(bottom));
    uint64_t found_bottom = 0, found_top = 0;
    KTEST_EXPECT_TRUE(t, kstack_find(top - 100, &found_bottom, &found_top));
    KTEST_EXPECT_EQ(t, found_bottom, bottom);
    KTEST_EXPECT_EQ(t, found_top, top);
    KTEST_EXPECT_FALSE(t, kstack_find(bottom - 8, NULL, NULL));
    /* Usable: write the whole stack. */
    for (uint64_t a = bottom; a < top; a += 8)
        *(volatile uint64_t *)(uintptr_t)a = a;
    kstack_free(top);
    KTEST_EXPECT_FALSE(t, paging_is_mapped(top - 8, false));
    KTEST_EXPECT_FALSE(t, kstack_find(top - 8, NULL, NULL));
    KTEST_EXPECT_FALSE(t, kstack_is_guard_address(bottom - 8));
}

static void boot_cpu_runs_on_a_guarded_stack(struct ktest *t)
{
    uint64_t here = read_rbp(), bottom = 0, top = 0;
    KTEST_ASSERT_TRUE(t, kstack_find(here, &bottom, &top));
    KTEST_EXPECT_FALSE(t, paging_is_mapped(bottom - 1, false));
    KTEST_EXPECT_TRUE(t, kstack_is_guard_address(bottom - 1));
}

static void kstack_alloc_free_returns_every_frame(struct ktest *t)
{
    uint64_t start = pmm_free_count();
    uint64_t tops[8];
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < 8; i++) {
            tops[i] = kstack_alloc(1 + (size_t)i);
            KTEST_ASSERT_NE(t, tops[i], 0ull);
        }
        for (int i = 0; i < 8; i++)
            kstack_free(tops[i]);
    }
    /* Page tables created for the stack region stay, so allow for those few frames. */
    KTEST_EXPECT_LE(t, start - pmm_free_count(), 4ull);
    KTEST_EXPECT_EQ(t, kstack_alloc(0), 0ull);
    KTEST_EXPECT_EQ(t, kstack_alloc(1000), 0ull);
}

/* ---- physical memory ---- */

static void pmm_free_count_returns_to_start(struct ktest *t)
{
    uint64_t start = pmm_free_count();
    KTEST_EXPECT_LE(t, start, pmm_total_count());
    uint64_t frames[64];
    for (int i = 0; i < 64; i++) {
        frames[i] = pmm_alloc_frame();
        KTEST_ASSERT_NE(t, frames[i], 0ull);
        KTEST_EXPECT_EQ(t, frames[i] % PAGE, 0ull);
        KTEST_EXPECT_GE(t, frames[i], 0x100000ull);             /* nothing below 1 MiB */
        *(volatile uint64_t *)(uintptr_t)frames[i] = frames[i]; /* RAM, mapped, writable */
    }
    KTEST_EXPECT_EQ(t, pmm_free_count(), start - 64);
    for (int i = 0; i < 64; i++)
        pmm_free_frame(frames[i]);
    KTEST_EXPECT_EQ(t, pmm_free_count(), start);
}

static void pmm_contiguous_fits_a_dma_ring(struct ktest *t)
{
    uint64_t start = pmm_free_count();
    /* e1000: descriptor rings physically contiguous, 16-byte (we give 4 KiB) aligned, < 4 GiB. */
    uint64_t ring = pmm_alloc_contiguous(4, 16);
    KTEST_ASSERT_NE(t, ring, 0ull);
    KTEST_EXPECT_EQ(t, ring % PAGE, 0ull);
    KTEST_EXPECT_LE(t, ring + 4 * PAGE, PMM_DMA32_LIMIT);
    uint64_t big = pmm_alloc_contiguous(16, 64 * 1024);
    KTEST_ASSERT_NE(t, big, 0ull);
    KTEST_EXPECT_EQ(t, big % (64 * 1024), 0ull);
    KTEST_EXPECT_EQ(t, pmm_alloc_contiguous(1, 3 * PAGE), 0ull); /* not a power of two */
    pmm_free_contiguous(ring, 4);
    pmm_free_contiguous(big, 16);
    KTEST_EXPECT_EQ(t, pmm_free_count(), start);
}

/* ---- heap and pool ---- */

static void heap_survives_random_alloc_free(struct ktest *t)
{
    enum { SLOTS = 128, STEPS = 10000 };
    static uint8_t *blocks[SLOTS];
    static size_t sizes[SLOTS];
    struct heap_stats before, after;
    KTEST_ASSERT_EQ(t, heap_check(&before, NULL), HEAP_OK);
    uint64_t pmm_before = pmm_free_count();
    rng_state = 0x9E3779B97F4A7C15ull;
    for (int step = 0; step < STEPS; step++) {
        unsigned slot = (unsigned)(rng_next() % SLOTS);
        if (blocks[slot]) {
            for (size_t i = 0; i < sizes[slot]; i++)
                if (blocks[slot][i] != (uint8_t)slot) {
                    ktest_fail(t, __FILE__, __LINE__, "block %u byte %zu overwritten", slot, i);
                    return;
                }
            kfree(blocks[slot]);
            blocks[slot] = NULL;
        } else {
            size_t size = 1 + (size_t)(rng_next() % ((rng_next() % 16) ? 256 : 20000));
            blocks[slot] = kmalloc(size);
            KTEST_ASSERT_NOT_NULL(t, blocks[slot]);
            KTEST_EXPECT_EQ(t, va_of(blocks[slot]) % 16, 0ull);
            sizes[slot] = size;
            for (size_t i = 0; i < size; i++)
                blocks[slot][i] = (uint8_t)slot;
        }
        if (step % 1000 == 0)
            KTEST_ASSERT_EQ(t, heap_check(NULL, NULL), HEAP_OK);
    }
    for (unsigned slot = 0; slot < SLOTS; slot++) {
        kfree(blocks[slot]);
        blocks[slot] = NULL;
    }
    KTEST_ASSERT_EQ(t, heap_check(&after, NULL), HEAP_OK);
    KTEST_EXPECT_EQ(t, after.used_bytes, before.used_bytes);
    KTEST_EXPECT_EQ(t, after.used_blocks, before.used_blocks);
    KTEST_EXPECT_EQ(t, pmm_free_count(), pmm_before); /* grown arenas were given back */
}

static void kzalloc_zeroes_and_kfree_null_is_harmless(struct ktest *t)
{
    uint8_t *p = kmalloc(300);
    KTEST_ASSERT_NOT_NULL(t, p);
    for (int i = 0; i < 300; i++)
        p[i] = 0xAB;
    kfree(p);
    uint8_t *q = kzalloc(300); /* likely the same block, now zeroed */
    KTEST_ASSERT_NOT_NULL(t, q);
    for (int i = 0; i < 300; i++)
        KTEST_ASSERT_EQ(t, q[i], 0);
    kfree(q);
    kfree(NULL);
    KTEST_EXPECT_NULL(t, kmalloc(0));
}

static void pool_tag_accounting_balances(struct ktest *t)
{
    const ULONG tag = IRQLAB_POOL_TAG("mmT1");
    struct pool_stats before, during, after;
    pool_tag_stats(tag, &before);
    enum { N = 64 };
    void *p[N];
    uint64_t bytes = 0;
    for (int round = 0; round < 10; round++) {
        bytes = 0;
        for (int i = 0; i < N; i++) {
            SIZE_T size = 8 + (SIZE_T)i * 37;
            p[i] = ExAllocatePool2(POOL_FLAG_NON_PAGED, size, tag);
            KTEST_ASSERT_NOT_NULL(t, p[i]);
            bytes += size;
        }
        KTEST_ASSERT_TRUE(t, pool_tag_stats(tag, &during));
        KTEST_EXPECT_EQ(t, during.bytes_outstanding, before.bytes_outstanding + bytes);
        for (int i = 0; i < N; i++)
            ExFreePoolWithTag(p[i], tag);
    }
    KTEST_ASSERT_TRUE(t, pool_tag_stats(tag, &after));
    KTEST_EXPECT_EQ(t, after.bytes_outstanding, before.bytes_outstanding);
    KTEST_EXPECT_EQ(t, after.allocations - before.allocations, 10ull * N);
    KTEST_EXPECT_EQ(t, after.frees - before.frees, 10ull * N);
    KTEST_EXPECT_GE(t, after.peak_bytes, bytes);
    char text[5];
    KTEST_EXPECT_STREQ(t, pool_tag_text(tag, text), "mmT1");
}

static void count_tag(const struct pool_stats *stats, void *context)
{
    if (stats->tag == IRQLAB_POOL_TAG("mmT2"))
        ++*(unsigned *)context;
}

static void pool_for_each_tag_lists_a_new_tag(struct ktest *t)
{
    void *p = ExAllocatePoolWithTag(NonPagedPoolNx, 100, IRQLAB_POOL_TAG("mmT2"));
    KTEST_ASSERT_NOT_NULL(t, p);
    unsigned seen = 0;
    pool_for_each_tag(count_tag, &seen);
    KTEST_EXPECT_EQ(t, seen, 1u);
    ExFreePool(p);
}

static void pool_flags_behave_as_documented(struct ktest *t)
{
    const ULONG tag = IRQLAB_POOL_TAG("mmT3");
    /* Zeroed by default. */
    uint8_t *p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 200, tag);
    KTEST_ASSERT_NOT_NULL(t, p);
    for (int i = 0; i < 200; i++)
        KTEST_ASSERT_EQ(t, p[i], 0);
    struct paging_info info;
    KTEST_ASSERT_TRUE(t, paging_query(va_of(p), &info));
    KTEST_EXPECT_FALSE(t, info.executable);
    ExFreePoolWithTag(p, tag);
    /* Cache-aligned: 64 bytes; a page or more: page-aligned. */
    void *c = ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_CACHE_ALIGNED, 10, tag);
    KTEST_ASSERT_NOT_NULL(t, c);
    KTEST_EXPECT_EQ(t, va_of(c) % 64, 0ull);
    void *g = ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_UNINITIALIZED, 5000, tag);
    KTEST_ASSERT_NOT_NULL(t, g);
    KTEST_EXPECT_EQ(t, va_of(g) % PAGE, 0ull);
    ExFreePoolWithTag(c, tag);
    ExFreePool(g);
    /* Documented NULL returns: Tag 0 and invalid flags. */
    KTEST_EXPECT_NULL(t, ExAllocatePool2(POOL_FLAG_NON_PAGED, 16, 0));
    KTEST_EXPECT_NULL(t, ExAllocatePool2(0, 16, tag));
    KTEST_EXPECT_NULL(t, ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_PAGED, 16, tag));
    KTEST_EXPECT_NULL(t, ExAllocatePool2(POOL_FLAG_NON_PAGED_EXECUTE, 16, tag));
    KTEST_EXPECT_NULL(t, ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_SESSION, 16, tag));
    KTEST_EXPECT_NULL(t, ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_RESERVED2, 16, tag));
    /* Optional flags are ignored; paged pool is served (from non-paged memory). */
    void *o = ExAllocatePool2(POOL_FLAG_PAGED | POOL_FLAG_SPECIAL_POOL, 16, tag);
    KTEST_EXPECT_NOT_NULL(t, o);
    ExFreePool(o);
    /* Out of memory is NULL, not a crash. */
    KTEST_EXPECT_NULL(t, ExAllocatePool2(POOL_FLAG_NON_PAGED, (SIZE_T)1 << 40, tag));
    struct pool_stats s;
    pool_tag_stats(tag, &s);
    KTEST_EXPECT_EQ(t, s.bytes_outstanding, 0ull);
}

KTEST_SUITE(mm, KTEST_CASE(page0_is_not_mapped), KTEST_CASE(text_is_read_only_and_executable),
            KTEST_CASE(rodata_and_ksyms_are_read_only_no_execute), KTEST_CASE(data_and_bss_are_writable_no_execute),
            KTEST_CASE(ram_and_low_memory_are_writable_no_execute), KTEST_CASE(mmio_mapping_is_uncached),
            KTEST_CASE(set_executable_flips_the_xd_bit), KTEST_CASE(kstack_has_an_unmapped_guard),
            KTEST_CASE(boot_cpu_runs_on_a_guarded_stack), KTEST_CASE(kstack_alloc_free_returns_every_frame),
            KTEST_CASE(pmm_free_count_returns_to_start), KTEST_CASE(pmm_contiguous_fits_a_dma_ring),
            KTEST_CASE(heap_survives_random_alloc_free), KTEST_CASE(kzalloc_zeroes_and_kfree_null_is_harmless),
            KTEST_CASE(pool_tag_accounting_balances), KTEST_CASE(pool_for_each_tag_lists_a_new_tag),
            KTEST_CASE(pool_flags_behave_as_documented));
