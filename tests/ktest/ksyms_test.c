/* tests/ktest/ksyms_test.c - symbol lookup and frame-pointer backtraces, checked in the guest.
 *
 * System V AMD64 ABI §3.2.2 "The Stack Frame" (the chain backtrace.c follows). The stop screen
 * is only as good as these two pieces: a wrong symbol or a broken walk there means a student
 * reads the wrong function name at the worst possible moment.
 */
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "kernel/ke/backtrace.h"
#include "kernel/ke/ksyms.h"
#include "kernel/lib/string.h"
#include "tests/ktest/ktest.h"

/* Named, never inlined or cloned: the tests look these up by name. */
#define KSYMS_TEST_FN __attribute__((noipa))

/* Long enough (well over 0x20 bytes) that the offsets used below stay inside it. */
KSYMS_TEST_FN int ksyms_test_target(int x);
KSYMS_TEST_FN int ksyms_test_target(int x)
{
    volatile int acc = x;
    for (int i = 0; i < 8; i++)
        acc = acc * 3 + i;
    return acc;
}

static void lookup_known_function(struct ktest *t)
{
    uint64_t address = (uint64_t)(uintptr_t)ksyms_test_target;
    uint64_t offset = 99;
    KTEST_EXPECT_STREQ(t, ksym_lookup(address, &offset), "ksyms_test_target");
    KTEST_EXPECT_EQ(t, offset, 0u);
    KTEST_EXPECT_STREQ(t, ksym_lookup(address + 1, &offset), "ksyms_test_target");
    KTEST_EXPECT_EQ(t, offset, 1u);
    KTEST_EXPECT_STREQ(t, ksym_lookup((uint64_t)(uintptr_t)ktest_streq, NULL), "ktest_streq");
}

static void lookup_rejects_non_code(struct ktest *t)
{
    uint64_t offset;
    KTEST_EXPECT_NULL(t, ksym_lookup(0, &offset));
    KTEST_EXPECT_NULL(t, ksym_lookup(0x1000, &offset));
    static int data_object;
    KTEST_EXPECT_NULL(t, ksym_lookup((uint64_t)(uintptr_t)&data_object, &offset));
}

static void address_of_round_trip(struct ktest *t)
{
    KTEST_EXPECT_EQ(t, ksym_address_of("ksyms_test_target"), (uint64_t)(uintptr_t)ksyms_test_target);
    KTEST_EXPECT_EQ(t, ksym_address_of("ktest_main"), (uint64_t)(uintptr_t)ktest_main);
    KTEST_EXPECT_EQ(t, ksym_address_of("no_such_function_in_irqlab"), 0u);
}

static void format_name_plus_offset(struct ktest *t)
{
    char buf[64];
    uint64_t address = (uint64_t)(uintptr_t)ksyms_test_target;
    KTEST_EXPECT_STREQ(t, ksym_format(address + 0x1c, buf, sizeof(buf)), "ksyms_test_target+0x1c");
    KTEST_EXPECT_STREQ(t, ksym_format(address, buf, sizeof(buf)), "ksyms_test_target+0x0");
    KTEST_EXPECT_STREQ(t, ksym_format(0x10, buf, sizeof(buf)), "0x0000000000000010");
    /* A return address is looked up one byte earlier but printed as it is. */
    KTEST_EXPECT_STREQ(t, backtrace_format_return_address(address + 5, buf, sizeof(buf)), "ksyms_test_target+0x5");
}

/* ---- a backtrace through a known chain: case -> outer -> middle -> inner ---- */

struct chain_capture {
    uint64_t pcs[16];
    size_t count;
};

KSYMS_TEST_FN void ksyms_chain_inner(struct chain_capture *c);
KSYMS_TEST_FN void ksyms_chain_middle(struct chain_capture *c);
KSYMS_TEST_FN void ksyms_chain_outer(struct chain_capture *c);

void ksyms_chain_inner(struct chain_capture *c) { c->count = backtrace_capture(read_rbp(), c->pcs, 16); }

/* The empty asm after each call keeps the call from becoming a tail jump, which would
 * (correctly) drop the caller from the chain. */
void ksyms_chain_middle(struct chain_capture *c)
{
    ksyms_chain_inner(c);
    __asm__ volatile("" ::: "memory");
}

