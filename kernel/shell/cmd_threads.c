/* kernel/shell/cmd_threads.c - `threads`: every kernel thread, as the dispatcher sees it
 * (kernel/ke/thread.h, docs/scheduling.md).
 *
 * A snapshot is copied under the dispatcher lock and printed after it is released (printing on
 * the serial line is slow, and other CPUs must keep scheduling meanwhile). Stack use is the
 * high-water mark: stacks start zeroed, so the lowest non-zero word shows how deep it ever went. */
#include "arch/x86_64/cpu.h"
#include "kernel/console/console.h"
#include "kernel/ke/thread.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"
#include "kernel/shell/shell.h"
#include "kernel/shell/shell_format.h"

#define MAX_SHOWN 48

struct thread_row {
    ULONG id;
    char name[16];
    int priority, base;
    unsigned state, wait_reason, cpu;
    uint64_t switches;
    uint64_t stack_base, stack_limit;
};

static const char *wait_reason_name(unsigned reason)
{
    switch (reason) {
    case Executive: return "Executive";
    case DelayExecution: return "Delay";
    case UserRequest: return "UserRequest";
    case WrExecutive: return "WrExecutive";
    default: return "other";
    }
}

/* Bytes of the stack ever used: from the top down to the lowest word that is not zero. */
static uint64_t stack_high_water(uint64_t limit, uint64_t base)
{
    if (!limit || base <= limit)
        return 0;
    for (const uint64_t *p = (const uint64_t *)(uintptr_t)limit; (uint64_t)(uintptr_t)p < base; p++)
        if (*p)
            return base - (uint64_t)(uintptr_t)p;
    return 0;
}

static int cmd_threads(const struct shell_args *args)
{
    if (args->argc != 1)
        return SHELL_USAGE;
    static struct thread_row rows[MAX_SHOWN];
    unsigned n = 0, total = 0;
    uint64_t flags = cpu_save_and_disable_interrupts();
    ke_dispatcher_lock_acquire();
    for (PLIST_ENTRY e = ke_thread_list.Flink; e != &ke_thread_list; e = e->Flink, total++) {
        PKTHREAD t = CONTAINING_RECORD(e, struct _KTHREAD, ThreadListEntry);
        if (n == MAX_SHOWN)
            continue;
        struct thread_row *r = &rows[n++];
        r->id = t->ThreadId;
        strlcpy(r->name, t->Name, sizeof(r->name));
        r->priority = t->Priority;
        r->base = t->BasePriority;
        r->state = t->State;
        r->wait_reason = t->WaitReason;
        r->cpu = t->NextProcessor;
        r->switches = t->ContextSwitches;
        r->stack_base = t->StackBase;
        r->stack_limit = t->StackLimit;
    }
    ke_dispatcher_lock_release();
    cpu_restore_interrupts(flags);

    console_printf("  id  name          pri base  state       wait reason  CPU  stack used  switches\n");
    for (unsigned i = 0; i < n; i++) {
        const struct thread_row *r = &rows[i];
        char used[16], switches[16];
        uint64_t bytes = stack_high_water(r->stack_limit, r->stack_base);
        uint64_t size = r->stack_base - r->stack_limit;
        ksnprintf(used, sizeof(used), "%lu/%luK", (unsigned long)((bytes + 1023) / 1024),
                  (unsigned long)(size / 1024));
        console_printf("%4u  %-13s %3d %4d  %-11s %-11s  %3u  %10s  %8s\n", r->id, r->name, r->priority, r->base,
                       ke_thread_state_name(r->state), r->state == Waiting ? wait_reason_name(r->wait_reason) : "-",
                       r->cpu, used, shell_format_count(switches, sizeof(switches), r->switches, 8));
    }
    if (total > n)
        console_printf("... and %u more\n", total - n);
    console_printf("%u thread%s; the shell is thread %u. CPU: where it runs or is queued.\n", total,
                   total == 1 ? "" : "s", KeGetCurrentThread() ? KeGetCurrentThread()->ThreadId : 0);
    return SHELL_OK;
}

SHELL_COMMAND(threads, "threads", "threads: priority, state, wait reason, CPU, stack use, switches",
              "One row per kernel thread (KTHREAD): its id, current and base priority (0-31), state "
              "(Running, Ready, Waiting, ...), what it waits for, the CPU it runs on or is queued for, "
              "how much of its kernel stack it has ever used, and how often it was switched to. "
              "Each CPU has an idle thread; the shell is thread \"main\". docs/scheduling.md explains it.",
              cmd_threads);
