/* tests/unit/test_fb_console.c - the screen console's terminal on a framebuffer in host memory.
 * unit-sources: kernel/console/fb_console.c kernel/console/fb_surface.c kernel/console/font.c kernel/lib/string.c kernel/lib/format.c
 *
 * The "framebuffer" is an array here: paging_map_mmio() (stubbed) returns its address as it is.
 * Each test feeds characters through fb_console_putc() as console.c does and reads the pixels
 * back, cell by cell, against font_row(): what is on the screen, where the cursor is, what the
 * control sequences of the line editor and `cls` do, jump scroll, and the stop screen.
 * fb_console.c keeps its state in statics, so the whole sequence runs as one cmocka test per
 * attach: each test attaches a fresh screen with fb_console_test_reset().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/boot/bootinfo.h"
#include "kernel/console/fb_console.h"
#include "kernel/console/font.h"
#include "kernel/console/log.h"

/* ---- what fb_console.c needs from the rest of the kernel ---- */
static bool fbcon_option = true;
static bool map_fails;
static int warnings;

uint64_t paging_map_mmio(uint64_t phys, size_t size)
{
    (void)size;
    return map_fails ? 0 : phys;
}
bool cmdline_get_bool(const char *key, bool default_value)
{
    return strcmp(key, "fbcon") == 0 ? fbcon_option : default_value;
}
bool cmdline_check_bool(const char *value, char *why, size_t why_size)
{
    (void)value, (void)why, (void)why_size;
    return true;
}
void log_message(enum log_level level, const char *fmt, ...)
{
    (void)fmt;
    if (level == LOG_WARN)
        warnings++;
}

/* ---- a 10 x 4 character screen: 80 x 64 pixels, 32 bpp, BGRX like OVMF's GOP ---- */
#define COLUMNS 10
#define ROWS 4
#define WIDTH (COLUMNS * FONT_CELL_WIDTH)
#define HEIGHT (ROWS * FONT_CELL_HEIGHT)
static uint32_t screen[HEIGHT][WIDTH];
#define FG 0x00C0C0C0u    /* console_fg packed */
#define PANIC_BG 0x000000AAu

static struct boot_framebuffer fb(void)
{
    return (struct boot_framebuffer){.type = BOOT_FB_RGB, .address = (uint64_t)(uintptr_t)screen,
                                     .pitch = WIDTH * 4, .width = WIDTH, .height = HEIGHT, .bpp = 32,
                                     .red_position = 16, .red_size = 8, .green_position = 8, .green_size = 8,
                                     .blue_position = 0, .blue_size = 8};
}

static void put(const char *text)
{
    for (; *text; text++)
        fb_console_putc(*text);
}

static bool cursor_at(unsigned column, unsigned row);

/* The character a cell shows ('\0' if it matches no glyph); the cursor's rows (the last two,
 * fully lit) are left out, so the cell under the cursor reads as its character. */
static char cell(unsigned column, unsigned row)
{
    unsigned rows = cursor_at(column, row) ? FONT_CELL_HEIGHT - 2 : FONT_CELL_HEIGHT;
    for (int c = 0x20; c <= 0x7E; c++) {
        bool same = true;
        for (unsigned y = 0; y < rows && same; y++)
            for (unsigned x = 0; x < FONT_CELL_WIDTH && same; x++) {
                bool lit = screen[row * FONT_CELL_HEIGHT + y][column * FONT_CELL_WIDTH + x] == FG ||
                           screen[row * FONT_CELL_HEIGHT + y][column * FONT_CELL_WIDTH + x] == 0x00FFFFFFu;
                same = lit == (bool)(font_row((char)c, y) & (0x80u >> x));
            }
        if (same)
            return (char)c;
    }
    return '\0';
}

static void row_text(unsigned row, char *out)
{
    for (unsigned c = 0; c < COLUMNS; c++)
        out[c] = cell(c, row);
    out[COLUMNS] = '\0';
}

static bool cursor_at(unsigned column, unsigned row)
{
    return screen[row * FONT_CELL_HEIGHT + FONT_CELL_HEIGHT - 1][column * FONT_CELL_WIDTH] == FG;
}

#define ASSERT_ROW(row, text)                                                                                          \
    do {                                                                                                               \
        char got_[COLUMNS + 1];                                                                                        \
        row_text(row, got_);                                                                                           \
        assert_string_equal(got_, text);                                                                               \
    } while (0)

static void the_whole_terminal(void **state)
{
    (void)state;
    struct boot_framebuffer f = fb();
    memset(screen, 0x55, sizeof(screen)); /* whatever the firmware left */

    /* Text before the framebuffer is mapped is kept and drawn at map time. */
    fb_console_attach(&f);
    put("boot\n");
    assert_false(fb_console_active());
    assert_int_equal(screen[0][0], 0x55555555u);
    fb_console_map();
    assert_true(fb_console_active());
    assert_string_equal(fb_console_describe(), "80x64x32 framebuffer, 10x4 text");
    ASSERT_ROW(0, "boot      ");
    ASSERT_ROW(1, "          ");
    assert_true(cursor_at(0, 1));

    /* Typing, backspace and the line editor's erase-to-end and cursor moves. */
    put("irqlab> ab\b\x1b[K");
    ASSERT_ROW(1, "irqlab> a ");
    assert_true(cursor_at(9, 1));
    put("\x1b[3D");
    assert_true(cursor_at(6, 1));
    assert_false(cursor_at(9, 1));
    put("\x1b[2C!");
    ASSERT_ROW(1, "irqlab> ! ");

    /* A line longer than the screen wraps. */
    put("\r\n0123456789X");
    ASSERT_ROW(2, "0123456789");
    ASSERT_ROW(3, "X         ");
    /* The grid is full: the next line moves everything up by half (two rows) at once. */
    put("\n");
    ASSERT_ROW(0, "0123456789");
    ASSERT_ROW(1, "X         ");
    ASSERT_ROW(2, "          ");
    assert_true(cursor_at(0, 2));
    /* UTF-8 is one '?' per character; SGR is ignored. */
    put("\x1b[1m\xe2\x80\x94ok\x1b[0m\n");
    ASSERT_ROW(0, "0123456789");
    ASSERT_ROW(1, "X         ");
    ASSERT_ROW(2, "?ok       ");
    ASSERT_ROW(3, "          ");

    /* cls: home and erase the page. */
    put("\x1b[H\x1b[2J");
    for (unsigned r = 0; r < ROWS; r++)
        ASSERT_ROW(r, "          ");
    assert_true(cursor_at(0, 0));

    /* The stop screen: white on blue from a clean page, no cursor. */
    fb_console_enter_panic();
    assert_int_equal(screen[0][0], PANIC_BG);
    assert_int_equal(screen[HEIGHT - 1][WIDTH - 1], PANIC_BG);
    put("\nSTOP\n");
    ASSERT_ROW(1, "STOP      ");
    assert_int_equal(screen[FONT_CELL_HEIGHT + FONT_CELL_HEIGHT - 1][0], PANIC_BG); /* no cursor */
}

static void screens_it_cannot_use(void **state)
{
    (void)state;
    struct boot_framebuffer f = fb();
    f.type = BOOT_FB_UNSUPPORTED;
    warnings = 0;
    fb_console_attach(&f);
    assert_int_equal(warnings, 1); /* said on COM1 */
    fb_console_map();
    assert_false(fb_console_active());
    assert_string_equal(fb_console_describe(), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(screens_it_cannot_use),
        cmocka_unit_test(the_whole_terminal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
