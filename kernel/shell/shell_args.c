/* kernel/shell/shell_args.c - see shell_args.h. */
#include "kernel/shell/shell_args.h"

#include <stdbool.h>
#include <stddef.h>

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

int shell_split(char *line, char **argv, int max)
{
    int count = 0;
    char *p = line;
    for (;;) {
        while (is_blank(*p))
            p++;
        if (!*p)
            break;
        if (count == max) {
            argv[count] = NULL;
            return -1;
        }
        argv[count++] = p;
        while (*p && !is_blank(*p))
            p++;
        if (!*p)
            break;
        *p++ = '\0';
    }
    argv[count] = NULL;
    return count;
}

const char *shell_args_rest(const char *line)
{
    while (is_blank(*line))
        line++;
    while (*line && !is_blank(*line))
        line++;
    while (is_blank(*line))
        line++;
    return line;
}
