/* kernel/mm/pool.h - per-tag accounting of heap allocations (what poolmon shows on Windows).
 *
 * Every heap allocation, ExAllocatePool2/ExAllocatePoolWithTag or kmalloc (tag "Kmlc"), is
 * charged to its tag; every free is credited back. Tests use this to prove that a sequence of
 * operations leaks nothing (bytes_outstanding back to where it was); the shell's `pool`
 * command lists it.
 */
#ifndef IRQLAB_MM_POOL_H
#define IRQLAB_MM_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Tags are kept in a fixed table; once it is full, new tags are counted under this one. */
#define POOL_TAG_TABLE_SIZE 256
#define POOL_TAG_OVERFLOW 0x6C66764Fu /* "Ovfl" */

struct pool_stats {
    uint32_t tag;               /* as passed to ExAllocatePool2 ('Tag1' is "1gaT" in memory) */
    uint64_t allocations;       /* successful allocations ever */
    uint64_t frees;             /* frees ever */
    uint64_t bytes_outstanding; /* requested bytes allocated and not yet freed */
    uint64_t peak_bytes;        /* highest bytes_outstanding seen */
};

/* Statistics for one tag; false (and *stats zeroed) if the tag was never used. */
bool pool_tag_stats(uint32_t tag, struct pool_stats *stats);

/* Call `fn` once per tag ever used, in first-use order. `fn` gets a copy and runs without any
 * pool lock held, so it may allocate or print. */
typedef void (*pool_tag_callback)(const struct pool_stats *stats, void *context);
void pool_for_each_tag(pool_tag_callback fn, void *context);

/* The tag as four printable characters in memory order ("Tag1"), non-printables as '.'. */
const char *pool_tag_text(uint32_t tag, char out[5]);

/* Called by kernel/mm/heap.c for every allocation and free. */
void pool_tag_charge(uint32_t tag, size_t bytes);
void pool_tag_credit(uint32_t tag, size_t bytes);

#endif
