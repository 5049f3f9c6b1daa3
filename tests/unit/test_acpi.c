/* tests/unit/test_acpi.c - host tests for the ACPI table walk (arch/x86_64/acpi.c, pure core).
 *
 * unit-sources: arch/x86_64/acpi.c
 *
 * ACPI 6.5 sections 5.2.5-5.2.8. Synthetic tables are written into two fake "physical memory"
 * windows, one below 4 GiB (for the RSDP and RSDT, whose addresses are 32-bit) and one above
 * (reachable only through the XSDT's 64-bit entries). The map function translates physical
 * addresses into those buffers and refuses anything else, like an unmappable address would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86_64/acpi.h"

#define LOW_BASE 0x000E0000ull
#define HIGH_BASE 0x123400000ull /* above 4 GiB */
#define WINDOW_SIZE 0x10000u

static uint8_t low_window[WINDOW_SIZE];
static uint8_t high_window[WINDOW_SIZE];
static unsigned map_calls;

static void *fake_at(uint64_t phys, size_t length)
{
    if (phys >= LOW_BASE && phys + length <= LOW_BASE + WINDOW_SIZE)
        return low_window + (phys - LOW_BASE);
    if (phys >= HIGH_BASE && phys + length <= HIGH_BASE + WINDOW_SIZE)
        return high_window + (phys - HIGH_BASE);
    return NULL;
}

static const void *fake_map(uint64_t phys, size_t length, void *context)
{
    (void)context;
    map_calls++;
    return fake_at(phys, length);
}

static int reset_memory(void **state)
{
    (void)state;
    memset(low_window, 0, sizeof(low_window));
    memset(high_window, 0, sizeof(high_window));
    map_calls = 0;
    return 0;
}

static void set_checksum(void *data, size_t length, uint8_t *checksum_field)
{
    *checksum_field = 0;
    *checksum_field = (uint8_t)(0x100 - acpi_checksum(data, length));
}

/* A table of `length` bytes (>= 36) with this signature and a correct checksum. */
static struct acpi_sdt_header *put_table(uint64_t phys, const char *signature, uint32_t length)
{
    struct acpi_sdt_header *h = fake_at(phys, length);
    assert_non_null(h);
    memset(h, 0, length);
    memcpy(h->signature, signature, 4);
    h->length = length;
    h->revision = 1;
    memcpy(h->oem_id, "IRQLAB", 6);
    h->creator_revision = 0x20260101;
    uint8_t *body = (uint8_t *)h + sizeof(*h);
    for (uint32_t i = 0; i < length - sizeof(*h); i++)
        body[i] = (uint8_t)(i * 7 + 3); /* non-zero content, so the checksum matters */
    set_checksum(h, length, &h->checksum);
    return h;
}

static void put_root(uint64_t phys, const char *signature, const uint64_t *entries, unsigned count)
{
    unsigned entry_size = memcmp(signature, "XSDT", 4) == 0 ? 8 : 4;
    uint32_t length = (uint32_t)(sizeof(struct acpi_sdt_header) + count * entry_size);
    struct acpi_sdt_header *h = put_table(phys, signature, length);
    uint8_t *p = (uint8_t *)h + sizeof(*h);
    for (unsigned i = 0; i < count; i++)
        memcpy(p + i * entry_size, &entries[i], entry_size); /* little-endian host */
    set_checksum(h, length, &h->checksum);
}

static struct acpi_rsdp *put_rsdp(uint64_t phys, uint8_t revision, uint32_t rsdt, uint64_t xsdt)
{
    struct acpi_rsdp *r = fake_at(phys, sizeof(*r));
    memset(r, 0, sizeof(*r));
    memcpy(r->signature, "RSD PTR ", 8);
    memcpy(r->oem_id, "BOCHS ", 6);
    r->revision = revision;
    r->rsdt_address = rsdt;
    if (revision >= 2) {
        r->length = ACPI_RSDP_V2_LENGTH;
        r->xsdt_address = xsdt;
    }
    /* First the 20-byte checksum, then the extended one, which covers the first. */
    set_checksum(r, ACPI_RSDP_V1_LENGTH, &r->checksum);
    if (revision >= 2)
        set_checksum(r, ACPI_RSDP_V2_LENGTH, &r->extended_checksum);
    return r;
}

