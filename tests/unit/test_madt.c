/* tests/unit/test_madt.c - host tests for the MADT and MCFG parsers.
 *
 * unit-sources: arch/x86_64/madt.c arch/x86_64/mcfg.c
 *
 * ACPI 6.5 section 5.2.12 (MADT) and PCI Firmware Specification 3.2 section 4.1.2 (MCFG).
 * Tables are assembled byte by byte in host memory by the small builder below, so every test
 * shows exactly which entries (and which damage) the parser sees.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/madt.h"
#include "arch/x86_64/mcfg.h"

/* ---- a tiny table builder --------------------------------------------------------------------- */

struct builder {
    uint8_t bytes[8192];
    size_t length;
};

static struct builder b;

static void put8(uint8_t v) { b.bytes[b.length++] = v; }
static void put16(uint16_t v) { put8((uint8_t)v), put8((uint8_t)(v >> 8)); }
static void put32(uint32_t v) { put16((uint16_t)v), put16((uint16_t)(v >> 16)); }
static void put64(uint64_t v) { put32((uint32_t)v), put32((uint32_t)(v >> 32)); }

static void begin_table(const char *signature, uint8_t revision)
{
    memset(&b, 0, sizeof(b));
    struct acpi_sdt_header *h = (struct acpi_sdt_header *)b.bytes;
    memcpy(h->signature, signature, 4);
    h->revision = revision;
    memcpy(h->oem_id, "IRQLAB", 6);
    b.length = sizeof(*h);
}

static void begin_madt(uint8_t revision, uint32_t lapic_address, uint32_t flags)
{
    begin_table("APIC", revision);
    put32(lapic_address);
    put32(flags);
}

/* Set Length and the checksum, as firmware would (the parsers do not check it: acpi.c does). */
static void end_table(void)
{
    struct acpi_sdt_header *h = (struct acpi_sdt_header *)b.bytes;
    h->length = (uint32_t)b.length;
    h->checksum = 0;
    uint8_t sum = 0;
    for (size_t i = 0; i < b.length; i++)
        sum = (uint8_t)(sum + b.bytes[i]);
    h->checksum = (uint8_t)(0x100 - sum);
}

static void lapic(uint8_t uid, uint8_t apic_id, uint32_t flags)
{
    put8(0), put8(8), put8(uid), put8(apic_id), put32(flags);
}
static void ioapic(uint8_t id, uint32_t address, uint32_t gsi_base)
{
    put8(1), put8(12), put8(id), put8(0), put32(address), put32(gsi_base);
}
static void iso(uint8_t bus, uint8_t irq, uint32_t gsi, uint16_t flags)
{
    put8(2), put8(10), put8(bus), put8(irq), put32(gsi), put16(flags);
}
static void nmi_source(uint16_t flags, uint32_t gsi) { put8(3), put8(8), put16(flags), put32(gsi); }
static void lapic_nmi(uint8_t uid, uint16_t flags, uint8_t lint)
{
    put8(4), put8(6), put8(uid), put16(flags), put8(lint);
}
static void lapic_address_override(uint64_t address) { put8(5), put8(12), put16(0), put64(address); }
static void x2apic(uint32_t id, uint32_t flags, uint32_t uid)
{
    put8(9), put8(16), put16(0), put32(id), put32(flags), put32(uid);
}
static void x2apic_nmi(uint16_t flags, uint32_t uid, uint8_t lint)
{
    put8(10), put8(12), put16(flags), put32(uid), put8(lint), put8(0), put8(0), put8(0);
}

static struct madt_info m;

static void parse_ok(void)
{
    assert_int_equal(madt_parse(b.bytes, b.length, &m), MADT_OK);
    assert_true(m.valid);
}

