/* kernel/ke/bugcheck_explain.c - the stop screen's plain-English sentence.
 *
 * Intel SDM Vol. 3A §4.7 "Page-Fault Exceptions" and §6.15 "Exception and Interrupt Reference"
 * for what each exception means; the parameter layouts are those arch/x86_64/exceptions.c
 * produces (documented there) and learn.microsoft.com's "Bug Check Code Reference".
 *
 * Everything here runs during a bugcheck: no allocation, no locks, and only memory reads that
 * cannot fault (the trap frame and our own tables).
 */
#include "kernel/ke/bugcheck_explain.h"

#include <stdbool.h>

#include "arch/x86_64/exceptions.h"
#include "arch/x86_64/trap_frame.h"
#include "include/ntstatus.h"
#include "include/wdm.h"
#include "kernel/ke/backtrace.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/ke/ksyms.h"
#include "kernel/mm/pool.h"
#include "kernel/mm/pool_special.h"
#include "kernel/mm/pool_track.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/kprcb.h"
#include "kernel/ke/clock.h"
#include "kernel/ke/watchdog.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"
#include "kernel/lib/ubsan.h"
#include "kernel/mm/kstack.h"

#define HIGH_LEVEL_VALUE 15 /* IRQLs are 0..15; anything larger in P1 is an address */

static bool in_stack_guard(uint64_t address) { return kstack_is_guard_address(address); }

const char *bugcheck_irql_name(uint64_t irql)
{
    switch (irql) {
    case 0: return "PASSIVE_LEVEL";
    case 1: return "APC_LEVEL";
    case 2: return "DISPATCH_LEVEL";
    case 13: return "CLOCK_LEVEL";
    case 14: return "IPI_LEVEL";
    case 15: return "HIGH_LEVEL";
    default: return irql < 13 ? "DIRQL" : "not an IRQL";
    }
}

/* Where it happened: "crash_page_fault+0x8". */
static void where(const struct bugcheck_report *r, char *buf, size_t size)
{
    if (r->pc_is_return_address)
        backtrace_format_return_address(r->pc, buf, size);
    else
        ksym_format(r->pc, buf, size);
}

static const char *access_phrase(bool write, bool execute)
{
    return execute ? "An instruction fetch from" : write ? "A write to" : "A read of";
}

/* " (a NULL pointer)" and friends: what kind of address this is, if it is a telling one. */
static const char *address_remark(uint64_t address)
{
    if (address == 0)
        return " (a NULL pointer)";
    if (address < 0x1000)
        return " (in page 0: a NULL pointer plus an offset)";
    if (in_stack_guard(address))
        return " (the guard page below a kernel stack: a stack overflow)";
    return "";
}

static void explain_page_fault(const struct bugcheck_report *r, const char *at, char *buf, size_t size)
{
    uint64_t address = r->param[0], access = r->param[1], kind = r->param[3];
    bool write = access == 0x2, execute = access == 0x10;
    const char *state = "which is not mapped";
    if (kind == 0x3) {
        if (r->frame && (r->frame->error_code & X86_PF_RESERVED))
            state = "whose page-table entry has a reserved bit set";
        else if (execute)
            state = "which is mapped no-execute";
        else if (write)
            state = "which is mapped read-only";
        else
            state = "which does not allow this access";
    }
    ksnprintf(buf, size, "%s 0x%016lx%s, %s, by %s.", access_phrase(write, execute), (unsigned long)address,
              address_remark(address), state, at);
}

static void explain_irql_fault(const struct bugcheck_report *r, const char *at, char *buf, size_t size)
{
    uint64_t address = r->param[0], irql = r->param[1], bits = r->param[2];
    ksnprintf(buf, size,
              "%s 0x%016lx%s at IRQL %lu (%s) by %s. At DISPATCH_LEVEL and above a page fault "
              "cannot be serviced, so such code may only touch memory that is always mapped.",
              access_phrase(bits & 1, bits & 8), (unsigned long)address, address_remark(address), (unsigned long)irql,
              bugcheck_irql_name(irql), at);
}

