/* tests/unit/test_sched_core.c - the scheduler's rules (kernel/ke/sched_core.c): ready queues,
 * picking the highest priority, FIFO among equals, head insertion for preempted threads, CPU
 * choice, preemption and quantum-end decisions, boosts and their decay.
 * unit-sources: kernel/ke/sched_core.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kernel/ke/sched_core.h"

struct fake_thread {
    LIST_ENTRY link;
    int id;
};

static int pop_id(struct sched_ready_queue *q)
{
    int p = sched_queue_highest(q);
    if (p < 0)
        return -1;
    return CONTAINING_RECORD(sched_queue_pop(q, p), struct fake_thread, link)->id;
}

static void highest_priority_first_fifo_among_equals(void **state)
{
    (void)state;
    struct sched_ready_queue q;
    sched_queue_init(&q);
    struct fake_thread t[5] = {{.id = 0}, {.id = 1}, {.id = 2}, {.id = 3}, {.id = 4}};
    sched_queue_insert(&q, &t[0].link, 8, false);
    sched_queue_insert(&q, &t[1].link, 12, false);
    sched_queue_insert(&q, &t[2].link, 8, false);
    sched_queue_insert(&q, &t[3].link, 31, false);
    sched_queue_insert(&q, &t[4].link, 1, false);
    assert_int_equal(q.count, 5);
    assert_int_equal(sched_queue_highest(&q), 31);
    int order[] = {3, 1, 0, 2, 4};
    for (int i = 0; i < 5; i++)
        assert_int_equal(pop_id(&q), order[i]);
    assert_int_equal(sched_queue_highest(&q), -1);
    assert_int_equal(q.summary, 0);
    assert_int_equal(q.count, 0);
}

static void preempted_thread_goes_to_the_head(void **state)
{
    (void)state;
    struct sched_ready_queue q;
    sched_queue_init(&q);
    struct fake_thread a = {.id = 1}, b = {.id = 2}, preempted = {.id = 3};
    sched_queue_insert(&q, &a.link, 8, false);
    sched_queue_insert(&q, &b.link, 8, false);
    sched_queue_insert(&q, &preempted.link, 8, true);
    assert_int_equal(pop_id(&q), 3);
    assert_int_equal(pop_id(&q), 1);
    assert_int_equal(pop_id(&q), 2);
}

static void remove_clears_the_summary_bit(void **state)
{
    (void)state;
    struct sched_ready_queue q;
    sched_queue_init(&q);
    struct fake_thread a = {.id = 1}, b = {.id = 2};
    sched_queue_insert(&q, &a.link, 20, false);
    sched_queue_insert(&q, &b.link, 5, false);
    sched_queue_remove(&q, &a.link, 20);
    assert_int_equal(sched_queue_highest(&q), 5);
    assert_int_equal(q.summary, 1u << 5);
}

static void choose_prefers_last_idle_then_any_idle(void **state)
{
    (void)state;
    struct sched_cpu_view cpus[4] = {
        {true, false, 8}, {true, true, -1}, {true, true, -1}, {true, false, 8},
    };
    assert_int_equal(sched_choose_cpu(cpus, 4, (KAFFINITY)-1, 2, 8), 2); /* last CPU idle */
    assert_int_equal(sched_choose_cpu(cpus, 4, (KAFFINITY)-1, 0, 8), 1); /* first idle */
    assert_int_equal(sched_choose_cpu(cpus, 4, 0x9, 0, 8), 0);            /* none idle allowed: last */
}

static void choose_the_lowest_running_priority_it_beats(void **state)
{
    (void)state;
    struct sched_cpu_view cpus[3] = {{true, false, 12}, {true, false, 4}, {true, false, 20}};
    assert_int_equal(sched_choose_cpu(cpus, 3, (KAFFINITY)-1, 0, 16), 1);
    /* beats nobody: stays on its last CPU */
    assert_int_equal(sched_choose_cpu(cpus, 3, (KAFFINITY)-1, 2, 3), 2);
    /* affinity excludes the last CPU and all lower ones: the lowest allowed */
    assert_int_equal(sched_choose_cpu(cpus, 3, 0x4, 0, 3), 2);
    /* nothing allowed online */
    cpus[2].online = false;
    assert_int_equal(sched_choose_cpu(cpus, 3, 0x4, 0, 3), -1);
}

static void preemption_and_quantum_rules(void **state)
{
    (void)state;
    assert_true(sched_preempts(9, 8));
    assert_false(sched_preempts(8, 8)); /* equals wait for the quantum end */
    assert_false(sched_preempts(-1, 0));
    assert_true(sched_quantum_yields(8, 8));
    assert_true(sched_quantum_yields(9, 8));
    assert_false(sched_quantum_yields(7, 8));
    assert_false(sched_quantum_yields(-1, 8));
}

static void boosts_stop_at_15_and_spare_real_time(void **state)
{
    (void)state;
    assert_int_equal(sched_boost(8, 8, 1), 9);
    assert_int_equal(sched_boost(8, 8, 0), 8);
    assert_int_equal(sched_boost(14, 14, 6), 15);
    assert_int_equal(sched_boost(8, 12, 2), 12); /* already higher: kept */
    assert_int_equal(sched_boost(16, 16, 5), 16);
    assert_int_equal(sched_boost(24, 24, 1), 24);
    assert_int_equal(sched_decay(8, 10), 9);
    assert_int_equal(sched_decay(8, 8), 8);
    assert_int_equal(sched_decay(20, 20), 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(highest_priority_first_fifo_among_equals),
        cmocka_unit_test(preempted_thread_goes_to_the_head),
        cmocka_unit_test(remove_clears_the_summary_bit),
        cmocka_unit_test(choose_prefers_last_idle_then_any_idle),
        cmocka_unit_test(choose_the_lowest_running_priority_it_beats),
        cmocka_unit_test(preemption_and_quantum_rules),
        cmocka_unit_test(boosts_stop_at_15_and_spare_real_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
