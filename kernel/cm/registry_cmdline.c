/* kernel/cm/registry_cmdline.c - filling the registry from the kernel command line (registry.h).
 *
 * `<driver>.<ValueName>=<data>` sets one value of one driver; the driver must exist (a misspelt
 * name would otherwise be a value nobody reads: it is reported once, like every command-line
 * mistake). The short options below are older spellings of real values, kept because docs and
 * scripts use them: each sets the value the driver reads, for every driver it names.
 */
#include "kernel/boot/cmdline.h"
#include "kernel/cm/registry.h"
#include "kernel/console/log.h"
#include "kernel/io/pnp.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"

/* The short options are declared here, with the registry, so that `cmdline` lists them and a bad
 * value is reported once at boot; the drivers read only the registry value. */
CMDLINE_OPTION(edu_passive, "on|off",
               "edu: connect a passive-level ISR (runs in a thread at PASSIVE_LEVEL) instead of the DIRQL one "
               "(= edu.PassiveInterrupt; default off)");
CMDLINE_OPTION(parport_connect_interrupt, "on|off",
               "accept IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT (= parport.EnableConnectInterruptIoctl; default on)");

static bool rx_buffers_check(const char *value, char *why, size_t why_size);
CMDLINE_OPTION_CHECKED(e1000_itr, "<interrupts per second>|0",
                       "e1000/e1000e interrupt moderation: at most this many interrupts/s per vector (= keyword ITR; "
                       "default 0: off; QEMU never goes above ~7800)",
                       cmdline_check_number);
CMDLINE_OPTION_CHECKED(e1000_rx_buffers, "<16-256>",
                       "receive descriptors per e1000/e1000e (= keyword *ReceiveBuffers; default 256, multiple of 8)",
                       rx_buffers_check);
CMDLINE_OPTION(e1000_link_irq, "on|off",
               "e1000/e1000e: take link changes from the LSC interrupt (= keyword LinkInterrupt; default on; off: only "
               "the watchdog timer sees them)");
CMDLINE_OPTION_CHECKED(e1000_watchdog_ms, "<milliseconds>|0",
                       "e1000/e1000e link watchdog timer period (= keyword WatchdogPeriodMs; default 2000; 0: no watchdog)",
                       cmdline_check_number);

/* The INF's range for *ReceiveBuffers (what the driver clamps to): 16-256 in steps of 8, since the
 * ring's length register counts 128-byte units (drivers/e1000/e1000_config.c). */
static bool rx_buffers_check(const char *value, char *why, size_t why_size)
{
    unsigned long n;
    if (!cmdline_check_number(value, why, why_size))
        return false;
    cmdline_parse_number(value, &n);
    unsigned long ok = n < 16 ? 16 : n > 256 ? 256 : n & ~7ul;
    if (ok == n)
        return true;
    ksnprintf(why, why_size, "using %u (16-256, a multiple of 8)", (unsigned)ok);
    return false;
}

struct short_option {
    const char *option;     /* the command-line key */
    const char *drivers[2]; /* whose value it sets */
    const char *value;      /* the value's name */
};

/* The values are the ones Windows' drivers read: Intel's "ITR" and the standardized
 * "*ReceiveBuffers" keyword (learn.microsoft.com: "Standardized INF Keywords for Receive
 * Buffers"), and parport's "EnableConnectInterruptIoctl" (IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT). */
static const struct short_option short_options[] = {
    {"e1000_itr", {"e1000", "e1000e"}, "ITR"},
    {"e1000_rx_buffers", {"e1000", "e1000e"}, "*ReceiveBuffers"},
    {"parport_connect_interrupt", {"parport", NULL}, "EnableConnectInterruptIoctl"},
    {"edu_passive", {"edu", NULL}, "PassiveInterrupt"},
    {"e1000_link_irq", {"e1000", "e1000e"}, "LinkInterrupt"},
    {"e1000_watchdog_ms", {"e1000", "e1000e"}, "WatchdogPeriodMs"},
};

/* on/off spellings of a boolean option become 1/0, as a REG_DWORD flag is written. */
static const char *as_flag(const char *text)
{
    static const char *const on[] = {"on", "yes", "true", ""}, *const off[] = {"off", "no", "false"};
    for (unsigned i = 0; i < ARRAYSIZE(on); i++)
        if (strcmp(text, on[i]) == 0)
            return "1";
    for (unsigned i = 0; i < ARRAYSIZE(off); i++)
        if (strcmp(text, off[i]) == 0)
            return "0";
    return text;
}

static void set_from_word(const struct cmdline_word *w)
{
    char why[96];
    for (unsigned i = 0; i < ARRAYSIZE(short_options); i++) {
        const struct short_option *s = &short_options[i];
        if (strcmp(w->key, s->option) != 0)
            continue;
        for (unsigned d = 0; d < 2 && s->drivers[d]; d++)
            (void)cm_set_value(s->drivers[d], s->value, as_flag(w->value), why, sizeof(why)); /* short: fits */
        return;
    }
    if (!cmdline_is_registry_word(w->key))
        return;
    const char *dot = strchr(w->key, '.');
    size_t len = (size_t)(dot - w->key);
    char driver[CM_NAME_MAX];
    if (len == 0 || len >= sizeof(driver) || !io_driver_exists(w->key, len)) {
        log_warn("cmdline: %s=%s: no driver is named '%.*s'; the value was ignored (`registry` lists drivers' values)",
                 w->key, w->value, (int)len, w->key);
        return;
    }
    memcpy(driver, w->key, len);
    driver[len] = '\0';
    if (!cm_set_value(driver, dot + 1, w->value, why, sizeof(why)))
        log_warn("cmdline: %s=%s: %s; the value was ignored", w->key, w->value, why);
}

void cm_init(void)
{
    for (unsigned i = 0; i < cmdline_word_count(); i++)
        set_from_word(cmdline_word_at(i));
}
