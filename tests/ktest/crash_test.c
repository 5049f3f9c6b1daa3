/* tests/ktest/crash_test.c - crash the kernel on purpose, one way per case (manual suite).
 *
 * Intel SDM Vol. 3A §6.15 "Exception and Interrupt Reference": each case raises one exception
 * and the kernel must answer with the stop screen Windows would show (arch/x86_64/exceptions.c
 * has the table). tests/e2e/test_bugcheck.py boots build/ktest.elf with `ktest=crash.<case>`
 * and checks the screen and QEMU's exit status 35. Run one by hand:
 *
 *     make run-ktest CMDLINE='ktest=crash.invalid_opcode'
 *
 * Every crash happens in its own named, never-inlined function (crash_<case>), so the stop
 * screen's RIP and backtrace name it. noipa also stops GCC from cloning it under another name
 * (crash_x.constprop.0) or proving the crash away.
 *
 * A case whose crash needs something that is not there yet (an unmapped page 0, a guarded
 * stack) fails with a message instead of crashing, so the e2e test can say why.
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "include/wdm.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/mm/kstack.h"
#include "kernel/mm/paging.h"
#include "tests/ktest/ktest.h"

/* A crash site: its own symbol, never inlined, cloned or optimised across. */
#define CRASH_SITE __attribute__((noipa))

/* An address no page table maps, before or after kernel/mm/paging.c: far above the 4 GiB the
 * boot page tables map and above any RAM QEMU gives us, and canonical (bits 63:47 all zero), so
 * the access is a #PF and not a #GP. Careful: the tempting 0x0000dead00000000 is NOT canonical
 * - 0xdead sits in bits 47:32, and its top bit is bit 47 - and raises a #GP. */
#define CRASH_UNMAPPED_ADDRESS 0x00000dead0000000ull
/* Bits 63:47 not all equal: any access is a #GP before paging is even consulted. */
#define CRASH_NONCANONICAL_ADDRESS 0xdead000000000000ull

static bool crash_address_is_mapped(uint64_t address) { return paging_is_mapped(address, false); }

static void crash_did_not_stop(struct ktest *t, const char *what)
{
    ktest_fail(t, __FILE__, __LINE__, "%s did not stop the kernel", what);
}

/* ---- #PF: a write through a NULL pointer (0x50, P1 = 0, P2 = 2) ---- */

static CRASH_SITE void crash_page_fault(void)
{
    volatile uint64_t *null_pointer = (volatile uint64_t *)0;
    *null_pointer = 0x1234;
}

static void page_fault(struct ktest *t)
{
    if (crash_address_is_mapped(0)) {
        ktest_fail(t, __FILE__, __LINE__,
                   "page 0 is mapped, so a NULL write would not fault: this needs kernel/mm/paging.c "
                   "(paging_init unmaps page 0); crash.page_fault_unmapped works without it");
        return;
    }
    crash_page_fault();
    crash_did_not_stop(t, "a NULL write");
}

/* ---- #PF: a write to a canonical but unmapped address (0x50, P1 = 0xdead0000000) ---- */

static CRASH_SITE void crash_page_fault_unmapped(void)
{
    volatile uint64_t *p = (volatile uint64_t *)CRASH_UNMAPPED_ADDRESS;
    *p = 0x1234;
}

static void page_fault_unmapped(struct ktest *t)
{
    if (crash_address_is_mapped(CRASH_UNMAPPED_ADDRESS)) {
        ktest_fail(t, __FILE__, __LINE__, "0x%llx is mapped; pick another address",
                   (unsigned long long)CRASH_UNMAPPED_ADDRESS);
        return;
    }
    crash_page_fault_unmapped();
    crash_did_not_stop(t, "a write to an unmapped address");
}

/* ---- #PF at DISPATCH_LEVEL (0x0A IRQL_NOT_LESS_OR_EQUAL, P2 = 2, P3 = 1) ---- */

