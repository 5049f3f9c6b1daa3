/* tests/ktest/ktest.c - the in-guest test runner behind tests/ktest/ktest.h.
 *
 * kernel_main calls ktest_main(cmdline "ktest" value) after boot. We walk the .ktest_suites
 * section, run what the glob selects and print KTAP version 1 on the console;
 * scripts/ktest_runner.py parses it on the host. The exit status is the verdict's second
 * channel: 33 only if every selected case passed or skipped.
 *
 * Both kernels link this file. build/ktest.elf is marked by the linker (--defsym
 * irqlab_ktest_elf=1, see the Makefile) and insists on ktest=; build/kernel.elf without ktest=
 * returns to kernel_main and the shell, whose `ktest <glob>` command calls ktest_run().
 */
#include "tests/ktest/ktest.h"

#include "arch/x86_64/cpu.h"
#include "include/wdm.h"

#include <stdarg.h>

#include "kernel/boot/cmdline.h"
#include "kernel/console/console.h"
#include "kernel/ke/shutdown.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"

extern const struct ktest_suite __ktest_suites_start[], __ktest_suites_end[];
/* Defined (as an absolute symbol) only when linking build/ktest.elf; never dereferenced. */
extern const char irqlab_ktest_elf[] __attribute__((weak));

CMDLINE_OPTION(ktest, "<glob>[,<glob>...]", "run the in-guest suites whose name or suite.case matches, then exit QEMU");
CMDLINE_OPTION(ktest_after, "<suite.case>",
               "with ktest=: skip the selected cases up to and including this one (the host runner "
               "resumes a run this way after a case crashed the kernel)");

#define KTEST_NAME_MAX 128

/* ---- selection ---- */

bool ktest_glob_match(const char *pattern, const char *text)
{
    /* Iterative '*' matching with one backtrack point: linear enough for short names. */
    const char *star = NULL, *resume = NULL;
    while (*text) {
        if (*pattern == '*') {
            star = pattern++;
            resume = text;
        } else if (*pattern == '?' || *pattern == *text) {
            pattern++;
            text++;
        } else if (star) {
            pattern = star + 1;
            text = ++resume;
        } else {
            return false;
        }
    }
    while (*pattern == '*')
        pattern++;
    return *pattern == '\0';
}

/* Copy the n-th comma-separated pattern of `list` into buf; false when there is none. */
static bool nth_pattern(const char *list, unsigned n, char *buf, size_t size)
{
    for (; n; n--) {
        list = strchr(list, ',');
        if (!list)
            return false;
        list++;
    }
    size_t len = 0;
    while (list[len] && list[len] != ',')
        len++;
    if (len >= size)
        len = size - 1;
    memcpy(buf, list, len);
    buf[len] = '\0';
    return true;
}

/* Manual suites (they end the kernel on purpose) run only when named exactly. */
static bool case_selected(const char *glob, const struct ktest_suite *suite, const struct ktest_case *c)
{
    char full[KTEST_NAME_MAX], pattern[KTEST_NAME_MAX];
    ksnprintf(full, sizeof(full), "%s.%s", suite->name, c->name);
    for (unsigned i = 0; nth_pattern(glob, i, pattern, sizeof(pattern)); i++) {
        if (!pattern[0])
            continue;
        if (suite->manual) {
            if (!strcmp(pattern, suite->name) || !strcmp(pattern, full))
                return true;
        } else if (ktest_glob_match(pattern, suite->name) || ktest_glob_match(pattern, full)) {
            return true;
        }
    }
    return false;
}

/* ktest_after=suite.case: where a resumed run starts (everything up to it already ran). */
static const struct ktest_suite *resume_suite;
static size_t resume_case;

static bool case_runs(const char *glob, const struct ktest_suite *suite, size_t i)
{
    if (resume_suite && (suite < resume_suite || (suite == resume_suite && i <= resume_case)))
        return false;
    return case_selected(glob, suite, &suite->cases[i]);
}

