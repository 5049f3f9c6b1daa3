/* tests/unit/test_heap.c - host tests of the kernel heap's core (boundary tags, first fit).
 * unit-sources: kernel/mm/heap_core.c
 *
 * Arenas are ordinary malloc'd buffers. Besides the normal paths, every corruption the core
 * claims to detect is produced on purpose (double free, overrun into the canary and into the
 * footer, a smashed header, a smashed neighbour, broken free-list links, the wrong tag, a
 * pointer that was never allocated), and a randomized run checks all invariants as it goes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/mm/heap_core.h"

#define ARENA_SIZE (64 * 1024)
#define TAG_A 0x41414141u
#define TAG_B 0x42424242u

struct fixture {
    struct heap_core heap;
    void *arenas[4];
    int count;
};

static void *new_arena(struct fixture *f, size_t size)
{
    void *mem = aligned_alloc(4096, (size + 4095) & ~(size_t)4095);
    assert_non_null(mem);
    memset(mem, 0x5A, size); /* garbage, as fresh frames would be */
    f->arenas[f->count++] = mem;
    assert_true(heap_core_add_arena(&f->heap, mem, size));
    return mem;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    heap_core_init(&f->heap);
    new_arena(f, ARENA_SIZE);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    for (int i = 0; i < f->count; i++)
        free(f->arenas[i]);
    free(f);
    return 0;
}

static struct heap_stats checked_stats(const struct heap_core *heap)
{
    struct heap_stats s;
    struct heap_report r;
    assert_int_equal(heap_core_check(heap, &s, &r), HEAP_OK);
    return s;
}

static void *alloc(struct fixture *f, size_t size, size_t align)
{
    struct heap_report r;
    void *p = heap_core_alloc(&f->heap, size, align, TAG_A, &r);
    assert_int_equal(r.status, HEAP_OK);
    return p;
}

static enum heap_status release(struct fixture *f, void *p) { return heap_core_free(&f->heap, p, 0, NULL); }

static void alloc_free_basics(void **state)
{
    struct fixture *f = *state;
    struct heap_stats before = checked_stats(&f->heap);
    assert_int_equal(before.free_blocks, 1);

    char *p = alloc(f, 100, 0);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % HEAP_ALIGN, 0);
    assert_true((uintptr_t)p > (uintptr_t)f->arenas[0] && (uintptr_t)p + 100 < (uintptr_t)f->arenas[0] + ARENA_SIZE);
    memset(p, 0xEE, 100); /* all 100 bytes belong to the caller */
    assert_int_equal(f->heap.bytes_in_use, 100);
    assert_int_equal(checked_stats(&f->heap).used_blocks, 1);

    struct heap_report r;
    assert_int_equal(heap_core_free(&f->heap, p, TAG_A, &r), HEAP_OK);
    assert_int_equal(r.tag, TAG_A);
    assert_int_equal(r.size, 100);
    struct heap_stats after = checked_stats(&f->heap);
    assert_int_equal(after.free_blocks, 1);
    assert_int_equal(after.largest_free, before.largest_free);
    assert_int_equal(f->heap.bytes_in_use, 0);

    /* Size 0, absurd sizes and alignments that are not powers of two are refused. */
    assert_null(heap_core_alloc(&f->heap, 0, 0, TAG_A, NULL));
    assert_null(heap_core_alloc(&f->heap, SIZE_MAX, 0, TAG_A, NULL));
    assert_null(heap_core_alloc(&f->heap, 16, 48, TAG_A, NULL));
}

static void freed_memory_is_poisoned_and_reused_first_fit(void **state)
{
    struct fixture *f = *state;
    uint8_t *a = alloc(f, 256, 0);
    uint8_t *b = alloc(f, 256, 0);
    assert_int_equal(release(f, a), HEAP_OK);
    /* The first 16 bytes of a free payload are list links; the rest is poison. */
    for (int i = 16; i < 256; i++)
        assert_int_equal(a[i], HEAP_POISON_BYTE);
    assert_ptr_equal(alloc(f, 200, 0), a); /* first fit lands in the hole */
    assert_int_equal(release(f, b), HEAP_OK);
}