/* What QEMU 7.2 builds for -smp 4 on pc and q35 (hw/i386/acpi-common.c acpi_build_madt). */
static void build_qemu_madt(void)
{
    begin_madt(1, 0xFEE00000, MADT_FLAG_PCAT_COMPAT);
    for (uint8_t i = 0; i < 4; i++)
        lapic(i, i, MADT_LAPIC_ENABLED);
    ioapic(0, 0xFEC00000, 0);
    iso(0, 0, 2, 0x0000);
    iso(0, 5, 5, 0x000D);
    iso(0, 9, 9, 0x000D);
    iso(0, 10, 10, 0x000D);
    iso(0, 11, 11, 0x000D);
    lapic_nmi(0xFF, 0x0000, 1);
    end_table();
}

/* ---- the whole table ---------------------------------------------------------------------------- */

static void qemu_madt_is_understood(void **state)
{
    (void)state;
    build_qemu_madt();
    parse_ok();
    assert_int_equal(m.lapic_address, 0xFEE00000);
    assert_false(m.lapic_address_overridden);
    assert_true(m.pcat_compat);
    assert_int_equal(m.cpu_count, 4);
    assert_int_equal(m.lapic_count, 4);
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(m.lapics[i].apic_id, i);
        assert_int_equal(m.lapics[i].acpi_uid, i);
        assert_true(m.lapics[i].enabled);
        assert_false(m.lapics[i].x2apic);
    }
    assert_int_equal(m.ioapic_count, 1);
    assert_int_equal(m.ioapics[0].id, 0);
    assert_int_equal(m.ioapics[0].address, 0xFEC00000);
    assert_int_equal(m.ioapics[0].gsi_base, 0);
    assert_int_equal(m.override_count, 5);
    assert_int_equal(m.lapic_nmi_count, 1);
    assert_true(m.lapic_nmis[0].all_processors);
    assert_int_equal(m.lapic_nmis[0].lint, 1);
    assert_false(m.lapic_nmis[0].flags.level);
    assert_false(m.lapic_nmis[0].flags.active_low);
    assert_false(m.stopped_early);
    assert_int_equal(m.short_entries, 0);
    assert_int_equal(m.unknown_entries, 0);

    uint32_t gsi;
    bool level, low;
    assert_true(madt_lookup_isa_irq(&m, 0, &gsi, &level, &low)); /* timer: override */
    assert_int_equal(gsi, 2);
    assert_false(level);
    assert_false(low);
    assert_true(madt_lookup_isa_irq(&m, 1, &gsi, &level, &low)); /* keyboard: identity */
    assert_int_equal(gsi, 1);
    assert_false(level);
    assert_false(low);
    for (unsigned irq = 9; irq <= 11; irq++) { /* PCI: level, high */
        assert_true(madt_lookup_isa_irq(&m, irq, &gsi, &level, &low));
        assert_int_equal(gsi, irq);
        assert_true(level);
        assert_false(low);
    }
    assert_false(madt_lookup_isa_irq(&m, 2, &gsi, &level, &low));  /* GSI 2 carries IRQ 0 */
    assert_false(madt_lookup_isa_irq(&m, 16, &gsi, &level, &low)); /* not an ISA IRQ */
    assert_ptr_equal(madt_find_lapic(&m, 3), &m.lapics[3]);
    assert_null(madt_find_lapic(&m, 4));
}

static void wrong_signature_or_too_short(void **state)
{
    (void)state;
    build_qemu_madt();
    memcpy(b.bytes, "APIX", 4);
    assert_int_equal(madt_parse(b.bytes, b.length, &m), MADT_ERR_SIGNATURE);
    assert_false(m.valid);
    build_qemu_madt();
    assert_int_equal(madt_parse(b.bytes, 43, &m), MADT_ERR_TOO_SHORT);
    ((struct acpi_sdt_header *)b.bytes)->length = 40;
    assert_int_equal(madt_parse(b.bytes, b.length, &m), MADT_ERR_TOO_SHORT);
    assert_string_equal(madt_status_text(MADT_ERR_SIGNATURE), "signature is not \"APIC\"");
}

/* ---- processors ------------------------------------------------------------------------------ */