/* Re-seal after a test edits a table on purpose. */
static void reseal(struct acpi_sdt_header *h) { set_checksum(h, h->length, &h->checksum); }

#define RSDP 0x000E0000ull
#define RSDT 0x000E1000ull
#define XSDT 0x123401000ull

/* ---- checksums ---------------------------------------------------------------------------- */

static void checksum_sums_bytes_mod_256(void **state)
{
    (void)state;
    const uint8_t bytes[] = {0x10, 0x20, 0xF0, 0x30};
    assert_int_equal(acpi_checksum(bytes, 4), (0x10 + 0x20 + 0xF0 + 0x30) & 0xFF);
    assert_int_equal(acpi_checksum(bytes, 0), 0);
}

/* ---- RSDP ----------------------------------------------------------------------------------- */

static void rsdp_v1_leads_to_rsdt_tables(void **state)
{
    (void)state;
    put_table(0x000E2000, "FACP", 116);
    put_table(0x000E3000, "APIC", 120);
    const uint64_t entries[] = {0x000E2000, 0x000E3000};
    put_root(RSDT, "RSDT", entries, 2);
    put_rsdp(RSDP, 0, (uint32_t)RSDT, 0);

    struct acpi_tables t;
    assert_int_equal(acpi_tables_load(&t, RSDP, fake_map, NULL), ACPI_OK);
    assert_int_equal(t.rsdp_revision, 0);
    assert_string_equal(t.oem_id, "BOCHS ");
    assert_false(t.using_xsdt);
    assert_ptr_equal(t.root, &t.rsdt);
    assert_int_equal(t.count, 2);
    const struct acpi_table_ref *madt = acpi_tables_find(&t, "APIC", 0);
    assert_non_null(madt);
    assert_int_equal(madt->phys, 0x000E3000);
    assert_int_equal(madt->length, 120);
    assert_ptr_equal(madt->header, fake_at(0x000E3000, 120));
    assert_non_null(acpi_tables_find(&t, "FACP", 0));
    assert_null(acpi_tables_find(&t, "MCFG", 0));
    assert_null(acpi_tables_find(&t, "APIC", 1));
}

static void rsdp_v1_bad_checksum_is_rejected(void **state)
{
    (void)state;
    put_root(RSDT, "RSDT", NULL, 0);
    struct acpi_rsdp *r = put_rsdp(RSDP, 0, (uint32_t)RSDT, 0);
    r->checksum ^= 1;
    struct acpi_tables t;
    assert_int_equal(acpi_tables_load(&t, RSDP, fake_map, NULL), ACPI_ERR_RSDP_CHECKSUM);
    assert_null(t.root);
    assert_null(acpi_tables_find(&t, "APIC", 0));
}

static void rsdp_bad_signature_is_rejected(void **state)
{
    (void)state;
    struct acpi_rsdp *r = put_rsdp(RSDP, 0, (uint32_t)RSDT, 0);
    r->signature[7] = 'X';
    set_checksum(r, ACPI_RSDP_V1_LENGTH, &r->checksum);
    struct acpi_tables t;
    assert_int_equal(acpi_tables_load(&t, RSDP, fake_map, NULL), ACPI_ERR_RSDP_SIGNATURE);
}

static void rsdp_missing_or_unmappable(void **state)
{
    (void)state;
    struct acpi_tables t;
    assert_int_equal(acpi_tables_load(&t, 0, fake_map, NULL), ACPI_ERR_NO_RSDP);
    assert_int_equal(acpi_tables_load(&t, 0x5000, fake_map, NULL), ACPI_ERR_RSDP_UNMAPPABLE);
}

