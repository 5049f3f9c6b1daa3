/* kernel/ke/kprcb.h - per-processor data ("processor control block", Windows' KPRCB).
 *
 * Each CPU's GS base (MSR 0xC0000101) points at its own struct kprcb, whose first member points
 * at itself, so `mov %gs:0, %rax` gives "my" block in one instruction without knowing which CPU
 * we are on. Everything a CPU changes often (interrupt counts, its DPC queue) lives here, so
 * CPUs never fight over a cache line or a lock for bookkeeping.
 */
#ifndef IRQLAB_KE_KPRCB_H
#define IRQLAB_KE_KPRCB_H

#include <stdbool.h>
#include <stdint.h>

#include "include/wdm.h"
#include "kernel/ke/rawlock.h"

#define KE_MAX_CPUS 64
#define KE_VECTORS 256

/* Reasons one CPU interrupts another (bits in kprcb.ipi_requests, vector KE_VECTOR_IPI). */
enum ke_ipi_request {
    KE_IPI_DPC = 1u << 0,    /* a DPC was queued for you: run your queue */
    KE_IPI_FREEZE = 1u << 1, /* a bugcheck is in progress: stop */
    KE_IPI_CALL = 1u << 2,   /* run ipi_call_fn(ipi_call_arg) (ke_ipi_call_others) */
    KE_IPI_TEST = 1u << 3,   /* count only (tests) */
    KE_IPI_RESCHEDULE = 1u << 4, /* a thread became ready for you: switch on the way out (thread.c) */
};

enum ke_watched_kind { KE_WATCHED_NONE, KE_WATCHED_DPC, KE_WATCHED_ISR };

struct kprcb {
    struct kprcb *self;       /* must stay first: %gs:0 */
    uint32_t number;          /* 0 .. KeQueryActiveProcessorCount()-1, the bit in a KAFFINITY */
    uint32_t apic_id;         /* the local APIC's id: where IPIs and interrupts are sent */
    volatile bool online;
    uint64_t stack_top;
    void *arch_tables;        /* this CPU's GDT + TSS (arch/x86_64/gdt.h) */

    /* Interrupt accounting: written only by this CPU, read by anyone (shell, tests). */
    uint32_t interrupt_nesting;                 /* > 0 while inside the dispatcher */
    uint64_t vector_claimed[KE_VECTORS];        /* an ISR returned TRUE */
    uint64_t vector_unclaimed[KE_VECTORS];      /* every ISR returned FALSE (or none exists) */
    uint32_t storm_window_total[KE_VECTORS];    /* level vectors: the current storm window */
    uint32_t storm_window_unclaimed[KE_VECTORS];
    uint64_t storm_last_unclaimed_tsc[KE_VECTORS]; /* a quiet gap restarts the window (storm.c) */
    uint32_t storm_claimed_streak[KE_VECTORS];     /* claimed, and the line still asserted at EOI ... */
    uint64_t storm_streak_start_tsc[KE_VECTORS];   /* ... since this TSC */
    uint32_t storm_claimed_run[KE_VECTORS];        /* ... and since the last forgiven gap (storm.c) */
    uint32_t spinlocks_held;                       /* verifier=spinlock (verifier_spinlock.c) */
    uint64_t spurious_lapic;                    /* vector 0xFF */
    uint64_t clock_ticks;
    uint64_t ipi_received[8];                   /* per enum ke_ipi_request bit */

    /* This CPU's DPC queue (KDPC.DpcListEntry chains them; FIFO, HighImportance at the head). */
    raw_lock_t dpc_lock;
    PKDPC dpc_head;
    PKDPC dpc_tail;
    uint32_t dpc_depth;
    uint32_t dpc_max_depth;
    uint64_t dpc_queued;
    uint64_t dpc_executed;
    volatile bool dpc_running;

    /* Watchdogs (kernel/ke/watchdog.c). `watched` is the DPC or ISR running now (routine NULL:
     * none); the clock interrupt checks how long it has been running. */
    struct ke_watched {
        void *volatile routine;   /* DeferredRoutine or ServiceRoutine */
        void *object;             /* the KDPC or KINTERRUPT */
        uint64_t start_tick;      /* this CPU's clock_ticks when it was called */
        uint64_t start_tsc;       /* verifier=budget: its TSC then (0: not timed) */
        uint8_t kind;             /* enum ke_watched_kind */
    } watched;
    KIRQL clock_interrupted_irql;              /* the IRQL the current clock interrupt interrupted */
    uint32_t tick_redelivered;                 /* since the last tick: level lines still asserted at EOI ... */
    uint32_t tick_quiet;                       /* ... and quiet at EOI */
    uint32_t elevated_ticks;                   /* ticks at DISPATCH_LEVEL or above, without a break */
    uint32_t calm_ticks;                       /* consecutive ticks that were not */
    uint32_t period_interrupts;                /* interrupts dispatched during those ticks ... */
    uint32_t period_vector_count[KE_VECTORS];  /* ... per vector (the clock's not counted) */
    uint64_t clock_seen[KE_MAX_CPUS];          /* another CPU's clock_ticks as this CPU last saw it ... */
    uint64_t clock_seen_at[KE_MAX_CPUS];       /* ... and this CPU's clock_ticks when it changed */
    volatile uint64_t nmi_probe_rip;           /* where an NMI probe found this CPU (0: not yet) */
    volatile bool nmi_probe_requested;

    /* IPIs */
    volatile uint32_t ipi_requests;
    void (*volatile ipi_call_fn)(void *arg);
    void *volatile ipi_call_arg;
};

extern struct kprcb *ke_prcbs[KE_MAX_CPUS]; /* indexed by processor number */
extern volatile uint32_t ke_active_cpu_count;
extern volatile KAFFINITY ke_active_processors;

static inline struct kprcb *ke_current_prcb(void)
{
    struct kprcb *prcb;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(prcb));
    return prcb;
}

/* Set up `prcb` for the calling CPU (GS base, number, APIC id) and mark it online. */
void ke_prcb_attach(struct kprcb *prcb, uint32_t number, uint32_t apic_id);
/* The BSP's block lives in .bss; call this before anything uses IRQL, DPCs or counters. */
void ke_prcb_init_bsp(uint32_t apic_id);
bool ke_prcb_ready(void);

#endif
