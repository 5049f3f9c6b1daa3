/* kernel/boot/bootinfo.h - one description of "what the loader told us", whichever loader it was.
 *
 * irqlab can be started two ways (see boot/entry.asm):
 *   * GRUB, Multiboot2: eax = 0x36d76289, ebx -> a list of tags (Multiboot2 spec section 3.6).
 *   * QEMU -kernel, PVH: ebx -> struct hvm_start_info (Xen include/public/arch-x86/hvm/start_info.h).
 * bootinfo_parse() turns either into struct boot_info, so nothing after it cares which one ran.
 */
#ifndef IRQLAB_BOOT_BOOTINFO_H
#define IRQLAB_BOOT_BOOTINFO_H

#include <stdbool.h>
#include <stdint.h>

#define MULTIBOOT2_BOOTLOADER_MAGIC 0x36D76289u
#define PVH_START_INFO_MAGIC 0x336EC578u

#define BOOT_MAX_MEMORY_REGIONS 64
#define BOOT_CMDLINE_MAX 512
#define BOOT_LOADER_NAME_MAX 64

enum boot_protocol { BOOT_PROTOCOL_UNKNOWN = 0, BOOT_PROTOCOL_MULTIBOOT2, BOOT_PROTOCOL_PVH };

/* Region types use the E820 numbering, which Multiboot2 and PVH share. */
enum memory_type {
    MEMORY_USABLE = 1,
    MEMORY_RESERVED = 2,
    MEMORY_ACPI_RECLAIMABLE = 3,
    MEMORY_ACPI_NVS = 4,
    MEMORY_BAD = 5,
};

struct memory_region {
    uint64_t base;
    uint64_t length;
    uint32_t type;
};

/* The screen the loader set up (Multiboot2 section 3.6.12 "Framebuffer info"): GRUB fills it
 * from UEFI's Graphics Output Protocol (UEFI 2.10 section 12.9) or from VESA BIOS Extensions.
 * kernel/console/fb_console.c draws the console on it. */
enum boot_framebuffer_type {
    BOOT_FB_NONE = 0,     /* no framebuffer tag (QEMU -kernel, or a loader without video) */
    BOOT_FB_RGB,          /* direct colour: pixels of `bpp` bits, channels at the given positions */
    BOOT_FB_EGA_TEXT,     /* the VGA text mode: 2 bytes per cell (character, attribute) */
    BOOT_FB_UNSUPPORTED,  /* an indexed-colour (palette) mode */
};

struct boot_framebuffer {
    enum boot_framebuffer_type type;
    uint64_t address;     /* physical */
    uint32_t pitch;       /* bytes per line */
    uint32_t width;       /* pixels (text: columns) */
    uint32_t height;      /* pixels (text: rows) */
    uint8_t bpp;          /* bits per pixel (text: 16) */
    uint8_t red_position, red_size, green_position, green_size, blue_position, blue_size;
};

/* Which firmware started the loader: Multiboot2 hands UEFI's system table over (tags 11 and 12,
 * section 3.6.15/3.6.16) only when the machine booted through UEFI. */
enum boot_firmware { BOOT_FIRMWARE_BIOS = 0, BOOT_FIRMWARE_UEFI };

enum rsdp_source { RSDP_NONE = 0, RSDP_FROM_MULTIBOOT2_V2, RSDP_FROM_MULTIBOOT2_V1, RSDP_FROM_PVH, RSDP_FROM_BIOS_SCAN };

/* Why parsing failed; each has a message (bootinfo_error_text) and leads to a bugcheck. */
enum boot_error {
    BOOT_OK = 0,
    BOOT_ERR_UNKNOWN_LOADER,   /* neither the MB2 magic in eax nor the PVH magic at [ebx] */
    BOOT_ERR_NO_INFO,          /* info pointer is 0 */
    BOOT_ERR_MALFORMED,        /* a tag runs past the end, a size is impossible, ... */
    BOOT_ERR_NO_MEMORY_MAP,    /* the loader gave no memory map */
    BOOT_ERR_NO_USABLE_MEMORY, /* a memory map without a single usable byte */
};