static void neighbours_coalesce_in_any_order(void **state)
{
    struct fixture *f = *state;
    const size_t initial = checked_stats(&f->heap).largest_free;
    static const int orders[][3] = {{0, 1, 2}, {2, 1, 0}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}};
    for (size_t o = 0; o < sizeof(orders) / sizeof(orders[0]); o++) {
        void *p[3] = {alloc(f, 40, 0), alloc(f, 300, 0), alloc(f, 1000, 0)};
        for (int i = 0; i < 3; i++) {
            assert_int_equal(release(f, p[orders[o][i]]), HEAP_OK);
            checked_stats(&f->heap); /* also proves no two free blocks are adjacent */
        }
        struct heap_stats s = checked_stats(&f->heap);
        assert_int_equal(s.free_blocks, 1);
        assert_int_equal(s.largest_free, initial);
    }
}

static void alignment_requests_are_honoured(void **state)
{
    struct fixture *f = *state;
    static const size_t aligns[] = {16, 32, 64, 256, 4096};
    void *p[5];
    for (int i = 0; i < 5; i++) {
        alloc(f, 24, 0); /* knock the next free block off any natural alignment */
        p[i] = alloc(f, 100 + (size_t)i, aligns[i]);
        assert_non_null(p[i]);
        assert_int_equal((uintptr_t)p[i] % aligns[i], 0);
        checked_stats(&f->heap);
    }
    for (int i = 0; i < 5; i++)
        assert_int_equal(release(f, p[i]), HEAP_OK);
    checked_stats(&f->heap);
}

static void exhaustion_then_everything_comes_back(void **state)
{
    struct fixture *f = *state;
    const size_t initial = checked_stats(&f->heap).largest_free;
    void *p[2048];
    int n = 0;
    while (n < 2048 && (p[n] = alloc(f, 48, 0)) != NULL)
        n++;
    assert_true(n > 100 && n < 2048);
    assert_true(checked_stats(&f->heap).largest_free < 32 + 48 + 16); /* no room for another */
    for (int i = 0; i < n; i += 2)                                    /* every other one first: maximal fragmentation */
        assert_int_equal(release(f, p[i]), HEAP_OK);
    assert_null(alloc(f, 200, 0)); /* plenty free in total, but no hole that big */
    for (int i = 1; i < n; i += 2)
        assert_int_equal(release(f, p[i]), HEAP_OK);
    struct heap_stats s = checked_stats(&f->heap);
    assert_int_equal(s.free_blocks, 1);
    assert_int_equal(s.largest_free, initial);
}

static void double_free_is_detected(void **state)
{
    struct fixture *f = *state;
    void *a = alloc(f, 64, 0), *b = alloc(f, 64, 0);
    assert_int_equal(release(f, b), HEAP_OK);
    struct heap_report r;
    assert_int_equal(heap_core_free(&f->heap, b, 0, &r), HEAP_ERR_DOUBLE_FREE);
    assert_int_equal(r.value & 0xFFFFFFFFu, HEAP_MAGIC_FREE);
    /* b was merged into the free space after it; freeing a merges a forward too. A second free
     * of a is still recognised, and so is one of b, whose old header now lies inside a free block. */
    assert_int_equal(release(f, a), HEAP_OK);
    assert_int_equal(release(f, a), HEAP_ERR_DOUBLE_FREE);
    assert_int_equal(release(f, b), HEAP_ERR_DOUBLE_FREE);
    checked_stats(&f->heap);
}

static void overrun_into_canary_and_footer_is_detected(void **state)
{
    struct fixture *f = *state;
    struct heap_report r;
    uint8_t *p = alloc(f, 20, 0); /* 12 bytes of canary after it */
    p[20] = 0;
    assert_int_equal(heap_core_free(&f->heap, p, 0, &r), HEAP_ERR_OVERRUN);
    assert_int_equal(r.extra, 20);
    assert_int_equal(r.size, 20);
    assert_int_equal(heap_core_check(&f->heap, NULL, NULL), HEAP_ERR_OVERRUN);
    p[20] = HEAP_CANARY_BYTE; /* repaired: now it frees */
    assert_int_equal(heap_core_free(&f->heap, p, 0, &r), HEAP_OK);

    uint8_t *q = alloc(f, 32, 0); /* a multiple of 16: no canary, the footer is next */
    memset(q, 0, 33);
    assert_int_equal(heap_core_free(&f->heap, q, 0, &r), HEAP_ERR_OVERRUN);
    assert_int_equal(r.extra, 32);
}

