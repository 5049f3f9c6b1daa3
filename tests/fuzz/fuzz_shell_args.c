/* tests/fuzz/fuzz_shell_args.c - the shell's argument parser: shell_split cuts a typed line into
 * at most `max` words in place (max from byte 0, 0..15), shell_args_rest finds the text after
 * the first word. Every word must lie in the line, be non-empty and contain no blank.
 * fuzz-sources: kernel/shell/shell_args.c
 */
#include "tests/fuzz/fuzz.h"

#include "kernel/shell/shell_args.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int max = data[0] & 15;
    size_t len = size - 1;
    char *line = malloc(len + 1);
    memcpy(line, data + 1, len);
    line[len] = '\0';
    size_t text_len = strlen(line);

    const char *rest = shell_args_rest(line);
    FUZZ_INSIDE(line, text_len + 1, rest, strlen(rest) + 1);

    char *argv[17];
    for (int i = 0; i < 17; i++)
        argv[i] = (char *)"poison";
    int n = shell_split(line, argv, max);
    FUZZ_CHECK(n >= -1 && n <= max);
    int words = n < 0 ? max : n;
    FUZZ_CHECK(argv[words] == NULL);
    for (int i = 0; i < words; i++) {
        FUZZ_INSIDE(line, text_len + 1, argv[i], strlen(argv[i]) + 1);
        FUZZ_CHECK(argv[i][0] != '\0' && !strpbrk(argv[i], " \t"));
    }
    free(line);
    return 0;
}
