/* kernel/mm/kstack.h - kernel stacks with a guard page.
 *
 * Every kernel stack (each CPU's main stack and its IST stacks for #DF, NMI and #MC) lives in
 * the kernel-stack region of the address space with one unmapped 4 KiB page below it. A stack
 * overflow therefore touches the guard page and faults; the #PF cannot be delivered on the
 * overflowing stack, so the CPU raises #DF, which runs on its own IST stack and bugchecks
 * with UNEXPECTED_KERNEL_MODE_TRAP (0x7F, parameter 1 = 8), as Windows does.
 */
#ifndef IRQLAB_MM_KSTACK_H
#define IRQLAB_MM_KSTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KSTACK_DEFAULT_PAGES 4 /* 16 KiB */

/* Allocate a stack of `pages` 4 KiB pages plus its guard page. Returns the initial stack
 * pointer (the top, 16-byte aligned), or 0 when out of memory. */
uint64_t kstack_alloc(size_t pages);
void kstack_free(uint64_t top);

/* True if `address` lies in the guard page of any allocated kernel stack. */
bool kstack_is_guard_address(uint64_t address);
/* True if `address` lies inside the usable part of any allocated kernel stack; *bottom and
 * *top (optional) receive that stack's bounds. Used by the backtrace walker. */
bool kstack_find(uint64_t address, uint64_t *bottom, uint64_t *top);

#endif
