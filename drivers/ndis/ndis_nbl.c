/* drivers/ndis/ndis_nbl.c - NET_BUFFER_LIST pools, NBL allocation, NdisGetDataBuffer.
 *
 * learn.microsoft.com: NdisAllocateNetBufferListPool, NET_BUFFER_LIST_POOL_PARAMETERS,
 * NdisAllocateNetBufferAndNetBufferList, NdisFreeNetBufferList, NdisFreeNetBufferListPool,
 * NdisGetDataBuffer, "NET_BUFFER Architecture" (data space: DataOffset bytes of "unused" space
 * before DataLength bytes of data, all in the MDL chain).
 *
 * A pool here is a counter and the parameters: each NBL (with its NB when fAllocateNetBuffer) is
 * one zeroed pool allocation, so freeing the pool with NBLs outstanding can be caught. Who owns
 * an NBL at a given moment is kept in its NdisReserved[0] (ndis_block.h, NDIS_NBL_*):
 * freeing one NDIS or the miniport still holds stops the machine (docs/ndis.md).
 */
#include "drivers/ndis/ndis_block.h"
#include "drivers/ndis/ndis_verify.h"

#define NDIS_POOL_MAGIC IRQLAB_POOL_TAG("NdPl")

struct ndis_nbl_pool {
    ULONG magic;
    NET_BUFFER_LIST_POOL_PARAMETERS parameters;
    volatile LONG outstanding; /* NBLs allocated and not freed */
};

/* One allocation: the NBL, then its NB. */
struct ndis_nbl_block {
    NET_BUFFER_LIST nbl;
    NET_BUFFER nb;
};

static struct ndis_nbl_pool *pool_from(NDIS_HANDLE handle)
{
    struct ndis_nbl_pool *pool = handle;
    return pool && pool->magic == NDIS_POOL_MAGIC ? pool : NULL;
}

NDIS_HANDLE NdisAllocateNetBufferListPool(NDIS_HANDLE NdisHandle, PNET_BUFFER_LIST_POOL_PARAMETERS Parameters)
{
    UNREFERENCED_PARAMETER(NdisHandle);
    if (!Parameters || Parameters->Header.Type != NDIS_OBJECT_TYPE_DEFAULT ||
        Parameters->Header.Revision < NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1 ||
        Parameters->Header.Size < NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1)
        return NULL;
    if (Parameters->ContextSize != 0 || Parameters->DataSize != 0)
        return NULL; /* irqlab: no NET_BUFFER_LIST_CONTEXT, no pool-allocated data (docs/differences.md) */
    struct ndis_nbl_pool *pool = ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*pool), NDIS_POOL_MAGIC);
    if (!pool)
        return NULL;
    pool->magic = NDIS_POOL_MAGIC;
    pool->parameters = *Parameters;
    pool->outstanding = 0;
    return pool;
}

VOID NdisFreeNetBufferListPool(NDIS_HANDLE PoolHandle)
{
    struct ndis_nbl_pool *pool = pool_from(PoolHandle);
    if (!pool)
        return;
    LONG left = __atomic_load_n(&pool->outstanding, __ATOMIC_ACQUIRE);
    if (left != 0)
        ndis_bugcheck(NDIS_BUGCHECK_POOL_FREED_IN_USE, (ULONG_PTR)pool, (ULONG_PTR)left, 0,
                      "NdisFreeNetBufferListPool with NET_BUFFER_LISTs still allocated from it");
    pool->magic = 0;
    ExFreePoolWithTag(pool, NDIS_POOL_MAGIC);
}

