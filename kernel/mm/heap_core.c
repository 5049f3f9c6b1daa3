/* kernel/mm/heap_core.c - boundary-tag first-fit allocator (pure code; layout in heap_core.h).
 * Knuth, TAOCP Vol. 1 section 2.5, "Algorithm C" (liberation with boundary tags). */
#include "kernel/mm/heap_core.h"

#define HDR sizeof(struct heap_header)  /* 32 */
#define FTR sizeof(struct heap_footer)  /* 16 */
#define LINKS sizeof(struct heap_links) /* 16: a free block's payload holds its list links */
#define MIN_BLOCK (HDR + LINKS + FTR)   /* 64 */
#define ARENA_HDR sizeof(struct heap_arena)
#define MAX_REQUEST ((size_t)1 << 40) /* keeps every size computation far from overflow */

struct heap_links {
    struct heap_header *prev, *next;
};

static uintptr_t align_up(uintptr_t v, uintptr_t a) { return (v + a - 1) & ~(a - 1); }
static struct heap_links *links_of(struct heap_header *h) { return (struct heap_links *)(h + 1); }
static struct heap_footer *footer_of(const struct heap_header *h)
{
    return (struct heap_footer *)((uintptr_t)h + h->size - FTR);
}
static struct heap_header *next_of(const struct heap_header *h)
{
    return (struct heap_header *)((uintptr_t)h + h->size);
}
static struct heap_header *first_block(const struct heap_arena *a)
{
    return (struct heap_header *)((uintptr_t)a + ARENA_HDR + FTR);
}
static uintptr_t arena_end(const struct heap_arena *a) { return (uintptr_t)a + a->size - HDR; } /* edge header */
static uint64_t header_word(const struct heap_header *h) { return h->magic | (uint64_t)h->tag << 32; }

static void write_block(struct heap_header *h, uint32_t magic, uint64_t size, uint32_t tag, uint64_t requested)
{
    h->magic = magic;
    h->tag = tag;
    h->size = size;
    h->requested = requested;
    h->size_check = ~size;
    *footer_of(h) = (struct heap_footer){size, magic};
}

static bool header_sane(const struct heap_header *h, const struct heap_arena *a, uint32_t magic)
{
    uintptr_t at = (uintptr_t)h;
    return h->magic == magic && h->size_check == ~h->size && h->size >= MIN_BLOCK && h->size % HEAP_ALIGN == 0 &&
           at >= (uintptr_t)first_block(a) && at < arena_end(a) && h->size <= arena_end(a) - at &&
           footer_of(h)->size == h->size && footer_of(h)->magic == magic;
}

static struct heap_arena *arena_of(const struct heap_core *heap, uintptr_t p)
{
    for (struct heap_arena *a = heap->arenas; a; a = a->next)
        if (p >= (uintptr_t)first_block(a) + HDR && p < arena_end(a))
            return a;
    return NULL;
}

static void set_report(struct heap_report *r, enum heap_status s, const void *block, uint64_t value, uint64_t extra)
{
    r->status = s;
    r->block = (uintptr_t)block;
    r->value = value;
    r->extra = extra;
}

static void list_insert(struct heap_core *heap, struct heap_header *h)
{
    links_of(h)->prev = NULL;
    links_of(h)->next = heap->free_list;
    if (heap->free_list)
        links_of(heap->free_list)->prev = h;
    heap->free_list = h;
}

/* Links are checked before they are followed: an overrun into a free block must not turn
 * into a write through a garbage pointer. */
static bool points_into_heap(const struct heap_core *heap, const struct heap_header *p)
{
    return (uintptr_t)p % HEAP_ALIGN == 0 && arena_of(heap, (uintptr_t)p + HDR);
}

static bool list_links_ok(const struct heap_core *heap, struct heap_header *h, struct heap_report *r)
{
    struct heap_header *prev = links_of(h)->prev, *next = links_of(h)->next;
    bool ok = (prev ? points_into_heap(heap, prev) && links_of(prev)->next == h : heap->free_list == h) &&
              (!next || (points_into_heap(heap, next) && links_of(next)->prev == h));
    if (!ok && r)
        set_report(r, HEAP_ERR_FREE_LIST, h, (uintptr_t)prev, (uintptr_t)next);
    return ok;
}