static void explain_kmode(const struct bugcheck_report *r, const char *caller, char *buf, size_t size)
{
    /* Parameter 2 of 0x1E is the address of the exception (for #BP the int3 itself, one byte
     * before the RIP the CPU saved), so name that instead of the RIP. */
    char at[96];
    if (r->param[1])
        ksym_format(r->param[1], at, sizeof(at));
    else
        ksnprintf(at, sizeof(at), "%s", caller);
    char check[192];
    if (!r->frame && ubsan_describe(r->param[2], check, sizeof(check))) { /* make SANITIZE=1 */
        ksnprintf(buf, size, "UndefinedBehaviorSanitizer: %s, in %s.", check, at);
        return;
    }
    switch ((uint32_t)r->param[0]) {
    case (uint32_t)STATUS_INTEGER_DIVIDE_BY_ZERO:
        ksnprintf(buf, size, "An integer division by zero (#DE) in %s.", at);
        break;
    case (uint32_t)STATUS_ILLEGAL_INSTRUCTION:
        ksnprintf(buf, size, "An invalid instruction (#UD: ud2 or an undefined opcode) at %s.", at);
        break;
    case (uint32_t)STATUS_MUTANT_NOT_OWNED: /* kernel/ke/dispatcher_objects.c: P3 mutex, P4 owner */
        ksnprintf(buf, size,
                  "%s released the mutex at 0x%016lx, which this thread does not own (owner: 0x%016lx, "
                  "0 = free): STATUS_MUTANT_NOT_OWNED, and no handler in kernel mode.",
                  at, (unsigned long)r->param[2], (unsigned long)r->param[3]);
        break;
    case (uint32_t)STATUS_SEMAPHORE_LIMIT_EXCEEDED:
        ksnprintf(buf, size,
                  "%s released the semaphore at 0x%016lx above its limit %lu: STATUS_SEMAPHORE_LIMIT_EXCEEDED, "
                  "and no handler in kernel mode.",
                  at, (unsigned long)r->param[2], (unsigned long)r->param[3]);
        break;
    case (uint32_t)STATUS_BREAKPOINT:
        ksnprintf(buf, size, "A breakpoint instruction (int3) at %s, and no debugger to take it.", at);
        break;
    case (uint32_t)STATUS_DATATYPE_MISALIGNMENT:
        ksnprintf(buf, size, "A misaligned access with alignment checking enabled (#AC) at %s.", at);
        break;
    case (uint32_t)STATUS_ACCESS_VIOLATION:
        if (r->frame)
            ksnprintf(buf, size,
                      "A general-protection fault (#GP, error code 0x%lx) at %s: most often an access "
                      "to a non-canonical address (bits 63:47 not all equal), else a bad selector or "
                      "a privileged instruction.",
                      (unsigned long)r->frame->error_code, at);
        else
            ksnprintf(buf, size, "An access violation at %s.", at);
        break;
    default:
        ksnprintf(buf, size, "Exception 0x%08lx in %s was not handled.", (unsigned long)(uint32_t)r->param[0], at);
        break;
    }
}

static void explain_trap(const struct bugcheck_report *r, const char *at, char *buf, size_t size)
{
    unsigned vector = (unsigned)r->param[0];
    if (vector == X86_EXC_DOUBLE_FAULT && r->frame && (in_stack_guard(r->frame->rsp) || in_stack_guard(r->cr2))) {
        ksnprintf(buf, size,
                  "Kernel stack overflow: the stack grew into the unmapped guard page below it "
                  "(RSP 0x%016lx, last access 0x%016lx), so the CPU could not push the "
                  "page-fault frame either and raised a double fault (#DF), in %s.",
                  (unsigned long)r->frame->rsp, (unsigned long)r->cr2, at);
    } else if (vector == X86_EXC_DOUBLE_FAULT && r->frame && !backtrace_readable(r->frame->rsp - 8, 8)) {
        ksnprintf(buf, size,
                  "A double fault (#DF): RSP 0x%016lx points at unmapped memory, so the CPU could "
                  "not push the frame for an exception in %s and faulted again. The stack is "
                  "broken (or overflowed a stack without a guard page).",
                  (unsigned long)r->frame->rsp, at);
    } else if (vector == X86_EXC_DOUBLE_FAULT) {
        ksnprintf(buf, size,
                  "A double fault (#DF): the CPU hit a second exception while delivering a first "
                  "one (a broken stack or IDT), in %s.",
                  at);
    } else {
        ksnprintf(buf, size, "An unexpected kernel-mode trap: vector %u (%s %s) in %s.", vector,
                  exception_mnemonic(vector), exception_name(vector), at);
    }
}

/* The code that called the kernel routine that found the rule broken (a return address). */
static void caller(uint64_t return_address, char *buf, size_t size)
{
    backtrace_format_return_address(return_address, buf, size);
}

/* What a pool check number means (P1 of 0xC2 / 0x19, as kernel/mm/heap.h and pool.h list). */
static const char *pool_problem(unsigned long code, uint64_t check)
{
    if (code == BAD_POOL_HEADER) {
        switch (check) {
        case 0x03: return "The heap's free list is corrupt (something wrote over freed memory)";
        case 0x05: return "A neighbouring pool block's header or footer is corrupt";
        case 0x21: return "Code wrote past the end of its pool block (a buffer overrun)";
        default: return "A pool block header is corrupt";
        }
    }
    switch (check) {
    case 0x00: return "A driver asked for a pool block of zero bytes";
    case 0x01: return "The header of the block being freed is corrupt";
    case 0x07: return "A pool block was freed twice (a double free)";
    case 0x08: return "Pool was allocated above the IRQL that allows it";
    case 0x09: return "Pool was freed above DISPATCH_LEVEL";
    case 0x0A: return "A pool block was freed with a different tag than it was allocated with";
    case 0x46: return "An address that was never allocated from the pool was freed";
    case 0x9A: return "A MustSucceed pool type was requested (not allowed)";
    case 0x9B: return "ExAllocatePoolWithTag was called with tag 0";
    case 0x9D: return "A pool tag has no letter or digit";
    default: return "A pool routine was called wrongly";
    }
}