void ksyms_chain_outer(struct chain_capture *c)
{
    ksyms_chain_middle(c);
    __asm__ volatile("" ::: "memory");
}

static const char *caller_name(uint64_t return_address) { return ksym_lookup(return_address - 1, NULL); }

static void backtrace_names_callers_in_order(struct ktest *t)
{
    struct chain_capture c = {{0}, 0};
    ksyms_chain_outer(&c);
    __asm__ volatile("" ::: "memory");
    KTEST_ASSERT_GE(t, c.count, 4u);
    KTEST_EXPECT_STREQ(t, caller_name(c.pcs[0]), "ksyms_chain_middle");
    KTEST_EXPECT_STREQ(t, caller_name(c.pcs[1]), "ksyms_chain_outer");
    KTEST_EXPECT_STREQ(t, caller_name(c.pcs[2]), "backtrace_names_callers_in_order");
    /* Every case is called by ktest_run_case, whether the run started at boot (ktest_main) or
     * at the prompt (the shell's `ktest`, ktest_run): both must show up above it. */
    KTEST_EXPECT_STREQ(t, caller_name(c.pcs[3]), "ktest_run_case");
    bool entry_seen = false;
    for (size_t i = 4; i < c.count; i++)
        entry_seen |=
            ktest_streq(caller_name(c.pcs[i]), "ktest_main") || ktest_streq(caller_name(c.pcs[i]), "ktest_run");
    KTEST_EXPECT_TRUE(t, entry_seen);
}

static void backtrace_reaches_the_end_of_the_chain(struct ktest *t)
{
    uint64_t pcs[BACKTRACE_MAX_WALK < 256 ? BACKTRACE_MAX_WALK : 256];
    size_t n = backtrace_capture(read_rbp(), pcs, sizeof(pcs) / sizeof(pcs[0]));
    KTEST_EXPECT_GT(t, n, 2u);
    KTEST_EXPECT_LT(t, n, sizeof(pcs) / sizeof(pcs[0])); /* ended on its own, not at the limit */
}

static void backtrace_rejects_bad_frames(struct ktest *t)
{
    uint64_t pcs[8];
    KTEST_EXPECT_EQ(t, backtrace_capture(0, pcs, 8), 0u);
    KTEST_EXPECT_EQ(t, backtrace_capture(0x1003, pcs, 8), 0u);                /* misaligned */
    KTEST_EXPECT_EQ(t, backtrace_capture(0xdead000000000000ull, pcs, 8), 0u); /* non-canonical */

    /* A hand-made chain: two good links, then a misaligned one. */
    uint64_t frames[3][2] __attribute__((aligned(16)));
    frames[0][0] = (uint64_t)(uintptr_t)frames[1];
    frames[0][1] = 0x111;
    frames[1][0] = (uint64_t)(uintptr_t)frames[2] + 4;
    frames[1][1] = 0x222;
    KTEST_EXPECT_EQ(t, backtrace_capture((uint64_t)(uintptr_t)frames[0], pcs, 8), 2u);
    KTEST_EXPECT_EQ(t, pcs[0], 0x111u);
    KTEST_EXPECT_EQ(t, pcs[1], 0x222u);

    /* A link that points at itself must not loop. */
    frames[0][0] = (uint64_t)(uintptr_t)frames[0];
    KTEST_EXPECT_EQ(t, backtrace_capture((uint64_t)(uintptr_t)frames[0], pcs, 8), 1u);

    /* A zero return address ends the chain (boot/entry.asm's marker). */
    frames[0][0] = (uint64_t)(uintptr_t)frames[1];
    frames[1][0] = 0;
    frames[1][1] = 0;
    KTEST_EXPECT_EQ(t, backtrace_capture((uint64_t)(uintptr_t)frames[0], pcs, 8), 1u);
}

KTEST_SUITE(ksyms, KTEST_CASE(lookup_known_function), KTEST_CASE(lookup_rejects_non_code),
            KTEST_CASE(address_of_round_trip), KTEST_CASE(format_name_plus_offset),
            KTEST_CASE(backtrace_names_callers_in_order), KTEST_CASE(backtrace_reaches_the_end_of_the_chain),
            KTEST_CASE(backtrace_rejects_bad_frames));
