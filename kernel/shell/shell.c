/* kernel/shell/shell.c - the irqlab> loop, the command table, `help`.
 *
 * kernel_main's last step (kernel/main.c) calls kernel_idle_prompt() at PASSIVE_LEVEL on the boot
 * CPU. It prints the prompt, waits for a line (shell_input.c: interrupt-driven, halted while
 * idle), runs it, and starts over. Commands are found in the .shell_commands section
 * (SHELL_COMMAND in shell.h), so a command is added by adding a file anywhere in the kernel.
 */
#include "kernel/shell/shell.h"

#include "include/wdm.h"
#include "kernel/console/console.h"
#include "kernel/lib/string.h"
#include "kernel/main.h"
#include "kernel/shell/line_edit.h"
#include "kernel/shell/shell_args.h"
#include "kernel/shell/shell_format.h"
#include "kernel/shell/shell_input.h"

#define SHELL_PROMPT "irqlab> "
#define SHELL_MAX_COMMANDS 64 /* for sorting `help`; more are listed unsorted at the end */

extern const struct shell_command __shell_commands_start[], __shell_commands_end[];

const struct shell_command *shell_commands(size_t *count)
{
    *count = (size_t)(__shell_commands_end - __shell_commands_start);
    return __shell_commands_start;
}

const struct shell_command *shell_find_command(const char *name)
{
    for (const struct shell_command *c = __shell_commands_start; c < __shell_commands_end; c++)
        if (!strcmp(c->name, name))
            return c;
    return NULL;
}

/* ---- running a line --------------------------------------------------------------------------- */

/* A one-line hint for a name that is no command, with a suggestion when exactly one command
 * starts with what was typed ("hel" -> "help"). */
static void unknown_command(const char *name)
{
    const struct shell_command *guess = NULL;
    unsigned candidates = 0;
    size_t len = strlen(name);
    for (const struct shell_command *c = __shell_commands_start; c < __shell_commands_end; c++) {
        if (!strncmp(c->name, name, len)) {
            guess = c;
            candidates++;
        }
    }
    if (candidates == 1)
        console_printf("unknown command '%.24s': did you mean '%s'? ('help' lists them all)\n", name, guess->name);
    else
        console_printf("unknown command '%.24s' (type 'help' for the list of commands)\n", name);
}

void shell_execute(char *line)
{
    char words[LINE_EDIT_MAX + 1];
    char *argv[SHELL_MAX_ARGS + 1];
    strlcpy(words, line, sizeof(words));
    int argc = shell_split(words, argv, SHELL_MAX_ARGS);
    if (argc == 0)
        return;
    if (argc < 0) {
        console_printf("too many words: at most %d\n", SHELL_MAX_ARGS);
        return;
    }
    const struct shell_command *command = shell_find_command(argv[0]);
    if (!command) {
        unknown_command(argv[0]);
        return;
    }
    struct shell_args args = {argc, argv, shell_args_rest(line)};
    int status = command->run(&args);
    if (status == SHELL_USAGE)
        console_printf("usage: %s\n", command->usage);
    KIRQL irql = KeGetCurrentIrql();
    if (irql != PASSIVE_LEVEL) {
        /* A command must return at the IRQL it was called at, like a driver routine. */
        console_printf("shell: '%s' returned at IRQL %u; lowering to PASSIVE_LEVEL\n", command->name, irql);
        KeLowerIrql(PASSIVE_LEVEL);
    }
}

__attribute__((noreturn)) void kernel_idle_prompt(void)
{
    /* The shell stays on the boot CPU: `lapic` ("this CPU's local APIC"), `cpus` and the docs'
     * walk-throughs then describe the same CPU every time, whichever CPU was idle when a line came. */
    (void)KeSetSystemAffinityThreadEx(1);
    shell_input_init();
    for (;;) {
        char line[LINE_EDIT_MAX + 1];
        console_write(SHELL_PROMPT, sizeof(SHELL_PROMPT) - 1);
        shell_input_read_line(line, sizeof(line));
        shell_execute(line);
    }
}

/* ---- help --------------------------------------------------------------------------------------- */

/* The commands sorted by name (insertion sort: a few dozen entries). Returns how many. */
static size_t sorted_commands(const struct shell_command **out, size_t max)
{
    size_t n = 0;
    for (const struct shell_command *c = __shell_commands_start; c < __shell_commands_end && n < max; c++) {
        size_t i = n++;
        while (i > 0 && strcmp(out[i - 1]->name, c->name) > 0) {
            out[i] = out[i - 1];
            i--;
        }
        out[i] = c;
    }
    return n;
}

/* help's text to the screen: two blanks in, word-wrapped, hanging indents kept (shell_fill). */
static void print_help_line(unsigned indent, const char *text, size_t len, void *context)
{
    (void)context;
    console_printf("  %*s%.*s\n", (int)indent, "", (int)len, text);
}

static void print_wrapped(const char *text) { shell_fill(text, SHELL_COLUMNS - 1 - 2, print_help_line, NULL); }

/* One row of the command list: the name, then the summary wrapped under itself. */
static void print_summary(const struct shell_command *c)
{
    enum { NAME = 12 }; /* "  " + "%-9s " */
    const char *text = c->summary, *next;
    size_t n = shell_wrap(text, SHELL_COLUMNS - 1 - NAME, &next);
    console_printf("  %-9s %.*s\n", c->name, (int)n, text);
    for (text = next; (n = shell_wrap(text, SHELL_COLUMNS - 1 - NAME, &next)) || *next; text = next)
        console_printf("%*s%.*s\n", NAME, "", (int)n, text);
}

static int cmd_help(const struct shell_args *args)
{
    if (args->argc > 2)
        return SHELL_USAGE;
    if (args->argc == 2) {
        const struct shell_command *c = shell_find_command(args->argv[1]);
        if (!c) {
            unknown_command(args->argv[1]);
            return SHELL_ERROR;
        }
        console_printf("usage: %s\n", c->usage);
        print_wrapped(c->summary);
        if (c->help)
            print_wrapped(c->help);
        return SHELL_OK;
    }
    const struct shell_command *list[SHELL_MAX_COMMANDS] = {0};
    size_t n = sorted_commands(list, SHELL_MAX_COMMANDS);
    console_printf("commands: ('help <command>' for its usage; 'poweroff' or Ctrl-A X leaves QEMU)\n");
    for (size_t i = 0; i < n; i++)
        print_summary(list[i]);
    size_t total;
    (void)shell_commands(&total);
    for (size_t i = n; i < total; i++)
        print_summary(&__shell_commands_start[i]);
    console_printf("keys: Left/Right/Home/End edit, Up/Down history, Ctrl-U erase, Ctrl-C cancel\n");
    return SHELL_OK;
}

SHELL_COMMAND(help, "help [command]", "list the commands, or show how to use one",
              "Without an argument: every command with one line about it. With a command's name: its "
              "usage and what it shows.",
              cmd_help);
