/* kernel/mm/pool_special.h - verifier=special: Driver Verifier's special pool for one pool tag.
 *
 * learn.microsoft.com "Special Pool": each allocation gets pages of its own, placed so that the
 * allocation ends where an unmapped guard page begins. A write (or read) past the end faults at
 * that very instruction, and irqlab stops with 0xD6 DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION
 * (P1 = the address referenced, P2 = 0 read / 1 write, P3 = the instruction, P4 = the
 * allocation), naming the allocation's tag, size and allocator on the stop screen - instead of
 * a corrupted neighbour found much later. Allocations of up to POOL_SPECIAL_MAX_BYTES under
 * `verifier_special_tag=` go there while slots last; the rest is ordinary pool.
 * The end is aligned to 16 bytes (the pool's alignment), so an overrun of less than the
 * alignment slack is not caught (Windows checks those bytes when the block is freed). A freed
 * block's page is unmapped until its slot is reused: a use after free stops with 0xD5
 * DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL from a driver's code, 0xCC from the kernel's
 * (P1 = the address, P2 = 0 read / 1 write, P3 = the instruction, P4 = 0). */
#ifndef IRQLAB_MM_POOL_SPECIAL_H
#define IRQLAB_MM_POOL_SPECIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POOL_SPECIAL_MAX_BYTES (4096 - 16) /* a page or more is page-aligned (pool.c): ordinary pool */

struct pool_special_block {
    uint64_t address; /* what the caller got */
    size_t bytes;
    uint32_t tag;
    void *caller; /* who allocated it */
};

/* The tag in special pool (0: none); tests may change it. */
uint32_t pool_special_tag(void);
void pool_special_set_tag(uint32_t tag);
/* pool.c: an allocation in special pool, or NULL when this one does not go there. */
void *pool_special_alloc(size_t bytes, uint32_t tag, void *caller);
/* pool.c: true if `p` is a special-pool block (then it is freed here, tag checked as pool.c does,
 * and its page unmapped until the slot is reused: a later access stops with 0xD5). */
bool pool_special_free(void *p, uint32_t tag, void *caller);
/* Its size, for ExQueryPoolBlockSize; false if `p` is not a special-pool block. */
bool pool_special_size(void *p, size_t *bytes);
/* The page-fault handler: if `address` is in the special-pool region, fill *block with the
 * allocation whose guard (or whose freed slot) it hit and return true. */
bool pool_special_find(uint64_t address, struct pool_special_block *block);
/* The page-fault handler: if `address` is in a slot whose block was freed (and not reused), the
 * freed block and who freed it: a use after free (0xD5). */
bool pool_special_freed(uint64_t address, struct pool_special_block *block, void **freer);
/* Live special-pool blocks (tests). */
unsigned pool_special_live(void);

#endif
