/* kernel/lib/stack_protector.h - the runtime of -fstack-protector-strong (make SANITIZE=1).
 *
 * GCC puts a copy of __stack_chk_guard (-mstack-protector-guard=global) below the saved frame
 * pointer of every function with an array or an address-taken local, and calls
 * __stack_chk_fail if the copy changed when the function returns: something wrote past the end
 * of a buffer on the stack. irqlab stops then with Windows' code for its /GS check,
 * DRIVER_OVERRAN_STACK_BUFFER (0xF7; learn.microsoft.com "Bug Check 0xF7"):
 *
 *   P1  where in the overrunning function the check failed (the return address of its call to
 *       __stack_chk_fail). Windows' P1 is the cookie found on the stack, but GCC's check does
 *       not pass it on, and where GCC keeps it in the frame varies (docs/differences.md).
 *   P2  the expected cookie (__stack_chk_guard)
 *   P3  its complement (~P2), as Windows gives it
 *   P4  0
 *
 * The default build has no checks; the guard is still set at boot (harmless).
 */
#ifndef IRQLAB_LIB_STACK_PROTECTOR_H
#define IRQLAB_LIB_STACK_PROTECTOR_H

#include <stdint.h>

/* Pick the guard from RDRAND (if the CPU has it) mixed with the TSC. Called first thing in
 * kernel_main, which is built without a canary: a frame live across the change would fail. */
void stack_protector_init(void);

extern uintptr_t __stack_chk_guard;

#endif
