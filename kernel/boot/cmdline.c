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

/* 1 = true, 0 = false, -1 = neither. A bare `key` (value "") means true. */
static int parse_bool(const char *v)
{
    if (!*v || !strcmp(v, "on") || !strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "true"))
        return 1;
    if (!strcmp(v, "off") || !strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "false"))
        return 0;
    return -1;
}

bool cmdline_lookup_bool(const struct cmdline *cl, const char *key, bool default_value, bool *bad)
{
    const char *v = cmdline_lookup(cl, key);
    if (!v)
        return default_value;
    int b = parse_bool(v);
    if (b >= 0)
        return b == 1;
    if (bad)
        *bad = true;
    return default_value;
}

const struct cmdline_option *cmdline_option_find(const struct cmdline_option *options, size_t count, const char *key)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(options[i].name, key) == 0)
            return &options[i];
    return NULL;
}

bool cmdline_option_known(const struct cmdline_option *options, size_t count, const char *key)
{
    return cmdline_option_find(options, count, key) != NULL;
}

bool cmdline_check_bool(const char *value, char *why, size_t why_size)
{
    if (parse_bool(value) >= 0)
        return true;
    strlcpy(why, "not on|off; the default is used", why_size);
    return false;
}

bool cmdline_parse_number(const char *value, unsigned long *out)
{
    unsigned long n = 0;
    if (!*value)
        return false;
    for (const char *p = value; *p; p++) {
        if (*p < '0' || *p > '9' || n > 100000000ul)
            return false;
        n = n * 10 + (unsigned long)(*p - '0');
    }
    *out = n;
    return true;
}

bool cmdline_check_number(const char *value, char *why, size_t why_size)
{
    unsigned long n;
    if (cmdline_parse_number(value, &n))
        return true;
    strlcpy(why, "not a number; ignored", why_size);
    return false;
}

bool cmdline_value_ok(const struct cmdline_option *option, const char *value, char *why, size_t why_size)
{
    if (why_size)
        why[0] = '\0';
    if (option->check)
        return option->check(value, why, why_size);
    if (option->values && !strcmp(option->values, "on|off"))
        return cmdline_check_bool(value, why, why_size);
    return true;
}
