/* kernel/mm/heap_core.h - the kernel heap's pure core: first fit over arenas with boundary tags.
 *
 * Knuth, TAOCP Vol. 1 section 2.5 (boundary-tag method). No kernel headers: the host unit tests
 * (tests/unit/test_heap.c) run the same code over malloc'd arenas; kernel/mm/heap.c adds the
 * lock, takes arenas from the pmm and turns errors into bugchecks.
 *
 * An arena is one contiguous piece of memory cut into blocks that tile it exactly:
 *
 *   | arena | edge footer | block | block | ... | block | edge header |
 *
 *   block = | header (32 B) | payload ... | canary | footer (16 B) |
 *
 * Every block starts with a header and ends with a footer that repeats its size, so free() can
 * find both neighbours in O(1) and merge free ones (coalescing: two free blocks are never
 * adjacent). The edge markers make the arena ends look like "used" neighbours.
 * Free blocks are on one doubly linked list kept in their payloads; allocation takes the first
 * that fits. Payloads are 16-byte aligned (more on request).
 *
 * Corruption detection, checked on every free:
 *   * header magic ("Used"/"Free") and size_check (= ~size): a wild write into a header;
 *   * the canary bytes between the end of what was asked for and the footer, and the footer
 *     itself: the owner wrote past its block (overrun);
 *   * magic "Free" on the block being freed: a double free;
 *   * the neighbours' headers/footers and free-list links: someone else's overrun.
 * Freed payloads are filled with 0xDD so a use-after-free reads obvious garbage.
 */
#ifndef IRQLAB_MM_HEAP_CORE_H
#define IRQLAB_MM_HEAP_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HEAP_ALIGN 16u
#define HEAP_MAGIC_USED 0x64657355u /* "Used" in memory */
#define HEAP_MAGIC_FREE 0x65657246u /* "Free" */
#define HEAP_MAGIC_EDGE 0x65676445u /* "Edge": the arena's end markers */
#define HEAP_CANARY_BYTE 0xCBu      /* between the requested size and the footer */
#define HEAP_POISON_BYTE 0xDDu      /* freed payloads */

struct heap_header {
    uint32_t magic;
    uint32_t tag;        /* the owner's pool tag (kept after free, for post-mortems) */
    uint64_t size;       /* whole block, header to footer inclusive; a multiple of 16 */
    uint64_t requested;  /* bytes the caller asked for (0 when free) */
    uint64_t size_check; /* ~size */
};

struct heap_footer {
    uint64_t size;  /* == header size */
    uint64_t magic; /* == header magic */
};

struct heap_arena {
    struct heap_arena *next;
    uint64_t size; /* whole arena, this struct included */
    uint64_t reserved[2];
};

struct heap_core {
    struct heap_arena *arenas;
    struct heap_header *free_list;
    size_t arena_count;
    size_t bytes_in_use; /* sum of `requested` over live blocks */
    size_t blocks_in_use;
};

enum heap_status {
    HEAP_OK = 0,
    HEAP_ERR_NOT_IN_HEAP,  /* the pointer is not a payload address inside any arena */
    HEAP_ERR_DOUBLE_FREE,  /* the block is already free */
    HEAP_ERR_BAD_HEADER,   /* the block's own header is not a valid used header */
    HEAP_ERR_OVERRUN,      /* canary or footer changed: written past the requested size */
    HEAP_ERR_TAG_MISMATCH, /* freed with a tag other than the one it was allocated with */
    HEAP_ERR_BAD_NEIGHBOR, /* an adjacent block's header/footer is corrupt */
    HEAP_ERR_FREE_LIST,    /* a free block's list links are corrupt */
};

/* What went wrong (or, after a good free, what was freed). */
struct heap_report {
    enum heap_status status;
    uintptr_t block;                /* header address of the block concerned */
    uint64_t value;                 /* BAD_HEADER/DOUBLE_FREE: the header's first 8 bytes; OVERRUN: the 8 bytes
                                       found at the first damaged offset; TAG_MISMATCH: the block's tag;
                                       BAD_NEIGHBOR/FREE_LIST: the neighbour's or list entry's address */
    uint64_t extra;                 /* OVERRUN: offset of the damage from the payload; TAG_MISMATCH: the tag
                                       given to free; FREE_LIST: the link value read back */
    uint32_t tag;                   /* after a good free: the block's tag */
    size_t size;                    /* after a good free: its requested size */
    struct heap_arena *empty_arena; /* after a good free: the arena is now entirely free */
};

struct heap_stats {
    size_t arenas, arena_bytes;
    size_t used_blocks, used_bytes; /* used_bytes = requested bytes */
    size_t free_blocks, free_bytes, largest_free;
};

void heap_core_init(struct heap_core *heap);

/* Add [base, base+size) as a new arena. Returns false if it is too small to hold one block. */
bool heap_core_add_arena(struct heap_core *heap, void *base, size_t size);

/* Smallest arena that can satisfy heap_core_alloc(size, align) on its own. */
size_t heap_core_arena_size_for(size_t size, size_t align);

/* `size` bytes (> 0) whose address is a multiple of `align` (a power of two; < 16 means 16).
 * NULL when nothing fits; if a corrupt free block was met, report->status says so. */
void *heap_core_alloc(struct heap_core *heap, size_t size, size_t align, uint32_t tag, struct heap_report *report);

/* Free `ptr`. expected_tag 0 accepts any tag. Nothing is changed unless HEAP_OK is returned. */
enum heap_status heap_core_free(struct heap_core *heap, void *ptr, uint32_t expected_tag, struct heap_report *report);

/* The requested size of the live block at `ptr` (a payload address), after the same checks as
 * heap_core_free; nothing is changed. */
enum heap_status heap_core_block_size(const struct heap_core *heap, const void *ptr, size_t *size,
                                      struct heap_report *report);

/* Remove one arena that is entirely free (never the last arena), so its memory can be given
 * back. Returns false if there is none. */
bool heap_core_take_empty_arena(struct heap_core *heap, void **base, size_t *size);

/* Walk every block and the free list, checking all invariants; fills *stats (optional).
 * The first problem found is returned and described in *report (optional). */
enum heap_status heap_core_check(const struct heap_core *heap, struct heap_stats *stats, struct heap_report *report);

#endif
