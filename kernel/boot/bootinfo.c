/* kernel/boot/bootinfo.c - parse Multiboot2 tags or the PVH start_info into struct boot_info.
 * Multiboot2 Specification version 2.0, section 3.6 "Boot information format" (under UEFI too:
 * tags 11/12 "EFI system table pointer", 17 "EFI memory map"; UEFI 2.10 section 7.2
 * "EFI_BOOT_SERVICES.GetMemoryMap()" for the descriptors);
 * Xen public header arch-x86/hvm/start_info.h (struct hvm_start_info, version 0 and 1);
 * ACPI 6.5 section 5.2.5 "Root System Description Pointer". Pure code: host tests run it too. */
#include "kernel/boot/bootinfo.h"

#include <stddef.h>

#include "kernel/lib/string.h"

/* ---- Multiboot2 layout ---- */
enum {
    MB2_TAG_END = 0,
    MB2_TAG_CMDLINE = 1,
    MB2_TAG_LOADER_NAME = 2,
    MB2_TAG_MMAP = 6,
    MB2_TAG_FRAMEBUFFER = 8,
    MB2_TAG_EFI32_SYSTEM_TABLE = 11,
    MB2_TAG_EFI64_SYSTEM_TABLE = 12,
    MB2_TAG_ACPI_OLD = 14,
    MB2_TAG_ACPI_NEW = 15,
    MB2_TAG_EFI_MMAP = 17,
};

struct mb2_info_header {
    uint32_t total_size;
    uint32_t reserved;
};

struct mb2_tag {
    uint32_t type;
    uint32_t size;
};

struct mb2_mmap_tag {
    uint32_t type;
    uint32_t size;
    uint32_t entry_size;
    uint32_t entry_version;
};

struct mb2_mmap_entry {
    uint64_t base;
    uint64_t length;
    uint32_t type;
    uint32_t reserved;
};

/* Section 3.6.12; GRUB's multiboot2.h has a 16-bit reserved field after the type, so the
 * colour information starts at byte 32. */
struct mb2_framebuffer_tag {
    uint32_t type;
    uint32_t size;
    uint64_t address;
    uint32_t pitch;
    uint32_t width;
    uint32_t height;
    uint8_t bpp;
    uint8_t framebuffer_type; /* 0 indexed, 1 direct RGB, 2 EGA text */
    uint16_t reserved;
    uint8_t red_position, red_size, green_position, green_size, blue_position, blue_size;
};
#define MB2_FRAMEBUFFER_COMMON_SIZE 32u
#define MB2_FRAMEBUFFER_RGB_SIZE (MB2_FRAMEBUFFER_COMMON_SIZE + 6u) /* not sizeof: that is padded to 40 */
enum { MB2_FRAMEBUFFER_INDEXED = 0, MB2_FRAMEBUFFER_RGB = 1, MB2_FRAMEBUFFER_EGA_TEXT = 2 };

struct mb2_efi_mmap_tag {
    uint32_t type;
    uint32_t size;
    uint32_t descriptor_size;
    uint32_t descriptor_version;
};

/* EFI_MEMORY_DESCRIPTOR; the firmware's descriptor_size may be larger (OVMF: 48). */
struct efi_memory_descriptor {
    uint32_t type;
    uint32_t pad;
    uint64_t physical_start;
    uint64_t virtual_start;
    uint64_t number_of_pages; /* 4 KiB pages */
    uint64_t attribute;
};

/* EFI_MEMORY_TYPE values (UEFI 2.10 table 7-6) that matter here. */
enum {
    EFI_LOADER_CODE = 1,
    EFI_LOADER_DATA = 2,
    EFI_BOOT_SERVICES_CODE = 3,
    EFI_BOOT_SERVICES_DATA = 4,
    EFI_CONVENTIONAL_MEMORY = 7,
    EFI_UNUSABLE_MEMORY = 8,
    EFI_ACPI_RECLAIM_MEMORY = 9,
    EFI_ACPI_MEMORY_NVS = 10,
};

