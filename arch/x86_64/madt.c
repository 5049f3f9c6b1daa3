/* arch/x86_64/madt.c - parse the MADT (ACPI 6.5 section 5.2.12) into struct madt_info.
 *
 * The MADT is a 44-byte fixed part (the common ACPI header, the LAPIC address, flags) followed
 * by a list of variable-length entries. Every entry starts with two bytes: its type and its
 * length *including those two bytes*. The length is what lets an old OS skip entry types it does
 * not know - and it is also the one field a broken table can use to send a naive parser into an
 * endless loop (length 0) or past the end of the table. Here a length below 2, or one that runs
 * past the end, stops the walk; a known type that is too short for its fields is skipped.
 *
 * Everything above the "kernel side" line is pure: tests/unit/test_madt.c builds it on the host.
 */
#include "arch/x86_64/madt.h"

#include "arch/x86_64/acpi.h"

/* ---- table layout (ACPI 6.5 section 5.2.12 and subsections) ----------------------------------- */

struct madt_fixed {
    struct acpi_sdt_header header; /* signature "APIC" */
    uint32_t lapic_address;        /* 32-bit physical address of every CPU's local APIC */
    uint32_t flags;                /* MADT_FLAG_PCAT_COMPAT */
} __attribute__((packed));

struct madt_entry_header {
    uint8_t type;
    uint8_t length; /* of the whole entry, these two bytes included */
} __attribute__((packed));

struct madt_entry_lapic { /* type 0, section 5.2.12.2 */
    struct madt_entry_header h;
    uint8_t acpi_uid;
    uint8_t apic_id;
    uint32_t flags; /* MADT_LAPIC_ENABLED, MADT_LAPIC_ONLINE_CAPABLE */
} __attribute__((packed));

struct madt_entry_ioapic { /* type 1, section 5.2.12.3 */
    struct madt_entry_header h;
    uint8_t id;
    uint8_t reserved;
    uint32_t address;
    uint32_t gsi_base;
} __attribute__((packed));

struct madt_entry_override { /* type 2, section 5.2.12.5 */
    struct madt_entry_header h;
    uint8_t bus; /* 0 = ISA */
    uint8_t source_irq;
    uint32_t gsi;
    uint16_t flags; /* MPS INTI flags */
} __attribute__((packed));

struct madt_entry_nmi_source { /* type 3, section 5.2.12.6 */
    struct madt_entry_header h;
    uint16_t flags;
    uint32_t gsi;
} __attribute__((packed));

struct madt_entry_lapic_nmi { /* type 4, section 5.2.12.7 */
    struct madt_entry_header h;
    uint8_t acpi_uid; /* 0xFF = all processors */
    uint16_t flags;
    uint8_t lint;
} __attribute__((packed));

struct madt_entry_lapic_address { /* type 5, section 5.2.12.8 */
    struct madt_entry_header h;
    uint16_t reserved;
    uint64_t address;
} __attribute__((packed));

struct madt_entry_x2apic { /* type 9, section 5.2.12.12 */
    struct madt_entry_header h;
    uint16_t reserved;
    uint32_t x2apic_id;
    uint32_t flags;
    uint32_t acpi_uid;
} __attribute__((packed));

struct madt_entry_x2apic_nmi { /* type 10, section 5.2.12.13 */
    struct madt_entry_header h;
    uint16_t flags;
    uint32_t acpi_uid; /* 0xFFFFFFFF = all processors */
    uint8_t lint;
    uint8_t reserved[3];
} __attribute__((packed));

_Static_assert(sizeof(struct madt_fixed) == 44, "MADT fixed part");
_Static_assert(sizeof(struct madt_entry_lapic) == 8, "type 0");
_Static_assert(sizeof(struct madt_entry_ioapic) == 12, "type 1");
_Static_assert(sizeof(struct madt_entry_override) == 10, "type 2");
_Static_assert(sizeof(struct madt_entry_nmi_source) == 8, "type 3");
_Static_assert(sizeof(struct madt_entry_lapic_nmi) == 6, "type 4");
_Static_assert(sizeof(struct madt_entry_lapic_address) == 12, "type 5");
_Static_assert(sizeof(struct madt_entry_x2apic) == 16, "type 9");
_Static_assert(sizeof(struct madt_entry_x2apic_nmi) == 12, "type 10");

