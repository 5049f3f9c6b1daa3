/* kernel/lib/ubsan.c - the __ubsan_handle_* routines GCC 12 calls from code built with
 * -fsanitize=undefined (make SANITIZE=1; kernel/lib/ubsan.h says what the stop means).
 *
 * The data layouts are GCC's (libsanitizer/ubsan/ubsan_handlers.h, ubsan_value.h): every check
 * passes a static block starting with its source location; a value that fits in 64 bits is
 * passed in the ValueHandle itself, a wider one (__int128) by address.
 *
 * This file is built without the sanitizer (Makefile, SANITIZE block): a check in here would
 * call itself.
 */
#include "kernel/lib/ubsan.h"

#include "include/ntstatus.h"
#include "include/wdm.h"
#include "kernel/console/console.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/lib/format.h"

struct ubsan_source_location {
    const char *file;
    uint32_t line;
    uint32_t column;
};

struct ubsan_type {
    uint16_t kind; /* 0 integer, 1 float, 0xffff other */
    uint16_t info; /* integer: bit 0 signed, bits 15:1 log2(width in bits) */
    char name[];   /* "'int'" - GCC puts the quotes in */
};

struct ubsan_type_mismatch_data { /* _v1 */
    struct ubsan_source_location location;
    const struct ubsan_type *type;
    uint8_t log_alignment;
    uint8_t type_check_kind;
};

struct ubsan_overflow_data {
    struct ubsan_source_location location;
    const struct ubsan_type *type;
};

struct ubsan_shift_data {
    struct ubsan_source_location location;
    const struct ubsan_type *lhs_type;
    const struct ubsan_type *rhs_type;
};

struct ubsan_out_of_bounds_data {
    struct ubsan_source_location location;
    const struct ubsan_type *array_type;
    const struct ubsan_type *index_type;
};

struct ubsan_location_only_data {
    struct ubsan_source_location location;
};

struct ubsan_invalid_value_data {
    struct ubsan_source_location location;
    const struct ubsan_type *type;
};

struct ubsan_invalid_builtin_data {
    struct ubsan_source_location location;
    uint8_t kind; /* 0 ctz(0), 1 clz(0) */
};

struct ubsan_nonnull_arg_data {
    struct ubsan_source_location location;
    struct ubsan_source_location attribute_location;
    int argument_index;
};

struct ubsan_vla_bound_data {
    struct ubsan_source_location location;
    const struct ubsan_type *type;
};

struct ubsan_alignment_assumption_data {
    struct ubsan_source_location location;
    struct ubsan_source_location assumption_location;
    const struct ubsan_type *type;
};

static struct ubsan_report report;
static unsigned failures;
static volatile int reporting; /* a check failing inside the report itself (console, stop screen) */

bool ubsan_describe(uint64_t p3, char *buf, size_t size)
{
    if (p3 != (uint64_t)(uintptr_t)&report || !report.check)
        return false;
    ksnprintf(buf, size, "%s at %s:%u:%u%s%s%s", report.check, report.file ? report.file : "?",
              (unsigned)report.line, (unsigned)report.column, report.values[0] ? " (" : "", report.values,
              report.values[0] ? ")" : "");
    return true;
}

unsigned ubsan_failures(void) { return failures; }

static bool is_signed(const struct ubsan_type *type) { return type && type->kind == 0 && (type->info & 1); }

static unsigned bit_width(const struct ubsan_type *type)
{
    return type && type->kind == 0 ? 1u << (type->info >> 1) : 64;
}

/* A value as GCC passed it: inline up to 64 bits, by address beyond (only the low 64 bits are
 * shown: nothing in the kernel uses __int128 arithmetic). */
static uint64_t raw_value(const struct ubsan_type *type, uintptr_t handle)
{
    if (bit_width(type) > 64)
        return handle ? *(const uint64_t *)handle : 0;
    return handle;
}

