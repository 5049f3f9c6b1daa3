/* tests/unit/test_bootinfo_uefi.c - host tests of the Multiboot2 tags a UEFI boot brings:
 * the framebuffer (section 3.6.12), UEFI's system table (3.6.15/16) and memory map (3.6.18).
 * unit-sources: kernel/boot/bootinfo.c kernel/lib/string.c
 *
 * The tags are laid out byte by byte as GRUB 2.06 writes them (its multiboot2.h: a 16-bit
 * reserved field after framebuffer_type, so an RGB framebuffer tag is 38 bytes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/boot/bootinfo.h"

static struct boot_info info;

static struct {
    _Alignas(8) uint8_t bytes[8192];
    size_t len;
} mb;

static void begin(void)
{
    memset(&mb, 0, sizeof(mb));
    mb.len = 8;
}

static void tag(uint32_t type, const void *payload, uint32_t payload_len)
{
    uint32_t size = 8 + payload_len;
    memcpy(mb.bytes + mb.len, &type, 4);
    memcpy(mb.bytes + mb.len + 4, &size, 4);
    if (payload_len)
        memcpy(mb.bytes + mb.len + 8, payload, payload_len);
    mb.len = (mb.len + size + 7) & ~(size_t)7;
}

static uint64_t end(void)
{
    tag(0, NULL, 0);
    uint32_t total = (uint32_t)mb.len;
    memcpy(mb.bytes, &total, 4);
    return (uint64_t)(uintptr_t)mb.bytes;
}

static void bios_mmap(void)
{
    struct {
        uint32_t entry_size, version;
        uint64_t base, length;
        uint32_t type, reserved;
    } __attribute__((packed)) m = {24, 0, 0x100000, 0xf000000, 1, 0};
    tag(6, &m, sizeof(m));
}

/* The payload of a framebuffer tag (30 bytes: it is 38 with the tag header). */
static void framebuffer(uint64_t address, uint32_t pitch, uint32_t width, uint32_t height, uint8_t bpp, uint8_t type,
                        const uint8_t rgb[6], uint32_t payload_len)
{
    uint8_t p[40] = {0};
    memcpy(p + 0, &address, 8);
    memcpy(p + 8, &pitch, 4);
    memcpy(p + 12, &width, 4);
    memcpy(p + 16, &height, 4);
    p[20] = bpp;
    p[21] = type;
    if (rgb)
        memcpy(p + 24, rgb, 6);
    tag(8, p, payload_len);
}

static const uint8_t gop_bgrx[6] = {16, 8, 8, 8, 0, 8}; /* red at 16, green at 8, blue at 0 */

static void gop_framebuffer_is_taken(void **state)
{
    (void)state;
    begin();
    bios_mmap();
    framebuffer(0x80000000ull, 4096, 1024, 768, 32, 1, gop_bgrx, 30);
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, end(), &info), BOOT_OK);
    assert_int_equal(info.framebuffer.type, BOOT_FB_RGB);
    assert_true(info.framebuffer.address == 0x80000000ull);
    assert_int_equal(info.framebuffer.pitch, 4096);
    assert_int_equal(info.framebuffer.width, 1024);
    assert_int_equal(info.framebuffer.height, 768);
    assert_int_equal(info.framebuffer.bpp, 32);
    assert_int_equal(info.framebuffer.red_position, 16);
    assert_int_equal(info.framebuffer.green_position, 8);
    assert_int_equal(info.framebuffer.blue_position, 0);
    assert_int_equal(info.framebuffer.blue_size, 8);
    assert_int_equal(info.firmware, BOOT_FIRMWARE_BIOS); /* no EFI tags: VBE under a BIOS */
}

static void ega_text_and_odd_framebuffers(void **state)
{
    (void)state;
    begin();
    bios_mmap();
    framebuffer(0xB8000, 160, 80, 25, 16, 2, NULL, 24);
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, end(), &info), BOOT_OK);
    assert_int_equal(info.framebuffer.type, BOOT_FB_EGA_TEXT);
    assert_int_equal(info.framebuffer.width, 80);

    begin(); /* indexed colour: not drawn, but the boot goes on */
    bios_mmap();
    framebuffer(0xA0000, 320, 320, 200, 8, 0, NULL, 24);
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, end(), &info), BOOT_OK);
    assert_int_equal(info.framebuffer.type, BOOT_FB_UNSUPPORTED);

    begin(); /* a pitch smaller than a line of pixels is nonsense: unsupported, not drawn on */
    bios_mmap();
    framebuffer(0x80000000ull, 1024, 1024, 768, 32, 1, gop_bgrx, 30);
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, end(), &info), BOOT_OK);
    assert_int_equal(info.framebuffer.type, BOOT_FB_UNSUPPORTED);

    begin(); /* RGB without its colour fields */
    bios_mmap();
    framebuffer(0x80000000ull, 4096, 1024, 768, 32, 1, NULL, 24);
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, end(), &info), BOOT_OK);
    assert_int_equal(info.framebuffer.type, BOOT_FB_UNSUPPORTED);

    begin(); /* shorter than the common part: malformed */
    bios_mmap();
    framebuffer(0x80000000ull, 4096, 1024, 768, 32, 1, NULL, 16);
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, end(), &info), BOOT_ERR_MALFORMED);

    begin(); /* no framebuffer tag at all (QEMU -kernel has none either) */
    bios_mmap();
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, end(), &info), BOOT_OK);
    assert_int_equal(info.framebuffer.type, BOOT_FB_NONE);
}

