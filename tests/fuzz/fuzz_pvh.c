/* tests/fuzz/fuzz_pvh.c - the PVH start_info QEMU's -kernel loader leaves at ebx (bootinfo_parse
 * finds its magic). The first 56 bytes are struct hvm_start_info (magic forced); its two
 * pointers are the host's: cmdline_paddr, if not 0, points at the next up-to-256 input bytes
 * (NUL-terminated by us, as a loader's string is), memmap_paddr at the rest of the input, with
 * memmap_entries cut to the entries that are there unless it is over the parser's own limit.
 * Also bootinfo_parse_pvh_overrun (QEMU 7.2's ROM overwriting start_info, bootinfo.h) on the
 * same bytes with the input's idea of the -append size and fw_cfg's e820 table.
 * fuzz-sources: kernel/boot/bootinfo.c kernel/lib/string.c
 */
#include "tests/fuzz/fuzz.h"

#include "kernel/boot/bootinfo.h"

struct start_info { /* kernel/boot/bootinfo.c's struct hvm_start_info */
    uint32_t magic, version, flags, nr_modules;
    uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
    uint32_t memmap_entries, reserved;
};
#define MEMMAP_ENTRY 24
#define PARSER_MAX_ENTRIES 4096 /* PVH_MAX_MEMMAP_ENTRIES */

static struct boot_info info;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct start_info *start = calloc(1, sizeof(*start));
    memcpy(start, data, size < sizeof(*start) ? size : sizeof(*start));
    start->magic = PVH_START_INFO_MAGIC;
    size_t at = size < sizeof(*start) ? size : sizeof(*start);

    char *cmdline = NULL;
    if (start->cmdline_paddr) {
        size_t n = size - at < 256 ? size - at : 256;
        cmdline = malloc(n + 1);
        memcpy(cmdline, data + at, n);
        cmdline[n] = '\0';
        start->cmdline_paddr = (uint64_t)(uintptr_t)cmdline;
        at += n;
    }
    uint8_t *map = fuzz_exact_copy(data + at, size - at);
    size_t fits = (size - at) / MEMMAP_ENTRY;
    if (start->memmap_paddr) {
        start->memmap_paddr = (uint64_t)(uintptr_t)map;
        if (start->memmap_entries <= PARSER_MAX_ENTRIES && start->memmap_entries > fits)
            start->memmap_entries = (uint32_t)fits;
    }
    memset(&info, 0, sizeof(info));
    if (bootinfo_parse(0, (uint64_t)(uintptr_t)start, &info) == BOOT_OK) {
        FUZZ_CHECK(info.region_count <= BOOT_MAX_MEMORY_REGIONS);
        FUZZ_CHECK(memchr(info.cmdline, '\0', sizeof(info.cmdline)) != NULL);
    }

    /* The overrun recovery: a command-line buffer of QEMU_PVH_ROM_CMDLINE_BUFSIZE right below
     * start_info (one block), the e820 entries from the input. */
    size_t block_size = QEMU_PVH_ROM_CMDLINE_BUFSIZE + sizeof(*start);
    uint8_t *block = calloc(1, block_size);
    memcpy(block, data, size < block_size ? size : block_size);
    uint32_t cmdline_size = size >= 4 ? (uint32_t)data[0] << 16 | (uint32_t)data[1] << 8 | data[2] : 0;
    struct start_info *overrun = (struct start_info *)(block + QEMU_PVH_ROM_CMDLINE_BUFSIZE);
    overrun->cmdline_paddr = (uint64_t)(uintptr_t)block;
    unsigned e820_count = (unsigned)((size - at) / sizeof(struct boot_e820_entry));
    memset(&info, 0, sizeof(info));
    (void)bootinfo_parse_pvh_overrun((uint64_t)(uintptr_t)overrun, cmdline_size, (const struct boot_e820_entry *)map,
                                     e820_count, &info);
    FUZZ_CHECK(info.region_count <= BOOT_MAX_MEMORY_REGIONS);

    free(block);
    free(map);
    free(cmdline);
    free(start);
    return 0;
}
