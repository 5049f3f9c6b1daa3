/* kernel/mm/pool.c - ExAllocatePool2, ExAllocatePoolWithTag, ExFreePoolWithTag, ExFreePool and
 * the per-tag accounting behind them.
 *
 * References: learn.microsoft.com "ExAllocatePool2 function (wdm.h)", "POOL_FLAGS",
 * "ExAllocatePoolWithTag", "ExFreePoolWithTag", "Bug Check 0xC2: BAD_POOL_CALLER".
 *
 * What irqlab implements, and where it differs from Windows:
 *   * All pool is non-paged, no-execute memory from kernel/mm/heap.c. PagedPool and
 *     POOL_FLAG_PAGED are served from it too (more than the caller asked for, never less), but
 *     the IRQL rule of paged pool (<= APC_LEVEL) is still enforced. NonPagedPool (= Execute) is
 *     NX as on Windows with HVCI; POOL_FLAG_NON_PAGED_EXECUTE asks for executable memory
 *     explicitly and fails (NULL).
 *   * ExAllocatePool2 returns NULL for Tag 0, for invalid flags (unknown required bits, not
 *     exactly one of NON_PAGED / NON_PAGED_EXECUTE / PAGED, SESSION, the reserved bits) and when
 *     out of memory, as documented. Optional flags (high 32 bits) are ignored. USE_QUOTA is
 *     accepted and ignored (there are no processes to charge). Zeroed unless UNINITIALIZED.
 *   * RAISE_ON_FAILURE / POOL_RAISE_IF_ALLOCATION_FAILURE: irqlab has no structured exception
 *     handling, so the exception is unhandled: KMODE_EXCEPTION_NOT_HANDLED (0x1E), P1 =
 *     STATUS_INSUFFICIENT_RESOURCES, P2 = the caller's address.
 *   * Alignment: 16 bytes; 64 with CACHE_ALIGNED (or a CacheAligned pool type); page-aligned
 *     when NumberOfBytes >= PAGE_SIZE, as documented. (Windows also keeps allocations smaller
 *     than a page within one page; irqlab does not promise that.)
 *   * Caller bugs bugcheck with BAD_POOL_CALLER (0xC2), as Windows with Driver Verifier would:
 *       P1 0x00  zero-byte allocation              P2 0, P3 pool type / flags, P4 tag
 *       P1 0x08  allocation above the allowed IRQL P2 IRQL, P3 pool type / flags, P4 bytes
 *       P1 0x09  free above DISPATCH_LEVEL         P2 IRQL, P3 0 (non-paged), P4 address
 *       P1 0x0A  ExFreePoolWithTag, wrong tag      P2 address, P3 allocation's tag, P4 tag given
 *       P1 0x46  freeing NULL or a non-pool address P2 the address
 *       P1 0x9A  a MustSucceed pool type           P2 pool type, P3 bytes, P4 tag
 *       P1 0x9B  ExAllocatePoolWithTag with Tag 0  P2 pool type, P3 bytes, P4 caller's address
 *       P1 0x9D  tag without a letter or digit     P2 tag, P3 pool type / flags, P4 caller
 *     and the heap's own corruption checks (double free 0x07, overruns BAD_POOL_HEADER 0x21, ...:
 *     kernel/mm/heap.h). Tags are compared exactly (Windows' PROTECTED_POOL bit is not special).
 *   * The IRQL is read from CR8 (on x64 the IRQL is CR8).
 *   * verifier=lowres fails allocations under a chosen tag at random (pool_verify.h);
 *     verifier=special puts a chosen tag's allocations before a guard page (pool_special.h);
 *     verifier=pool charges each driver's allocations to it for the unload check (pool_track.h).
 */
#include "kernel/mm/pool.h"

#include "arch/x86_64/cpu.h"
#include "include/wdm.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/ke/rawlock.h"
#include "kernel/lib/string.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/pool_special.h"
#include "kernel/mm/pool_track.h"
#include "kernel/mm/pool_verify.h"

#define POOL_APC_LEVEL 1
#define POOL_DISPATCH_LEVEL 2
#define POOL_CACHE_ALIGNMENT 64 /* SYSTEM_CACHE_ALIGNMENT_SIZE on x64 */

#define POOL2_KNOWN_REQUIRED                                                                                           \
    (POOL_FLAG_USE_QUOTA | POOL_FLAG_UNINITIALIZED | POOL_FLAG_CACHE_ALIGNED | POOL_FLAG_RAISE_ON_FAILURE |            \
     POOL_FLAG_NON_PAGED | POOL_FLAG_NON_PAGED_EXECUTE | POOL_FLAG_PAGED)