/* The MADT revision from which the Online Capable flag exists (ACPI 6.3); before it, bit 1 of
 * the Local APIC flags was reserved and must be ignored. */
#define MADT_REVISION_ONLINE_CAPABLE 5

/* ---- pure core ------------------------------------------------------------------------------ */

struct madt_inti madt_decode_inti(uint16_t flags)
{
    unsigned polarity = flags & MADT_INTI_POLARITY_MASK;
    unsigned trigger = (flags & MADT_INTI_TRIGGER_MASK) >> 2;
    /* Each 2-bit field: 00 = conforms to the bus (ISA: active high, edge), 01 = active high /
     * edge, 11 = active low / level, 10 = reserved (treated like 00, but remembered). */
    struct madt_inti inti = {
        .raw = flags,
        .level = trigger == 3,
        .active_low = polarity == 3,
        .reserved_value = polarity == 2 || trigger == 2,
    };
    return inti;
}

static void madt_add_lapic(struct madt_info *out, uint32_t apic_id, uint32_t acpi_uid, uint32_t flags, bool x2apic)
{
    bool enabled = (flags & MADT_LAPIC_ENABLED) != 0;
    bool online_capable =
        !enabled && (flags & MADT_LAPIC_ONLINE_CAPABLE) && out->revision >= MADT_REVISION_ONLINE_CAPABLE;
    if (!enabled && !online_capable) {
        out->disabled_count++; /* a slot for a CPU that is not there (QEMU: -smp N,maxcpus=M) */
        return;
    }
    if (madt_find_lapic(out, apic_id)) {
        out->duplicate_lapics++; /* e.g. the same CPU as both type 0 and type 9 */
        return;
    }
    if (out->lapic_count == MADT_MAX_LAPICS) {
        out->lapics_dropped++;
        return;
    }
    out->lapics[out->lapic_count++] = (struct madt_lapic){.apic_id = apic_id,
                                                          .acpi_uid = acpi_uid,
                                                          .enabled = enabled,
                                                          .online_capable = online_capable,
                                                          .x2apic = x2apic};
    if (enabled)
        out->cpu_count++;
    else
        out->online_capable_count++;
}

static void madt_add_lapic_nmi(struct madt_info *out, uint32_t acpi_uid, bool all, uint8_t lint, uint16_t flags,
                               bool x2apic)
{
    if (out->lapic_nmi_count == MADT_MAX_LAPIC_NMIS) {
        out->nmis_dropped++;
        return;
    }
    out->lapic_nmis[out->lapic_nmi_count++] = (struct madt_lapic_nmi){
        .acpi_uid = acpi_uid, .all_processors = all, .lint = lint, .flags = madt_decode_inti(flags), .x2apic = x2apic};
}

/* Minimum entry length per type; 0 = a type irqlab does not read. */
static uint8_t madt_entry_min_length(uint8_t type)
{
    switch (type) {
    case MADT_TYPE_LOCAL_APIC: return sizeof(struct madt_entry_lapic);
    case MADT_TYPE_IOAPIC: return sizeof(struct madt_entry_ioapic);
    case MADT_TYPE_INTERRUPT_OVERRIDE: return sizeof(struct madt_entry_override);
    case MADT_TYPE_NMI_SOURCE: return sizeof(struct madt_entry_nmi_source);
    case MADT_TYPE_LOCAL_APIC_NMI: return sizeof(struct madt_entry_lapic_nmi);
    case MADT_TYPE_LOCAL_APIC_ADDRESS_OVERRIDE: return sizeof(struct madt_entry_lapic_address);
    case MADT_TYPE_LOCAL_X2APIC: return sizeof(struct madt_entry_x2apic);
    case MADT_TYPE_LOCAL_X2APIC_NMI: return sizeof(struct madt_entry_x2apic_nmi);
    default: return 0;
    }
}