static CRASH_SITE void crash_irql_page_fault(void)
{
    /* CR8 is the IRQL on x64; set it directly so this test needs nothing from the IRQL code. */
    write_cr8(2);
    volatile uint64_t *p = (volatile uint64_t *)CRASH_UNMAPPED_ADDRESS;
    *p = 0x1234;
}

static void irql_page_fault(struct ktest *t)
{
    crash_irql_page_fault();
    write_cr8(0);
    crash_did_not_stop(t, "a page fault at DISPATCH_LEVEL");
}

/* ---- #UD (0x1E, P1 = STATUS_ILLEGAL_INSTRUCTION) ---- */

static CRASH_SITE void crash_invalid_opcode(void) { __asm__ volatile("ud2"); }

static void invalid_opcode(struct ktest *t)
{
    crash_invalid_opcode();
    crash_did_not_stop(t, "ud2");
}

/* ---- #GP (0x1E, P1 = STATUS_ACCESS_VIOLATION, P4 = -1) ---- */

static CRASH_SITE uint64_t crash_general_protection(void)
{
    volatile uint64_t *p = (volatile uint64_t *)CRASH_NONCANONICAL_ADDRESS;
    return *p;
}

static void general_protection(struct ktest *t)
{
    crash_general_protection();
    crash_did_not_stop(t, "a non-canonical read");
}

/* ---- #DE (0x1E, P1 = STATUS_INTEGER_DIVIDE_BY_ZERO) ---- */

static CRASH_SITE unsigned crash_divide_error(void)
{
    volatile unsigned zero = 0;
    return 100u / zero;
}

static void divide_error(struct ktest *t)
{
    crash_divide_error();
    crash_did_not_stop(t, "a division by zero");
}

/* ---- #BP (0x1E, P1 = STATUS_BREAKPOINT): no debugger, so an int3 is fatal ---- */

static CRASH_SITE void crash_breakpoint(void) { __asm__ volatile("int3"); }

static void breakpoint(struct ktest *t)
{
    crash_breakpoint();
    crash_did_not_stop(t, "int3");
}

/* ---- kernel stack overflow: #PF on the guard page -> #DF on IST1 (0x7F, P1 = 8) ---- */

static CRASH_SITE uint64_t crash_stack_overflow(uint64_t depth)
{
    volatile uint8_t frame_filler[200]; /* ~256 bytes a level: the 16 KiB stack lasts ~64 calls */
    frame_filler[0] = (uint8_t)depth;
    if (depth == UINT64_MAX) /* never true; keeps GCC's -Winfinite-recursion quiet */
        return 0;
    return crash_stack_overflow(depth + 1) + frame_filler[0];
}

static void stack_overflow(struct ktest *t)
{
    /* Only a stack with an unmapped guard page below it turns an overflow into a clean #DF.
     * The boot stack (boot/entry.asm) has none: recursing there would overwrite the page tables
     * below it, and the machine would reset instead of showing a stop screen. */
    uint64_t rsp;
    __asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
    if (!kstack_find(rsp, NULL, NULL)) {
        ktest_fail(t, __FILE__, __LINE__,
                   "RSP 0x%llx is not on a guarded kernel stack (kstack_find), so an overflow would "
                   "corrupt memory instead of faulting: this needs kernel/mm/kstack.c and kernel_main "
                   "running on a kstack_alloc() stack",
                   (unsigned long long)rsp);
        return;
    }
    crash_stack_overflow(0);
    crash_did_not_stop(t, "unbounded recursion");
}

/* ---- a double fault: a #PF that cannot be delivered (0x7F, P1 = 8) ---- */

static CRASH_SITE void crash_double_fault(void)
{
    /* Point RSP at unmapped memory and push. The push faults (#PF); to deliver that #PF the CPU
     * must push its frame on the same stack (#PF has no IST stack), which faults again: a
     * fault while delivering a fault is a double fault, and #DF runs on IST1, which works.
     * This is exactly what a kernel stack overflow into a guard page looks like. */
    __asm__ volatile("mov %0, %%rsp\n\t"
                     "push %%rax"
                     :
                     : "r"(CRASH_UNMAPPED_ADDRESS + 0x1000)
                     : "memory");
}

