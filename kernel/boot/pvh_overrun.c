/* kernel/boot/pvh_overrun.c - boot anyway when QEMU's PVH option ROM has overwritten start_info
 * with a long -append (bootinfo.h, bootinfo_parse_pvh_overrun): the command-line size and the
 * memory map come from QEMU's fw_cfg device instead (QEMU docs/specs/fw_cfg.rst; the map is the
 * file "etc/e820", the same RAM layout the BIOS reported to the ROM). */
#include "arch/x86_64/fw_cfg.h"
#include "kernel/boot/bootinfo.h"

enum boot_error bootinfo_recover_pvh_overrun(uint32_t magic, uint64_t info, struct boot_info *out)
{
    static struct boot_e820_entry map[BOOT_MAX_MEMORY_REGIONS]; /* no allocator yet */
    if (magic == MULTIBOOT2_BOOTLOADER_MAGIC || info == 0 || !fw_cfg_present())
        return BOOT_ERR_UNKNOWN_LOADER;
    uint32_t cmdline_size = 0;
    fw_cfg_read(FW_CFG_CMDLINE_SIZE, &cmdline_size, sizeof(cmdline_size)); /* little-endian, as x86 */
    uint16_t key;
    uint32_t bytes;
    unsigned count = 0;
    if (fw_cfg_find_file("etc/e820", &key, &bytes)) {
        count = bytes / sizeof(map[0]);
        if (count > BOOT_MAX_MEMORY_REGIONS)
            count = BOOT_MAX_MEMORY_REGIONS;
        fw_cfg_read(key, map, count * (uint32_t)sizeof(map[0]));
    }
    return bootinfo_parse_pvh_overrun(info, cmdline_size, map, count, out);
}
