/* tests/ktest/ndis_raiser.c - see ndis_raiser.h. */
#include "tests/ktest/ndis_raiser.h"

#include "tests/ktest/ndis_test_miniport.h"
#include "tests/ktest/thread_helpers.h"

static void raise_round(struct ndis_raiser *r)
{
    for (ULONG m = 0; m < r->messages; m++)
        ndis_test_raise(m);
    __atomic_fetch_add(&r->raises, 1, __ATOMIC_RELEASE);
}

static VOID raise_in_thread(PVOID context)
{
    struct ndis_raiser *r = context;
    while (__atomic_load_n(&r->on, __ATOMIC_ACQUIRE)) {
        raise_round(r);
        KeStallExecutionProcessor(20);
    }
}

static VOID raise_in_dpc(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    UNREFERENCED_PARAMETER(dpc);
    UNREFERENCED_PARAMETER(a1);
    UNREFERENCED_PARAMETER(a2);
    struct ndis_raiser *r = context;
    if (__atomic_load_n(&r->on, __ATOMIC_ACQUIRE))
        raise_round(r);
}

bool ndis_raiser_start(struct ndis_raiser *r, ULONG messages, KAFFINITY avoid)
{
    KAFFINITY others = KeQueryActiveProcessors() & ~avoid & ~((KAFFINITY)1 << KeGetCurrentProcessorNumber());
    r->messages = messages;
    r->raises = 0;
    r->thread = NULL;
    __atomic_store_n(&r->on, true, __ATOMIC_RELEASE);
    if (others) {
        r->thread = th_start(raise_in_thread, r, 8, others);
        return r->thread != NULL;
    }
    KeInitializeTimer(&r->timer);
    KeInitializeDpc(&r->dpc, raise_in_dpc, r);
    LARGE_INTEGER due = th_ms(1);
    (void)KeSetTimerEx(&r->timer, due, 1, &r->dpc);
    return true;
}

bool ndis_raiser_wait_more(struct ndis_raiser *r, uint64_t more)
{
    uint64_t target = __atomic_load_n(&r->raises, __ATOMIC_ACQUIRE) + more;
    for (unsigned i = 0; i < 500000; i++) { /* 5 s of guest time */
        if (__atomic_load_n(&r->raises, __ATOMIC_ACQUIRE) >= target)
            return true;
        if (r->thread)
            KeStallExecutionProcessor(10);
        else {
            LARGE_INTEGER d = th_ms(1);
            (void)KeDelayExecutionThread(KernelMode, FALSE, &d); /* let the timer DPC run */
            i += 99;
        }
    }
    return false;
}

void ndis_raiser_stop(struct ndis_raiser *r)
{
    __atomic_store_n(&r->on, false, __ATOMIC_RELEASE);
    if (r->thread) {
        (void)th_join(r->thread, 30);
        r->thread = NULL;
    } else {
        (void)KeCancelTimer(&r->timer);
        KeFlushQueuedDpcs();
    }
}