#define POOL_TYPE_PAGED_BIT 1
#define POOL_TYPE_MUST_SUCCEED_BIT 2
#define POOL_TYPE_CACHE_ALIGNED_BIT 4
#define POOL_TYPE_SESSION_BIT 32
#define POOL_TYPE_KNOWN_BITS                                                                                           \
    (POOL_TYPE_PAGED_BIT | POOL_TYPE_MUST_SUCCEED_BIT | POOL_TYPE_CACHE_ALIGNED_BIT |                                  \
     POOL_QUOTA_FAIL_INSTEAD_OF_RAISE | POOL_RAISE_IF_ALLOCATION_FAILURE | POOL_TYPE_SESSION_BIT |                     \
     POOL_COLD_ALLOCATION | POOL_NX_ALLOCATION | POOL_ZERO_ALLOCATION)

/* ---- per-tag accounting ---- */

static struct pool_stats tag_table[POOL_TAG_TABLE_SIZE];
static unsigned tag_count;
static struct pool_stats tag_overflow = {.tag = POOL_TAG_OVERFLOW};
static raw_lock_t tag_lock = RAW_LOCK_INIT;

/* The entry for `tag`, created on first use. Called with tag_lock held. A linear search: a
 * kernel uses a few dozen tags, and this is easier to read than a hash table. */
static struct pool_stats *tag_entry(uint32_t tag, bool create)
{
    for (unsigned i = 0; i < tag_count; i++)
        if (tag_table[i].tag == tag)
            return &tag_table[i];
    if (!create)
        return tag == POOL_TAG_OVERFLOW ? &tag_overflow : NULL;
    if (tag_count == POOL_TAG_TABLE_SIZE)
        return &tag_overflow;
    tag_table[tag_count] = (struct pool_stats){.tag = tag};
    return &tag_table[tag_count++];
}

void pool_tag_charge(uint32_t tag, size_t bytes)
{
    uint64_t flags = raw_lock_acquire(&tag_lock);
    struct pool_stats *s = tag_entry(tag, true);
    s->allocations++;
    s->bytes_outstanding += bytes;
    if (s->bytes_outstanding > s->peak_bytes)
        s->peak_bytes = s->bytes_outstanding;
    raw_lock_release(&tag_lock, flags);
}

void pool_tag_credit(uint32_t tag, size_t bytes)
{
    uint64_t flags = raw_lock_acquire(&tag_lock);
    struct pool_stats *s = tag_entry(tag, true); /* a tag charged while the table was full: overflow */
    s->frees++;
    s->bytes_outstanding -= bytes;
    raw_lock_release(&tag_lock, flags);
}

bool pool_tag_stats(uint32_t tag, struct pool_stats *stats)
{
    uint64_t flags = raw_lock_acquire(&tag_lock);
    const struct pool_stats *s = tag_entry(tag, false);
    *stats = s ? *s : (struct pool_stats){.tag = tag};
    raw_lock_release(&tag_lock, flags);
    return s != NULL;
}

void pool_for_each_tag(pool_tag_callback fn, void *context)
{
    for (unsigned i = 0;; i++) {
        uint64_t flags = raw_lock_acquire(&tag_lock);
        bool more = i < tag_count;
        struct pool_stats copy = more ? tag_table[i] : tag_overflow;
        raw_lock_release(&tag_lock, flags);
        if (more || copy.allocations)
            fn(&copy, context);
        if (!more)
            return;
    }
}

const char *pool_tag_text(uint32_t tag, char out[5])
{
    for (int i = 0; i < 4; i++) {
        char c = (char)(tag >> (8 * i));
        out[i] = c >= 0x20 && c < 0x7F ? c : '.';
    }
    out[4] = '\0';
    return out;
}

/* ---- the WDK routines ---- */

static uint8_t current_irql(void) { return (uint8_t)read_cr8(); }

static bool tag_has_alnum(ULONG tag)
{
    for (int i = 0; i < 4; i++) {
        char c = (char)(tag >> (8 * i));
        if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
            return true;
    }
    return false;
}

/* Checks both allocation routines share; `type` is the pool type or the POOL_FLAGS. */
static void check_caller(ULONG_PTR type, SIZE_T bytes, ULONG tag, uint8_t max_irql, void *caller)
{
    uint8_t irql = current_irql();
    if (irql > max_irql)
        KeBugCheckEx(BAD_POOL_CALLER, 0x08, irql, type, bytes);
    if (bytes == 0)
        KeBugCheckEx(BAD_POOL_CALLER, 0x00, 0, type, tag);
    if (tag && !tag_has_alnum(tag))
        KeBugCheckEx(BAD_POOL_CALLER, 0x9D, tag, type, (ULONG_PTR)caller);
}

/* Out of memory or invalid arguments: NULL, or with "raise on failure" an exception nobody
 * handles. */
