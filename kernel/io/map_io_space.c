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
#include "kernel/mm/paging.h"

PVOID MmMapIoSpace(PHYSICAL_ADDRESS PhysicalAddress, SIZE_T NumberOfBytes, MEMORY_CACHING_TYPE CacheType)
{
    if (NumberOfBytes == 0 || PhysicalAddress.QuadPart <= 0 || CacheType > MmWriteCombined)
        return NULL;
    return (PVOID)(uintptr_t)paging_map_mmio((uint64_t)PhysicalAddress.QuadPart, NumberOfBytes);
}

VOID MmUnmapIoSpace(PVOID BaseAddress, SIZE_T NumberOfBytes)
{
    UNREFERENCED_PARAMETER(BaseAddress);
    UNREFERENCED_PARAMETER(NumberOfBytes);
}
