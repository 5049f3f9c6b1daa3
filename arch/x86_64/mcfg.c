/* arch/x86_64/mcfg.c - parse the MCFG (PCI Firmware Specification 3.2, section 4.1.2).
 *
 * Layout: the 36-byte ACPI header, 8 reserved bytes, then 16-byte allocation structures until
 * the end of the table: base address (8), PCI segment group (2), start bus (1), end bus (1),
 * reserved (4). Pure code: built on the host by the unit tests.
 */
#include "arch/x86_64/mcfg.h"

#include "arch/x86_64/acpi.h"

struct mcfg_fixed {
    struct acpi_sdt_header header; /* signature "MCFG" */
    uint8_t reserved[8];
} __attribute__((packed));

struct mcfg_allocation {
    uint64_t base;
    uint16_t segment;
    uint8_t start_bus;
    uint8_t end_bus;
    uint32_t reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct mcfg_fixed) == 44, "MCFG fixed part");
_Static_assert(sizeof(struct mcfg_allocation) == 16, "MCFG allocation structure");

enum mcfg_status mcfg_parse(const void *table, size_t length, struct mcfg_info *out)
{
    *out = (struct mcfg_info){0};
    const struct mcfg_fixed *fixed = table;
    if (length < sizeof(*fixed))
        return MCFG_ERR_TOO_SHORT;
    const char *sig = fixed->header.signature;
    if (sig[0] != 'M' || sig[1] != 'C' || sig[2] != 'F' || sig[3] != 'G')
        return MCFG_ERR_SIGNATURE;
    size_t end = fixed->header.length < length ? fixed->header.length : length;
    if (end < sizeof(*fixed))
        return MCFG_ERR_TOO_SHORT;

    size_t entries = (end - sizeof(*fixed)) / sizeof(struct mcfg_allocation);
    out->trailing_bytes = (unsigned)((end - sizeof(*fixed)) % sizeof(struct mcfg_allocation));
    const struct mcfg_allocation *a = (const struct mcfg_allocation *)((const uint8_t *)table + sizeof(*fixed));
    for (size_t i = 0; i < entries; i++) {
        if (a[i].start_bus > a[i].end_bus) {
            out->invalid++;
            continue;
        }
        if (out->count == MCFG_MAX_RANGES) {
            out->dropped++;
            continue;
        }
        out->ranges[out->count++] = (struct mcfg_range){
            .base = a[i].base, .segment = a[i].segment, .start_bus = a[i].start_bus, .end_bus = a[i].end_bus};
    }
    out->valid = true;
    return MCFG_OK;
}

const char *mcfg_status_text(enum mcfg_status status)
{
    switch (status) {
    case MCFG_OK: return "ok";
    case MCFG_ERR_TOO_SHORT: return "shorter than the 44-byte MCFG header";
    case MCFG_ERR_SIGNATURE: return "signature is not \"MCFG\"";
    }
    return "unknown error";
}

uint64_t mcfg_ecam_address(const struct mcfg_info *mcfg, uint16_t segment, uint8_t bus, uint8_t device,
                           uint8_t function)
{
    if (device > 31 || function > 7)
        return 0;
    for (unsigned i = 0; i < mcfg->count; i++) {
        const struct mcfg_range *r = &mcfg->ranges[i];
        if (r->segment == segment && bus >= r->start_bus && bus <= r->end_bus)
            return r->base + ((uint64_t)bus << 20 | (uint64_t)device << 15 | (uint64_t)function << 12);
    }
    return 0;
}

static struct mcfg_info mcfg_system_info;

enum mcfg_status mcfg_parse_system(const void *table, size_t length)
{
    return mcfg_parse(table, length, &mcfg_system_info);
}

const struct mcfg_info *mcfg_system(void) { return &mcfg_system_info; }