/* ---- PVH layout ---- */
struct hvm_start_info {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;    /* version >= 1 */
    uint32_t memmap_entries;  /* version >= 1 */
    uint32_t reserved;
};

struct hvm_memmap_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
    uint32_t reserved;
};

/* Limits that make a structure "absurd" rather than merely large. */
#define MB2_MAX_TOTAL_SIZE (1u << 20)
#define PVH_MAX_MEMMAP_ENTRIES 4096

static void set_cmdline(struct boot_info *out, const char *text, size_t max_len)
{
    size_t len = strnlen(text, max_len);
    out->cmdline_truncated = len >= sizeof(out->cmdline);
    size_t copy = out->cmdline_truncated ? sizeof(out->cmdline) - 1 : len;
    memcpy(out->cmdline, text, copy);
    out->cmdline[copy] = '\0';
}

static void add_region(struct boot_info *out, uint64_t base, uint64_t length, uint32_t type)
{
    if (length == 0)
        return;
    if (out->region_count == BOOT_MAX_MEMORY_REGIONS) {
        out->regions_truncated = true;
        return;
    }
    /* Unknown types are treated as reserved: never hand out memory we do not understand. */
    if (type < MEMORY_USABLE || type > MEMORY_BAD)
        type = MEMORY_RESERVED;
    out->regions[out->region_count++] = (struct memory_region){base, length, type};
    if (type == MEMORY_USABLE)
        out->usable_bytes += length;
}

/* GRUB has left UEFI's boot services (it does unless the kernel asks otherwise, which irqlab does
 * not), so what they used is free RAM now, like the loader's own memory: irqlab copies what it
 * needs from the boot information before it hands out a single frame. */
static uint32_t efi_memory_type_to_e820(uint32_t efi_type)
{
    switch (efi_type) {
    case EFI_LOADER_CODE:
    case EFI_LOADER_DATA:
    case EFI_BOOT_SERVICES_CODE:
    case EFI_BOOT_SERVICES_DATA:
    case EFI_CONVENTIONAL_MEMORY: return MEMORY_USABLE;
    case EFI_UNUSABLE_MEMORY: return MEMORY_BAD;
    case EFI_ACPI_RECLAIM_MEMORY: return MEMORY_ACPI_RECLAIMABLE;
    case EFI_ACPI_MEMORY_NVS: return MEMORY_ACPI_NVS;
    default: return MEMORY_RESERVED; /* runtime services, MMIO, reserved, ... */
    }
}

/* UEFI lists memory in many small descriptors (OVMF: about a hundred); neighbours of one kind
 * become one region so that BOOT_MAX_MEMORY_REGIONS is enough. */
static void add_efi_region(struct boot_info *out, uint64_t base, uint64_t length, uint32_t type)
{
    struct memory_region *last = out->region_count ? &out->regions[out->region_count - 1] : NULL;
    if (last && last->type == type && last->base + last->length == base && length) {
        last->length += length;
        if (type == MEMORY_USABLE)
            out->usable_bytes += length;
        return;
    }
    add_region(out, base, length, type);
}

static enum boot_error parse_efi_mmap(const struct mb2_tag *tag, struct boot_info *out)
{
    const struct mb2_efi_mmap_tag *mmap = (const void *)tag;
    if (tag->size < sizeof(*mmap) || mmap->descriptor_size < sizeof(struct efi_memory_descriptor) ||
        mmap->descriptor_size % 8 != 0)
        return BOOT_ERR_MALFORMED;
    uint64_t at = (uint64_t)(uintptr_t)tag;
    for (uint64_t e = at + sizeof(*mmap); e + mmap->descriptor_size <= at + tag->size; e += mmap->descriptor_size) {
        const struct efi_memory_descriptor *d = (const void *)(uintptr_t)e;
        if (d->number_of_pages > (UINT64_MAX >> 12) || d->physical_start + (d->number_of_pages << 12) < d->physical_start)
            return BOOT_ERR_MALFORMED;
        add_efi_region(out, d->physical_start, d->number_of_pages << 12, efi_memory_type_to_e820(d->type));
    }
    return BOOT_OK;
}