static PVOID fail(bool raise, void *caller)
{
    if (raise)
        KeBugCheckEx(KMODE_EXCEPTION_NOT_HANDLED, (ULONG_PTR)(ULONG)STATUS_INSUFFICIENT_RESOURCES, (ULONG_PTR)caller, 0,
                     0);
    return NULL;
}

static PVOID allocate(SIZE_T bytes, size_t align, ULONG tag, bool zero, bool raise, void *caller)
{
    if (bytes >= PAGE_SIZE && align < PAGE_SIZE)
        align = PAGE_SIZE;
    if (pool_verify_should_fail(tag)) /* verifier=lowres: an injected failure, as if out of memory */
        return fail(raise, caller);
    void *p = align <= HEAP_ALIGN ? pool_special_alloc(bytes, tag, caller) : NULL; /* verifier=special */
    if (!p)
        p = heap_alloc(bytes, align, tag);
    if (!p)
        return fail(raise, caller);
    if (zero)
        memset(p, 0, bytes);
    pool_track_alloc(p, bytes, tag, caller);
    return p;
}

PVOID ExAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag)
{
    void *caller = __builtin_return_address(0);
    bool paged = Flags & POOL_FLAG_PAGED;
    check_caller(Flags, NumberOfBytes, Tag, paged ? POOL_APC_LEVEL : POOL_DISPATCH_LEVEL, caller);

    bool raise = Flags & POOL_FLAG_RAISE_ON_FAILURE;
    POOL_FLAGS required = Flags & 0xFFFFFFFFull;
    unsigned kinds = !!(Flags & POOL_FLAG_NON_PAGED) + !!(Flags & POOL_FLAG_NON_PAGED_EXECUTE) + paged;
    if (Tag == 0 || (required & ~(POOL_FLAGS)POOL2_KNOWN_REQUIRED) || kinds != 1 ||
        (Flags & POOL_FLAG_NON_PAGED_EXECUTE))
        return fail(raise, caller);

    size_t align = (Flags & POOL_FLAG_CACHE_ALIGNED) ? POOL_CACHE_ALIGNMENT : HEAP_ALIGN;
    return allocate(NumberOfBytes, align, Tag, !(Flags & POOL_FLAG_UNINITIALIZED), raise, caller);
}

PVOID ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    void *caller = __builtin_return_address(0);
    unsigned type = (unsigned)PoolType;
    bool paged = type & POOL_TYPE_PAGED_BIT;
    check_caller(type, NumberOfBytes, Tag, paged ? POOL_APC_LEVEL : POOL_DISPATCH_LEVEL, caller);
    if (Tag == 0)
        KeBugCheckEx(BAD_POOL_CALLER, 0x9B, type, NumberOfBytes, (ULONG_PTR)caller);
    if (type & POOL_TYPE_MUST_SUCCEED_BIT)
        KeBugCheckEx(BAD_POOL_CALLER, 0x9A, type, NumberOfBytes, Tag);

    bool raise = type & POOL_RAISE_IF_ALLOCATION_FAILURE;
    if ((type & ~(unsigned)POOL_TYPE_KNOWN_BITS) || (type & POOL_TYPE_SESSION_BIT))
        return fail(raise, caller);
    size_t align = (type & POOL_TYPE_CACHE_ALIGNED_BIT) ? POOL_CACHE_ALIGNMENT : HEAP_ALIGN;
    return allocate(NumberOfBytes, align, Tag, type & POOL_ZERO_ALLOCATION, raise, caller);
}

VOID ExFreePoolWithTag(PVOID P, ULONG Tag)
{
    uint8_t irql = current_irql();
    if (irql > POOL_DISPATCH_LEVEL)
        KeBugCheckEx(BAD_POOL_CALLER, 0x09, irql, 0, (ULONG_PTR)P);
    if (!P)
        KeBugCheckEx(BAD_POOL_CALLER, 0x46, 0, 0, 0);
    pool_track_free(P);
    if (!pool_special_free(P, Tag, __builtin_return_address(0)))
        heap_free(P, Tag, NULL, NULL);
}

VOID ExFreePool(PVOID P) { ExFreePoolWithTag(P, 0); }

/* "ExQueryPoolBlockSize": the bytes of the block. Windows returns the block's size in its pool
 * page (rounded up to the pool's granularity); irqlab returns the size that was asked for, which
 * is what a driver may use. An address that is not a live pool block stops as ExFreePool would. */
SIZE_T ExQueryPoolBlockSize(PVOID PoolBlock, PBOOLEAN QuotaCharged)
{
    if (QuotaCharged)
        *QuotaCharged = FALSE;
    if (!PoolBlock)
        KeBugCheckEx(BAD_POOL_CALLER, 0x46, 0, 0, 0);
    size_t special;
    if (pool_special_size(PoolBlock, &special))
        return special;
    return heap_block_size(PoolBlock);
}
