/* kernel/console/fb_surface.c - drawing character cells (see fb_surface.h).
 * Multiboot2 section 3.6.12 "Framebuffer info": a pixel is `bpp` bits, each colour channel
 * `size` bits at bit `position`; UEFI 2.10 section 12.9 (EFI_GRAPHICS_OUTPUT_PROTOCOL) is where
 * GRUB gets that from under UEFI. VGA text mode: two bytes per cell, the character then the
 * attribute (background colour in bits 4-6, foreground in 0-3). */
#include "kernel/console/fb_surface.h"

#include "kernel/console/font.h"

static uint32_t channel(uint8_t value, uint8_t size, uint8_t position)
{
    return (uint32_t)(value >> (8 - (size > 8 ? 8 : size))) << position;
}

static uint32_t pack(const struct boot_framebuffer *fb, struct rgb c)
{
    return channel(c.r, fb->red_size, fb->red_position) | channel(c.g, fb->green_size, fb->green_position) |
           channel(c.b, fb->blue_size, fb->blue_position);
}

void fb_surface_init(struct fb_surface *s, const struct boot_framebuffer *fb)
{
    s->fb = *fb;
    s->base = 0;
    if (fb->type == BOOT_FB_RGB) {
        s->columns = fb->width / FONT_CELL_WIDTH;
        s->rows = fb->height / FONT_CELL_HEIGHT;
    } else if (fb->type == BOOT_FB_EGA_TEXT) {
        s->columns = fb->width;
        s->rows = fb->height;
    } else {
        s->columns = s->rows = 0;
    }
}

void fb_surface_set_colors(struct fb_surface *s, struct rgb fg, struct rgb bg, uint8_t text_attribute)
{
    s->fg_pixel = pack(&s->fb, fg);
    s->bg_pixel = pack(&s->fb, bg);
    s->text_attribute = text_attribute;
    for (unsigned i = 0; i < 4; i++) /* little-endian: the left pixel is the low half */
        s->pixel_pairs[i] =
            (uint64_t)((i & 2) ? s->fg_pixel : s->bg_pixel) | (uint64_t)((i & 1) ? s->fg_pixel : s->bg_pixel) << 32;
}

static void put_pixel(uint8_t *p, unsigned bytes, uint32_t value)
{
    switch (bytes) {
    case 4: *(volatile uint32_t *)p = value; break;
    case 2: *(volatile uint16_t *)p = (uint16_t)value; break;
    default:
        for (unsigned i = 0; i < bytes; i++)
            ((volatile uint8_t *)p)[i] = (uint8_t)(value >> (8 * i));
    }
}

void fb_surface_draw_cell(struct fb_surface *s, unsigned column, unsigned row, char c, bool cursor)
{
    if (!s->base || column >= s->columns || row >= s->rows)
        return;
    if (s->fb.type == BOOT_FB_EGA_TEXT) {
        volatile uint8_t *cell = s->base + (uint64_t)row * s->fb.pitch + column * 2u;
        unsigned char u = (unsigned char)c;
        cell[0] = (u >= FONT_FIRST && u <= FONT_LAST) ? u : '?';
        cell[1] = s->text_attribute;
        return;
    }
    unsigned bytes = (s->fb.bpp + 7u) / 8u;
    uint8_t *line =
        s->base + (uint64_t)row * FONT_CELL_HEIGHT * s->fb.pitch + (uint64_t)column * FONT_CELL_WIDTH * bytes;
    for (unsigned y = 0; y < FONT_CELL_HEIGHT; y++, line += s->fb.pitch) {
        /* The cursor: the cell's last two pixel rows, below any descender. */
        uint8_t bits = cursor && y >= FONT_CELL_HEIGHT - 2 ? 0xFF : font_row(c, y);
        if (bytes == 4 && (s->fb.pitch % 8) == 0) {
            /* Four 8-byte stores per row: drawing is most of what a long test log costs under TCG. */
            volatile uint64_t *px = (volatile uint64_t *)line;
            for (unsigned pair = 0; pair < FONT_CELL_WIDTH / 2; pair++)
                px[pair] = s->pixel_pairs[(bits >> (6 - 2 * pair)) & 3];
        } else {
            for (unsigned x = 0; x < FONT_CELL_WIDTH; x++)
                put_pixel(line + x * bytes, bytes, (bits & (0x80u >> x)) ? s->fg_pixel : s->bg_pixel);
        }
    }
}

static void fill(struct fb_surface *s, unsigned x0, unsigned y0, unsigned x1, unsigned y1)
{
    unsigned bytes = (s->fb.bpp + 7u) / 8u;
    for (unsigned y = y0; y < y1; y++)
        for (unsigned x = x0; x < x1; x++)
            put_pixel(s->base + (uint64_t)y * s->fb.pitch + (uint64_t)x * bytes, bytes, s->bg_pixel);
}

void fb_surface_clear_margins(struct fb_surface *s)
{
    if (!s->base || s->fb.type != BOOT_FB_RGB)
        return;
    unsigned text_w = s->columns * FONT_CELL_WIDTH, text_h = s->rows * FONT_CELL_HEIGHT;
    fill(s, text_w, 0, s->fb.width, s->fb.height);
    fill(s, 0, text_h, text_w, s->fb.height);
}
