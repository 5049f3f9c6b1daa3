/* kernel/mm/paging.c - build and edit the kernel's 4-level page tables.
 *
 * Intel SDM Vol. 3A: section 4.5 (4-level paging: PML4 -> PDPT -> PD -> PT, 2 MiB pages via PS
 * in a PD entry), section 4.6 (access rights: a page is writable only if R/W is set at every
 * level, with CR0.WP even for supervisor writes; not executable if XD is set at any level, with
 * IA32_EFER.NXE), section 4.10.4 (invalidating TLBs: INVLPG, or reloading CR3 when no global
 * pages are used), section 11.12 (PAT) and table 11-11: with the power-on PAT, PCD=1 PWT=1
 * selects PAT entry 3 = UC, the memory type for device registers.
 *
 * How tables are built: everything is "painted" into one set of tables in order, each later
 * coat overriding the earlier ones: reserved ranges (uncached), then RAM (write-back), then the
 * low 1 MiB, then page 0 (unmapped), then the kernel's sections with their own rights. Painting
 * a 4 KiB-granular range over a 2 MiB page splits that page into a page table; painting a whole
 * aligned 2 MiB over a page table frees the table. Every table frame comes from
 * pmm_alloc_contiguous(), which stays below 4 GiB: while we build, the loader's page tables are
 * still active and they only map the first 4 GiB.
 */
#include "kernel/mm/paging.h"

#include "arch/x86_64/cpu.h"
#include "include/wdm.h"
#include "kernel/boot/bootinfo.h"
#include "kernel/console/log.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/ke/rawlock.h"
#include "kernel/lib/string.h"
#include "kernel/mm/pmm.h"

/* Page-table entry bits (SDM Vol. 3A tables 4-15 .. 4-20). */
#define PTE_P (1ull << 0)   /* present */
#define PTE_RW (1ull << 1)  /* writable */
#define PTE_US (1ull << 2)  /* user accessible: never set by irqlab */
#define PTE_PWT (1ull << 3) /* page-level write-through */
#define PTE_PCD (1ull << 4) /* page-level cache disable */
#define PTE_PS (1ull << 7)  /* in a PDPT/PD entry: this entry maps a 1 GiB / 2 MiB page */
#define PTE_XD (1ull << 63) /* execute-disable */
#define PTE_ADDR 0x000FFFFFFFFFF000ull
#define PTE_LEAF_FLAGS (PTE_P | PTE_RW | PTE_US | PTE_PWT | PTE_PCD | PTE_XD)

#define PAGE_4K 0x1000ull
#define PAGE_2M 0x200000ull
#define LOW_MEMORY_END 0x100000ull
#define VGA_START 0xA0000ull
#define VGA_END 0xC0000ull
/* Identity mappings must be canonical lower-half addresses (SDM section 3.3.7.1). */
#define IDENTITY_LIMIT 0x0000800000000000ull
/* Above this many pages a full TLB flush (CR3 reload) is cheaper than one INVLPG per page. */
#define FLUSH_PAGES_MAX 64

/* The leaf attributes of each kind of memory in the layout (paging.h). */
#define ATTR_RAM (PTE_P | PTE_RW | PTE_XD)
#define ATTR_UNCACHED (PTE_P | PTE_RW | PTE_XD | PTE_PCD | PTE_PWT)
#define ATTR_TEXT (PTE_P)
#define ATTR_READONLY (PTE_P | PTE_XD)

extern char __kernel_start[], __kernel_end[], __text_start[], __text_end[], __rodata_start[], __rodata_end[],
    __data_start[], __bss_start[], __bss_end[], __ksyms_start[], __ksyms_end[];

static uint64_t *kernel_pml4; /* physical == virtual */
static bool paging_live;      /* CR3 points at kernel_pml4: edits need TLB invalidation */
static uint64_t table_frames; /* page-table frames in use, for the log and the curious */
static raw_lock_t paging_lock = RAW_LOCK_INIT;

static uint64_t addr_of(const void *p) { return (uint64_t)(uintptr_t)p; }
static uint64_t align_down(uint64_t v, uint64_t a) { return v & ~(a - 1); }
static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