static void disabled_and_online_capable_processors(void **state)
{
    (void)state;
    begin_madt(5, 0xFEE00000, 0); /* revision 5 = ACPI 6.3: online capable */
    lapic(0, 0, MADT_LAPIC_ENABLED);
    lapic(1, 2, 0);                                              /* an empty slot */
    lapic(2, 4, MADT_LAPIC_ONLINE_CAPABLE);                      /* hot-pluggable */
    lapic(3, 6, MADT_LAPIC_ENABLED | MADT_LAPIC_ONLINE_CAPABLE); /* enabled wins */
    lapic(4, 0, MADT_LAPIC_ENABLED);                             /* duplicate APIC ID 0 */
    end_table();
    parse_ok();
    assert_int_equal(m.cpu_count, 2);
    assert_int_equal(m.online_capable_count, 1);
    assert_int_equal(m.disabled_count, 1);
    assert_int_equal(m.duplicate_lapics, 1);
    assert_int_equal(m.lapic_count, 3);
    assert_int_equal(m.lapics[1].apic_id, 4);
    assert_false(m.lapics[1].enabled);
    assert_true(m.lapics[1].online_capable);
    assert_true(m.lapics[2].enabled);
    assert_false(m.lapics[2].online_capable);
    assert_null(madt_find_lapic(&m, 2));

    /* Before revision 5 that bit was reserved: the same entry is just an empty slot. */
    begin_madt(4, 0xFEE00000, 0);
    lapic(0, 0, MADT_LAPIC_ENABLED);
    lapic(2, 4, MADT_LAPIC_ONLINE_CAPABLE);
    end_table();
    parse_ok();
    assert_int_equal(m.cpu_count, 1);
    assert_int_equal(m.online_capable_count, 0);
    assert_int_equal(m.disabled_count, 1);
}

static void x2apic_processors(void **state)
{
    (void)state;
    begin_madt(5, 0xFEE00000, 0);
    lapic(0, 0, MADT_LAPIC_ENABLED);
    x2apic(0, MADT_LAPIC_ENABLED, 0); /* same CPU again: ignored */
    x2apic(300, MADT_LAPIC_ENABLED, 300);
    x2apic(0xFFFFFFFE, 0, 301);        /* empty slot */
    x2apic_nmi(0x000F, 0xFFFFFFFF, 1); /* all processors, level, low */
    x2apic_nmi(0x0005, 300, 0);        /* one processor, edge, high */
    end_table();
    parse_ok();
    assert_int_equal(m.cpu_count, 2);
    assert_int_equal(m.duplicate_lapics, 1);
    assert_int_equal(m.disabled_count, 1);
    assert_int_equal(m.lapics[1].apic_id, 300);
    assert_int_equal(m.lapics[1].acpi_uid, 300);
    assert_true(m.lapics[1].x2apic);
    assert_int_equal(m.lapic_nmi_count, 2);
    assert_true(m.lapic_nmis[0].all_processors);
    assert_true(m.lapic_nmis[0].x2apic);
    assert_true(m.lapic_nmis[0].flags.level);
    assert_true(m.lapic_nmis[0].flags.active_low);
    assert_false(m.lapic_nmis[1].all_processors);
    assert_int_equal(m.lapic_nmis[1].acpi_uid, 300);
    assert_int_equal(m.lapic_nmis[1].lint, 0);
    assert_false(m.lapic_nmis[1].flags.level);
}

static void too_many_processors_are_counted(void **state)
{
    (void)state;
    begin_madt(1, 0xFEE00000, 0);
    for (unsigned i = 0; i < MADT_MAX_LAPICS + 10; i++)
        x2apic(i, MADT_LAPIC_ENABLED, i);
    end_table();
    parse_ok();
    assert_int_equal(m.lapic_count, MADT_MAX_LAPICS);
    assert_int_equal(m.cpu_count, MADT_MAX_LAPICS);
    assert_int_equal(m.lapics_dropped, 10);
}

/* ---- IOAPICs and the local APIC address ------------------------------------------------------------ */

