/* kernel/console/fb_console.c - the serial console's text, mirrored on the screen (see
 * fb_console.h). A small terminal: it understands what irqlab itself sends to COM1 - CR, LF,
 * backspace, tab, and the ECMA-48 control sequences of the line editor and of `cls`/`irqtop`
 * (CUU/CUD/CUF/CUB "ESC [ n A/B/C/D", CUP "ESC [ r;c H", ED "ESC [ n J", EL "ESC [ n K"; SGR
 * "ESC [ ... m" is accepted and ignored). Characters outside printable ASCII are drawn as '?'
 * (one per UTF-8 sequence). Called with the console lock held, or lock-free in panic mode. */
#include "kernel/console/fb_console.h"

#include "kernel/boot/bootinfo.h"
#include "kernel/boot/cmdline.h"
#include "kernel/console/fb_surface.h"
#include "kernel/console/log.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"
#include "kernel/mm/paging.h"

CMDLINE_OPTION_CHECKED(fbcon, "on|off",
                       "mirror the console on the screen GRUB set up (UEFI GOP, VESA or VGA text; default on)",
                       cmdline_check_bool);

#define FB_MAX_COLUMNS 256  /* 2048 pixels wide */
#define FB_MAX_ROWS 96      /* 1536 pixels high; a larger screen uses its top-left part */
#define PANIC_PINNED_ROWS 4 /* the stop screen's blank line, STOP line, name and blank line stay */
#define CSI_MAX_PARAMS 2

static const struct rgb console_fg = {0xC0, 0xC0, 0xC0}, console_bg = {0x00, 0x00, 0x00};
static const struct rgb panic_fg = {0xFF, 0xFF, 0xFF}, panic_bg = {0x00, 0x00, 0xAA}; /* Windows' stop screen */
#define CONSOLE_TEXT_ATTRIBUTE 0x07                                                   /* light grey on black */
#define PANIC_TEXT_ATTRIBUTE 0x1F                                                     /* white on blue */

enum escape_state { ESC_NONE, ESC_SEEN, ESC_CSI };

static struct {
    bool attached, mapped, panic;
    struct fb_surface surface;
    unsigned columns, rows;
    unsigned column, row;
    unsigned scroll_top; /* rows above it never scroll (PANIC_PINNED_ROWS on the stop screen) */
    enum escape_state escape;
    unsigned params[CSI_MAX_PARAMS], param_count;
    bool skipping_utf8; /* inside a multi-byte UTF-8 sequence: its '?' is drawn already */
    char describe[64];
} con;

static char grid[FB_MAX_ROWS][FB_MAX_COLUMNS];
/* What each cell shows now: its character, | SHOWN_CURSOR if underlined; 0 = unknown. A cell is
 * drawn only when it must change, so after a jump scroll the blank parts of lines cost nothing. */
static uint8_t shown[FB_MAX_ROWS][FB_MAX_COLUMNS];
#define SHOWN_CURSOR 0x80u

static void draw(unsigned column, unsigned row)
{
    if (!con.mapped)
        return;
    bool cursor = column == con.column && row == con.row && !con.panic;
    uint8_t want = (uint8_t)((uint8_t)grid[row][column] | (cursor ? SHOWN_CURSOR : 0));
    if (shown[row][column] == want)
        return;
    shown[row][column] = want;
    fb_surface_draw_cell(&con.surface, column, row, grid[row][column], cursor);
}

static void redraw_all(void)
{
    if (!con.mapped)
        return;
    for (unsigned r = 0; r < con.rows; r++)
        for (unsigned c = 0; c < con.columns; c++)
            draw(c, r);
}

/* New colours (or a screen never drawn): every cell and the margins. */
static void repaint(void)
{
    memset(shown, 0, sizeof(shown));
    fb_surface_clear_margins(&con.surface);
    redraw_all();
}

static void clear_cells(unsigned row, unsigned from_column, unsigned to_column)
{
    memset(&grid[row][from_column], ' ', to_column - from_column);
    for (unsigned c = from_column; c < to_column; c++)
        draw(c, row);
}

