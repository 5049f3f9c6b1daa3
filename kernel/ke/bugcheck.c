/* kernel/ke/bugcheck.c - KeBugCheckEx: the stop screen ("blue screen") on COM1.
 *
 * Intel SDM Vol. 3A §2.5 "Control Registers" (CR0/CR2/CR3/CR4/CR8 in the dump), §6.14.2
 * "64-Bit Mode Stack Frame" (where the interrupted registers come from) and §2.3 "System Flags
 * and Fields in the EFLAGS Register". Layout after Windows' text-mode stop screen and WinDbg's
 * `r` / `k` output; everything but the STOP line fits in 80 columns.
 *
 * Two ways in:
 *   KeBugCheckEx(code, p1..p4)            a deliberate stop; registers and backtrace describe
 *                                         KeBugCheckEx's caller.
 *   bugcheck_from_trap(code, p1..p4, tf)  an exception (arch/x86_64/exceptions.c); registers and
 *                                         backtrace describe the interrupted code in `tf`.
 *
 * Nothing here may rely on the state of the system: no locks (console_enter_panic_mode), no
 * memory allocation, and every pointer into a stack is checked (kernel/ke/backtrace.c). If
 * printing the stop screen faults anyway, the second bugcheck prints one line and exits.
 */
#include "kernel/ke/bugcheck.h"

#include "arch/x86_64/lapic.h"
#include "kernel/ke/kprcb.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/exceptions.h"
#include "arch/x86_64/trap_frame.h"
#include "include/wdm.h"
#include "kernel/console/console.h"
#include "kernel/ke/backtrace.h"
#include "kernel/ke/bugcheck_explain.h"
#include "kernel/ke/ksyms.h"
#include "kernel/ke/shutdown.h"
#include "kernel/lib/string.h"

#define BUGCHECK_MAX_FRAMES 32  /* backtrace lines printed (runs of one frame count as one) */
#define BUGCHECK_TEXT_WIDTH 78  /* wrap the explanation here */
#define BUGCHECK_HIGH_LEVEL 15  /* HIGH_LEVEL: what Windows raises the IRQL to while it stops */

