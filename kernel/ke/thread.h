/* kernel/ke/thread.h - the kernel's view of threads: KTHREAD, the per-CPU scheduler state and the
 * dispatcher lock. Drivers see PKTHREAD as opaque (include/wdm.h). The story of a context switch
 * is kernel/ke/switch.c; the rules (who runs next) are kernel/ke/sched_core.c.
 *
 * Locking: one dispatcher lock (ke_dispatcher_lock) protects every ready queue, every dispatcher
 * object's state and wait list, the timer queue and every thread's State. It is taken at
 * DISPATCH_LEVEL or above with interrupts off, and held ACROSS a context switch: the thread that
 * switches away acquires it, the thread that starts running releases it (switch.c).
 */
#ifndef IRQLAB_KE_THREAD_H
#define IRQLAB_KE_THREAD_H

#include <stdbool.h>
#include <stdint.h>

#include "include/wdm.h"
#include "kernel/ke/kprcb.h"
#include "kernel/ke/sched_core.h"

/* KTHREAD_STATE, Windows' values (the `threads` view and GDB show these). */
enum ke_thread_state {
    Initialized = 0,
    Ready = 1,
    Running = 2,
    Standby = 3,
    Terminated = 4,
    Waiting = 5,
    Transition = 6,
    DeferredReady = 7,
};

#define KE_THREAD_STACK_PAGES 4  /* 16 KiB, as KSTACK_DEFAULT_PAGES */
#define KE_QUANTUM_TICKS 2       /* clock ticks per quantum (Windows client: 2 clock intervals) */
#define KE_SYSTEM_THREAD_PRIORITY 8

struct _KTHREAD {
    DISPATCHER_HEADER Header; /* ThreadObject: signalled when the thread has terminated */
    uint64_t KernelStack;     /* saved rsp while not running (ke_swap_context) */
    uint64_t StackBase;       /* top of the stack (highest address) */
    uint64_t StackLimit;      /* lowest usable address */
    volatile UCHAR State;     /* enum ke_thread_state */
    SCHAR Priority;           /* current, 0-31 */
    SCHAR BasePriority;
    UCHAR WaitReason;         /* KWAIT_REASON */
    UCHAR WaitIrql;           /* the IRQL the wait returns to */
    bool IsIdle;
    bool OwnStack;            /* false for the boot thread and the APs' idle threads */
    LONG Quantum;             /* clock ticks left */
    KAFFINITY Affinity;
    KAFFINITY SavedAffinity;  /* KeSetSystemAffinityThreadEx's "previous" */
    bool SystemAffinityActive;
    ULONG NextProcessor;      /* the CPU it runs on, or whose ready queue holds it */
    LIST_ENTRY ReadyListEntry;   /* in a ready queue */
    LIST_ENTRY ThreadListEntry;  /* in ke_thread_list (every thread) */
    KWAIT_BLOCK WaitBlock[THREAD_WAIT_OBJECTS + 1]; /* +1: the timeout's block on Timer */
    PKWAIT_BLOCK WaitBlockList;  /* the current wait's ring, NULL when not waiting */
    NTSTATUS WaitStatus;
    KTIMER Timer;                /* the wait's timeout */
    ULONG ThreadId;              /* PsGetCurrentThreadId: multiple of 4 */
    PKSTART_ROUTINE StartRoutine;
    PVOID StartContext;
    NTSTATUS ExitStatus;
    LIST_ENTRY MutantListHead;   /* KMUTEXes it owns (ending with one: stop 0x4000008A) */
    uint64_t ContextSwitches;    /* times it was switched to */
    volatile LONG References;    /* handle + the running thread + ObReferenceObjectByHandle */
    char Name[24];
};

/* Per-CPU scheduler state, indexed by processor number. */
struct ke_sched_cpu {
    PKTHREAD current;
    PKTHREAD idle;
    struct sched_ready_queue ready;
    volatile bool dispatch_pending; /* switch when the IRQL drops below DISPATCH_LEVEL */
    bool quantum_end;               /* the pending switch is a quantum end (running thread to the tail) */
    PKTHREAD terminated;            /* switched away from for the last time: recycle its stack */
    uint64_t context_switches;
};

extern struct ke_sched_cpu ke_sched_cpus[KE_MAX_CPUS];
extern raw_lock_t ke_dispatcher_lock;
extern LIST_ENTRY ke_thread_list; /* under ke_dispatcher_lock */
extern volatile bool ke_sched_running; /* set once the boot CPU has a current thread */

