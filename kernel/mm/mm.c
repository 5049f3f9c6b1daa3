/* kernel/mm/mm.c - memory-manager bring-up, in dependency order (see mm.h).
 * Intel SDM Vol. 3A chapter 4 (paging) for why the tables come before anything that maps. */
#include "kernel/mm/mm.h"

#include "arch/x86_64/stack_switch.h"
#include "include/wdm.h"
#include "kernel/console/log.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/kstack.h"
#include "kernel/mm/paging.h"
#include "kernel/mm/pmm.h"

void mm_init(const struct boot_info *info)
{
    pmm_init(info);
    paging_init(info);
    heap_init();
}

void mm_run_on_guarded_stack(void (*continuation)(void))
{
    uint64_t top = kstack_alloc(KSTACK_DEFAULT_PAGES);
    if (!top)
        KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, 5, KSTACK_DEFAULT_PAGES, 0, 0);
    log_info("mm: boot CPU now runs on a guarded stack 0x%lx-0x%lx",
             (unsigned long)(top - KSTACK_DEFAULT_PAGES * 4096ull), (unsigned long)top);
    stack_switch_call(top, continuation);
}