static void rsdp_v2_bad_extended_checksum_is_rejected(void **state)
{
    (void)state;
    struct acpi_rsdp *r = put_rsdp(RSDP, 2, (uint32_t)RSDT, XSDT);
    r->reserved[1] = 0x55; /* outside the first 20 bytes: only the extended checksum sees it */
    assert_int_equal(acpi_checksum(r, ACPI_RSDP_V1_LENGTH), 0);
    assert_int_equal(acpi_rsdp_check(r), ACPI_ERR_RSDP_EXT_CHECKSUM);
    struct acpi_tables t;
    assert_int_equal(acpi_tables_load(&t, RSDP, fake_map, NULL), ACPI_ERR_RSDP_EXT_CHECKSUM);
}

static void rsdp_v2_impossible_length_is_rejected(void **state)
{
    (void)state;
    struct acpi_rsdp *r = put_rsdp(RSDP, 2, (uint32_t)RSDT, XSDT);
    r->length = 20;
    set_checksum(r, ACPI_RSDP_V2_LENGTH, &r->extended_checksum);
    set_checksum(r, ACPI_RSDP_V1_LENGTH, &r->checksum);
    struct acpi_tables t;
    assert_int_equal(acpi_tables_load(&t, RSDP, fake_map, NULL), ACPI_ERR_RSDP_LENGTH);

    r->length = 0x100000; /* 1 MiB: a corrupt field, must not be summed */
    set_checksum(r, ACPI_RSDP_V1_LENGTH, &r->checksum);
    assert_int_equal(acpi_tables_load(&t, RSDP, fake_map, NULL), ACPI_ERR_RSDP_LENGTH);
}

static void rsdp_v1_ignores_v2_fields(void **state)
{
    (void)state;
    /* A revision 0 RSDP may be followed by anything: Length/XSDT must not be looked at. */
    put_root(RSDT, "RSDT", NULL, 0);
    struct acpi_rsdp *r = put_rsdp(RSDP, 0, (uint32_t)RSDT, 0);
    r->length = 0xFFFFFFFF;
    r->xsdt_address = XSDT;
    r->extended_checksum = 0x77;
    struct acpi_tables t;
    assert_int_equal(acpi_tables_load(&t, RSDP, fake_map, NULL), ACPI_OK);
    assert_false(t.using_xsdt);
    assert_int_equal(t.xsdt.phys, 0);
}

/* ---- XSDT versus RSDT ---------------------------------------------------------------------- */

/* The XSDT lists tables above 4 GiB; the RSDT lists different copies below. */
static void build_both_roots(void)
{
    put_table(0x123402000ull, "APIC", 100);
    put_table(0x123403000ull, "MCFG", 60);
    const uint64_t x[] = {0x123402000ull, 0x123403000ull};
    put_root(XSDT, "XSDT", x, 2);
    put_table(0x000E2000, "APIC", 90);
    const uint64_t r[] = {0x000E2000};
    put_root(RSDT, "RSDT", r, 1);
}

static void rsdp_v2_prefers_xsdt(void **state)
{
    (void)state;
    build_both_roots();
    put_rsdp(RSDP, 2, (uint32_t)RSDT, XSDT);
    struct acpi_tables t;
    assert_int_equal(acpi_tables_load(&t, RSDP, fake_map, NULL), ACPI_OK);
    assert_true(t.using_xsdt);
    assert_false(t.xsdt_rejected);
    assert_ptr_equal(t.root, &t.xsdt);
    assert_int_equal(t.count, 2);
    assert_int_equal(acpi_tables_find(&t, "APIC", 0)->phys, 0x123402000ull);
    assert_int_equal(acpi_tables_find(&t, "APIC", 0)->length, 100);
    assert_non_null(acpi_tables_find(&t, "MCFG", 0));
}

