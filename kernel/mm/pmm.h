/* kernel/mm/pmm.h - physical memory: who owns which 4 KiB frame of RAM.
 *
 * Built from the loader's memory map (struct boot_info) by pmm_init(). It hands out only frames
 * that are usable RAM and not one of these (see pmm.c for why each is kept out):
 *   * everything below 1 MiB, including frame 0 (BIOS data, EBDA, the future AP trampoline);
 *   * the kernel image [__kernel_start, __kernel_end), which includes the boot page tables,
 *     the boot stack and struct boot_info (the loader's own structures are not needed any
 *     more: bootinfo_parse copied everything into boot_info before pmm_init runs);
 *   * the allocator's own bitmaps.
 * Physical == virtual for all RAM (kernel/mm/paging.h), so a returned address can be used as
 * a pointer directly. All functions are SMP-safe and may be called with interrupts disabled.
 */
#ifndef IRQLAB_MM_PMM_H
#define IRQLAB_MM_PMM_H

#include <stddef.h>
#include <stdint.h>

struct boot_info;

#define PMM_PAGE_SIZE 4096ull
/* pmm_alloc_contiguous only returns memory below this address: 32-bit DMA engines can reach it,
 * and the loader's page tables (still active while paging_init builds ours) map exactly this. */
#define PMM_DMA32_LIMIT 0x100000000ull

void pmm_init(const struct boot_info *info);

/* One frame (4 KiB, not zeroed); its physical address, or 0 when out of memory. */
uint64_t pmm_alloc_frame(void);
/* `pages` physically contiguous frames below 4 GiB, the first aligned to `align` bytes (a power
 * of two; anything up to 4096 means page-aligned). Not zeroed. Returns 0 on failure. */
uint64_t pmm_alloc_contiguous(size_t pages, uint64_t align);

/* Give frames back. Freeing a frame that is free, reserved or not RAM is a kernel bug and
 * bugchecks with PFN_LIST_CORRUPT (0x4E): P1 = 0x99, P2 = page frame number, P3 = what the
 * frame was (1 = already free, 2 = not RAM owned by the allocator, 3 = address not page
 * aligned), P4 = the address passed in. */
void pmm_free_frame(uint64_t phys);
void pmm_free_contiguous(uint64_t phys, size_t pages);

/* Frames free now / frames managed in total (usable RAM minus the reservations above). */
uint64_t pmm_free_count(void);
uint64_t pmm_total_count(void);

#endif