struct efi_descriptor {
    uint32_t type, pad;
    uint64_t physical_start, virtual_start, pages, attribute;
    uint64_t firmware_extra; /* OVMF's descriptor_size is 48, not sizeof = 40 */
};

static void efi_mmap(const struct efi_descriptor *d, unsigned count)
{
    uint8_t p[8 + 48 * 16];
    uint32_t size = 48, version = 1;
    memcpy(p, &size, 4);
    memcpy(p + 4, &version, 4);
    memcpy(p + 8, d, 48u * count);
    tag(17, p, 8 + 48 * count);
}

static const struct efi_descriptor ovmf_like[] = {
    {7, 0, 0x0, 0, 0xa0, 0, 0},             /* conventional 0-640 KiB */
    {7, 0, 0x100000, 0, 0x700, 0, 0},       /* conventional 1-8 MiB */
    {4, 0, 0x800000, 0, 0x100, 0, 0},       /* boot services data: free after ExitBootServices */
    {2, 0, 0x900000, 0, 0x100, 0, 0},       /* loader data (GRUB's): free once parsed */
    {9, 0, 0xa00000, 0, 0x10, 0, 0},        /* ACPI reclaim */
    {10, 0, 0xa10000, 0, 0x10, 0, 0},       /* ACPI NVS */
    {6, 0, 0xa20000, 0, 0x10, 0, 0},        /* runtime services data: reserved */
    {11, 0, 0xffc00000ull, 0, 0x400, 0, 0}, /* MMIO (the flash) */
};

static void efi_memory_map_alone_is_used(void **state)
{
    (void)state;
    uint64_t system_table = 0x7fb8e018ull;
    begin();
    tag(12, &system_table, 8);
    efi_mmap(ovmf_like, 8);
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, end(), &info), BOOT_OK);
    assert_int_equal(info.firmware, BOOT_FIRMWARE_UEFI);
    assert_true(info.efi_system_table == system_table);
    assert_true(info.memory_map_from_efi);
    /* 640 KiB, then 1-10 MiB as one region: conventional, boot services and loader data merge. */
    assert_int_equal(info.region_count, 6);
    assert_true(info.regions[0].base == 0 && info.regions[0].length == 0xa0000 &&
                info.regions[0].type == MEMORY_USABLE);
    assert_true(info.regions[1].base == 0x100000 && info.regions[1].length == 0x900000);
    assert_int_equal(info.regions[1].type, MEMORY_USABLE);
    assert_int_equal(info.regions[2].type, MEMORY_ACPI_RECLAIMABLE);
    assert_int_equal(info.regions[3].type, MEMORY_ACPI_NVS);
    assert_int_equal(info.regions[4].type, MEMORY_RESERVED); /* runtime data */
    assert_int_equal(info.regions[5].type, MEMORY_RESERVED); /* MMIO: reserved too, but not adjacent */
    assert_true(info.usable_bytes == 0xa0000ull + 0x900000ull);
    assert_string_equal(bootinfo_firmware_name(info.firmware), "UEFI");
}

static void bios_map_wins_when_both_are_given(void **state)
{
    (void)state;
    begin(); /* GRUB under UEFI gives both; the BIOS-style one is what every other path uses */
    efi_mmap(ovmf_like, 8);
    bios_mmap();
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, end(), &info), BOOT_OK);
    assert_false(info.memory_map_from_efi);
    assert_int_equal(info.region_count, 1);
    assert_int_equal(info.firmware, BOOT_FIRMWARE_UEFI);
}

static void bad_efi_tags_are_malformed(void **state)
{
    (void)state;
    begin();
    uint32_t small = 4; /* a 4-byte EFI64 system table pointer */
    tag(12, &small, 4);
    bios_mmap();
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, end(), &info), BOOT_ERR_MALFORMED);

    begin(); /* a descriptor size below EFI_MEMORY_DESCRIPTOR's */
    uint32_t p[2] = {24, 1};
    tag(17, p, 8);
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, end(), &info), BOOT_ERR_MALFORMED);

    begin(); /* pages that wrap around the address space */
    struct efi_descriptor wrap = {7, 0, 0xfffffffffffff000ull, 0, 2, 0, 0};
    efi_mmap(&wrap, 1);
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, end(), &info), BOOT_ERR_MALFORMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gop_framebuffer_is_taken),     cmocka_unit_test(ega_text_and_odd_framebuffers),
        cmocka_unit_test(efi_memory_map_alone_is_used), cmocka_unit_test(bios_map_wins_when_both_are_given),
        cmocka_unit_test(bad_efi_tags_are_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