static void list_remove(struct heap_core *heap, struct heap_header *h)
{
    struct heap_header *prev = links_of(h)->prev, *next = links_of(h)->next;
    if (prev)
        links_of(prev)->next = next;
    else
        heap->free_list = next;
    if (next)
        links_of(next)->prev = prev;
}

void heap_core_init(struct heap_core *heap) { *heap = (struct heap_core){0}; }

bool heap_core_add_arena(struct heap_core *heap, void *base, size_t size)
{
    uintptr_t start = align_up((uintptr_t)base, HEAP_ALIGN);
    if (size < start - (uintptr_t)base + ARENA_HDR + FTR + MIN_BLOCK + HDR)
        return false;
    size = (size - (start - (uintptr_t)base)) & ~(size_t)(HEAP_ALIGN - 1);
    struct heap_arena *a = (struct heap_arena *)start;
    *a = (struct heap_arena){.next = heap->arenas, .size = size};
    *(struct heap_footer *)(a + 1) = (struct heap_footer){0, HEAP_MAGIC_EDGE};
    struct heap_header *edge = (struct heap_header *)arena_end(a);
    *edge = (struct heap_header){.magic = HEAP_MAGIC_EDGE, .size = 0, .size_check = ~0ull};
    struct heap_header *h = first_block(a);
    write_block(h, HEAP_MAGIC_FREE, (uintptr_t)edge - (uintptr_t)h, 0, 0);
    list_insert(heap, h);
    heap->arenas = a;
    heap->arena_count++;
    return true;
}

static size_t block_size_for(size_t size)
{
    size_t need = HDR + align_up(size, HEAP_ALIGN) + FTR;
    return need < MIN_BLOCK ? MIN_BLOCK : need;
}

size_t heap_core_arena_size_for(size_t size, size_t align)
{
    size_t slack = align > HEAP_ALIGN ? align + MIN_BLOCK : 0; /* worst case in front of it */
    return ARENA_HDR + FTR + block_size_for(size) + slack + HDR;
}

void *heap_core_alloc(struct heap_core *heap, size_t size, size_t align, uint32_t tag, struct heap_report *report)
{
    if (report)
        *report = (struct heap_report){0};
    if (align < HEAP_ALIGN)
        align = HEAP_ALIGN;
    if (size == 0 || size > MAX_REQUEST || (align & (align - 1)) || align > MAX_REQUEST)
        return NULL;
    size_t need = block_size_for(size);
    for (struct heap_header *h = heap->free_list; h; h = links_of(h)->next) {
        struct heap_arena *arena = arena_of(heap, (uintptr_t)h + HDR);
        if (!arena || !header_sane(h, arena, HEAP_MAGIC_FREE)) {
            if (report)
                set_report(report, HEAP_ERR_BAD_NEIGHBOR, h, header_word(h), 0);
            return NULL;
        }
        if (!list_links_ok(heap, h, report))
            return NULL;
        /* Where would the block start? If the payload would be misaligned, leave a free block
         * of at least MIN_BLOCK in front and start at the next aligned payload after it. */
        uintptr_t start = (uintptr_t)h, end = start + h->size, b = start;
        if ((b + HDR) & (align - 1))
            b = align_up(start + MIN_BLOCK + HDR, align) - HDR;
        if (b + need > end)
            continue;

        list_remove(heap, h);
        if (b > start) {
            write_block(h, HEAP_MAGIC_FREE, b - start, 0, 0);
            list_insert(heap, h);
        }
        if (end - (b + need) < MIN_BLOCK) {
            need = end - b; /* the tail is too small to be a block: keep it as slack */
        } else {
            struct heap_header *rest = (struct heap_header *)(b + need);
            write_block(rest, HEAP_MAGIC_FREE, end - (b + need), 0, 0);
            list_insert(heap, rest);
        }
        struct heap_header *used = (struct heap_header *)b;
        write_block(used, HEAP_MAGIC_USED, need, tag, size);
        __builtin_memset((char *)(used + 1) + size, HEAP_CANARY_BYTE, need - HDR - FTR - size);
        heap->bytes_in_use += size;
        heap->blocks_in_use++;
        return used + 1;
    }
    return NULL;
}

