/* arch/x86_64/exceptions.c - turn a CPU exception into the stop code Windows would show.
 *
 * Intel SDM Vol. 3A §6.15 "Exception and Interrupt Reference"; §4.7 "Page-Fault Exceptions"
 * for the #PF error code; Vol. 3B §16 "Machine-Check Architecture" (IA32_MCG_CAP, MCi_STATUS).
 * Stop codes and parameters: learn.microsoft.com, "Bug Check Code Reference".
 *
 *   vector              stop code                          parameters
 *   #PF 14, IRQL < 2    0x50 PAGE_FAULT_IN_NONPAGED_AREA   CR2, 0/2/0x10 (read/write/execute),
 *     not present                                          RIP, 2 (no valid page-table entry)
 *   #PF, write to a     0xBE ATTEMPTED_WRITE_TO_READONLY_MEMORY   CR2, the page-table entry, 0, 0
 *     read-only page
 *   #PF, fetch from a   0xFC ATTEMPTED_EXECUTE_OF_NOEXECUTE_MEMORY CR2, the page-table entry, 0, 0
 *     no-execute page
 *   #PF in special pool 0xD6 DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION  CR2, 0 read / 1 write, RIP,
 *     (verifier=special)                                   the block (kernel/mm/pool_special.h)
 *   #PF 14, IRQL >= 2   0x0A IRQL_NOT_LESS_OR_EQUAL        CR2, IRQL, bit 0 write | bit 3 exec, RIP
 *   #DE 0               0x1E KMODE_EXCEPTION_NOT_HANDLED   0xC0000094, RIP, 0, 0  (P1 sign-extended:
 *                                                          0xFFFFFFFFC0000094, as on x64 Windows)
 *   #BP 3               0x1E                               0x80000003, address of the int3, 0, 0
 *   #UD 6               0x1E                               0xC000001D, RIP, 0, 0
 *   #GP 13              0x1E                               0xC0000005, RIP, 0, 0xFFFFFFFFFFFFFFFF
 *   #AC 17              0x1E                               0x80000002, RIP, 0, 0
 *   NMI 2               0x80 NMI_HARDWARE_FAILURE          0, 0, 0, 0 (Windows documents none)
 *   #MC 18              0x9C MACHINE_CHECK_EXCEPTION       bank, 0 (no MCA_EXCEPTION record),
 *                                                          MCi_STATUS bits 63:32, bits 31:0
 *   #DF 8, and every    0x7F UNEXPECTED_KERNEL_MODE_TRAP   vector, 0, 0, 0 (Windows: reserved)
 *   other vector 0-31
 *
 * Parameter 4 of 0x50: Windows documents 0x2 NONPAGED_BUGCHECK_NOT_PRESENT_PAGE_TABLE ("no
 * valid page table entry"), which is exactly a not-present fault. A fault on a page that *is*
 * mapped but forbids the access raises Windows' own stop codes for that: 0xBE for a write to
 * read-only memory (e.g. writing into .text), 0xFC for executing no-execute memory (e.g.
 * jumping into the heap). A reserved-bit fault (a corrupt page table) stays 0x50 with P4 = 3.
 *
 * All exceptions are fatal here; exception_dispatch() never returns.
 */
#include "arch/x86_64/exceptions.h"

#include <stdbool.h>

#include "arch/x86_64/cpu.h"
#include "include/ntstatus.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/mm/paging.h"
#include "kernel/mm/pool_special.h"
#include "kernel/mm/pool_track.h"

/* DISPATCH_LEVEL from wdm.h: at or above it, a page fault cannot be serviced. */
#define EXC_DISPATCH_LEVEL 2

/* 0x50, parameter 2: the kind of access (x64 values since Windows 10 1507). */
#define PF50_READ 0x0u
#define PF50_WRITE 0x2u
#define PF50_EXECUTE 0x10u
/* 0x50, parameter 4 (see the comment at the top). */
#define PF50_NOT_PRESENT 0x2u
#define PF50_PROTECTION 0x3u
/* 0x0A, parameter 3: a bit field. */
#define IRQL0A_WRITE (1u << 0)
#define IRQL0A_EXECUTE (1u << 3)
/* 0x1E, parameter 4 for a #GP: the faulting address cannot be known. */
#define KMODE_ADDRESS_UNKNOWN 0xFFFFFFFFFFFFFFFFull

