/* kernel/boot/cmdline_kernel.c - the running kernel's command line and its declared options. */
#include "kernel/boot/cmdline.h"
#include "kernel/console/log.h"

extern const struct cmdline_option __cmdline_options_start[], __cmdline_options_end[];

static struct cmdline kernel_cmdline;
static char original_text[CMDLINE_TEXT_MAX];

CMDLINE_OPTION(loglevel, "error|warn|info|debug", "how much the kernel log prints (default info)");

const struct cmdline_option *cmdline_options(size_t *count)
{
    *count = (size_t)(__cmdline_options_end - __cmdline_options_start);
    return __cmdline_options_start;
}

void cmdline_init(const char *text)
{
    cmdline_parse(&kernel_cmdline, text);
    for (unsigned i = 0; i < CMDLINE_TEXT_MAX - 1 && text && text[i]; i++)
        original_text[i] = text[i];

    size_t count;
    const struct cmdline_option *options = cmdline_options(&count);
    /* Every mistake is reported here, once; the code that reads an option later stays quiet. */
    for (unsigned i = 0; i < kernel_cmdline.count; i++) {
        const struct cmdline_word *w = &kernel_cmdline.words[i];
        const struct cmdline_option *option = cmdline_option_find(options, count, w->key);
        char why[160];
        if (!option && cmdline_is_registry_word(w->key))
            continue; /* a registry value: kernel/cm/registry_cmdline.c checks it */
        if (!option)
            log_warn("cmdline: unknown option '%s' ignored", w->key);
        else if (!cmdline_value_ok(option, w->value, why, sizeof(why)))
            log_warn("cmdline: %s=%s: %s", w->key, w->value, why);
    }
    if (kernel_cmdline.too_many_words)
        log_warn("cmdline: more than %d words; the rest were ignored", CMDLINE_MAX_WORDS);

    const char *level = cmdline_get("loglevel");
    if (level) {
        enum log_level l;
        if (log_level_from_name(level, &l) == 0)
            log_set_level(l);
        else
            log_warn("cmdline: loglevel=%s is not error|warn|info|debug; keeping info", level);
    }
}

const char *cmdline_get(const char *key) { return cmdline_lookup(&kernel_cmdline, key); }

bool cmdline_get_bool(const char *key, bool default_value)
{
    return cmdline_lookup_bool(&kernel_cmdline, key, default_value, NULL);
}

const char *cmdline_text(void) { return original_text; }

unsigned cmdline_word_count(void) { return kernel_cmdline.count; }

const struct cmdline_word *cmdline_word_at(unsigned index)
{
    return index < kernel_cmdline.count ? &kernel_cmdline.words[index] : NULL;
}