static void rsdp_v2_without_xsdt_uses_rsdt(void **state)
{
    (void)state;
    build_both_roots();
    put_rsdp(RSDP, 2, (uint32_t)RSDT, 0);
    struct acpi_tables t;
    assert_int_equal(acpi_tables_load(&t, RSDP, fake_map, NULL), ACPI_OK);
    assert_false(t.using_xsdt);
    assert_false(t.xsdt_rejected);
    assert_int_equal(acpi_tables_find(&t, "APIC", 0)->phys, 0x000E2000);
    assert_null(acpi_tables_find(&t, "MCFG", 0));
}

static void broken_xsdt_falls_back_to_rsdt(void **state)
{
    (void)state;
    build_both_roots();
    struct acpi_sdt_header *x = fake_at(XSDT, 36);
    x->oem_revision ^= 0x100; /* breaks the checksum */
    put_rsdp(RSDP, 2, (uint32_t)RSDT, XSDT);
    struct acpi_tables t;
    assert_int_equal(acpi_tables_load(&t, RSDP, fake_map, NULL), ACPI_OK);
    assert_false(t.using_xsdt);
    assert_true(t.xsdt_rejected);
    assert_int_equal(t.xsdt.status, ACPI_TABLE_BAD_CHECKSUM);
    assert_int_equal(t.xsdt.phys, XSDT);
    assert_string_equal(t.xsdt.signature, "XSDT");
    assert_int_equal(acpi_tables_find(&t, "APIC", 0)->phys, 0x000E2000);
}

static void xsdt_with_wrong_signature_falls_back(void **state)
{
    (void)state;
    build_both_roots();
    struct acpi_sdt_header *x = fake_at(XSDT, 36);
    memcpy(x->signature, "RSDT", 4);
    reseal(x);
    put_rsdp(RSDP, 2, (uint32_t)RSDT, XSDT);
    struct acpi_tables t;
    assert_int_equal(acpi_tables_load(&t, RSDP, fake_map, NULL), ACPI_OK);
    assert_true(t.xsdt_rejected);
    assert_int_equal(t.xsdt.status, ACPI_TABLE_BAD_SIGNATURE);
    assert_false(t.using_xsdt);
}

static void no_valid_root_table(void **state)
{
    (void)state;
    build_both_roots();
    ((struct acpi_sdt_header *)fake_at(XSDT, 36))->checksum ^= 0xFF;
    ((struct acpi_sdt_header *)fake_at(RSDT, 36))->checksum ^= 0xFF;
    put_rsdp(RSDP, 2, (uint32_t)RSDT, XSDT);
    struct acpi_tables t;
    assert_int_equal(acpi_tables_load(&t, RSDP, fake_map, NULL), ACPI_ERR_NO_ROOT_TABLE);
    assert_int_equal(t.xsdt.status, ACPI_TABLE_BAD_CHECKSUM);
    assert_int_equal(t.rsdt.status, ACPI_TABLE_BAD_CHECKSUM);
    assert_null(t.root);
    assert_int_equal(t.count, 0);

    /* Revision 0 with RsdtAddress 0: nothing to try at all. */
    put_rsdp(RSDP, 0, 0, 0);
    assert_int_equal(acpi_tables_load(&t, RSDP, fake_map, NULL), ACPI_ERR_NO_ROOT_TABLE);
}