#define MSR_IA32_MCG_CAP 0x179u
#define MSR_IA32_MC0_STATUS 0x401u /* MCi_STATUS = 0x401 + 4 * i */
#define MCI_STATUS_VAL (1ull << 63)
#define CPUID_1_EDX_MCA (1u << 14)

static const struct {
    const char *mnemonic;
    const char *name;
} exception_names[32] = {
    [0] = {"#DE", "Divide Error"},
    [1] = {"#DB", "Debug"},
    [2] = {"NMI", "Non-Maskable Interrupt"},
    [3] = {"#BP", "Breakpoint"},
    [4] = {"#OF", "Overflow"},
    [5] = {"#BR", "BOUND Range Exceeded"},
    [6] = {"#UD", "Invalid Opcode"},
    [7] = {"#NM", "Device Not Available"},
    [8] = {"#DF", "Double Fault"},
    [9] = {"--", "Coprocessor Segment Overrun"},
    [10] = {"#TS", "Invalid TSS"},
    [11] = {"#NP", "Segment Not Present"},
    [12] = {"#SS", "Stack-Segment Fault"},
    [13] = {"#GP", "General Protection"},
    [14] = {"#PF", "Page Fault"},
    [16] = {"#MF", "x87 Floating-Point Error"},
    [17] = {"#AC", "Alignment Check"},
    [18] = {"#MC", "Machine Check"},
    [19] = {"#XM", "SIMD Floating-Point Exception"},
    [20] = {"#VE", "Virtualization Exception"},
    [21] = {"#CP", "Control Protection"},
    [28] = {"#HV", "Hypervisor Injection"},
    [29] = {"#VC", "VMM Communication"},
    [30] = {"#SX", "Security Exception"},
};

const char *exception_mnemonic(unsigned vector)
{
    return vector < 32 && exception_names[vector].mnemonic ? exception_names[vector].mnemonic : "??";
}

const char *exception_name(unsigned vector)
{
    return vector < 32 && exception_names[vector].name ? exception_names[vector].name : "Reserved";
}

__attribute__((noreturn)) static void exception_page_fault(const struct trap_frame *frame)
{
    /* CR2 holds the address the CPU tried to use; read it before anything else could fault. */
    uint64_t address = read_cr2();
    uint64_t irql = read_cr8();
    bool write = frame->error_code & X86_PF_WRITE;
    bool execute = frame->error_code & X86_PF_FETCH;

    /* verifier=special: an access past a special-pool block hit its guard page. Checked before the
     * IRQL rule, as Windows does: the overrun is the news, whatever the IRQL. P4 = the block. */
    struct pool_special_block block;
    void *freer;
    if (pool_special_freed(address, &block, &freer)) /* its block was freed: a use after free, by ... */
        bugcheck_from_trap(pool_track_is_driver_code(frame->rip) ? DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL /* a driver */
                                                                 : PAGE_FAULT_IN_FREED_SPECIAL_POOL,       /* the kernel */
                           address, write ? 1 : 0, frame->rip, 0, frame);
    if (pool_special_find(address, &block))
        bugcheck_from_trap(DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION, address, write ? 1 : 0, frame->rip,
                           block.address, frame);

    if (irql >= EXC_DISPATCH_LEVEL)
        bugcheck_from_trap(IRQL_NOT_LESS_OR_EQUAL, address, irql,
                           (write ? IRQL0A_WRITE : 0) | (execute ? IRQL0A_EXECUTE : 0), frame->rip, frame);

    /* A mapped page that forbids this access: Windows' dedicated stop codes. */
    struct paging_info page;
    bool present = frame->error_code & X86_PF_PRESENT;
    bool reserved = frame->error_code & X86_PF_RESERVED;
    if (present && !reserved && paging_query(address, &page)) {
        if (execute && !page.executable)
            bugcheck_from_trap(ATTEMPTED_EXECUTE_OF_NOEXECUTE_MEMORY, address, page.entry, 0, 0, frame);
        if (write && !page.writable)
            bugcheck_from_trap(ATTEMPTED_WRITE_TO_READONLY_MEMORY, address, page.entry, 0, 0, frame);
    }

    uint64_t access = execute ? PF50_EXECUTE : write ? PF50_WRITE : PF50_READ;
    uint64_t kind = present ? PF50_PROTECTION : PF50_NOT_PRESENT;
    bugcheck_from_trap(PAGE_FAULT_IN_NONPAGED_AREA, address, access, frame->rip, kind, frame);
}

