/* kernel/shell/cmd_ktest.c - `ktest <glob>`: run in-guest test suites from the prompt.
 *
 * The suites (tests/ktest/, KTEST_SUITE) are linked into both kernels. At boot `ktest=<glob>`
 * runs them and exits QEMU; here ktest_run() runs them and comes back to the prompt, printing the
 * same KTAP. Suites declared KTEST_MANUAL_SUITE are the crash tests and other tests that end the
 * kernel on purpose: as at boot they are selected only when named exactly, and we warn first. */
#include "kernel/console/console.h"
#include "kernel/lib/string.h"
#include "kernel/shell/shell.h"
#include "kernel/shell/shell_format.h"
#include "tests/ktest/ktest.h"

extern const struct ktest_suite __ktest_suites_start[], __ktest_suites_end[];

/* The suite names, wrapped at 80 columns; manual ones or the others. */
static void list_suites(bool manual)
{
    unsigned column = 2;
    console_printf(" ");
    for (const struct ktest_suite *s = __ktest_suites_start; s < __ktest_suites_end; s++) {
        if (s->manual != manual)
            continue;
        unsigned len = (unsigned)strlen(s->name) + 1;
        if (column + len > SHELL_COLUMNS - 1) {
            console_printf("\n ");
            column = 2;
        }
        console_printf(" %s", s->name);
        column += len;
    }
    console_printf("\n");
}

static int cmd_ktest(const struct shell_args *args)
{
    if (args->argc == 1) {
        console_printf("usage: ktest <glob>   suites ('ktest *' runs them all):\n");
        list_suites(false);
        console_printf("manual suites (run only when named exactly; most stop the machine):\n");
        list_suites(true);
        return SHELL_OK;
    }
    if (args->argc != 2)
        return SHELL_USAGE;
    const char *glob = args->argv[1];
    bool manual = false;
    unsigned cases = ktest_count(glob, &manual);
    if (!cases) {
        console_printf("ktest: nothing matches '%s' ('ktest' lists the suites)\n", glob);
        return SHELL_ERROR;
    }
    if (manual)
        console_printf("ktest: WARNING: this selects a manual suite. Crash tests among them stop the\n"
                       "       machine on purpose: a stop screen, then QEMU exits.\n");
    unsigned passed, failed, skipped;
    ktest_run(glob, &passed, &failed, &skipped);
    console_printf("ktest: %u passed, %u failed, %u skipped\n", passed, failed, skipped);
    return failed ? SHELL_ERROR : SHELL_OK;
}

SHELL_COMMAND(ktest, "ktest <glob>", "run in-guest test suites, e.g. ktest irql or ktest dpc.*",
              "The glob is matched against 'suite' and 'suite.case'; several globs may be given separated "
              "by commas. Output is KTAP, as with ktest=<glob> at boot, but the machine keeps running. "
              "Manual suites (crash tests) run only when named exactly. 'ktest' alone lists the suites.",
              cmd_ktest);