/* Move the cursor, redrawing the cell it leaves and the one it enters (the cursor underline). */
static void move_to(unsigned column, unsigned row)
{
    unsigned old_column = con.column, old_row = con.row;
    con.column = column < con.columns ? column : con.columns - 1;
    con.row = row < con.rows ? row : con.rows - 1;
    if (column == con.columns) /* just after the last column: the next character wraps */
        con.column = column;
    if (old_column < con.columns)
        draw(old_column, old_row);
    if (con.column < con.columns)
        draw(con.column, con.row);
}

/* The grid is full: move the rows below scroll_top up by half of them at once (jump scroll). */
static void scroll(void)
{
    unsigned region = con.rows - con.scroll_top;
    unsigned by = region / 2 ? region / 2 : 1;
    for (unsigned r = con.scroll_top; r + by < con.rows; r++)
        memcpy(grid[r], grid[r + by], con.columns);
    for (unsigned r = con.rows - by; r < con.rows; r++)
        memset(grid[r], ' ', con.columns);
    con.row = con.rows - by;
    redraw_all();
}

static void new_line(void)
{
    unsigned old_column = con.column, old_row = con.row;
    con.column = 0;
    if (con.row + 1 < con.rows) {
        con.row++;
        if (old_column < con.columns)
            draw(old_column, old_row);
        draw(con.column, con.row);
    } else {
        scroll();
    }
}

static void put_printable(char c)
{
    if (con.column >= con.columns)
        new_line(); /* wrap */
    grid[con.row][con.column] = c;
    move_to(con.column + 1, con.row); /* draws the cell it leaves: the new character */
}

static unsigned param(unsigned index, unsigned default_value)
{
    return index < con.param_count && con.params[index] ? con.params[index] : default_value;
}

static void run_csi(char final)
{
    unsigned n = param(0, 1);
    switch (final) {
    case 'A': move_to(con.column, con.row > n ? con.row - n : 0); break;
    case 'B': move_to(con.column, con.row + n); break;
    case 'C': move_to(con.column + n < con.columns ? con.column + n : con.columns - 1, con.row); break;
    case 'D': move_to(con.column > n ? con.column - n : 0, con.row); break;
    case 'H':
    case 'f': move_to(param(1, 1) - 1, param(0, 1) - 1); break;
    case 'K': {
        unsigned mode = param(0, 0);
        unsigned col = con.column < con.columns ? con.column : con.columns;
        clear_cells(con.row, mode == 0 ? col : 0, mode == 1 ? col : con.columns);
        draw(con.column < con.columns ? con.column : con.columns - 1, con.row);
        break;
    }
    case 'J': {
        unsigned mode = param(0, 0);
        if (mode == 0) {
            clear_cells(con.row, con.column < con.columns ? con.column : con.columns, con.columns);
            for (unsigned r = con.row + 1; r < con.rows; r++)
                clear_cells(r, 0, con.columns);
        } else {
            memset(grid, ' ', sizeof(grid));
            redraw_all();
        }
        break;
    }
    default: break; /* SGR ('m') and anything else: no colours here */
    }
}

static void put_escape(char c)
{
    if (con.escape == ESC_SEEN) {
        con.escape = c == '[' ? ESC_CSI : ESC_NONE;
        con.param_count = 0;
        con.params[0] = con.params[1] = 0;
        return;
    }
    if (c >= '0' && c <= '9') {
        if (con.param_count == 0)
            con.param_count = 1;
        unsigned *p = &con.params[con.param_count - 1];
        if (*p < 10000)
            *p = *p * 10 + (unsigned)(c - '0');
    } else if (c == ';') {
        if (con.param_count == 0)
            con.param_count = 1;
        if (con.param_count < CSI_MAX_PARAMS)
            con.param_count++;
    } else if (c >= 0x40 && c <= 0x7E) {
        con.escape = ESC_NONE;
        run_csi(c);
    } /* '?', '=' and other intermediate bytes: ignored */
}

