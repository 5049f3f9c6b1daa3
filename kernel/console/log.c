/* kernel/console/log.c - log levels, and DbgPrint/DbgPrintEx for drivers. */
#include "kernel/console/log.h"

#include "include/wdm.h"
#include "kernel/console/console.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"

static enum log_level current_level = LOG_INFO;

static const char *const level_names[] = {"error", "warn", "info", "debug"};
static const char *const level_tags[] = {"[ERROR] ", "[WARN ] ", "[INFO ] ", "[DEBUG] "};

void log_set_level(enum log_level level) { current_level = level; }
enum log_level log_get_level(void) { return current_level; }

int log_level_from_name(const char *name, enum log_level *level)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *level = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

void log_vmessage(enum log_level level, const char *fmt, va_list args)
{
    if (level > current_level)
        return;
    /* Format the whole line first so it reaches the console in one piece. */
    char line[256];
    size_t tag = strlen(level_tags[level]);
    memcpy(line, level_tags[level], tag);
    size_t n = kvsnprintf(line + tag, sizeof(line) - tag - 1, fmt, args);
    size_t len = tag + (n < sizeof(line) - tag - 1 ? n : sizeof(line) - tag - 2);
    line[len++] = '\n';
    console_write(line, len);
}

void log_message(enum log_level level, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    log_vmessage(level, fmt, args);
    va_end(args);
}

static const char *volatile capture_prefix;
static char *capture_buf;
static size_t capture_size;

void log_dbgprint_capture(const char *prefix, char *buf, size_t size)
{
    capture_buf = buf;
    capture_size = size;
    __atomic_store_n(&capture_prefix, prefix, __ATOMIC_RELEASE);
}

/* Format and print a driver's message as given (the driver supplies "\n"). */
static void dbg_vprint(PCSTR format, va_list args)
{
    char text[256];
    size_t n = kvsnprintf_windows(text, sizeof(text), format, args); /* %lu is a ULONG, %wZ, ... */
    console_write(text, n < sizeof(text) ? n : sizeof(text) - 1);
    const char *prefix = __atomic_load_n(&capture_prefix, __ATOMIC_ACQUIRE);
    if (prefix && strncmp(text, prefix, strlen(prefix)) == 0 &&
        __atomic_compare_exchange_n(&capture_prefix, &prefix, NULL, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
        strlcpy(capture_buf, text, capture_size);
}

/* DbgPrint: like the WDK's, the text is printed as given. */
ULONG DbgPrint(PCSTR Format, ...)
{
    va_list args;
    va_start(args, Format);
    dbg_vprint(Format, args);
    va_end(args);
    return STATUS_SUCCESS;
}

/* DbgPrintEx: Level DPFLTR_ERROR_LEVEL (0) .. DPFLTR_INFO_LEVEL (3) maps onto our levels;
 * a message above the current log level is dropped, as a filtered DbgPrintEx is on Windows. */
ULONG vDbgPrintEx(ULONG ComponentId, ULONG Level, PCCH Format, va_list arglist)
{
    (void)ComponentId;
    enum log_level level = Level > LOG_DEBUG ? LOG_DEBUG : (enum log_level)Level;
    if (level > current_level)
        return STATUS_SUCCESS;
    dbg_vprint(Format, arglist);
    return STATUS_SUCCESS;
}

ULONG DbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, ...)
{
    va_list args;
    va_start(args, Format);
    ULONG status = vDbgPrintEx(ComponentId, Level, Format, args);
    va_end(args);
    return status;
}