/* One entry whose length has been checked against the table end and against its type. */
static void madt_parse_entry(struct madt_info *out, const void *entry, uint8_t type)
{
    switch (type) {
    case MADT_TYPE_LOCAL_APIC: {
        const struct madt_entry_lapic *e = entry;
        madt_add_lapic(out, e->apic_id, e->acpi_uid, e->flags, false);
        break;
    }
    case MADT_TYPE_LOCAL_X2APIC: {
        const struct madt_entry_x2apic *e = entry;
        madt_add_lapic(out, e->x2apic_id, e->acpi_uid, e->flags, true);
        break;
    }
    case MADT_TYPE_IOAPIC: {
        const struct madt_entry_ioapic *e = entry;
        if (out->ioapic_count == MADT_MAX_IOAPICS) {
            out->ioapics_dropped++;
            break;
        }
        out->ioapics[out->ioapic_count++] =
            (struct madt_ioapic){.id = e->id, .address = e->address, .gsi_base = e->gsi_base};
        break;
    }
    case MADT_TYPE_INTERRUPT_OVERRIDE: {
        const struct madt_entry_override *e = entry;
        if (out->override_count == MADT_MAX_OVERRIDES) {
            out->overrides_dropped++;
            break;
        }
        out->overrides[out->override_count++] = (struct madt_override){
            .bus = e->bus, .source_irq = e->source_irq, .gsi = e->gsi, .flags = madt_decode_inti(e->flags)};
        break;
    }
    case MADT_TYPE_NMI_SOURCE: {
        const struct madt_entry_nmi_source *e = entry;
        if (out->nmi_source_count == MADT_MAX_NMI_SOURCES) {
            out->nmis_dropped++;
            break;
        }
        out->nmi_sources[out->nmi_source_count++] =
            (struct madt_nmi_source){.gsi = e->gsi, .flags = madt_decode_inti(e->flags)};
        break;
    }
    case MADT_TYPE_LOCAL_APIC_NMI: {
        const struct madt_entry_lapic_nmi *e = entry;
        madt_add_lapic_nmi(out, e->acpi_uid, e->acpi_uid == 0xFF, e->lint, e->flags, false);
        break;
    }
    case MADT_TYPE_LOCAL_X2APIC_NMI: {
        const struct madt_entry_x2apic_nmi *e = entry;
        madt_add_lapic_nmi(out, e->acpi_uid, e->acpi_uid == 0xFFFFFFFFu, e->lint, e->flags, true);
        break;
    }
    case MADT_TYPE_LOCAL_APIC_ADDRESS_OVERRIDE: {
        /* A 64-bit LAPIC address; when present it replaces the header's 32-bit one. */
        const struct madt_entry_lapic_address *e = entry;
        out->lapic_address = e->address;
        out->lapic_address_overridden = true;
        break;
    }
    default: break;
    }
}

enum madt_status madt_parse(const void *table, size_t length, struct madt_info *out)
{
    *out = (struct madt_info){0};
    const struct madt_fixed *fixed = table;
    if (length < sizeof(*fixed))
        return MADT_ERR_TOO_SHORT;
    const char *sig = fixed->header.signature;
    if (sig[0] != 'A' || sig[1] != 'P' || sig[2] != 'I' || sig[3] != 'C')
        return MADT_ERR_SIGNATURE;
    /* Never read past what the caller can vouch for, nor past what the table claims. */
    size_t end = fixed->header.length < length ? fixed->header.length : length;
    if (end < sizeof(*fixed))
        return MADT_ERR_TOO_SHORT;

    out->revision = fixed->header.revision;
    out->lapic_address_32 = fixed->lapic_address;
    out->lapic_address = fixed->lapic_address;
    out->flags = fixed->flags;
    out->pcat_compat = (fixed->flags & MADT_FLAG_PCAT_COMPAT) != 0;

    const uint8_t *bytes = table;
    size_t offset = sizeof(*fixed);
    while (offset < end) {
        /* Each pass either stops or advances by >= 2 bytes, so the walk always ends. */
        uint8_t type = bytes[offset];
        uint8_t entry_length = end - offset >= 2 ? bytes[offset + 1] : 0;
        if (entry_length < sizeof(struct madt_entry_header) || entry_length > end - offset) {
            out->stopped_early = true;
            out->stop_offset = (uint32_t)offset;
            out->stop_type = type;
            out->stop_length = entry_length;
            break;
        }
        uint8_t min_length = madt_entry_min_length(type);
        if (min_length == 0)
            out->unknown_entries++;
        else if (entry_length < min_length)
            out->short_entries++;
        else
            madt_parse_entry(out, bytes + offset, type);
        offset += entry_length;
    }
    out->valid = true;
    return MADT_OK;
}

