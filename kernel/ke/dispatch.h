/* kernel/ke/dispatch.h - the one C entry point for every device and system interrupt. */
#ifndef IRQLAB_KE_DISPATCH_H
#define IRQLAB_KE_DISPATCH_H

struct trap_frame;

/* Called by trap_dispatch (arch/x86_64/trap.c) for vectors 0x20-0xFF, interrupts disabled. */
void ke_dispatch_interrupt(struct trap_frame *frame);

#endif
