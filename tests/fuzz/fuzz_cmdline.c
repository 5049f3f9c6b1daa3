/* tests/fuzz/fuzz_cmdline.c - the kernel command line (GRUB's text after the kernel path, or
 * -append): cmdline_parse splits it into at most CMDLINE_MAX_WORDS key=value words, then every
 * key found is looked up again, read as a boolean and checked as the boot does
 * (cmdline_value_ok against an on|off option and a checked number option), and every value
 * goes through cmdline_parse_number.
 * fuzz-sources: kernel/boot/cmdline.c kernel/lib/string.c
 */
#include "tests/fuzz/fuzz.h"

#include "kernel/boot/cmdline.h"

static struct cmdline cl;

static const struct cmdline_option options[] = {
    {"msi", "on|off", "", NULL},
    {"cpus", "<n>", "", cmdline_check_number},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    cmdline_parse(&cl, text);
    FUZZ_CHECK(cl.count <= CMDLINE_MAX_WORDS);
    for (unsigned i = 0; i < cl.count; i++) {
        const struct cmdline_word *w = &cl.words[i];
        FUZZ_INSIDE(cl.text, sizeof(cl.text), w->key, strlen(w->key) + 1);
        FUZZ_CHECK(cmdline_lookup(&cl, w->key) != NULL);
        bool bad = false;
        (void)cmdline_lookup_bool(&cl, w->key, false, &bad);
        char why[96];
        for (size_t o = 0; o < sizeof(options) / sizeof(options[0]); o++) {
            why[0] = '\0';
            if (!cmdline_value_ok(&options[o], w->value, why, sizeof(why)))
                FUZZ_CHECK(why[0] != '\0' && memchr(why, '\0', sizeof(why)));
        }
        (void)cmdline_option_known(options, 2, w->key);
        unsigned long n;
        (void)cmdline_parse_number(w->value, &n);
    }
    free(text);
    return 0;
}
