/* tests/unit/test_bootinfo.c - host tests of Multiboot2 / PVH parsing and the RSDP scan.
 * unit-sources: kernel/boot/bootinfo.c kernel/lib/string.c
 *
 * The loaders' structures are built byte by byte in host memory (layouts from the Multiboot2
 * spec section 3.6 and Xen's hvm/start_info.h), so every error path can be reached - which a
 * real GRUB or QEMU never does.
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

static struct boot_info info; /* ~2 KiB: keep it off the test's stack */

/* ---- a Multiboot2 information block builder ---- */

struct mb2 {
    _Alignas(8) uint8_t bytes[16384];
    size_t len;
};
static struct mb2 mb;

static void mb2_begin(void)
{
    memset(&mb, 0, sizeof(mb));
    mb.len = 8; /* total_size + reserved, filled in by mb2_end */
}

/* Append a tag; returns its offset. The next tag starts 8-byte aligned. */
static size_t mb2_tag(uint32_t type, const void *payload, uint32_t payload_len)
{
    size_t at = mb.len;
    uint32_t size = 8 + payload_len;
    memcpy(mb.bytes + at, &type, 4);
    memcpy(mb.bytes + at + 4, &size, 4);
    if (payload_len)
        memcpy(mb.bytes + at + 8, payload, payload_len);
    mb.len = (at + size + 7) & ~(size_t)7;
    return at;
}

static void mb2_string(uint32_t type, const char *text) { mb2_tag(type, text, (uint32_t)strlen(text) + 1); }

struct mmap_entry {
    uint64_t base, length;
    uint32_t type, reserved;
};

static void mb2_mmap(const struct mmap_entry *entries, unsigned count)
{
    uint8_t payload[8 + 24 * 128];
    uint32_t entry_size = 24, version = 0;
    memcpy(payload, &entry_size, 4);
    memcpy(payload + 4, &version, 4);
    memcpy(payload + 8, entries, 24u * count);
    mb2_tag(6, payload, 8 + 24 * count);
}

static uint64_t mb2_end(void)
{
    mb2_tag(0, NULL, 0);
    uint32_t total = (uint32_t)mb.len;
    memcpy(mb.bytes, &total, 4);
    return (uint64_t)(uintptr_t)mb.bytes;
}

static const struct mmap_entry qemu_map[] = {
    {0x0, 0x9fc00, 1, 0},        /* low memory */
    {0x9fc00, 0x400, 2, 0},      /* EBDA */
    {0xf0000, 0x10000, 2, 0},    /* BIOS */
    {0x100000, 0xfee0000, 1, 0}, /* 1 MiB .. 255 MiB */
    {0xfffc0000, 0x40000, 2, 0}, /* flash */
};
#define QEMU_USABLE (0x9fc00ull + 0xfee0000ull)

static void make_rsdp(uint8_t *p, uint8_t revision)
{
    memset(p, 0, 36);
    memcpy(p, "RSD PTR ", 8);
    memcpy(p + 9, "IRQLAB", 6);
    p[15] = revision;
    uint32_t rsdt = 0x7fe0000;
    memcpy(p + 16, &rsdt, 4);
    uint8_t sum = 0;
    for (int i = 0; i < 20; i++)
        sum = (uint8_t)(sum + p[i]);
    p[8] = (uint8_t)-sum;
}

/* ---- Multiboot2 ---- */

static void mb2_complete(void **state)
{
    (void)state;
    uint8_t rsdp[36];
    make_rsdp(rsdp, 2);
    mb2_begin();
    mb2_string(1, "loglevel=debug ktest=*");
    mb2_string(2, "GRUB 2.06-13+deb12u2");
    mb2_tag(21, "\x01\x02\x03\x04", 4); /* an unused tag type is skipped */
    mb2_mmap(qemu_map, 5);
    mb2_tag(15, rsdp, sizeof(rsdp));
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, mb2_end(), &info), BOOT_OK);

    assert_int_equal(info.protocol, BOOT_PROTOCOL_MULTIBOOT2);
    assert_string_equal(info.cmdline, "loglevel=debug ktest=*");
    assert_false(info.cmdline_truncated);
    assert_string_equal(info.loader_name, "GRUB 2.06-13+deb12u2");
    assert_int_equal(info.region_count, 5);
    assert_int_equal(info.regions[3].base, 0x100000);
    assert_int_equal(info.regions[3].length, 0xfee0000);
    assert_int_equal(info.regions[3].type, MEMORY_USABLE);
    assert_int_equal(info.regions[1].type, MEMORY_RESERVED);
    assert_int_equal(info.usable_bytes, QEMU_USABLE);
    assert_false(info.regions_truncated);
    assert_int_equal(info.rsdp_source, RSDP_FROM_MULTIBOOT2_V2);
    assert_memory_equal(info.rsdp_copy, rsdp, sizeof(rsdp));
    assert_int_equal(info.rsdp_address, (uint64_t)(uintptr_t)info.rsdp_copy); /* points at the copy */
}