static void smashed_header_is_detected(void **state)
{
    struct fixture *f = *state;
    struct heap_report r;
    uint8_t *p = alloc(f, 64, 0);
    struct heap_header *h = (struct heap_header *)p - 1;
    h->size += 16; /* size no longer matches size_check */
    assert_int_equal(heap_core_free(&f->heap, p, 0, &r), HEAP_ERR_BAD_HEADER);
    assert_int_equal(r.block, (uintptr_t)h);
    h->size -= 16;
    h->magic = 0x12345678;
    assert_int_equal(heap_core_free(&f->heap, p, 0, &r), HEAP_ERR_BAD_HEADER);
    assert_int_equal(r.value & 0xFFFFFFFFu, 0x12345678u);
}

static void smashed_neighbour_is_detected(void **state)
{
    struct fixture *f = *state;
    struct heap_report r;
    uint8_t *a = alloc(f, 64, 0);
    /* The free block right after a: scribble over its header (as an overrun of a by more than
     * its footer would), leaving a's own canary and footer intact. */
    struct heap_header *next =
        (struct heap_header *)((uint8_t *)((struct heap_header *)a - 1) + ((struct heap_header *)a - 1)->size);
    assert_int_equal(next->magic, HEAP_MAGIC_FREE);
    next->size_check = 0;
    assert_int_equal(heap_core_free(&f->heap, a, 0, &r), HEAP_ERR_BAD_NEIGHBOR);
    assert_int_equal(r.value, (uintptr_t)next);
    assert_int_not_equal(heap_core_check(&f->heap, NULL, NULL), HEAP_OK);
    next->size_check = ~next->size;
    assert_int_equal(heap_core_free(&f->heap, a, 0, &r), HEAP_OK); /* nothing changed meanwhile */
    checked_stats(&f->heap);
}

static void broken_free_list_links_are_detected(void **state)
{
    struct fixture *f = *state;
    struct heap_report r;
    void *a = alloc(f, 64, 0);
    alloc(f, 64, 0); /* keeps a's hole separate from the rest */
    assert_int_equal(release(f, a), HEAP_OK);
    void **links = a; /* prev, next */
    void *saved = links[0];
    links[0] = (void *)0x1234; /* a use-after-free write into the list links */
    assert_int_equal(heap_core_check(&f->heap, NULL, &r), HEAP_ERR_FREE_LIST);
    assert_null(heap_core_alloc(&f->heap, 64, 0, TAG_A, &r));
    assert_int_equal(r.status, HEAP_ERR_FREE_LIST);
    links[0] = saved;
    checked_stats(&f->heap);
}

static void tag_mismatch_is_detected_and_changes_nothing(void **state)
{
    struct fixture *f = *state;
    struct heap_report r;
    void *p = heap_core_alloc(&f->heap, 80, 0, TAG_A, NULL);
    assert_int_equal(heap_core_free(&f->heap, p, TAG_B, &r), HEAP_ERR_TAG_MISMATCH);
    assert_int_equal(r.value, TAG_A);
    assert_int_equal(r.extra, TAG_B);
    assert_int_equal(checked_stats(&f->heap).used_blocks, 1);
    assert_int_equal(heap_core_free(&f->heap, p, TAG_A, &r), HEAP_OK);
}

static void pointers_not_from_the_heap_are_refused(void **state)
{
    struct fixture *f = *state;
    int on_stack;
    char *p = alloc(f, 64, 0);
    assert_int_equal(release(f, &on_stack), HEAP_ERR_NOT_IN_HEAP);
    assert_int_equal(release(f, NULL), HEAP_ERR_NOT_IN_HEAP);
    assert_int_equal(release(f, p + 8), HEAP_ERR_NOT_IN_HEAP);        /* misaligned */
    assert_int_equal(release(f, f->arenas[0]), HEAP_ERR_NOT_IN_HEAP); /* the arena header */
    assert_int_equal(release(f, p + 16), HEAP_ERR_BAD_HEADER);        /* inside a block */
    assert_int_equal(release(f, p), HEAP_OK);
}

static void empty_arenas_can_be_given_back(void **state)
{
    struct fixture *f = *state;
    void *base;
    size_t size;
    assert_false(heap_core_take_empty_arena(&f->heap, &base, &size)); /* never the last one */
    /* Too big for the first arena: the caller adds one sized by heap_core_arena_size_for. */
    const size_t big = 100 * 1024;
    assert_null(alloc(f, big, 4096));
    void *second = new_arena(f, heap_core_arena_size_for(big, 4096));
    void *p = alloc(f, big, 4096);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 4096, 0);
    struct heap_report r;
    assert_int_equal(heap_core_free(&f->heap, p, 0, &r), HEAP_OK);
    assert_ptr_equal(r.empty_arena, second);
    assert_true(heap_core_take_empty_arena(&f->heap, &base, &size));
    assert_ptr_equal(base, second);
    assert_int_equal(f->heap.arena_count, 1);
    assert_int_equal(checked_stats(&f->heap).arenas, 1);
}

