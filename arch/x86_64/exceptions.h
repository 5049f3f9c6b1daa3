/* arch/x86_64/exceptions.h - CPU exceptions (vectors 0-31) and the stop code each one becomes.
 *
 * Intel SDM Vol. 3A §6.15 "Exception and Interrupt Reference" (one entry per vector) and
 * Table 6-1 "Protected-Mode Exceptions and Interrupts".
 *
 * In irqlab every exception taken in the kernel is fatal, as in Windows when no debugger and
 * no __try handler is involved: exception_dispatch() turns it into the bugcheck Windows would
 * raise (see the table at the top of exceptions.c) and never returns.
 */
#ifndef IRQLAB_ARCH_EXCEPTIONS_H
#define IRQLAB_ARCH_EXCEPTIONS_H

#include <stdint.h>

#include "arch/x86_64/trap_frame.h"

enum x86_exception {
    X86_EXC_DIVIDE_ERROR = 0,       /* #DE */
    X86_EXC_DEBUG = 1,              /* #DB */
    X86_EXC_NMI = 2,
    X86_EXC_BREAKPOINT = 3,         /* #BP */
    X86_EXC_OVERFLOW = 4,           /* #OF */
    X86_EXC_BOUND_RANGE = 5,        /* #BR */
    X86_EXC_INVALID_OPCODE = 6,     /* #UD */
    X86_EXC_DEVICE_NOT_AVAILABLE = 7, /* #NM */
    X86_EXC_DOUBLE_FAULT = 8,       /* #DF */
    X86_EXC_INVALID_TSS = 10,       /* #TS */
    X86_EXC_SEGMENT_NOT_PRESENT = 11, /* #NP */
    X86_EXC_STACK_FAULT = 12,       /* #SS */
    X86_EXC_GENERAL_PROTECTION = 13, /* #GP */
    X86_EXC_PAGE_FAULT = 14,        /* #PF */
    X86_EXC_X87_FPU_ERROR = 16,     /* #MF */
    X86_EXC_ALIGNMENT_CHECK = 17,   /* #AC */
    X86_EXC_MACHINE_CHECK = 18,     /* #MC */
    X86_EXC_SIMD_FP = 19,           /* #XM */
    X86_EXC_VIRTUALIZATION = 20,    /* #VE */
    X86_EXC_CONTROL_PROTECTION = 21, /* #CP */
};

/* Page-fault error code bits (SDM §4.7 "Page-Fault Exceptions", Figure 4-12). */
#define X86_PF_PRESENT (1u << 0)  /* 0: page not present; 1: protection violation */
#define X86_PF_WRITE (1u << 1)    /* the access was a write */
#define X86_PF_USER (1u << 2)     /* the access came from CPL 3 */
#define X86_PF_RESERVED (1u << 3) /* a reserved bit was set in a paging-structure entry */
#define X86_PF_FETCH (1u << 4)    /* an instruction fetch */

/* Called by trap_dispatch() for vectors 0-31. Does not return. */
__attribute__((noreturn)) void exception_dispatch(struct trap_frame *frame);

/* "#PF" and "Page Fault" for vector 14; "??" / "Reserved" for reserved vectors. */
const char *exception_mnemonic(unsigned vector);
const char *exception_name(unsigned vector);

#endif