static void two_ioapics_with_different_gsi_bases(void **state)
{
    (void)state;
    begin_madt(1, 0xFEE00000, 0);
    lapic(0, 0, MADT_LAPIC_ENABLED);
    ioapic(8, 0xFEC01000, 24); /* listed first on purpose */
    ioapic(2, 0xFEC00000, 0);
    end_table();
    parse_ok();
    assert_int_equal(m.ioapic_count, 2);
    assert_int_equal(m.ioapics[0].id, 8);
    assert_int_equal(m.ioapics[0].gsi_base, 24);
    assert_int_equal(m.ioapics[1].address, 0xFEC00000);
    assert_ptr_equal(madt_ioapic_for_gsi(&m, 0), &m.ioapics[1]);
    assert_ptr_equal(madt_ioapic_for_gsi(&m, 23), &m.ioapics[1]);
    assert_ptr_equal(madt_ioapic_for_gsi(&m, 24), &m.ioapics[0]);
    assert_ptr_equal(madt_ioapic_for_gsi(&m, 47), &m.ioapics[0]);

    begin_madt(1, 0xFEE00000, 0);
    ioapic(1, 0xFEC01000, 24);
    end_table();
    parse_ok();
    assert_null(madt_ioapic_for_gsi(&m, 5)); /* below every base: nobody has it */
}

static void too_many_ioapics_are_counted(void **state)
{
    (void)state;
    begin_madt(1, 0xFEE00000, 0);
    for (unsigned i = 0; i < MADT_MAX_IOAPICS + 3; i++)
        ioapic((uint8_t)i, 0xFEC00000 + i * 0x1000, i * 24);
    end_table();
    parse_ok();
    assert_int_equal(m.ioapic_count, MADT_MAX_IOAPICS);
    assert_int_equal(m.ioapics_dropped, 3);
}

static void lapic_address_override_replaces_header_value(void **state)
{
    (void)state;
    begin_madt(1, 0xFEE00000, 0);
    lapic(0, 0, MADT_LAPIC_ENABLED);
    lapic_address_override(0x0000001234500000ull);
    end_table();
    parse_ok();
    assert_true(m.lapic_address_overridden);
    assert_int_equal(m.lapic_address, 0x0000001234500000ull);
    assert_int_equal(m.lapic_address_32, 0xFEE00000);
    assert_false(m.pcat_compat);
}

/* ---- interrupt source overrides and INTI flags --------------------------------------------------- */

static void every_polarity_and_trigger_combination(void **state)
{
    (void)state;
    /* polarity bits 1:0 and trigger bits 3:2: 00 conforming (ISA: high / edge), 01 high / edge,
     * 10 reserved (treated as conforming, but flagged), 11 low / level. */
    begin_madt(1, 0xFEE00000, 0);
    for (unsigned trigger = 0; trigger < 4; trigger++)
        for (unsigned polarity = 0; polarity < 4; polarity++)
            iso(0, (uint8_t)(trigger * 4 + polarity), 100 + trigger * 4 + polarity,
                (uint16_t)(trigger << 2 | polarity));
    end_table();
    parse_ok();
    assert_int_equal(m.override_count, 16);
    for (unsigned irq = 0; irq < 16; irq++) {
        unsigned trigger = irq >> 2, polarity = irq & 3;
        const struct madt_override *o = &m.overrides[irq];
        assert_int_equal(o->source_irq, irq);
        assert_int_equal(o->gsi, 100 + irq);
        assert_int_equal(o->flags.raw, trigger << 2 | polarity);
        assert_int_equal(o->flags.level, trigger == 3);
        assert_int_equal(o->flags.active_low, polarity == 3);
        assert_int_equal(o->flags.reserved_value, trigger == 2 || polarity == 2);

        uint32_t gsi;
        bool level, low;
        assert_true(madt_lookup_isa_irq(&m, irq, &gsi, &level, &low));
        assert_int_equal(gsi, 100 + irq);
        assert_int_equal(level, trigger == 3);
        assert_int_equal(low, polarity == 3);
    }
    struct madt_inti conforming = madt_decode_inti(0);
    assert_false(conforming.level);
    assert_false(conforming.active_low);
    assert_false(conforming.reserved_value);
}

