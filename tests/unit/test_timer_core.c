/* tests/unit/test_timer_core.c - the timer queue's rules (kernel/ke/timer_core.c): due times
 * from relative/absolute DueTime, expiry order, never early, periodic re-arming without drift.
 * unit-sources: kernel/ke/timer_core.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/ke/timer_core.h"

static void due_times(void **state)
{
    (void)state;
    assert_int_equal(timer_due_from(-100000, 5000000), 5100000); /* relative */
    assert_int_equal(timer_due_from(7000000, 5000000), 7000000); /* absolute */
    assert_int_equal(timer_due_from(0, 5000000), 5000000);       /* now */
}

static void expire_in_due_order_fifo_among_equals_never_early(void **state)
{
    (void)state;
    LIST_ENTRY q;
    InitializeListHead(&q);
    KTIMER t[4];
    memset(t, 0, sizeof(t));
    ULONGLONG due[4] = {300, 100, 300, 200};
    for (int i = 0; i < 4; i++) {
        t[i].DueTime.QuadPart = due[i];
        timer_queue_insert(&q, &t[i]);
        assert_true(t[i].Header.Inserted);
    }
    assert_int_equal(timer_queue_next_due(&q), 100);
    assert_null(timer_queue_pop_expired(&q, 99)); /* not early */
    assert_ptr_equal(timer_queue_pop_expired(&q, 100), &t[1]);
    assert_false(t[1].Header.Inserted);
    assert_null(timer_queue_pop_expired(&q, 199));
    assert_ptr_equal(timer_queue_pop_expired(&q, 1000), &t[3]);
    assert_ptr_equal(timer_queue_pop_expired(&q, 1000), &t[0]); /* set before t[2], same due */
    assert_ptr_equal(timer_queue_pop_expired(&q, 1000), &t[2]);
    assert_null(timer_queue_pop_expired(&q, 1000));
    assert_int_equal(timer_queue_next_due(&q), TIMER_NEVER);
}

static void periodic_due_does_not_drift_or_burst(void **state)
{
    (void)state;
    /* 10 ms period, expired 3 ms late: next due is previous + period, not now + period. */
    assert_int_equal(timer_next_periodic_due(1000000, 10, 1030000), 1100000);
    /* fell behind by more than a period: continue from now */
    assert_int_equal(timer_next_periodic_due(1000000, 10, 1250000), 1350000);
    ULONGLONG d = 0;
    for (int i = 0; i < 100; i++)
        d = timer_next_periodic_due(d, 20, d + 5000); /* each expiry half a tick late */
    assert_int_equal(d, 100 * 200000ull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(due_times),
        cmocka_unit_test(expire_in_due_order_fifo_among_equals_never_early),
        cmocka_unit_test(periodic_due_does_not_drift_or_burst),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
