/* kernel/ke/trace.h - a per-CPU trace of the interrupt path, to look at afterwards.
 *
 * Like Windows' ETW interrupt/DPC events (what xperf and WPA show), irqlab records, per CPU:
 *   interrupt entry/exit (vector), every ISR call and its result, every DPC queued and run,
 *   every context switch.
 * Each CPU writes only its own ring of TRACE_EVENTS_PER_CPU events, with interrupts off for the
 * few stores of one event: no lock, no shared cache line, and events of one CPU are in the order
 * they happened (sequence numbers 0, 1, 2, ... with never a gap). When the ring is full the oldest
 * events are overwritten. `trace=on` on the command line starts it at boot; at the prompt
 * `trace start|stop|clear|dump|status` (kernel/shell/cmd_trace.c); scripts/trace.py turns a dump into
 * Chrome trace-event JSON (Perfetto, chrome://tracing) and histograms (docs/performance.md).
 *
 * Off, every hook below is one load and one not-taken branch (`if (trace_on)`), marked unlikely
 * so the recording call sits out of line: `make bench` shows the cost next to a build without
 * hooks. Hooks live in kernel/ke/dispatch.c, dpc.c and switch.c, one line each.
 */
#ifndef IRQLAB_KE_TRACE_H
#define IRQLAB_KE_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#define TRACE_EVENTS_PER_CPU 4096 /* a power of two: the ring index is seq & (N - 1) */

enum trace_type {
    TRACE_INTERRUPT = 1,     /* vector; entry of ke_dispatch_interrupt, after the spurious checks */
    TRACE_INTERRUPT_END = 2, /* vector; before the IRQL is lowered and DPCs drained */
    TRACE_ISR = 3,           /* vector, what = the ISR, object = the KINTERRUPT */
    TRACE_ISR_END = 4,       /* vector, arg = what it returned (TRUE/FALSE) */
    TRACE_DPC_QUEUE = 5,     /* what = the routine, object = the KDPC, arg = the target CPU */
    TRACE_DPC = 6,           /* what = the routine, object = the KDPC */
    TRACE_DPC_END = 7,
    TRACE_SWITCH = 8, /* what = the old thread's id, object = the new thread's id */
    TRACE_MARK = 9,   /* tests and tools: what/object/arg are theirs */
};

struct trace_event {
    uint64_t tsc;    /* time stamp counter of this CPU */
    uint64_t what;   /* the routine (ISR, DPC) or old thread id */
    uint64_t object; /* the KINTERRUPT, KDPC or new thread id */
    uint32_t seq;    /* this CPU's event number: consecutive, never reused before wraparound */
    uint8_t type;    /* enum trace_type */
    uint8_t vector;
    uint16_t arg;
};

struct trace_cpu {
    uint32_t next; /* seq of the next event; only this CPU writes it */
    struct trace_event events[TRACE_EVENTS_PER_CPU];
};

extern bool trace_on; /* read on every hook; written only by trace_start/trace_stop */

/* The out-of-line part: one event into this CPU's ring (interrupts off while it writes). */
void trace_record(enum trace_type type, uint8_t vector, uint16_t arg, uint64_t what, uint64_t object);

/* Allocate every online CPU's ring (once) and start; false if there is no memory. */
bool trace_start(void);
void trace_stop(void);
/* Forget every event: each CPU's next goes back to 0. Call it stopped (a CPU recording at that
 * moment would write its old next back); `trace clear` stops, clears and restarts. */
void trace_clear(void);
/* A CPU's ring (NULL if never started); events seq max(0, next-N) .. next-1 are valid. */
const struct trace_cpu *trace_buffer(unsigned cpu);
/* The event with sequence number `seq` of `cpu`, NULL if overwritten or not yet written. */
const struct trace_event *trace_event_at(unsigned cpu, uint32_t seq);
/* `trace=on`: start at boot (ke_init, once every CPU is online). */
void ke_trace_init(void);

/* The hooks: one line each at the place they describe. They are macros, not inline functions, so
 * that their arguments are computed only inside the `if`: at -Og GCC evaluates an inline
 * function's arguments before its body, which costs a few instructions more while the trace is
 * off. IRQLAB_NO_TRACE (make bench's second build) compiles them away, to show what the `if`
 * costs. */
#ifdef IRQLAB_NO_TRACE
#define TRACE_HOOK(call)                                                                                               \
    do {                                                                                                               \
    } while (0)
#else
#define TRACE_HOOK(call)                                                                                               \
    do {                                                                                                               \
        if (__builtin_expect(trace_on, 0))                                                                             \
            call;                                                                                                      \
    } while (0)
#endif
#define TRACE_ADDRESS(p) ((uint64_t)(uintptr_t)(p))
#define trace_interrupt(vector) TRACE_HOOK(trace_record(TRACE_INTERRUPT, (vector), 0, 0, 0))
#define trace_interrupt_end(vector) TRACE_HOOK(trace_record(TRACE_INTERRUPT_END, (vector), 0, 0, 0))
#define trace_isr(vector, isr, interrupt)                                                                              \
    TRACE_HOOK(trace_record(TRACE_ISR, (uint8_t)(vector), 0, TRACE_ADDRESS(isr), TRACE_ADDRESS(interrupt)))
#define trace_isr_end(vector, isr, claimed)                                                                            \
    TRACE_HOOK(trace_record(TRACE_ISR_END, (uint8_t)(vector), (claimed) != 0, TRACE_ADDRESS(isr), 0))
#define trace_dpc_queue(routine, dpc, target_cpu)                                                                      \
    TRACE_HOOK(trace_record(TRACE_DPC_QUEUE, 0, (uint16_t)(target_cpu), TRACE_ADDRESS(routine), TRACE_ADDRESS(dpc)))
#define trace_dpc(routine, dpc) TRACE_HOOK(trace_record(TRACE_DPC, 0, 0, TRACE_ADDRESS(routine), TRACE_ADDRESS(dpc)))
#define trace_dpc_end(routine, dpc)                                                                                    \
    TRACE_HOOK(trace_record(TRACE_DPC_END, 0, 0, TRACE_ADDRESS(routine), TRACE_ADDRESS(dpc)))
#define trace_switch(old_thread_id, new_thread_id)                                                                     \
    TRACE_HOOK(trace_record(TRACE_SWITCH, 0, 0, (old_thread_id), (new_thread_id)))

#endif
