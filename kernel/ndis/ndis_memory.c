/* kernel/ndis/ndis_memory.c - memory, registers and configuration space for miniports.
 *
 * learn.microsoft.com: NdisAllocateMemoryWithTagPriority, NdisFreeMemory, NdisMAllocateSharedMemory,
 * NdisMFreeSharedMemory, NdisMMapIoSpace, NdisMUnmapIoSpace, NdisMGetBusData; "Bug Check 0x7C".
 *
 * Shared memory is what a bus-master NIC reads and writes by itself: descriptor rings and
 * packet buffers. The device sees physical addresses, so the memory must be physically
 * contiguous and - for a NIC with 32-bit descriptors or an e1000's 64-bit ones alike - below
 * 4 GiB to be safe: pmm_alloc_contiguous gives exactly that. irqlab maps all RAM at
 * virtual == physical (kernel/mm/paging.h), so the virtual address is the physical one, and
 * QEMU's DMA is cache-coherent, so Cached makes no difference. (Windows requires
 * NdisMRegisterScatterGatherDma first; irqlab has no DMA abstraction and does not.)
 */
#include "kernel/ndis/ndis_block.h"
#include "kernel/ndis/ndis_verify.h"
#include "arch/x86_64/pci_config.h"
#include "kernel/io/pnp.h"
#include "kernel/lib/string.h"
#include "kernel/mm/pmm.h"

PVOID NdisAllocateMemoryWithTagPriority(NDIS_HANDLE NdisHandle, UINT Length, ULONG Tag, EX_POOL_PRIORITY Priority)
{
    UNREFERENCED_PARAMETER(NdisHandle);
    UNREFERENCED_PARAMETER(Priority); /* irqlab's pool has no priorities */
    if (Length == 0)
        return NULL;
    return ExAllocatePool2(POOL_FLAG_NON_PAGED, Length, Tag ? Tag : NDIS_TAG_MEMORY);
}

VOID NdisFreeMemory(PVOID VirtualAddress, UINT Length, UINT MemoryFlags)
{
    UNREFERENCED_PARAMETER(Length);
    UNREFERENCED_PARAMETER(MemoryFlags);
    if (VirtualAddress)
        ExFreePoolWithTag(VirtualAddress, 0); /* the tag was the caller's: no check */
}

static size_t pages_of(ULONG length) { return ((size_t)length + PMM_PAGE_SIZE - 1) / PMM_PAGE_SIZE; }

VOID NdisMAllocateSharedMemory(NDIS_HANDLE MiniportAdapterHandle, ULONG Length, BOOLEAN Cached, PVOID *VirtualAddress,
                               PNDIS_PHYSICAL_ADDRESS PhysicalAddress)
{
    UNREFERENCED_PARAMETER(Cached);
    struct ndis_adapter *adapter = ndis_require_adapter(MiniportAdapterHandle, "NdisMAllocateSharedMemory",
                                                        (void *)NdisMAllocateSharedMemory, __builtin_return_address(0));
    KIRQL irql = KeGetCurrentIrql();
    if (irql != PASSIVE_LEVEL)
        ndis_bugcheck(NDIS_BUGCHECK_ALLOCATE_SHARED_MEM_HIGH_IRQL, (ULONG_PTR)adapter, Length, irql,
                      "NdisMAllocateSharedMemory above PASSIVE_LEVEL");
    *VirtualAddress = NULL;
    PhysicalAddress->QuadPart = 0;
    if (Length == 0)
        return;
    uint64_t physical = pmm_alloc_contiguous(pages_of(Length), PMM_PAGE_SIZE);
    if (!physical)
        return;
    memset((void *)(uintptr_t)physical, 0, pages_of(Length) * PMM_PAGE_SIZE);
    adapter->shared_memory_bytes += pages_of(Length) * PMM_PAGE_SIZE;
    *VirtualAddress = (PVOID)(uintptr_t)physical; /* identity-mapped */
    PhysicalAddress->QuadPart = (LONGLONG)physical;
}

VOID NdisMFreeSharedMemory(NDIS_HANDLE MiniportAdapterHandle, ULONG Length, BOOLEAN Cached, PVOID VirtualAddress,
                           NDIS_PHYSICAL_ADDRESS PhysicalAddress)
{
    UNREFERENCED_PARAMETER(Cached);
    struct ndis_adapter *adapter = ndis_require_adapter(MiniportAdapterHandle, "NdisMFreeSharedMemory",
                                                        (void *)NdisMFreeSharedMemory, __builtin_return_address(0));
    uint64_t bytes = pages_of(Length) * PMM_PAGE_SIZE;
    if (!VirtualAddress || (uint64_t)(uintptr_t)VirtualAddress != (uint64_t)PhysicalAddress.QuadPart ||
        bytes > adapter->shared_memory_bytes)
        ndis_bugcheck(NDIS_BUGCHECK_FREE_INVALID_SHARED_MEM, (ULONG_PTR)adapter,
                      (ULONG_PTR)VirtualAddress & ~(ULONG_PTR)(PMM_PAGE_SIZE - 1), (ULONG_PTR)VirtualAddress,
                      "NdisMFreeSharedMemory with memory this adapter did not allocate");
    adapter->shared_memory_bytes -= bytes;
    pmm_free_contiguous((uint64_t)PhysicalAddress.QuadPart, pages_of(Length));
}

NDIS_STATUS NdisMMapIoSpace(PVOID *VirtualAddress, NDIS_HANDLE MiniportAdapterHandle,
                            NDIS_PHYSICAL_ADDRESS PhysicalAddress, UINT Length)
{
    UNREFERENCED_PARAMETER(MiniportAdapterHandle);
    *VirtualAddress = MmMapIoSpace(PhysicalAddress, Length, MmNonCached);
    return *VirtualAddress ? NDIS_STATUS_SUCCESS : NDIS_STATUS_RESOURCES;
}

VOID NdisMUnmapIoSpace(NDIS_HANDLE MiniportAdapterHandle, PVOID VirtualAddress, UINT Length)
{
    UNREFERENCED_PARAMETER(MiniportAdapterHandle);
    MmUnmapIoSpace(VirtualAddress, Length);
}

ULONG NdisMGetBusData(NDIS_HANDLE NdisMiniportHandle, ULONG WhichSpace, ULONG Offset, PVOID Buffer, ULONG Length)
{
    struct ndis_adapter *adapter = ndis_adapter_from_handle(NdisMiniportHandle);
    struct io_pdo *pdo = adapter ? io_pdo_from_device(adapter->pdo) : NULL;
    if (!pdo || !pdo->pci || WhichSpace != PCI_WHICHSPACE_CONFIG || !Buffer)
        return 0;
    /* Configuration mechanism #1 reaches the first 256 bytes (the legacy header and capabilities). */
    ULONG done = 0;
    UCHAR *out = Buffer;
    while (done < Length && Offset + done < 256) {
        out[done] = pci_config_read8(pdo->pci->address, (uint8_t)(Offset + done));
        done++;
    }
    return done;
}
