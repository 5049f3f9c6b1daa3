/* tests/ktest/ktest_selftest.c - tests of the test framework itself.
 *
 * `ktest_glob` runs with everything else. `ktest_selftest` is manual: it fails and skips on
 * purpose so tests/e2e/test_bad_input.py can prove that a failure really reaches the host as
 * `not ok` and exit status 35 - otherwise a broken runner could pass every run vacuously.
 * `ktest_selftest_crash` (manual too) bugchecks and hangs on purpose: the host runner must
 * name those cases (# CRASH, # TIMEOUT) and still run the case after them.
 */
#include "include/wdm.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/lib/format.h"
#include "tests/ktest/ktest.h"

static void star_and_question(struct ktest *t)
{
    KTEST_EXPECT_TRUE(t, ktest_glob_match("*", "mm.frames"));
    KTEST_EXPECT_TRUE(t, ktest_glob_match("mm.*", "mm.frames"));
    KTEST_EXPECT_TRUE(t, ktest_glob_match("*.frames", "mm.frames"));
    KTEST_EXPECT_TRUE(t, ktest_glob_match("m?.fr*s", "mm.frames"));
    KTEST_EXPECT_TRUE(t, ktest_glob_match("a*b*c", "axxbyyc"));
    KTEST_EXPECT_TRUE(t, ktest_glob_match("", ""));
}

static void mismatches(struct ktest *t)
{
    KTEST_EXPECT_FALSE(t, ktest_glob_match("mm", "mm.frames"));
    KTEST_EXPECT_FALSE(t, ktest_glob_match("mm.?", "mm.frames"));
    KTEST_EXPECT_FALSE(t, ktest_glob_match("acpi*", "mm.frames"));
    KTEST_EXPECT_FALSE(t, ktest_glob_match("a*b*c", "axxbyy"));
    KTEST_EXPECT_FALSE(t, ktest_glob_match("", "x"));
}

static void formatter_in_guest(struct ktest *t)
{
    char buf[32];
    KTEST_EXPECT_EQ(t, ksnprintf(buf, sizeof(buf), "%s-%05d-%#x", "ok", 42, 255u), (size_t)13);
    KTEST_EXPECT_STREQ(t, buf, "ok-00042-0xff");
}

KTEST_SUITE(ktest_glob, KTEST_CASE(star_and_question), KTEST_CASE(mismatches), KTEST_CASE(formatter_in_guest));

static void passes(struct ktest *t) { KTEST_EXPECT_EQ(t, 2 + 2, 4); }

static void fails_on_purpose(struct ktest *t)
{
    KTEST_EXPECT_EQ(t, 2 + 2, 5);
    ktest_log(t, "this failure is expected: it proves failures are reported");
}

static void skips_on_purpose(struct ktest *t) { KTEST_SKIP(t, "skipping is reported too"); }

KTEST_MANUAL_SUITE(ktest_selftest, KTEST_CASE(passes), KTEST_CASE(fails_on_purpose), KTEST_CASE(skips_on_purpose));

static void bugchecks_on_purpose(struct ktest *t)
{
    ktest_log(t, "the stop screen below is expected");
    KeBugCheckEx(MANUALLY_INITIATED_CRASH, 0x1234, 0, 0, 0);
}

static void hangs_on_purpose(struct ktest *t)
{
    for (;;)
        __asm__ volatile("pause");
}

static void runs_after_the_crashes(struct ktest *t) { KTEST_EXPECT_TRUE(t, true); }

KTEST_MANUAL_SUITE(ktest_selftest_crash, KTEST_CASE(bugchecks_on_purpose), KTEST_CASE(hangs_on_purpose),
                   KTEST_CASE(runs_after_the_crashes));
