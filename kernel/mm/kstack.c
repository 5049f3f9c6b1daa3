/* kernel/mm/kstack.c - kernel stacks with guard pages in their own region of the address space.
 *
 * Intel SDM Vol. 3A section 6.14.5 (interrupt stack table) and section 6.15 "Interrupt 8 -
 * Double Fault": a #PF raised while pushing onto an overflowed stack cannot be delivered on that
 * stack, the CPU raises #DF instead, and #DF runs on its own IST stack (kstack.h).
 *
 * The region (paging.h: PAGING_KSTACK_BASE, PML4 slot 511) is cut into fixed 128 KiB slots.
 * A stack of n pages occupies the top n pages of its slot; the rest of the slot, at least one
 * page, is never mapped and is the guard:
 *
 *     slot base                                              slot base + 128 KiB = top
 *     | unmapped guard (>= 4 KiB, 112 KiB for 16 KiB stacks) | stack pages (grow down) |
 *
 * So a stack that overflows by up to its slot's free space faults instead of silently running
 * into the stack below it. Fixed slots also make kstack_find() a division instead of a search.
 * Stack pages are ordinary frames from the pmm (no need to be contiguous: only their virtual
 * addresses are).
 */
#include "kernel/mm/kstack.h"

#include "kernel/ke/rawlock.h"
#include "kernel/lib/string.h"
#include "kernel/mm/paging.h"
#include "kernel/mm/pmm.h"

#define KSTACK_PAGE 4096ull
#define KSTACK_SLOT_SIZE 0x20000ull /* 128 KiB */
#define KSTACK_SLOTS 1024u          /* 128 MiB of address space: 4 stacks per CPU x 256 CPUs */
#define KSTACK_MAX_PAGES (KSTACK_SLOT_SIZE / KSTACK_PAGE - 1)

/* Pages in use per slot; 0 = slot free. Read without the lock by kstack_find (a byte read is
 * atomic, and a slot being set up is not yet anyone's stack). */
static uint8_t slot_pages[KSTACK_SLOTS];
static raw_lock_t kstack_lock = RAW_LOCK_INIT;

static uint64_t slot_top(unsigned slot) { return PAGING_KSTACK_BASE + (slot + 1ull) * KSTACK_SLOT_SIZE; }

/* Which slot holds `address`, if the address is in the used part of the region. */
static bool slot_of(uint64_t address, unsigned *slot)
{
    if (address < PAGING_KSTACK_BASE || address >= PAGING_KSTACK_BASE + KSTACK_SLOTS * KSTACK_SLOT_SIZE)
        return false;
    *slot = (unsigned)((address - PAGING_KSTACK_BASE) / KSTACK_SLOT_SIZE);
    return true;
}

/* Unmap the top `pages` pages below `top` and give their frames back. */
static void unmap_stack_pages(uint64_t top, size_t pages)
{
    for (size_t i = 1; i <= pages; i++) {
        uint64_t pa = paging_unmap_page(top - i * KSTACK_PAGE);
        if (pa)
            pmm_free_frame(pa);
    }
}

uint64_t kstack_alloc(size_t pages)
{
    if (pages == 0 || pages > KSTACK_MAX_PAGES)
        return 0;

    uint64_t flags = raw_lock_acquire(&kstack_lock);
    unsigned slot = KSTACK_SLOTS;
    for (unsigned i = 0; i < KSTACK_SLOTS; i++) {
        if (!slot_pages[i]) {
            slot = i;
            slot_pages[i] = (uint8_t)pages; /* claim it before dropping the lock */
            break;
        }
    }
    raw_lock_release(&kstack_lock, flags);
    if (slot == KSTACK_SLOTS)
        return 0;

    uint64_t top = slot_top(slot);
    for (size_t i = 1; i <= pages; i++) {
        uint64_t frame = pmm_alloc_frame();
        if (!frame || !paging_map_page(top - i * KSTACK_PAGE, frame, PAGING_WRITE)) {
            if (frame)
                pmm_free_frame(frame);
            unmap_stack_pages(top, i - 1);
            __atomic_store_n(&slot_pages[slot], 0, __ATOMIC_RELEASE);
            return 0;
        }
    }
    /* Zeroed, so a backtrace or a debugger never reads a previous owner's frames. */
    memset((void *)(uintptr_t)(top - pages * KSTACK_PAGE), 0, pages * KSTACK_PAGE);
    return top;
}

void kstack_free(uint64_t top)
{
    unsigned slot;
    if (!slot_of(top - 1, &slot) || top != slot_top(slot) || !slot_pages[slot])
        return;
    unmap_stack_pages(top, slot_pages[slot]);
    __atomic_store_n(&slot_pages[slot], 0, __ATOMIC_RELEASE);
}

bool kstack_is_guard_address(uint64_t address)
{
    unsigned slot;
    if (!slot_of(address, &slot))
        return false;
    unsigned pages = __atomic_load_n(&slot_pages[slot], __ATOMIC_ACQUIRE);
    return pages && address < slot_top(slot) - pages * KSTACK_PAGE;
}

bool kstack_find(uint64_t address, uint64_t *bottom, uint64_t *top)
{
    unsigned slot;
    if (!slot_of(address, &slot))
        return false;
    unsigned pages = __atomic_load_n(&slot_pages[slot], __ATOMIC_ACQUIRE);
    uint64_t stack_top = slot_top(slot), stack_bottom = stack_top - pages * KSTACK_PAGE;
    if (!pages || address < stack_bottom)
        return false;
    if (bottom)
        *bottom = stack_bottom;
    if (top)
        *top = stack_top;
    return true;
}
