/* kernel/lib/stack_protector.c - __stack_chk_guard and __stack_chk_fail (kernel/lib/
 * stack_protector.h says what they do). Built without -fstack-protector (Makefile, SANITIZE
 * block): __stack_chk_fail must not check its own frame.
 *
 * RDRAND: Intel SDM Vol. 1 §7.3.17 "Random Number Generator Instructions" (CPUID.01H:ECX[30];
 * CF = 1 when a value was delivered). QEMU's default CPU under TCG has no RDRAND: then the TSC
 * alone (boot time in cycles differs from run to run, which is all a teaching kernel needs).
 */
#include "kernel/lib/stack_protector.h"

#include <stdbool.h>

#include "arch/x86_64/cpu.h"
#include "include/wdm.h"

/* A fixed value until stack_protector_init() runs; its low byte is 0 so a string copy that
 * overruns stops at the cookie (the same trick glibc uses). */
uintptr_t __stack_chk_guard = 0x595e9fbd94fda700ull;

static bool rdrand64(uint64_t *value)
{
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    if (!(c & (1u << 30)))
        return false;
    for (int tries = 0; tries < 10; tries++) { /* the SDM's advice: retry a few times */
        unsigned char ok;
        __asm__ volatile("rdrand %0; setc %1" : "=r"(*value), "=qm"(ok));
        if (ok)
            return true;
    }
    return false;
}

void stack_protector_init(void)
{
    uint64_t guard = rdtsc() * 0x9E3779B97F4A7C15ull; /* spread the TSC's changing low bits */
    uint64_t random;
    if (rdrand64(&random))
        guard ^= random;
    guard &= ~0xFFull; /* keep the low byte 0 (see above) */
    if (!guard)
        guard = 0x595e9fbd94fda700ull;
    __stack_chk_guard = guard;
}

__attribute__((noreturn)) void __stack_chk_fail(void);
__attribute__((noreturn)) void __stack_chk_fail(void)
{
    /* Called from the overrunning function's epilogue: its frame (and so its name on the stop
     * screen) is still intact, even if what it overran was the frame of its caller. */
    uintptr_t where = (uintptr_t)__builtin_return_address(0);
    KeBugCheckEx(DRIVER_OVERRAN_STACK_BUFFER, where, __stack_chk_guard, ~__stack_chk_guard, 0);
}