static void overrides_on_other_buses_do_not_apply_to_isa(void **state)
{
    (void)state;
    begin_madt(1, 0xFEE00000, 0);
    iso(1, 4, 40, 0x000F);
    end_table();
    parse_ok();
    uint32_t gsi;
    bool level, low;
    assert_true(madt_lookup_isa_irq(&m, 4, &gsi, &level, &low));
    assert_int_equal(gsi, 4);
    assert_false(level);
    assert_false(low);
}

static void nmi_sources(void **state)
{
    (void)state;
    begin_madt(1, 0xFEE00000, 0);
    nmi_source(0x000D, 7);
    nmi_source(0x0000, 30);
    end_table();
    parse_ok();
    assert_int_equal(m.nmi_source_count, 2);
    assert_int_equal(m.nmi_sources[0].gsi, 7);
    assert_true(m.nmi_sources[0].flags.level);
    assert_false(m.nmi_sources[0].flags.active_low);
    assert_int_equal(m.nmi_sources[1].gsi, 30);
    assert_false(m.nmi_sources[1].flags.level);
}

/* ---- damaged tables ------------------------------------------------------------------------------ */

static void zero_length_entry_stops_parsing(void **state)
{
    (void)state;
    begin_madt(1, 0xFEE00000, 0);
    lapic(0, 0, MADT_LAPIC_ENABLED);
    size_t bad = b.length;
    put8(1), put8(0); /* IOAPIC entry with length 0 */
    put32(0xFEC00000), put32(0), put16(0);
    lapic(1, 1, MADT_LAPIC_ENABLED); /* never reached */
    end_table();
    parse_ok(); /* returns, does not spin */
    assert_true(m.stopped_early);
    assert_int_equal(m.stop_offset, bad);
    assert_int_equal(m.stop_type, 1);
    assert_int_equal(m.stop_length, 0);
    assert_int_equal(m.cpu_count, 1);
    assert_int_equal(m.ioapic_count, 0);
}

static void length_one_entry_stops_parsing(void **state)
{
    (void)state;
    begin_madt(1, 0xFEE00000, 0);
    put8(0), put8(1);
    lapic(1, 1, MADT_LAPIC_ENABLED);
    end_table();
    parse_ok();
    assert_true(m.stopped_early);
    assert_int_equal(m.stop_offset, 44);
    assert_int_equal(m.stop_length, 1);
    assert_int_equal(m.cpu_count, 0);
}

static void entry_running_past_the_end_stops_parsing(void **state)
{
    (void)state;
    begin_madt(1, 0xFEE00000, 0);
    lapic(0, 0, MADT_LAPIC_ENABLED);
    put8(1), put8(200); /* claims 200 bytes; 10 remain */
    put32(0xFEC00000), put32(0);
    end_table();
    parse_ok();
    assert_true(m.stopped_early);
    assert_int_equal(m.stop_length, 200);
    assert_int_equal(m.ioapic_count, 0);
    assert_int_equal(m.cpu_count, 1);

    /* A lone trailing byte: too short even for a type/length pair. */
    begin_madt(1, 0xFEE00000, 0);
    lapic(0, 0, MADT_LAPIC_ENABLED);
    put8(0);
    end_table();
    parse_ok();
    assert_true(m.stopped_early);
    assert_int_equal(m.stop_offset, 52);
    assert_int_equal(m.cpu_count, 1);
}

static void short_known_entry_is_skipped(void **state)
{
    (void)state;
    begin_madt(1, 0xFEE00000, 0);
    put8(1), put8(8), put8(0), put8(0), put32(0xFEC00000); /* IOAPIC needs 12 bytes */
    put8(2), put8(2);                                      /* override of just a header */
    lapic(0, 0, MADT_LAPIC_ENABLED);                       /* still found after them */
    end_table();
    parse_ok();
    assert_false(m.stopped_early);
    assert_int_equal(m.short_entries, 2);
    assert_int_equal(m.ioapic_count, 0);
    assert_int_equal(m.override_count, 0);
    assert_int_equal(m.cpu_count, 1);
}