const char *bugcheck_name(unsigned long code)
{
    switch (code) {
    case IRQL_NOT_GREATER_OR_EQUAL: return "IRQL_NOT_GREATER_OR_EQUAL";
    case IRQL_NOT_LESS_OR_EQUAL: return "IRQL_NOT_LESS_OR_EQUAL";
    case SPIN_LOCK_ALREADY_OWNED: return "SPIN_LOCK_ALREADY_OWNED";
    case SPIN_LOCK_NOT_OWNED: return "SPIN_LOCK_NOT_OWNED";
    case MAXIMUM_WAIT_OBJECTS_EXCEEDED: return "MAXIMUM_WAIT_OBJECTS_EXCEEDED";
    case ATTEMPTED_SWITCH_FROM_DPC: return "ATTEMPTED_SWITCH_FROM_DPC";
    case THREAD_TERMINATE_HELD_MUTEX: return "THREAD_TERMINATE_HELD_MUTEX";
    case WORKER_THREAD_RETURNED_AT_BAD_IRQL: return "WORKER_THREAD_RETURNED_AT_BAD_IRQL";
    case WORKER_INVALID: return "WORKER_INVALID";
    case BAD_POOL_HEADER: return "BAD_POOL_HEADER";
    case KMODE_EXCEPTION_NOT_HANDLED: return "KMODE_EXCEPTION_NOT_HANDLED";
    case NO_MORE_IRP_STACK_LOCATIONS: return "NO_MORE_IRP_STACK_LOCATIONS";
    case MULTIPLE_IRP_COMPLETE_REQUESTS: return "MULTIPLE_IRP_COMPLETE_REQUESTS";
    case CANCEL_STATE_IN_COMPLETED_IRP: return "CANCEL_STATE_IN_COMPLETED_IRP";
    case DRIVER_RETURNED_HOLDING_CANCEL_LOCK: return "DRIVER_RETURNED_HOLDING_CANCEL_LOCK";
    case PHASE0_INITIALIZATION_FAILED: return "PHASE0_INITIALIZATION_FAILED";
    case PFN_LIST_CORRUPT: return "PFN_LIST_CORRUPT";
    case PAGE_FAULT_IN_NONPAGED_AREA: return "PAGE_FAULT_IN_NONPAGED_AREA";
    case UNEXPECTED_KERNEL_MODE_TRAP: return "UNEXPECTED_KERNEL_MODE_TRAP";
    case BUGCODE_NDIS_DRIVER: return "BUGCODE_NDIS_DRIVER";
    case NMI_HARDWARE_FAILURE: return "NMI_HARDWARE_FAILURE";
    case MACHINE_CHECK_EXCEPTION: return "MACHINE_CHECK_EXCEPTION";
    case ATTEMPTED_WRITE_TO_READONLY_MEMORY: return "ATTEMPTED_WRITE_TO_READONLY_MEMORY";
    case ATTEMPTED_EXECUTE_OF_NOEXECUTE_MEMORY: return "ATTEMPTED_EXECUTE_OF_NOEXECUTE_MEMORY";
    case ACPI_BIOS_ERROR: return "ACPI_BIOS_ERROR";
    case BAD_POOL_CALLER: return "BAD_POOL_CALLER";
    case PNP_DETECTED_FATAL_ERROR: return "PNP_DETECTED_FATAL_ERROR";
    case DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS:
        return "DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS";
    case DRIVER_IRQL_NOT_LESS_OR_EQUAL: return "DRIVER_IRQL_NOT_LESS_OR_EQUAL";
    case DRIVER_OVERRAN_STACK_BUFFER: return "DRIVER_OVERRAN_STACK_BUFFER";
    case DRIVER_VERIFIER_IOMANAGER_VIOLATION: return "DRIVER_VERIFIER_IOMANAGER_VIOLATION";
    case DRIVER_VERIFIER_DETECTED_VIOLATION: return "DRIVER_VERIFIER_DETECTED_VIOLATION";
    case DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL: return "DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL";
    case PAGE_FAULT_IN_FREED_SPECIAL_POOL: return "PAGE_FAULT_IN_FREED_SPECIAL_POOL";
    case DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION: return "DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION";
    case HARDWARE_INTERRUPT_STORM: return "HARDWARE_INTERRUPT_STORM";
    case IRQL_UNEXPECTED_VALUE: return "IRQL_UNEXPECTED_VALUE";
    case MANUALLY_INITIATED_CRASH: return "MANUALLY_INITIATED_CRASH";
    case CLOCK_WATCHDOG_TIMEOUT: return "CLOCK_WATCHDOG_TIMEOUT";
    case DPC_WATCHDOG_VIOLATION: return "DPC_WATCHDOG_VIOLATION";
    case PASSIVE_INTERRUPT_ERROR: return "PASSIVE_INTERRUPT_ERROR";
    default: return "UNKNOWN_BUGCHECK";
    }
}

/* Everything the screen shows, captured first thing, before printing can change any of it. */
struct bugcheck_state {
    struct bugcheck_report report;
    uint64_t irql;
    uint64_t cr0, cr2, cr3, cr4;
    uint64_t rflags;      /* at entry, before interrupts were disabled (direct calls) */
    uint64_t chain_rbp;   /* where the backtrace walk starts */
    uint64_t caller_rsp;  /* direct calls only: the caller's RSP and RBP after the call returns */
    uint64_t caller_rbp;
};

/* The last stop code, for debuggers (scripts/gdb/irqlab_gdb.py `bugcheck`): written as the stop
 * screen starts, before anything is printed. code == 0 means no bugcheck has happened. */
struct ke_last_bugcheck {
    uint32_t code;
    uint64_t params[4];
    uint32_t cpu;
    uint32_t irql;                 /* CR8 when it happened */
    uint64_t pc;                   /* the RIP line of the stop screen ... */
    uint32_t pc_is_return_address; /* ... 1: a return address (KeBugCheckEx called directly) */
};
volatile struct ke_last_bugcheck ke_last_bugcheck;

/* How many bugchecks have started. Normally 0 or 1; 2 means the stop screen itself faulted. */
static volatile uint32_t bugcheck_depth;

/* CPU number for the screen (0 until the per-CPU blocks exist, when only CPU 0 runs). */
static unsigned bugcheck_cpu_number(void) { return KeGetCurrentProcessorNumber(); }

/* The CPU that owns the stop screen; other CPUs that bugcheck meanwhile just stop. */
static volatile int32_t bugcheck_owner = -1;

bool bugcheck_in_progress(void) { return __atomic_load_n(&bugcheck_depth, __ATOMIC_ACQUIRE) != 0; }

