/* kernel/console/console.h - where kernel text goes: COM1, one line at a time, mirrored on the
 * screen when there is one (kernel/console/fb_console.h).
 *
 * Every CPU may print; a raw lock keeps lines from interleaving. After a bugcheck starts,
 * console_enter_panic_mode() makes output lock-free so the stop screen can always be printed,
 * even if the crashing CPU held the lock.
 */
#ifndef IRQLAB_CONSOLE_CONSOLE_H
#define IRQLAB_CONSOLE_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>

void console_init(void);
/* Write text; "\n" becomes "\r\n" on the wire. */
void console_write(const char *text, size_t len);
void console_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void console_vprintf(const char *fmt, va_list args);
void console_enter_panic_mode(void);

#endif
