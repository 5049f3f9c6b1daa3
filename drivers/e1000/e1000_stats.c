/* drivers/e1000/e1000_stats.c - the driver's running adapters and their counters, for tests.
 * NDIS reads some of them through OIDs (e1000_oid.c); the tests (tests/ktest/e1000_*.c, which
 * print the "e1000-stats:" lines tests/e2e/test_net_*.py parse) read them all here.
 */
#include "e1000.h"

static PE1000_ADAPTER adapters[E1000_MAX_ADAPTERS];

VOID e1000_remember(PE1000_ADAPTER Adapter)
{
    for (unsigned i = 0; i < E1000_MAX_ADAPTERS; i++) {
        PE1000_ADAPTER expected = NULL;
        if (__atomic_compare_exchange_n(&adapters[i], &expected, Adapter, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
            Adapter->Slot = i;
            return;
        }
    }
}

VOID e1000_forget(PE1000_ADAPTER Adapter)
{
    for (unsigned i = 0; i < E1000_MAX_ADAPTERS; i++) {
        PE1000_ADAPTER expected = Adapter;
        (void)__atomic_compare_exchange_n(&adapters[i], &expected, NULL, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
    }
}

PE1000_ADAPTER e1000_adapter(unsigned slot)
{
    return slot < E1000_MAX_ADAPTERS ? __atomic_load_n(&adapters[slot], __ATOMIC_ACQUIRE) : NULL;
}

unsigned e1000_adapter_count(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < E1000_MAX_ADAPTERS; i++)
        n += e1000_adapter(i) != NULL;
    return n;
}

struct e1000_stats e1000_stats_of(PE1000_ADAPTER Adapter)
{
    struct e1000_stats copy = {0};
    const uint64_t *from = (const uint64_t *)&Adapter->Stats;
    uint64_t *to = (uint64_t *)&copy;
    for (size_t i = 0; i < sizeof(copy) / sizeof(uint64_t); i++)
        to[i] = __atomic_load_n(&from[i], __ATOMIC_RELAXED);
    return copy;
}

volatile uint64_t e1000_absent_register_accesses;
volatile int e1000_last_halt_action = -1;