/* Stop every other CPU with an NMI: unlike a normal IPI it gets through at any IRQL and with
 * interrupts disabled. Their NMI handler sees bugcheck_in_progress() and halts (exceptions.c). */
static void freeze_other_cpus(void)
{
    if (!ke_prcb_ready())
        return;
    for (unsigned i = 0; i < KE_MAX_CPUS; i++) {
        struct kprcb *p = ke_prcbs[i];
        if (p && p->online && i != KeGetCurrentProcessorNumber())
            lapic_send_nmi(p->apic_id);
    }
}

/* ---- small printing helpers ----------------------------------------------------------------- */

/* Print `text` wrapped at spaces to BUGCHECK_TEXT_WIDTH columns. */
static void print_wrapped(const char *text)
{
    size_t len = strlen(text), start = 0;
    while (start < len) {
        size_t end = len;
        if (end - start > BUGCHECK_TEXT_WIDTH) {
            end = start + BUGCHECK_TEXT_WIDTH;
            while (end > start && text[end] != ' ')
                end--;
            if (end == start) /* one word longer than a line: cut it */
                end = start + BUGCHECK_TEXT_WIDTH;
        }
        console_write(text + start, end - start);
        console_write("\n", 1);
        start = end;
        while (start < len && text[start] == ' ')
            start++;
    }
}

/* "[IF ZF]": the RFLAGS bits a student is likely to care about, named as in the SDM. */
static const char *rflags_text(uint64_t rflags, char *buf, size_t size)
{
    static const struct {
        unsigned bit;
        const char *name;
    } flags[] = {{0, "CF"}, {2, "PF"}, {4, "AF"}, {6, "ZF"}, {7, "SF"}, {8, "TF"},
                 {9, "IF"}, {10, "DF"}, {11, "OF"}, {16, "RF"}, {18, "AC"}};
    size_t n = 0;
    buf[n++] = '[';
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        if (!(rflags & (1ull << flags[i].bit)) || n + 4 >= size)
            continue;
        if (n > 1)
            buf[n++] = ' ';
        buf[n++] = flags[i].name[0];
        buf[n++] = flags[i].name[1];
    }
    buf[n++] = ']';
    buf[n] = '\0';
    return buf;
}

static void print_registers(const struct bugcheck_state *s)
{
    const struct trap_frame *f = s->report.frame;
    char sym[96], flags[48];

    if (f) {
        console_printf("RAX=%016lx RBX=%016lx RCX=%016lx\n", (unsigned long)f->rax, (unsigned long)f->rbx,
                       (unsigned long)f->rcx);
        console_printf("RDX=%016lx RSI=%016lx RDI=%016lx\n", (unsigned long)f->rdx, (unsigned long)f->rsi,
                       (unsigned long)f->rdi);
        console_printf("RBP=%016lx R8 =%016lx R9 =%016lx\n", (unsigned long)f->rbp, (unsigned long)f->r8,
                       (unsigned long)f->r9);
        console_printf("R10=%016lx R11=%016lx R12=%016lx\n", (unsigned long)f->r10, (unsigned long)f->r11,
                       (unsigned long)f->r12);
        console_printf("R13=%016lx R14=%016lx R15=%016lx\n", (unsigned long)f->r13, (unsigned long)f->r14,
                       (unsigned long)f->r15);
        console_printf("RIP=%016lx %s\n", (unsigned long)f->rip, ksym_format(f->rip, sym, sizeof(sym)));
        console_printf("RSP=%016lx RFLAGS=%016lx %s\n", (unsigned long)f->rsp, (unsigned long)f->rflags,
                       rflags_text(f->rflags, flags, sizeof(flags)));
        console_printf("CS=%04lx SS=%04lx ERROR CODE=%016lx\n", (unsigned long)f->cs, (unsigned long)f->ss,
                       (unsigned long)f->error_code);
    } else {
        /* No trap frame: show where KeBugCheckEx was called from. The other general-purpose
         * registers hold KeBugCheckEx's own values by now, which would only mislead. */
        console_printf("(KeBugCheckEx was called directly: registers of its caller)\n");
        console_printf("RIP=%016lx %s\n", (unsigned long)s->report.pc,
                       backtrace_format_return_address(s->report.pc, sym, sizeof(sym)));
        console_printf("RSP=%016lx RBP=%016lx\n", (unsigned long)s->caller_rsp, (unsigned long)s->caller_rbp);
        console_printf("RFLAGS=%016lx %s\n", (unsigned long)s->rflags, rflags_text(s->rflags, flags, sizeof(flags)));
    }
    console_printf("CR0=%016lx CR2=%016lx CR3=%016lx\n", (unsigned long)s->cr0, (unsigned long)s->cr2,
                   (unsigned long)s->cr3);
    console_printf("CR4=%016lx CR8=%016lx\n", (unsigned long)s->cr4, (unsigned long)s->irql);
}

