/* tests/unit/test_bootinfo_pvh_overrun.c - host tests of bootinfo_parse_pvh_overrun: booting
 * when QEMU's PVH option ROM has copied a long -append over its own start_info.
 * unit-sources: kernel/boot/bootinfo.c kernel/lib/string.c
 *
 * The ROM's data is rebuilt in host memory the way QEMU 7.2's pc-bios/optionrom/pvh_main.c lays
 * it out: a 4096-byte cmdline_buffer, 32 bytes of padding, then struct hvm_start_info. The
 * "-append" is copied over the buffer and on into start_info, then cmdline_paddr is written
 * again, as the ROM does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/boot/bootinfo.h"

#define PADDING 32
#define CMDLINE_PADDR_OFFSET 24 /* in struct hvm_start_info */

static struct boot_info info;
static _Alignas(8) uint8_t rom[8192 + 16384];

/* Lay the ROM's buffer out, copy a `size`-byte line (without its NUL) and return start_info's
 * address. */
static uint64_t overrun(size_t size)
{
    memset(rom, 0, sizeof(rom));
    uint8_t *buffer = rom;
    uint8_t *start_info = rom + QEMU_PVH_ROM_CMDLINE_BUFSIZE + PADDING;
    const char *head = "loglevel=debug ";
    for (size_t i = 0; i < size; i++)
        buffer[i] = i < strlen(head) ? (uint8_t)head[i] : (uint8_t)('a' + i % 26);
    uint64_t cmdline_paddr = (uint64_t)(uintptr_t)buffer;
    memcpy(start_info + CMDLINE_PADDR_OFFSET, &cmdline_paddr, sizeof(cmdline_paddr));
    return (uint64_t)(uintptr_t)start_info;
}

static const struct boot_e820_entry pc_256m[] = {
    {0, 256u << 20, MEMORY_USABLE},
    {0xFEFFC000u, 0x4000, MEMORY_RESERVED},
};

static void damaged_start_info_is_rebuilt(void **state)
{
    (void)state;
    uint64_t at = overrun(8192);
    assert_int_equal(bootinfo_parse(0, at, &info), BOOT_ERR_UNKNOWN_LOADER); /* the magic is gone */
    assert_int_equal(bootinfo_parse_pvh_overrun(at, 8193, pc_256m, 2, &info), BOOT_OK);
    assert_int_equal(info.protocol, BOOT_PROTOCOL_PVH);
    assert_int_equal(info.pvh_rom_overrun, 8193);
    assert_string_equal(info.loader_name, "QEMU -kernel (PVH)");
    assert_true(info.cmdline_truncated);
    assert_int_equal(strlen(info.cmdline), BOOT_CMDLINE_MAX - 1);
    assert_memory_equal(info.cmdline, "loglevel=debug abc", 15);
    assert_int_equal(info.rsdp_address, 0); /* left to the BIOS-area scan */
}

static void legacy_hole_and_bios_tables_stay_reserved(void **state)
{
    (void)state;
    uint64_t at = overrun(5000);
    assert_int_equal(bootinfo_parse_pvh_overrun(at, 5001, pc_256m, 2, &info), BOOT_OK);
    /* 256 MiB minus 0xA0000-0xFFFFF minus the top 1 MiB. */
    assert_int_equal(info.usable_bytes, (256ull << 20) - 0x60000 - (1ull << 20));
    bool hole = false, top = false;
    for (unsigned i = 0; i < info.region_count; i++) {
        const struct memory_region *r = &info.regions[i];
        if (r->type == MEMORY_USABLE) {
            assert_true(r->base + r->length <= 0xA0000 || r->base >= 0x100000);
            assert_true(r->base + r->length <= (255ull << 20));
        }
        hole |= r->type == MEMORY_RESERVED && r->base == 0xA0000 && r->length == 0x60000;
        top |= r->type == MEMORY_RESERVED && r->base == (255ull << 20) && r->length == (1ull << 20);
    }
    assert_true(hole);
    assert_true(top);
}

static void ram_above_4g_is_kept_whole(void **state)
{
    (void)state;
    const struct boot_e820_entry q35_3g[] = {
        {0, 2048ull << 20, MEMORY_USABLE},
        {4ull << 30, 1024ull << 20, MEMORY_USABLE},
    };
    uint64_t at = overrun(6000);
    assert_int_equal(bootinfo_parse_pvh_overrun(at, 6001, q35_3g, 2, &info), BOOT_OK);
    assert_int_equal(info.usable_bytes, (3072ull << 20) - 0x60000 - (1ull << 20));
}

static void anything_else_is_still_an_unknown_loader(void **state)
{
    (void)state;
    uint64_t at = overrun(8192);
    /* -append short enough for the buffer: the damage is not the ROM's. */
    assert_int_equal(bootinfo_parse_pvh_overrun(at, 4096, pc_256m, 2, &info), BOOT_ERR_UNKNOWN_LOADER);
    /* cmdline_paddr not right below start_info. */
    uint64_t elsewhere = (uint64_t)(uintptr_t)(rom + 2048);
    memcpy((uint8_t *)(uintptr_t)at + CMDLINE_PADDR_OFFSET, &elsewhere, sizeof(elsewhere));
    assert_int_equal(bootinfo_parse_pvh_overrun(at, 8193, pc_256m, 2, &info), BOOT_ERR_UNKNOWN_LOADER);
    uint64_t zero = 0;
    memcpy((uint8_t *)(uintptr_t)at + CMDLINE_PADDR_OFFSET, &zero, sizeof(zero));
    assert_int_equal(bootinfo_parse_pvh_overrun(at, 8193, pc_256m, 2, &info), BOOT_ERR_UNKNOWN_LOADER);
    assert_int_equal(bootinfo_parse_pvh_overrun(0, 8193, pc_256m, 2, &info), BOOT_ERR_NO_INFO);
    /* No memory map from fw_cfg: cannot boot. */
    at = overrun(8192);
    assert_int_equal(bootinfo_parse_pvh_overrun(at, 8193, pc_256m, 0, &info), BOOT_ERR_NO_MEMORY_MAP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(damaged_start_info_is_rebuilt),
        cmocka_unit_test(legacy_hole_and_bios_tables_stay_reserved),
        cmocka_unit_test(ram_above_4g_is_kept_whole),
        cmocka_unit_test(anything_else_is_still_an_unknown_loader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