static void mb2_defaults_without_optional_tags(void **state)
{
    (void)state;
    mb2_begin();
    mb2_mmap(qemu_map, 5);
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, mb2_end(), &info), BOOT_OK);
    assert_string_equal(info.loader_name, "Multiboot2 loader");
    assert_string_equal(info.cmdline, "");
    assert_int_equal(info.rsdp_address, 0);
    assert_int_equal(info.rsdp_source, RSDP_NONE);
}

static void mb2_acpi_new_is_preferred(void **state)
{
    (void)state;
    uint8_t v1[20], v2[36];
    make_rsdp(v2, 2);
    uint8_t tmp[36];
    make_rsdp(tmp, 0);
    memcpy(v1, tmp, 20);

    /* old only -> V1 */
    mb2_begin();
    mb2_mmap(qemu_map, 5);
    mb2_tag(14, v1, sizeof(v1));
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, mb2_end(), &info), BOOT_OK);
    assert_int_equal(info.rsdp_source, RSDP_FROM_MULTIBOOT2_V1);
    assert_memory_equal(info.rsdp_copy, v1, 20);

    /* new then old -> the old one does not replace the new one */
    mb2_begin();
    mb2_mmap(qemu_map, 5);
    mb2_tag(15, v2, sizeof(v2));
    mb2_tag(14, v1, sizeof(v1));
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, mb2_end(), &info), BOOT_OK);
    assert_int_equal(info.rsdp_source, RSDP_FROM_MULTIBOOT2_V2);
    assert_memory_equal(info.rsdp_copy, v2, 36);

    /* old then new -> new */
    mb2_begin();
    mb2_mmap(qemu_map, 5);
    mb2_tag(14, v1, sizeof(v1));
    mb2_tag(15, v2, sizeof(v2));
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, mb2_end(), &info), BOOT_OK);
    assert_int_equal(info.rsdp_source, RSDP_FROM_MULTIBOOT2_V2);
}

static void mb2_cmdline_and_loader_truncation(void **state)
{
    (void)state;
    char text[BOOT_CMDLINE_MAX + 100];
    memset(text, 'c', sizeof(text) - 1);
    text[sizeof(text) - 1] = '\0';
    char name[BOOT_LOADER_NAME_MAX + 10];
    memset(name, 'n', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    mb2_begin();
    mb2_string(1, text);
    mb2_string(2, name);
    mb2_mmap(qemu_map, 5);
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, mb2_end(), &info), BOOT_OK);
    assert_true(info.cmdline_truncated);
    assert_int_equal(strlen(info.cmdline), BOOT_CMDLINE_MAX - 1);
    assert_int_equal(strlen(info.loader_name), BOOT_LOADER_NAME_MAX - 1);

    /* exactly the maximum still fits */
    text[BOOT_CMDLINE_MAX - 1] = '\0';
    mb2_begin();
    mb2_string(1, text);
    mb2_mmap(qemu_map, 5);
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, mb2_end(), &info), BOOT_OK);
    assert_false(info.cmdline_truncated);
    assert_int_equal(strlen(info.cmdline), BOOT_CMDLINE_MAX - 1);
}

static void mb2_region_rules(void **state)
{
    (void)state;
    struct mmap_entry many[BOOT_MAX_MEMORY_REGIONS + 6];
    for (unsigned i = 0; i < sizeof(many) / sizeof(many[0]); i++)
        many[i] = (struct mmap_entry){0x100000ull * (i + 1), 0x1000, 1, 0};
    mb2_begin();
    mb2_mmap(many, sizeof(many) / sizeof(many[0]));
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, mb2_end(), &info), BOOT_OK);
    assert_int_equal(info.region_count, BOOT_MAX_MEMORY_REGIONS);
    assert_true(info.regions_truncated);
    assert_int_equal(info.usable_bytes, 0x1000ull * BOOT_MAX_MEMORY_REGIONS);

    const struct mmap_entry odd[] = {
        {0x0, 0x1000, 1, 0},
        {0x1000, 0, 1, 0},      /* empty: dropped */
        {0x2000, 0x1000, 9, 0}, /* unknown type: treated as reserved */
        {0x3000, 0x1000, 3, 0}, /* ACPI reclaimable */
    };
    mb2_begin();
    mb2_mmap(odd, 4);
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, mb2_end(), &info), BOOT_OK);
    assert_int_equal(info.region_count, 3);
    assert_int_equal(info.regions[1].type, MEMORY_RESERVED);
    assert_int_equal(info.regions[2].type, MEMORY_ACPI_RECLAIMABLE);
    assert_int_equal(info.usable_bytes, 0x1000);
}

