/* tests/unit/test_format_windows.c - the Windows mode of the kernel's printf engine (DbgPrint).
 * unit-sources: kernel/lib/format.c
 *
 * The expectations are what the WDK documents for DbgPrint on x64 (LLP64: LONG/ULONG are 32-bit;
 * "Format specification syntax: printf and wprintf functions", "Size specification": I, I32,
 * I64, ll, w, h; DbgPrint's %Z / %wZ for ANSI_STRING / UNICODE_STRING).
 * Built with -fshort-wchar (scripts/run_tests.py), so L"..." is 16-bit as in the WDK.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "include/ntdef.h"
#include "kernel/lib/format.h"

typedef struct {
    USHORT Length;
    USHORT MaximumLength;
    WCHAR *Buffer;
} TEST_UNICODE_STRING; /* wdm.h's UNICODE_STRING layout */

static char out[256];

static const char *win(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    kvsnprintf_windows(out, sizeof(out), format, args);
    va_end(args);
    return out;
}

static void l_is_32_bit(void **state)
{
    (void)state;
    ULONG u = 0xFFFFFFFFu;
    LONG l = -5;
    /* A 64-bit value passed where a ULONG belongs prints only its low 32 bits, as on Windows. */
    assert_string_equal(win("%lu %ld %lx %lX %li", u, l, 0xABCDu, 0xABCDu, l), "4294967295 -5 abcd ABCD -5");
    assert_string_equal(win("%lu", (ULONG64)0x100000002ull), "2");
    assert_string_equal(win("%08lx|%-4lu|", (ULONG)0x1F, (ULONG)7), "0000001f|7   |");
}

static void i64_and_ll_are_64_bit(void **state)
{
    (void)state;
    ULONG64 big = 0x123456789ABCDEF0ull;
    LONG64 neg = -1234567890123ll;
    assert_string_equal(win("%I64x %I64X %I64d %I64u", big, big, neg, big),
                        "123456789abcdef0 123456789ABCDEF0 -1234567890123 1311768467463790320");
    assert_string_equal(win("%llx %lld %llu", big, neg, (ULONG64)1 << 40),
                        "123456789abcdef0 -1234567890123 1099511627776");
    assert_string_equal(win("%I32x %Ix %Iu", (ULONG)0xBEEF, (ULONG_PTR)big, (SIZE_T)42), "beef 123456789abcdef0 42");
    assert_string_equal(win("%zu", (SIZE_T)99), "99");
}

static void pointers_as_msvc_prints_them(void **state)
{
    (void)state;
    assert_string_equal(win("%p", (void *)(ULONG_PTR)0xFFFFF80012345678ull), "FFFFF80012345678");
    assert_string_equal(win("[%p]", (void *)0), "[0000000000000000]");
    assert_string_equal(win("[%20p]", (void *)(ULONG_PTR)0xAB), "[    00000000000000AB]");
}

static void counted_strings(void **state)
{
    (void)state;
    char text[] = {'h', 'e', 'l', 'l', 'o', 'X', 'X'}; /* no terminator: Length says where it ends */
    ANSI_STRING a = {5, sizeof(text), text};
    assert_string_equal(win("<%Z>", &a), "<hello>");
    assert_string_equal(win("<%-7Z><%.2Z>", &a, &a), "<hello  ><he>");
    WCHAR wide[] = L"\\Device\\Edu0 and more";
    TEST_UNICODE_STRING u = {(USHORT)(12 * sizeof(WCHAR)), sizeof(wide), wide};
    assert_string_equal(win("<%wZ>", &u), "<\\Device\\Edu0>");
    assert_string_equal(win("<%Z><%wZ>", (ANSI_STRING *)NULL, (TEST_UNICODE_STRING *)NULL), "<(null)><(null)>");
}

static void wide_strings_and_characters(void **state)
{
    (void)state;
    assert_int_equal(sizeof(L'x'), 2); /* -fshort-wchar */
    const WCHAR *w = L"COM1";
    assert_string_equal(win("%ws|%S|%ls|%hs|%s", w, w, w, "narrow", "plain"), "COM1|COM1|COM1|narrow|plain");
    assert_string_equal(win("%wc%C%c%hc", (int)L'A', (int)L'B', 'c', 'd'), "ABcd");
    const WCHAR accents[] = {'a', 0xE9, 0x4E2D, 'z', 0};
    assert_string_equal(win("%ws", accents), "a??z"); /* not ASCII: '?' */
    assert_string_equal(win("[%6ws][%-6S][%.2ws]", w, w, w), "[  COM1][COM1  ][CO]");
    assert_string_equal(win("%ws", (WCHAR *)NULL), "(null)");
}

static void c99_mode_is_unchanged(void **state)
{
    (void)state;
    /* The kernel's own log functions keep C99 semantics: %lu is 64-bit there. */
    char buf[64];
    ksnprintf(buf, sizeof(buf), "%lu %p", (unsigned long)0x100000002ull, (void *)0x10);
    assert_string_equal(buf, "4294967298 0x0000000000000010");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(l_is_32_bit),
        cmocka_unit_test(i64_and_ll_are_64_bit),
        cmocka_unit_test(pointers_as_msvc_prints_them),
        cmocka_unit_test(counted_strings),
        cmocka_unit_test(wide_strings_and_characters),
        cmocka_unit_test(c99_mode_is_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