static void format_value(char *buf, size_t size, const struct ubsan_type *type, uintptr_t handle)
{
    uint64_t v = raw_value(type, handle);
    unsigned width = bit_width(type);
    if (is_signed(type)) {
        int64_t s = width >= 64 ? (int64_t)v : (int64_t)(v << (64 - width)) >> (64 - width);
        ksnprintf(buf, size, "%lld", (long long)s);
    } else {
        ksnprintf(buf, size, "%llu", (unsigned long long)v);
    }
}

static const char *type_name(const struct ubsan_type *type) { return type ? type->name : "'?'"; }

/* Print the line, then stop. Returns only if a stop screen is already on its way (a check that
 * fails while printing one): GCC's handlers are "recoverable", so execution just goes on. */
static void ubsan_stop(const char *check, const char *values, const struct ubsan_source_location *where,
                       NTSTATUS status, uint64_t value, void *call_site)
{
    failures++;
    if (reporting || bugcheck_in_progress())
        return;
    reporting = 1;
    report.check = check;
    report.file = where ? where->file : "?";
    report.line = where ? where->line : 0;
    report.column = where ? where->column : 0;
    ksnprintf(report.values, sizeof(report.values), "%s", values);
    console_printf("UBSAN: %s in %s:%u:%u%s%s\n", check, report.file, (unsigned)report.line,
                   (unsigned)report.column, report.values[0] ? ": " : "", report.values);
    KeBugCheckEx(KMODE_EXCEPTION_NOT_HANDLED, (ULONG_PTR)(LONG_PTR)status, (ULONG_PTR)call_site,
                 (ULONG_PTR)&report, (ULONG_PTR)value);
}

#define CALL_SITE __builtin_return_address(0)

/* Each handler: its values as text, then stop. */

static void arithmetic(const char *op, struct ubsan_overflow_data *data, uintptr_t lhs, uintptr_t rhs,
                       void *call_site)
{
    char values[96];
    char a[24], b[24];
    format_value(a, sizeof(a), data->type, lhs);
    format_value(b, sizeof(b), data->type, rhs);
    ksnprintf(values, sizeof(values), "%s %s %s cannot be represented in type %s", a, op, b,
              type_name(data->type));
    ubsan_stop(is_signed(data->type) ? "signed-integer-overflow" : "unsigned-integer-overflow", values, &data->location,
               STATUS_INTEGER_OVERFLOW, raw_value(data->type, lhs), call_site);
}

void __ubsan_handle_add_overflow(struct ubsan_overflow_data *data, uintptr_t lhs, uintptr_t rhs);
void __ubsan_handle_add_overflow(struct ubsan_overflow_data *data, uintptr_t lhs, uintptr_t rhs)
{
    arithmetic("+", data, lhs, rhs, CALL_SITE);
}

void __ubsan_handle_sub_overflow(struct ubsan_overflow_data *data, uintptr_t lhs, uintptr_t rhs);
void __ubsan_handle_sub_overflow(struct ubsan_overflow_data *data, uintptr_t lhs, uintptr_t rhs)
{
    arithmetic("-", data, lhs, rhs, CALL_SITE);
}

void __ubsan_handle_mul_overflow(struct ubsan_overflow_data *data, uintptr_t lhs, uintptr_t rhs);
void __ubsan_handle_mul_overflow(struct ubsan_overflow_data *data, uintptr_t lhs, uintptr_t rhs)
{
    arithmetic("*", data, lhs, rhs, CALL_SITE);
}

void __ubsan_handle_negate_overflow(struct ubsan_overflow_data *data, uintptr_t old);
void __ubsan_handle_negate_overflow(struct ubsan_overflow_data *data, uintptr_t old)
{
    char values[96];
    char a[24];
    format_value(a, sizeof(a), data->type, old);
    ksnprintf(values, sizeof(values), "-(%s) cannot be represented in type %s", a,
              type_name(data->type));
    ubsan_stop("negation overflow", values, &data->location, STATUS_INTEGER_OVERFLOW, raw_value(data->type, old), CALL_SITE);
}