static void mb2_errors(void **state)
{
    (void)state;
    /* no memory map at all */
    mb2_begin();
    mb2_string(1, "x");
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, mb2_end(), &info), BOOT_ERR_NO_MEMORY_MAP);

    /* a memory map without usable RAM */
    const struct mmap_entry reserved[] = {{0, 0x100000, 2, 0}};
    mb2_begin();
    mb2_mmap(reserved, 1);
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, mb2_end(), &info), BOOT_ERR_NO_USABLE_MEMORY);

    /* total_size too small, and absurdly large */
    mb2_begin();
    uint64_t p = mb2_end();
    uint32_t total = 8;
    memcpy(mb.bytes, &total, 4);
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, p, &info), BOOT_ERR_MALFORMED);
    total = 2u << 20;
    memcpy(mb.bytes, &total, 4);
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, p, &info), BOOT_ERR_MALFORMED);

    /* no end tag: the tags run off the end of total_size */
    mb2_begin();
    mb2_mmap(qemu_map, 5);
    total = (uint32_t)mb.len;
    memcpy(mb.bytes, &total, 4);
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, (uint64_t)(uintptr_t)mb.bytes, &info),
                     BOOT_ERR_MALFORMED);

    /* a tag whose size is smaller than its own header */
    mb2_begin();
    size_t at = mb2_tag(1, "abc", 4);
    mb2_mmap(qemu_map, 5);
    p = mb2_end();
    uint32_t size = 4;
    memcpy(mb.bytes + at + 4, &size, 4);
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, p, &info), BOOT_ERR_MALFORMED);

    /* a tag that claims to run past total_size */
    size = 4096;
    memcpy(mb.bytes + at + 4, &size, 4);
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, p, &info), BOOT_ERR_MALFORMED);

    /* memory map entries smaller than the spec's 24 bytes */
    mb2_begin();
    at = mb2_tag(6, (uint8_t[8 + 24]){0}, 8 + 24);
    p = mb2_end();
    uint32_t entry_size = 16;
    memcpy(mb.bytes + at + 8, &entry_size, 4);
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, p, &info), BOOT_ERR_MALFORMED);

    /* a memory map tag too short for its own header */
    mb2_begin();
    mb2_tag(6, "\x18\0\0\0", 4);
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, mb2_end(), &info), BOOT_ERR_MALFORMED);

    /* an ACPI tag shorter than an RSDP */
    mb2_begin();
    mb2_mmap(qemu_map, 5);
    mb2_tag(14, "RSD PTR ", 8);
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, mb2_end(), &info), BOOT_ERR_MALFORMED);
}

/* ---- PVH ---- */

struct hvm_start_info {
    uint32_t magic, version, flags, nr_modules;
    uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
    uint32_t memmap_entries, reserved;
};

struct hvm_memmap_entry {
    uint64_t addr, size;
    uint32_t type, reserved;
};

static const struct hvm_memmap_entry pvh_map[] = {
    {0x0, 0x9fc00, 1, 0},
    {0xf0000, 0x10000, 2, 0},
    {0x100000, 0xfee0000, 1, 0},
};

static struct hvm_start_info pvh(uint32_t version, const char *cmdline)
{
    return (struct hvm_start_info){
        .magic = PVH_START_INFO_MAGIC,
        .version = version,
        .cmdline_paddr = (uint64_t)(uintptr_t)cmdline,
        .rsdp_paddr = 0xf5a00,
        .memmap_paddr = (uint64_t)(uintptr_t)pvh_map,
        .memmap_entries = 3,
    };
}