static void unknown_and_longer_entries_are_skipped_by_length(void **state)
{
    (void)state;
    begin_madt(1, 0xFEE00000, 0);
    put8(0x0B), put8(80); /* a GIC CPU interface: not for x86 */
    for (int i = 0; i < 78; i++)
        put8(0xEE);
    put8(0x7F), put8(2);                                                           /* reserved type, minimal */
    put8(0), put8(10), put8(5), put8(9), put32(MADT_LAPIC_ENABLED), put16(0xFFFF); /* longer LAPIC */
    end_table();
    parse_ok();
    assert_int_equal(m.unknown_entries, 2);
    assert_int_equal(m.cpu_count, 1);
    assert_int_equal(m.lapics[0].apic_id, 9);
    assert_int_equal(m.lapics[0].acpi_uid, 5);
}

static void header_length_and_buffer_length_both_bound_the_walk(void **state)
{
    (void)state;
    /* Header says less than the buffer holds: the bytes after Length are not part of it. */
    begin_madt(1, 0xFEE00000, 0);
    lapic(0, 0, MADT_LAPIC_ENABLED);
    end_table();
    size_t table_length = b.length;
    lapic(1, 1, MADT_LAPIC_ENABLED);
    assert_int_equal(madt_parse(b.bytes, b.length, &m), MADT_OK);
    assert_int_equal(m.cpu_count, 1);
    assert_false(m.stopped_early);

    /* Header says more than the caller can vouch for: parse only what is there. */
    begin_madt(1, 0xFEE00000, 0);
    lapic(0, 0, MADT_LAPIC_ENABLED);
    lapic(1, 1, MADT_LAPIC_ENABLED);
    end_table();
    ((struct acpi_sdt_header *)b.bytes)->length = 4000;
    assert_int_equal(madt_parse(b.bytes, table_length, &m), MADT_OK);
    assert_int_equal(m.cpu_count, 1);
}

/* ---- printing ------------------------------------------------------------------------------------ */

static char printed[16384];
static size_t printed_length;

static void __attribute__((format(printf, 1, 2))) capture(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(printed + printed_length, sizeof(printed) - printed_length, fmt, args);
    va_end(args);
    assert_true(n >= 0 && (size_t)n < sizeof(printed) - printed_length);
    printed_length += (size_t)n;
}

static void assert_lines_fit_80_columns(void)
{
    size_t column = 0;
    for (size_t i = 0; i < printed_length; i++) {
        if (printed[i] == '\n') {
            column = 0;
            continue;
        }
        column++;
        if (column > 80)
            fail_msg("line longer than 80 columns near: %.90s", printed + i - column + 1);
    }
}

