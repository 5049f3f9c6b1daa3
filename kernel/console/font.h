/* kernel/console/font.h - the framebuffer console's built-in font (kernel/console/font.c):
 * cells of 8 x 16 pixels for printable ASCII. */
#ifndef IRQLAB_CONSOLE_FONT_H
#define IRQLAB_CONSOLE_FONT_H

#include <stdint.h>

#define FONT_CELL_WIDTH 8
#define FONT_CELL_HEIGHT 16
#define FONT_DESIGN_ROWS 8 /* each drawn twice: 8 x 2 = FONT_CELL_HEIGHT */
#define FONT_FIRST 0x20
#define FONT_LAST 0x7E

/* Pixel row `pixel_row` (0 = top) of the cell for `c`: bit 7 is the leftmost pixel. Characters
 * outside 0x20-0x7E are drawn as '?'. */
uint8_t font_row(char c, unsigned pixel_row);

#endif