static void pvh_complete(void **state)
{
    (void)state;
    struct hvm_start_info start = pvh(1, "ktest=mm.*");
    /* eax is undefined on PVH entry: any value but the MB2 magic must work */
    assert_int_equal(bootinfo_parse(0, (uint64_t)(uintptr_t)&start, &info), BOOT_OK);
    assert_int_equal(info.protocol, BOOT_PROTOCOL_PVH);
    assert_string_equal(info.loader_name, "QEMU -kernel (PVH)");
    assert_string_equal(info.cmdline, "ktest=mm.*");
    assert_int_equal(info.region_count, 3);
    assert_int_equal(info.usable_bytes, 0x9fc00ull + 0xfee0000ull);
    assert_int_equal(info.rsdp_address, 0xf5a00);
    assert_int_equal(info.rsdp_source, RSDP_FROM_PVH);
    assert_int_equal(bootinfo_parse(0x2badb002, (uint64_t)(uintptr_t)&start, &info), BOOT_OK);
}

static void pvh_optional_fields(void **state)
{
    (void)state;
    struct hvm_start_info start = pvh(1, NULL);
    start.rsdp_paddr = 0;
    assert_int_equal(bootinfo_parse(0, (uint64_t)(uintptr_t)&start, &info), BOOT_OK);
    assert_string_equal(info.cmdline, "");
    assert_int_equal(info.rsdp_source, RSDP_NONE);

    char text[BOOT_CMDLINE_MAX + 50];
    memset(text, 'p', sizeof(text) - 1);
    text[sizeof(text) - 1] = '\0';
    start = pvh(1, text);
    assert_int_equal(bootinfo_parse(0, (uint64_t)(uintptr_t)&start, &info), BOOT_OK);
    assert_true(info.cmdline_truncated);
    assert_int_equal(strlen(info.cmdline), BOOT_CMDLINE_MAX - 1);
}

static void pvh_errors(void **state)
{
    (void)state;
    struct hvm_start_info start = pvh(0, ""); /* version 0 has no memory map */
    assert_int_equal(bootinfo_parse(0, (uint64_t)(uintptr_t)&start, &info), BOOT_ERR_NO_MEMORY_MAP);
    start = pvh(1, "");
    start.memmap_entries = 0;
    assert_int_equal(bootinfo_parse(0, (uint64_t)(uintptr_t)&start, &info), BOOT_ERR_NO_MEMORY_MAP);
    start = pvh(1, "");
    start.memmap_paddr = 0;
    assert_int_equal(bootinfo_parse(0, (uint64_t)(uintptr_t)&start, &info), BOOT_ERR_NO_MEMORY_MAP);
    start = pvh(1, "");
    start.memmap_entries = 100000;
    assert_int_equal(bootinfo_parse(0, (uint64_t)(uintptr_t)&start, &info), BOOT_ERR_MALFORMED);
    start = pvh(1, "");
    /* a map whose only entry is reserved */
    start.memmap_entries = 1;
    start.memmap_paddr = (uint64_t)(uintptr_t)&pvh_map[1];
    assert_int_equal(bootinfo_parse(0, (uint64_t)(uintptr_t)&start, &info), BOOT_ERR_NO_USABLE_MEMORY);
}

/* ---- neither ---- */

static void unknown_loader_and_no_info(void **state)
{
    (void)state;
    uint32_t junk[16] = {0x1badb002};
    assert_int_equal(bootinfo_parse(0x2badb002, (uint64_t)(uintptr_t)junk, &info), BOOT_ERR_UNKNOWN_LOADER);
    assert_int_equal(info.protocol, BOOT_PROTOCOL_UNKNOWN);
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, 0, &info), BOOT_ERR_NO_INFO);
    assert_int_equal(bootinfo_parse(0, 0, &info), BOOT_ERR_NO_INFO);
}

static void error_texts_and_protocol_names(void **state)
{
    (void)state;
    const enum boot_error errors[] = {BOOT_OK,
                                      BOOT_ERR_UNKNOWN_LOADER,
                                      BOOT_ERR_NO_INFO,
                                      BOOT_ERR_MALFORMED,
                                      BOOT_ERR_NO_MEMORY_MAP,
                                      BOOT_ERR_NO_USABLE_MEMORY};
    for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
        assert_non_null(bootinfo_error_text(errors[i]));
        assert_string_not_equal(bootinfo_error_text(errors[i]), "unknown error");
        for (size_t j = 0; j < i; j++) /* every error has its own message */
            assert_string_not_equal(bootinfo_error_text(errors[i]), bootinfo_error_text(errors[j]));
    }
    assert_string_equal(bootinfo_error_text((enum boot_error)99), "unknown error");
    assert_string_equal(bootinfo_protocol_name(BOOT_PROTOCOL_MULTIBOOT2), "Multiboot2");
    assert_string_equal(bootinfo_protocol_name(BOOT_PROTOCOL_PVH), "PVH");
    assert_string_equal(bootinfo_protocol_name(BOOT_PROTOCOL_UNKNOWN), "unknown");
}