static unsigned selected_cases(const char *glob, const struct ktest_suite *suite)
{
    unsigned n = 0;
    for (size_t i = 0; i < suite->count; i++)
        n += case_runs(glob, suite, i);
    return n;
}

static bool find_resume_point(const char *name)
{
    char full[KTEST_NAME_MAX];
    for (const struct ktest_suite *s = __ktest_suites_start; s < __ktest_suites_end; s++) {
        for (size_t i = 0; i < s->count; i++) {
            ksnprintf(full, sizeof(full), "%s.%s", s->name, s->cases[i].name);
            if (!strcmp(full, name)) {
                resume_suite = s;
                resume_case = i;
                return true;
            }
        }
    }
    return false;
}

/* ---- reporting helpers used by the KTEST_* macros ---- */

bool ktest_streq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

void ktest_fail(struct ktest *t, const char *file, int line, const char *fmt, ...)
{
    char message[256];
    va_list args;
    va_start(args, fmt);
    kvsnprintf(message, sizeof(message), fmt, args);
    va_end(args);
    t->failed = true;
    console_printf("    # %s: EXPECTATION FAILED at %s:%d\n    # %s\n", t->name, file, line, message);
}

void ktest_log(struct ktest *t, const char *fmt, ...)
{
    char message[256];
    va_list args;
    va_start(args, fmt);
    kvsnprintf(message, sizeof(message), fmt, args);
    va_end(args);
    console_printf("    # %s: %s\n", t->name, message);
}

void ktest_skip(struct ktest *t, const char *reason)
{
    t->skipped = true;
    t->skip_reason = reason;
}

/* ---- the runner ---- */

struct counts {
    unsigned pass, fail, skip;
};

static void print_counts(const char *indent, const char *label, const struct counts *c)
{
    console_printf("%s# %s: pass:%u fail:%u skip:%u total:%u\n", indent, label, c->pass, c->fail, c->skip,
                   c->pass + c->fail + c->skip);
}

/* Every case, at boot (ktest_main) and from the shell (ktest_run), is called from here: one
 * known caller for tests that walk their own stack (ksyms_test.c). noinline keeps the frame. */
/* Every case starts on CPU 0 and stays there unless it moves itself (KeSetSystemAffinityThreadEx):
 * cases aim DPCs and interrupts at "another CPU" and flood it, which only works if the scheduler
 * cannot move the thread running the case onto that CPU (where the flood would starve it). At
 * the prompt the shell thread may be on any CPU, in build/ktest.elf it starts on CPU 0. */
__attribute__((noinline)) void ktest_run_case(const struct ktest_case *c, struct ktest *t)
{
    KAFFINITY previous = KeSetSystemAffinityThreadEx(1);
    c->fn(t);
    KeRevertToUserAffinityThreadEx(previous);
    __asm__ volatile("" ::: "memory"); /* not a tail call: this frame stays in the chain */
}

static void run_suite(const char *glob, const struct ktest_suite *suite, unsigned number, struct counts *totals)
{
    struct counts counts = {0, 0, 0};
    console_printf("  KTAP version 1\n  # Subtest: %s\n  1..%u\n", suite->name, selected_cases(glob, suite));
    unsigned n = 0;
    for (size_t i = 0; i < suite->count; i++) {
        const struct ktest_case *c = &suite->cases[i];
        if (!case_runs(glob, suite, i))
            continue;
        /* The host runner names a case that hangs or crashes from this line. */
        console_printf("    # ktest-start %s.%s\n", suite->name, c->name);
        struct ktest t = {suite->name, c->name, false, false, NULL};
        ktest_run_case(c, &t);
        n++;
        if (t.failed) {
            counts.fail++;
            console_printf("  not ok %u %s\n", n, c->name);
        } else if (t.skipped) {
            counts.skip++;
            console_printf("  ok %u %s # SKIP %s\n", n, c->name, t.skip_reason ? t.skip_reason : "");
        } else {
            counts.pass++;
            console_printf("  ok %u %s\n", n, c->name);
        }
    }
    print_counts("  ", suite->name, &counts);
    /* KTAP: a suite fails if a case failed; a suite whose cases all skipped is skipped. */
    if (counts.fail)
        console_printf("not ok %u %s\n", number, suite->name);
    else if (!counts.pass && counts.skip)
        console_printf("ok %u %s # SKIP all cases skipped\n", number, suite->name);
    else
        console_printf("ok %u %s\n", number, suite->name);
    totals->pass += counts.pass;
    totals->fail += counts.fail;
    totals->skip += counts.skip;
}

