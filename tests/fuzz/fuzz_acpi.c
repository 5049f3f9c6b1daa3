/* tests/fuzz/fuzz_acpi.c - the firmware's ACPI tables as acpi_init() finds them: the input is
 * "physical memory" from address 0 with the RSDP at 0x10 (0 means "none"); acpi_tables_load follows it to the XSDT
 * or RSDT and every table they list (the map function refuses anything outside the input), and
 * each MADT ("APIC") and MCFG found goes through madt_parse / mcfg_parse and the lookups the
 * kernel does with them. Byte 0 is a mode: bit 0 set = re-seal every checksum the loader is
 * about to check (RSDP, both of its sums, and each table header it maps), so mutations get past
 * them.
 * fuzz-sources: arch/x86_64/acpi.c arch/x86_64/madt.c arch/x86_64/mcfg.c
 */
#include "tests/fuzz/fuzz.h"

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/madt.h"
#include "arch/x86_64/mcfg.h"

struct memory {
    uint8_t *bytes;
    size_t size;
    int reseal;
};

#define RSDP 0x10

static void seal(uint8_t *data, size_t length, uint8_t *field)
{
    *field = 0;
    *field = (uint8_t)(0x100 - acpi_checksum(data, length));
}

static const void *map(uint64_t phys, size_t length, void *context)
{
    struct memory *m = context;
    if (phys > m->size || length > m->size - phys)
        return NULL;
    uint8_t *p = m->bytes + phys;
    if (m->reseal) {
        if (phys == RSDP && length >= ACPI_RSDP_V1_LENGTH) { /* the RSDP */
            seal(p, ACPI_RSDP_V1_LENGTH, p + 8);
            uint32_t ext = 0;
            if (length >= ACPI_RSDP_V2_LENGTH)
                memcpy(&ext, p + 20, 4);
            if (p[15] >= 2 && ext >= ACPI_RSDP_V2_LENGTH && ext <= length)
                seal(p, ext, p + 32);
        } else if (length >= sizeof(struct acpi_sdt_header)) { /* a table: its whole length */
            uint32_t table_length;
            memcpy(&table_length, p + 4, 4);
            if (table_length >= sizeof(struct acpi_sdt_header) && table_length <= m->size - phys)
                seal(p, table_length, p + 9);
        }
    }
    return p;
}

static struct acpi_tables tables;
static struct madt_info madt;
static struct mcfg_info mcfg;

static void use_madt(const struct acpi_sdt_header *h, size_t length)
{
    if (madt_parse(h, length, &madt) != MADT_OK)
        return;
    FUZZ_CHECK(madt.lapic_count <= MADT_MAX_LAPICS && madt.ioapic_count <= MADT_MAX_IOAPICS);
    for (unsigned irq = 0; irq < 16; irq++) {
        uint32_t gsi;
        bool level, low;
        if (madt_lookup_isa_irq(&madt, irq, &gsi, &level, &low))
            (void)madt_ioapic_for_gsi(&madt, gsi);
    }
    for (unsigned i = 0; i < madt.lapic_count; i++)
        FUZZ_CHECK(madt_find_lapic(&madt, madt.lapics[i].apic_id) != NULL);
}

static void use_mcfg(const struct acpi_sdt_header *h, size_t length)
{
    if (mcfg_parse(h, length, &mcfg) != MCFG_OK)
        return;
    FUZZ_CHECK(mcfg.count <= MCFG_MAX_RANGES);
    for (unsigned i = 0; i < mcfg.count; i++) {
        const struct mcfg_range *r = &mcfg.ranges[i];
        (void)mcfg_ecam_address(&mcfg, r->segment, r->start_bus, 31, 7);
        (void)mcfg_ecam_address(&mcfg, r->segment, r->end_bus, 0, 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct memory m = {fuzz_exact_copy(data + 1, size - 1), size - 1, data[0] & 1};
    if (acpi_tables_load(&tables, RSDP, map, &m) == ACPI_OK) {
        FUZZ_CHECK(tables.count <= ACPI_MAX_TABLES);
        for (unsigned i = 0; i < tables.count; i++) {
            const struct acpi_table_ref *t = &tables.tables[i];
            (void)acpi_table_status_text(t->status);
            if (t->status != ACPI_TABLE_OK)
                continue;
            FUZZ_INSIDE(m.bytes, m.size, t->header, t->length);
            if (!memcmp(t->signature, "APIC", 4))
                use_madt(t->header, t->length);
            else if (!memcmp(t->signature, "MCFG", 4))
                use_mcfg(t->header, t->length);
        }
        (void)acpi_tables_find(&tables, "APIC", 0);
    }
    free(m.bytes);
    return 0;
}
