/* kernel/lib/ubsan.h - the in-kernel runtime of GCC's -fsanitize=undefined (make SANITIZE=1).
 *
 * GCC turns each undefined-behaviour check into a call of an __ubsan_handle_* routine (their
 * names and argument layouts: GCC's libsanitizer/ubsan/ubsan_handlers.h). irqlab's handlers
 * print one line - the check, file:line:column and the values - and stop with
 * KMODE_EXCEPTION_NOT_HANDLED (0x1E), as if the CPU had raised the nearest Windows exception:
 *
 *   P1  the exception code: STATUS_INTEGER_OVERFLOW (overflow, shift, pointer overflow),
 *       STATUS_INTEGER_DIVIDE_BY_ZERO, STATUS_ARRAY_BOUNDS_EXCEEDED (index, object size),
 *       STATUS_ACCESS_VIOLATION (NULL pointer use), STATUS_DATATYPE_MISALIGNMENT,
 *       STATUS_ILLEGAL_INSTRUCTION (everything else: unreachable, invalid bool/enum, nonnull, ...)
 *   P2  the instruction after the failed check (the call into the handler)
 *   P3  the report below (the stop screen reads the check and file:line from it)
 *   P4  the first value involved (the index, the left operand, the pointer), else 0
 *
 * Windows has no UBSan; why 0x1E: docs/differences.md. The default build has no checks and
 * never calls any of this.
 */
#ifndef IRQLAB_LIB_UBSAN_H
#define IRQLAB_LIB_UBSAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ubsan_report {
    const char *check; /* "signed-integer-overflow", "array index out of bounds", ... */
    const char *file;
    uint32_t line, column;
    char values[96]; /* "2147483647 + 1 in type 'int'" */
};

/* If p3 of a 0x1E stop is the UBSan report, write "<check> at <file>:<line>:<col> (<values>)"
 * into buf and return true (for the stop screen's sentence, kernel/ke/bugcheck_explain.c). */
bool ubsan_describe(uint64_t p3, char *buf, size_t size);

/* How many checks failed since boot (each stops the machine, so 0 or 1 - unless the failure
 * came while a stop screen was already being printed: those are counted and skipped). */
unsigned ubsan_failures(void);

#endif
