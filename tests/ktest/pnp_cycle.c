/* tests/ktest/pnp_cycle.c - see pnp_cycle.h. The pool is counted per tag, leaving out the tags
 * the data path allocates and frees per packet (sends, MDLs, the serve suite's mailbox, work
 * items): traffic on the other NIC runs meanwhile. */
#include "tests/ktest/pnp_cycle.h"

#include "kernel/console/console.h"
#include "kernel/io/connect_interrupt.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/vector_alloc.h"
#include "kernel/mm/pool.h"
#include "tests/ktest/io_helpers.h"

static bool counted(uint32_t tag)
{
    char text[5];
    pool_tag_text(tag, text);
    bool ours = (text[0] == 'I' && text[1] == 'o') || (text[0] == 'N' && text[1] == 'd') ||
                (text[0] == 'E' && text[1] == '1');
    static const char *const transient[] = {"NdSn", "NdMd", "NdMb", "NdWk"};
    for (unsigned i = 0; i < sizeof(transient) / sizeof(transient[0]); i++)
        if (text[0] == transient[i][0] && text[1] == transient[i][1] && text[2] == transient[i][2] &&
            text[3] == transient[i][3])
            return false;
    return ours;
}

static void add_tag(const struct pool_stats *stats, void *context)
{
    if (counted(stats->tag))
        *(uint64_t *)context += stats->bytes_outstanding;
}

static uint64_t pool_bytes(void)
{
    uint64_t total = 0;
    pool_for_each_tag(add_tag, &total);
    return total;
}

void pnp_cycle(PDEVICE_OBJECT pdo, unsigned count, struct pnp_cycle_result *r)
{
    *r = (struct pnp_cycle_result){0};
    r->vectors_before = ke_vector_free_count();
    r->connections_before = io_connection_count();
    r->mappings_before = io_mapping_count();
    r->pool_before = pool_bytes();
    for (unsigned i = 0; i < count; i++) {
        if (!NT_SUCCESS(io_pnp_stop_device(pdo)))
            r->stop_failures++;
        /* After STOP: the driver disconnected (no ISR of it can run: IoDisconnectInterruptEx's
         * guarantee), its vectors and messages are released. */
        if (io_connections_of(pdo) || io_test_pdo(pdo)->assigned || io_pnp_state_of(pdo) != IO_PNP_STOPPED)
            r->left_after_stop++;
        if (!NT_SUCCESS(io_pnp_start_device(pdo, NULL)))
            r->start_failures++;
        r->cycles++;
    }
    r->vectors_after = ke_vector_free_count();
    r->connections_after = io_connection_count();
    r->mappings_after = io_mapping_count();
    r->pool_after = pool_bytes();
}

void pnp_cycle_print(const char *prefix, const struct pnp_cycle_result *r)
{
    console_printf("%s: cycles %u, stop failures %u, start failures %u, left after stop %u, vectors %u->%u, "
                   "connections %u->%u, mappings %ld->%ld, pool %llu->%llu\n",
                   prefix, r->cycles, r->stop_failures, r->start_failures, r->left_after_stop, r->vectors_before,
                   r->vectors_after, r->connections_before, r->connections_after, r->mappings_before,
                   r->mappings_after, (unsigned long long)r->pool_before, (unsigned long long)r->pool_after);
}
