/* drivers/ndis/ndis_mdl.c - NdisAllocateMdl / NdisFreeMdl.
 *
 * learn.microsoft.com: "MDL structure (wdm.h)", "Using MDLs", NdisAllocateMdl, NdisFreeMdl,
 * MmGetSystemAddressForMdlSafe. An MDL describes a buffer by its pages: StartVa is the page the
 * buffer starts in, ByteOffset the offset into it, ByteCount its length, and the array after the
 * header holds one page frame number per page. irqlab maps kernel memory at virtual == physical
 * (kernel/mm/paging.h), so the frame number is the address >> 12 and the buffer is always
 * "mapped": MappedSystemVa is the buffer itself and MDL_SOURCE_IS_NONPAGED_POOL is set.
 */
#include "drivers/ndis/ndis_block.h"

#define NDIS_TAG_MDL IRQLAB_POOL_TAG("NdMd")
#define MDL_PAGE_SIZE 4096u

static ULONG pages_spanned(ULONG_PTR va, ULONG length)
{
    if (length == 0)
        return 0;
    return (ULONG)(((va & (MDL_PAGE_SIZE - 1)) + length + MDL_PAGE_SIZE - 1) / MDL_PAGE_SIZE);
}

PMDL NdisAllocateMdl(NDIS_HANDLE NdisHandle, PVOID VirtualAddress, UINT Length)
{
    UNREFERENCED_PARAMETER(NdisHandle);
    ULONG_PTR va = (ULONG_PTR)VirtualAddress;
    ULONG pages = pages_spanned(va, Length);
    size_t size = sizeof(MDL) + pages * sizeof(PFN_NUMBER);
    if (!VirtualAddress || size > 0x7FFF)
        return NULL;
    PMDL mdl = ExAllocatePool2(POOL_FLAG_NON_PAGED, size, NDIS_TAG_MDL);
    if (!mdl)
        return NULL;
    mdl->Next = NULL;
    mdl->Size = (CSHORT)size;
    mdl->MdlFlags = MDL_SOURCE_IS_NONPAGED_POOL | MDL_ALLOCATED_FIXED_SIZE;
    mdl->Process = NULL;
    mdl->StartVa = (PVOID)(va & ~(ULONG_PTR)(MDL_PAGE_SIZE - 1));
    mdl->ByteOffset = (ULONG)(va & (MDL_PAGE_SIZE - 1));
    mdl->ByteCount = Length;
    mdl->MappedSystemVa = VirtualAddress;
    PPFN_NUMBER pfn = MmGetMdlPfnArray(mdl);
    for (ULONG i = 0; i < pages; i++)
        pfn[i] = ((ULONG_PTR)mdl->StartVa >> 12) + i;
    return mdl;
}

VOID NdisFreeMdl(PMDL Mdl)
{
    if (Mdl)
        ExFreePoolWithTag(Mdl, NDIS_TAG_MDL);
}
