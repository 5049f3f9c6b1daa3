/* tests/unit/test_par_owner.c - who owns the parallel port (drivers/parport/parport_owner.c):
 * try-allocate never queues, waiters are served first in, first out, a free hands the port over
 * without it ever being free in between, a waiter that gives up leaves the queue (unless it was
 * granted meanwhile), stray frees change nothing.
 * unit-sources: drivers/parport/parport_owner.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h> /* after the headers it needs */

#include "drivers/parport/parport_owner.h"

static void try_allocate_takes_a_free_port_only(void **state)
{
    (void)state;
    struct parport_owner o;
    parport_owner_init(&o);
    assert_false(o.allocated);
    assert_true(parport_owner_try_allocate(&o, (PVOID)1));
    assert_true(o.allocated);
    assert_ptr_equal(o.owner_tag, (PVOID)1);
    assert_false(parport_owner_try_allocate(&o, (PVOID)2)); /* never queues */
    assert_int_equal(o.waiter_count, 0);
    assert_int_equal(o.refusals, 1);
    assert_ptr_equal(o.owner_tag, (PVOID)1);
    assert_int_equal(parport_owner_free(&o), PARPORT_FREE_IDLE);
    assert_false(o.allocated);
    assert_null(o.owner_tag);
    assert_int_equal(o.allocations, 1);
}

static void waiters_are_served_in_order(void **state)
{
    (void)state;
    struct parport_owner o;
    parport_owner_init(&o);
    struct parport_waiter w1 = {.tag = (PVOID)0x11}, w2 = {.tag = (PVOID)0x22};
    assert_true(parport_owner_try_allocate(&o, NULL));
    parport_owner_enqueue(&o, &w1);
    parport_owner_enqueue(&o, &w2);
    assert_int_equal(o.waiter_count, 2);
    assert_int_equal(o.waits, 2);

    assert_int_equal(parport_owner_free(&o), PARPORT_FREE_HANDED_OVER);
    assert_true(w1.granted);
    assert_false(w2.granted);
    assert_true(o.allocated); /* never free in between: a TryAllocate cannot jump the queue */
    assert_ptr_equal(o.owner_tag, (PVOID)0x11);
    assert_false(parport_owner_try_allocate(&o, NULL));
    assert_int_equal(o.waiter_count, 1);

    assert_int_equal(parport_owner_free(&o), PARPORT_FREE_HANDED_OVER);
    assert_true(w2.granted);
    assert_ptr_equal(o.owner_tag, (PVOID)0x22);
    assert_int_equal(parport_owner_free(&o), PARPORT_FREE_IDLE);
    assert_int_equal(o.handovers, 2);
    assert_int_equal(o.allocations, 3);
    assert_int_equal(o.waiter_count, 0);
}

static void a_waiter_that_gives_up_leaves_the_queue(void **state)
{
    (void)state;
    struct parport_owner o;
    parport_owner_init(&o);
    struct parport_waiter w1 = {0}, w2 = {0};
    assert_true(parport_owner_try_allocate(&o, NULL));
    parport_owner_enqueue(&o, &w1);
    parport_owner_enqueue(&o, &w2);
    assert_true(parport_owner_cancel(&o, &w1)); /* cancelled: removed */
    assert_int_equal(o.waiter_count, 1);
    assert_int_equal(o.cancellations, 1);
    /* Out of the queue already (the free skipped it while its cancel routine ran): still "not
     * granted", nothing removed twice, not counted twice. */
    assert_true(parport_owner_cancel(&o, &w1));
    assert_int_equal(o.waiter_count, 1);
    assert_int_equal(o.cancellations, 1);
    assert_int_equal(parport_owner_free(&o), PARPORT_FREE_HANDED_OVER);
    assert_false(w1.granted);
    assert_true(w2.granted); /* the next one gets it */
    /* Granted just before it gave up: the cancel fails, the waiter owns the port. */
    assert_false(parport_owner_cancel(&o, &w2));
    assert_int_equal(o.cancellations, 1);
    assert_true(o.allocated);
    assert_int_equal(parport_owner_free(&o), PARPORT_FREE_IDLE);
}

static void stray_frees_change_nothing(void **state)
{
    (void)state;
    struct parport_owner o;
    parport_owner_init(&o);
    assert_int_equal(parport_owner_free(&o), PARPORT_FREE_NOT_ALLOCATED);
    assert_int_equal(o.stray_frees, 1);
    assert_false(o.allocated);
    assert_true(parport_owner_try_allocate(&o, NULL));
    assert_int_equal(parport_owner_free(&o), PARPORT_FREE_IDLE);
    assert_int_equal(parport_owner_free(&o), PARPORT_FREE_NOT_ALLOCATED);
    assert_int_equal(o.stray_frees, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(try_allocate_takes_a_free_port_only),
        cmocka_unit_test(waiters_are_served_in_order),
        cmocka_unit_test(a_waiter_that_gives_up_leaves_the_queue),
        cmocka_unit_test(stray_frees_change_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
