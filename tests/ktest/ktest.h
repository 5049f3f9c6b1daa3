/* tests/ktest/ktest.h - irqlab's in-guest test framework (KUnit-like, KTAP version 1 output).
 *
 * Write a test:
 *
 *     #include "tests/ktest/ktest.h"
 *
 *     static void add_works(struct ktest *t)
 *     {
 *         KTEST_EXPECT_EQ(t, 1 + 1, 2);          // records a failure, keeps going
 *         KTEST_ASSERT_TRUE(t, ptr != NULL);     // records a failure, ends this test
 *     }
 *     KTEST_SUITE(arith, KTEST_CASE(add_works));
 *
 * Run it: build/ktest.elf with `-append 'ktest=arith'` (or `ktest=*`, `ktest=arith.add_*`), or
 * type `ktest arith` at the irqlab> prompt (both kernels link the suites).
 * The glob is matched against "suite" and "suite.case". Output is KTAP version 1 on COM1:
 * one top-level line per suite, one nested line per case, `# SKIP reason` for skipped cases.
 * After the last suite QEMU exits through isa-debug-exit: 0x10 (status 33) if nothing failed,
 * 0x11 (status 35) otherwise. Before each case the line "# ktest-start suite.case" is printed,
 * so the host runner (scripts/ktest_runner.py) can name the case that hung or crashed.
 *
 * KTEST_MANUAL_SUITE: suites that are only run when named exactly (never by `*`), for tests
 * that end the kernel on purpose (a deliberate page fault checked by tests/e2e/).
 */
#ifndef IRQLAB_TESTS_KTEST_H
#define IRQLAB_TESTS_KTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ktest {
    const char *suite;
    const char *name;
    bool failed;
    bool skipped;
    const char *skip_reason;
};

typedef void (*ktest_fn)(struct ktest *t);

struct ktest_case {
    const char *name;
    ktest_fn fn;
};

struct ktest_suite {
    const char *name;
    const struct ktest_case *cases;
    size_t count;
    bool manual;
};

#define KTEST_CASE(fn) {#fn, fn}

#define KTEST_SUITE_DEFINE_(id, manual_, ...)                                                       \
    static const struct ktest_case id##_ktest_cases[] = {__VA_ARGS__};                             \
    __attribute__((section(".ktest_suites"), used, aligned(8))) static const struct ktest_suite    \
        id##_ktest_suite = {#id, id##_ktest_cases, sizeof(id##_ktest_cases) / sizeof(id##_ktest_cases[0]), manual_}

#define KTEST_SUITE(id, ...) KTEST_SUITE_DEFINE_(id, false, __VA_ARGS__)
#define KTEST_MANUAL_SUITE(id, ...) KTEST_SUITE_DEFINE_(id, true, __VA_ARGS__)

/* Reporting helpers (tests/ktest/ktest.c). */
void ktest_fail(struct ktest *t, const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void ktest_log(struct ktest *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ktest_skip(struct ktest *t, const char *reason);

#define KTEST_SKIP(t, reason)                                                                      \
    do {                                                                                           \
        ktest_skip((t), (reason));                                                                 \
        return;                                                                                    \
    } while (0)

/* EXPECT records a failure and continues; ASSERT records it and returns from the test. */
#define KTEST_CHECK_(t, on_fail, cond, ...)                                                        \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            ktest_fail((t), __FILE__, __LINE__, __VA_ARGS__);                                      \
            on_fail;                                                                               \
        }                                                                                          \
    } while (0)

#define KTEST_CMP_(t, on_fail, a, op, b)                                                           \
    do {                                                                                           \
        __typeof__(a) ka_ = (a);                                                                   \
        __typeof__(b) kb_ = (b);                                                                   \
        /* Copying a literal like 0 into an int makes gcc warn for an unsigned `a`; the      */    \
        /* comparison itself is exactly the one written in the test, so silence that here.  */    \
        _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wsign-compare\"")       \
        bool kok_ = (ka_ op kb_);                                                                  \
        _Pragma("GCC diagnostic pop")                                                              \
        if (!kok_) {                                                                               \
            ktest_fail((t), __FILE__, __LINE__, "expected %s %s %s, got 0x%llx (%lld) vs 0x%llx (%lld)", #a, #op, #b, \
                       (unsigned long long)ka_, (long long)ka_, (unsigned long long)kb_, (long long)kb_); \
            on_fail;                                                                               \
        }                                                                                          \
    } while (0)

