/* tests/unit/test_bootinfo_fuzz_findings.c - what fuzzing the boot information found
 * (tests/fuzz/fuzz_multiboot2.c; the crashing input is kept as a regression seed in
 * tests/fuzz/corpus/multiboot2/):
 *
 *   a Multiboot2 memory map whose entry_size is not a multiple of 8 (the specification, 3.6.8,
 *   guarantees it is) put its 64-bit fields at misaligned addresses: undefined behaviour, read
 *   anyway. It is now BOOT_ERR_MALFORMED, like any other broken tag.
 * unit-sources: kernel/boot/bootinfo.c kernel/lib/string.c
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
static _Alignas(8) uint8_t block[256];

/* total_size, reserved, one mmap tag with `entry_size` and two 24-byte entries, the end tag. */
static uint64_t block_with_mmap_entry_size(uint32_t entry_size)
{
    memset(block, 0, sizeof(block));
    uint32_t *w = (uint32_t *)block;
    uint32_t tag_size = 16 + 2 * entry_size;
    w[2] = 6; /* MB2_TAG_MMAP */
    w[3] = tag_size;
    w[4] = entry_size;
    w[5] = 0;
    for (int i = 0; i < 2; i++) {
        uint8_t *e = block + 24 + (size_t)i * entry_size;
        uint64_t base = i ? 0x100000 : 0, length = i ? 0x1000000 : 0x9fc00;
        uint32_t type = 1;
        memcpy(e, &base, 8);
        memcpy(e + 8, &length, 8);
        memcpy(e + 16, &type, 4);
    }
    size_t end = (8 + tag_size + 7) & ~(size_t)7;
    w[end / 4] = 0; /* the end tag */
    w[end / 4 + 1] = 8;
    w[0] = (uint32_t)(end + 8);
    return (uint64_t)(uintptr_t)block;
}

static void mmap_entry_size_multiple_of_8_is_read(void **state)
{
    (void)state;
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, block_with_mmap_entry_size(24), &info), BOOT_OK);
    assert_int_equal(info.region_count, 2);
    assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, block_with_mmap_entry_size(32), &info), BOOT_OK);
    assert_int_equal(info.region_count, 2);
}

static void mmap_entry_size_not_multiple_of_8_is_malformed(void **state)
{
    (void)state;
    for (uint32_t size = 25; size < 32; size++)
        assert_int_equal(bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, block_with_mmap_entry_size(size), &info),
                         BOOT_ERR_MALFORMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mmap_entry_size_multiple_of_8_is_read),
        cmocka_unit_test(mmap_entry_size_not_multiple_of_8_is_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
