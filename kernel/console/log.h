/* kernel/console/log.h - leveled kernel log on the console.
 *
 *   log_error("ioapic: %u pins", n);   ->  "[ERROR] ioapic: 24 pins"
 *
 * The level threshold comes from the command line (`loglevel=error|warn|info|debug`,
 * default info). Drivers use DbgPrint/DbgPrintEx from wdm.h, which end up here too.
 */
#ifndef IRQLAB_CONSOLE_LOG_H
#define IRQLAB_CONSOLE_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parse "error"/"warn"/"info"/"debug"; returns 0 on success, -1 for an unknown name. */
int log_level_from_name(const char *name, enum log_level *level);

void log_message(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmessage(enum log_level level, const char *fmt, va_list args);

/* For in-guest tests of DbgPrint's formatting: the next DbgPrint/DbgPrintEx text that starts
 * with `prefix` is also copied into buf (NUL-terminated); prefix NULL stops capturing. */
void log_dbgprint_capture(const char *prefix, char *buf, size_t size);

#define log_error(...) log_message(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_message(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_message(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_message(LOG_DEBUG, __VA_ARGS__)

#endif