/* One backtrace line. `exact`: pc is where an instruction was stopped (a trap's RIP), not a
 * return address; such frames are marked, since that is where an interrupt or exception hit. */
static void print_frame_line(unsigned index, uint64_t pc, bool exact, unsigned long repeats)
{
    char sym[96];
    if (exact)
        ksym_format(pc, sym, sizeof(sym));
    else
        backtrace_format_return_address(pc, sym, sizeof(sym));
    if (repeats > 1)
        console_printf("  #%-2u %016lx %s (x%lu)\n", index, (unsigned long)pc, sym, repeats);
    else
        console_printf("  #%-2u %016lx %s%s\n", index, (unsigned long)pc, sym, exact ? " <- trap" : "");
}

/* The frame-pointer chain, innermost first. A run of identical return addresses (recursion,
 * e.g. the stack overflow test) is printed once with a count, so the outer frames - the ones
 * that say how we got there - still fit in BUGCHECK_MAX_FRAMES lines. */
static void print_backtrace(const struct bugcheck_state *s)
{
    console_printf("\nBacktrace (most recent call first):\n");
    unsigned printed = 0;

    /* A trap stopped the code in the middle of an instruction: RIP itself is frame #0. If that
     * function had not pushed RBP, its caller is not in the chain; find it at RSP instead. */
    const struct trap_frame *f = s->report.frame;
    if (f) {
        uint64_t caller;
        print_frame_line(printed++, f->rip, true, 1);
        if (backtrace_frameless_caller(f->rip, f->rsp, &caller))
            print_frame_line(printed++, caller, false, 1);
    }

    struct backtrace_walker w;
    backtrace_walk_begin(&w, s->chain_rbp);
    uint64_t pc, run_pc = 0;
    unsigned long run = 0;
    bool run_exact = false, truncated = false;
    while (backtrace_walk_next(&w, &pc)) {
        if (run && pc == run_pc && !w.interrupted) {
            run++;
            continue;
        }
        if (run) {
            if (printed == BUGCHECK_MAX_FRAMES) {
                truncated = true;
                run = 0;
                break;
            }
            print_frame_line(printed++, run_pc, run_exact, run);
        }
        run_pc = pc;
        run_exact = w.interrupted;
        run = 1;
    }
    if (run) {
        if (printed < BUGCHECK_MAX_FRAMES)
            print_frame_line(printed++, run_pc, run_exact, run);
        else
            truncated = true;
    }
    if (truncated)
        console_printf("  ... (more frames not shown)\n");
    if (printed == 0)
        console_printf("  (no frames: the frame pointer 0x%016lx is not readable)\n", (unsigned long)s->chain_rbp);
}

/* ---- the screen --------------------------------------------------------------------------- */

__attribute__((noreturn)) static void bugcheck_nested(const struct bugcheck_state *s, uint32_t depth)
{
    /* The first stop screen faulted (or a second CPU stopped at the same moment). Say as little
     * as possible, with no symbol lookup and no stack walk, and get out. */
    if (depth == 2)
        console_printf("\n*** STOP: 0x%08lX while printing the stop screen (RIP 0x%016lx); giving up.\n",
                       s->report.code, (unsigned long)s->report.pc);
    ke_exit(KE_EXIT_FAILURE);
}