/* Check the used block `h` (header, footer, canary) and, if good, fill in tag and size. */
static enum heap_status check_used(const struct heap_header *h, const struct heap_arena *a, struct heap_report *r)
{
    const uint8_t *payload = (const uint8_t *)(h + 1);
    if (h->magic == HEAP_MAGIC_FREE) {
        set_report(r, HEAP_ERR_DOUBLE_FREE, h, header_word(h), 0);
        return r->status;
    }
    uintptr_t at = (uintptr_t)h;
    if (h->magic != HEAP_MAGIC_USED || h->size_check != ~h->size || h->size < MIN_BLOCK || h->size % HEAP_ALIGN ||
        h->size > arena_end(a) - at || h->requested == 0 || h->requested > h->size - HDR - FTR) {
        set_report(r, HEAP_ERR_BAD_HEADER, h, header_word(h), 0);
        return r->status;
    }
    r->tag = h->tag;
    r->size = h->requested;
    /* Canary first: it lies before the footer, so it names the first damaged byte. */
    const uint8_t *footer = (const uint8_t *)footer_of(h), *bad = NULL;
    for (const uint8_t *p = payload + h->requested; p < footer && !bad; p++)
        if (*p != HEAP_CANARY_BYTE)
            bad = p;
    if (!bad && (footer_of(h)->size != h->size || footer_of(h)->magic != HEAP_MAGIC_USED))
        bad = footer;
    if (bad) {
        uint64_t found = 0;
        __builtin_memcpy(&found, bad, sizeof(found)); /* may straddle into the footer: fine */
        set_report(r, HEAP_ERR_OVERRUN, h, found, (uint64_t)(bad - payload));
        return r->status;
    }
    return HEAP_OK;
}

enum heap_status heap_core_block_size(const struct heap_core *heap, const void *ptr, size_t *size,
                                      struct heap_report *report)
{
    struct heap_report scratch;
    struct heap_report *r = report ? report : &scratch;
    *r = (struct heap_report){0};
    uintptr_t p = (uintptr_t)ptr;
    struct heap_arena *arena = arena_of(heap, p);
    if (!arena || p % HEAP_ALIGN) {
        set_report(r, HEAP_ERR_NOT_IN_HEAP, ptr, 0, 0);
        return r->status;
    }
    if (check_used((const struct heap_header *)(p - HDR), arena, r) != HEAP_OK)
        return r->status;
    *size = r->size;
    return HEAP_OK;
}

enum heap_status heap_core_free(struct heap_core *heap, void *ptr, uint32_t expected_tag, struct heap_report *report)
{
    struct heap_report scratch;
    struct heap_report *r = report ? report : &scratch;
    *r = (struct heap_report){0};
    uintptr_t p = (uintptr_t)ptr;
    struct heap_arena *arena = arena_of(heap, p);
    if (!arena || p % HEAP_ALIGN) {
        set_report(r, HEAP_ERR_NOT_IN_HEAP, ptr, 0, 0);
        return r->status;
    }
    struct heap_header *h = (struct heap_header *)(p - HDR);
    if (check_used(h, arena, r) != HEAP_OK)
        return r->status;
    if (expected_tag && expected_tag != h->tag) {
        set_report(r, HEAP_ERR_TAG_MISMATCH, h, h->tag, expected_tag);
        return r->status;
    }

    /* Validate both neighbours before changing anything. */
    struct heap_header *next = next_of(h);
    const struct heap_footer *prev_footer = (const struct heap_footer *)h - 1;
    struct heap_header *prev = NULL;
    bool next_free = next->magic == HEAP_MAGIC_FREE;
    if ((next_free && (!header_sane(next, arena, HEAP_MAGIC_FREE) || !list_links_ok(heap, next, r))) ||
        (!next_free && next->magic != HEAP_MAGIC_USED && next->magic != HEAP_MAGIC_EDGE)) {
        if (r->status == HEAP_OK)
            set_report(r, HEAP_ERR_BAD_NEIGHBOR, h, (uintptr_t)next, 0);
        return r->status;
    }
    if (prev_footer->magic == HEAP_MAGIC_FREE) {
        prev = (struct heap_header *)((uintptr_t)h - prev_footer->size);
        if (prev_footer->size > (uintptr_t)h - (uintptr_t)first_block(arena) ||
            !header_sane(prev, arena, HEAP_MAGIC_FREE) || !list_links_ok(heap, prev, r)) {
            if (r->status == HEAP_OK)
                set_report(r, HEAP_ERR_BAD_NEIGHBOR, h, (uintptr_t)prev, 0);
            return r->status;
        }
    } else if (prev_footer->magic != HEAP_MAGIC_USED && prev_footer->magic != HEAP_MAGIC_EDGE) {
        set_report(r, HEAP_ERR_BAD_NEIGHBOR, h, (uintptr_t)prev_footer, 0);
        return r->status;
    }

