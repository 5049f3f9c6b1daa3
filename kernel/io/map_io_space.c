/* kernel/io/map_io_space.c - MmMapIoSpace / MmUnmapIoSpace (learn.microsoft.com, wdm.h).
 *
 * A driver gets its device memory as a translated CmResourceTypeMemory descriptor (a physical
 * address and a length) and must map it before touching the registers. irqlab maps device
 * memory at its physical address, uncached (kernel/mm/paging.h, paging_map_mmio): registers must
 * never be cached, and write-combining is not offered, so CacheType only has to be a valid
 * value. The mapping is shared by everyone who maps the same range and stays (MmUnmapIoSpace
 * checks its arguments and keeps the pages): irqlab never reuses device addresses.
 */
#include "include/wdm.h"
#include "kernel/io/pnp.h"
#include "kernel/mm/paging.h"

/* Mappings made and not yet unmapped: the identity map costs nothing, but a driver that maps at
 * every START and never unmaps is a leak all the same - the PnP stress test counts it. */
static volatile long live_mappings;

long io_mapping_count(void) { return __atomic_load_n(&live_mappings, __ATOMIC_RELAXED); }

PVOID MmMapIoSpace(PHYSICAL_ADDRESS PhysicalAddress, SIZE_T NumberOfBytes, MEMORY_CACHING_TYPE CacheType)
{
    if (NumberOfBytes == 0 || PhysicalAddress.QuadPart <= 0 || CacheType > MmWriteCombined)
        return NULL;
    PVOID va = (PVOID)(uintptr_t)paging_map_mmio((uint64_t)PhysicalAddress.QuadPart, NumberOfBytes);
    if (va)
        __atomic_add_fetch(&live_mappings, 1, __ATOMIC_RELAXED);
    return va;
}

VOID MmUnmapIoSpace(PVOID BaseAddress, SIZE_T NumberOfBytes)
{
    UNREFERENCED_PARAMETER(NumberOfBytes);
    if (BaseAddress)
        __atomic_sub_fetch(&live_mappings, 1, __ATOMIC_RELAXED);
}
