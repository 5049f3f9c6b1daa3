/* tests/fuzz/fuzz_multiboot2.c - the Multiboot2 information block GRUB leaves at ebx
 * (bootinfo_parse with the Multiboot2 magic): tags of any type, size and order. The block's
 * total_size is set to the input's length - the loader's promise the parser relies on; every
 * tag size, memory-map entry size and string inside is the fuzzer's.
 * fuzz-sources: kernel/boot/bootinfo.c kernel/lib/string.c
 */
#include "tests/fuzz/fuzz.h"

#include "kernel/boot/bootinfo.h"

static struct boot_info info;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8 || size > (1u << 20))
        return 0;
    uint8_t *block = fuzz_exact_copy(data, size); /* malloc: 16-byte aligned, as GRUB's is 8 */
    uint32_t total = (uint32_t)size;
    memcpy(block, &total, 4);
    memset(&info, 0, sizeof(info));
    if (bootinfo_parse(MULTIBOOT2_BOOTLOADER_MAGIC, (uint64_t)(uintptr_t)block, &info) == BOOT_OK) {
        FUZZ_CHECK(info.region_count <= BOOT_MAX_MEMORY_REGIONS);
        FUZZ_CHECK(memchr(info.cmdline, '\0', sizeof(info.cmdline)) != NULL);
        FUZZ_CHECK(memchr(info.loader_name, '\0', sizeof(info.loader_name)) != NULL);
    }
    free(block);
    return 0;
}
