/* kernel/shell/cmd_memory.c - `mem` and `pool`: physical memory as the loader described it, the
 * frame allocator, the heap, and per-tag pool accounting (what poolmon shows on Windows).
 * Memory types: ACPI 6.5 §15 (E820 / "Address Range Types"), as Multiboot2 and PVH pass them. */
#include "kernel/boot/bootinfo.h"
#include "kernel/console/console.h"
#include "kernel/main.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/pmm.h"
#include "kernel/mm/pool.h"
#include "kernel/shell/shell.h"
#include "kernel/shell/shell_format.h"

static const char *region_type(uint32_t type)
{
    switch (type) {
    case MEMORY_USABLE: return "usable";
    case MEMORY_RESERVED: return "reserved";
    case MEMORY_ACPI_RECLAIMABLE: return "ACPI tables";
    case MEMORY_ACPI_NVS: return "ACPI NVS";
    case MEMORY_BAD: return "bad";
    default: return "other";
    }
}

static int cmd_mem(const struct shell_args *args)
{
    if (args->argc != 1)
        return SHELL_USAGE;
    char size[24], a[24], b[24];
    console_printf("memory map from the loader (%s):\n", boot_info.loader_name);
    console_printf("  %-18s %-18s %10s  %s\n", "start", "end", "size", "type");
    for (unsigned i = 0; i < boot_info.region_count; i++) {
        const struct memory_region *r = &boot_info.regions[i];
        console_printf("  0x%016llx 0x%016llx %10s  %s\n", (unsigned long long)r->base,
                       (unsigned long long)(r->base + r->length - 1), shell_format_bytes(size, sizeof(size), r->length),
                       region_type(r->type));
    }
    uint64_t total = pmm_total_count(), free = pmm_free_count();
    console_printf("frames (4 KiB): %llu managed, %llu free (%s of %s)\n", (unsigned long long)total,
                   (unsigned long long)free, shell_format_bytes(a, sizeof(a), free * PMM_PAGE_SIZE),
                   shell_format_bytes(b, sizeof(b), total * PMM_PAGE_SIZE));
    struct heap_stats heap;
    enum heap_status status = heap_check(&heap, NULL);
    console_printf("heap: %zu arena%s, %s; %zu blocks in use (%s), %zu free\n", heap.arenas,
                   heap.arenas == 1 ? "" : "s", shell_format_bytes(size, sizeof(size), heap.arena_bytes),
                   heap.used_blocks, shell_format_bytes(a, sizeof(a), heap.used_bytes), heap.free_blocks);
    if (status != HEAP_OK)
        console_printf("heap: CORRUPT (status %d) - the next kfree near it will bugcheck\n", (int)status);
    return SHELL_OK;
}

SHELL_COMMAND(mem, "mem", "memory map, free frames, heap", NULL, cmd_mem);

struct pool_totals {
    uint64_t allocations, frees, bytes;
    unsigned tags;
};

static void print_tag(const struct pool_stats *s, void *context)
{
    struct pool_totals *totals = context;
    char tag[5], allocs[16], frees[16], bytes[16], peak[16];
    console_printf("%-4s  %12s %12s %14s %14s\n", pool_tag_text(s->tag, tag),
                   shell_format_count(allocs, sizeof(allocs), s->allocations, 12),
                   shell_format_count(frees, sizeof(frees), s->frees, 12),
                   shell_format_count(bytes, sizeof(bytes), s->bytes_outstanding, 14),
                   shell_format_count(peak, sizeof(peak), s->peak_bytes, 14));
    totals->allocations += s->allocations;
    totals->frees += s->frees;
    totals->bytes += s->bytes_outstanding;
    totals->tags++;
}

static int cmd_pool(const struct shell_args *args)
{
    if (args->argc != 1)
        return SHELL_USAGE;
    struct pool_totals totals = {0, 0, 0, 0};
    console_printf("%-4s  %12s %12s %14s %14s\n", "tag", "allocations", "frees", "bytes in use", "peak bytes");
    pool_for_each_tag(print_tag, &totals);
    char a[16], b[16], c[16];
    console_printf("%-4s  %12s %12s %14s\n", "all", shell_format_count(a, sizeof(a), totals.allocations, 12),
                   shell_format_count(b, sizeof(b), totals.frees, 12),
                   shell_format_count(c, sizeof(c), totals.bytes, 14));
    return SHELL_OK;
}

SHELL_COMMAND(pool, "pool", "pool allocations per tag (like poolmon)",
              "Every ExAllocatePool2/ExAllocatePoolWithTag and kmalloc (tag Kmlc) is charged to its tag; "
              "allocations minus frees still held and their bytes show leaks: run a test twice and "
              "compare.",
              cmd_pool);
