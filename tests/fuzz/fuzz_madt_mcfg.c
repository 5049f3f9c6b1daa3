/* tests/fuzz/fuzz_madt_mcfg.c - madt_parse and mcfg_parse on raw bytes (the table's own length
 * field is fuzzed too, and the length passed is the input's: a table that claims more than
 * there is must be refused, not read past), then the lookups the kernel makes with the result.
 * Byte 0 chooses the parser (bit 0: MADT or MCFG).
 * fuzz-sources: arch/x86_64/madt.c arch/x86_64/mcfg.c
 */
#include "tests/fuzz/fuzz.h"

#include "arch/x86_64/madt.h"
#include "arch/x86_64/mcfg.h"

static struct madt_info madt;
static struct mcfg_info mcfg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t *table = fuzz_exact_copy(data + 1, size - 1);
    if (data[0] & 1) {
        if (mcfg_parse(table, size - 1, &mcfg) == MCFG_OK) {
            FUZZ_CHECK(mcfg.count <= MCFG_MAX_RANGES);
            for (unsigned bus = 0; bus < 256; bus += 17)
                (void)mcfg_ecam_address(&mcfg, 0, (uint8_t)bus, (uint8_t)(bus % 32), (uint8_t)(bus % 8));
        }
    } else if (madt_parse(table, size - 1, &madt) == MADT_OK) {
        FUZZ_CHECK(madt.lapic_count <= MADT_MAX_LAPICS && madt.ioapic_count <= MADT_MAX_IOAPICS);
        FUZZ_CHECK(madt.override_count <= MADT_MAX_OVERRIDES);
        for (unsigned irq = 0; irq < 16; irq++) {
            uint32_t gsi;
            bool level, low;
            if (madt_lookup_isa_irq(&madt, irq, &gsi, &level, &low))
                (void)madt_ioapic_for_gsi(&madt, gsi);
        }
        for (unsigned i = 0; i < madt.override_count; i++)
            (void)madt_lookup_isa_irq(&madt, madt.overrides[i].source_irq, &(uint32_t){0}, &(bool){0}, &(bool){0});
        (void)madt_decode_inti((uint16_t)(data[0] << 8 | data[size - 1]));
    }
    free(table);
    return 0;
}
