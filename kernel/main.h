/* kernel/main.h - entry points between boot/entry.asm, kernel_main and the rest. */
#ifndef IRQLAB_KERNEL_MAIN_H
#define IRQLAB_KERNEL_MAIN_H

#include <stdint.h>

#include "kernel/boot/bootinfo.h"

extern struct boot_info boot_info;

void kernel_main(uint32_t magic, uint32_t info);
/* The last step: the `irqlab>` shell on COM1 (kernel/shell/shell.c). Never returns. */
__attribute__((noreturn)) void kernel_idle_prompt(void);

#endif