/* 0x133 and 0x101 (kernel/ke/watchdog.h): who ran too long, from the triage block. */
static bool explain_watchdog(const struct bugcheck_report *r, char *buf, size_t size)
{
    const uint64_t *p = r->param;
    const struct ke_dpc_watchdog_triage *t = ke_watchdog_triage();
    char what[96];
    unsigned ms_per_tick = 1000u / KE_CLOCK_HZ;
    if (r->code == DPC_WATCHDOG_VIOLATION && p[0] == 0 && p[3] == (uint64_t)(uintptr_t)t) {
        ksym_format((uint64_t)(uintptr_t)t->routine, what, sizeof(what));
        ksnprintf(buf, size,
                  "The %s %s ran for %lu clock ticks (%lu ms) on CPU %u without returning, over the DPC "
                  "watchdog's limit of %lu ticks (dpc_watchdog=). %s should take microseconds; longer "
                  "work belongs in a work item at PASSIVE_LEVEL.",
                  t->kind == KE_WATCHED_ISR ? "ISR" : "DPC routine", what, (unsigned long)p[1],
                  (unsigned long)(p[1] * ms_per_tick), t->cpu, (unsigned long)p[2],
                  t->kind == KE_WATCHED_ISR ? "An ISR" : "A DPC");
        return true;
    }
    if (r->code == DPC_WATCHDOG_VIOLATION && p[0] == 1 && p[2] == (uint64_t)(uintptr_t)t) {
        char most[192] = "";
        if (t->busiest_count * 2u > t->interrupts && t->busiest_isr) {
            ksym_format((uint64_t)(uintptr_t)t->busiest_isr, what, sizeof(what));
            ksnprintf(most, sizeof(most),
                      " %u of its %u interrupts were vector 0x%02x, ISR %s: it claims them, but its device "
                      "keeps interrupting.",
                      t->busiest_count, t->interrupts, t->busiest_vector, what);
        } else if (t->routine) {
            ksym_format((uint64_t)(uintptr_t)t->routine, what, sizeof(what));
            ksnprintf(most, sizeof(most), " It was running the %s %s.",
                      t->kind == KE_WATCHED_ISR ? "ISR" : "DPC routine", what);
        }
        ksnprintf(buf, size,
                  "CPU %u spent %lu clock ticks (%lu ms) at DISPATCH_LEVEL or above without a break "
                  "(dpc_watchdog_period=): nothing else could run there.%s",
                  t->cpu, (unsigned long)p[1], (unsigned long)(p[1] * ms_per_tick), most);
        return true;
    }
    if (r->code == CLOCK_WATCHDOG_TIMEOUT && p[3] < KE_MAX_CPUS && ke_prcbs[p[3]] &&
        (uint64_t)(uintptr_t)ke_prcbs[p[3]] == p[2]) {
        const struct kprcb *hung = ke_prcbs[p[3]];
        char at[128] = "";
        if (hung->nmi_probe_rip > 1) {
            ksym_format(hung->nmi_probe_rip, what, sizeof(what));
            ksnprintf(at, sizeof(at), " An NMI found it at %s.", what);
        }
        ksnprintf(buf, size,
                  "CPU %lu took no clock interrupt for %lu ticks (%lu ms, clock_watchdog=): it is spinning "
                  "with interrupts disabled or at IRQL CLOCK_LEVEL or above, and nothing else runs there.%s",
                  (unsigned long)p[3], (unsigned long)p[0], (unsigned long)(p[0] * ms_per_tick), at);
        return true;
    }
    return false;
}

/* Stop codes raised by the kernel's own rule checks (no trap frame): the parameters say who. */
/* BUGCODE_NDIS_DRIVER (kernel/ndis/ndis_verify.h): the miniport rule, by the name Windows' Static
 * Driver Verifier gives it where it has one (learn.microsoft.com "Init_RegisterInterrupt rule
 * (ndis)", "Init_DeRegisterInterrupt rule (ndis)", "NdisMDeregisterInterruptEx rule (ndis)"). */
static const char *ndis_state_name(uint64_t state)
{
    return state == 1 ? "MiniportInitializeEx" : state == 2 ? "running" : state == 3 ? "MiniportHaltEx" : "?";
}