struct boot_info {
    enum boot_protocol protocol;
    char loader_name[BOOT_LOADER_NAME_MAX];
    char cmdline[BOOT_CMDLINE_MAX];
    bool cmdline_truncated;         /* longer than BOOT_CMDLINE_MAX - 1: the tail was dropped */
    struct memory_region regions[BOOT_MAX_MEMORY_REGIONS];
    unsigned region_count;
    bool regions_truncated;         /* more regions than BOOT_MAX_MEMORY_REGIONS: rest ignored */
    uint64_t usable_bytes;          /* sum of MEMORY_USABLE lengths */
    uint64_t rsdp_address;          /* physical address of an RSDP, 0 if none */
    enum rsdp_source rsdp_source;
    uint8_t rsdp_copy[36];          /* Multiboot2 hands over a copy of the RSDP, kept here */
    struct boot_framebuffer framebuffer;
    enum boot_firmware firmware;
    uint64_t efi_system_table;      /* physical address from tag 12 (or 11), 0 under BIOS */
    bool memory_map_from_efi;       /* no BIOS-style map (tag 6): regions came from UEFI's (tag 17) */
    uint32_t pvh_rom_overrun;       /* != 0: start_info was rebuilt (bootinfo_parse_pvh_overrun);
                                       the -append size in bytes, with its NUL */
};

/* One entry of QEMU's fw_cfg file "etc/e820" (QEMU hw/i386/e820_memory_layout.h), packed. */
struct boot_e820_entry {
    uint64_t base;
    uint64_t length;
    uint32_t type;
} __attribute__((packed));

/* QEMU's PVH option ROM (pc-bios/optionrom/pvh_main.c in QEMU 7.2, the ROM behind `-kernel` of
 * a PVH ELF) copies the whole -append text into a fixed 4096-byte buffer, cmdline_buffer, that
 * sits just below its struct hvm_start_info, without checking the length. A command line of
 * 4 KiB or more therefore overwrites start_info's magic, memory-map pointer and RSDP pointer
 * before irqlab runs; the ROM then stores cmdline_paddr again, so that field alone is right.
 * (From roughly 24 KiB on the copy also runs over the ROM's own stack and QEMU never reaches
 * irqlab; the launchers cut -append to 4095 bytes, see scripts/irqlab_qemu.py.)
 * Given ebx (`info`), the -append size from fw_cfg (`cmdline_size`, with its NUL) and fw_cfg's
 * own copy of the memory map, rebuild what start_info said: the command line (its first bytes
 * are intact) and the memory map; the RSDP is left to the BIOS-area scan. BOOT_ERR_UNKNOWN_LOADER
 * unless the damage is exactly that: -append longer than the buffer, and cmdline_paddr pointing
 * at a buffer that ends right where start_info begins. */
#define QEMU_PVH_ROM_CMDLINE_BUFSIZE 4096u
enum boot_error bootinfo_parse_pvh_overrun(uint64_t info, uint32_t cmdline_size, const struct boot_e820_entry *map,
                                           unsigned map_count, struct boot_info *out);
/* The kernel's side (kernel/boot/pvh_overrun.c): ask fw_cfg, then bootinfo_parse_pvh_overrun. */
enum boot_error bootinfo_recover_pvh_overrun(uint32_t magic, uint64_t info, struct boot_info *out);

/* Parse what the loader passed. `info` is the physical (== virtual at boot) address in ebx. */
enum boot_error bootinfo_parse(uint32_t magic, uint64_t info, struct boot_info *out);
const char *bootinfo_error_text(enum boot_error error);
const char *bootinfo_protocol_name(enum boot_protocol protocol);
const char *bootinfo_firmware_name(enum boot_firmware firmware);

/* Search for "RSD PTR " the way ACPI 6.5 section 5.2.5.1 says: the first KiB of the EBDA, then
 * 0xE0000-0xFFFFF, on 16-byte boundaries, with a valid checksum. `low_memory` maps physical
 * address 0 (the kernel passes 0; host tests pass a buffer). Returns the physical address or 0. */
uint64_t bootinfo_scan_rsdp(uintptr_t low_memory);

#endif