static void arena_size_for_is_enough(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 16, 17, 1000, 4096, 70000};
    static const size_t aligns[] = {0, 16, 64, 4096};
    for (size_t s = 0; s < 6; s++) {
        for (size_t a = 0; a < 4; a++) {
            size_t bytes = heap_core_arena_size_for(sizes[s], aligns[a]);
            /* Worst case placement: an arena start that is only 16-aligned. */
            uint8_t *mem = aligned_alloc(4096, (bytes + 2 * 4096 - 1) & ~(size_t)4095);
            struct heap_core h;
            heap_core_init(&h);
            assert_true(heap_core_add_arena(&h, mem + 16, bytes));
            void *p = heap_core_alloc(&h, sizes[s], aligns[a], TAG_A, NULL);
            assert_non_null(p);
            assert_int_equal(heap_core_check(&h, NULL, NULL), HEAP_OK);
            free(mem);
        }
    }
}

/* 10,000 random operations over two arenas. Each live block is filled with a byte derived
 * from its slot, and checked before it is freed: overlapping blocks would show. */
static void randomized_stress_keeps_invariants(void **state)
{
    struct fixture *f = *state;
    new_arena(f, 3 * ARENA_SIZE);
    enum { SLOTS = 200 };
    struct {
        uint8_t *p;
        size_t size;
    } live[SLOTS] = {{NULL, 0}};
    size_t model_bytes = 0, failures = 0;
    srand(4242);
    for (int step = 0; step < 10000; step++) {
        int slot = rand() % SLOTS;
        if (live[slot].p) {
            for (size_t i = 0; i < live[slot].size; i++)
                assert_int_equal(live[slot].p[i], (uint8_t)slot);
            struct heap_report r;
            assert_int_equal(heap_core_free(&f->heap, live[slot].p, TAG_A, &r), HEAP_OK);
            assert_int_equal(r.size, live[slot].size);
            model_bytes -= live[slot].size;
            live[slot].p = NULL;
        } else {
            size_t size = 1 + (size_t)(rand() % (rand() % 8 ? 200 : 3000));
            size_t align = (size_t)1 << (rand() % 8); /* 1 .. 128 */
            uint8_t *p = alloc(f, size, align);
            if (!p) {
                failures++;
                continue;
            }
            assert_int_equal((uintptr_t)p % (align < HEAP_ALIGN ? HEAP_ALIGN : align), 0);
            memset(p, (uint8_t)slot, size);
            live[slot].p = p;
            live[slot].size = size;
            model_bytes += size;
        }
        assert_int_equal(f->heap.bytes_in_use, model_bytes);
        if (step % 97 == 0) {
            struct heap_stats s = checked_stats(&f->heap);
            assert_int_equal(s.used_bytes, model_bytes);
        }
    }
    assert_true(failures < 2000);
    for (int slot = 0; slot < SLOTS; slot++)
        if (live[slot].p)
            assert_int_equal(release(f, live[slot].p), HEAP_OK);
    struct heap_stats s = checked_stats(&f->heap);
    assert_int_equal(s.used_blocks, 0);
    assert_int_equal(s.free_blocks, 2); /* one per arena: everything coalesced */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(alloc_free_basics, setup, teardown),
        cmocka_unit_test_setup_teardown(freed_memory_is_poisoned_and_reused_first_fit, setup, teardown),
        cmocka_unit_test_setup_teardown(neighbours_coalesce_in_any_order, setup, teardown),
        cmocka_unit_test_setup_teardown(alignment_requests_are_honoured, setup, teardown),
        cmocka_unit_test_setup_teardown(exhaustion_then_everything_comes_back, setup, teardown),
        cmocka_unit_test_setup_teardown(double_free_is_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(overrun_into_canary_and_footer_is_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(smashed_header_is_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(smashed_neighbour_is_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(broken_free_list_links_are_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(tag_mismatch_is_detected_and_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(pointers_not_from_the_heap_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(empty_arenas_can_be_given_back, setup, teardown),
        cmocka_unit_test(arena_size_for_is_enough),
        cmocka_unit_test_setup_teardown(randomized_stress_keeps_invariants, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
