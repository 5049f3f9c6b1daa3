/* kernel/shell/shell_format.c - see shell_format.h. */
#include "kernel/shell/shell_format.h"

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
