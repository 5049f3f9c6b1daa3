/* tests/unit/test_serial_ring.c - the serial driver's single-producer, single-consumer ring.
 * unit-sources:
 *
 * drivers/serial/serial_ring.h is header-only. The single-threaded cases check the arithmetic
 * (full, empty, wrap-around of the free-running indices); one case runs a real producer thread
 * against a consumer thread, as the ISR and the DPC are on two CPUs.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "drivers/serial/serial_ring.h"

static void starts_empty(void **state)
{
    (void)state;
    struct serial_ring r;
    serial_ring_init(&r);
    uint8_t b;
    assert_int_equal(serial_ring_count(&r), 0);
    assert_false(serial_ring_get(&r, &b));
}

static void fifo_order_and_full(void **state)
{
    (void)state;
    struct serial_ring r;
    serial_ring_init(&r);
    for (unsigned i = 0; i < SERIAL_RING_SIZE; i++)
        assert_true(serial_ring_put(&r, (uint8_t)i));
    assert_false(serial_ring_put(&r, 0xEE)); /* full: refused, nothing overwritten */
    assert_int_equal(serial_ring_count(&r), SERIAL_RING_SIZE);
    uint8_t b;
    for (unsigned i = 0; i < SERIAL_RING_SIZE; i++) {
        assert_true(serial_ring_get(&r, &b));
        assert_int_equal(b, (uint8_t)i);
    }
    assert_false(serial_ring_get(&r, &b));
}

static void indices_wrap_around(void **state)
{
    (void)state;
    struct serial_ring r;
    r.head = r.tail = UINT32_MAX - 3; /* as after four billion bytes */
    uint8_t b;
    for (unsigned i = 0; i < 10; i++)
        assert_true(serial_ring_put(&r, (uint8_t)(0x40 + i)));
    assert_int_equal(serial_ring_count(&r), 10);
    for (unsigned i = 0; i < 10; i++) {
        assert_true(serial_ring_get(&r, &b));
        assert_int_equal(b, 0x40 + i);
    }
    assert_int_equal(serial_ring_count(&r), 0);
}

#define STREAM_BYTES 2000000u

static struct serial_ring shared;

static void *producer(void *arg)
{
    (void)arg;
    for (uint32_t i = 0; i < STREAM_BYTES;)
        if (serial_ring_put(&shared, (uint8_t)(i * 7 + 3)))
            i++;
    return NULL;
}

static void two_threads_lose_nothing(void **state)
{
    (void)state;
    serial_ring_init(&shared);
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, producer, NULL), 0);
    uint32_t got = 0, bad = 0;
    while (got < STREAM_BYTES) {
        uint8_t b;
        if (serial_ring_get(&shared, &b)) {
            bad += b != (uint8_t)(got * 7 + 3);
            got++;
        }
    }
    pthread_join(thread, NULL);
    assert_int_equal(bad, 0);
    assert_int_equal(serial_ring_count(&shared), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(starts_empty),
        cmocka_unit_test(fifo_order_and_full),
        cmocka_unit_test(indices_wrap_around),
        cmocka_unit_test(two_threads_lose_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