void fb_console_putc(char c)
{
    if (!con.attached)
        return;
    unsigned char u = (unsigned char)c;
    if (con.escape != ESC_NONE) {
        put_escape(c);
        return;
    }
    if (u >= 0x80) { /* UTF-8: one '?' for the lead byte, nothing for continuation bytes */
        bool continuation = (u & 0xC0) == 0x80;
        if (!continuation || !con.skipping_utf8)
            put_printable('?');
        con.skipping_utf8 = true;
        return;
    }
    con.skipping_utf8 = false;
    switch (c) {
    case '\x1b': con.escape = ESC_SEEN; break;
    case '\n': new_line(); break; /* COM1 gets "\r\n" for it */
    case '\r': move_to(0, con.row); break;
    case '\b': move_to(con.column ? con.column - 1 : 0, con.row); break;
    case '\t': {
        unsigned next = (con.column / 8 + 1) * 8;
        while (con.column < next && con.column < con.columns)
            put_printable(' ');
        break;
    }
    default:
        if (u >= 0x20 && u < 0x7F)
            put_printable(c);
        break; /* BEL and other control characters: nothing to show */
    }
}

static void set_colors(bool panic)
{
    fb_surface_set_colors(&con.surface, panic ? panic_fg : console_fg, panic ? panic_bg : console_bg,
                          panic ? PANIC_TEXT_ATTRIBUTE : CONSOLE_TEXT_ATTRIBUTE);
}

void fb_console_attach(const struct boot_framebuffer *fb)
{
    if (fb->type == BOOT_FB_UNSUPPORTED)
        log_warn("fbcon: the loader's %ux%ux%u screen is not direct colour or VGA text; console on COM1 only",
                 fb->width, fb->height, fb->bpp);
    if (fb->type != BOOT_FB_RGB && fb->type != BOOT_FB_EGA_TEXT)
        return;
    if (!cmdline_get_bool("fbcon", true))
        return;
    fb_surface_init(&con.surface, fb);
    con.columns = con.surface.columns < FB_MAX_COLUMNS ? con.surface.columns : FB_MAX_COLUMNS;
    con.rows = con.surface.rows < FB_MAX_ROWS ? con.surface.rows : FB_MAX_ROWS;
    if (con.columns < 2 || con.rows < 2)
        return;
    set_colors(false);
    memset(grid, ' ', sizeof(grid));
    if (fb->type == BOOT_FB_RGB)
        ksnprintf(con.describe, sizeof(con.describe), "%ux%ux%u framebuffer, %ux%u text", fb->width, fb->height,
                  fb->bpp, con.columns, con.rows);
    else
        ksnprintf(con.describe, sizeof(con.describe), "VGA text %ux%u", con.columns, con.rows);
    con.attached = true;
}

void fb_console_map(void)
{
    if (!con.attached || con.mapped)
        return;
    const struct boot_framebuffer *fb = &con.surface.fb;
    uint64_t va = paging_map_mmio(fb->address, (size_t)fb->pitch * fb->height);
    if (!va) {
        con.attached = false; /* the console stays on COM1; say so there */
        log_warn("fbcon: cannot map the framebuffer at 0x%lx (%u bytes); console on COM1 only",
                 (unsigned long)fb->address, fb->pitch * fb->height);
        return;
    }
    con.surface.base = (uint8_t *)(uintptr_t)va;
    con.mapped = true;
    repaint();
}

void fb_console_enter_panic(void)
{
    if (!con.attached || con.panic)
        return;
    con.panic = true;
    con.escape = ESC_NONE;
    set_colors(true);
    memset(grid, ' ', sizeof(grid));
    con.column = con.row = 0;
    con.scroll_top = con.rows > 2 * PANIC_PINNED_ROWS ? PANIC_PINNED_ROWS : 0;
    repaint();
}

bool fb_console_active(void) { return con.mapped; }

const char *fb_console_describe(void) { return con.attached ? con.describe : ""; }
