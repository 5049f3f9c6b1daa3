/* kernel/boot/cmdline.c - split the command line once; look options up by name. */
#include "kernel/boot/cmdline.h"

#include "kernel/lib/string.h"

void cmdline_parse(struct cmdline *cl, const char *text)
{
    memset(cl, 0, sizeof(*cl));
    strlcpy(cl->text, text ? text : "", sizeof(cl->text));
    char *p = cl->text;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            *p++ = '\0';
        if (!*p)
            break;
        char *word = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            p++;
        if (*p)
            *p++ = '\0'; /* terminate the word so strchr/strlen below stay inside it */
        if (cl->count == CMDLINE_MAX_WORDS) {
            cl->too_many_words = true;
            continue;
        }
        struct cmdline_word *w = &cl->words[cl->count++];
        w->key = word;
        char *eq = strchr(word, '=');
        if (eq) {
            *eq = '\0';
            w->value = eq + 1;
        } else {
            w->value = word + strlen(word); /* a bare word: value "" */
        }
    }
}

const char *cmdline_lookup(const struct cmdline *cl, const char *key)
{
    for (unsigned i = cl->count; i-- > 0;)
        if (strcmp(cl->words[i].key, key) == 0)
            return cl->words[i].value;
    return NULL;
}

bool cmdline_lookup_bool(const struct cmdline *cl, const char *key, bool default_value, bool *bad)
{
    const char *v = cmdline_lookup(cl, key);
    if (!v)
        return default_value;
    if (!*v || !strcmp(v, "on") || !strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "true"))
        return true;
    if (!strcmp(v, "off") || !strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "false"))
        return false;
    if (bad)
        *bad = true;
    return default_value;
}

bool cmdline_option_known(const struct cmdline_option *options, size_t count, const char *key)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(options[i].name, key) == 0)
            return true;
    return false;
}
