/* kernel/ke/kprcb.c - per-CPU blocks and the processor-query routines of wdm.h.
 * Intel SDM Vol. 3A §3.4.4 (FS/GS base in 64-bit mode), Vol. 4 (IA32_GS_BASE). */
#include "kernel/ke/kprcb.h"

#include "arch/x86_64/cpu.h"
#include "kernel/lib/string.h"

struct kprcb *ke_prcbs[KE_MAX_CPUS];
volatile uint32_t ke_active_cpu_count;
volatile CCHAR KeNumberProcessors; /* wdm.h (ntkeex.h): the same count, as the WDK's CCHAR */
volatile KAFFINITY ke_active_processors;

static struct kprcb bsp_prcb;
static bool prcb_ready;

void ke_prcb_attach(struct kprcb *prcb, uint32_t number, uint32_t apic_id)
{
    prcb->self = prcb;
    prcb->number = number;
    prcb->apic_id = apic_id;
    wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)prcb);
    ke_prcbs[number] = prcb;
    prcb->online = true;
    __atomic_fetch_or(&ke_active_processors, (KAFFINITY)1 << number, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&ke_active_cpu_count, 1, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&KeNumberProcessors, 1, __ATOMIC_SEQ_CST);
}

void ke_prcb_init_bsp(uint32_t apic_id)
{
    memset(&bsp_prcb, 0, sizeof(bsp_prcb));
    ke_prcb_attach(&bsp_prcb, 0, apic_id);
    prcb_ready = true;
}

bool ke_prcb_ready(void) { return prcb_ready; }

ULONG KeGetCurrentProcessorNumber(VOID) { return prcb_ready ? ke_current_prcb()->number : 0; }

ULONG KeGetCurrentProcessorNumberEx(PPROCESSOR_NUMBER ProcNumber)
{
    ULONG number = KeGetCurrentProcessorNumber();
    if (ProcNumber) {
        ProcNumber->Group = 0;
        ProcNumber->Number = (UCHAR)number;
        ProcNumber->Reserved = 0;
    }
    return number;
}

/* irqlab has one processor group (group 0), like any Windows machine with <= 64 CPUs. */
ULONG KeQueryActiveProcessorCountEx(USHORT GroupNumber)
{
    if (GroupNumber != 0 && GroupNumber != ALL_PROCESSOR_GROUPS)
        return 0;
    return ke_active_cpu_count;
}

ULONG KeQueryActiveProcessorCount(PKAFFINITY ActiveProcessors)
{
    if (ActiveProcessors)
        *ActiveProcessors = ke_active_processors;
    return ke_active_cpu_count;
}

KAFFINITY KeQueryActiveProcessors(VOID) { return ke_active_processors; }
