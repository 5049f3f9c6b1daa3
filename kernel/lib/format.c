/* kernel/lib/format.c - the printf engine behind DbgPrint, log_* and the shell.
 * One function walks the format string; numbers go through one helper that handles
 * sign, base, precision (minimum digits), the '#' prefix, padding and alignment. */
#include "kernel/lib/format.h"

#include <stdbool.h>
#include <stdint.h>

struct spec {
    bool left;      /* '-' */
    bool zero;      /* '0' */
    bool plus;      /* '+' */
    bool space;     /* ' ' */
    bool alt;       /* '#' */
    int width;      /* -1 = none */
    int precision;  /* -1 = none */
};

struct out {
    format_sink_fn sink;
    void *context;
    size_t count;
};

static void emit(struct out *o, char c)
{
    o->sink(c, o->context);
    o->count++;
}

static void emit_repeat(struct out *o, char c, int n)
{
    while (n-- > 0)
        emit(o, c);
}

static void emit_string(struct out *o, const struct spec *s, const char *str)
{
    if (!str)
        str = "(null)";
    int len = 0;
    while (str[len] && (s->precision < 0 || len < s->precision))
        len++;
    int pad = s->width > len ? s->width - len : 0;
    if (!s->left)
        emit_repeat(o, ' ', pad);
    for (int i = 0; i < len; i++)
        emit(o, str[i]);
    if (s->left)
        emit_repeat(o, ' ', pad);
}

static void emit_number(struct out *o, const struct spec *s, uint64_t value, bool negative, unsigned base,
                        bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[24];
    int len = 0;

    /* printf rule: precision 0 with value 0 prints no digits. */
    if (!(value == 0 && s->precision == 0)) {
        do {
            buf[len++] = digits[value % base];
            value /= base;
        } while (value);
    }

    char sign = negative ? '-' : s->plus ? '+' : s->space ? ' ' : 0;
    const char *prefix = "";
    if (s->alt && base == 16 && len && !(len == 1 && buf[0] == '0'))
        prefix = upper ? "0X" : "0x";
    if (s->alt && base == 8 && (len == 0 || buf[len - 1] != '0'))
        prefix = "0";
    int prefix_len = prefix[0] ? (prefix[1] ? 2 : 1) : 0;

    int zeros = s->precision > len ? s->precision - len : 0;
    int body = (sign ? 1 : 0) + prefix_len + zeros + len;
    int pad = s->width > body ? s->width - body : 0;
    /* '0' pads with zeros after the sign, unless '-' or a precision was given. */
    if (s->zero && !s->left && s->precision < 0) {
        zeros += pad;
        pad = 0;
    }

    if (!s->left)
        emit_repeat(o, ' ', pad);
    if (sign)
        emit(o, sign);
    for (int i = 0; i < prefix_len; i++)
        emit(o, prefix[i]);
    emit_repeat(o, '0', zeros);
    while (len)
        emit(o, buf[--len]);
    if (s->left)
        emit_repeat(o, ' ', pad);
}

enum length { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE, LEN_INTMAX, LEN_PTRDIFF };

static int64_t fetch_signed(va_list *args, enum length len)
{
    switch (len) {
    case LEN_CHAR: return (signed char)va_arg(*args, int);
    case LEN_SHORT: return (short)va_arg(*args, int);
    case LEN_LONG: return va_arg(*args, long);
    case LEN_LLONG: return va_arg(*args, long long);
    case LEN_SIZE: return (int64_t)va_arg(*args, size_t);
    case LEN_INTMAX: return va_arg(*args, intmax_t);
    case LEN_PTRDIFF: return va_arg(*args, ptrdiff_t);
    default: return va_arg(*args, int);
    }
}

static uint64_t fetch_unsigned(va_list *args, enum length len)
{
    switch (len) {
    case LEN_CHAR: return (unsigned char)va_arg(*args, unsigned);
    case LEN_SHORT: return (unsigned short)va_arg(*args, unsigned);
    case LEN_LONG: return va_arg(*args, unsigned long);
    case LEN_LLONG: return va_arg(*args, unsigned long long);
    case LEN_SIZE: return va_arg(*args, size_t);
    case LEN_INTMAX: return va_arg(*args, uintmax_t);
    case LEN_PTRDIFF: return (uint64_t)va_arg(*args, ptrdiff_t);
    default: return va_arg(*args, unsigned);
    }
}

static int parse_int(const char **p)
{
    int n = 0;
    while (**p >= '0' && **p <= '9') {
        if (n < 100000)
            n = n * 10 + (**p - '0');
        (*p)++;
    }
    return n;
}

/* The counted strings DbgPrint's %Z / %wZ print (ntdef.h's STRING and wdm.h's UNICODE_STRING,
 * restated so this file stays free of the WDK headers and builds on the host). */