#define KTEST_EXPECT_TRUE(t, cond) KTEST_CHECK_(t, (void)0, cond, "expected %s", #cond)
#define KTEST_EXPECT_FALSE(t, cond) KTEST_CHECK_(t, (void)0, !(cond), "expected !(%s)", #cond)
#define KTEST_EXPECT_EQ(t, a, b) KTEST_CMP_(t, (void)0, a, ==, b)
#define KTEST_EXPECT_NE(t, a, b) KTEST_CMP_(t, (void)0, a, !=, b)
#define KTEST_EXPECT_LT(t, a, b) KTEST_CMP_(t, (void)0, a, <, b)
#define KTEST_EXPECT_LE(t, a, b) KTEST_CMP_(t, (void)0, a, <=, b)
#define KTEST_EXPECT_GT(t, a, b) KTEST_CMP_(t, (void)0, a, >, b)
#define KTEST_EXPECT_GE(t, a, b) KTEST_CMP_(t, (void)0, a, >=, b)
#define KTEST_EXPECT_NULL(t, p) KTEST_CHECK_(t, (void)0, (p) == NULL, "expected %s == NULL", #p)
#define KTEST_EXPECT_NOT_NULL(t, p) KTEST_CHECK_(t, (void)0, (p) != NULL, "expected %s != NULL", #p)
#define KTEST_EXPECT_STREQ(t, a, b) KTEST_CHECK_(t, (void)0, ktest_streq((a), (b)), "expected \"%s\" == \"%s\"", (a), (b))

#define KTEST_ASSERT_TRUE(t, cond) KTEST_CHECK_(t, return, cond, "expected %s", #cond)
#define KTEST_ASSERT_FALSE(t, cond) KTEST_CHECK_(t, return, !(cond), "expected !(%s)", #cond)
#define KTEST_ASSERT_EQ(t, a, b) KTEST_CMP_(t, return, a, ==, b)
#define KTEST_ASSERT_NE(t, a, b) KTEST_CMP_(t, return, a, !=, b)
#define KTEST_ASSERT_LT(t, a, b) KTEST_CMP_(t, return, a, <, b)
#define KTEST_ASSERT_LE(t, a, b) KTEST_CMP_(t, return, a, <=, b)
#define KTEST_ASSERT_GT(t, a, b) KTEST_CMP_(t, return, a, >, b)
#define KTEST_ASSERT_GE(t, a, b) KTEST_CMP_(t, return, a, >=, b)
#define KTEST_ASSERT_NULL(t, p) KTEST_CHECK_(t, return, (p) == NULL, "expected %s == NULL", #p)
#define KTEST_ASSERT_NOT_NULL(t, p) KTEST_CHECK_(t, return, (p) != NULL, "expected %s != NULL", #p)

bool ktest_streq(const char *a, const char *b);

/* True when running under KVM (CPUID hypervisor leaf "KVMKVMKVM"). The nested KVM of the
 * project's build machines cannot emulate `int n` (docs/kvm.md), so tests that use it skip
 * themselves there with that reason. */
bool ktest_under_kvm(void);
#define KTEST_SKIP_UNDER_KVM(t)                                                                    \
    do {                                                                                           \
        if (ktest_under_kvm())                                                                     \
            KTEST_SKIP((t), "uses `int n`, which nested KVM cannot emulate");                      \
    } while (0)

/* The runner (tests/ktest/ktest.c): kernel_main calls it with the `ktest=` value (NULL if
 * absent). With a glob it runs the selection and exits QEMU (33 or 35); without one it fails in
 * build/ktest.elf and returns in build/kernel.elf (which goes on to the shell). Patterns are
 * comma-separated; '*' and '?' are wildcards. */
void ktest_main(const char *glob);
bool ktest_glob_match(const char *pattern, const char *text);

/* For the shell's `ktest <glob>` (kernel/shell/cmd_ktest.c): the same selection rules and KTAP
 * output as ktest_main, but the machine keeps running. ktest_count says how many cases `glob`
 * selects and whether any belongs to a manual suite (those are selected only when named exactly
 * and end the kernel on purpose). ktest_run runs them and returns how many ran. PASSIVE_LEVEL. */
unsigned ktest_count(const char *glob, bool *manual);
/* Calls one case (the one frame every case has above it, both at boot and at the prompt). */
void ktest_run_case(const struct ktest_case *c, struct ktest *t);
unsigned ktest_run(const char *glob, unsigned *passed, unsigned *failed, unsigned *skipped);

#endif
