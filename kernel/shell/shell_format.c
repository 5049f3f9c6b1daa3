/* kernel/shell/shell_format.c - see shell_format.h. */
#include "kernel/shell/shell_format.h"

#include <stdbool.h>

#include "kernel/lib/format.h"

const char *shell_format_count(char *buf, size_t size, uint64_t value, unsigned width)
{
    static const char suffixes[] = "kMGTPE";
    if (ksnprintf(buf, size, "%llu", (unsigned long long)value) <= width)
        return buf;
    /* Too wide: drop three digits at a time until it fits with its suffix. */
    for (unsigned i = 0; suffixes[i]; i++) {
        value /= 1000;
        if (ksnprintf(buf, size, "%llu%c", (unsigned long long)value, suffixes[i]) <= width)
            return buf;
    }
    return buf;
}

const char *shell_format_bytes(char *buf, size_t size, uint64_t bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    unsigned unit = 0;
    uint64_t scaled = bytes, tenths = 0;
    while (scaled >= 1024 && unit + 1 < sizeof(units) / sizeof(units[0])) {
        tenths = (scaled % 1024) * 10 / 1024;
        scaled /= 1024;
        unit++;
    }
    if (unit && scaled < 10 && tenths)
        ksnprintf(buf, size, "%llu.%llu %s", (unsigned long long)scaled, (unsigned long long)tenths, units[unit]);
    else
        ksnprintf(buf, size, "%llu %s", (unsigned long long)scaled, units[unit]);
    return buf;
}

size_t shell_wrap(const char *text, size_t width, const char **next)
{
    size_t len = 0, last_blank = 0;
    while (text[len] && text[len] != '\n' && len < width) {
        if (text[len] == ' ')
            last_blank = len;
        len++;
    }
    size_t cut = len;
    if (text[len] && text[len] != '\n' && text[len] != ' ' && last_blank)
        cut = last_blank; /* the line would end inside a word: end it at the blank before */
    const char *p = text + cut;
    while (*p == ' ')
        p++;
    if (*p == '\n')
        p++;
    /* No trailing blanks on the line itself. */
    while (cut && text[cut - 1] == ' ')
        cut--;
    *next = p;
    return cut;
}

/* ---- shell_fill ---- */

struct fill {
    char line[SHELL_COLUMNS + 1];
    size_t len;      /* characters in line */
    unsigned indent; /* blanks before line */
    unsigned width;
    shell_line_fn *out;
    void *context;
};

static void fill_flush(struct fill *f)
{
    f->out(f->indent, f->line, f->len, f->context);
    f->len = 0;
}

/* One word onto the current line, or onto a new one indented by `hang`. `words`: the current
 * line has a word already (not just the paragraph's head). */
static void fill_word(struct fill *f, const char *word, size_t n, unsigned hang, bool *words)
{
    while (n) {
        size_t room = f->width - f->indent;
        if (f->len + (*words ? n + 1 : n) <= room) {
            if (*words)
                f->line[f->len++] = ' ';
            for (size_t i = 0; i < n; i++)
                f->line[f->len++] = word[i];
            *words = true;
            return;
        }
        if (!*words && n > f->width - hang) { /* wider than any line: cut it where this one ends */
            size_t part = room - f->len;
            for (size_t i = 0; i < part; i++)
                f->line[f->len++] = word[i];
            word += part;
            n -= part;
        }
        fill_flush(f);
        f->indent = hang;
        *words = false;
    }
}

/* Where the description of a "term   description" line starts, or 0. */
static size_t hanging_indent(const char *p, unsigned width)
{
    size_t i = 0;
    while (p[i] == ' ')
        i++;
    for (; p[i] && p[i] != '\n' && i < width / 2; i++) {
        if (p[i] == ' ' && p[i + 1] == ' ') {
            size_t h = i;
            while (p[h] == ' ')
                h++;
            return p[h] && p[h] != '\n' && h < width / 2 ? h : 0;
        }
    }
    return 0;
}

void shell_fill(const char *text, unsigned width, shell_line_fn *out, void *context)
{
    if (width > SHELL_COLUMNS)
        width = SHELL_COLUMNS;
    struct fill f = {.width = width, .out = out, .context = context};
    const char *p = text;
    while (*p) {
        /* One paragraph. Its head up to the description is kept as written (the blanks that
         * line the descriptions up included). */
        size_t hang = hanging_indent(p, width);
        f.indent = 0;
        f.len = 0;
        for (size_t i = 0; i < hang; i++)
            f.line[f.len++] = p[i];
        p += hang;
        bool words = false, any = false;
        for (;;) {
            while (*p == ' ' || (*p == '\n' && p[1] == ' '))
                p++; /* blanks, and line ends that continue the paragraph */
            if (!*p || *p == '\n')
                break;
            const char *word = p;
            while (*p && *p != ' ' && *p != '\n')
                p++;
            fill_word(&f, word, (size_t)(p - word), (unsigned)hang, &words);
            any = true;
        }
        if (f.len || !any)
            fill_flush(&f); /* the last line (or, for an empty paragraph, an empty line) */
        if (*p == '\n')
            p++;
    }
}