void __ubsan_handle_divrem_overflow(struct ubsan_overflow_data *data, uintptr_t lhs, uintptr_t rhs);
void __ubsan_handle_divrem_overflow(struct ubsan_overflow_data *data, uintptr_t lhs, uintptr_t rhs)
{
    char values[96];
    char a[24], b[24];
    format_value(a, sizeof(a), data->type, lhs);
    format_value(b, sizeof(b), data->type, rhs);
    bool by_zero = raw_value(data->type, rhs) == 0;
    ksnprintf(values, sizeof(values), "%s / %s in type %s", a, b, type_name(data->type));
    ubsan_stop(by_zero ? "division by zero" : "division overflow", values, &data->location,
               by_zero ? STATUS_INTEGER_DIVIDE_BY_ZERO : STATUS_INTEGER_OVERFLOW, raw_value(data->type, lhs),
               CALL_SITE);
}

void __ubsan_handle_shift_out_of_bounds(struct ubsan_shift_data *data, uintptr_t lhs, uintptr_t rhs);
void __ubsan_handle_shift_out_of_bounds(struct ubsan_shift_data *data, uintptr_t lhs, uintptr_t rhs)
{
    char values[96];
    char a[24], b[24];
    format_value(a, sizeof(a), data->lhs_type, lhs);
    format_value(b, sizeof(b), data->rhs_type, rhs);
    ksnprintf(values, sizeof(values), "%s << or >> %s with %s of %u bits", a, b,
              type_name(data->lhs_type), bit_width(data->lhs_type));
    ubsan_stop("shift out of bounds", values, &data->location, STATUS_INTEGER_OVERFLOW, raw_value(data->lhs_type, lhs),
               CALL_SITE);
}

void __ubsan_handle_out_of_bounds(struct ubsan_out_of_bounds_data *data, uintptr_t index);
void __ubsan_handle_out_of_bounds(struct ubsan_out_of_bounds_data *data, uintptr_t index)
{
    char values[96];
    char i[24];
    format_value(i, sizeof(i), data->index_type, index);
    ksnprintf(values, sizeof(values), "index %s is out of range for type %s", i,
              type_name(data->array_type));
    ubsan_stop("array index out of bounds", values, &data->location, STATUS_ARRAY_BOUNDS_EXCEEDED,
               raw_value(data->index_type, index), CALL_SITE);
}

void __ubsan_handle_type_mismatch_v1(struct ubsan_type_mismatch_data *data, uintptr_t pointer);
void __ubsan_handle_type_mismatch_v1(struct ubsan_type_mismatch_data *data, uintptr_t pointer)
{
    char values[96];
    /* type_check_kind: 0 load, 1 store, 2 reference binding, 3 member access, 4 member call, ... */
    static const char *const kinds[] = {"load of", "store to", "reference binding to", "member access within",
                                        "member call on", "constructor call on", "downcast of", "downcast of",
                                        "upcast of", "cast to virtual base of", "_Nonnull binding to",
                                        "dynamic operation on"};
    const char *kind = data->type_check_kind < sizeof(kinds) / sizeof(kinds[0]) ? kinds[data->type_check_kind]
                                                                                 : "access to";
    uint64_t alignment = data->log_alignment < 64 ? 1ull << data->log_alignment : 0;
    const char *check;
    NTSTATUS status;
    if (pointer == 0) {
        check = "NULL pointer use";
        status = STATUS_ACCESS_VIOLATION;
    } else if (alignment && (pointer & (alignment - 1))) {
        check = "misaligned access";
        status = STATUS_DATATYPE_MISALIGNMENT;
    } else {
        check = "object too small"; /* -fsanitize=object-size */
        status = STATUS_ARRAY_BOUNDS_EXCEEDED;
    }
    ksnprintf(values, sizeof(values), "%s address 0x%016llx of type %s (alignment %llu)", kind,
              (unsigned long long)pointer, type_name(data->type), (unsigned long long)alignment);
    ubsan_stop(check, values, &data->location, status, pointer, CALL_SITE);
}

