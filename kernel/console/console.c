/* kernel/console/console.c - serialised text output to COM1, and the same text on the screen
 * when the loader set one up (kernel/console/fb_console.h). */
#include "kernel/console/console.h"

#include <stdbool.h>

#include "arch/x86_64/uart16550.h"
#include "kernel/console/fb_console.h"
#include "kernel/ke/rawlock.h"
#include "kernel/lib/format.h"

static raw_lock_t console_lock = RAW_LOCK_INIT;
static volatile bool panic_mode;

void console_init(void) { uart_init(COM1_PORT); }

void console_enter_panic_mode(void)
{
    panic_mode = true;
    fb_console_enter_panic();
}

static void put_raw(char c)
{
    if (c == '\n')
        uart_putc(COM1_PORT, '\r');
    uart_putc(COM1_PORT, c);
    fb_console_putc(c);
}

static void sink(char c, void *context)
{
    (void)context;
    put_raw(c);
}

/* Run fn under the console lock, or without it once a bugcheck is in progress. */
#define WITH_CONSOLE_LOCK(body)                                                                    \
    do {                                                                                           \
        if (panic_mode) {                                                                          \
            body;                                                                                  \
        } else {                                                                                   \
            uint64_t flags_ = raw_lock_acquire(&console_lock);                                     \
            body;                                                                                  \
            raw_lock_release(&console_lock, flags_);                                               \
        }                                                                                          \
    } while (0)

void console_write(const char *text, size_t len)
{
    WITH_CONSOLE_LOCK(for (size_t i = 0; i < len; i++) put_raw(text[i]));
}

void console_vprintf(const char *fmt, va_list args)
{
    WITH_CONSOLE_LOCK(format_v(sink, NULL, fmt, args));
}

void console_printf(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    console_vprintf(fmt, args);
    va_end(args);
}