const char *madt_status_text(enum madt_status status)
{
    switch (status) {
    case MADT_OK: return "ok";
    case MADT_ERR_TOO_SHORT: return "shorter than the 44-byte MADT header";
    case MADT_ERR_SIGNATURE: return "signature is not \"APIC\"";
    }
    return "unknown error";
}

bool madt_lookup_isa_irq(const struct madt_info *madt, unsigned irq, uint32_t *gsi, bool *level, bool *active_low)
{
    if (irq > 15)
        return false;
    for (unsigned i = 0; i < madt->override_count; i++) {
        const struct madt_override *o = &madt->overrides[i];
        if (o->bus == 0 && o->source_irq == irq) {
            *gsi = o->gsi;
            *level = o->flags.level;
            *active_low = o->flags.active_low;
            return true;
        }
    }
    /* No override: ISA IRQ n is GSI n, edge, active high (ACPI 6.5 section 5.2.12.5) - unless
     * another IRQ was moved onto GSI n, in which case nothing is wired to IRQ n's pin for it.
     * (On PCs IRQ 2 is the 8259 cascade, and GSI 2 carries the timer, IRQ 0.) */
    for (unsigned i = 0; i < madt->override_count; i++) {
        const struct madt_override *o = &madt->overrides[i];
        if (o->bus == 0 && o->gsi == irq && o->source_irq != irq)
            return false;
    }
    *gsi = irq;
    *level = false;
    *active_low = false;
    return true;
}

const struct madt_ioapic *madt_ioapic_for_gsi(const struct madt_info *madt, uint32_t gsi)
{
    const struct madt_ioapic *best = NULL;
    for (unsigned i = 0; i < madt->ioapic_count; i++) {
        const struct madt_ioapic *io = &madt->ioapics[i];
        if (io->gsi_base <= gsi && (!best || io->gsi_base > best->gsi_base))
            best = io;
    }
    return best;
}

const struct madt_lapic *madt_find_lapic(const struct madt_info *madt, uint32_t apic_id)
{
    for (unsigned i = 0; i < madt->lapic_count; i++)
        if (madt->lapics[i].apic_id == apic_id)
            return &madt->lapics[i];
    return NULL;
}

/* What a flags word left to the bus ("conforming"), for the printout; with a leading space. */
static const char *madt_inti_note(const struct madt_inti *inti)
{
    if (inti->reserved_value)
        return " reserved encoding!";
    bool polarity_conforms = (inti->raw & MADT_INTI_POLARITY_MASK) == MADT_INTI_CONFORMS;
    bool trigger_conforms = (inti->raw & MADT_INTI_TRIGGER_MASK) == MADT_INTI_CONFORMS;
    if (polarity_conforms && trigger_conforms)
        return " conforming";
    if (polarity_conforms)
        return " polarity conforming";
    if (trigger_conforms)
        return " trigger conforming";
    return "";
}