static inline struct ke_sched_cpu *ke_this_sched(void) { return &ke_sched_cpus[ke_current_prcb()->number]; }

/* The dispatcher lock; caller has interrupts off (and is at DISPATCH_LEVEL or above). */
static inline void ke_dispatcher_lock_acquire(void)
{
    while (__atomic_exchange_n(&ke_dispatcher_lock.locked, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&ke_dispatcher_lock.locked, __ATOMIC_RELAXED))
            cpu_pause();
}
static inline void ke_dispatcher_lock_release(void) { __atomic_store_n(&ke_dispatcher_lock.locked, 0, __ATOMIC_RELEASE); }

/* Bring-up: the boot context becomes the first thread ("main") and CPU 0 gets an idle thread;
 * each AP's entry context becomes that AP's idle thread, then runs the idle loop forever. */
void ke_sched_init_bsp(void);
PKTHREAD ke_create_idle_thread_for_bsp(void);
/* Create a thread and make it ready (PsCreateSystemThread without the handle; tests use it to
 * choose priority and processors). Returns it with one reference for the caller. PASSIVE_LEVEL. */
PKTHREAD ke_create_thread(PKSTART_ROUTINE start, PVOID context, int priority, KAFFINITY affinity, const char *name);
__attribute__((noreturn)) void ke_sched_ap_idle(void);

/* Make a Waiting/Initialized thread Ready on a suitable CPU, preempting (or IPI'ing) that CPU if
 * it now has a higher-priority thread ready. Dispatcher lock held. */
void ke_ready_thread(PKTHREAD thread);

/* switch.c: give up the CPU. The current thread's State must already say why (Waiting,
 * Terminated, or Ready after being queued). Dispatcher lock held, interrupts off, IRQL
 * DISPATCH_LEVEL; returns (lock still held) when this thread runs again, possibly elsewhere. */
void ke_switch_away(void);
/* switch.c: the pending switch (preemption, quantum end). Called when the IRQL drops below
 * DISPATCH_LEVEL with interrupts off; takes and releases the dispatcher lock itself. */
void ke_switch_if_pending(void);
static inline bool ke_switch_pending(const struct kprcb *prcb)
{
    return ke_sched_cpus[prcb->number].dispatch_pending;
}

/* clock.c's hook, at CLOCK_LEVEL on every CPU: quantum accounting (and timers on CPU 0). */
void ke_sched_clock_tick(struct kprcb *prcb);
/* timer.c: arm/disarm under the dispatcher lock (also used for the wait timeout). */
void ke_timer_insert_locked(PKTIMER timer, ULONGLONG due, ULONG period, PKDPC dpc);
bool ke_timer_remove_locked(PKTIMER timer);
void ke_timer_clock_tick(void);
/* timer.c, for the `timers` shell command and tests: a copy of the queued timers, earliest first. */
struct ke_timer_info {
    PKTIMER timer;
    ULONGLONG due;          /* interrupt time, 100 ns units */
    ULONG period;           /* ms, 0 = one-shot */
    PKDEFERRED_ROUTINE dpc_routine; /* the timer's DPC's routine, NULL if none */
    PVOID dpc_context;
    PKTHREAD waiter;        /* the thread whose wait timeout this is, or NULL */
    ULONG waiter_id;
    char waiter_name[16];
};
/* Fills at most `max` (under the dispatcher lock, briefly); returns how many are queued in all. */
unsigned ke_timer_snapshot(struct ke_timer_info *out, unsigned max);
/* wait.c: the thread's wait ended with `status`: unlink its wait blocks, cancel its timeout, ready it. */
void ke_unwait_thread(PKTHREAD thread, NTSTATUS status, KPRIORITY increment);
/* wait.c: signal an object and wake what it satisfies (lock held). */
void ke_signal_object(DISPATCHER_HEADER *object, KPRIORITY increment);

/* Reference counting of thread objects (thread.c). */
void ke_thread_reference(PKTHREAD thread);
void ke_thread_dereference(PKTHREAD thread);
/* Called by the thread that starts running after `old` terminated (switch.c). */
void ke_thread_reap(PKTHREAD old);
/* ObfReferenceObject / ObfDereferenceObject on a thread object (kernel/io/file_object.c). */
LONG_PTR ke_thread_ob_reference(PVOID Object);
LONG_PTR ke_thread_ob_dereference(PVOID Object);

/* For the shell and tests: names of states and wait reasons. */
const char *ke_thread_state_name(unsigned state);

#endif