/* Level 4 = PML4, 3 = PDPT, 2 = PD, 1 = PT. An entry at `level` covers level_size(level). */
static unsigned table_index(uint64_t va, int level) { return (unsigned)(va >> (12 + 9 * (level - 1))) & 511u; }
static uint64_t level_size(int level) { return 1ull << (12 + 9 * (level - 1)); }
static uint64_t *table_at(uint64_t entry) { return (uint64_t *)(uintptr_t)(entry & PTE_ADDR); }

static bool is_canonical(uint64_t va)
{
    uint64_t top = va >> 47; /* bits 63:47 must all equal bit 47 */
    return top == 0 || top == 0x1FFFF;
}

static uint64_t *alloc_table(void)
{
    uint64_t phys = pmm_alloc_contiguous(1, PAGE_4K);
    if (!phys)
        return NULL;
    memset((void *)(uintptr_t)phys, 0, PAGE_4K);
    table_frames++;
    return (uint64_t *)(uintptr_t)phys;
}

/* Free a table at `level` and every table below it (leaf pages are not touched). */
static void free_table(uint64_t *table, int level)
{
    if (level > 1)
        for (unsigned i = 0; i < 512; i++)
            if ((table[i] & PTE_P) && !(table[i] & PTE_PS))
                free_table(table_at(table[i]), level - 1);
    pmm_free_frame(addr_of(table));
    table_frames--;
}

/* Replace the large page in *entry (at `level`, 2 or 3) by a table of 512 smaller pages with the
 * same attributes, so one of them can change. The translation of every address stays the same. */
static bool split_large(uint64_t *entry, int level)
{
    uint64_t *table = alloc_table();
    if (!table)
        return false;
    uint64_t child = level_size(level - 1);
    uint64_t base = *entry & PTE_ADDR & ~(level_size(level) - 1);
    uint64_t flags = (*entry & PTE_LEAF_FLAGS) | (level - 1 > 1 ? PTE_PS : 0);
    for (unsigned i = 0; i < 512; i++)
        table[i] = (base + i * child) | flags;
    /* Non-leaf entries are permissive (RW, no XD): the leaves alone decide the rights. */
    *entry = addr_of(table) | PTE_P | PTE_RW;
    return true;
}

/* The entry for `va` at `level`, creating missing tables and splitting large pages on the way
 * down. NULL if a table could not be allocated. */
static uint64_t *entry_for(uint64_t va, int level)
{
    uint64_t *table = kernel_pml4;
    for (int l = 4; l > level; l--) {
        uint64_t *e = &table[table_index(va, l)];
        if (!(*e & PTE_P)) {
            uint64_t *next = alloc_table();
            if (!next)
                return NULL;
            *e = addr_of(next) | PTE_P | PTE_RW;
        } else if (*e & PTE_PS) {
            if (!split_large(e, l))
                return NULL;
        }
        table = table_at(*e);
    }
    return &table[table_index(va, level)];
}

/* The leaf entry that maps `va` in the kernel tables (without changing anything), and its level;
 * NULL if not mapped. */
static uint64_t *find_leaf(uint64_t va, int *level)
{
    uint64_t *table = kernel_pml4;
    for (int l = 4; l >= 1; l--) {
        uint64_t *e = &table[table_index(va, l)];
        if (!(*e & PTE_P))
            return NULL;
        if (l == 1 || (l < 4 && (*e & PTE_PS))) {
            *level = l;
            return e;
        }
        table = table_at(*e);
    }
    return NULL;
}

static void flush_range(uint64_t va, uint64_t size)
{
    if (!paging_live)
        return; /* still on the loader's tables: nothing of ours can be cached */
    if (size / PAGE_4K > FLUSH_PAGES_MAX) {
        write_cr3(read_cr3()); /* no global pages, so this drops every translation */
        return;
    }
    for (uint64_t a = 0; a < size; a += PAGE_4K)
        invlpg(va + a);
}

/* Point the leaf for `va` at `level` (1 = 4 KiB, 2 = 2 MiB) to `pa` with `attrs`. */
static bool set_leaf(uint64_t va, uint64_t pa, int level, uint64_t attrs)
{
    uint64_t *e = entry_for(va, level);
    if (!e)
        return false;
    if (level > 1 && (*e & PTE_P) && !(*e & PTE_PS))
        free_table(table_at(*e), level - 1); /* a whole table's worth becomes one page */
    *e = attrs ? pa | attrs | (level > 1 ? PTE_PS : 0) : 0;
    return true;
}