static void explain_ndis(const uint64_t *p, char *buf, size_t size)
{
    char who[96];
    switch (p[0]) {
    case 0x08:
        if (p[3])
            ksnprintf(buf, size,
                      "DDI rule Init_RegisterInterrupt: MiniportInitializeEx failed (status 0x%08lx) with interrupt "
                      "0x%016lx still registered: its failure path must NdisMDeregisterInterruptEx what it "
                      "registered.",
                      (unsigned long)p[3], (unsigned long)p[2]);
        else
            ksnprintf(buf, size,
                      "DDI rule Init_RegisterInterrupt: MiniportHaltEx returned with interrupt 0x%016lx still "
                      "registered: the interrupt MiniportInitializeEx registered must be deregistered in "
                      "MiniportHaltEx.",
                      (unsigned long)p[2]);
        return;
    case 0x1001:
        ksnprintf(buf, size,
                  "DDI rule Init_DeRegisterInterrupt: NdisMDeregisterInterruptEx(0x%016lx) while the adapter was "
                  "%s: only MiniportInitializeEx (undoing a failure) or MiniportHaltEx may deregister.",
                  (unsigned long)p[2], ndis_state_name(p[3]));
        return;
    case 0x1002:
        caller(p[3], who, sizeof(who));
        ksnprintf(buf, size,
                  "DDI rule NdisMDeregisterInterruptEx: %s passed 0x%016lx, which is not a registered interrupt "
                  "(after NdisMDeregisterInterruptEx the handle is dead: no NdisMSynchronizeWithInterruptEx).",
                  who, (unsigned long)p[1]);
        return;
    case 0x100E:
        ksnprintf(buf, size,
                  "DDI rule NdisMDeregisterInterruptEx (verifier=ndis): the NIC still interrupted while interrupt "
                  "0x%016lx was deregistered (%lu ISR calls claimed): disable the NIC's interrupts first.",
                  (unsigned long)p[2], (unsigned long)p[3]);
        return;
    case 0x100F:
        caller(p[3], who, sizeof(who));
        ksnprintf(buf, size,
                  "Rule NdisMRegisterInterruptEx (verifier=ndis): %s registered an interrupt while the adapter was "
                  "%s; a miniport registers its interrupt in MiniportInitializeEx only (and deregisters it in "
                  "MiniportHaltEx: Init_RegisterInterrupt).",
                  who, ndis_state_name(p[2]));
        return;
    default:
        ksnprintf(buf, size, "NDIS found miniport error 0x%lx (docs/ndis.md lists each, with its parameters).",
                  (unsigned long)p[0]);
    }
}