    heap->bytes_in_use -= h->requested;
    heap->blocks_in_use--;
    __builtin_memset(h + 1, HEAP_POISON_BYTE, h->size - HDR - FTR);
    uint64_t size = h->size;
    uint32_t tag = h->tag;
    if (next_free) {
        list_remove(heap, next);
        size += next->size; /* next's old header stays "Free": a double free of it is still caught */
    }
    if (prev) {
        list_remove(heap, prev);
        h->magic = HEAP_MAGIC_FREE;
        size += prev->size;
        h = prev;
    }
    write_block(h, HEAP_MAGIC_FREE, size, tag, 0);
    list_insert(heap, h);
    if (h == first_block(arena) && (uintptr_t)next_of(h) == arena_end(arena))
        r->empty_arena = arena;
    return HEAP_OK;
}

bool heap_core_take_empty_arena(struct heap_core *heap, void **base, size_t *size)
{
    for (struct heap_arena **link = &heap->arenas; *link && heap->arena_count > 1; link = &(*link)->next) {
        struct heap_arena *a = *link;
        struct heap_header *h = first_block(a);
        if (h->magic != HEAP_MAGIC_FREE || (uintptr_t)next_of(h) != arena_end(a))
            continue;
        list_remove(heap, h);
        *link = a->next;
        heap->arena_count--;
        *base = a;
        *size = a->size;
        return true;
    }
    return false;
}

enum heap_status heap_core_check(const struct heap_core *heap, struct heap_stats *stats, struct heap_report *report)
{
    struct heap_stats s = {0};
    struct heap_report scratch;
    struct heap_report *r = report ? report : &scratch;
    *r = (struct heap_report){0};
    for (const struct heap_arena *a = heap->arenas; a; a = a->next) {
        s.arenas++;
        s.arena_bytes += a->size;
        bool prev_free = false;
        struct heap_header *h = first_block(a);
        while ((uintptr_t)h < arena_end(a)) {
            bool is_free = h->magic == HEAP_MAGIC_FREE;
            if (is_free ? !header_sane(h, a, HEAP_MAGIC_FREE) : check_used(h, a, r) != HEAP_OK) {
                if (r->status == HEAP_OK)
                    set_report(r, HEAP_ERR_BAD_HEADER, h, header_word(h), 0);
                return r->status;
            }
            if (is_free && prev_free) { /* coalescing should have merged these */
                set_report(r, HEAP_ERR_BAD_NEIGHBOR, h, (uintptr_t)h, 0);
                return r->status;
            }
            if (is_free) {
                s.free_blocks++;
                s.free_bytes += h->size;
                s.largest_free = h->size > s.largest_free ? h->size : s.largest_free;
            } else {
                s.used_blocks++;
                s.used_bytes += h->requested;
            }
            prev_free = is_free;
            h = next_of(h);
        }
        if ((uintptr_t)h != arena_end(a) || h->magic != HEAP_MAGIC_EDGE) {
            set_report(r, HEAP_ERR_BAD_HEADER, h, header_word(h), 0);
            return r->status;
        }
    }
    size_t listed = 0;
    for (struct heap_header *h = heap->free_list; h && listed <= s.free_blocks; h = links_of(h)->next, listed++) {
        const struct heap_arena *a = arena_of(heap, (uintptr_t)h + HDR);
        if (!a || !header_sane(h, a, HEAP_MAGIC_FREE) || !list_links_ok(heap, h, r)) {
            if (r->status == HEAP_OK)
                set_report(r, HEAP_ERR_FREE_LIST, h, header_word(h), 0);
            return r->status;
        }
    }
    if (listed != s.free_blocks || s.used_blocks != heap->blocks_in_use || s.used_bytes != heap->bytes_in_use) {
        set_report(r, HEAP_ERR_FREE_LIST, heap->free_list, listed, s.free_blocks);
        return r->status;
    }
    if (stats)
        *stats = s;
    return HEAP_OK;
}
