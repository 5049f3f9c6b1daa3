/* kernel/mm/mm.h - bringing up the memory manager (step 4 of kernel_main).
 *
 * Order matters and is the whole story of this file:
 *   1. pmm_init      frames: needs only the memory map (struct boot_info).
 *   2. paging_init   the kernel's page tables: needs frames for the tables.
 *   3. heap_init     kmalloc / ExAllocatePool2: needs frames and the final mapping.
 *   4. mm_run_on_guarded_stack: leave boot/entry.asm's stack (in .bss, with nothing below it
 *      but other .bss data) for a kstack_alloc() stack with a guard, so a stack overflow faults.
 */
#ifndef IRQLAB_MM_MM_H
#define IRQLAB_MM_MM_H

struct boot_info;

void mm_init(const struct boot_info *info);

/* Allocate the boot CPU's guarded kernel stack and call `continuation` on it. Never returns. */
__attribute__((noreturn)) void mm_run_on_guarded_stack(void (*continuation)(void));

#endif
