/* kernel/mm/pmm_core.c - bitmap frame allocator (pure code; see pmm_core.h).
 * Intel SDM Vol. 3A section 4.1: the 4 KiB frame is the unit of physical memory we hand out.
 *
 * Why a bitmap and not a free list: contiguous, aligned runs (DMA rings) are a linear scan, the
 * state of every frame is visible in a debugger, and a double free is detectable. The cost,
 * one bit per frame, is 32 KiB per GiB for the two bitmaps together.
 */
#include "kernel/mm/pmm_core.h"

#define BITS_PER_WORD 64u
#define ALL_ONES (~0ull)

static uint64_t words_for(uint64_t frames) { return (frames + BITS_PER_WORD - 1) / BITS_PER_WORD; }

static bool bit_test(const uint64_t *map, uint64_t frame)
{
    return (map[frame / BITS_PER_WORD] >> (frame % BITS_PER_WORD)) & 1u;
}

static void bit_set(uint64_t *map, uint64_t frame) { map[frame / BITS_PER_WORD] |= 1ull << (frame % BITS_PER_WORD); }
static void bit_clear(uint64_t *map, uint64_t frame)
{
    map[frame / BITS_PER_WORD] &= ~(1ull << (frame % BITS_PER_WORD));
}

size_t pmm_core_bitmap_words(uint64_t frame_limit) { return (size_t)(2 * words_for(frame_limit)); }

uint64_t pmm_core_frame_limit(const struct pmm_range *ranges, size_t count)
{
    uint64_t end = 0;
    for (size_t i = 0; i < count; i++)
        if (ranges[i].length && ranges[i].base + ranges[i].length > end)
            end = ranges[i].base + ranges[i].length;
    return (end + PMM_FRAME_SIZE - 1) >> PMM_FRAME_SHIFT;
}

void pmm_core_init(struct pmm_core *core, uint64_t *storage, uint64_t frame_limit)
{
    uint64_t words = words_for(frame_limit);
    core->managed = storage;
    core->used = storage + words;
    core->frame_limit = frame_limit;
    core->total_frames = 0;
    core->free_frames = 0;
    core->next_hint = 0;
    for (uint64_t i = 0; i < words; i++) {
        core->managed[i] = 0;
        core->used[i] = ALL_ONES; /* everything is "not free" until someone says it is RAM */
    }
}

void pmm_core_add_range(struct pmm_core *core, uint64_t base, uint64_t length)
{
    if (length == 0 || base + length < base)
        return;
    uint64_t first = (base + PMM_FRAME_SIZE - 1) >> PMM_FRAME_SHIFT; /* inward: whole frames only */
    uint64_t end = (base + length) >> PMM_FRAME_SHIFT;
    if (first == 0)
        first = 1; /* frame 0 stays out: 0 is the "no memory" return value */
    if (end > core->frame_limit)
        end = core->frame_limit;
    for (uint64_t f = first; f < end; f++) {
        if (bit_test(core->managed, f))
            continue; /* overlapping ranges: count each frame once */
        bit_set(core->managed, f);
        bit_clear(core->used, f);
        core->total_frames++;
        core->free_frames++;
    }
}

void pmm_core_reserve_range(struct pmm_core *core, uint64_t base, uint64_t length)
{
    if (length == 0)
        return;
    uint64_t first = base >> PMM_FRAME_SHIFT; /* outward: any frame the range touches */
    uint64_t last_byte = base + length - 1 < base ? UINT64_MAX : base + length - 1;
    uint64_t end = (last_byte >> PMM_FRAME_SHIFT) + 1;
    if (end > core->frame_limit)
        end = core->frame_limit;
    for (uint64_t f = first; f < end; f++) {
        if (!bit_test(core->managed, f))
            continue;
        if (!bit_test(core->used, f))
            core->free_frames--;
        bit_clear(core->managed, f);
        bit_set(core->used, f);
        core->total_frames--;
    }
}

/* First free frame in [from, to), or `to` if there is none. Skips full words 64 frames at a
 * time; a frame past frame_limit is never free because init left its used bit set. */
static uint64_t find_free(const struct pmm_core *core, uint64_t from, uint64_t to)
{
    uint64_t f = from;
    while (f < to) {
        uint64_t word = core->used[f / BITS_PER_WORD] | ((1ull << (f % BITS_PER_WORD)) - 1);
        if (word != ALL_ONES) {
            uint64_t hit = (f & ~(uint64_t)(BITS_PER_WORD - 1)) + (uint64_t)__builtin_ctzll(~word);
            return hit < to ? hit : to;
        }
        f = (f | (BITS_PER_WORD - 1)) + 1;
    }
    return to;
}