static bool rgb_framebuffer_sane(const struct mb2_framebuffer_tag *fb)
{
    unsigned bytes = (fb->bpp + 7u) / 8u;
    return (fb->bpp == 15 || fb->bpp == 16 || fb->bpp == 24 || fb->bpp == 32) && fb->width && fb->height &&
           (uint64_t)fb->pitch >= (uint64_t)fb->width * bytes && fb->red_size && fb->green_size && fb->blue_size &&
           fb->red_position + fb->red_size <= fb->bpp && fb->green_position + fb->green_size <= fb->bpp &&
           fb->blue_position + fb->blue_size <= fb->bpp;
}

static enum boot_error parse_framebuffer(const struct mb2_tag *tag, struct boot_info *out)
{
    const struct mb2_framebuffer_tag *fb = (const void *)tag;
    if (tag->size < MB2_FRAMEBUFFER_COMMON_SIZE)
        return BOOT_ERR_MALFORMED;
    struct boot_framebuffer *f = &out->framebuffer;
    *f = (struct boot_framebuffer){.type = BOOT_FB_UNSUPPORTED, .address = fb->address, .pitch = fb->pitch,
                                   .width = fb->width, .height = fb->height, .bpp = fb->bpp};
    if (fb->address == 0) {
        f->type = BOOT_FB_NONE;
    } else if (fb->framebuffer_type == MB2_FRAMEBUFFER_RGB) {
        if (tag->size < MB2_FRAMEBUFFER_RGB_SIZE || !rgb_framebuffer_sane(fb))
            return BOOT_OK; /* unsupported: the console stays on COM1 */
        f->type = BOOT_FB_RGB;
        f->red_position = fb->red_position;
        f->red_size = fb->red_size;
        f->green_position = fb->green_position;
        f->green_size = fb->green_size;
        f->blue_position = fb->blue_position;
        f->blue_size = fb->blue_size;
    } else if (fb->framebuffer_type == MB2_FRAMEBUFFER_EGA_TEXT) {
        if (fb->width && fb->height && (uint64_t)fb->pitch >= (uint64_t)fb->width * 2)
            f->type = BOOT_FB_EGA_TEXT;
    }
    return BOOT_OK;
}

static enum boot_error finish(struct boot_info *out, bool saw_memory_map)
{
    if (!saw_memory_map)
        return BOOT_ERR_NO_MEMORY_MAP;
    if (out->usable_bytes == 0)
        return BOOT_ERR_NO_USABLE_MEMORY;
    return BOOT_OK;
}

static enum boot_error parse_multiboot2(uint64_t info, struct boot_info *out)
{
    const struct mb2_info_header *header = (const void *)(uintptr_t)info;
    uint32_t total = header->total_size;
    if (total < sizeof(*header) + sizeof(struct mb2_tag) || total > MB2_MAX_TOTAL_SIZE)
        return BOOT_ERR_MALFORMED;

