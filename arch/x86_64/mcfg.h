/* arch/x86_64/mcfg.h - the MCFG table: where PCI Express configuration space is memory-mapped.
 *
 * Specification: PCI Firmware Specification 3.2, section 4.1.2 "MCFG Table Description"
 * (the table and its "Configuration Space Base Address Allocation Structure").
 *
 * Classic PCI reaches a device's 256-byte configuration space through two I/O ports (0xCF8
 * selects bus/device/function/register, 0xCFC moves the data). PCI Express extends each
 * function's space to 4 KiB and makes all of it plain memory: the Enhanced Configuration Access
 * Mechanism (ECAM). The MCFG says where that memory is, per PCI segment and bus range:
 *
 *     address of (bus, device, function) = base + (bus << 20 | device << 15 | function << 12)
 *
 * where `base` belongs to bus 0 of the segment even when the range starts at a later bus.
 * On QEMU, -machine q35 has an MCFG (base 0xB0000000, segment 0, buses 0-255); -machine pc
 * (i440FX, no PCI Express) has none, which is normal.
 *
 * mcfg_parse() is pure (tests/unit/test_madt.c covers it); acpi_init() fills the system copy.
 */
#ifndef IRQLAB_ARCH_MCFG_H
#define IRQLAB_ARCH_MCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MCFG_MAX_RANGES 16

struct mcfg_range {
    uint64_t base;    /* physical address of bus 0's ECAM space in this segment */
    uint16_t segment; /* PCI segment group (always 0 on PCs with one host bridge) */
    uint8_t start_bus;
    uint8_t end_bus; /* inclusive */
};

struct mcfg_info {
    bool valid; /* mcfg_parse returned MCFG_OK */
    struct mcfg_range ranges[MCFG_MAX_RANGES];
    unsigned count;
    unsigned invalid;        /* entries with start bus > end bus: ignored */
    unsigned dropped;        /* entries beyond MCFG_MAX_RANGES */
    unsigned trailing_bytes; /* bytes after the last whole entry (a Length that is not 44 + 16n) */
};

enum mcfg_status {
    MCFG_OK = 0,
    MCFG_ERR_TOO_SHORT, /* shorter than the 44-byte fixed part */
    MCFG_ERR_SIGNATURE, /* not "MCFG" */
};

/* Parse an MCFG in memory; `length` bytes are readable (the smaller of it and the header's
 * Length is used). */
enum mcfg_status mcfg_parse(const void *table, size_t length, struct mcfg_info *out);
const char *mcfg_status_text(enum mcfg_status status);

/* Physical address of the 4 KiB configuration space of segment:bus:device.function, or 0 when
 * no range covers it (then only ports 0xCF8/0xCFC reach it, and only its first 256 bytes). */
uint64_t mcfg_ecam_address(const struct mcfg_info *mcfg, uint16_t segment, uint8_t bus, uint8_t device,
                           uint8_t function);

/* ---- the live table ------------------------------------------------------------------------- */
enum mcfg_status mcfg_parse_system(const void *table, size_t length);
/* The system copy; valid == false and count == 0 when there is no MCFG (-machine pc). */
const struct mcfg_info *mcfg_system(void);

#endif