static void double_fault(struct ktest *t)
{
    crash_double_fault();
    crash_did_not_stop(t, "a push to an unmapped stack");
}

/* ---- a direct call: KeBugCheckEx(MANUALLY_INITIATED_CRASH, 1, 2, 3, 4) ---- */

static CRASH_SITE void crash_bugcheck_call(void) { KeBugCheckEx(MANUALLY_INITIATED_CRASH, 1, 2, 3, 4); }

static void bugcheck_call(struct ktest *t)
{
    crash_bugcheck_call();
    crash_did_not_stop(t, "KeBugCheckEx");
}

/* ---- NMI and #MC through their IST stacks, raised in software (int $2 / int $18) ---- */

static CRASH_SITE void crash_nmi(void) { __asm__ volatile("int $2"); }

static void nmi(struct ktest *t)
{
    crash_nmi();
    crash_did_not_stop(t, "int $2");
}

static CRASH_SITE void crash_machine_check(void) { __asm__ volatile("int $18"); }

static void machine_check(struct ktest *t)
{
    crash_machine_check();
    crash_did_not_stop(t, "int $18");
}

/* ---- writing into kernel code, executing data: page protections, 0xBE and 0xFC ---- */

static CRASH_SITE void crash_write_text(void)
{
    volatile uint8_t *code = (volatile uint8_t *)(uintptr_t)&crash_write_text;
    *code = 0xC3; /* .text is mapped read-only */
}

static void write_text(struct ktest *t)
{
    crash_write_text();
    crash_did_not_stop(t, "a write into .text");
}

static uint8_t crash_data_code[16] = {0xC3}; /* "ret" - but .data is mapped no-execute */

static CRASH_SITE void crash_execute_data(void)
{
    void (*fn)(void) = (void (*)(void))(uintptr_t)crash_data_code;
    fn();
}

static void execute_data(struct ktest *t)
{
    crash_execute_data();
    crash_did_not_stop(t, "a call into .data");
}

/* ---- on another CPU: a DPC aimed at the last CPU writes to an unmapped address ----
 * It runs at DISPATCH_LEVEL, so the stop code is 0xA; the screen must name that CPU, and the
 * other CPUs must be frozen (NMI) rather than carry on printing. */

static CRASH_SITE VOID crash_dpc_on_other_cpu(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    volatile uint64_t *p = (volatile uint64_t *)CRASH_UNMAPPED_ADDRESS;
    *p = 0xbad;
}

static void other_cpu(struct ktest *t)
{
    ULONG cpus = KeQueryActiveProcessorCountEx(0);
    if (cpus < 2) {
        ktest_fail(t, __FILE__, __LINE__, "needs QEMU -smp 2 or more");
        return;
    }
    static KDPC dpc;
    KeInitializeDpc(&dpc, crash_dpc_on_other_cpu, NULL);
    KeSetTargetProcessorDpc(&dpc, (CHAR)(cpus - 1));
    KeInsertQueueDpc(&dpc, NULL, NULL);
    for (;;)
        KeStallExecutionProcessor(1000); /* the other CPU's stop screen ends QEMU */
}

KTEST_MANUAL_SUITE(crash, KTEST_CASE(page_fault), KTEST_CASE(page_fault_unmapped), KTEST_CASE(irql_page_fault),
                   KTEST_CASE(invalid_opcode), KTEST_CASE(general_protection), KTEST_CASE(divide_error),
                   KTEST_CASE(breakpoint), KTEST_CASE(double_fault), KTEST_CASE(stack_overflow), KTEST_CASE(bugcheck_call), KTEST_CASE(nmi),
                   KTEST_CASE(machine_check), KTEST_CASE(other_cpu),
                   KTEST_CASE(write_text), KTEST_CASE(execute_data));
