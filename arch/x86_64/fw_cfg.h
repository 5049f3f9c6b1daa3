/* arch/x86_64/fw_cfg.h - QEMU's firmware configuration device, read through its I/O ports.
 *
 * QEMU docs/specs/fw_cfg.rst: write a 16-bit selector key to port 0x510, then read the item's
 * bytes one at a time from port 0x511. Key 0x0000 reads "QEMU" when the device is there; the
 * file directory (key 0x0019) names the other items ("etc/e820", ...). irqlab uses it only to
 * recover from QEMU's PVH option ROM overwriting start_info (kernel/boot/pvh_overrun.c).
 */
#ifndef IRQLAB_ARCH_FW_CFG_H
#define IRQLAB_ARCH_FW_CFG_H

#include <stdbool.h>
#include <stdint.h>

#define FW_CFG_CMDLINE_SIZE 0x0014 /* little-endian u32: strlen(-append) + 1 */

bool fw_cfg_present(void);
/* Select `key` and read its first `len` bytes into `buf`. */
void fw_cfg_read(uint16_t key, void *buf, uint32_t len);
/* The key and size of the named file, false if there is no such file. */
bool fw_cfg_find_file(const char *name, uint16_t *key, uint32_t *size);

#endif
