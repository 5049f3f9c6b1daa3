/* kernel/shell/cmd_cmdline.c - `cmdline`: the command line the kernel was booted with, and every
 * option some part of the kernel declared (CMDLINE_OPTION, kernel/boot/cmdline.h), sorted. */
#include "kernel/boot/cmdline.h"
#include "kernel/console/console.h"
#include "kernel/lib/string.h"
#include "kernel/shell/shell.h"
#include "kernel/shell/shell_format.h"

#define CMDLINE_MAX_LISTED 64

static int cmd_cmdline(const struct shell_args *args)
{
    if (args->argc != 1)
        return SHELL_USAGE;
    const char *text = cmdline_text();
    console_printf("current: %s\n", text[0] ? text : "(empty)");

    size_t count;
    const struct cmdline_option *options = cmdline_options(&count);
    const struct cmdline_option *sorted[CMDLINE_MAX_LISTED] = {0};
    size_t n = 0;
    for (size_t i = 0; i < count && n < CMDLINE_MAX_LISTED; i++) {
        size_t j = n++;
        while (j > 0 && strcmp(sorted[j - 1]->name, options[i].name) > 0) {
            sorted[j] = sorted[j - 1];
            j--;
        }
        sorted[j] = &options[i];
    }
    console_printf("options (name=values, then what it does):\n");
    for (size_t i = 0; i < n; i++) {
        const char *value = cmdline_get(sorted[i]->name);
        if (value)
            console_printf("  %s=%s   (now: %s)\n", sorted[i]->name, sorted[i]->values, value[0] ? value : "set");
        else
            console_printf("  %s=%s\n", sorted[i]->name, sorted[i]->values);
        const char *help = sorted[i]->help, *next;
        for (size_t len; (len = shell_wrap(help, SHELL_COLUMNS - 1 - 6, &next)) || *next; help = next)
            console_printf("      %.*s\n", (int)len, help);
    }
    return SHELL_OK;
}

SHELL_COMMAND(cmdline, "cmdline", "the boot command line and every option the kernel knows",
              "Set options with make run CMDLINE='loglevel=debug msi=off' (or in grub.cfg).", cmd_cmdline);