__attribute__((noreturn)) static void bugcheck_show(struct bugcheck_state *s)
{
    cpu_disable_interrupts();
    int32_t me = (int32_t)bugcheck_cpu_number();
    int32_t nobody = -1;
    if (!__atomic_compare_exchange_n(&bugcheck_owner, &nobody, me, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST) &&
        nobody != me)
        cpu_halt_forever(); /* another CPU is already printing its stop screen */
    uint32_t depth = __atomic_add_fetch(&bugcheck_depth, 1, __ATOMIC_SEQ_CST);
    console_enter_panic_mode();
    if (depth > 1)
        bugcheck_nested(s, depth);
    ke_last_bugcheck.code = (uint32_t)s->report.code;
    for (unsigned i = 0; i < 4; i++)
        ke_last_bugcheck.params[i] = s->report.param[i];
    ke_last_bugcheck.cpu = (uint32_t)me;
    ke_last_bugcheck.irql = (uint32_t)s->irql;
    ke_last_bugcheck.pc = s->report.pc;
    ke_last_bugcheck.pc_is_return_address = (uint32_t)s->report.pc_is_return_address;
    /* Like Windows: nothing may interrupt the stop screen, on this CPU or any other. */
    write_cr8(BUGCHECK_HIGH_LEVEL);
    freeze_other_cpus();

    const struct bugcheck_report *r = &s->report;
    console_printf("\n*** STOP: 0x%08lX (0x%016lX, 0x%016lX, 0x%016lX, 0x%016lX)\n%s\n\n", r->code,
                   (unsigned long)r->param[0], (unsigned long)r->param[1], (unsigned long)r->param[2],
                   (unsigned long)r->param[3], bugcheck_name(r->code));

    char sentence[384];
    bugcheck_explain(r, sentence, sizeof(sentence));
    print_wrapped(sentence);

    if (r->frame) {
        unsigned v = (unsigned)r->frame->vector;
        console_printf("\nCPU %u, IRQL %lu (%s), %s %s (vector %u)\n\n", bugcheck_cpu_number(),
                       (unsigned long)s->irql, bugcheck_irql_name(s->irql), exception_mnemonic(v), exception_name(v), v);
    } else {
        console_printf("\nCPU %u, IRQL %lu (%s)\n\n", bugcheck_cpu_number(), (unsigned long)s->irql,
                       bugcheck_irql_name(s->irql));
    }

    print_registers(s);
    print_backtrace(s);

    console_printf("\nThe system has been stopped. QEMU exits with status 35.\n");
    ke_exit(KE_EXIT_FAILURE);
}

static void bugcheck_capture(struct bugcheck_state *s, unsigned long code, uint64_t p1, uint64_t p2, uint64_t p3,
                             uint64_t p4)
{
    /* CR2 first: it is only good until the next page fault. CR8 is the IRQL we stopped at. */
    s->cr2 = read_cr2();
    s->irql = read_cr8();
    s->rflags = read_rflags();
    cpu_disable_interrupts();
    s->cr0 = read_cr0();
    s->cr3 = read_cr3();
    s->cr4 = read_cr4();
    s->report.code = code;
    s->report.param[0] = p1;
    s->report.param[1] = p2;
    s->report.param[2] = p3;
    s->report.param[3] = p4;
    s->report.cr2 = s->cr2;
}

void bugcheck_from_trap(unsigned long code, unsigned long p1, unsigned long p2, unsigned long p3, unsigned long p4,
                        const struct trap_frame *frame)
{
    struct bugcheck_state s = {0};
    bugcheck_capture(&s, code, p1, p2, p3, p4);
    s.report.frame = frame;
    s.report.pc = frame->rip;
    s.report.pc_is_return_address = 0;
    s.chain_rbp = frame->rbp;
    bugcheck_show(&s);
}

/* `frame` is the public entry point's own frame pointer: [frame] = the caller's RBP,
 * [frame + 8] = the return address into the caller. */
__attribute__((noreturn)) static void bugcheck_from_call(unsigned long code, uint64_t p1, uint64_t p2, uint64_t p3,
                                                         uint64_t p4, uint64_t frame)
{
    struct bugcheck_state s = {0};
    bugcheck_capture(&s, code, p1, p2, p3, p4);
    s.report.frame = NULL;
    s.report.pc_is_return_address = 1;
    s.chain_rbp = frame;
    if (backtrace_readable(frame, 16)) {
        const uint64_t *link = (const uint64_t *)(uintptr_t)frame;
        s.caller_rbp = link[0];
        s.report.pc = link[1];
        s.caller_rsp = frame + 16;
    }
    bugcheck_show(&s);
}

VOID KeBugCheckEx(ULONG BugCheckCode, ULONG_PTR P1, ULONG_PTR P2, ULONG_PTR P3, ULONG_PTR P4)
{
    bugcheck_from_call(BugCheckCode, P1, P2, P3, P4, (uint64_t)(uintptr_t)__builtin_frame_address(0));
}

VOID KeBugCheck(ULONG BugCheckCode)
{
    bugcheck_from_call(BugCheckCode, 0, 0, 0, 0, (uint64_t)(uintptr_t)__builtin_frame_address(0));
}
