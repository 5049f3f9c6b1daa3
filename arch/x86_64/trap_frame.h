/* arch/x86_64/trap_frame.h - what the stack holds while C code handles an interrupt.
 *
 * Intel SDM Vol. 3A §6.14.2 "64-Bit Mode Stack Frame" (the five words the CPU pushes) and
 * §6.13 "Error Code" (the sixth word, pushed only for some exceptions).
 *
 * Reading from the lowest address (where RSP points when trap_dispatch() is called) upwards:
 *
 *     r15 ... rax       pushed by trap_common_entry (arch/x86_64/vectors.asm)
 *     vector            pushed by the vector's own stub
 *     error_code        pushed by the CPU, or a dummy 0 pushed by the stub so that every
 *                       frame has the same shape
 *     rip cs rflags     pushed by the CPU: where the interrupted code continues
 *     rsp ss            pushed by the CPU: in 64-bit mode always, even without a stack switch
 *
 * The offsets are used by hand in vectors.asm (TF_* constants), so any change here must be
 * mirrored there; the _Static_asserts below fail the build if the two drift apart.
 */
#ifndef IRQLAB_ARCH_TRAP_FRAME_H
#define IRQLAB_ARCH_TRAP_FRAME_H

#include <stddef.h>
#include <stdint.h>

struct trap_frame {
    /* General-purpose registers, saved by trap_common_entry in the reverse order. */
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    /* Pushed by the stub. */
    uint64_t vector;
    uint64_t error_code;
    /* Pushed by the CPU. */
    uint64_t rip;
    uint64_t cs;
    uint64_t rflags;
    uint64_t rsp;
    uint64_t ss;
};

/* Keep in sync with the TF_* equates in arch/x86_64/vectors.asm. */
_Static_assert(offsetof(struct trap_frame, r15) == 0, "r15 is pushed last");
_Static_assert(offsetof(struct trap_frame, rbp) == 64, "TF_RBP in vectors.asm");
_Static_assert(offsetof(struct trap_frame, rax) == 112, "rax is pushed first");
_Static_assert(offsetof(struct trap_frame, vector) == 120, "TF_VECTOR in vectors.asm");
_Static_assert(offsetof(struct trap_frame, error_code) == 128, "TF_ERROR_CODE in vectors.asm");
_Static_assert(offsetof(struct trap_frame, rip) == 136, "TF_RIP in vectors.asm");
_Static_assert(offsetof(struct trap_frame, cs) == 144, "CPU frame starts at RIP");
_Static_assert(offsetof(struct trap_frame, rsp) == 160, "CPU pushes RSP after RFLAGS");
_Static_assert(sizeof(struct trap_frame) == 176, "TF_SIZE in vectors.asm; a multiple of 16");

#endif
