/* kernel/ke/backtrace.h - walking the frame-pointer chain: "who called whom".
 *
 * System V AMD64 ABI §3.2.2 "The Stack Frame" with frame pointers (irqlab is built with
 * -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer): every function starts with
 * `push %rbp; mov %rsp, %rbp`, so at any moment
 *
 *     [rbp + 8]  the return address into the caller
 *     [rbp + 0]  the caller's rbp  -> the next link of the chain
 *
 * The chain ends at the zero return address boot/entry.asm pushes below kernel_main, and
 * crosses interrupts through the fake frame arch/x86_64/vectors.asm builds.
 *
 * A return address points at the instruction *after* the call, which may already belong to
 * the next function when the call was the last instruction (a call to a noreturn function),
 * so look it up at address - 1: backtrace_format_return_address() does that.
 */
#ifndef IRQLAB_KE_BACKTRACE_H
#define IRQLAB_KE_BACKTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Hard limit on links followed, whatever the chain looks like (a corrupt chain may loop). */
#define BACKTRACE_MAX_WALK 4096

struct backtrace_walker {
    uint64_t rbp;
    unsigned steps;
    /* Set by backtrace_walk_next: the address just returned is not a return address but the
     * RIP an interrupt or exception stopped (the link came through vectors.asm's fake call
     * frame), so it is exact and must not be looked up at address - 1. */
    bool interrupted;
    bool next_interrupted;
};

/* Start at frame pointer `rbp` (read_rbp(), or a trap frame's saved rbp). */
void backtrace_walk_begin(struct backtrace_walker *w, uint64_t rbp);
/* The next return address, outermost last; false at the end of the chain or at the first
 * link that is 0, misaligned or not readable memory. Never faults. */
bool backtrace_walk_next(struct backtrace_walker *w, uint64_t *return_address);

/* Up to `max` return addresses starting at `rbp` into pcs[]; returns how many. */
size_t backtrace_capture(uint64_t rbp, uint64_t *pcs, size_t max);

/* Can [address, address + size) be read without faulting? */
bool backtrace_readable(uint64_t address, size_t size);

/* A trap in a function that has not pushed RBP (yet) - its first instruction, or a small leaf
 * function that GCC compiled without a frame even though we ask for frame pointers - is not
 * in the RBP chain, so its caller would be missing from the backtrace. If the word at `rsp` is
 * the return address of a direct `call` to the function containing `rip`, return true and put
 * that return address in *return_address. Never faults. */
bool backtrace_frameless_caller(uint64_t rip, uint64_t rsp, uint64_t *return_address);

/* "caller+0x1c" for a return address (looked up at address - 1, printed as is). */
char *backtrace_format_return_address(uint64_t address, char *buf, size_t size);

#endif