uint64_t pmm_core_alloc(struct pmm_core *core)
{
    if (core->free_frames == 0)
        return 0;
    uint64_t f = find_free(core, core->next_hint, core->frame_limit);
    if (f == core->frame_limit)
        f = find_free(core, 0, core->next_hint); /* wrap around once */
    if (f >= core->frame_limit)
        return 0;
    bit_set(core->used, f);
    core->free_frames--;
    core->next_hint = f + 1;
    return f << PMM_FRAME_SHIFT;
}

uint64_t pmm_core_alloc_contiguous(struct pmm_core *core, uint64_t pages, uint64_t align, uint64_t limit)
{
    if (pages == 0 || pages > core->free_frames || (align & (align - 1)))
        return 0;
    uint64_t align_frames = align <= PMM_FRAME_SIZE ? 1 : align >> PMM_FRAME_SHIFT;
    uint64_t end = core->frame_limit;
    if (limit && (limit >> PMM_FRAME_SHIFT) < end)
        end = limit >> PMM_FRAME_SHIFT;

    uint64_t start = align_frames; /* never frame 0 */
    while (start + pages <= end) {
        /* Move to the next free frame, then up to the alignment. */
        uint64_t f = find_free(core, start, end);
        start = (f + align_frames - 1) & ~(align_frames - 1);
        if (start + pages > end)
            break;
        /* Is the whole run free? If not, restart past the first used frame inside it. */
        uint64_t run = 0;
        while (run < pages && !bit_test(core->used, start + run))
            run++;
        if (run == pages) {
            for (uint64_t i = 0; i < pages; i++)
                bit_set(core->used, start + i);
            core->free_frames -= pages;
            return start << PMM_FRAME_SHIFT;
        }
        start += run + 1;
    }
    return 0;
}

enum pmm_status pmm_core_free(struct pmm_core *core, uint64_t phys, uint64_t pages, uint64_t *bad_frame)
{
    if (phys & (PMM_FRAME_SIZE - 1)) {
        if (bad_frame)
            *bad_frame = phys;
        return PMM_ERR_UNALIGNED;
    }
    uint64_t first = phys >> PMM_FRAME_SHIFT;
    /* Check everything first, so a bad request leaves the bitmaps untouched. */
    for (uint64_t i = 0; i < pages; i++) {
        uint64_t f = first + i;
        enum pmm_status status = PMM_OK;
        if (f >= core->frame_limit || !bit_test(core->managed, f))
            status = PMM_ERR_NOT_MANAGED;
        else if (!bit_test(core->used, f))
            status = PMM_ERR_NOT_ALLOCATED;
        if (status != PMM_OK) {
            if (bad_frame)
                *bad_frame = f << PMM_FRAME_SHIFT;
            return status;
        }
    }
    for (uint64_t i = 0; i < pages; i++)
        bit_clear(core->used, first + i);
    core->free_frames += pages;
    return PMM_OK;
}

bool pmm_core_is_managed(const struct pmm_core *core, uint64_t phys)
{
    uint64_t f = phys >> PMM_FRAME_SHIFT;
    return f < core->frame_limit && bit_test(core->managed, f);
}

bool pmm_core_is_free(const struct pmm_core *core, uint64_t phys)
{
    uint64_t f = phys >> PMM_FRAME_SHIFT;
    return f < core->frame_limit && !bit_test(core->used, f);
}

static bool overlaps(uint64_t a, uint64_t a_len, uint64_t b, uint64_t b_len) { return a < b + b_len && b < a + a_len; }

uint64_t pmm_find_free_space(const struct pmm_range *usable, size_t usable_count, const struct pmm_range *reserved,
                             size_t reserved_count, uint64_t bytes, uint64_t min, uint64_t limit)
{
    uint64_t best = 0;
    bytes = (bytes + PMM_FRAME_SIZE - 1) & ~(PMM_FRAME_SIZE - 1);
    for (size_t i = 0; i < usable_count; i++) {
        uint64_t lo = usable[i].base > min ? usable[i].base : min;
        uint64_t hi = usable[i].base + usable[i].length;
        uint64_t at = (lo + PMM_FRAME_SIZE - 1) & ~(PMM_FRAME_SIZE - 1);
        if (at == 0)
            at = PMM_FRAME_SIZE;
        /* Slide `at` past every reserved range it hits; stop when nothing moves it. */
        bool moved = true;
        while (moved && at + bytes <= hi) {
            moved = false;
            for (size_t r = 0; r < reserved_count; r++) {
                if (reserved[r].length && overlaps(at, bytes, reserved[r].base, reserved[r].length)) {
                    uint64_t end = reserved[r].base + reserved[r].length;
                    at = (end + PMM_FRAME_SIZE - 1) & ~(PMM_FRAME_SIZE - 1);
                    moved = true;
                }
            }
        }
        if (at + bytes <= hi && (!limit || at + bytes <= limit) && (!best || at < best))
            best = at;
    }
    return best;
}