static bool explain_rule(const struct bugcheck_report *r, char *buf, size_t size)
{
    char who[96], what[96];
    const uint64_t *p = r->param;
    switch (r->code) {
    case IRQL_NOT_GREATER_OR_EQUAL:
        caller(p[3], who, sizeof(who));
        ksnprintf(buf, size,
                  "%s asked to raise the IRQL from %lu (%s) to %lu (%s), which is lower. Raising may only go "
                  "up; KeLowerIrql goes down.",
                  who, (unsigned long)p[0], bugcheck_irql_name(p[0]), (unsigned long)p[1], bugcheck_irql_name(p[1]));
        return true;
    case IRQL_NOT_LESS_OR_EQUAL:
        caller(p[3], who, sizeof(who));
        if (p[0] > HIGH_LEVEL_VALUE) { /* a PASSIVE_LEVEL-only routine (IoConnectInterruptEx): P1 is it */
            uint64_t offset;
            const char *routine = ksym_lookup(p[0], &offset);
            /* P3 = the highest IRQL the routine allows (0: PASSIVE_LEVEL only). */
            char limit[48];
            if (p[2])
                ksnprintf(limit, sizeof(limit), "at IRQL <= %lu (%s)", (unsigned long)p[2], bugcheck_irql_name(p[2]));
            else
                ksnprintf(limit, sizeof(limit), "at PASSIVE_LEVEL");
            bool ndis_interrupt = routine && (strcmp(routine, "NdisMRegisterInterruptEx") == 0 ||
                                              strcmp(routine, "NdisMDeregisterInterruptEx") == 0);
            ksnprintf(buf, size, "%s%s called %s at IRQL %lu (%s); it may only be called %s.",
                      ndis_interrupt ? "DDI rule Irql_Interrupt_Function: " : "", who,
                      routine ? routine : "a kernel routine", (unsigned long)p[1], bugcheck_irql_name(p[1]), limit);
        } else if (p[2]) /* KeSynchronizeExecution / KeAcquireInterruptSpinLock: P3 is the interrupt */
            ksnprintf(buf, size,
                      "%s synchronized with interrupt object 0x%016lx at IRQL %lu (%s), above its "
                      "SynchronizeIrql %lu: that would lower the IRQL.",
                      who, (unsigned long)p[2], (unsigned long)p[0], bugcheck_irql_name(p[0]), (unsigned long)p[1]);
        else
            ksnprintf(buf, size,
                      "%s asked KeLowerIrql to go from IRQL %lu (%s) up to %lu (%s). Lowering may only go "
                      "down; KeRaiseIrql goes up.",
                      who, (unsigned long)p[0], bugcheck_irql_name(p[0]), (unsigned long)p[1], bugcheck_irql_name(p[1]));
        return true;
    case SPIN_LOCK_ALREADY_OWNED:
        caller(p[3], who, sizeof(who));
        ksnprintf(buf, size,
                  "%s acquired the spin lock at 0x%016lx, which this CPU already holds: it would spin "
                  "forever waiting for itself.",
                  who, (unsigned long)p[0]);
        return true;
    case ATTEMPTED_SWITCH_FROM_DPC:
        caller(p[3], who, sizeof(who));
        ksnprintf(buf, size,
                  "%s waited inside a DPC routine (thread 0x%016lx). A DPC runs at DISPATCH_LEVEL on "
                  "whatever thread it interrupted; that thread cannot be switched away from. Only a zero "
                  "timeout is allowed there.",
                  who, (unsigned long)p[0]);
        return true;
    case THREAD_TERMINATE_HELD_MUTEX:
        ksnprintf(buf, size,
                  "Thread 0x%016lx ended while it owned the kernel mutex at 0x%016lx: nobody else may release "
                  "it, so every later waiter would wait forever. Release it (KeReleaseMutex) before returning "
                  "or calling PsTerminateSystemThread.",
                  (unsigned long)p[0], (unsigned long)p[1]);
        return true;
    case WORKER_THREAD_RETURNED_AT_BAD_IRQL:
        ksym_format(p[0], what, sizeof(what));
        ksnprintf(buf, size,
                  "Work item 0x%016lx's routine %s returned at IRQL %lu (%s). A worker thread runs work items "
                  "at PASSIVE_LEVEL and must get its thread back there: lower what you raised, release the "
                  "spin lock you took.",
                  (unsigned long)p[3], what, (unsigned long)p[1], bugcheck_irql_name(p[1]));
        return true;
    case WORKER_INVALID:
        if (p[0] == 1)
            ksnprintf(buf, size,
                      "Work item 0x%016lx was queued again (queue %lu) while it was still queued: one item can be "
                      "in one queue once. Queue it again from its routine, or use a second item.",
                      (unsigned long)p[1], (unsigned long)p[2]);
        else if (p[0] == 2) {
            ksym_format(p[2], what, sizeof(what));
            ksnprintf(buf, size,
                      "I/O work item 0x%016lx was freed while it was queued (routine %s): the worker thread would "
                      "use freed memory. Free it in its routine or after the routine has run.",
                      (unsigned long)p[1], what);
        } else if (p[0] == 3)
            ksnprintf(buf, size,
                      "IoInitializeWorkItem/IoAllocateWorkItem got 0x%016lx for work item 0x%016lx, which is not a "
                      "device or driver object.",
                      (unsigned long)p[2], (unsigned long)p[1]);
        else if (p[0] == 5)
            ksnprintf(buf, size, "Work item 0x%016lx was queued before the worker threads were started.",
                      (unsigned long)p[1]);
        else if (p[0] == 6)
            ksnprintf(buf, size,
                      "Work item 0x%016lx was queued to queue type %lu, which has no worker threads here "
                      "(CriticalWorkQueue, DelayedWorkQueue, HyperCriticalWorkQueue).",
                      (unsigned long)p[1], (unsigned long)p[2]);
        else
            ksnprintf(buf, size, "Work item 0x%016lx was queued with no worker routine.", (unsigned long)p[1]);
        return true;
    case MAXIMUM_WAIT_OBJECTS_EXCEEDED:
        caller(p[3], who, sizeof(who));
        if (p[1] == 64)
            ksnprintf(buf, size, "%s waited for %lu objects; KeWaitForMultipleObjects takes 1 to 64.", who,
                      (unsigned long)p[0]);
        else
            ksnprintf(buf, size,
                      "%s waited for %lu objects without a WaitBlockArray; the thread's own wait blocks "
                      "cover only THREAD_WAIT_OBJECTS (3).",
                      who, (unsigned long)p[0]);
        return true;
    case SPIN_LOCK_NOT_OWNED:
        caller(p[3], who, sizeof(who));
        ksnprintf(buf, size, "%s released the spin lock at 0x%016lx, which this CPU does not hold.", who,
                  (unsigned long)p[0]);
        return true;
    case IRQL_UNEXPECTED_VALUE:
        ksym_format(p[2], what, sizeof(what));
        ksnprintf(buf, size,
                  "%s returned at IRQL %lu (%s) instead of %lu (%s): a routine must leave the IRQL as it "
                  "found it.",
                  what, (unsigned long)p[0], bugcheck_irql_name(p[0]), (unsigned long)p[1], bugcheck_irql_name(p[1]));
        return true;
    case NO_MORE_IRP_STACK_LOCATIONS:
        ksnprintf(buf, size,
                  "IoCallDriver passed IRP 0x%016lx down one more driver than it has stack locations "
                  "(IoAllocateIrp's StackSize was too small).",
                  (unsigned long)p[0]);
        return true;
    case MULTIPLE_IRP_COMPLETE_REQUESTS:
        ksnprintf(buf, size, "IRP 0x%016lx was completed twice (IoCompleteRequest on an IRP already completed).",
                  (unsigned long)p[0]);
        return true;
    case CANCEL_STATE_IN_COMPLETED_IRP:
        ksnprintf(buf, size,
                  "IRP 0x%016lx had cancel routine 0x%016lx set when no driver held it any more: it was "
                  "completed with the routine still set (clear it with IoSetCancelRoutine(Irp, NULL) first).",
                  (unsigned long)p[0], (unsigned long)p[1]);
        return true;
    case DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS: {
        /* P4 is the DRIVER_OBJECT (kernel/io/pnp_driver.c): never freed, safe to read here. */
        const DRIVER_OBJECT *object = (const DRIVER_OBJECT *)(uintptr_t)p[3];
        const char *driver = object && object->Type == IO_TYPE_DRIVER ? object->Name : NULL;
        ksym_format(p[0], what, sizeof(what));
        UCHAR type = p[2] ? *(const UCHAR *)(uintptr_t)p[2] : 0; /* the object's Type (KOBJECTS) */
        if (type == 0x13 || type == 0x18) /* DpcObject, ThreadedDpcObject */
            ksnprintf(buf, size,
                      "Driver %s was unloaded with DPC 0x%016lx (routine %s) still queued: cancel it "
                      "(KeRemoveQueueDpc, KeFlushQueuedDpcs) before DriverUnload returns.",
                      driver ? driver : "?", (unsigned long)p[2], what);
        else if (type == TimerNotificationObject || type == TimerSynchronizationObject)
            ksnprintf(buf, size,
                      "Driver %s was unloaded with timer 0x%016lx (DPC routine %s) still set: KeCancelTimer "
                      "it before DriverUnload returns.",
                      driver ? driver : "?", (unsigned long)p[2], p[0] ? what : "none");
        else if (p[0])
            ksnprintf(buf, size,
                      "Driver %s was unloaded with interrupt object 0x%016lx still connected (ISR %s): "
                      "DriverUnload runs after every device was removed, and IRP_MN_STOP_DEVICE / "
                      "IRP_MN_REMOVE_DEVICE must disconnect (IoDisconnectInterruptEx) first.",
                      driver ? driver : "?", (unsigned long)p[2], what);
        else
            ksnprintf(buf, size,
                      "Driver %s was unloaded with device object 0x%016lx not deleted: IRP_MN_REMOVE_DEVICE "
                      "must IoDetachDevice and IoDeleteDevice the driver's device objects, DriverUnload any "
                      "others it made.",
                      driver ? driver : "?", (unsigned long)p[2]);
        return true;
    }
    case BUGCODE_NDIS_DRIVER:
        explain_ndis(p, buf, size);
        return true;
    case DRIVER_VERIFIER_IOMANAGER_VIOLATION:
        if (p[0] == 6)
            ksnprintf(buf, size, "IRP 0x%016lx was completed with status 0x%08lx: a pending status is not a result.",
                      (unsigned long)p[2], (unsigned long)p[1]);
        else if (p[0] == 7)
            ksnprintf(buf, size,
                      "IRP 0x%016lx was completed while its cancel routine 0x%016lx was still set "
                      "(clear it with IoSetCancelRoutine(Irp, NULL) before IoCompleteRequest).",
                      (unsigned long)p[2], (unsigned long)p[1]);
        else
            ksnprintf(buf, size, "Driver Verifier's I/O verification found violation 0x%lx.", (unsigned long)p[0]);
        return true;
    case DRIVER_VERIFIER_DETECTED_VIOLATION:
        if (p[0] == 0x31) {
            ksym_format(p[3], what, sizeof(what));
            ksnprintf(buf, size,
                      "Rule spinlock (verifier=spinlock): %s lowered the IRQL from %lu to %lu while this CPU "
                      "still held a spin lock; release every spin lock before going below DISPATCH_LEVEL "
                      "(nested locks: release in the reverse order of acquiring).",
                      what, (unsigned long)p[1], (unsigned long)p[2]);
        } else if (p[0] == 0x62) {
            /* P2 is the driver's name, P3 its DRIVER_OBJECT: never freed (kernel/io/pnp_driver.c). */
            struct pool_track_leaks l;
            char tag[5];
            bool known = pool_track_last_leaks(&l);
            ksym_format((uint64_t)(uintptr_t)(known ? l.first_caller : 0), what, sizeof(what));
            ksnprintf(buf, size,
                      "Pool tracking (verifier=pool): driver %s was unloaded with %lu pool allocations "
                      "(%lu bytes) not freed; the oldest: %lu bytes, tag '%s', allocated by %s. Free every "
                      "block before DriverUnload returns (IRP_MN_REMOVE_DEVICE for a device's).",
                      p[1] ? (const char *)(uintptr_t)p[1] : "?", (unsigned long)p[3],
                      (unsigned long)(known ? l.bytes : 0), (unsigned long)(known ? l.first_bytes : 0),
                      pool_tag_text(known ? l.first_tag : 0, tag), what);
        } else {
            ksnprintf(buf, size, "Driver Verifier found violation 0x%lx.", (unsigned long)p[0]);
        }
        return true;
    case DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION: {
        struct pool_special_block b;
        char tag[5];
        ksym_format(p[2], what, sizeof(what));
        if (pool_special_find(p[0], &b) && b.address) {
            ksym_format((uint64_t)(uintptr_t)b.caller, who, sizeof(who));
            bool before = p[0] < b.address;
            ksnprintf(buf, size,
                      "Special pool (verifier=special): %s %s 0x%016lx, %lu bytes %s the %lu-byte allocation "
                      "0x%016lx (tag '%s', made by %s)%s.",
                      what, p[1] ? "wrote" : "read", (unsigned long)p[0],
                      (unsigned long)(before ? b.address - p[0] : p[0] - b.address),
                      before ? "before the start of" : "from the start of", (unsigned long)b.bytes,
                      (unsigned long)b.address, pool_tag_text(b.tag, tag), who, before ? "" : ": beyond its end");
        } else {
            ksnprintf(buf, size, "Special pool (verifier=special): %s touched 0x%016lx, in a special-pool slot with "
                      "no live allocation (freed).", what, (unsigned long)p[0]);
        }
        return true;
    }
    case DRIVER_RETURNED_HOLDING_CANCEL_LOCK:
        ksnprintf(buf, size,
                  "Cancel routine 0x%016lx returned for IRP 0x%016lx still holding the cancel spin lock "
                  "(it must call IoReleaseCancelSpinLock(Irp->CancelIrql)).",
                  (unsigned long)p[1], (unsigned long)p[0]);
        return true;
    case BAD_POOL_CALLER:
    case BAD_POOL_HEADER:
        ksnprintf(buf, size, "%s (pool check 0x%02lx, see kernel/mm/heap.h and pool.h for the parameters).",
                  pool_problem(r->code, p[0]), (unsigned long)p[0]);
        return true;
    case PFN_LIST_CORRUPT:
        ksnprintf(buf, size,
                  "Physical frame 0x%lx was given back to the frame allocator but %s.", (unsigned long)p[1],
                  p[2] == 1 ? "was already free (a double free)" : p[2] == 3 ? "the address is not page aligned"
                                                                       : "is not RAM the allocator owns");
        return true;
    case PNP_DETECTED_FATAL_ERROR:
        if (p[0] == 0x9 && p[3])
            ksnprintf(buf, size,
                      "IoDisconnectInterruptEx was given Version %lu for the connection 0x%016lx, which was made "
                      "as Version %lu: pass the Version IoConnectInterruptEx ended with (after a fallback, "
                      "CONNECT_LINE_BASED).",
                      (unsigned long)p[1], (unsigned long)p[2], (unsigned long)p[3]);
        else if (p[0] == 0x9)
            ksnprintf(buf, size,
                      "IoDisconnectInterruptEx was given 0x%016lx (Version %lu), which no IoConnectInterruptEx "
                      "call handed out - or it was disconnected already. (IoDisconnectInterrupt and "
                      "IoReportInterruptActive/Inactive check it the same way: the backtrace names the caller.)",
                      (unsigned long)p[2], (unsigned long)p[1]);
        else if (p[0] == 0x2)
            ksnprintf(buf, size,
                      "0x%016lx was passed where a PDO is needed, but it is not a physical device object "
                      "the kernel created: pass the PDO StartDevice received, not the driver's own device object.",
                      (unsigned long)p[1]);
        else
            return false;
        return true;
    case PAGE_FAULT_IN_FREED_SPECIAL_POOL:
    case DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL: { /* special pool, or kernel/ke/interrupt.c's check */
        struct pool_special_block b;
        void *freer;
        if (pool_special_freed(p[0], &b, &freer)) {
            char tag[5], by[96];
            ksym_format(p[2], what, sizeof(what));
            ksym_format((uint64_t)(uintptr_t)b.caller, who, sizeof(who));
            ksym_format((uint64_t)(uintptr_t)freer, by, sizeof(by));
            bool inside = p[0] >= b.address && p[0] < b.address + b.bytes;
            ksnprintf(buf, size,
                      "Special pool (verifier=special): %s %s 0x%016lx, %s the %lu-byte block 0x%016lx (tag '%s', "
                      "allocated by %s) after %s freed it: a use after free.",
                      what, p[1] ? "wrote" : "read", (unsigned long)p[0], inside ? "inside" : "near",
                      (unsigned long)b.bytes, (unsigned long)b.address, pool_tag_text(b.tag, tag), who, by);
            return true;
        }
        caller(p[2], who, sizeof(who));
        ksnprintf(buf, size,
                  "%s used the interrupt object 0x%016lx, which was disconnected and its memory freed "
                  "(IoDisconnectInterruptEx gives it back): after disconnecting, a driver must not pass it "
                  "to KeSynchronizeExecution or the interrupt spin-lock routines.",
                  who, (unsigned long)p[0]);
        return true;
    }
    case PASSIVE_INTERRUPT_ERROR: /* raised only by kernel/ke/interrupt.c */
        if (p[0] != 0x1)
            return false;
        ksnprintf(buf, size,
                  "KeAcquireInterruptSpinLock or KeReleaseInterruptSpinLock was given the interrupt object "
                  "0x%016lx, whose ISR runs at PASSIVE_LEVEL: it has no spin lock. Synchronize with a "
                  "passive-level ISR through KeSynchronizeExecution (it waits on the object's event).",
                  (unsigned long)p[1]);
        return true;
    case HARDWARE_INTERRUPT_STORM:
        ksym_format(p[0], what, sizeof(what));
        if (p[2] && ((const KINTERRUPT *)(uintptr_t)p[2])->MessageServiceRoutine == (PKMESSAGE_SERVICE_ROUTINE)p[0]) {
            /* kernel/ke/message_decline.c: P3 is a live message-based object */
            const KINTERRUPT *o = (const KINTERRUPT *)(uintptr_t)p[2];
            ksnprintf(buf, size,
                      "Message-based ISR %s (context 0x%016lx) declined %u interrupts in a row on message %u of "
                      "vector 0x%02x: a message is raised only by its own device, so returning FALSE means the "
                      "ISR did not recognise its device's interrupt (verifier=storm).",
                      what, (unsigned long)p[1], (unsigned)o->DeclinedInARow, (unsigned)o->MessageIndex,
                      (unsigned)o->Vector);
            return true;
        }
        ksnprintf(buf, size,
                  "A level-triggered interrupt kept firing and no ISR claimed it - or one claimed it "
                  "without quieting its device (first ISR %s, context 0x%016lx, %s). The device was never "
                  "told to stop interrupting.",
                  what, (unsigned long)p[1], p[3] == 2 ? "a shared line" : "not shared");
        return true;
    default:
        return false;
    }
}

