/* kernel/ke/vector_alloc.h - choosing a device vector, and so a device IRQL.
 *
 * A vector's IRQL is vector >> 4, so picking a vector picks the IRQL an ISR runs at. irqlab
 * spreads devices over DIRQL 3..11 round-robin (the first device gets 0x30 = DIRQL 3, the next
 * 0x40 = DIRQL 4, ...) so that even a small QEMU machine shows interrupts of different
 * priorities nesting. Pure code: tests/unit/test_vector_alloc.c runs it on the host.
 */
#ifndef IRQLAB_KE_VECTOR_ALLOC_H
#define IRQLAB_KE_VECTOR_ALLOC_H

#include <stdbool.h>
#include <stdint.h>

struct vector_allocator {
    uint8_t used[256 / 8];
    unsigned next_irql;   /* where the round-robin continues */
    unsigned first_irql;  /* device range, inclusive */
    unsigned last_irql;
};

void vector_allocator_init(struct vector_allocator *a, unsigned first_irql, unsigned last_irql);
/* irql == 0: any device IRQL (round-robin); otherwise a vector of exactly that IRQL.
 * Returns the vector, or -1 if none is free. */
int vector_allocator_alloc(struct vector_allocator *a, unsigned irql);
/* `count` contiguous vectors (a power of two, 1..16) whose first is a multiple of `count`, all in
 * one IRQL class - what multi-message MSI needs: the device makes message k by putting k into
 * the low bits of one data value (PCI Local Bus Specification 3.0 §6.8.1.6), so the vectors must
 * be base..base+count-1 with those low bits free, and one class keeps one IRQL for all of them.
 * irql == 0: any device IRQL (round-robin), else exactly that one. Returns the first vector, or
 * -1 if no such block is free (or count is not a power of two in 1..16). */
int vector_allocator_alloc_block(struct vector_allocator *a, unsigned count, unsigned irql);
/* Mark a specific vector used (false if it already was or lies outside the device range). */
bool vector_allocator_reserve(struct vector_allocator *a, unsigned vector);
void vector_allocator_free(struct vector_allocator *a, unsigned vector);
bool vector_allocator_is_used(const struct vector_allocator *a, unsigned vector);
unsigned vector_allocator_free_count(const struct vector_allocator *a);

#endif
