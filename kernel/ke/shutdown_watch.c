/* kernel/ke/shutdown_watch.c - see shutdown_watch.h. */
#include "kernel/ke/shutdown_watch.h"

#include "kernel/boot/cmdline.h"
#include "kernel/console/console.h"
#include "kernel/ke/clock.h"
#include "kernel/ke/ksyms.h"
#include "kernel/ke/shutdown.h"
#include "kernel/ke/time.h"
#include "kernel/lib/string.h"

CMDLINE_OPTION(poweroff_timeout, "<ms>",
               "poweroff gives up waiting for drivers after this long, says why, exits 35 (default 10000)");

#define POWEROFF_TIMEOUT_DEFAULT_MS 10000u

static volatile uint64_t deadline_us; /* 0: no shutdown in progress */
static volatile uint32_t gave_up;
static char waiting_for[96] = "stopping devices";

void ke_shutdown_watch_begin(void)
{
    uint64_t ms = POWEROFF_TIMEOUT_DEFAULT_MS;
    const char *text = cmdline_get("poweroff_timeout");
    if (text && *text >= '0' && *text <= '9') {
        ms = 0;
        for (const char *p = text; *p >= '0' && *p <= '9' && ms < 100000000u; p++)
            ms = ms * 10 + (uint64_t)(*p - '0');
    }
    __atomic_store_n(&deadline_us, time_now_us() + ms * 1000u + 1, __ATOMIC_RELEASE);
}

void ke_shutdown_waiting_for(const char *what) { strlcpy(waiting_for, what, sizeof(waiting_for)); }

static void describe_busy_cpus(void)
{
    for (unsigned i = 0; i < KE_MAX_CPUS; i++) {
        struct kprcb *p = ke_prcbs[i];
        if (!p || !p->online || !p->watched.routine)
            continue;
        char sym[96];
        ksym_format((uint64_t)(uintptr_t)p->watched.routine, sym, sizeof(sym));
        /* Every CPU's clock runs at KE_CLOCK_HZ, so its own ticks are its own milliseconds. */
        uint64_t ms = (p->clock_ticks - p->watched.start_tick) * (1000u / KE_CLOCK_HZ);
        console_printf("powering off:   CPU %u has been running %s %s for %lu ms\n", i,
                       p->watched.kind == KE_WATCHED_ISR ? "ISR" : "DPC routine", sym, (unsigned long)ms);
    }
}

void ke_shutdown_watch_tick(struct kprcb *prcb)
{
    (void)prcb;
    uint64_t deadline = __atomic_load_n(&deadline_us, __ATOMIC_ACQUIRE);
    if (!deadline || time_now_us() < deadline)
        return;
    if (__atomic_exchange_n(&gave_up, 1u, __ATOMIC_SEQ_CST))
        return;                 /* another CPU's clock is saying it already */
    console_enter_panic_mode(); /* print even if a stuck CPU holds the console lock */
    console_printf("\npowering off: gave up: still waiting for %s\n", waiting_for);
    describe_busy_cpus();
    console_printf("powering off: not a clean shutdown; QEMU exits with status 35.\n");
    ke_exit(KE_EXIT_FAILURE);
}
