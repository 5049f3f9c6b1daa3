/* kernel/mm/heap.h - the kernel heap: kmalloc/kzalloc/kfree and the tagged calls under
 * ExAllocatePool2 and friends (kernel/mm/pool.c).
 *
 * Non-paged (everything is), no-execute, 16-byte aligned. The allocator is heap_core.c; this
 * wrapper adds a raw lock (so any CPU may allocate, with interrupts on or off, at any IRQL),
 * grows the heap by taking physically contiguous frames from the pmm (64 KiB at least at a
 * time), gives arenas back when they become entirely free, and charges every allocation to its
 * pool tag (pool_tag_stats in kernel/mm/pool.h). kmalloc'd memory is charged to HEAP_TAG_KMALLOC.
 *
 * Heap corruption found by kfree/ExFreePool* is fatal, with the stop codes Windows uses:
 *   BAD_POOL_CALLER (0xC2)
 *     P1 0x01  the freed block's own header is corrupt   P2 header address, P3 its first 8 bytes
 *     P1 0x07  double free                               P3 header's first 8 bytes, P4 the address
 *     P1 0x0A  freed with the wrong tag                  P2 address, P3 allocator's tag, P4 tag given
 *     P1 0x46  the address was never a heap allocation   P2 the address
 *   BAD_POOL_HEADER (0x19)
 *     P1 0x03  free-list links corrupt                   P2 entry, P3 flink read back, P4 blink read back
 *     P1 0x05  a neighbour's header/footer is corrupt    P2 this block's header, P4 the neighbour
 *     P1 0x21  the owner wrote past its block            P2 address freed, P3 bytes allocated,
 *                                                        P4 the 8 bytes found at the first damage
 */
#ifndef IRQLAB_MM_HEAP_H
#define IRQLAB_MM_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/mm/heap_core.h"

/* "Kmlc" in memory, as a pool-tag dump shows it. */
#define HEAP_TAG_KMALLOC 0x636C6D4Bu

void heap_init(void);

/* NULL when out of memory or for size 0. kzalloc zeroes. kfree(NULL) does nothing. */
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);

/* Tagged allocation with an alignment (a power of two; 16 if smaller). Not zeroed. */
void *heap_alloc(size_t size, size_t align, uint32_t tag);
/* Free with a tag check (expected_tag 0: any). Bugchecks as listed above; on success the
 * block's tag and requested size are stored through the optional pointers. */
void heap_free(void *p, uint32_t expected_tag, uint32_t *tag, size_t *size);

/* The requested size of a live block (ExQueryPoolBlockSize). Bugchecks as kfree would for an
 * address that is not a live block (BAD_POOL_CALLER 0x46, 0x07, ...). */
size_t heap_block_size(const void *p);

/* Validate the whole heap. Returns the first problem (HEAP_OK if none) without bugchecking. */
enum heap_status heap_check(struct heap_stats *stats, struct heap_report *report);

#endif
