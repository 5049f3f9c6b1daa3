/* tests/unit/test_par_clients.c - the parallel port's client list (drivers/parport/
 * parport_clients.c): which CONNECT inputs are accepted (no routine, the same ISR twice), how a
 * DISCONNECT input names its entry, and the port ISR's walk - connection order, the first TRUE
 * wins, FALSE when nobody claims, per-client counts - and the deferred port checks.
 * unit-sources: drivers/parport/parport_clients.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h> /* after the headers it needs */

#include "drivers/parport/parport_clients.h"

/* Each fake client ISR records the order it was called in and returns what it is told to. */
struct fake {
    BOOLEAN answer;
    int called_at;
    PKINTERRUPT interrupt;
    int deferred;
};
static int clock_;

static BOOLEAN fake_isr(PKINTERRUPT interrupt, PVOID context)
{
    struct fake *f = context;
    f->called_at = ++clock_;
    f->interrupt = interrupt;
    return f->answer;
}
static BOOLEAN other_isr(PKINTERRUPT interrupt, PVOID context) { return fake_isr(interrupt, context); }
static VOID fake_deferred(PVOID context) { ((struct fake *)context)->deferred = ++clock_; }

static PARALLEL_INTERRUPT_SERVICE_ROUTINE routines(PKSERVICE_ROUTINE isr, struct fake *f, PPARALLEL_DEFERRED_ROUTINE d)
{
    PARALLEL_INTERRUPT_SERVICE_ROUTINE r = {isr, f, d, f};
    return r;
}

static struct parport_client *add(PLIST_ENTRY list, PARALLEL_INTERRUPT_SERVICE_ROUTINE r)
{
    assert_int_equal(parport_client_check_new(list, &r), STATUS_SUCCESS);
    struct parport_client *c = calloc(1, sizeof(*c));
    c->routines = r;
    InsertTailList(list, &c->link);
    return c;
}

static void free_all(PLIST_ENTRY list)
{
    while (!IsListEmpty(list)) {
        PLIST_ENTRY e = list->Flink;
        RemoveEntryList(e);
        free(CONTAINING_RECORD(e, struct parport_client, link));
    }
}

static void connect_inputs_that_are_refused(void **state)
{
    (void)state;
    LIST_ENTRY list;
    InitializeListHead(&list);
    struct fake a = {0}, b = {0};
    PARALLEL_INTERRUPT_SERVICE_ROUTINE none = {0};
    assert_int_equal(parport_client_check_new(&list, &none), STATUS_INVALID_PARAMETER);
    add(&list, routines(fake_isr, &a, NULL));
    /* The same ISR with the same context again: refused, even with a different deferred routine. */
    PARALLEL_INTERRUPT_SERVICE_ROUTINE again = routines(fake_isr, &a, fake_deferred);
    assert_int_equal(parport_client_check_new(&list, &again), STATUS_INVALID_PARAMETER);
    /* The same ISR for another device (another context), or another ISR: fine. */
    PARALLEL_INTERRUPT_SERVICE_ROUTINE other_context = routines(fake_isr, &b, NULL);
    PARALLEL_INTERRUPT_SERVICE_ROUTINE other_routine = routines(other_isr, &a, NULL);
    assert_int_equal(parport_client_check_new(&list, &other_context), STATUS_SUCCESS);
    assert_int_equal(parport_client_check_new(&list, &other_routine), STATUS_SUCCESS);
    /* A deferred-only entry is named by its deferred routine and context. */
    PARALLEL_INTERRUPT_SERVICE_ROUTINE deferred_only = routines(NULL, &a, fake_deferred);
    add(&list, deferred_only);
    assert_int_equal(parport_client_check_new(&list, &deferred_only), STATUS_INVALID_PARAMETER);
    assert_int_equal(parport_clients_count(&list), 2);
    free_all(&list);
}