void bugcheck_explain(const struct bugcheck_report *r, char *buf, size_t size)
{
    char at[96];
    where(r, at, sizeof(at));

    switch (r->code) {
    case PAGE_FAULT_IN_NONPAGED_AREA:
        if (r->frame) {
            explain_page_fault(r, at, buf, size);
            return;
        }
        break;
    case IRQL_NOT_LESS_OR_EQUAL:
        if (r->frame) {
            explain_irql_fault(r, at, buf, size);
            return;
        }
        break;
    case ATTEMPTED_WRITE_TO_READONLY_MEMORY:
        ksnprintf(buf, size,
                  "A write to 0x%016lx by %s, but that page is mapped read-only (kernel code and constants "
                  "are, so nothing can overwrite them by accident).",
                  (unsigned long)r->param[0], at);
        return;
    case ATTEMPTED_EXECUTE_OF_NOEXECUTE_MEMORY:
        ksnprintf(buf, size,
                  "The CPU jumped to 0x%016lx, but that page is data, mapped no-execute: a corrupt "
                  "function pointer or return address (the backtrace shows who jumped).",
                  (unsigned long)r->param[0]);
        return;
    case KMODE_EXCEPTION_NOT_HANDLED:
        explain_kmode(r, at, buf, size);
        return;
    case UNEXPECTED_KERNEL_MODE_TRAP:
        explain_trap(r, at, buf, size);
        return;
    case NMI_HARDWARE_FAILURE:
        ksnprintf(buf, size,
                  "A non-maskable interrupt (NMI), which on a PC reports a hardware failure, "
                  "arrived while the CPU was in %s.",
                  at);
        return;
    case MACHINE_CHECK_EXCEPTION:
        if (r->param[2] | r->param[3])
            ksnprintf(buf, size, "A machine check (#MC): bank %lu reports an uncorrected error, MCi_STATUS 0x%08lx%08lx.",
                      (unsigned long)r->param[0], (unsigned long)r->param[2], (unsigned long)r->param[3]);
        else
            ksnprintf(buf, size, "A machine check (#MC) in %s, but no bank holds an error (a software int $18?).", at);
        return;
    case MANUALLY_INITIATED_CRASH:
        ksnprintf(buf, size, "The crash was requested on purpose by %s.", at);
        return;
    case DRIVER_OVERRAN_STACK_BUFFER: { /* kernel/lib/stack_protector.c */
        char overran[96];
        backtrace_format_return_address(r->param[0], overran, sizeof(overran));
        ksnprintf(buf, size,
                  "%s wrote past the end of a buffer on its stack: the stack cookie in its frame no "
                  "longer holds 0x%016lx (-fstack-protector-strong).",
                  overran, (unsigned long)r->param[1]);
        return;
    }
    default:
        break;
    }
    if ((r->code == DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION || r->code == DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL ||
         r->code == PAGE_FAULT_IN_FREED_SPECIAL_POOL) &&
        explain_rule(r, buf, size))
        return; /* a page fault (r->frame set) that explain_rule knows how to tell */
    if (!r->frame && (explain_rule(r, buf, size) || explain_watchdog(r, buf, size)))
        return;
    ksnprintf(buf, size, "KeBugCheckEx(%s) was called by %s.", bugcheck_name(r->code), at);
}
