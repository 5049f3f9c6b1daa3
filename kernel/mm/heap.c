/* kernel/mm/heap.c - the kernel heap: heap_core.c + a lock + frames from the pmm + bugchecks.
 * Stop codes and parameters as in learn.microsoft.com "Bug Check 0x19: BAD_POOL_HEADER" and
 * "Bug Check 0xC2: BAD_POOL_CALLER"; the mapping is listed in heap.h. */
#include "kernel/mm/heap.h"

#include "include/wdm.h"
#include "kernel/console/log.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/ke/rawlock.h"
#include "kernel/lib/string.h"
#include "kernel/mm/pmm.h"
#include "kernel/mm/pool.h"

#define HEAP_ARENA_MIN_BYTES (64u * 1024u)

static struct heap_core heap;
static raw_lock_t heap_lock = RAW_LOCK_INIT;

__attribute__((noreturn)) static void heap_corrupt(const struct heap_report *r, void *p)
{
    log_error("heap: corruption detected (status %d) freeing %p, block 0x%lx", (int)r->status, p,
              (unsigned long)r->block);
    switch (r->status) {
    case HEAP_ERR_NOT_IN_HEAP: KeBugCheckEx(BAD_POOL_CALLER, 0x46, (ULONG_PTR)p, 0, 0);
    case HEAP_ERR_DOUBLE_FREE: KeBugCheckEx(BAD_POOL_CALLER, 0x07, 0, r->value, (ULONG_PTR)p);
    case HEAP_ERR_BAD_HEADER: KeBugCheckEx(BAD_POOL_CALLER, 0x01, r->block, r->value, 0);
    case HEAP_ERR_TAG_MISMATCH: KeBugCheckEx(BAD_POOL_CALLER, 0x0A, (ULONG_PTR)p, r->value, r->extra);
    case HEAP_ERR_OVERRUN: KeBugCheckEx(BAD_POOL_HEADER, 0x21, (ULONG_PTR)p, r->size, r->value);
    case HEAP_ERR_FREE_LIST: KeBugCheckEx(BAD_POOL_HEADER, 0x03, r->block, r->extra, r->value);
    case HEAP_ERR_BAD_NEIGHBOR:
    default: KeBugCheckEx(BAD_POOL_HEADER, 0x05, r->block, 0, r->value);
    }
}

/* Called with heap_lock held: add an arena big enough for this request. */
static bool heap_grow(size_t size, size_t align)
{
    size_t bytes = heap_core_arena_size_for(size, align);
    if (bytes < HEAP_ARENA_MIN_BYTES)
        bytes = HEAP_ARENA_MIN_BYTES;
    size_t pages = (bytes + PMM_PAGE_SIZE - 1) / PMM_PAGE_SIZE;
    uint64_t phys = pmm_alloc_contiguous(pages, PMM_PAGE_SIZE);
    if (!phys)
        return false;
    return heap_core_add_arena(&heap, (void *)(uintptr_t)phys, pages * PMM_PAGE_SIZE);
}

void heap_init(void)
{
    heap_core_init(&heap);
    if (!heap_grow(0, 0))
        KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, 4, HEAP_ARENA_MIN_BYTES, 0, 0);
    log_info("heap: ready, %u KiB first arena", HEAP_ARENA_MIN_BYTES / 1024);
}

void *heap_alloc(size_t size, size_t align, uint32_t tag)
{
    struct heap_report report;
    uint64_t flags = raw_lock_acquire(&heap_lock);
    void *p = heap_core_alloc(&heap, size, align, tag, &report);
    if (!p && report.status == HEAP_OK && size && heap_grow(size, align))
        p = heap_core_alloc(&heap, size, align, tag, &report);
    raw_lock_release(&heap_lock, flags);
    if (!p && report.status != HEAP_OK)
        heap_corrupt(&report, NULL);
    if (p)
        pool_tag_charge(tag, size);
    return p;
}

void heap_free(void *p, uint32_t expected_tag, uint32_t *tag, size_t *size)
{
    struct heap_report report;
    void *arena = NULL;
    size_t arena_size = 0;
    uint64_t flags = raw_lock_acquire(&heap_lock);
    enum heap_status status = heap_core_free(&heap, p, expected_tag, &report);
    bool release = status == HEAP_OK && report.empty_arena && heap_core_take_empty_arena(&heap, &arena, &arena_size);
    raw_lock_release(&heap_lock, flags);
    if (status != HEAP_OK)
        heap_corrupt(&report, p);
    if (release)
        pmm_free_contiguous((uint64_t)(uintptr_t)arena, arena_size / PMM_PAGE_SIZE);
    pool_tag_credit(report.tag, report.size);
    if (tag)
        *tag = report.tag;
    if (size)
        *size = report.size;
}

size_t heap_block_size(const void *p)
{
    struct heap_report report;
    size_t size = 0;
    uint64_t flags = raw_lock_acquire(&heap_lock);
    enum heap_status status = heap_core_block_size(&heap, p, &size, &report);
    raw_lock_release(&heap_lock, flags);
    if (status != HEAP_OK)
        heap_corrupt(&report, (void *)(uintptr_t)p);
    return size;
}

void *kmalloc(size_t size) { return heap_alloc(size, HEAP_ALIGN, HEAP_TAG_KMALLOC); }

void *kzalloc(size_t size)
{
    void *p = kmalloc(size);
    if (p)
        memset(p, 0, size);
    return p;
}

void kfree(void *p)
{
    if (p)
        heap_free(p, 0, NULL, NULL);
}

enum heap_status heap_check(struct heap_stats *stats, struct heap_report *report)
{
    uint64_t flags = raw_lock_acquire(&heap_lock);
    enum heap_status status = heap_core_check(&heap, stats, report);
    raw_lock_release(&heap_lock, flags);
    return status;
}
