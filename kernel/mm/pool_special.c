/* kernel/mm/pool_special.c - see pool_special.h.
 *
 * The region sits in the upper half of the kernel-stack PML4 slot (paging.h), cut into slots of
 * two pages: a data page whose block ends at its last byte (16-byte aligned), then a guard page
 * that is never mapped:
 *
 *     | data page: ... block ends here | guard page (never mapped) |
 *
 * Frames, once mapped into a slot, stay there when the block is freed and serve the slot's next
 * block: nothing is ever unmapped, so no other CPU can hold a stale TLB entry for a frame that
 * went back to the pmm. (Windows also unmaps freed special pool to catch use after free, 0xD5;
 * irqlab does not.) Slots are handed out round-robin. */
#include "kernel/mm/pool_special.h"

#include "include/wdm.h"
#include "kernel/boot/cmdline.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/ke/rawlock.h"
#include "kernel/ke/verifier.h"
#include "kernel/lib/string.h"
#include "kernel/mm/paging.h"
#include "kernel/mm/pmm.h"
#include "kernel/mm/pool.h"

#define PAGE 4096ull
#define SLOT_PAGES 2ull /* one data page, one guard */
#define SLOTS 256u
#define REGION_BASE (PAGING_KSTACK_BASE + PAGING_KSTACK_SIZE / 2)
#define REGION_END (REGION_BASE + SLOTS * SLOT_PAGES * PAGE)

CMDLINE_OPTION(verifier_special_tag, "<tag>",
               "verifier=special: allocations under this pool tag (as `pool` shows it) get a guard page after them");

struct slot {
    struct pool_special_block block; /* address 0: free */
    uint8_t mapped;                  /* data pages mapped so far, counted down from the guard */
};

static struct slot slots[SLOTS];
static unsigned next_slot, live;
static uint32_t tag_chosen;
static bool tag_read;
static raw_lock_t lock = RAW_LOCK_INIT;

static uint64_t slot_end(unsigned i) { return REGION_BASE + (i + 1ull) * SLOT_PAGES * PAGE - PAGE; }

static void read_tag(void)
{
    if (tag_read)
        return;
    const char *text = cmdline_get("verifier_special_tag");
    for (int i = 0; i < 4 && text && text[i]; i++)
        tag_chosen |= (uint32_t)(uint8_t)text[i] << (8 * i);
    tag_read = true;
}

uint32_t pool_special_tag(void)
{
    uint64_t flags = raw_lock_acquire(&lock);
    read_tag();
    uint32_t t = tag_chosen;
    raw_lock_release(&lock, flags);
    return t;
}

void pool_special_set_tag(uint32_t tag)
{
    uint64_t flags = raw_lock_acquire(&lock);
    read_tag();
    tag_chosen = tag;
    raw_lock_release(&lock, flags);
}

/* Map the slot's data pages down to `pages` below its guard. Called with the lock held. */
static bool map_pages(unsigned i, unsigned pages)
{
    struct slot *s = &slots[i];
    while (s->mapped < pages) {
        uint64_t frame = pmm_alloc_frame();
        if (!frame)
            return false;
        if (!paging_map_page(slot_end(i) - (s->mapped + 1ull) * PAGE, frame, PAGING_WRITE)) {
            pmm_free_frame(frame);
            return false;
        }
        s->mapped++;
    }
    return true;
}

void *pool_special_alloc(size_t bytes, uint32_t tag, void *caller)
{
    if (!ke_verifier_on(KE_VERIFY_SPECIAL) || bytes == 0 || bytes > POOL_SPECIAL_MAX_BYTES)
        return NULL;
    uint64_t flags = raw_lock_acquire(&lock);
    read_tag();
    void *p = NULL;
    if (tag_chosen && tag == tag_chosen) {
        for (unsigned n = 0; n < SLOTS && !p; n++) {
            unsigned i = (next_slot + n) % SLOTS;
            if (slots[i].block.address)
                continue;
            unsigned pages = (unsigned)((bytes + 15 + PAGE - 1) / PAGE);
            if (!map_pages(i, pages))
                break;
            uint64_t address = (slot_end(i) - bytes) & ~15ull; /* the pool's 16-byte alignment */
            slots[i].block = (struct pool_special_block){address, bytes, tag, caller};
            next_slot = (i + 1) % SLOTS;
            live++;
            p = (void *)(uintptr_t)address;
        }
    }
    raw_lock_release(&lock, flags);
    if (p) {
        memset(p, 0, bytes); /* pool.c zeroes again when asked; uninitialised reads see zeros */
        pool_tag_charge(tag, bytes);
    }
    return p;
}

/* The slot holding `address`, or -1. */
static int slot_of(uint64_t address)
{
    if (address < REGION_BASE || address >= REGION_END)
        return -1;
    return (int)((address - REGION_BASE) / (SLOT_PAGES * PAGE));
}

bool pool_special_free(void *p, uint32_t tag)
{
    int i = slot_of((uint64_t)(uintptr_t)p);
    if (i < 0)
        return false;
    uint64_t flags = raw_lock_acquire(&lock);
    struct pool_special_block b = slots[i].block;
    if (b.address != (uint64_t)(uintptr_t)p) {
        raw_lock_release(&lock, flags);
        KeBugCheckEx(BAD_POOL_CALLER, 0x46, (ULONG_PTR)p, 0, 0); /* not a block's start: as pool.c */
    }
    if (tag && tag != b.tag) {
        raw_lock_release(&lock, flags);
        KeBugCheckEx(BAD_POOL_CALLER, 0x0A, (ULONG_PTR)p, b.tag, tag);
    }
    slots[i].block.address = 0;
    live--;
    raw_lock_release(&lock, flags);
    pool_tag_credit(b.tag, b.bytes);
    return true;
}

bool pool_special_size(void *p, size_t *bytes)
{
    int i = slot_of((uint64_t)(uintptr_t)p);
    if (i < 0 || slots[i].block.address != (uint64_t)(uintptr_t)p)
        return false;
    *bytes = slots[i].block.bytes;
    return true;
}

bool pool_special_find(uint64_t address, struct pool_special_block *block)
{
    int i = slot_of(address);
    if (i < 0)
        return false;
    *block = slots[i].block; /* address 0: a freed slot */
    return true;
}

unsigned pool_special_live(void) { return live; }
