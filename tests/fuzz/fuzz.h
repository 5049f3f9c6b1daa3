/* tests/fuzz/fuzz.h - what every libFuzzer target (tests/fuzz/fuzz_*.c) shares.
 *
 * A target is one C file with LLVMFuzzerTestOneInput and, in its leading comment, a
 * `fuzz-sources:` line naming the kernel sources it is linked with (built for the host with
 * -DIRQLAB_HOST_TEST, as tests/unit/ does). scripts/fuzz.py builds each with clang
 * -fsanitize=fuzzer,address,undefined; docs/testing.md "Fuzzing" says how to run them.
 * A broken invariant is a crash (FUZZ_CHECK), like a sanitizer report.
 */
#ifndef IRQLAB_TESTS_FUZZ_H
#define IRQLAB_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond);        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* [p, p + n) lies inside [base, base + len). */
#define FUZZ_INSIDE(base, len, p, n)                                                               \
    FUZZ_CHECK((const uint8_t *)(p) >= (const uint8_t *)(base) &&                                  \
               (size_t)((const uint8_t *)(p) - (const uint8_t *)(base)) <= (len) &&                \
               (n) <= (len) - (size_t)((const uint8_t *)(p) - (const uint8_t *)(base)))

/* Input bytes taken from the front, zeros once they run out: for targets that build a structure
 * field by field. */
struct fuzz_input {
    const uint8_t *data;
    size_t size;
};

static inline uint64_t fuzz_take(struct fuzz_input *in, size_t bytes)
{
    uint64_t v = 0;
    for (size_t i = 0; i < bytes; i++) {
        v |= (uint64_t)(in->size ? *in->data : 0) << (8 * i);
        if (in->size) {
            in->data++;
            in->size--;
        }
    }
    return v;
}

/* A copy in a heap block of exactly `size` bytes: ASan's redzone starts right after it, so one
 * byte read past the end is a crash. */
static inline uint8_t *fuzz_exact_copy(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    if (size)
        memcpy(copy, data, size);
    return copy;
}

#endif
