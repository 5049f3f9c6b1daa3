/* kernel/console/fb_surface.h - how one character cell gets onto the screen: pixels of the
 * built-in font on a direct-colour framebuffer (UEFI GOP / VESA), or a character and an
 * attribute byte in the VGA text mode. kernel/console/fb_console.c decides what goes where. */
#ifndef IRQLAB_CONSOLE_FB_SURFACE_H
#define IRQLAB_CONSOLE_FB_SURFACE_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/boot/bootinfo.h"

struct rgb {
    uint8_t r, g, b;
};

struct fb_surface {
    struct boot_framebuffer fb;
    uint8_t *base;          /* the mapped framebuffer; NULL until fb_console_map */
    unsigned columns, rows; /* text cells */
    uint32_t fg_pixel, bg_pixel;
    uint64_t pixel_pairs[4]; /* 32 bpp: two pixels per store, indexed by two font bits (left = bit 1) */
    uint8_t text_attribute;  /* VGA text mode: background << 4 | foreground */
};

/* Columns and rows of text the framebuffer holds (0 if it is unusable). */
void fb_surface_init(struct fb_surface *s, const struct boot_framebuffer *fb);
void fb_surface_set_colors(struct fb_surface *s, struct rgb fg, struct rgb bg, uint8_t text_attribute);
/* Draw `c` at cell (column, row); `cursor` underlines it. */
void fb_surface_draw_cell(struct fb_surface *s, unsigned column, unsigned row, char c, bool cursor);
/* Fill everything outside the text cells (the right and bottom margins) with the background. */
void fb_surface_clear_margins(struct fb_surface *s);

#endif
