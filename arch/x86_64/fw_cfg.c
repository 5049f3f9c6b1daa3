/* arch/x86_64/fw_cfg.c - see fw_cfg.h. QEMU docs/specs/fw_cfg.rst ("Selector (Control)
 * Register", "Data Register", "File Directory"); the directory's numbers are big-endian. */
#include "arch/x86_64/fw_cfg.h"

#include "arch/x86_64/cpu.h"
#include "kernel/lib/string.h"

#define FW_CFG_PORT_SELECTOR 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_FILE_DIR 0x0019
#define FW_CFG_FILE_NAME_MAX 56

struct fw_cfg_file {
    uint8_t size_be[4];
    uint8_t select_be[2];
    uint8_t reserved[2];
    char name[FW_CFG_FILE_NAME_MAX];
};

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void read_more(void *buf, uint32_t len)
{
    uint8_t *p = buf;
    for (uint32_t i = 0; i < len; i++)
        p[i] = inb(FW_CFG_PORT_DATA);
}

void fw_cfg_read(uint16_t key, void *buf, uint32_t len)
{
    outw(FW_CFG_PORT_SELECTOR, key);
    read_more(buf, len);
}

bool fw_cfg_present(void)
{
    char signature[4];
    fw_cfg_read(FW_CFG_SIGNATURE, signature, sizeof(signature));
    return memcmp(signature, "QEMU", 4) == 0;
}

bool fw_cfg_find_file(const char *name, uint16_t *key, uint32_t *size)
{
    uint8_t count_be[4];
    fw_cfg_read(FW_CFG_FILE_DIR, count_be, sizeof(count_be));
    uint32_t count = be32(count_be);
    for (uint32_t i = 0; i < count && i < 4096; i++) {
        struct fw_cfg_file file;
        read_more(&file, sizeof(file));
        file.name[FW_CFG_FILE_NAME_MAX - 1] = '\0';
        if (strcmp(file.name, name) == 0) {
            *key = (uint16_t)(file.select_be[0] << 8 | file.select_be[1]);
            *size = be32(file.size_be);
            return true;
        }
    }
    return false;
}
