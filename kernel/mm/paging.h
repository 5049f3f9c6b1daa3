/* kernel/mm/paging.h - the kernel's own page tables (Intel SDM Vol. 3A chapter 4, 4-level paging).
 *
 * Layout (physical == virtual for everything but kernel stacks):
 *   0 - 4 KiB                   not mapped: a NULL dereference faults
 *   4 KiB - 1 MiB               read/write, no-execute, write-back (BIOS data, EBDA, the AP
 *                               trampoline page; 0xA0000-0xBFFFF, legacy VGA, is uncached)
 *   RAM from the memory map     read/write, no-execute, write-back (usable, ACPI reclaimable and
 *                               ACPI NVS ranges, also above 4 GiB)
 *   reserved memory-map ranges  read/write, no-execute, uncached (firmware tables and device
 *                               windows the firmware lists, e.g. q35's PCIe ECAM)
 *   kernel .boot / .note.Xen    read-only, no-execute
 *   kernel .text                read-only, executable
 *   kernel .rodata / .ksyms     read-only, no-execute
 *   kernel .data / .bss         read/write, no-execute
 *   MMIO (paging_map_mmio)      read/write, no-execute, uncached
 *   kernel-stack region         see kernel/mm/kstack.h: PAGING_KSTACK_BASE .. + PAGING_KSTACK_SIZE
 *   everything else             not mapped
 * 2 MiB pages are used wherever a whole aligned 2 MiB is uniform, 4 KiB pages elsewhere.
 * No user pages, no global pages. Every page-table frame (the PML4 included) lies below 4 GiB,
 * so a 32-bit AP trampoline can load this CR3 as it is.
 *
 * TLBs: every change invalidates this CPU's TLB (INVLPG, or a CR3 reload for big changes).
 * There is no cross-CPU shootdown yet: another CPU may keep a stale translation of a page it
 * has touched. Mapping new pages is always safe; unmapping or changing a page another CPU has
 * used needs an IPI-based shootdown (not implemented; see kernel/ke/ipi.h) before the frame
 * or the address is reused.
 */
#ifndef IRQLAB_MM_PAGING_H
#define IRQLAB_MM_PAGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct boot_info;

/* The kernel-stack region: the last PML4 slot (PML4[511], the top 512 GiB of the canonical
 * address space). Far from the identity map, so a stack address is recognisable at a glance
 * and a wild pointer into it faults unless a stack is really mapped there. */
#define PAGING_KSTACK_BASE 0xFFFFFF8000000000ull
#define PAGING_KSTACK_SIZE 0x0000008000000000ull /* 512 GiB of address space; kstack.c uses little */

/* Flags for paging_map_page. Present and supervisor-only are implied; without PAGING_EXEC the
 * page is no-execute; PAGING_UNCACHED sets PCD|PWT (UC under the power-on PAT). */
#define PAGING_WRITE 0x1u
#define PAGING_EXEC 0x2u
#define PAGING_UNCACHED 0x4u

/* Build the kernel page tables from the memory map and switch CR3 to them. */
void paging_init(const struct boot_info *info);

/* Map [phys, phys+size) uncached at the same virtual address (device registers: LAPIC, IOAPIC,
 * PCI BARs). Returns the virtual address, or 0 on failure. Idempotent. Refuses ranges that
 * touch page 0 or the kernel image. */
uint64_t paging_map_mmio(uint64_t phys, size_t size);

/* True if `va` is mapped (and writable, if `write`). Never faults. */
bool paging_is_mapped(uint64_t va, bool write);

/* What a table walk of the current CR3 finds for `va` (Intel SDM Vol. 3A section 4.6: a page is
 * writable only if R/W is set at every level, executable only if XD is clear at every level). */
struct paging_info {
    uint64_t phys;      /* physical address `va` translates to */
    uint64_t page_size; /* 4 KiB, 2 MiB or 1 GiB */
    bool writable;
    bool executable;
    bool uncached;      /* PCD set on the leaf entry */
    bool write_through; /* PWT set on the leaf entry */
    uint64_t entry;     /* the leaf entry itself (bugchecks 0xBE/0xFC report it) */
};
/* Returns false (and leaves *out alone) if `va` is not mapped or not canonical. Never faults. */
bool paging_query(uint64_t va, struct paging_info *out);

/* Map one 4 KiB page va -> pa with PAGING_* flags. Fails if va is already mapped or a page
 * table cannot be allocated. Meant for the kernel-stack region, but works for any canonical va. */
bool paging_map_page(uint64_t va, uint64_t pa, unsigned flags);
/* Unmap one 4 KiB page and invalidate its TLB entry (invlpg) on this CPU. Returns the physical
 * address it mapped, or 0 if it was not mapped. */
uint64_t paging_unmap_page(uint64_t va);

/* Allow or forbid instruction fetches from [va, va+size) (clears/sets XD on every page; splits
 * 2 MiB pages where needed). Meant for the AP trampoline page below 1 MiB, which must be
 * executable after the AP turns paging on. Returns false if part of the range is not mapped. */
bool paging_set_executable(uint64_t va, size_t size, bool executable);

#endif