    bool saw_mmap = false;
    const struct mb2_tag *efi_mmap = NULL;
    uint64_t end = info + total;
    uint64_t at = info + sizeof(*header);
    for (;;) {
        if (at + sizeof(struct mb2_tag) > end)
            return BOOT_ERR_MALFORMED; /* ran off the end without an end tag */
        const struct mb2_tag *tag = (const void *)(uintptr_t)at;
        if (tag->type == MB2_TAG_END)
            break;
        if (tag->size < sizeof(struct mb2_tag) || at + tag->size > end)
            return BOOT_ERR_MALFORMED;
        const char *payload = (const char *)tag + sizeof(struct mb2_tag);
        size_t payload_len = tag->size - sizeof(struct mb2_tag);

        switch (tag->type) {
        case MB2_TAG_CMDLINE:
            set_cmdline(out, payload, payload_len);
            break;
        case MB2_TAG_LOADER_NAME: {
            size_t n = strnlen(payload, payload_len);
            if (n >= sizeof(out->loader_name))
                n = sizeof(out->loader_name) - 1;
            memcpy(out->loader_name, payload, n);
            out->loader_name[n] = '\0';
            break;
        }
        case MB2_TAG_MMAP: {
            const struct mb2_mmap_tag *mmap = (const void *)tag;
            /* The Multiboot2 specification (3.6.8 "Memory map") guarantees entry_size is a
             * multiple of 8. One that is not would put 64-bit fields at misaligned addresses
             * (undefined behaviour; found by tests/fuzz/fuzz_multiboot2.c): malformed. */
            if (tag->size < sizeof(*mmap) || mmap->entry_size < sizeof(struct mb2_mmap_entry) ||
                mmap->entry_size % 8 != 0)
                return BOOT_ERR_MALFORMED;
            saw_mmap = true;
            for (uint64_t e = at + sizeof(*mmap); e + mmap->entry_size <= at + tag->size; e += mmap->entry_size) {
                const struct mb2_mmap_entry *entry = (const void *)(uintptr_t)e;
                add_region(out, entry->base, entry->length, entry->type);
            }
            break;
        }
        case MB2_TAG_ACPI_NEW:
        case MB2_TAG_ACPI_OLD: {
            /* Prefer the ACPI 2.0+ copy (XSDT); take the 1.0 one only if nothing better came. */
            bool is_new = tag->type == MB2_TAG_ACPI_NEW;
            if (!is_new && out->rsdp_source == RSDP_FROM_MULTIBOOT2_V2)
                break;
            size_t n = payload_len < sizeof(out->rsdp_copy) ? payload_len : sizeof(out->rsdp_copy);
            if (n < 20)
                return BOOT_ERR_MALFORMED; /* an RSDP is at least 20 bytes */
            memset(out->rsdp_copy, 0, sizeof(out->rsdp_copy));
            memcpy(out->rsdp_copy, payload, n);
            out->rsdp_address = (uint64_t)(uintptr_t)out->rsdp_copy;
            out->rsdp_source = is_new ? RSDP_FROM_MULTIBOOT2_V2 : RSDP_FROM_MULTIBOOT2_V1;
            break;
        }
        case MB2_TAG_FRAMEBUFFER: {
            enum boot_error e = parse_framebuffer(tag, out);
            if (e != BOOT_OK)
                return e;
            break;
        }
        case MB2_TAG_EFI32_SYSTEM_TABLE:
        case MB2_TAG_EFI64_SYSTEM_TABLE: {
            size_t want = tag->type == MB2_TAG_EFI64_SYSTEM_TABLE ? 8 : 4;
            if (payload_len < want)
                return BOOT_ERR_MALFORMED;
            uint64_t table = 0;
            memcpy(&table, payload, want);
            out->firmware = BOOT_FIRMWARE_UEFI;
            out->efi_system_table = table;
            break;
        }
        case MB2_TAG_EFI_MMAP:
            efi_mmap = tag; /* used only if there is no BIOS-style map (tag 6): see below */
            break;
        default:
            break; /* tags we do not use (ELF sections, APM, ...) */
        }
        at += (tag->size + 7u) & ~7ull; /* tags are 8-byte aligned */
    }
    /* GRUB gives both maps under UEFI; another loader may give UEFI's alone. */
    if (!saw_mmap && efi_mmap) {
        enum boot_error e = parse_efi_mmap(efi_mmap, out);
        if (e != BOOT_OK)
            return e;
        saw_mmap = true;
        out->memory_map_from_efi = true;
    }
    if (efi_mmap)
        out->firmware = BOOT_FIRMWARE_UEFI;
    if (!out->loader_name[0])
        strlcpy(out->loader_name, "Multiboot2 loader", sizeof(out->loader_name));
    return finish(out, saw_mmap);
}