/* Paint [start, end) (page-aligned) as identity-mapped with `attrs`; attrs 0 unmaps. */
static bool paint(uint64_t start, uint64_t end, uint64_t attrs)
{
    if (end > IDENTITY_LIMIT)
        end = IDENTITY_LIMIT;
    for (uint64_t a = start; a < end;) {
        bool big = (a & (PAGE_2M - 1)) == 0 && end - a >= PAGE_2M;
        if (!set_leaf(a, a, big ? 2 : 1, attrs))
            return false;
        a += big ? PAGE_2M : PAGE_4K;
    }
    if (start < end)
        flush_range(start, end - start);
    return true;
}

static void paint_or_die(uint64_t start, uint64_t end, uint64_t attrs)
{
    if (!paint(align_down(start, PAGE_4K), align_up(end, PAGE_4K), attrs)) {
        log_error("paging: out of memory for page tables while mapping 0x%lx-0x%lx", (unsigned long)start,
                  (unsigned long)end);
        KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, 3, start, end, attrs);
    }
}

void paging_init(const struct boot_info *info)
{
    kernel_pml4 = alloc_table();
    if (!kernel_pml4)
        KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, 3, 0, 0, 0);

    /* Reserved ranges first (uncached), then RAM on top: if a 4 KiB page holds both, it is RAM. */
    for (unsigned i = 0; i < info->region_count; i++) {
        const struct memory_region *r = &info->regions[i];
        if (r->type == MEMORY_RESERVED)
            paint_or_die(r->base, r->base + r->length, ATTR_UNCACHED);
    }
    for (unsigned i = 0; i < info->region_count; i++) {
        const struct memory_region *r = &info->regions[i];
        if (r->type == MEMORY_USABLE || r->type == MEMORY_ACPI_RECLAIMABLE || r->type == MEMORY_ACPI_NVS)
            paint_or_die(r->base, r->base + r->length, ATTR_RAM);
    }

    /* The first MiB whatever the map says (BIOS data, EBDA, ROMs, the future AP trampoline),
     * legacy VGA memory uncached, and page 0 not at all. */
    paint_or_die(0, LOW_MEMORY_END, ATTR_RAM);
    paint_or_die(VGA_START, VGA_END, ATTR_UNCACHED);
    paint_or_die(0, PAGE_4K, 0);

    /* The kernel image, section by section (linker.ld puts each on its own 4 KiB page). */
    paint_or_die(addr_of(__kernel_start), addr_of(__text_start), ATTR_READONLY); /* MB2 header, PVH note */
    paint_or_die(addr_of(__text_start), addr_of(__text_end), ATTR_TEXT);
    paint_or_die(addr_of(__rodata_start), addr_of(__rodata_end), ATTR_READONLY);
    paint_or_die(addr_of(__data_start), addr_of(__bss_end), ATTR_RAM);
    paint_or_die(addr_of(__ksyms_start), addr_of(__kernel_end), ATTR_READONLY);

    /* XD bits are only honoured with EFER.NXE (boot/entry.asm sets it; make sure) and R/W only
     * binds the kernel with CR0.WP. */
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | (1ull << 11));
    write_cr0(read_cr0() | (1ull << 16));

    write_cr3(addr_of(kernel_pml4));
    paging_live = true;
    log_info("paging: kernel page tables active (PML4 at 0x%lx, %lu table pages)", (unsigned long)addr_of(kernel_pml4),
             (unsigned long)table_frames);
}

static bool overlaps(uint64_t a_start, uint64_t a_end, uint64_t b_start, uint64_t b_end)
{
    return a_start < b_end && b_start < a_end;
}

/* True if every page of [start, end) is already identity-mapped with exactly `attrs`. */
static bool already_mapped(uint64_t start, uint64_t end, uint64_t attrs)
{
    for (uint64_t a = start; a < end;) {
        int level = 0;
        uint64_t *e = find_leaf(a, &level);
        if (!e)
            return false;
        uint64_t size = level_size(level);
        if ((*e & PTE_LEAF_FLAGS) != attrs || (*e & PTE_ADDR & ~(size - 1)) != align_down(a, size))
            return false;
        a = align_down(a, size) + size;
    }
    return true;
}

