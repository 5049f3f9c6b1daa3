/* tests/ktest/sanitizer_crash_test.c - the sanitizer build's checks (make SANITIZE=1), broken on
 * purpose (manual suite `sanitizer_crash`; tests/e2e/test_bugcheck_sanitizer.py boots
 * `ktest=sanitizer_crash.<case>` on build/san/ktest.elf and reads the stop screen):
 *
 *   array_index_out_of_bounds   table[4] of an int[4]          0x1E, P1 = STATUS_ARRAY_BOUNDS_EXCEEDED, P4 = 4
 *   signed_overflow             INT_MAX + 1                    0x1E, P1 = STATUS_INTEGER_OVERFLOW
 *   stack_smash                 a stack buffer overrun          0xF7 DRIVER_OVERRAN_STACK_BUFFER
 *
 * In the default build nothing checks, so each case fails with "build with make SANITIZE=1".
 * The suite `sanitizer` (run by ktest=*) checks what the runtime set up at boot.
 *
 *     make SANITIZE=1 run-ktest CMDLINE='ktest=sanitizer_crash.stack_smash'
 */
#include "include/wdm.h"
#include "kernel/lib/stack_protector.h"
#include "kernel/lib/string.h"
#include "kernel/lib/ubsan.h"
#include "tests/ktest/ktest.h"

#define CRASH_SITE __attribute__((noipa))

static void survived(struct ktest *t, const char *what)
{
#ifdef IRQLAB_SANITIZE
    ktest_fail(t, __FILE__, __LINE__, "%s and nothing stopped", what);
#else
    ktest_fail(t, __FILE__, __LINE__, "%s and nothing checks it: build with make SANITIZE=1", what);
#endif
}

static volatile int index_four = 4;
static volatile int int_max = 0x7fffffff;
int sanitizer_sink; /* keeps the results alive */

static CRASH_SITE void array_index_out_of_bounds(struct ktest *t)
{
    int table[4] = {1, 2, 3, 4};
    // cppcheck-suppress arrayIndexOutOfBounds ; on purpose: the check under test
    sanitizer_sink = table[index_four]; /* -fsanitize=bounds */
    survived(t, "table[4] of an int[4] was read");
}

static CRASH_SITE void signed_overflow(struct ktest *t)
{
    // cppcheck-suppress integerOverflow ; on purpose: the check under test
    sanitizer_sink = int_max + 1; /* -fsanitize=signed-integer-overflow */
    survived(t, "INT_MAX + 1 was computed");
}

/* Fill the buffer and everything above it up to the saved frame pointer: the cookie is in
 * there, the saved RBP and return address are not (so the backtrace stays readable). memset is
 * an out-of-line call here (-ffreestanding), which no bounds check looks into. */
static CRASH_SITE void overrun_own_buffer(void)
{
    char buffer[16];
    char *frame = __builtin_frame_address(0);
    memset(buffer, 'A', (size_t)(frame - buffer));
    sanitizer_sink = (unsigned char)buffer[0];
}

static CRASH_SITE void stack_smash(struct ktest *t)
{
    overrun_own_buffer();
    survived(t, "a function overran its stack buffer and returned");
}

KTEST_MANUAL_SUITE(sanitizer_crash, KTEST_CASE(array_index_out_of_bounds), KTEST_CASE(signed_overflow),
                   KTEST_CASE(stack_smash));

/* ---- what every run checks ---- */

static void stack_guard_was_randomised_at_boot(struct ktest *t)
{
    KTEST_EXPECT_NE(t, __stack_chk_guard, 0);
    KTEST_EXPECT_NE(t, __stack_chk_guard, 0x595e9fbd94fda700ull); /* the link-time value */
    KTEST_EXPECT_EQ(t, __stack_chk_guard & 0xFF, 0);              /* string overruns stop at it */
}

static void no_check_failed_so_far(struct ktest *t)
{
    /* Each failure stops the machine; a nonzero count means one fired during a stop screen. */
    KTEST_EXPECT_EQ(t, ubsan_failures(), 0);
}

KTEST_SUITE(sanitizer, KTEST_CASE(stack_guard_was_randomised_at_boot), KTEST_CASE(no_check_failed_so_far));