static enum boot_error parse_pvh(uint64_t info, struct boot_info *out)
{
    const struct hvm_start_info *start = (const void *)(uintptr_t)info;
    strlcpy(out->loader_name, "QEMU -kernel (PVH)", sizeof(out->loader_name));
    if (start->cmdline_paddr)
        set_cmdline(out, (const char *)(uintptr_t)start->cmdline_paddr, 1u << 16);
    if (start->rsdp_paddr) {
        out->rsdp_address = start->rsdp_paddr;
        out->rsdp_source = RSDP_FROM_PVH;
    }
    /* Version 0 has no memory map; QEMU's PVH loader provides version 1. */
    bool saw_mmap = false;
    if (start->version >= 1 && start->memmap_paddr && start->memmap_entries) {
        if (start->memmap_entries > PVH_MAX_MEMMAP_ENTRIES)
            return BOOT_ERR_MALFORMED;
        saw_mmap = true;
        const struct hvm_memmap_entry *map = (const void *)(uintptr_t)start->memmap_paddr;
        for (uint32_t i = 0; i < start->memmap_entries; i++)
            add_region(out, map[i].addr, map[i].size, map[i].type);
    }
    return finish(out, saw_mmap);
}

/* fw_cfg's etc/e820 describes the RAM QEMU allocated, not the PC memory map SeaBIOS builds
 * around it (and hands to the ROM through INT 15h E820). Two kinds of RAM in it are not free:
 *   * 0xA0000-0xFFFFF: ISA video memory and the BIOS ROMs;
 *   * the top of RAM below 4 GiB: SeaBIOS keeps its "high" tables there - the ACPI tables
 *     irqlab reads next among them - and reports that block reserved (SeaBIOS src/malloc.c,
 *     BUILD_MAX_HIGHTABLE = 256 KiB, src/config.h). The top 1 MiB is kept out, with room to spare. */
#define PC_LEGACY_HOLE_START 0xA0000ull
#define PC_LEGACY_HOLE_END 0x100000ull
#define BIOS_HIGH_TABLES_KEPT (1ull << 20)
#define FOUR_GIB (1ull << 32)

static void add_usable_outside(struct boot_info *out, uint64_t base, uint64_t end, const uint64_t (*holes)[2],
                               unsigned hole_count)
{
    if (base >= end)
        return;
    for (unsigned i = 0; i < hole_count; i++) {
        uint64_t hole_start = holes[i][0] > base ? holes[i][0] : base;
        uint64_t hole_end = holes[i][1] < end ? holes[i][1] : end;
        if (hole_start >= hole_end)
            continue;
        add_region(out, hole_start, hole_end - hole_start, MEMORY_RESERVED);
        add_usable_outside(out, base, hole_start, holes, hole_count);
        add_usable_outside(out, hole_end, end, holes, hole_count);
        return;
    }
    add_region(out, base, end - base, MEMORY_USABLE);
}

enum boot_error bootinfo_parse_pvh_overrun(uint64_t info, uint32_t cmdline_size, const struct boot_e820_entry *map,
                                           unsigned map_count, struct boot_info *out)
{
    memset(out, 0, sizeof(*out));
    if (info == 0)
        return BOOT_ERR_NO_INFO;
    const struct hvm_start_info *start = (const void *)(uintptr_t)info;
    uint64_t cmdline = start->cmdline_paddr;
    /* The ROM's buffer ends where start_info begins (give or take alignment padding). */
    if (cmdline_size <= QEMU_PVH_ROM_CMDLINE_BUFSIZE || cmdline == 0 || cmdline >= info ||
        info - cmdline < QEMU_PVH_ROM_CMDLINE_BUFSIZE || info - cmdline > QEMU_PVH_ROM_CMDLINE_BUFSIZE + 64)
        return BOOT_ERR_UNKNOWN_LOADER;
    out->protocol = BOOT_PROTOCOL_PVH;
    out->pvh_rom_overrun = cmdline_size;
    strlcpy(out->loader_name, "QEMU -kernel (PVH)", sizeof(out->loader_name));
    /* The buffer's first 4 KiB hold the start of the line; what follows has been overwritten
     * in part (cmdline_paddr itself sits there now), so read no further than the buffer. */
    set_cmdline(out, (const char *)(uintptr_t)cmdline, QEMU_PVH_ROM_CMDLINE_BUFSIZE);
    out->cmdline_truncated = true; /* it was longer than the buffer, so longer than ours */
    uint64_t top_below_4g = 0;
    for (unsigned i = 0; i < map_count; i++) {
        uint64_t end = map[i].base + map[i].length;
        if (map[i].type == MEMORY_USABLE && end <= FOUR_GIB && end > top_below_4g)
            top_below_4g = end;
    }
    const uint64_t holes[2][2] = {
        {PC_LEGACY_HOLE_START, PC_LEGACY_HOLE_END},
        {top_below_4g > BIOS_HIGH_TABLES_KEPT ? top_below_4g - BIOS_HIGH_TABLES_KEPT : 0, top_below_4g}};
    for (unsigned i = 0; i < map_count; i++) {
        if (map[i].type == MEMORY_USABLE)
            add_usable_outside(out, map[i].base, map[i].base + map[i].length, holes, 2);
        else
            add_region(out, map[i].base, map[i].length, map[i].type);
    }
    return finish(out, map_count > 0);
}