uint64_t paging_map_mmio(uint64_t phys, size_t size)
{
    uint64_t start = align_down(phys, PAGE_4K);
    uint64_t end = align_up(phys + size, PAGE_4K);
    if (!kernel_pml4 || size == 0 || start == 0 || end <= start || end > IDENTITY_LIMIT ||
        overlaps(start, end, addr_of(__kernel_start), addr_of(__kernel_end)))
        return 0;
    uint64_t flags = raw_lock_acquire(&paging_lock);
    bool ok = already_mapped(start, end, ATTR_UNCACHED) || paint(start, end, ATTR_UNCACHED);
    raw_lock_release(&paging_lock, flags);
    return ok ? phys : 0;
}

bool paging_query(uint64_t va, struct paging_info *out)
{
    if (!is_canonical(va))
        return false;
    const uint64_t *table = table_at(read_cr3());
    bool writable = true, executable = true;
    for (int level = 4; level >= 1; level--) {
        uint64_t e = table[table_index(va, level)];
        if (!(e & PTE_P))
            return false;
        writable = writable && (e & PTE_RW);
        executable = executable && !(e & PTE_XD);
        if (level == 1 || (level < 4 && (e & PTE_PS))) {
            uint64_t size = level_size(level);
            out->phys = (e & PTE_ADDR & ~(size - 1)) | (va & (size - 1));
            out->page_size = size;
            out->writable = writable;
            out->executable = executable;
            out->uncached = (e & PTE_PCD) != 0;
            out->write_through = (e & PTE_PWT) != 0;
            out->entry = e;
            return true;
        }
        table = table_at(e);
    }
    return false;
}

bool paging_is_mapped(uint64_t va, bool write)
{
    struct paging_info info;
    return paging_query(va, &info) && (!write || info.writable);
}

bool paging_map_page(uint64_t va, uint64_t pa, unsigned flags)
{
    if (!kernel_pml4 || !is_canonical(va) || (va | pa) & (PAGE_4K - 1))
        return false;
    uint64_t attrs = PTE_P | ((flags & PAGING_WRITE) ? PTE_RW : 0) | ((flags & PAGING_EXEC) ? 0 : PTE_XD) |
                     ((flags & PAGING_UNCACHED) ? PTE_PCD | PTE_PWT : 0);
    uint64_t irq = raw_lock_acquire(&paging_lock);
    int level = 0;
    bool ok = !find_leaf(va, &level);
    uint64_t *e = ok ? entry_for(va, 1) : NULL;
    if (e)
        *e = pa | attrs; /* was not present: no TLB entry can exist for it (SDM 4.10.2.3) */
    raw_lock_release(&paging_lock, irq);
    return e != NULL;
}

uint64_t paging_unmap_page(uint64_t va)
{
    if (!kernel_pml4 || !is_canonical(va))
        return 0;
    va = align_down(va, PAGE_4K);
    uint64_t irq = raw_lock_acquire(&paging_lock);
    uint64_t pa = 0;
    int level = 0;
    uint64_t *e = find_leaf(va, &level);
    if (e && level > 1)
        e = entry_for(va, 1); /* split the large page; only this 4 KiB goes away */
    if (e) {
        pa = *e & PTE_ADDR;
        *e = 0;
        invlpg(va);
    }
    raw_lock_release(&paging_lock, irq);
    return pa;
}

bool paging_set_executable(uint64_t va, size_t size, bool executable)
{
    uint64_t start = align_down(va, PAGE_4K);
    uint64_t end = align_up(va + size, PAGE_4K);
    if (!kernel_pml4 || size == 0 || end <= start)
        return false;
    uint64_t irq = raw_lock_acquire(&paging_lock);
    bool ok = true;
    for (uint64_t a = start; ok && a < end; a += PAGE_4K) {
        int level = 0;
        ok = find_leaf(a, &level) != NULL; /* check all first: all or nothing */
    }
    for (uint64_t a = start; ok && a < end;) {
        int level = 0;
        uint64_t *e = find_leaf(a, &level);
        uint64_t page = level_size(level);
        if (level > 1 && (a & (page - 1) || end - a < page)) {
            e = entry_for(a, 1); /* only part of this large page changes: split it */
            page = PAGE_4K;
            if (!e) {
                ok = false;
                break;
            }
        }
        *e = executable ? *e & ~PTE_XD : *e | PTE_XD;
        a += page;
    }
    if (ok)
        flush_range(start, end - start);
    raw_lock_release(&paging_lock, irq);
    return ok;
}
