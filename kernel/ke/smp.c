/* kernel/ke/smp.c - bring up the application processors (APs).
 *
 * For each enabled processor in the MADT: give it a kprcb, GDT+TSS, a guarded kernel stack and
 * IST stacks; point the trampoline's data block at them; send INIT, then SIPI twice (Intel SDM
 * Vol. 3A §9.4.4.1; QEMU's SeaBIOS leaves APs halted, not waiting for a SIPI, so the INIT is what
 * makes them listen - SeaBIOS src/fw/smp.c, QEMU 7.2 hw/intc/apic.c apic_sipi). The AP runs
 * boot/ap_trampoline.asm and arrives in smp_ap_entry(). CPUs are started one at a time because
 * they share the trampoline's data block.
 */
#include "kernel/ke/smp.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/madt.h"
#include "include/wdm.h"
#include "kernel/boot/cmdline.h"
#include "kernel/console/log.h"
#include "kernel/ke/clock.h"
#include "kernel/ke/ipi.h"
#include "kernel/ke/kprcb.h"
#include "kernel/ke/thread.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/kstack.h"
#include "kernel/mm/paging.h"

static bool maxcpus_check(const char *value, char *why, size_t why_size)
{
    unsigned long n;
    if (cmdline_parse_number(value, &n) && n >= 1 && n <= KE_MAX_CPUS)
        return true;
    ksnprintf(why, why_size, "not 1..%d; ignored", KE_MAX_CPUS);
    return false;
}
CMDLINE_OPTION_CHECKED(maxcpus, "<n>", "start at most n processors (default: all the MADT lists, at most 64)",
                       maxcpus_check);

extern const uint8_t ap_trampoline_start[], ap_trampoline_end[];
extern const uint64_t ap_trampoline_cr3, ap_trampoline_stack, ap_trampoline_entry, ap_trampoline_arg;

#define SIPI_VECTOR (AP_TRAMPOLINE_BASE >> 12)
#define AP_START_TIMEOUT_MS 2000 /* TCG emulates slowly; a real AP answers in microseconds */

static volatile bool ap_arrived;

/* Where a trampoline data field sits in the copy at AP_TRAMPOLINE_BASE. */
static volatile uint64_t *trampoline_field(const uint64_t *field)
{
    uintptr_t offset = (uintptr_t)field - (uintptr_t)ap_trampoline_start;
    return (volatile uint64_t *)(uintptr_t)(AP_TRAMPOLINE_BASE + offset);
}

__attribute__((noreturn)) void smp_ap_entry(struct kprcb *prcb);

void smp_ap_entry(struct kprcb *prcb)
{
    gdt_init_cpu(prcb->arch_tables);
    idt_load();
    lapic_init_ap();
    ke_prcb_attach(prcb, prcb->number, lapic_id());
    ke_clock_start_this_cpu();
    __atomic_store_n(&ap_arrived, true, __ATOMIC_RELEASE);
    /* This context becomes the CPU's idle thread: it halts until an interrupt, whose way out
     * runs the DPCs it queued and switches to any thread made ready here (kernel/ke/thread.c). */
    ke_sched_ap_idle();
}

static struct kprcb *prepare_cpu(uint32_t number)
{
    struct kprcb *prcb = kzalloc(sizeof(*prcb));
    struct cpu_tables *tables = kzalloc(sizeof(*tables));
    uint64_t stack = kstack_alloc(KSTACK_DEFAULT_PAGES);
    if (!prcb || !tables || !stack)
        return NULL;
    prcb->number = number;
    prcb->arch_tables = tables;
    prcb->stack_top = stack;
    for (unsigned ist = GDT_IST_DOUBLE_FAULT; ist <= GDT_IST_MACHINE_CHECK; ist++) {
        uint64_t top = kstack_alloc(KSTACK_DEFAULT_PAGES);
        if (!top)
            return NULL;
        gdt_set_ist(tables, ist, top);
    }
    /* Its own clock and IPI objects, before it can take either (interrupt.h, per_processor). */
    ke_clock_connect_cpu(number);
    ke_ipi_connect_cpu(number);
    return prcb;
}

static bool start_one(uint32_t apic_id, struct kprcb *prcb)
{
    *trampoline_field(&ap_trampoline_cr3) = read_cr3();
    *trampoline_field(&ap_trampoline_stack) = prcb->stack_top;
    *trampoline_field(&ap_trampoline_entry) = (uint64_t)(uintptr_t)smp_ap_entry;
    *trampoline_field(&ap_trampoline_arg) = (uint64_t)(uintptr_t)prcb;
    __atomic_store_n(&ap_arrived, false, __ATOMIC_RELEASE);

    lapic_send_init(apic_id);
    KeStallExecutionProcessor(10000);
    for (int sipi = 0; sipi < 2 && !ap_arrived; sipi++) {
        lapic_send_sipi(apic_id, SIPI_VECTOR);
        KeStallExecutionProcessor(200);
    }
    for (unsigned ms = 0; ms < AP_START_TIMEOUT_MS && !__atomic_load_n(&ap_arrived, __ATOMIC_ACQUIRE); ms++)
        KeStallExecutionProcessor(1000);
    return ap_arrived;
}

unsigned smp_start_aps(void)
{
    const struct madt_info *madt = madt_system();
    unsigned limit = KE_MAX_CPUS;
    const char *max = cmdline_get("maxcpus");
    unsigned long n;
    if (max && cmdline_parse_number(max, &n) && n >= 1 && n <= KE_MAX_CPUS) /* else reported by cmdline_init */
        limit = (unsigned)n;

    /* Windows puts at most 64 processors in a group (a KAFFINITY has 64 bits); irqlab has one
     * group. Say so when the machine has more, instead of leaving the rest off in silence. */
    unsigned found = madt->lapics_dropped;
    for (unsigned i = 0; i < madt->lapic_count; i++)
        found += madt->lapics[i].enabled;
    if (found > KE_MAX_CPUS)
        log_warn("smp: %u CPUs found, %d supported; %u left offline", found, KE_MAX_CPUS, found - KE_MAX_CPUS);

    size_t size = (size_t)(ap_trampoline_end - ap_trampoline_start);
    memcpy((void *)(uintptr_t)AP_TRAMPOLINE_BASE, ap_trampoline_start, size);
    paging_set_executable(AP_TRAMPOLINE_BASE, 4096, true);

    uint32_t bsp = lapic_id();
    unsigned started = 0;
    for (unsigned i = 0; i < madt->lapic_count && 1 + started < limit; i++) {
        const struct madt_lapic *cpu = &madt->lapics[i];
        if (!cpu->enabled || cpu->apic_id == bsp)
            continue;
        struct kprcb *prcb = prepare_cpu(1 + started);
        if (!prcb) {
            log_error("smp: out of memory preparing CPU with APIC id %u", cpu->apic_id);
            break;
        }
        if (!start_one(cpu->apic_id, prcb)) {
            log_error("smp: CPU with APIC id %u did not start (no answer to INIT-SIPI-SIPI)", cpu->apic_id);
            continue;
        }
        started++;
    }
    /* The trampoline page goes back to being data: nothing may execute there any more. */
    paging_set_executable(AP_TRAMPOLINE_BASE, 4096, false);
    return started;
}