/* Every line below is at most 80 columns wide (tests/unit/test_madt.c checks it). */
void madt_print_info(const struct madt_info *madt, madt_printf_fn print)
{
    if (!madt->valid) {
        print("MADT: not parsed (no usable ACPI \"APIC\" table)\n");
        return;
    }
    print("MADT revision %u\n", madt->revision);
    print("  local APIC address  0x%llx%s\n", (unsigned long long)madt->lapic_address,
          madt->lapic_address_overridden ? " (64-bit override entry)" : "");
    print("  flags               0x%08x%s\n", madt->flags,
          madt->pcat_compat ? " PCAT_COMPAT: a dual 8259 is present" : "");

    print("Processors: %u enabled, %u hot-pluggable, %u empty slots\n", madt->cpu_count, madt->online_capable_count,
          madt->disabled_count);
    print("     APIC ID    ACPI UID  state           entry\n");
    for (unsigned i = 0; i < madt->lapic_count; i++) {
        const struct madt_lapic *l = &madt->lapics[i];
        print("  %10u  %10u  %-14s  %s\n", l->apic_id, l->acpi_uid, l->enabled ? "enabled" : "online-capable",
              l->x2apic ? "x2APIC (type 9)" : "LAPIC (type 0)");
    }

    print("IOAPICs: %u\n", madt->ioapic_count);
    if (madt->ioapic_count)
        print("   id  address       GSI base\n");
    for (unsigned i = 0; i < madt->ioapic_count; i++)
        print("  %3u  0x%08x  %10u\n", madt->ioapics[i].id, madt->ioapics[i].address, madt->ioapics[i].gsi_base);

    print("Interrupt source overrides: %u (other ISA IRQs: GSI = IRQ, edge, high)\n", madt->override_count);
    if (madt->override_count)
        print("  bus  IRQ         GSI  trigger  polarity  flags\n");
    for (unsigned i = 0; i < madt->override_count; i++) {
        const struct madt_override *o = &madt->overrides[i];
        const char *trigger = o->flags.level ? "level" : "edge";
        const char *polarity = o->flags.active_low ? "low" : "high";
        if (o->bus == 0)
            print("  ISA  %3u  %10u  %-7s  %-8s  0x%04x%s\n", o->source_irq, o->gsi, trigger, polarity, o->flags.raw,
                  madt_inti_note(&o->flags));
        else
            print("  %3u  %3u  %10u  %-7s  %-8s  0x%04x%s\n", o->bus, o->source_irq, o->gsi, trigger, polarity,
                  o->flags.raw, madt_inti_note(&o->flags));
    }

    print("NMI sources: %u\n", madt->nmi_source_count);
    if (madt->nmi_source_count)
        print("         GSI  trigger  polarity  flags\n");
    for (unsigned i = 0; i < madt->nmi_source_count; i++) {
        const struct madt_nmi_source *n = &madt->nmi_sources[i];
        print("  %10u  %-7s  %-8s  0x%04x%s\n", n->gsi, n->flags.level ? "level" : "edge",
              n->flags.active_low ? "low" : "high", n->flags.raw, madt_inti_note(&n->flags));
    }

    print("Local APIC NMI inputs: %u\n", madt->lapic_nmi_count);
    if (madt->lapic_nmi_count)
        print("  processor UID  LINT  trigger  polarity  flags\n");
    for (unsigned i = 0; i < madt->lapic_nmi_count; i++) {
        const struct madt_lapic_nmi *n = &madt->lapic_nmis[i];
        if (n->all_processors)
            print("  %13s  %4u  %-7s  %-8s  0x%04x%s\n", "all", n->lint, n->flags.level ? "level" : "edge",
                  n->flags.active_low ? "low" : "high", n->flags.raw, madt_inti_note(&n->flags));
        else
            print("  %13u  %4u  %-7s  %-8s  0x%04x%s\n", n->acpi_uid, n->lint, n->flags.level ? "level" : "edge",
                  n->flags.active_low ? "low" : "high", n->flags.raw, madt_inti_note(&n->flags));
    }

    if (madt->unknown_entries || madt->short_entries || madt->duplicate_lapics)
        print("Skipped: %u entries of other types, %u too short, %u duplicate APIC IDs\n", madt->unknown_entries,
              madt->short_entries, madt->duplicate_lapics);
    if (madt->lapics_dropped || madt->ioapics_dropped || madt->overrides_dropped || madt->nmis_dropped)
        print("Dropped (tables full): %u CPUs, %u IOAPICs, %u overrides, %u NMI entries\n", madt->lapics_dropped,
              madt->ioapics_dropped, madt->overrides_dropped, madt->nmis_dropped);
    if (madt->stopped_early)
        print("Damaged: entry at offset %u (type %u) has length %u; parsing stopped there\n", madt->stop_offset,
              madt->stop_type, madt->stop_length);
}

/* ---- the live table ------------------------------------------------------------------------- */

static struct madt_info madt_system_info;

enum madt_status madt_parse_system(const void *table, size_t length)
{
    return madt_parse(table, length, &madt_system_info);
}

const struct madt_info *madt_system(void) { return &madt_system_info; }

bool madt_isa_irq_to_gsi(unsigned irq, uint32_t *gsi, bool *level, bool *active_low)
{
    return madt_lookup_isa_irq(&madt_system_info, irq, gsi, level, active_low);
}

/* ---- kernel side ---------------------------------------------------------------------------- */
#ifndef IRQLAB_HOST_TEST

#include "kernel/console/console.h"

void madt_print(void) { madt_print_info(&madt_system_info, console_printf); }

#endif /* !IRQLAB_HOST_TEST */