enum boot_error bootinfo_parse(uint32_t magic, uint64_t info, struct boot_info *out)
{
    memset(out, 0, sizeof(*out));
    if (info == 0)
        return BOOT_ERR_NO_INFO;
    if (magic == MULTIBOOT2_BOOTLOADER_MAGIC) {
        out->protocol = BOOT_PROTOCOL_MULTIBOOT2;
        return parse_multiboot2(info, out);
    }
    if (*(const uint32_t *)(uintptr_t)info == PVH_START_INFO_MAGIC) {
        out->protocol = BOOT_PROTOCOL_PVH;
        return parse_pvh(info, out);
    }
    return BOOT_ERR_UNKNOWN_LOADER;
}

const char *bootinfo_error_text(enum boot_error error)
{
    switch (error) {
    case BOOT_OK: return "ok";
    case BOOT_ERR_UNKNOWN_LOADER: return "unknown loader: no Multiboot2 magic in eax and no PVH start_info at ebx";
    case BOOT_ERR_NO_INFO: return "the loader passed no boot information (ebx = 0)";
    case BOOT_ERR_MALFORMED: return "the boot information is malformed (a size or length is impossible)";
    case BOOT_ERR_NO_MEMORY_MAP: return "the loader passed no memory map";
    case BOOT_ERR_NO_USABLE_MEMORY: return "the memory map lists no usable RAM";
    }
    return "unknown error";
}

const char *bootinfo_protocol_name(enum boot_protocol protocol)
{
    switch (protocol) {
    case BOOT_PROTOCOL_MULTIBOOT2: return "Multiboot2";
    case BOOT_PROTOCOL_PVH: return "PVH";
    default: return "unknown";
    }
}

const char *bootinfo_firmware_name(enum boot_firmware firmware)
{
    return firmware == BOOT_FIRMWARE_UEFI ? "UEFI" : "BIOS";
}

static bool rsdp_valid(const uint8_t *p)
{
    if (memcmp(p, "RSD PTR ", 8) != 0)
        return false;
    uint8_t sum = 0;
    for (int i = 0; i < 20; i++) /* the ACPI 1.0 checksum covers the first 20 bytes */
        sum = (uint8_t)(sum + p[i]);
    return sum == 0;
}

static uint64_t scan_range(uintptr_t low_memory, uint64_t start, uint64_t end)
{
    for (uint64_t a = start & ~15ull; a + 20 <= end; a += 16)
        if (rsdp_valid((const uint8_t *)(low_memory + a)))
            return a;
    return 0;
}

uint64_t bootinfo_scan_rsdp(uintptr_t low_memory)
{
    /* The BIOS data area word at 0x40E holds the EBDA segment. */
    uint16_t ebda_segment = *(const volatile uint16_t *)(low_memory + 0x40E);
    uint64_t ebda = (uint64_t)ebda_segment << 4;
    if (ebda >= 0x80000 && ebda < 0xA0000) {
        uint64_t found = scan_range(low_memory, ebda, ebda + 1024);
        if (found)
            return found;
    }
    return scan_range(low_memory, 0xE0000, 0x100000);
}
