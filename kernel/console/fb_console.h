/* kernel/console/fb_console.h - the console on the screen: a copy of everything COM1 shows.
 *
 * GRUB sets up a screen for irqlab because boot/entry.asm asks for one (Multiboot2 framebuffer
 * tag): a linear framebuffer from UEFI's Graphics Output Protocol or VESA, or the VGA text mode
 * when there is no graphics mode. kernel/console/console.c hands every character it sends to
 * COM1 to fb_console_putc() too, so the boot log, the prompt, what the student types and the
 * stop screen appear on the screen as on the serial console. With QEMU -kernel (PVH) there is no
 * framebuffer tag and nothing here runs.
 *
 * Text first goes into a grid of characters; the grid is drawn once the framebuffer is mapped
 * (fb_console_map, after the kernel's page tables exist), so the lines printed before that are
 * on the screen too. When the grid is full it moves up by half a screen at once ("jump scroll"):
 * one redraw per half screen of text rather than one per line keeps a long test log cheap under
 * QEMU's TCG and on an uncached framebuffer.
 */
#ifndef IRQLAB_CONSOLE_FB_CONSOLE_H
#define IRQLAB_CONSOLE_FB_CONSOLE_H

#include <stdbool.h>

struct boot_framebuffer;

/* Take the loader's framebuffer (a copy is kept); text is kept in the grid from now on. No-op for
 * BOOT_FB_NONE / BOOT_FB_UNSUPPORTED, and with fbcon=off on the command line. */
void fb_console_attach(const struct boot_framebuffer *fb);
/* Map the framebuffer (uncached, kernel/mm/paging.h) and draw what the grid holds. */
void fb_console_map(void);
/* One character from the console (its lock is held, or panic mode is on). */
void fb_console_putc(char c);
/* The stop screen: white on blue from a clean screen, like Windows' (kernel/ke/bugcheck.c). */
void fb_console_enter_panic(void);
/* True once characters reach the screen. */
bool fb_console_active(void);
/* For the banner: "1024x768x32 framebuffer, 128x48 text" or "VGA text 80x25"; "" if none. */
const char *fb_console_describe(void);

#endif
