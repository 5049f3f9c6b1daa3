/* kernel/mm/pmm.c - the kernel's physical frame allocator: pmm_core.c plus a lock and the
 * memory map. Multiboot2 spec section 3.6.8 and the PVH start_info memmap (both E820-typed,
 * ACPI 6.5 section 15 "System Address Map Interfaces") say which physical ranges are RAM.
 *
 * What is kept out of the allocator, and why:
 *   [0, 1 MiB)      Frame 0 (so 0 can mean "no memory", and NULL stays unmapped), the real-mode
 *                   IVT and BIOS data area, the EBDA, VGA memory and the BIOS ROMs, and the pages
 *                   the AP trampoline will need (an AP starts in real mode, so its first code
 *                   must live below 1 MiB; the SMP code picks a page there, e.g. 0x8000, and
 *                   owns it without asking the pmm). Nothing below 1 MiB is ever handed out.
 *   kernel image    [__kernel_start, __kernel_end): code, data, .bss (boot page tables, boot
 *                   stack, struct boot_info) and .ksyms.
 *   non-RAM types   reserved, ACPI reclaimable/NVS and bad ranges. ACPI reclaimable memory
 *                   could be reused once the ACPI tables have been read; we keep it so the ACPI
 *                   code can look at the tables at any time.
 *   the bitmaps     placed in the first usable RAM above 1 MiB that fits (below 4 GiB, which
 *                   the loader's page tables map while pmm_init runs).
 * The loader's boot information (Multiboot2 tags, PVH start_info, its memory map and command
 * line) is NOT reserved: kernel_main calls bootinfo_parse() first, which copies the command
 * line, loader name, memory map and (Multiboot2) the RSDP into struct boot_info in .bss, and
 * nothing reads the loader's copies afterwards. PVH's rsdp_paddr points into the BIOS area
 * below 1 MiB, which is reserved anyway.
 */
#include "kernel/mm/pmm.h"

#include "include/wdm.h"
#include "kernel/boot/bootinfo.h"
#include "kernel/console/log.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/ke/rawlock.h"
#include "kernel/mm/pmm_core.h"

#define PMM_LOW_MEMORY_END 0x100000ull /* 1 MiB */

/* PFN_LIST_CORRUPT parameter 3: what was wrong with the frame (see pmm.h). */
enum { PMM_BAD_ALREADY_FREE = 1, PMM_BAD_NOT_MANAGED = 2, PMM_BAD_UNALIGNED = 3 };

extern char __kernel_start[], __kernel_end[];

static struct pmm_core pmm;
static raw_lock_t pmm_lock = RAW_LOCK_INIT;

void pmm_init(const struct boot_info *info)
{
    struct pmm_range usable[BOOT_MAX_MEMORY_REGIONS] = {{0, 0}};
    struct pmm_range reserved[BOOT_MAX_MEMORY_REGIONS + 2] = {{0, 0}};
    size_t usable_count = 0, reserved_count = 0;

    reserved[reserved_count++] = (struct pmm_range){0, PMM_LOW_MEMORY_END};
    reserved[reserved_count++] =
        (struct pmm_range){(uint64_t)(uintptr_t)__kernel_start, (uint64_t)(__kernel_end - __kernel_start)};
    for (unsigned i = 0; i < info->region_count; i++) {
        const struct memory_region *r = &info->regions[i];
        struct pmm_range range = {r->base, r->length};
        if (r->type == MEMORY_USABLE)
            usable[usable_count++] = range;
        else
            reserved[reserved_count++] = range; /* wins over an overlapping "usable" entry */
    }

    uint64_t frame_limit = pmm_core_frame_limit(usable, usable_count);
    uint64_t bitmap_bytes = pmm_core_bitmap_words(frame_limit) * sizeof(uint64_t);
    uint64_t bitmap = pmm_find_free_space(usable, usable_count, reserved, reserved_count, bitmap_bytes,
                                          PMM_LOW_MEMORY_END, PMM_DMA32_LIMIT);
    if (!bitmap) {
        log_error("pmm: no room below 4 GiB for the %lu-byte frame bitmaps", (unsigned long)bitmap_bytes);
        KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, 2, bitmap_bytes, frame_limit, 0);
    }

    pmm_core_init(&pmm, (uint64_t *)(uintptr_t)bitmap, frame_limit);
    for (size_t i = 0; i < usable_count; i++)
        pmm_core_add_range(&pmm, usable[i].base, usable[i].length);
    for (size_t i = 0; i < reserved_count; i++)
        pmm_core_reserve_range(&pmm, reserved[i].base, reserved[i].length);
    pmm_core_reserve_range(&pmm, bitmap, bitmap_bytes);

    log_info("pmm: %lu MiB in %lu frames free, bitmaps %lu KiB at 0x%lx", (unsigned long)(pmm.free_frames >> 8),
             (unsigned long)pmm.free_frames, (unsigned long)(bitmap_bytes >> 10), (unsigned long)bitmap);
}

uint64_t pmm_alloc_frame(void)
{
    uint64_t flags = raw_lock_acquire(&pmm_lock);
    uint64_t phys = pmm_core_alloc(&pmm);
    raw_lock_release(&pmm_lock, flags);
    return phys;
}

uint64_t pmm_alloc_contiguous(size_t pages, uint64_t align)
{
    if (align & (align - 1))
        return 0;
    uint64_t flags = raw_lock_acquire(&pmm_lock);
    uint64_t phys = pmm_core_alloc_contiguous(&pmm, pages, align, PMM_DMA32_LIMIT);
    raw_lock_release(&pmm_lock, flags);
    return phys;
}

void pmm_free_contiguous(uint64_t phys, size_t pages)
{
    uint64_t bad = 0;
    uint64_t flags = raw_lock_acquire(&pmm_lock);
    enum pmm_status status = pmm_core_free(&pmm, phys, pages, &bad);
    raw_lock_release(&pmm_lock, flags);
    if (status == PMM_OK)
        return;
    ULONG_PTR what = status == PMM_ERR_NOT_ALLOCATED ? PMM_BAD_ALREADY_FREE
                     : status == PMM_ERR_UNALIGNED   ? PMM_BAD_UNALIGNED
                                                     : PMM_BAD_NOT_MANAGED;
    log_error("pmm: bad free of 0x%lx (%lu pages): frame 0x%lx %s", (unsigned long)phys, (unsigned long)pages,
              (unsigned long)bad,
              what == PMM_BAD_ALREADY_FREE ? "is already free"
              : what == PMM_BAD_UNALIGNED  ? "is not page aligned"
                                           : "is not RAM owned by the allocator");
    KeBugCheckEx(PFN_LIST_CORRUPT, 0x99, bad >> 12, what, phys);
}

void pmm_free_frame(uint64_t phys) { pmm_free_contiguous(phys, 1); }

uint64_t pmm_free_count(void) { return __atomic_load_n(&pmm.free_frames, __ATOMIC_RELAXED); }
uint64_t pmm_total_count(void) { return pmm.total_frames; }