/* ---- RSDP scan over a fake first MiB ---- */

static uint8_t *low; /* 1 MiB standing in for physical 0..0xFFFFF */

static int low_setup(void **state)
{
    (void)state;
    low = calloc(1, 0x100000);
    return low ? 0 : -1;
}

static int low_teardown(void **state)
{
    (void)state;
    free(low);
    return 0;
}

static void set_ebda(uint32_t address)
{
    uint16_t segment = (uint16_t)(address >> 4);
    memcpy(low + 0x40E, &segment, 2);
}

static void rsdp_in_ebda(void **state)
{
    (void)state;
    memset(low, 0, 0x100000);
    set_ebda(0x9fc00);
    make_rsdp(low + 0x9fc40, 0);
    make_rsdp(low + 0xf5a00, 2); /* the EBDA is searched first */
    assert_int_equal(bootinfo_scan_rsdp((uintptr_t)low), 0x9fc40);
}

static void rsdp_in_bios_area(void **state)
{
    (void)state;
    memset(low, 0, 0x100000);
    set_ebda(0x9fc00);
    make_rsdp(low + 0xf5a00, 2);
    assert_int_equal(bootinfo_scan_rsdp((uintptr_t)low), 0xf5a00);
    memset(low + 0xf5a00, 0, 36);
    make_rsdp(low + 0xe0000, 2); /* first slot */
    assert_int_equal(bootinfo_scan_rsdp((uintptr_t)low), 0xe0000);
    memset(low + 0xe0000, 0, 36);
    make_rsdp(low + 0xfffe0, 2); /* last slot an RSDP fits in */
    assert_int_equal(bootinfo_scan_rsdp((uintptr_t)low), 0xfffe0);
}

static void rsdp_bad_checksum_or_alignment(void **state)
{
    (void)state;
    memset(low, 0, 0x100000);
    set_ebda(0x9fc00);
    make_rsdp(low + 0x9fc00, 0);
    low[0x9fc00 + 8] ^= 1; /* bad checksum in the EBDA... */
    make_rsdp(low + 0xe1000, 0);
    assert_int_equal(bootinfo_scan_rsdp((uintptr_t)low), 0xe1000); /* ...so the BIOS one wins */
    low[0xe1000 + 19] ^= 0x80;
    assert_int_equal(bootinfo_scan_rsdp((uintptr_t)low), 0);

    memset(low, 0, 0x100000);
    make_rsdp(low + 0xe0008, 0); /* not on a 16-byte boundary */
    assert_int_equal(bootinfo_scan_rsdp((uintptr_t)low), 0);
}

static void rsdp_ebda_outside_its_range_is_ignored(void **state)
{
    (void)state;
    memset(low, 0, 0x100000);
    set_ebda(0x7000); /* below 0x80000: not a plausible EBDA */
    make_rsdp(low + 0x7000, 0);
    assert_int_equal(bootinfo_scan_rsdp((uintptr_t)low), 0);
    set_ebda(0x9fc00); /* only the first KiB of the EBDA is searched */
    make_rsdp(low + 0x9fc00 + 1024, 0);
    assert_int_equal(bootinfo_scan_rsdp((uintptr_t)low), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mb2_complete),
        cmocka_unit_test(mb2_defaults_without_optional_tags),
        cmocka_unit_test(mb2_acpi_new_is_preferred),
        cmocka_unit_test(mb2_cmdline_and_loader_truncation),
        cmocka_unit_test(mb2_region_rules),
        cmocka_unit_test(mb2_errors),
        cmocka_unit_test(pvh_complete),
        cmocka_unit_test(pvh_optional_fields),
        cmocka_unit_test(pvh_errors),
        cmocka_unit_test(unknown_loader_and_no_info),
        cmocka_unit_test(error_texts_and_protocol_names),
        cmocka_unit_test(rsdp_in_ebda),
        cmocka_unit_test(rsdp_in_bios_area),
        cmocka_unit_test(rsdp_bad_checksum_or_alignment),
        cmocka_unit_test(rsdp_ebda_outside_its_range_is_ignored),
    };
    return cmocka_run_group_tests(tests, low_setup, low_teardown);
}
