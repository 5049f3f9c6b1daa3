/* tests/ktest/thread_helpers.c - see thread_helpers.h. */
#include "tests/ktest/thread_helpers.h"

#include "arch/x86_64/cpu.h"

volatile uint64_t th_sequence;

PKTHREAD th_start(PKSTART_ROUTINE routine, PVOID context, int priority, KAFFINITY affinity)
{
    return ke_create_thread(routine, context, priority, affinity ? affinity : (KAFFINITY)-1, "test");
}

bool th_join(PKTHREAD thread, unsigned seconds)
{
    LARGE_INTEGER timeout = th_ms((LONGLONG)seconds * 1000);
    NTSTATUS status = KeWaitForSingleObject(thread, Executive, KernelMode, FALSE, &timeout);
    if (status == STATUS_SUCCESS)
        ke_thread_dereference(thread);
    return status == STATUS_SUCCESS;
}

KAFFINITY th_pin_here(void)
{
    KAFFINITY mask = (KAFFINITY)1 << KeGetCurrentProcessorNumber();
    KeSetSystemAffinityThreadEx(mask);
    return mask;
}

void th_unpin(void) { KeRevertToUserAffinityThreadEx(0); }

bool th_spin_until(volatile uint64_t *flag, unsigned ticks)
{
    uint64_t end = ke_tick_count + ticks;
    while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE)) {
        if (ke_tick_count >= end)
            return false;
        cpu_pause();
    }
    return true;
}
