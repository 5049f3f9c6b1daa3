/* kernel/mm/pmm_core.h - the physical frame allocator's pure core: two bitmaps over 4 KiB frames.
 *
 * Intel SDM Vol. 3A section 4.1 (paging works on 4 KiB frames). This core only does arithmetic
 * on physical addresses: it never reads or writes the frames it manages, so the host unit tests
 * (tests/unit/test_pmm.c) can hand it made-up addresses. kernel/mm/pmm.c is the kernel wrapper
 * that feeds it the loader's memory map and adds a lock.
 *
 * One bit per frame in each of two bitmaps:
 *   managed[]  1 = the frame is RAM this allocator owns (usable and not reserved)
 *   used[]     1 = the frame is not free (allocated, reserved, or not RAM at all)
 * The second bitmap is what lets pmm_core_free() refuse to "free" the kernel image or a frame
 * that is already free, instead of silently corrupting the allocator.
 *
 * Frame 0 is never handed out, so a returned physical address of 0 always means "failed".
 */
#ifndef IRQLAB_MM_PMM_CORE_H
#define IRQLAB_MM_PMM_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PMM_FRAME_SIZE 4096ull
#define PMM_FRAME_SHIFT 12

/* A physical address range [base, base + length). */
struct pmm_range {
    uint64_t base;
    uint64_t length;
};

struct pmm_core {
    uint64_t *managed;     /* bitmap: frame belongs to the allocator */
    uint64_t *used;        /* bitmap: frame is not free */
    uint64_t frame_limit;  /* frames [0, frame_limit) are described by the bitmaps */
    uint64_t total_frames; /* number of managed frames */
    uint64_t free_frames;
    uint64_t next_hint; /* where the next single-frame search starts (next fit) */
};

enum pmm_status {
    PMM_OK = 0,
    PMM_ERR_UNALIGNED,     /* not a multiple of 4 KiB */
    PMM_ERR_NOT_MANAGED,   /* outside RAM we own: reserved, kernel image, MMIO, past the end */
    PMM_ERR_NOT_ALLOCATED, /* the frame is already free: a double free */
};

/* Words of storage needed for both bitmaps together for frames [0, frame_limit). */
size_t pmm_core_bitmap_words(uint64_t frame_limit);

/* Number of frames needed to describe every byte of the given ranges (end of the highest). */
uint64_t pmm_core_frame_limit(const struct pmm_range *ranges, size_t count);

/* Start with nothing managed. `storage` holds pmm_core_bitmap_words(frame_limit) words. */
void pmm_core_init(struct pmm_core *core, uint64_t *storage, uint64_t frame_limit);

/* Hand RAM to the allocator. Partial frames at either end are dropped (rounded inward), and
 * frame 0 is never added. Overlapping calls are harmless. */
void pmm_core_add_range(struct pmm_core *core, uint64_t base, uint64_t length);

/* Take frames away for good (rounded outward: any frame touching the range). Do this after
 * all pmm_core_add_range calls; reserved frames leave the managed set and the totals. */
void pmm_core_reserve_range(struct pmm_core *core, uint64_t base, uint64_t length);

/* One frame, anywhere; returns its physical address, or 0 if none is free. */
uint64_t pmm_core_alloc(struct pmm_core *core);

/* `pages` physically contiguous frames whose first address is a multiple of `align` (rounded
 * up to 4 KiB; must be a power of two) and whose last byte lies below `limit` (0 = no limit).
 * The lowest such run is taken. Returns its physical address, or 0. */
uint64_t pmm_core_alloc_contiguous(struct pmm_core *core, uint64_t pages, uint64_t align, uint64_t limit);

/* Free `pages` frames from `phys`. Nothing is changed unless every frame passes the checks;
 * on failure *bad_frame (optional) receives the first offending physical address. */
enum pmm_status pmm_core_free(struct pmm_core *core, uint64_t phys, uint64_t pages, uint64_t *bad_frame);

bool pmm_core_is_free(const struct pmm_core *core, uint64_t phys);
bool pmm_core_is_managed(const struct pmm_core *core, uint64_t phys);

/* Find the lowest page-aligned address >= `min` where `bytes` fit inside one of `usable`,
 * overlap none of `reserved`, and end at or below `limit`. Returns 0 if there is no room.
 * The kernel uses this to place the bitmaps themselves before the allocator exists. */
uint64_t pmm_find_free_space(const struct pmm_range *usable, size_t usable_count, const struct pmm_range *reserved,
                             size_t reserved_count, uint64_t bytes, uint64_t min, uint64_t limit);

#endif
