/* tests/ktest/par_e2e_test.c - manual suite `par_e2e`: print the test text (4.5 KiB, every byte
 * value) through parprint with parwatch sharing the port interrupt, and report the counts.
 * tests/e2e/test_parport.py boots it with QEMU's `-parallel file:PATH` and compares PATH with the
 * text byte for byte; nothing else is printed in that boot, so the file must be exactly the text.
 * Manual because in the ordinary test matrix the port's backend is not a file. By hand:
 *
 *     make run-ktest CMDLINE='ktest=par_e2e' QEMU_EXTRA='-parallel file:/tmp/lpt.bin'
 */
#include "drivers/parprint/parprint.h"
#include "drivers/parwatch/parwatch.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/par_helpers.h"

static UCHAR text[PAR_TEST_PATTERN_BYTES];

static void print_every_byte_value(struct ktest *t)
{
    PDEVICE_OBJECT port = parport_device(0);
    KTEST_ASSERT_NOT_NULL(t, port);
    par_test_pattern(text, sizeof(text));
    par_test_restore(port);
    parprint_reset_counts();
    parwatch_reset_counts();
    KTEST_ASSERT_EQ(t, parwatch_start(PARWATCH_HONEST), STATUS_SUCCESS); /* first in the port's list */
    struct parport_status before = par_test_status(port);
    KTEST_EXPECT_EQ(t, parprint_print(text, sizeof(text)), STATUS_SUCCESS);
    struct parport_status after = par_test_status(port);
    struct parprint_counts c = {0};
    struct parwatch_counts w = {0};
    parprint_get_counts(&c);
    parwatch_get_counts(&w);
    parwatch_stop();
    KTEST_EXPECT_TRUE(t, par_test_pin_masked(port));
    /* One line for the host to read. */
    ktest_log(t,
              "par_e2e bytes=%u interrupts=%u timeouts=%u port_interrupts=%llu unclaimed=%llu seen=%llu claimed=%llu",
              c.last_job_bytes, c.last_job_interrupts, c.last_job_timeouts,
              (unsigned long long)(after.interrupts - before.interrupts),
              (unsigned long long)(after.unclaimed - before.unclaimed), (unsigned long long)w.seen,
              (unsigned long long)w.claimed);
    KTEST_EXPECT_EQ(t, c.last_job_bytes, sizeof(text));
    KTEST_EXPECT_EQ(t, c.last_job_interrupts + c.last_job_timeouts, sizeof(text));
    KTEST_EXPECT_EQ(t, w.claimed, 0);
    par_test_restore(port);
}

KTEST_MANUAL_SUITE(par_e2e, KTEST_CASE(print_every_byte_value));
