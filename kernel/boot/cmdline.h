/* kernel/boot/cmdline.h - the kernel command line: `key=value` words separated by spaces.
 *
 * It comes from GRUB (text after the kernel path in grub.cfg) or from `qemu -append`.
 * Every option is declared next to the code that reads it:
 *
 *     CMDLINE_OPTION(msi, "on|off", "use MSI when a device offers it (default on)");
 *
 * so `help`-style listings and the "unknown option" warning need no central list.
 * An unknown word, or a value its option's check refuses (CMDLINE_OPTION_CHECKED), is reported
 * once at boot, when the line is parsed, and otherwise ignored.
 */
#ifndef IRQLAB_BOOT_CMDLINE_H
#define IRQLAB_BOOT_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/* Checks an option's value once, when the command line is parsed (cmdline_init). Returns true
 * when the value is good; otherwise writes why it is not into `why` (e.g. "'banana' is not a
 * verifier check (known: storm)") and cmdline_init prints one warning. The code that reads the
 * option later must not warn again: it treats a bad value as its documented default. */
typedef bool cmdline_check_fn(const char *value, char *why, size_t why_size);

struct cmdline_option {
    const char *name;
    const char *values; /* e.g. "on|off", "<glob>"; "on|off" options are checked as booleans */
    const char *help;
    cmdline_check_fn *check; /* NULL: any value is accepted (or "on|off": a boolean) */
};

#define CMDLINE_OPTION(id, values_, help_) CMDLINE_OPTION_CHECKED(id, values_, help_, NULL)
#define CMDLINE_OPTION_CHECKED(id, values_, help_, check_)                                                             \
    __attribute__((section(".cmdline_options"), used,                                                                  \
                   aligned(8))) static const struct cmdline_option cmdline_option_##id = {#id, values_, help_, check_}

#define CMDLINE_MAX_WORDS 32
#define CMDLINE_TEXT_MAX 512

struct cmdline_word {
    const char *key;
    const char *value;   /* "" for a bare word like `nosmp` */
};

struct cmdline {
    char text[CMDLINE_TEXT_MAX];     /* a private copy, split in place */
    struct cmdline_word words[CMDLINE_MAX_WORDS];
    unsigned count;
    bool too_many_words;             /* words past CMDLINE_MAX_WORDS were dropped */
};

/* Pure parsing (host-testable). Later words override earlier ones with the same key. */
void cmdline_parse(struct cmdline *cl, const char *text);
const char *cmdline_lookup(const struct cmdline *cl, const char *key);
/* "on/1/yes/true" -> true, "off/0/no/false" -> false, absent -> default, anything else ->
 * default and *bad (if given) set. A bare `key` means true. */
bool cmdline_lookup_bool(const struct cmdline *cl, const char *key, bool default_value, bool *bad);
bool cmdline_option_known(const struct cmdline_option *options, size_t count, const char *key);
const struct cmdline_option *cmdline_option_find(const struct cmdline_option *options, size_t count, const char *key);
/* Is `value` acceptable for `option`? Its own check, or the boolean check for "on|off". */
bool cmdline_value_ok(const struct cmdline_option *option, const char *value, char *why, size_t why_size);
/* Ready-made checks: on/off (and 1/0, yes/no, true/false, bare word); a decimal number. */
bool cmdline_check_bool(const char *value, char *why, size_t why_size);
bool cmdline_check_number(const char *value, char *why, size_t why_size);
/* The decimal number in `value`, or false when it is empty, not decimal or above 10^9. */
bool cmdline_parse_number(const char *value, unsigned long *out);

/* The kernel's own command line (after cmdline_init). */
void cmdline_init(const char *text);
const char *cmdline_get(const char *key);
/* A bad value was reported by cmdline_init; here it quietly gives default_value. */
bool cmdline_get_bool(const char *key, bool default_value);
const char *cmdline_text(void);
/* The words in order (a repeated key appears each time; the last one is the one that counts). */
unsigned cmdline_word_count(void);
const struct cmdline_word *cmdline_word_at(unsigned index);
/* `driver.Value=data` words are registry values (kernel/cm/), checked by cm_init, not here. */
static inline bool cmdline_is_registry_word(const char *key)
{
    for (const char *p = key; *p; p++)
        if (*p == '.')
            return true;
    return false;
}
const struct cmdline_option *cmdline_options(size_t *count);

#endif