static void disconnect_inputs_name_their_entry(void **state)
{
    (void)state;
    LIST_ENTRY list;
    InitializeListHead(&list);
    struct fake a = {0}, b = {0};
    struct parport_client *ca = add(&list, routines(fake_isr, &a, fake_deferred));
    struct parport_client *cb = add(&list, routines(NULL, &b, fake_deferred));
    /* The ISR and its context name it; the deferred fields of the input do not matter. */
    PARALLEL_INTERRUPT_SERVICE_ROUTINE q = routines(fake_isr, &a, NULL);
    assert_ptr_equal(parport_client_find(&list, &q), ca);
    q = routines(fake_isr, &b, fake_deferred); /* never connected */
    assert_null(parport_client_find(&list, &q));
    q = routines(other_isr, &a, fake_deferred);
    assert_null(parport_client_find(&list, &q));
    q = routines(NULL, &b, fake_deferred);
    assert_ptr_equal(parport_client_find(&list, &q), cb);
    q = routines(NULL, &a, fake_deferred); /* a's entry has an ISR: not named by its deferred routine */
    assert_null(parport_client_find(&list, &q));
    PARALLEL_INTERRUPT_SERVICE_ROUTINE none = {0};
    assert_null(parport_client_find(&list, &none));
    free_all(&list);
}

static void the_first_client_that_claims_wins(void **state)
{
    (void)state;
    LIST_ENTRY list;
    InitializeListHead(&list);
    struct fake a = {.answer = FALSE}, b = {.answer = TRUE}, c = {.answer = TRUE};
    struct parport_client *ca = add(&list, routines(fake_isr, &a, NULL));
    struct parport_client *cb = add(&list, routines(fake_isr, &b, NULL));
    struct parport_client *cc = add(&list, routines(fake_isr, &c, NULL));
    PKINTERRUPT port_interrupt = (PKINTERRUPT)0x1234;
    clock_ = 0;
    assert_true(parport_clients_dispatch(&list, port_interrupt));
    assert_int_equal(a.called_at, 1); /* connection order */
    assert_int_equal(b.called_at, 2);
    assert_int_equal(c.called_at, 0); /* b claimed it: c never sees it */
    assert_ptr_equal(a.interrupt, port_interrupt);
    assert_int_equal(ca->calls, 1);
    assert_int_equal(ca->claims, 0);
    assert_int_equal(cb->calls, 1);
    assert_int_equal(cb->claims, 1);
    assert_int_equal(cc->calls, 0);
    /* Nobody claims: every client is asked, and the port reports FALSE. */
    b.answer = FALSE;
    c.answer = FALSE;
    assert_false(parport_clients_dispatch(&list, port_interrupt));
    assert_int_equal(cc->calls, 1);
    assert_int_equal(ca->calls + cb->calls + cc->calls, 5);
    assert_int_equal(ca->claims + cb->claims + cc->claims, 1);
    free_all(&list);
    assert_false(parport_clients_dispatch(&list, port_interrupt)); /* an empty list claims nothing */
}

static void deferred_only_entries_are_skipped_by_the_isr_walk(void **state)
{
    (void)state;
    LIST_ENTRY list;
    InitializeListHead(&list);
    struct fake a = {0}, b = {.answer = TRUE};
    struct parport_client *ca = add(&list, routines(NULL, &a, fake_deferred));
    add(&list, routines(fake_isr, &b, NULL));
    assert_true(parport_clients_dispatch(&list, NULL));
    assert_int_equal(ca->calls, 0);
    clock_ = 0;
    assert_int_equal(parport_clients_run_deferred(&list), 1); /* only a has one */
    assert_int_equal(a.deferred, 1);
    assert_int_equal(b.deferred, 0);
    assert_int_equal(ca->deferred_calls, 1);
    free_all(&list);
}

static void deferred_checks_run_in_connection_order(void **state)
{
    (void)state;
    LIST_ENTRY list;
    InitializeListHead(&list);
    struct fake a = {0}, b = {0};
    add(&list, routines(fake_isr, &a, fake_deferred));
    add(&list, routines(other_isr, &b, fake_deferred));
    clock_ = 0;
    assert_int_equal(parport_clients_run_deferred(&list), 2);
    assert_int_equal(a.deferred, 1);
    assert_int_equal(b.deferred, 2);
    free_all(&list);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(connect_inputs_that_are_refused),
        cmocka_unit_test(disconnect_inputs_name_their_entry),
        cmocka_unit_test(the_first_client_that_claims_wins),
        cmocka_unit_test(deferred_only_entries_are_skipped_by_the_isr_walk),
        cmocka_unit_test(deferred_checks_run_in_connection_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