struct counted_string {
    uint16_t length; /* bytes */
    uint16_t maximum_length;
    const void *buffer;
};

/* A 16-bit (WCHAR) character as one byte: ASCII as is, anything else '?'. */
static char narrow(uint16_t w) { return w < 0x80 ? (char)w : '?'; }

/* %ws / %S / %wZ: `count` WCHARs (or up to the terminator when count is -1). */
static void emit_wide(struct out *o, const struct spec *s, const uint16_t *str, long count)
{
    static const uint16_t null_text[] = {'(', 'n', 'u', 'l', 'l', ')', 0};
    if (!str) {
        str = null_text;
        count = -1;
    }
    int len = 0;
    while ((count < 0 ? str[len] != 0 : len < count) && (s->precision < 0 || len < s->precision))
        len++;
    int pad = s->width > len ? s->width - len : 0;
    if (!s->left)
        emit_repeat(o, ' ', pad);
    for (int i = 0; i < len; i++)
        emit(o, narrow(str[i]));
    if (s->left)
        emit_repeat(o, ' ', pad);
}

/* %Z: an ANSI_STRING's Length bytes (no terminator needed). */
static void emit_counted(struct out *o, const struct spec *s, const struct counted_string *cs)
{
    if (!cs || !cs->buffer) {
        emit_string(o, s, NULL);
        return;
    }
    const char *str = cs->buffer;
    int len = cs->length;
    if (s->precision >= 0 && len > s->precision)
        len = s->precision;
    int pad = s->width > len ? s->width - len : 0;
    if (!s->left)
        emit_repeat(o, ' ', pad);
    for (int i = 0; i < len; i++)
        emit(o, str[i]);
    if (s->left)
        emit_repeat(o, ' ', pad);
}

/* %Z (ANSI_STRING) or %wZ (UNICODE_STRING: Length is in bytes, two per WCHAR). */
static void emit_counted_or_wide(struct out *o, const struct spec *s, const struct counted_string *cs, bool wide)
{
    if (wide && cs && cs->buffer)
        emit_wide(o, s, cs->buffer, cs->length / 2);
    else if (wide)
        emit_wide(o, s, NULL, -1);
    else
        emit_counted(o, s, cs);
}