static void print_fits_80_columns(void **state)
{
    (void)state;
    /* Worst-case field widths everywhere, plus every damage counter. */
    begin_madt(5, 0xFEE00000, MADT_FLAG_PCAT_COMPAT);
    lapic(0, 0, MADT_LAPIC_ENABLED);
    x2apic(0xFFFFFFFE, MADT_LAPIC_ONLINE_CAPABLE, 0xFFFFFFFE);
    ioapic(255, 0xFFFFF000, 0xFFFFFFFF);
    iso(0, 0, 2, 0x0000);
    iso(0, 9, 9, 0x000D);
    iso(0, 255, 0xFFFFFFFF, 0x000A);
    iso(255, 15, 0xFFFFFFFF, 0x0007);
    nmi_source(0x0003, 0xFFFFFFFF);
    lapic_nmi(0xFF, 0x0000, 1);
    x2apic_nmi(0x000F, 0xFFFFFFFE, 255);
    lapic_address_override(0xFFFFFFFFFFFFF000ull);
    put8(0x0B), put8(2);
    put8(1), put8(4), put16(0);
    lapic(9, 0, MADT_LAPIC_ENABLED);
    put8(1), put8(0);
    end_table();
    parse_ok();

    printed_length = 0;
    madt_print_info(&m, capture);
    assert_lines_fit_80_columns();
    assert_non_null(strstr(printed, "PCAT_COMPAT"));
    assert_non_null(strstr(printed, "0xfffffffffffff000"));
    assert_non_null(strstr(printed, "online-capable"));
    assert_non_null(strstr(printed, "conforming"));
    assert_non_null(strstr(printed, "reserved encoding!"));
    assert_non_null(strstr(printed, "parsing stopped"));

    build_qemu_madt();
    parse_ok();
    printed_length = 0;
    madt_print_info(&m, capture);
    assert_lines_fit_80_columns();
    assert_non_null(strstr(printed, "  ISA    0           2  edge     high      0x0000 conforming\n"));
    assert_non_null(strstr(printed, "  ISA    9           9  level    high      0x000d\n"));

    struct madt_info empty = {0};
    printed_length = 0;
    madt_print_info(&empty, capture);
    assert_non_null(strstr(printed, "not parsed"));
}

/* ---- the system copy ------------------------------------------------------------------------------ */

static void system_copy_and_routing_lookup(void **state)
{
    (void)state;
    build_qemu_madt();
    assert_int_equal(madt_parse_system(b.bytes, b.length), MADT_OK);
    assert_true(madt_system()->valid);
    assert_int_equal(madt_system()->cpu_count, 4);
    uint32_t gsi;
    bool level, low;
    assert_true(madt_isa_irq_to_gsi(0, &gsi, &level, &low));
    assert_int_equal(gsi, 2);
    assert_true(madt_isa_irq_to_gsi(10, &gsi, &level, &low));
    assert_true(level);
}

/* ---- MCFG ---------------------------------------------------------------------------------------- */

static void begin_mcfg(void)
{
    begin_table("MCFG", 1);
    put64(0); /* 8 reserved bytes */
}

static void mcfg_range(uint64_t base, uint16_t segment, uint8_t start, uint8_t end)
{
    put64(base), put16(segment), put8(start), put8(end), put32(0);
}

static void mcfg_one_range_like_q35(void **state)
{
    (void)state;
    begin_mcfg();
    mcfg_range(0xB0000000, 0, 0, 255);
    end_table();
    struct mcfg_info info;
    assert_int_equal(mcfg_parse(b.bytes, b.length, &info), MCFG_OK);
    assert_true(info.valid);
    assert_int_equal(info.count, 1);
    assert_int_equal(info.ranges[0].base, 0xB0000000);
    assert_int_equal(info.ranges[0].segment, 0);
    assert_int_equal(info.ranges[0].start_bus, 0);
    assert_int_equal(info.ranges[0].end_bus, 255);
    assert_int_equal(info.trailing_bytes, 0);
    assert_int_equal(mcfg_ecam_address(&info, 0, 0, 0, 0), 0xB0000000);
    assert_int_equal(mcfg_ecam_address(&info, 0, 0, 31, 0), 0xB00F8000); /* ICH9 LPC 00:1f.0 */
    assert_int_equal(mcfg_ecam_address(&info, 0, 1, 0, 0), 0xB0100000);
    assert_int_equal(mcfg_ecam_address(&info, 0, 255, 31, 7), 0xBFFFF000);
    assert_int_equal(mcfg_ecam_address(&info, 1, 0, 0, 0), 0);  /* no segment 1 */
    assert_int_equal(mcfg_ecam_address(&info, 0, 0, 32, 0), 0); /* no device 32 */
    assert_int_equal(mcfg_ecam_address(&info, 0, 0, 0, 8), 0);  /* no function 8 */
}