static void root_table_with_impossible_length(void **state)
{
    (void)state;
    put_root(RSDT, "RSDT", NULL, 0);
    struct acpi_sdt_header *h = fake_at(RSDT, 36);
    h->length = 12;
    reseal(h);
    put_rsdp(RSDP, 0, (uint32_t)RSDT, 0);
    struct acpi_tables t;
    assert_int_equal(acpi_tables_load(&t, RSDP, fake_map, NULL), ACPI_ERR_NO_ROOT_TABLE);
    assert_int_equal(t.rsdt.status, ACPI_TABLE_BAD_LENGTH);

    h->length = 0x7FFFFFFF; /* would run far past the window: must be refused, not summed */
    assert_int_equal(acpi_tables_load(&t, RSDP, fake_map, NULL), ACPI_ERR_NO_ROOT_TABLE);
    assert_int_equal(t.rsdt.status, ACPI_TABLE_BAD_LENGTH);

    h->length = WINDOW_SIZE; /* plausible, but the memory past the window is not mappable */
    assert_int_equal(acpi_tables_load(&t, RSDP, fake_map, NULL), ACPI_ERR_NO_ROOT_TABLE);
    assert_int_equal(t.rsdt.status, ACPI_TABLE_UNMAPPABLE);
}

/* ---- individual tables ------------------------------------------------------------------------ */

static void bad_tables_are_reported_and_ignored(void **state)
{
    (void)state;
    put_table(0x000E2000, "FACP", 116);
    struct acpi_sdt_header *madt = put_table(0x000E3000, "APIC", 120);
    madt->oem_revision++; /* bad checksum */
    struct acpi_sdt_header *hpet = put_table(0x000E4000, "HPET", 56);
    hpet->length = 20; /* shorter than a header */
    reseal(hpet);
    const uint64_t entries[] = {0x000E2000, 0x000E3000, 0x000E4000, 0, 0x00090000 /* unmappable */};
    put_root(RSDT, "RSDT", entries, 5);
    put_rsdp(RSDP, 0, (uint32_t)RSDT, 0);

    struct acpi_tables t;
    assert_int_equal(acpi_tables_load(&t, RSDP, fake_map, NULL), ACPI_OK);
    assert_int_equal(t.count, 5);
    assert_int_equal(t.tables[0].status, ACPI_TABLE_OK);
    assert_int_equal(t.tables[1].status, ACPI_TABLE_BAD_CHECKSUM);
    assert_string_equal(t.tables[1].signature, "APIC");
    assert_int_equal(t.tables[1].phys, 0x000E3000);
    assert_int_equal(t.tables[1].creator_revision, 0x20260101);
    assert_null(t.tables[1].header);
    assert_int_equal(t.tables[2].status, ACPI_TABLE_BAD_LENGTH);
    assert_int_equal(t.tables[3].status, ACPI_TABLE_NULL_ADDRESS);
    assert_int_equal(t.tables[4].status, ACPI_TABLE_UNMAPPABLE);

    assert_null(acpi_tables_find(&t, "APIC", 0));
    assert_null(acpi_tables_find(&t, "HPET", 0));
    assert_non_null(acpi_tables_find(&t, "FACP", 0));
    const struct acpi_table_ref *bad = acpi_tables_find_rejected(&t, "APIC");
    assert_non_null(bad);
    assert_int_equal(bad->phys, 0x000E3000);
    assert_null(acpi_tables_find_rejected(&t, "FACP"));
    assert_string_equal(acpi_table_status_text(ACPI_TABLE_BAD_CHECKSUM), "bad checksum");
}

static void several_tables_with_one_signature(void **state)
{
    (void)state;
    put_table(0x000E2000, "SSDT", 40);
    put_table(0x000E3000, "SSDT", 50);
    const uint64_t entries[] = {0x000E2000, 0x000E3000};
    put_root(RSDT, "RSDT", entries, 2);
    put_rsdp(RSDP, 0, (uint32_t)RSDT, 0);
    struct acpi_tables t;
    assert_int_equal(acpi_tables_load(&t, RSDP, fake_map, NULL), ACPI_OK);
    assert_int_equal(acpi_tables_find(&t, "SSDT", 0)->length, 40);
    assert_int_equal(acpi_tables_find(&t, "SSDT", 1)->length, 50);
    assert_null(acpi_tables_find(&t, "SSDT", 2));
}