static size_t format_core(format_sink_fn sink, void *context, const char *fmt, va_list args_in, bool windows)
{
    struct out o = {sink, context, 0};
    va_list args;
    va_copy(args, args_in);

    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            emit(&o, *p);
            continue;
        }
        const char *start = p++;
        struct spec s = {false, false, false, false, false, -1, -1};
        for (;; p++) {
            if (*p == '-') s.left = true;
            else if (*p == '0') s.zero = true;
            else if (*p == '+') s.plus = true;
            else if (*p == ' ') s.space = true;
            else if (*p == '#') s.alt = true;
            else break;
        }
        if (*p == '*') {
            s.width = va_arg(args, int);
            if (s.width < 0) {
                s.left = true;
                s.width = -s.width;
            }
            p++;
        } else if (*p >= '0' && *p <= '9') {
            s.width = parse_int(&p);
        }
        if (*p == '.') {
            p++;
            if (*p == '*') {
                s.precision = va_arg(args, int);
                if (s.precision < 0)
                    s.precision = -1;
                p++;
            } else {
                s.precision = parse_int(&p);
            }
        }
        enum length len = LEN_INT;
        bool wide = false, narrow_forced = false;
        if (p[0] == 'h' && p[1] == 'h') len = LEN_CHAR, p += 2;
        else if (p[0] == 'h') len = LEN_SHORT, narrow_forced = true, p++;
        else if (p[0] == 'l' && p[1] == 'l') len = LEN_LLONG, p += 2;
        else if (p[0] == 'l') len = windows ? LEN_INT : LEN_LONG, wide = windows, p++; /* Windows: LONG is 32-bit; %ls is wide */
        else if (p[0] == 'z') len = LEN_SIZE, p++;
        else if (p[0] == 'j') len = LEN_INTMAX, p++;
        else if (p[0] == 't') len = LEN_PTRDIFF, p++;
        else if (windows && p[0] == 'I' && p[1] == '6' && p[2] == '4') len = LEN_LLONG, p += 3;
        else if (windows && p[0] == 'I' && p[1] == '3' && p[2] == '2') len = LEN_INT, p += 3;
        else if (windows && p[0] == 'I') len = LEN_SIZE, p++; /* pointer-sized */
        else if (windows && p[0] == 'w') wide = true, p++;

        if (windows) {
            /* Microsoft's string and character conversions (learn.microsoft.com, "Format
             * specification syntax: printf and wprintf functions"; DbgPrint's %Z / %wZ). */
            if (*p == 'Z') {
                emit_counted_or_wide(&o, &s, va_arg(args, const struct counted_string *), wide);
                continue;
            }
            if ((*p == 's' && wide) || (*p == 'S' && !narrow_forced)) {
                emit_wide(&o, &s, va_arg(args, const uint16_t *), -1);
                continue;
            }
            if (*p == 'S' || *p == 'C') { /* %hS, %hC: narrow after all */
                if (*p == 'S')
                    emit_string(&o, &s, va_arg(args, const char *));
                else
                    emit(&o, (char)va_arg(args, int));
                continue;
            }
            if (*p == 'c' && wide) {
                emit(&o, narrow((uint16_t)va_arg(args, int)));
                continue;
            }
            if (*p == 'p') {
                /* MSVC's %p: the pointer in 16 upper-case hex digits, no 0x. */
                uint64_t v = (uint64_t)(uintptr_t)va_arg(args, void *);
                if (!s.left)
                    emit_repeat(&o, ' ', s.width - 16);
                for (int shift = 60; shift >= 0; shift -= 4)
                    emit(&o, "0123456789ABCDEF"[(v >> shift) & 0xF]);
                if (s.left)
                    emit_repeat(&o, ' ', s.width - 16);
                continue;
            }
        }

        switch (*p) {
        case 'd':
        case 'i': {
            int64_t v = fetch_signed(&args, len);
            uint64_t magnitude = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            emit_number(&o, &s, magnitude, v < 0, 10, false);
            break;
        }
        case 'u': emit_number(&o, &s, fetch_unsigned(&args, len), false, 10, false); break;
        case 'x': emit_number(&o, &s, fetch_unsigned(&args, len), false, 16, false); break;
        case 'X': emit_number(&o, &s, fetch_unsigned(&args, len), false, 16, true); break;
        case 'o': emit_number(&o, &s, fetch_unsigned(&args, len), false, 8, false); break;
        case 'p': {
            struct spec ps = {s.left, false, false, false, false, s.width, -1};
            uint64_t v = (uint64_t)(uintptr_t)va_arg(args, void *);
            /* Always "0x" + 16 digits: addresses line up in tables and backtraces. */
            int body = 18;
            if (!ps.left)
                emit_repeat(&o, ' ', ps.width - body);
            emit(&o, '0');
            emit(&o, 'x');
            for (int shift = 60; shift >= 0; shift -= 4)
                emit(&o, "0123456789abcdef"[(v >> shift) & 0xF]);
            if (ps.left)
                emit_repeat(&o, ' ', ps.width - body);
            break;
        }
        case 'c': {
            char c = (char)va_arg(args, int);
            int pad = s.width > 1 ? s.width - 1 : 0;
            if (!s.left)
                emit_repeat(&o, ' ', pad);
            emit(&o, c);
            if (s.left)
                emit_repeat(&o, ' ', pad);
            break;
        }
        case 's': emit_string(&o, &s, va_arg(args, const char *)); break;
        case '%': emit(&o, '%'); break;
        default:
            /* Unknown or truncated conversion: show it as written so the bug is visible. */
            for (const char *q = start; q <= p && *q; q++)
                emit(&o, *q);
            if (!*p)
                p--; /* the loop's p++ must not step over the terminator */
            break;
        }
    }
    va_end(args);
    return o.count;
}

size_t format_v(format_sink_fn sink, void *context, const char *fmt, va_list args)
{
    return format_core(sink, context, fmt, args, false);
}

size_t format_windows_v(format_sink_fn sink, void *context, const char *fmt, va_list args)
{
    return format_core(sink, context, fmt, args, true);
}

struct buffer_sink {
    char *buf;
    size_t size;
    size_t pos;
};

static void buffer_put(char c, void *context)
{
    struct buffer_sink *b = context;
    if (b->pos + 1 < b->size)
        b->buf[b->pos] = c;
    b->pos++;
}

size_t kvsnprintf(char *buf, size_t size, const char *fmt, va_list args)
{
    struct buffer_sink b = {buf, size, 0};
    size_t n = format_v(buffer_put, &b, fmt, args);
    if (size)
        buf[b.pos < size ? b.pos : size - 1] = '\0';
    return n;
}

size_t kvsnprintf_windows(char *buf, size_t size, const char *fmt, va_list args)
{
    struct buffer_sink b = {buf, size, 0};
    size_t n = format_windows_v(buffer_put, &b, fmt, args);
    if (size)
        buf[b.pos < size ? b.pos : size - 1] = '\0';
    return n;
}

size_t ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    size_t n = kvsnprintf(buf, size, fmt, args);
    va_end(args);
    return n;
}