static void mcfg_two_ranges(void **state)
{
    (void)state;
    begin_mcfg();
    mcfg_range(0xE0000000, 0, 0, 63);
    mcfg_range(0x4000000000ull, 1, 16, 31); /* bus 0 of segment 1 would be here */
    end_table();
    struct mcfg_info info;
    assert_int_equal(mcfg_parse(b.bytes, b.length, &info), MCFG_OK);
    assert_int_equal(info.count, 2);
    assert_int_equal(info.ranges[1].base, 0x4000000000ull);
    assert_int_equal(info.ranges[1].segment, 1);
    assert_int_equal(mcfg_ecam_address(&info, 0, 63, 0, 0), 0xE0000000 + (63u << 20));
    assert_int_equal(mcfg_ecam_address(&info, 0, 64, 0, 0), 0);
    assert_int_equal(mcfg_ecam_address(&info, 1, 16, 2, 1), 0x4000000000ull + (16u << 20) + (2u << 15) + (1u << 12));
    assert_int_equal(mcfg_ecam_address(&info, 1, 15, 0, 0), 0);
}

static void mcfg_damage(void **state)
{
    (void)state;
    begin_mcfg();
    mcfg_range(0xB0000000, 0, 10, 5); /* start > end: ignored */
    mcfg_range(0xC0000000, 0, 0, 0);
    put8(0xAA), put8(0xBB), put8(0xCC); /* a partial entry */
    end_table();
    struct mcfg_info info;
    assert_int_equal(mcfg_parse(b.bytes, b.length, &info), MCFG_OK);
    assert_int_equal(info.count, 1);
    assert_int_equal(info.invalid, 1);
    assert_int_equal(info.trailing_bytes, 3);
    assert_int_equal(info.ranges[0].base, 0xC0000000);

    begin_mcfg();
    for (unsigned i = 0; i < MCFG_MAX_RANGES + 2; i++)
        mcfg_range(0xC0000000, (uint16_t)i, 0, 0);
    end_table();
    assert_int_equal(mcfg_parse(b.bytes, b.length, &info), MCFG_OK);
    assert_int_equal(info.count, MCFG_MAX_RANGES);
    assert_int_equal(info.dropped, 2);

    begin_mcfg();
    end_table();
    assert_int_equal(mcfg_parse(b.bytes, b.length, &info), MCFG_OK); /* no ranges is legal */
    assert_int_equal(info.count, 0);
    assert_int_equal(mcfg_parse(b.bytes, 40, &info), MCFG_ERR_TOO_SHORT);
    memcpy(b.bytes, "MCFH", 4);
    assert_int_equal(mcfg_parse(b.bytes, b.length, &info), MCFG_ERR_SIGNATURE);
    assert_false(info.valid);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(qemu_madt_is_understood),
        cmocka_unit_test(wrong_signature_or_too_short),
        cmocka_unit_test(disabled_and_online_capable_processors),
        cmocka_unit_test(x2apic_processors),
        cmocka_unit_test(too_many_processors_are_counted),
        cmocka_unit_test(two_ioapics_with_different_gsi_bases),
        cmocka_unit_test(too_many_ioapics_are_counted),
        cmocka_unit_test(lapic_address_override_replaces_header_value),
        cmocka_unit_test(every_polarity_and_trigger_combination),
        cmocka_unit_test(overrides_on_other_buses_do_not_apply_to_isa),
        cmocka_unit_test(nmi_sources),
        cmocka_unit_test(zero_length_entry_stops_parsing),
        cmocka_unit_test(length_one_entry_stops_parsing),
        cmocka_unit_test(entry_running_past_the_end_stops_parsing),
        cmocka_unit_test(short_known_entry_is_skipped),
        cmocka_unit_test(unknown_and_longer_entries_are_skipped_by_length),
        cmocka_unit_test(header_length_and_buffer_length_both_bound_the_walk),
        cmocka_unit_test(print_fits_80_columns),
        cmocka_unit_test(system_copy_and_routing_lookup),
        cmocka_unit_test(mcfg_one_range_like_q35),
        cmocka_unit_test(mcfg_two_ranges),
        cmocka_unit_test(mcfg_damage),
    };
    return cmocka_run_group_tests_name("madt", tests, NULL, NULL);
}
