/* kernel/mm/mm_contiguous.c - memory a device can reach by physical address: MmGetPhysicalAddress,
 * MmAllocateContiguousMemory(SpecifyCache), MmFreeContiguousMemory.
 *
 * learn.microsoft.com: "MmGetPhysicalAddress function (ntddk.h)", "MmAllocateContiguousMemory
 * function (wdm.h)", "MmAllocateContiguousMemorySpecifyCache function (wdm.h)",
 * "MmFreeContiguousMemory function (wdm.h)"; Intel SDM Vol. 3A section 4.5 (the table walk
 * paging_query does).
 *
 * A descriptor ring must be physically contiguous and its physical address given to the device.
 * Physical memory is identity-mapped in irqlab, so the virtual address returned is the physical
 * one; MmGetPhysicalAddress still walks the page tables, so it is right for any mapped address
 * (a kernel stack, a pool block). The memory is not zeroed (as on Windows), every CacheType is
 * mapped cached (RAM is write-back; MmNonCached is accepted and documented as a difference), and
 * MmFreeContiguousMemory of an address that MmAllocateContiguousMemory* did not return stops with
 * 0x4E PFN_LIST_CORRUPT, as freeing frames twice does in pmm.c.
 * IRQL: allocating and freeing at <= DISPATCH_LEVEL (Windows asks for <= DISPATCH_LEVEL to
 * allocate, PASSIVE_LEVEL to free: irqlab checks the documented maximum, 0xA above it).
 */
#include "include/wdm.h"

#include "kernel/ke/bugcheck.h"
#include "kernel/mm/paging.h"
#include "kernel/mm/pmm.h"

#define MM_CONTIGUOUS_MAX 64 /* live allocations remembered (for the size at free time) */

struct contiguous_block {
    uint64_t phys;
    size_t pages;
};

static struct contiguous_block blocks[MM_CONTIGUOUS_MAX];
static KSPIN_LOCK blocks_lock;

static void check_irql(void *routine, KIRQL max, void *caller)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql > max)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)routine, irql, max, (ULONG_PTR)caller);
}

PHYSICAL_ADDRESS MmGetPhysicalAddress(PVOID BaseAddress)
{
    PHYSICAL_ADDRESS pa = {.QuadPart = 0};
    struct paging_info info;
    if (paging_query((uint64_t)(uintptr_t)BaseAddress, &info))
        pa.QuadPart = (LONGLONG)info.phys; /* 0: not mapped (Windows: undefined) */
    return pa;
}

PVOID MmAllocateContiguousMemorySpecifyCache(SIZE_T NumberOfBytes, PHYSICAL_ADDRESS LowestAcceptableAddress,
                                             PHYSICAL_ADDRESS HighestAcceptableAddress,
                                             PHYSICAL_ADDRESS BoundaryAddressMultiple, MEMORY_CACHING_TYPE CacheType)
{
    UNREFERENCED_PARAMETER(CacheType);
    check_irql((void *)MmAllocateContiguousMemorySpecifyCache, DISPATCH_LEVEL, __builtin_return_address(0));
    if (NumberOfBytes == 0)
        return NULL;
    size_t pages = (NumberOfBytes + PMM_PAGE_SIZE - 1) / PMM_PAGE_SIZE;
    uint64_t size = pages * PMM_PAGE_SIZE;
    /* A boundary the block must not cross: aligning the block to the next power of two of its
     * size keeps it inside one boundary-sized window when the boundary is at least that big. */
    uint64_t align = PMM_PAGE_SIZE;
    uint64_t boundary = (uint64_t)BoundaryAddressMultiple.QuadPart;
    if (boundary) {
        while (align < size)
            align <<= 1;
        if (boundary < align || (boundary & (boundary - 1))) /* irqlab: a power of two, >= the block */
            return NULL;
    }
    uint64_t phys = pmm_alloc_contiguous(pages, align);
    if (!phys)
        return NULL;
    if (phys < (uint64_t)LowestAcceptableAddress.QuadPart ||
        phys + size - 1 > (uint64_t)HighestAcceptableAddress.QuadPart) {
        pmm_free_contiguous(phys, pages); /* the allocator gives the lowest block it finds */
        return NULL;
    }
    KIRQL old;
    KeAcquireSpinLock(&blocks_lock, &old);
    struct contiguous_block *slot = NULL;
    for (unsigned i = 0; i < MM_CONTIGUOUS_MAX && !slot; i++)
        if (!blocks[i].pages)
            slot = &blocks[i];
    if (slot)
        *slot = (struct contiguous_block){phys, pages};
    KeReleaseSpinLock(&blocks_lock, old);
    if (!slot) {
        pmm_free_contiguous(phys, pages);
        return NULL;
    }
    return (PVOID)(uintptr_t)phys; /* identity-mapped */
}

PVOID MmAllocateContiguousMemory(SIZE_T NumberOfBytes, PHYSICAL_ADDRESS HighestAcceptableAddress)
{
    PHYSICAL_ADDRESS lowest = {.QuadPart = 0}, boundary = {.QuadPart = 0};
    return MmAllocateContiguousMemorySpecifyCache(NumberOfBytes, lowest, HighestAcceptableAddress, boundary, MmCached);
}

VOID MmFreeContiguousMemory(PVOID BaseAddress)
{
    check_irql((void *)MmFreeContiguousMemory, DISPATCH_LEVEL, __builtin_return_address(0));
    uint64_t phys = (uint64_t)(uintptr_t)BaseAddress;
    struct contiguous_block found = {0};
    KIRQL old;
    KeAcquireSpinLock(&blocks_lock, &old);
    for (unsigned i = 0; i < MM_CONTIGUOUS_MAX && !found.pages; i++) {
        if (blocks[i].pages && blocks[i].phys == phys) {
            found = blocks[i];
            blocks[i] = (struct contiguous_block){0};
        }
    }
    KeReleaseSpinLock(&blocks_lock, old);
    if (!found.pages) /* P1 = 0x99 as pmm.c's double free; P3 = 4: not a contiguous allocation */
        KeBugCheckEx(PFN_LIST_CORRUPT, 0x99, phys / PMM_PAGE_SIZE, 4, phys);
    pmm_free_contiguous(found.phys, found.pages);
}
