/* tests/ktest/trap_test.c - an interrupt must leave the interrupted code exactly as it was.
 *
 * Intel SDM Vol. 3A §6.14.2 "64-Bit Mode Stack Frame" and §6.14.3 "IRET in IA-32e Mode".
 * arch/x86_64/vectors.asm saves 15 registers, calls C, restores them and executes iretq; one
 * register restored from the wrong slot would corrupt whatever code the interrupt hit, at
 * random. So: load every general-purpose register with a distinct value, take a software
 * interrupt, and compare.
 *
 * Vector 0xFF: the local APIC's spurious-interrupt vector, which the interrupt core's
 * dispatcher (kernel/ke/dispatch.c) only counts and returns from.
 */
#include <stdint.h>

#include "tests/ktest/ktest.h"

#define TRAP_TEST_REGS 16 /* 14 GPRs + rsp + rbp, in the order stored below */

void trap_test_int_roundtrip(uint64_t *out);

/* out[0..13] = rax rbx rcx rdx rsi rdi r8-r15 after `int $0xff`; out[14] = RSP before minus
 * RSP after; out[15] = RBP before minus RBP after. Each register was loaded with 0x1111...
 * times (index + 1) before the interrupt. Written in assembly because C cannot pin all of them. */
__asm__(".pushsection .text\n"
        ".globl trap_test_int_roundtrip\n"
        ".type trap_test_int_roundtrip, @function\n"
        "trap_test_int_roundtrip:\n"
        "    push %rbp\n"
        "    mov %rsp, %rbp\n"
        "    push %rbx\n"
        "    push %r12\n"
        "    push %r13\n"
        "    push %r14\n"
        "    push %r15\n"
        "    push %rdi\n"                  /* the out pointer, fetched back after the int */
        "    mov %rsp, %r11\n"
        "    push %r11\n"                  /* RSP before, for the comparison */
        "    push %rbp\n"                  /* RBP before */
        "    movabs $0x1111111111111111, %rax\n"
        "    movabs $0x2222222222222222, %rbx\n"
        "    movabs $0x3333333333333333, %rcx\n"
        "    movabs $0x4444444444444444, %rdx\n"
        "    movabs $0x5555555555555555, %rsi\n"
        "    movabs $0x6666666666666666, %rdi\n"
        "    movabs $0x7777777777777777, %r8\n"
        "    movabs $0x8888888888888888, %r9\n"
        "    movabs $0x9999999999999999, %r10\n"
        "    movabs $0xaaaaaaaaaaaaaaaa, %r11\n"
        "    movabs $0xbbbbbbbbbbbbbbbb, %r12\n"
        "    movabs $0xcccccccccccccccc, %r13\n"
        "    movabs $0xdddddddddddddddd, %r14\n"
        "    movabs $0xeeeeeeeeeeeeeeee, %r15\n"
        "    int $0xff\n"
        "    push %rdi\n"                  /* free a register for the out pointer */
        "    mov 24(%rsp), %rdi\n"         /* [rsp]=rdi after, [+8]=rbp before, [+16]=rsp before, [+24]=out */
        "    mov %rax, 0(%rdi)\n"
        "    mov %rbx, 8(%rdi)\n"
        "    mov %rcx, 16(%rdi)\n"
        "    mov %rdx, 24(%rdi)\n"
        "    mov %rsi, 32(%rdi)\n"
        "    pop %rax\n"
        "    mov %rax, 40(%rdi)\n"         /* rdi after */
        "    mov %r8, 48(%rdi)\n"
        "    mov %r9, 56(%rdi)\n"
        "    mov %r10, 64(%rdi)\n"
        "    mov %r11, 72(%rdi)\n"
        "    mov %r12, 80(%rdi)\n"
        "    mov %r13, 88(%rdi)\n"
        "    mov %r14, 96(%rdi)\n"
        "    mov %r15, 104(%rdi)\n"
        "    lea 16(%rsp), %rax\n"         /* RSP now, at the slot where it was taken */
        "    mov 8(%rsp), %rcx\n"
        "    sub %rax, %rcx\n"
        "    mov %rcx, 112(%rdi)\n"        /* RSP before - RSP after: 0 */
        "    mov 0(%rsp), %rcx\n"
        "    sub %rbp, %rcx\n"
        "    mov %rcx, 120(%rdi)\n"        /* RBP before - RBP after: 0 */
        "    add $24, %rsp\n"
        "    pop %r15\n"
        "    pop %r14\n"
        "    pop %r13\n"
        "    pop %r12\n"
        "    pop %rbx\n"
        "    pop %rbp\n"
        "    ret\n"
        ".size trap_test_int_roundtrip, . - trap_test_int_roundtrip\n"
        ".popsection\n");

static void int_preserves_registers(struct ktest *t)
{
    KTEST_SKIP_UNDER_KVM(t);
    static const char *const names[TRAP_TEST_REGS] = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8",  "r9",
                                                      "r10", "r11", "r12", "r13", "r14", "r15", "rsp", "rbp"};
    uint64_t out[TRAP_TEST_REGS] = {0};
    trap_test_int_roundtrip(out);
    for (unsigned i = 0; i < 14; i++) {
        uint64_t expected = 0x1111111111111111ull * (i + 1);
        if (out[i] != expected)
            ktest_fail(t, __FILE__, __LINE__, "%s is 0x%016llx after int $0xff, was 0x%016llx", names[i],
                       (unsigned long long)out[i], (unsigned long long)expected);
    }
    for (unsigned i = 14; i < TRAP_TEST_REGS; i++)
        if (out[i] != 0)
            ktest_fail(t, __FILE__, __LINE__, "%s moved by %lld bytes across int $0xff", names[i], (long long)out[i]);
}

/* Many in a row: a stub that leaked or over-popped one word per interrupt would drift. */
static void int_many_times(struct ktest *t)
{
    KTEST_SKIP_UNDER_KVM(t);
    uint64_t out[TRAP_TEST_REGS];
    for (unsigned round = 0; round < 1000; round++) {
        trap_test_int_roundtrip(out);
        if (out[14] != 0 || out[15] != 0 || out[0] != 0x1111111111111111ull) {
            ktest_fail(t, __FILE__, __LINE__, "round %u: rsp/rbp/rax changed", round);
            return;
        }
    }
}

KTEST_SUITE(trap, KTEST_CASE(int_preserves_registers), KTEST_CASE(int_many_times));
