/* kernel/mm/pool_special.c - see pool_special.h.
 *
 * The region sits in the upper half of the kernel-stack PML4 slot (paging.h), cut into slots of
 * two pages: a data page whose block ends at its last byte (16-byte aligned), then a guard page
 * that is never mapped:
 *
 *     | data page: ... block ends here | guard page (never mapped) |
 *
 * Use after free (learn.microsoft.com "Bug Check 0xD5: DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL"):
 * a freed block's data page is unmapped at once - here with invlpg, on the other CPUs by an IPI
 * (ke_ipi_call_others) when the free runs at <= DISPATCH_LEVEL with interrupts on - and stays
 * unmapped until its slot is handed out again. Slots are handed out round-robin, so a freed slot
 * waits for the other SLOTS - 1 before it is reused: "a while". A read or write of it faults,
 * and the page-fault handler stops with 0xD5 when a driver's code made the access, 0xCC
 * PAGE_FAULT_IN_FREED_SPECIAL_POOL when the kernel's did (kernel/mm/pool_track.h tells them apart;
 * P1 = the address, P2 = 0 read / 1 write, P3 = the instruction, P4 = 0), the screen naming the freed block (size, tag, who allocated and who freed
 * it). The frame stays the slot's (kept in `frame`, mapped again at the same address for its next
 * block), never given back to the pmm: a CPU that missed the shootdown (a free above
 * DISPATCH_LEVEL) can at worst touch that same frame - a missed detection, never someone else's
 * memory. */
#include "kernel/mm/pool_special.h"

#include "include/wdm.h"
#include "kernel/boot/cmdline.h"
#include "arch/x86_64/cpu.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/ke/ipi.h"
#include "kernel/ke/irql.h"
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
    uint8_t mapped;                  /* data pages mapped now, counted down from the guard (0 or 1) */
    uint64_t frame;                  /* the slot's frame once it has one (kept while unmapped) */
    struct pool_special_block freed; /* the last block freed here (address 0: none yet) */
    void *freer;                     /* who freed it */
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

/* Map the slot's data page below its guard (a block is smaller than a page: one page). Called
 * with the lock held. */
static bool map_pages(unsigned i, unsigned pages)
{
    struct slot *s = &slots[i];
    if (pages != 1)
        return false;
    if (s->mapped)
        return true;
    bool fresh = !s->frame;
    if (fresh && !(s->frame = pmm_alloc_frame()))
        return false;
    if (!paging_map_page(slot_end(i) - PAGE, s->frame, PAGING_WRITE)) {
        if (fresh) {
            pmm_free_frame(s->frame);
            s->frame = 0;
        }
        return false;
    }
    s->mapped = 1;
    return true;
}

/* The shootdown on the other CPUs (ke_ipi_call_others, IPI_LEVEL). */
static void invalidate_page(void *va) { __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory"); }

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

bool pool_special_free(void *p, uint32_t tag, void *caller)
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
    slots[i].freed = b;
    slots[i].freer = caller;
    slots[i].block.address = 0;
    live--;
    void *page = (void *)(uintptr_t)(slot_end((unsigned)i) - PAGE);
    if (slots[i].mapped) { /* use after free faults from now on (the frame stays the slot's) */
        (void)paging_unmap_page((uint64_t)(uintptr_t)page);
        slots[i].mapped = 0;
    }
    raw_lock_release(&lock, flags);
    if (ke_get_irql() <= DISPATCH_LEVEL && interrupts_enabled())
        ke_ipi_call_others(invalidate_page, page);
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

bool pool_special_freed(uint64_t address, struct pool_special_block *block, void **freer)
{
    int i = slot_of(address);
    if (i < 0 || slots[i].block.address || !slots[i].freed.address)
        return false;
    *block = slots[i].freed;
    *freer = slots[i].freer;
    return true;
}

unsigned pool_special_live(void) { return live; }