void __ubsan_handle_pointer_overflow(struct ubsan_location_only_data *data, uintptr_t base, uintptr_t result);
void __ubsan_handle_pointer_overflow(struct ubsan_location_only_data *data, uintptr_t base, uintptr_t result)
{
    char values[96];
    ksnprintf(values, sizeof(values), "0x%016llx became 0x%016llx", (unsigned long long)base,
              (unsigned long long)result);
    ubsan_stop("pointer overflow", values, &data->location, STATUS_INTEGER_OVERFLOW, base, CALL_SITE);
}

void __ubsan_handle_load_invalid_value(struct ubsan_invalid_value_data *data, uintptr_t value);
void __ubsan_handle_load_invalid_value(struct ubsan_invalid_value_data *data, uintptr_t value)
{
    char values[96];
    char v[24];
    format_value(v, sizeof(v), data->type, value);
    ksnprintf(values, sizeof(values), "load of value %s, not valid for type %s", v,
              type_name(data->type));
    ubsan_stop("invalid value", values, &data->location, STATUS_ILLEGAL_INSTRUCTION, raw_value(data->type, value), CALL_SITE);
}

void __ubsan_handle_builtin_unreachable(struct ubsan_location_only_data *data);
void __ubsan_handle_builtin_unreachable(struct ubsan_location_only_data *data)
{
    const char *values = "";
    ubsan_stop("__builtin_unreachable() reached", values, &data->location, STATUS_ILLEGAL_INSTRUCTION, 0, CALL_SITE);
    for (;;) /* it promised not to return */
        __asm__ volatile("cli; hlt");
}

void __ubsan_handle_invalid_builtin(struct ubsan_invalid_builtin_data *data);
void __ubsan_handle_invalid_builtin(struct ubsan_invalid_builtin_data *data)
{
    char values[96];
    ksnprintf(values, sizeof(values), "%s passed 0", data->kind == 0 ? "__builtin_ctz" : "__builtin_clz");
    ubsan_stop("invalid builtin argument", values, &data->location, STATUS_ILLEGAL_INSTRUCTION, 0, CALL_SITE);
}

void __ubsan_handle_nonnull_arg(struct ubsan_nonnull_arg_data *data);
void __ubsan_handle_nonnull_arg(struct ubsan_nonnull_arg_data *data)
{
    char values[96];
    ksnprintf(values, sizeof(values), "argument %d declared nonnull", data->argument_index);
    ubsan_stop("NULL passed as a nonnull argument", values, &data->location, STATUS_ACCESS_VIOLATION, 0, CALL_SITE);
}

void __ubsan_handle_nonnull_return_v1(struct ubsan_location_only_data *data, struct ubsan_source_location *where);
void __ubsan_handle_nonnull_return_v1(struct ubsan_location_only_data *data, struct ubsan_source_location *where)
{
    const char *values = "";
    ubsan_stop("NULL returned from a returns_nonnull function", values, where, STATUS_ACCESS_VIOLATION, 0, CALL_SITE);
}

void __ubsan_handle_vla_bound_not_positive(struct ubsan_vla_bound_data *data, uintptr_t bound);
void __ubsan_handle_vla_bound_not_positive(struct ubsan_vla_bound_data *data, uintptr_t bound)
{
    char values[96];
    char v[24];
    format_value(v, sizeof(v), data->type, bound);
    ksnprintf(values, sizeof(values), "variable-length array bound %s", v);
    ubsan_stop("VLA bound not positive", values, &data->location, STATUS_ILLEGAL_INSTRUCTION, raw_value(data->type, bound),
               CALL_SITE);
}

void __ubsan_handle_alignment_assumption(struct ubsan_alignment_assumption_data *data, uintptr_t pointer,
                                         uintptr_t alignment, uintptr_t offset);
void __ubsan_handle_alignment_assumption(struct ubsan_alignment_assumption_data *data, uintptr_t pointer,
                                         uintptr_t alignment, uintptr_t offset)
{
    char values[96];
    ksnprintf(values, sizeof(values), "0x%016llx is not aligned to %llu",
              (unsigned long long)(pointer - offset), (unsigned long long)alignment);
    ubsan_stop("alignment assumption", values, &data->location, STATUS_DATATYPE_MISALIGNMENT, pointer, CALL_SITE);
}
