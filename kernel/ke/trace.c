/* kernel/ke/trace.c - see trace.h. */
#include "kernel/ke/trace.h"

#include "arch/x86_64/cpu.h"
#include "kernel/boot/cmdline.h"
#include "kernel/console/log.h"
#include "kernel/ke/kprcb.h"
#include "kernel/mm/heap.h"

CMDLINE_OPTION(trace, "on|off", "record interrupts, ISRs, DPCs and switches from boot (shell: trace)");

bool trace_on;
static struct trace_cpu *buffers[KE_MAX_CPUS]; /* written once each, before trace_on is set */

_Static_assert((TRACE_EVENTS_PER_CPU & (TRACE_EVENTS_PER_CPU - 1)) == 0, "a power of two");

void trace_record(enum trace_type type, uint8_t vector, uint16_t arg, uint64_t what, uint64_t object)
{
    /* Interrupts off: an interrupt arriving between taking a slot and filling it would otherwise
     * write the next slot first, and seq order would no longer be time order. */
    uint64_t flags = cpu_save_and_disable_interrupts();
    struct trace_cpu *b = buffers[ke_current_prcb()->number];
    if (b) {
        uint32_t seq = b->next;
        struct trace_event *e = &b->events[seq & (TRACE_EVENTS_PER_CPU - 1)];
        e->tsc = rdtsc();
        e->what = what;
        e->object = object;
        e->seq = seq;
        e->type = (uint8_t)type;
        e->vector = vector;
        e->arg = arg;
        __atomic_store_n(&b->next, seq + 1, __ATOMIC_RELEASE); /* a reader on another CPU sees a full event */
    }
    cpu_restore_interrupts(flags);
}

bool trace_start(void)
{
    for (unsigned cpu = 0; cpu < KE_MAX_CPUS; cpu++) {
        if (!ke_prcbs[cpu] || !ke_prcbs[cpu]->online || buffers[cpu])
            continue;
        struct trace_cpu *b = kzalloc(sizeof(*b));
        if (!b)
            return false;
        __atomic_store_n(&buffers[cpu], b, __ATOMIC_RELEASE);
    }
    __atomic_store_n(&trace_on, true, __ATOMIC_RELEASE);
    return true;
}

void trace_stop(void) { __atomic_store_n(&trace_on, false, __ATOMIC_RELEASE); }

void trace_clear(void)
{
    for (unsigned cpu = 0; cpu < KE_MAX_CPUS; cpu++)
        if (buffers[cpu])
            __atomic_store_n(&buffers[cpu]->next, 0, __ATOMIC_RELEASE);
}

const struct trace_cpu *trace_buffer(unsigned cpu)
{
    return cpu < KE_MAX_CPUS ? __atomic_load_n(&buffers[cpu], __ATOMIC_ACQUIRE) : NULL;
}

const struct trace_event *trace_event_at(unsigned cpu, uint32_t seq)
{
    const struct trace_cpu *b = trace_buffer(cpu);
    if (!b)
        return NULL;
    uint32_t next = __atomic_load_n(&b->next, __ATOMIC_ACQUIRE);
    if (seq >= next || next - seq > TRACE_EVENTS_PER_CPU)
        return NULL;
    return &b->events[seq & (TRACE_EVENTS_PER_CPU - 1)];
}

void ke_trace_init(void)
{
    if (!cmdline_get_bool("trace", false))
        return;
    if (trace_start())
        log_info("trace: on, %u events per CPU (shell: trace dump)", TRACE_EVENTS_PER_CPU);
    else
        log_warn("trace: no memory for the buffers; trace stays off");
}
