/* kernel/lib/format.h - printf-style formatting without a C library.
 *
 * Supported: %d %i %u %x %X %o %c %s %p %% with flags '-', '0', '+', ' ', '#', a width and a
 * precision (numbers or '*'), and the length modifiers hh h l ll z j t.
 * %p prints 0x followed by 16 hex digits. A NULL %s prints "(null)".
 * Unknown conversions are printed literally (e.g. "%q" stays "%q"), never skipped silently.
 * Pure code: also built on the host for tests/unit/test_format.c.
 */
#ifndef IRQLAB_LIB_FORMAT_H
#define IRQLAB_LIB_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

typedef void (*format_sink_fn)(char c, void *context);

/* Format into a sink one character at a time. Returns the number of characters produced. */
size_t format_v(format_sink_fn sink, void *context, const char *fmt, va_list args);

/* snprintf semantics: always NUL-terminates when size > 0; returns the length the full output
 * would have had, so `ret >= size` means truncated. */
size_t kvsnprintf(char *buf, size_t size, const char *fmt, va_list args);
size_t ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
