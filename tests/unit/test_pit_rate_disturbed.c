/* tests/unit/test_pit_rate_disturbed.c - calibration on a loaded host: most PIT windows are
 * disturbed (QEMU descheduled inside a bracket), a few are exact. The rate must come from the
 * exact ones, not from the median of "the three least bad".
 * unit-sources: arch/x86_64/pit_rate.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "arch/x86_64/pit.h"

#define TICKS 65535u
#define TRUE_ELAPSED 3432775ull /* 62.5 MHz over 65535 PIT ticks */

static uint64_t rate(uint64_t elapsed) { return (elapsed * PIT_INPUT_HZ + TICKS / 2) / TICKS; }

static void one_exact_window_among_disturbed_ones(void **state)
{
    (void)state;
    /* Measured on a host with every core busy: 1 of 20 windows undisturbed (+-6 ppm), the
     * others 1 % to 20 % wide - and their midpoints off by as much. */
    struct pit_sample s[] = {
        {.ticks = TICKS, .elapsed = TRUE_ELAPSED * 110 / 100, .uncertainty = TRUE_ELAPSED / 8},
        {.ticks = TICKS, .elapsed = TRUE_ELAPSED * 103 / 100, .uncertainty = TRUE_ELAPSED / 40},
        {.ticks = TICKS, .elapsed = TRUE_ELAPSED, .uncertainty = 40},
        {.ticks = TICKS, .elapsed = TRUE_ELAPSED * 104 / 100, .uncertainty = TRUE_ELAPSED / 30},
        {.ticks = TICKS, .elapsed = TRUE_ELAPSED * 120 / 100, .uncertainty = TRUE_ELAPSED / 5},
    };
    unsigned good = 99;
    assert_int_equal(pit_rate_from_samples(s, 5, &good), rate(TRUE_ELAPSED));
    assert_int_equal(good, 1);
}

static void two_exact_windows_the_narrower_wins(void **state)
{
    (void)state;
    struct pit_sample s[] = {
        {.ticks = TICKS, .elapsed = TRUE_ELAPSED * 103 / 100, .uncertainty = TRUE_ELAPSED / 40},
        {.ticks = TICKS, .elapsed = TRUE_ELAPSED + 300, .uncertainty = 1000},
        {.ticks = TICKS, .elapsed = TRUE_ELAPSED, .uncertainty = 50},
        {.ticks = TICKS, .elapsed = TRUE_ELAPSED * 102 / 100, .uncertainty = TRUE_ELAPSED / 45},
    };
    unsigned good;
    assert_int_equal(pit_rate_from_samples(s, 4, &good), rate(TRUE_ELAPSED));
    assert_int_equal(good, 2);
}

static void no_exact_window_the_narrowest(void **state)
{
    (void)state;
    struct pit_sample s[] = {
        {.ticks = TICKS, .elapsed = TRUE_ELAPSED * 110 / 100, .uncertainty = TRUE_ELAPSED / 8},
        {.ticks = TICKS, .elapsed = TRUE_ELAPSED * 101 / 100, .uncertainty = TRUE_ELAPSED / 90},
        {.ticks = TICKS, .elapsed = TRUE_ELAPSED * 104 / 100, .uncertainty = TRUE_ELAPSED / 30},
    };
    unsigned good;
    assert_int_equal(pit_rate_from_samples(s, 3, &good), rate(TRUE_ELAPSED * 101 / 100));
    assert_int_equal(good, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_exact_window_among_disturbed_ones),
        cmocka_unit_test(two_exact_windows_the_narrower_wins),
        cmocka_unit_test(no_exact_window_the_narrowest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