static void too_many_tables_are_counted(void **state)
{
    (void)state;
    uint64_t entries[ACPI_MAX_TABLES + 5];
    put_table(0x000E2000, "SSDT", 40);
    for (unsigned i = 0; i < ACPI_MAX_TABLES + 5; i++)
        entries[i] = 0x000E2000;
    put_root(RSDT, "RSDT", entries, ACPI_MAX_TABLES + 5);
    put_rsdp(RSDP, 0, (uint32_t)RSDT, 0);
    struct acpi_tables t;
    assert_int_equal(acpi_tables_load(&t, RSDP, fake_map, NULL), ACPI_OK);
    assert_int_equal(t.count, ACPI_MAX_TABLES);
    assert_int_equal(t.dropped, 5);
}

static void ragged_root_table_tail_is_ignored(void **state)
{
    (void)state;
    put_table(0x000E2000, "FACP", 116);
    const uint64_t entries[] = {0x000E2000};
    put_root(XSDT, "XSDT", entries, 1);
    struct acpi_sdt_header *x = fake_at(XSDT, 36);
    x->length += 5; /* 5 stray bytes: less than one 8-byte entry */
    reseal(x);
    put_rsdp(RSDP, 2, 0, XSDT);
    struct acpi_tables t;
    assert_int_equal(acpi_tables_load(&t, RSDP, fake_map, NULL), ACPI_OK);
    assert_true(t.using_xsdt);
    assert_int_equal(t.count, 1);
}

static void garbage_signature_is_printable(void **state)
{
    (void)state;
    struct acpi_sdt_header *h = put_table(0x000E2000, "AB\x01\x7F", 40);
    (void)h;
    const uint64_t entries[] = {0x000E2000};
    put_root(RSDT, "RSDT", entries, 1);
    put_rsdp(RSDP, 0, (uint32_t)RSDT, 0);
    struct acpi_tables t;
    assert_int_equal(acpi_tables_load(&t, RSDP, fake_map, NULL), ACPI_OK);
    assert_string_equal(t.tables[0].signature, "AB??");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(checksum_sums_bytes_mod_256, reset_memory),
        cmocka_unit_test_setup(rsdp_v1_leads_to_rsdt_tables, reset_memory),
        cmocka_unit_test_setup(rsdp_v1_bad_checksum_is_rejected, reset_memory),
        cmocka_unit_test_setup(rsdp_bad_signature_is_rejected, reset_memory),
        cmocka_unit_test_setup(rsdp_missing_or_unmappable, reset_memory),
        cmocka_unit_test_setup(rsdp_v2_bad_extended_checksum_is_rejected, reset_memory),
        cmocka_unit_test_setup(rsdp_v2_impossible_length_is_rejected, reset_memory),
        cmocka_unit_test_setup(rsdp_v1_ignores_v2_fields, reset_memory),
        cmocka_unit_test_setup(rsdp_v2_prefers_xsdt, reset_memory),
        cmocka_unit_test_setup(rsdp_v2_without_xsdt_uses_rsdt, reset_memory),
        cmocka_unit_test_setup(broken_xsdt_falls_back_to_rsdt, reset_memory),
        cmocka_unit_test_setup(xsdt_with_wrong_signature_falls_back, reset_memory),
        cmocka_unit_test_setup(no_valid_root_table, reset_memory),
        cmocka_unit_test_setup(root_table_with_impossible_length, reset_memory),
        cmocka_unit_test_setup(bad_tables_are_reported_and_ignored, reset_memory),
        cmocka_unit_test_setup(several_tables_with_one_signature, reset_memory),
        cmocka_unit_test_setup(too_many_tables_are_counted, reset_memory),
        cmocka_unit_test_setup(ragged_root_table_tail_is_ignored, reset_memory),
        cmocka_unit_test_setup(garbage_signature_is_printable, reset_memory),
    };
    return cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
}
