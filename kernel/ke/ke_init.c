/* kernel/ke/ke_init.c - see ke_init.h. */
#include "kernel/ke/ke_init.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "kernel/console/log.h"
#include "kernel/ke/clock.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/ipi.h"
#include "kernel/ke/kprcb.h"
#include "kernel/ke/lapic_error.h"
#include "kernel/ke/smp.h"
#include "kernel/ke/thread.h"
#include "kernel/ke/threaded_dpc.h"
#include "kernel/ke/trace.h"
#include "kernel/ke/worker_threads.h"

void ke_init(void)
{
    ke_prcb_init_bsp(lapic_id());
    ke_vector_table_init();
    ke_clock_init();
    ke_ipi_init();
    ke_lapic_error_init();
    ke_sched_init_bsp(); /* from here on, this code is thread "main" and CPU 0 has an idle thread */
    ke_clock_start_this_cpu();
    cpu_enable_interrupts();

    unsigned aps = smp_start_aps();
    log_info("smp: %u CPU%s online (1 boot CPU + %u started)", aps + 1, aps ? "s" : "", aps);
    ke_threaded_dpc_init();   /* a priority-31 thread per CPU for threaded DPCs */
    ex_worker_threads_init(); /* the system worker threads behind work items */
    ke_trace_init();          /* trace=on: record from here (kernel/ke/trace.h) */
}
