/* tests/unit/test_chain_walk.c - the shared-vector rules with fake ISRs (no hardware).
 * unit-sources: kernel/ke/chain_walk.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kernel/ke/chain_walk.h"
#include "kernel/ke/interrupt.h"

/* Each fake ISR answers from a script: answers[i] for its i-th call, FALSE afterwards. */
struct fake {
    KINTERRUPT object;
    BOOLEAN answers[16];
    unsigned calls;
};

static BOOLEAN invoke_fake(PKINTERRUPT interrupt, void *context)
{
    (void)context;
    struct fake *f = (struct fake *)interrupt; /* object is the first member */
    BOOLEAN r = f->calls < 16 ? f->answers[f->calls] : FALSE;
    f->calls++;
    return r;
}

static void build(LIST_ENTRY *chain, struct fake *fakes, unsigned n)
{
    InitializeListHead(chain);
    for (unsigned i = 0; i < n; i++) {
        fakes[i].calls = 0;
        InsertTailList(chain, &fakes[i].object.InterruptListEntry);
    }
}

static void empty_chain_is_unclaimed(void **state)
{
    (void)state;
    LIST_ENTRY chain;
    InitializeListHead(&chain);
    struct chain_walk_result r;
    ke_walk_chain(&chain, LevelSensitive, invoke_fake, NULL, &r);
    assert_false(r.claimed);
    assert_int_equal(r.calls, 0);
}

static void single_object_called_once_either_way(void **state)
{
    (void)state;
    LIST_ENTRY chain;
    struct fake f[1] = {{.answers = {TRUE, TRUE, TRUE}}};
    build(&chain, f, 1);
    struct chain_walk_result r;
    ke_walk_chain(&chain, Latched, invoke_fake, NULL, &r);
    assert_int_equal(f[0].calls, 1); /* a lone MSI ISR is not polled again */
    assert_true(r.claimed);
    assert_ptr_equal(r.first_claimer, &f[0].object);
}

static void level_stops_at_first_claim(void **state)
{
    (void)state;
    LIST_ENTRY chain;
    struct fake f[3] = {{.answers = {FALSE}}, {.answers = {TRUE}}, {.answers = {TRUE}}};
    build(&chain, f, 3);
    struct chain_walk_result r;
    ke_walk_chain(&chain, LevelSensitive, invoke_fake, NULL, &r);
    assert_int_equal(f[0].calls, 1);
    assert_int_equal(f[1].calls, 1);
    assert_int_equal(f[2].calls, 0);
    assert_ptr_equal(r.first_claimer, &f[1].object);
    assert_int_equal(r.passes, 1);
}

static void level_full_pass_without_claim(void **state)
{
    (void)state;
    LIST_ENTRY chain;
    struct fake f[2] = {{.answers = {FALSE}}, {.answers = {FALSE}}};
    build(&chain, f, 2);
    struct chain_walk_result r;
    ke_walk_chain(&chain, LevelSensitive, invoke_fake, NULL, &r);
    assert_false(r.claimed);
    assert_int_equal(r.calls, 2); /* one pass only: level lines re-assert by themselves */
}

static void latched_repeats_until_clean_pass(void **state)
{
    (void)state;
    LIST_ENTRY chain;
    /* a claims twice (two edges close together), b claims once on the second pass */
    struct fake f[2] = {{.answers = {TRUE, TRUE, FALSE}}, {.answers = {FALSE, TRUE, FALSE}}};
    build(&chain, f, 2);
    struct chain_walk_result r;
    ke_walk_chain(&chain, Latched, invoke_fake, NULL, &r);
    assert_int_equal(r.passes, 3);
    assert_int_equal(f[0].calls, 3);
    assert_int_equal(f[1].calls, 3);
    assert_true(r.claimed);
    assert_ptr_equal(r.first_claimer, &f[0].object);
}

static void latched_always_true_is_bounded(void **state)
{
    (void)state;
    LIST_ENTRY chain;
    struct fake f[2];
    for (int i = 0; i < 16; i++) {
        f[0].answers[i] = TRUE;
        f[1].answers[i] = FALSE;
    }
    build(&chain, f, 2);
    struct chain_walk_result r;
    ke_walk_chain(&chain, Latched, invoke_fake, NULL, &r);
    assert_int_equal(r.passes, KE_LATCHED_MAX_PASSES);
    assert_int_equal(f[0].calls, KE_LATCHED_MAX_PASSES);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_chain_is_unclaimed),
        cmocka_unit_test(single_object_called_once_either_way),
        cmocka_unit_test(level_stops_at_first_claim),
        cmocka_unit_test(level_full_pass_without_claim),
        cmocka_unit_test(latched_repeats_until_clean_pass),
        cmocka_unit_test(latched_always_true_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
