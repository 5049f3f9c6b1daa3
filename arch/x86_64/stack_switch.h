/* arch/x86_64/stack_switch.h - run a function on another stack (stack_switch.asm). */
#ifndef IRQLAB_ARCH_STACK_SWITCH_H
#define IRQLAB_ARCH_STACK_SWITCH_H

#include <stdint.h>

/* Switch RSP to `stack_top` (16-byte aligned) and call fn() there with a zero return address
 * below it, so backtraces end at fn. The current stack is abandoned; never returns. */
__attribute__((noreturn)) void stack_switch_call(uint64_t stack_top, void (*fn)(void));

#endif
