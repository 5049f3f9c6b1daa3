/* tests/unit/test_tsc_rate.c - the LAPIC timer's rate measured against a known TSC.
 * unit-sources: arch/x86_64/tsc_rate.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "arch/x86_64/tsc_rate.h"

#define TSC_HZ 2445000000ull
#define LAPIC_HZ 62500000ull

static void exact_sample_wins_over_disturbed_ones(void **state)
{
    (void)state;
    /* 10 ms windows: 625000 LAPIC ticks = 24450000 TSC ticks. */
    struct tsc_sample s[] = {
        {.counted = 625000, .tsc_elapsed = 24450000ull * 110 / 100, .tsc_uncertainty = 24450000 / 5},
        {.counted = 625000, .tsc_elapsed = 24450000, .tsc_uncertainty = 300},
        {.counted = 625000, .tsc_elapsed = 24450000ull * 97 / 100, .tsc_uncertainty = 24450000 / 30},
    };
    unsigned good = 9;
    assert_int_equal(tsc_rate_from_samples(s, 3, TSC_HZ, &good), LAPIC_HZ);
    assert_int_equal(good, 1);
}

static void long_window_beats_short_one_with_the_same_brackets(void **state)
{
    (void)state;
    struct tsc_sample s[] = {
        {.counted = 625000, .tsc_elapsed = 24451000, .tsc_uncertainty = 2000},   /* 82 ppm */
        {.counted = 3125000, .tsc_elapsed = 122250000, .tsc_uncertainty = 2000}, /* 16 ppm, exact */
    };
    unsigned good;
    assert_int_equal(tsc_rate_from_samples(s, 2, TSC_HZ, &good), LAPIC_HZ);
    assert_int_equal(good, 2);
}

static void nothing_usable(void **state)
{
    (void)state;
    struct tsc_sample zero = {.counted = 5, .tsc_elapsed = 0, .tsc_uncertainty = 0};
    unsigned good = 9;
    assert_int_equal(tsc_rate_from_samples(&zero, 1, TSC_HZ, &good), 0);
    assert_int_equal(good, 0);
    assert_int_equal(tsc_rate_from_samples(NULL, 0, TSC_HZ, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exact_sample_wins_over_disturbed_ones),
        cmocka_unit_test(long_window_beats_short_one_with_the_same_brackets),
        cmocka_unit_test(nothing_usable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