PNET_BUFFER_LIST NdisAllocateNetBufferAndNetBufferList(NDIS_HANDLE PoolHandle, USHORT ContextSize,
                                                       USHORT ContextBackFill, PMDL MdlChain, ULONG DataOffset,
                                                       SIZE_T DataLength)
{
    UNREFERENCED_PARAMETER(ContextBackFill);
    struct ndis_nbl_pool *pool = pool_from(PoolHandle);
    if (!pool || !pool->parameters.fAllocateNetBuffer || ContextSize != 0)
        return NULL;
    struct ndis_nbl_block *block = ExAllocatePool2(
        POOL_FLAG_NON_PAGED, sizeof(*block), pool->parameters.PoolTag ? pool->parameters.PoolTag : NDIS_POOL_MAGIC);
    if (!block)
        return NULL;
    PNET_BUFFER nb = &block->nb;
    nb->MdlChain = MdlChain;
    nb->DataOffset = DataOffset;
    nb->DataLength = (ULONG)DataLength;
    /* CurrentMdl / CurrentMdlOffset: the MDL and offset where the data starts. */
    PMDL mdl = MdlChain;
    ULONG offset = DataOffset;
    while (mdl && offset >= mdl->ByteCount && mdl->Next) {
        offset -= mdl->ByteCount;
        mdl = mdl->Next;
    }
    nb->CurrentMdl = mdl;
    nb->CurrentMdlOffset = offset;
    nb->NdisPoolHandle = pool;
    PNET_BUFFER_LIST nbl = &block->nbl;
    nbl->FirstNetBuffer = nb;
    nbl->NdisPoolHandle = pool;
    ndis_nbl_set_owner(nbl, NDIS_NBL_ALLOCATED);
    __atomic_fetch_add(&pool->outstanding, 1, __ATOMIC_RELAXED);
    return nbl;
}

VOID NdisFreeNetBufferList(PNET_BUFFER_LIST NetBufferList)
{
    if (!NetBufferList)
        return;
    struct ndis_nbl_pool *pool = pool_from(NetBufferList->NdisPoolHandle);
    ULONG_PTR owner = ndis_nbl_owner(NetBufferList);
    if (!pool || (owner != NDIS_NBL_ALLOCATED && owner != NDIS_NBL_FREE))
        ndis_bugcheck(NDIS_BUGCHECK_NBL_FREED_IN_USE, (ULONG_PTR)NetBufferList->NdisPoolHandle,
                      (ULONG_PTR)NetBufferList, owner,
                      "NdisFreeNetBufferList on a NET_BUFFER_LIST that NDIS or the miniport still owns");
    ndis_nbl_set_owner(NetBufferList, 0xDEAD); /* a second free is caught too */
    __atomic_fetch_sub(&pool->outstanding, 1, __ATOMIC_RELAXED);
    ExFreePoolWithTag(CONTAINING_RECORD(NetBufferList, struct ndis_nbl_block, nbl), 0);
}

PVOID NdisGetDataBuffer(PNET_BUFFER NetBuffer, ULONG BytesNeeded, PVOID Storage, UINT AlignMultiple, UINT AlignOffset)
{
    if (!NetBuffer || BytesNeeded == 0 || BytesNeeded > NetBuffer->DataLength || !NetBuffer->CurrentMdl)
        return NULL;
    PMDL mdl = NetBuffer->CurrentMdl;
    ULONG offset = NetBuffer->CurrentMdlOffset;
    UCHAR *va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority);
    if (!va)
        return NULL;
    UCHAR *start = va + offset;
    bool aligned = AlignMultiple <= 1 || (((ULONG_PTR)start + AlignOffset) & (AlignMultiple - 1)) == 0;
    if (offset + BytesNeeded <= mdl->ByteCount && aligned)
        return start; /* contiguous in the current MDL */
    if (!Storage)
        return NULL;
    /* Gather from the chain into the caller's storage. */
    UCHAR *to = Storage;
    ULONG left = BytesNeeded;
    while (mdl && left) {
        va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority);
        if (!va)
            return NULL;
        ULONG take = mdl->ByteCount > offset ? mdl->ByteCount - offset : 0;
        if (take > left)
            take = left;
        __builtin_memcpy(to, va + offset, take);
        to += take;
        left -= take;
        offset = 0;
        mdl = mdl->Next;
    }
    return left ? NULL : Storage;
}