__attribute__((noreturn)) static void exception_unhandled(NTSTATUS status, uint64_t address, uint64_t p3, uint64_t p4,
                                                          const struct trap_frame *frame)
{
    /* NTSTATUS is a 32-bit LONG; as a ULONG_PTR it is sign-extended, which is why x64 Windows
     * shows 0x1E's parameter 1 as 0xFFFFFFFFC0000005 rather than 0xC0000005. */
    bugcheck_from_trap(KMODE_EXCEPTION_NOT_HANDLED, (uint64_t)(int64_t)status, address, p3, p4, frame);
}

/* Find the machine-check bank that holds the error (MCi_STATUS.VAL set), if the CPU has the
 * machine-check architecture at all. A software `int $18` finds none: bank 0, status 0. */
__attribute__((noreturn)) static void exception_machine_check(const struct trap_frame *frame)
{
    uint64_t bank = 0, status = 0;
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    if (d & CPUID_1_EDX_MCA) {
        unsigned banks = (unsigned)(rdmsr(MSR_IA32_MCG_CAP) & 0xFF);
        for (unsigned i = 0; i < banks; i++) {
            uint64_t s = rdmsr(MSR_IA32_MC0_STATUS + 4 * i);
            if (s & MCI_STATUS_VAL) {
                bank = i;
                status = s;
                break;
            }
        }
    }
    bugcheck_from_trap(MACHINE_CHECK_EXCEPTION, bank, 0, status >> 32, status & 0xFFFFFFFFu, frame);
}

void exception_dispatch(struct trap_frame *frame)
{
    switch (frame->vector) {
    case X86_EXC_PAGE_FAULT:
        exception_page_fault(frame);
    case X86_EXC_DIVIDE_ERROR:
        exception_unhandled(STATUS_INTEGER_DIVIDE_BY_ZERO, frame->rip, 0, 0, frame);
    case X86_EXC_BREAKPOINT:
        /* int3 is a trap: RIP already points past the one-byte 0xCC. Windows reports the
         * address of the breakpoint instruction itself. */
        exception_unhandled(STATUS_BREAKPOINT, frame->rip - 1, 0, 0, frame);
    case X86_EXC_INVALID_OPCODE:
        exception_unhandled(STATUS_ILLEGAL_INSTRUCTION, frame->rip, 0, 0, frame);
    case X86_EXC_GENERAL_PROTECTION:
        /* A #GP does not say which address was bad (non-canonical, or none at all for a bad
         * selector or privileged instruction); Windows reports "unknown" as all ones. */
        exception_unhandled(STATUS_ACCESS_VIOLATION, frame->rip, 0, KMODE_ADDRESS_UNKNOWN, frame);
    case X86_EXC_ALIGNMENT_CHECK:
        exception_unhandled(STATUS_DATATYPE_MISALIGNMENT, frame->rip, 0, 0, frame);
    case X86_EXC_NMI:
        if (bugcheck_in_progress())
            cpu_halt_forever(); /* the CPU printing a stop screen froze us (bugcheck.c) */
        bugcheck_from_trap(NMI_HARDWARE_FAILURE, 0, 0, 0, 0, frame);
    case X86_EXC_MACHINE_CHECK:
        exception_machine_check(frame);
    default:
        /* #DF (8): the stop screen decides whether it was a kernel stack overflow (RSP or CR2
         * in a guard page). #DB, #OF, #BR, #NM, #TS, #NP, #SS, #MF, #XM, ... and reserved
         * vectors: nothing in irqlab expects them in kernel mode. */
        bugcheck_from_trap(UNEXPECTED_KERNEL_MODE_TRAP, frame->vector, 0, 0, 0, frame);
    }
}
