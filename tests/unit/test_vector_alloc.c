/* tests/unit/test_vector_alloc.c - device vector allocation and the IRQL spread.
 * unit-sources: kernel/ke/vector_alloc.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kernel/ke/vector_alloc.h"

static void round_robin_spreads_irqls(void **state)
{
    (void)state;
    struct vector_allocator a;
    vector_allocator_init(&a, 3, 11);
    int expected[] = {0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xA0, 0xB0, 0x31, 0x41};
    for (unsigned i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
        assert_int_equal(vector_allocator_alloc(&a, 0), expected[i]);
}

static void specific_irql_stays_in_its_class(void **state)
{
    (void)state;
    struct vector_allocator a;
    vector_allocator_init(&a, 3, 11);
    for (int i = 0; i < 16; i++)
        assert_int_equal(vector_allocator_alloc(&a, 5), 0x50 + i);
    assert_int_equal(vector_allocator_alloc(&a, 5), -1); /* class full */
    assert_int_equal(vector_allocator_alloc(&a, 2), -1); /* DISPATCH_LEVEL is not a device IRQL */
    assert_int_equal(vector_allocator_alloc(&a, 12), -1);
}

static void exhaustion_and_reuse(void **state)
{
    (void)state;
    struct vector_allocator a;
    vector_allocator_init(&a, 3, 11);
    assert_int_equal(vector_allocator_free_count(&a), 9 * 16);
    for (int i = 0; i < 9 * 16; i++)
        assert_true(vector_allocator_alloc(&a, 0) >= 0x30);
    assert_int_equal(vector_allocator_alloc(&a, 0), -1);
    assert_int_equal(vector_allocator_free_count(&a), 0);
    vector_allocator_free(&a, 0x77);
    assert_false(vector_allocator_is_used(&a, 0x77));
    assert_int_equal(vector_allocator_alloc(&a, 0), 0x77);
}

static void reserve_and_out_of_range(void **state)
{
    (void)state;
    struct vector_allocator a;
    vector_allocator_init(&a, 3, 11);
    assert_true(vector_allocator_reserve(&a, 0x30));
    assert_false(vector_allocator_reserve(&a, 0x30)); /* twice */
    assert_false(vector_allocator_reserve(&a, 0x20)); /* below the device range */
    assert_false(vector_allocator_reserve(&a, 0xD1)); /* the clock */
    assert_false(vector_allocator_reserve(&a, 300));
    assert_int_equal(vector_allocator_alloc(&a, 0), 0x31); /* IRQL 3 still comes first; 0x30 is taken */
    vector_allocator_free(&a, 0xFF); /* ignored, not a crash */
    assert_false(vector_allocator_is_used(&a, 0xFF));
}

static void blocks_are_aligned_and_in_one_class(void **state)
{
    (void)state;
    struct vector_allocator a;
    vector_allocator_init(&a, 3, 11);
    assert_int_equal(vector_allocator_alloc(&a, 5), 0x50); /* 0x50 taken */
    assert_int_equal(vector_allocator_alloc_block(&a, 4, 5), 0x54);
    assert_int_equal(vector_allocator_alloc_block(&a, 2, 5), 0x52); /* 0x52-0x53 is still free and aligned */
    assert_int_equal(vector_allocator_alloc_block(&a, 8, 5), 0x58);
    assert_int_equal(vector_allocator_alloc_block(&a, 8, 5), -1); /* 0x50-0x57 is not all free */
    assert_int_equal(vector_allocator_alloc_block(&a, 1, 5), 0x51);
    assert_int_equal(vector_allocator_alloc_block(&a, 1, 5), -1); /* class full */
    for (unsigned v = 0x50; v < 0x60; v++)
        assert_true(vector_allocator_is_used(&a, v));
}

static void block_sizes_and_round_robin(void **state)
{
    (void)state;
    struct vector_allocator a;
    vector_allocator_init(&a, 3, 11);
    assert_int_equal(vector_allocator_alloc_block(&a, 3, 0), -1);  /* not a power of two */
    assert_int_equal(vector_allocator_alloc_block(&a, 0, 0), -1);
    assert_int_equal(vector_allocator_alloc_block(&a, 32, 0), -1); /* more than one class */
    assert_int_equal(vector_allocator_alloc_block(&a, 16, 0), 0x30);
    assert_int_equal(vector_allocator_alloc_block(&a, 16, 0), 0x40); /* the round-robin moves on */
    assert_int_equal(vector_allocator_alloc(&a, 0), 0x50);
    assert_int_equal(vector_allocator_alloc_block(&a, 16, 0), 0x60); /* 0x5x is no longer whole */
    assert_int_equal(vector_allocator_free_count(&a), 9 * 16 - 49);
    for (unsigned v = 0x30; v < 0x40; v++)
        vector_allocator_free(&a, v);
    assert_int_equal(vector_allocator_alloc_block(&a, 16, 3), 0x30);
    assert_int_equal(vector_allocator_alloc_block(&a, 4, 12), -1); /* not a device IRQL */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_robin_spreads_irqls),
        cmocka_unit_test(specific_irql_stays_in_its_class),
        cmocka_unit_test(exhaustion_and_reuse),
        cmocka_unit_test(reserve_and_out_of_range),
        cmocka_unit_test(blocks_are_aligned_and_in_one_class),
        cmocka_unit_test(block_sizes_and_round_robin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