/* Run every selected suite; totals in *totals. Returns the number of suites that ran. */
static unsigned run_selected(const char *glob, struct counts *totals)
{
    unsigned suites = 0;
    for (const struct ktest_suite *s = __ktest_suites_start; s < __ktest_suites_end; s++)
        suites += selected_cases(glob, s) > 0;
    if (!suites)
        return 0;
    console_printf("1..%u\n", suites);
    unsigned number = 0;
    for (const struct ktest_suite *s = __ktest_suites_start; s < __ktest_suites_end; s++)
        if (selected_cases(glob, s))
            run_suite(glob, s, ++number, totals);
    print_counts("", "Totals", totals);
    return suites;
}

void ktest_main(const char *glob)
{
    if (!glob) {
        if (!irqlab_ktest_elf)
            return; /* build/kernel.elf booted normally: on to the shell */
        console_printf("ktest: no ktest=<glob> on the command line (try ktest=* or ktest=suite.case)\n");
        ke_exit(KE_EXIT_FAILURE);
    }
    const char *after = cmdline_get("ktest_after");
    if (after && !find_resume_point(after)) {
        console_printf("ktest: ktest_after=%s names no test case\n", after);
        ke_exit(KE_EXIT_FAILURE);
    }

    console_printf("KTAP version 1\n");
    struct counts totals = {0, 0, 0};
    if (run_selected(glob, &totals)) {
        ke_exit(totals.fail ? KE_EXIT_FAILURE : KE_EXIT_SUCCESS);
    } else if (after) {
        /* A resumed run after the very last case: nothing left is not a failure. */
        console_printf("1..0\n# Totals: pass:0 fail:0 skip:0 total:0\n");
        ke_exit(KE_EXIT_SUCCESS);
    } else {
        /* Nothing ran is a failure: a typo in the glob must not look like a green run. */
        console_printf("1..1\nnot ok 1 ktest # no suite or case matches '%s'\n", glob);
        console_printf("# Totals: pass:0 fail:1 skip:0 total:1\n");
        ke_exit(KE_EXIT_FAILURE);
    }
}

unsigned ktest_count(const char *glob, bool *manual)
{
    unsigned cases = 0;
    bool any_manual = false;
    for (const struct ktest_suite *s = __ktest_suites_start; s < __ktest_suites_end; s++) {
        unsigned n = glob ? selected_cases(glob, s) : 0;
        cases += n;
        any_manual |= n && s->manual;
    }
    if (manual)
        *manual = any_manual;
    return cases;
}

unsigned ktest_run(const char *glob, unsigned *passed, unsigned *failed, unsigned *skipped)
{
    struct counts totals = {0, 0, 0};
    resume_suite = NULL; /* ktest_after= belongs to a boot-time run, not to the shell */
    console_printf("KTAP version 1\n");
    unsigned suites = glob ? run_selected(glob, &totals) : 0;
    if (!suites)
        console_printf("1..0\n# Totals: pass:0 fail:0 skip:0 total:0\n");
    if (passed)
        *passed = totals.pass;
    if (failed)
        *failed = totals.fail;
    if (skipped)
        *skipped = totals.skip;
    return totals.pass + totals.fail + totals.skip;
}

bool ktest_under_kvm(void)
{
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    if (!(c & (1u << 31))) /* CPUID.1:ECX[31]: running under a hypervisor */
        return false;
    cpuid(0x40000000, 0, &a, &b, &c, &d);
    return b == 0x4B4D564B && c == 0x564B4D56 && d == 0x4D; /* "KVMKVMKVM\0\0\0" */
}
