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

/* Windows' semantics, for DbgPrint / DbgPrintEx / vDbgPrintEx (LLP64: LONG is 32-bit):
 *   %ld %lu %lx %li     32-bit (a LONG / ULONG), not 64-bit as in C99 on x86_64-linux
 *   %I64d %I64x %lld %llx   64-bit; %I32x 32-bit; %Id %Iu %Ix pointer-sized (64-bit)
 *   %p                  16 upper-case hex digits, no 0x (MSVC's form)
 *   %Z / %wZ            a PANSI_STRING / PUNICODE_STRING (Length bytes, no terminator needed)
 *   %ws %S  / %wc %C    a wide (16-bit WCHAR) string / character; %hs %hS %hc narrow
 * Wide characters above 0x7F print as '?'. Everything else as format_v. */
size_t format_windows_v(format_sink_fn sink, void *context, const char *fmt, va_list args);
size_t kvsnprintf_windows(char *buf, size_t size, const char *fmt, va_list args);

#endif
