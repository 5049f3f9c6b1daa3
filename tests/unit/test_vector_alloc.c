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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_robin_spreads_irqls),
        cmocka_unit_test(specific_irql_stays_in_its_class),
        cmocka_unit_test(exhaustion_and_reuse),
        cmocka_unit_test(reserve_and_out_of_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
