/* kernel/main.h - entry points between boot/entry.asm, kernel_main and the rest. */
#ifndef IRQLAB_KERNEL_MAIN_H
#define IRQLAB_KERNEL_MAIN_H

#include <stdint.h>

#include "kernel/boot/bootinfo.h"

extern struct boot_info boot_info;

void kernel_main(uint32_t magic, uint32_t info);
/* Until the interrupt-driven shell exists: a polled prompt on COM1 (help, poweroff, ...). */
__attribute__((noreturn)) void kernel_idle_prompt(void);

#endif
