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
#include "kernel/lib/string.h"

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
