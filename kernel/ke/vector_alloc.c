/* kernel/ke/vector_alloc.c - a 256-bit bitmap and a round-robin over device IRQLs. */
#include "kernel/ke/vector_alloc.h"

static bool in_range(const struct vector_allocator *a, unsigned vector)
{
    return vector < 256 && (vector >> 4) >= a->first_irql && (vector >> 4) <= a->last_irql;
}

static bool test(const struct vector_allocator *a, unsigned v) { return a->used[v / 8] & (1u << (v % 8)); }
static void set(struct vector_allocator *a, unsigned v) { a->used[v / 8] |= (uint8_t)(1u << (v % 8)); }
static void clear(struct vector_allocator *a, unsigned v) { a->used[v / 8] &= (uint8_t) ~(1u << (v % 8)); }

void vector_allocator_init(struct vector_allocator *a, unsigned first_irql, unsigned last_irql)
{
    for (unsigned i = 0; i < sizeof(a->used); i++)
        a->used[i] = 0;
    a->first_irql = first_irql;
    a->last_irql = last_irql;
    a->next_irql = first_irql;
}

/* Lowest free vector of one IRQL class, or -1. */
static int alloc_in_class(struct vector_allocator *a, unsigned irql)
{
    for (unsigned v = irql << 4; v < ((irql + 1) << 4); v++) {
        if (!test(a, v)) {
            set(a, v);
            return (int)v;
        }
    }
    return -1;
}

int vector_allocator_alloc(struct vector_allocator *a, unsigned irql)
{
    if (irql != 0)
        return irql >= a->first_irql && irql <= a->last_irql ? alloc_in_class(a, irql) : -1;
    unsigned classes = a->last_irql - a->first_irql + 1;
    for (unsigned i = 0; i < classes; i++) {
        unsigned c = a->next_irql;
        a->next_irql = c == a->last_irql ? a->first_irql : c + 1;
        int v = alloc_in_class(a, c);
        if (v >= 0)
            return v;
    }
    return -1;
}

/* Lowest free aligned block of `count` vectors in one IRQL class, or -1. */
static int alloc_block_in_class(struct vector_allocator *a, unsigned irql, unsigned count)
{
    for (unsigned base = irql << 4; base < ((irql + 1) << 4); base += count) {
        unsigned i = 0;
        while (i < count && !test(a, base + i))
            i++;
        if (i == count) {
            for (i = 0; i < count; i++)
                set(a, base + i);
            return (int)base;
        }
    }
    return -1;
}

int vector_allocator_alloc_block(struct vector_allocator *a, unsigned count, unsigned irql)
{
    if (count == 0 || count > 16 || (count & (count - 1)) != 0)
        return -1;
    if (irql != 0)
        return irql >= a->first_irql && irql <= a->last_irql ? alloc_block_in_class(a, irql, count) : -1;
    unsigned classes = a->last_irql - a->first_irql + 1;
    for (unsigned i = 0; i < classes; i++) {
        unsigned c = a->next_irql;
        a->next_irql = c == a->last_irql ? a->first_irql : c + 1;
        int v = alloc_block_in_class(a, c, count);
        if (v >= 0)
            return v;
    }
    return -1;
}

bool vector_allocator_reserve(struct vector_allocator *a, unsigned vector)
{
    if (!in_range(a, vector) || test(a, vector))
        return false;
    set(a, vector);
    return true;
}

void vector_allocator_free(struct vector_allocator *a, unsigned vector)
{
    if (in_range(a, vector))
        clear(a, vector);
}

bool vector_allocator_is_used(const struct vector_allocator *a, unsigned vector)
{
    return in_range(a, vector) && test(a, vector);
}

unsigned vector_allocator_free_count(const struct vector_allocator *a)
{
    unsigned n = 0;
    for (unsigned v = a->first_irql << 4; v < ((a->last_irql + 1) << 4); v++)
        n += !test(a, v);
    return n;
}
