/* arch/x86_64/acpi.c - RSDP -> XSDT/RSDT -> tables, every checksum verified.
 *
 * Specification: ACPI 6.5 section 5.2.5 (RSDP: signature, the 20-byte checksum, and for
 * revision >= 2 the extended checksum over Length bytes), 5.2.6 (table header and checksum),
 * 5.2.7 (RSDT: 32-bit entries) and 5.2.8 (XSDT: 64-bit entries, preferred when present).
 * See acpi.h for the overview and the ACPI_BIOS_ERROR parameters.
 *
 * The first part is pure (no kernel headers, no inline assembly): tests/unit/test_acpi.c builds
 * it on the host. The kernel side at the bottom is left out of host builds (IRQLAB_HOST_TEST).
 */
#include "arch/x86_64/acpi.h"

/* ---- pure core ------------------------------------------------------------------------------ */

uint8_t acpi_checksum(const void *data, size_t length)
{
    const uint8_t *bytes = data;
    uint8_t sum = 0;
    for (size_t i = 0; i < length; i++)
        sum = (uint8_t)(sum + bytes[i]);
    return sum;
}

static bool acpi_bytes_equal(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/* Signatures go into log lines, so a garbage one must not print control characters. */
static void acpi_copy_printable(char *out, const char *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (in[i] >= 0x20 && in[i] < 0x7F) ? in[i] : '?';
    out[n] = '\0';
}

/* Table entries are not naturally aligned (XSDT entries start at offset 36), so read them
 * byte-wise. x86 and ACPI are both little-endian. */
static uint64_t acpi_read_le(const uint8_t *p, unsigned size)
{
    uint64_t value = 0;
    for (unsigned i = 0; i < size; i++)
        value |= (uint64_t)p[i] << (8 * i);
    return value;
}

enum acpi_status acpi_rsdp_check(const struct acpi_rsdp *rsdp)
{
    if (!acpi_bytes_equal(rsdp->signature, "RSD PTR ", 8))
        return ACPI_ERR_RSDP_SIGNATURE;
    /* The ACPI 1.0 checksum covers only the first 20 bytes, in every revision. */
    if (acpi_checksum(rsdp, ACPI_RSDP_V1_LENGTH) != 0)
        return ACPI_ERR_RSDP_CHECKSUM;
    if (rsdp->revision < 2)
        return ACPI_OK;
    /* ACPI 2.0 added Length, XsdtAddress and a second checksum that covers everything. */
    uint32_t length = rsdp->length;
    if (length < ACPI_RSDP_V2_LENGTH || length > ACPI_RSDP_MAX_LENGTH)
        return ACPI_ERR_RSDP_LENGTH;
    if (acpi_checksum(rsdp, length) != 0)
        return ACPI_ERR_RSDP_EXT_CHECKSUM;
    return ACPI_OK;
}

/* Read and check the table at `phys`; `expected` is the required signature or NULL. Fills
 * `ref` either way, so a rejected table can still be reported by signature and address. */
static enum acpi_table_status acpi_load_table(struct acpi_table_ref *ref, uint64_t phys, const char *expected,
                                              acpi_map_fn map, void *context)
{
    *ref = (struct acpi_table_ref){.signature = "????", .phys = phys};
    if (phys == 0)
        return ref->status = ACPI_TABLE_NULL_ADDRESS;

    /* Map the header first: only it says how long the table is. */
    const struct acpi_sdt_header *header = map(phys, sizeof(*header), context);
    if (!header)
        return ref->status = ACPI_TABLE_UNMAPPABLE;
    acpi_copy_printable(ref->signature, header->signature, 4);
    ref->length = header->length;
    ref->creator_revision = header->creator_revision;

    if (expected && !acpi_bytes_equal(header->signature, expected, 4))
        return ref->status = ACPI_TABLE_BAD_SIGNATURE;
    if (ref->length < sizeof(*header) || ref->length > ACPI_MAX_TABLE_LENGTH)
        return ref->status = ACPI_TABLE_BAD_LENGTH;

    header = map(phys, ref->length, context);
    if (!header)
        return ref->status = ACPI_TABLE_UNMAPPABLE;
    if (acpi_checksum(header, ref->length) != 0)
        return ref->status = ACPI_TABLE_BAD_CHECKSUM;

    ref->header = header;
    return ref->status = ACPI_TABLE_OK;
}

/* Map the RSDP in steps: 20 bytes tell the revision, 36 bytes the Length, then all of it. */
static enum acpi_status acpi_load_rsdp(struct acpi_tables *out, uint64_t phys, acpi_map_fn map, void *context,
                                       const struct acpi_rsdp **result)
{
    if (phys == 0)
        return ACPI_ERR_NO_RSDP;
    const struct acpi_rsdp *rsdp = map(phys, ACPI_RSDP_V1_LENGTH, context);
    if (!rsdp)
        return ACPI_ERR_RSDP_UNMAPPABLE;
    if (rsdp->revision >= 2 && acpi_bytes_equal(rsdp->signature, "RSD PTR ", 8)) {
        rsdp = map(phys, ACPI_RSDP_V2_LENGTH, context);
        if (!rsdp)
            return ACPI_ERR_RSDP_UNMAPPABLE;
        uint32_t length = rsdp->length;
        if (length > ACPI_RSDP_V2_LENGTH && length <= ACPI_RSDP_MAX_LENGTH) {
            rsdp = map(phys, length, context);
            if (!rsdp)
                return ACPI_ERR_RSDP_UNMAPPABLE;
        }
    }
    enum acpi_status status = acpi_rsdp_check(rsdp);
    if (status != ACPI_OK)
        return status;
    out->rsdp_revision = rsdp->revision;
    acpi_copy_printable(out->oem_id, rsdp->oem_id, 6);
    *result = rsdp;
    return ACPI_OK;
}

enum acpi_status acpi_tables_load(struct acpi_tables *out, uint64_t rsdp_phys, acpi_map_fn map, void *context)
{
    *out = (struct acpi_tables){.rsdp_phys = rsdp_phys};

    const struct acpi_rsdp *rsdp = NULL;
    enum acpi_status status = acpi_load_rsdp(out, rsdp_phys, map, context, &rsdp);
    if (status != ACPI_OK)
        return status;

    /* ACPI 6.5 section 5.2.5.3: an OS that understands 64-bit addresses uses the XSDT when the
     * RSDP has one. If it is broken, the RSDT (which firmware keeps for old OSes and which
     * lists the same tables) is the best remaining source; that is what other OSes do too. */
    if (rsdp->revision >= 2 && rsdp->xsdt_address != 0) {
        if (acpi_load_table(&out->xsdt, rsdp->xsdt_address, "XSDT", map, context) == ACPI_TABLE_OK) {
            out->using_xsdt = true;
            out->root = &out->xsdt;
        } else {
            out->xsdt_rejected = true;
        }
    }
    if (!out->root && rsdp->rsdt_address != 0) {
        if (acpi_load_table(&out->rsdt, rsdp->rsdt_address, "RSDT", map, context) == ACPI_TABLE_OK)
            out->root = &out->rsdt;
    }
    if (!out->root)
        return ACPI_ERR_NO_ROOT_TABLE;

    /* The root table is a header followed by an array of 4-byte (RSDT) or 8-byte (XSDT)
     * physical addresses. A ragged tail shorter than one entry is ignored. */
    unsigned entry_size = out->using_xsdt ? 8 : 4;
    const uint8_t *entries = (const uint8_t *)out->root->header + sizeof(struct acpi_sdt_header);
    size_t entry_count = (out->root->length - sizeof(struct acpi_sdt_header)) / entry_size;
    for (size_t i = 0; i < entry_count; i++) {
        if (out->count == ACPI_MAX_TABLES) {
            out->dropped++;
            continue;
        }
        uint64_t phys = acpi_read_le(entries + i * entry_size, entry_size);
        acpi_load_table(&out->tables[out->count++], phys, NULL, map, context);
    }
    return ACPI_OK;
}

const struct acpi_table_ref *acpi_tables_find(const struct acpi_tables *tables, const char *signature, unsigned index)
{
    for (unsigned i = 0; i < tables->count; i++) {
        const struct acpi_table_ref *ref = &tables->tables[i];
        if (ref->status == ACPI_TABLE_OK && acpi_bytes_equal(ref->signature, signature, 4) && index-- == 0)
            return ref;
    }
    return NULL;
}

const struct acpi_table_ref *acpi_tables_find_rejected(const struct acpi_tables *tables, const char *signature)
{
    for (unsigned i = 0; i < tables->count; i++) {
        const struct acpi_table_ref *ref = &tables->tables[i];
        if (ref->status != ACPI_TABLE_OK && acpi_bytes_equal(ref->signature, signature, 4))
            return ref;
    }
    return NULL;
}

const char *acpi_status_text(enum acpi_status status)
{
    switch (status) {
    case ACPI_OK: return "ok";
    case ACPI_ERR_NO_RSDP: return "no RSDP: the loader passed none and the BIOS-area scan found none";
    case ACPI_ERR_RSDP_UNMAPPABLE: return "the RSDP address cannot be mapped";
    case ACPI_ERR_RSDP_SIGNATURE: return "no \"RSD PTR \" signature at the RSDP address";
    case ACPI_ERR_RSDP_CHECKSUM: return "the RSDP checksum (first 20 bytes) is wrong";
    case ACPI_ERR_RSDP_LENGTH: return "the RSDP Length field is impossible";
    case ACPI_ERR_RSDP_EXT_CHECKSUM: return "the RSDP extended checksum is wrong";
    case ACPI_ERR_NO_ROOT_TABLE: return "neither a valid XSDT nor a valid RSDT";
    }
    return "unknown error";
}

const char *acpi_table_status_text(enum acpi_table_status status)
{
    switch (status) {
    case ACPI_TABLE_OK: return "ok";
    case ACPI_TABLE_NULL_ADDRESS: return "listed at address 0";
    case ACPI_TABLE_UNMAPPABLE: return "cannot be mapped";
    case ACPI_TABLE_BAD_SIGNATURE: return "wrong signature";
    case ACPI_TABLE_BAD_LENGTH: return "impossible length";
    case ACPI_TABLE_BAD_CHECKSUM: return "bad checksum";
    }
    return "unknown problem";
}

/* ---- kernel side ---------------------------------------------------------------------------- */
#ifndef IRQLAB_HOST_TEST

#include "arch/x86_64/madt.h"
#include "arch/x86_64/mcfg.h"
#include "include/wdm.h"
#include "kernel/console/console.h"
#include "kernel/console/log.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/lib/format.h"
#include "kernel/main.h"
#include "kernel/mm/paging.h"

static struct acpi_tables acpi_live;
static unsigned acpi_pages_mapped;

#define ACPI_PAGE_SIZE 4096ull

/* ACPI tables live in RAM the memory map calls "ACPI reclaimable" or "reserved". The kernel's
 * page tables (kernel/mm/paging.c) may not map every such page, so each page of a table is
 * checked and, if absent, mapped at the same virtual address (uncached: slower than needed for
 * RAM, but tables are read once). Physical == virtual, so the returned pointer is just `phys`.
 * Runs after paging_init() (kernel_main step 4). */
static const void *acpi_map_live(uint64_t phys, size_t length, void *context)
{
    (void)context;
    if (phys == 0 || length == 0 || phys + length < phys)
        return NULL;
    for (uint64_t page = phys & ~(ACPI_PAGE_SIZE - 1); page < phys + length; page += ACPI_PAGE_SIZE) {
        if (paging_is_mapped(page, false))
            continue;
        if (!paging_map_mmio(page, ACPI_PAGE_SIZE))
            return NULL;
        acpi_pages_mapped++;
    }
    return (const void *)(uintptr_t)phys;
}

const struct acpi_tables *acpi_system_tables(void) { return &acpi_live; }

const struct acpi_sdt_header *acpi_find_table(const char *signature)
{
    const struct acpi_table_ref *ref = acpi_tables_find(&acpi_live, signature, 0);
    return ref ? ref->header : NULL;
}

static void acpi_report_rejected(const struct acpi_table_ref *ref, const char *what)
{
    log_error("ACPI: %s \"%s\" at 0x%llx (length %u): %s - ignored", what, ref->signature,
              (unsigned long long)ref->phys, ref->length, acpi_table_status_text(ref->status));
}

/* Where boot_info.rsdp_address came from (kernel/boot/bootinfo.c). */
static const char *acpi_rsdp_source_text(void)
{
    switch (boot_info.rsdp_source) {
    case RSDP_FROM_MULTIBOOT2_V2: return "Multiboot2's copy, ACPI 2.0+ tag";
    case RSDP_FROM_MULTIBOOT2_V1: return "Multiboot2's copy, ACPI 1.0 tag";
    case RSDP_FROM_PVH: return "from PVH start_info";
    case RSDP_FROM_BIOS_SCAN: return "found by the BIOS-area scan";
    case RSDP_NONE: break;
    }
    return "no source";
}

static void acpi_load_live_tables(void)
{
    uint64_t rsdp = boot_info.rsdp_address;
    enum acpi_status status = acpi_tables_load(&acpi_live, rsdp, acpi_map_live, NULL);

    if (acpi_live.xsdt_rejected) {
        acpi_report_rejected(&acpi_live.xsdt, "root table");
        if (acpi_live.root)
            log_warn("ACPI: using the RSDT at 0x%llx instead of the broken XSDT",
                     (unsigned long long)acpi_live.rsdt.phys);
    }
    if (acpi_live.rsdt.phys && acpi_live.rsdt.status != ACPI_TABLE_OK)
        acpi_report_rejected(&acpi_live.rsdt, "root table");
    if (status != ACPI_OK || !acpi_live.root) {
        log_error("ACPI: RSDP at 0x%llx: %s", (unsigned long long)rsdp, acpi_status_text(status));
        uint64_t root = acpi_live.xsdt.phys ? acpi_live.xsdt.phys : acpi_live.rsdt.phys;
        KeBugCheckEx(ACPI_BIOS_ERROR, ACPI_BUGCHECK_NO_RSDP_OR_XSDT, rsdp, root, status);
    }

    log_debug("ACPI: RSDP revision %u (OEM \"%s\") at 0x%llx (%s) -> %s at 0x%llx, %u tables", acpi_live.rsdp_revision,
              acpi_live.oem_id, (unsigned long long)rsdp, acpi_rsdp_source_text(),
              acpi_live.using_xsdt ? "XSDT" : "RSDT", (unsigned long long)acpi_live.root->phys, acpi_live.count);
    for (unsigned i = 0; i < acpi_live.count; i++) {
        const struct acpi_table_ref *ref = &acpi_live.tables[i];
        if (ref->status == ACPI_TABLE_OK)
            log_debug("ACPI:   %s at 0x%llx, %u bytes", ref->signature, (unsigned long long)ref->phys, ref->length);
        else
            acpi_report_rejected(ref, "table");
    }
    if (acpi_live.dropped)
        log_warn("ACPI: the root table lists %u more tables than irqlab keeps (%d); they are ignored",
                 acpi_live.dropped, ACPI_MAX_TABLES);
    if (acpi_pages_mapped)
        log_debug("ACPI: mapped %u firmware-table pages the kernel page tables did not cover", acpi_pages_mapped);
}

static void acpi_load_madt(void)
{
    const struct acpi_table_ref *ref = acpi_tables_find(&acpi_live, "APIC", 0);
    if (!ref) {
        const struct acpi_table_ref *bad = acpi_tables_find_rejected(&acpi_live, "APIC");
        if (bad) {
            log_error("ACPI: the only MADT (\"APIC\") is broken; irqlab cannot route interrupts without it");
            KeBugCheckEx(ACPI_BIOS_ERROR, ACPI_BUGCHECK_CANNOT_START_ACPI, ACPI_BUGCHECK_BAD_TABLE_CHECKSUM, bad->phys,
                         bad->creator_revision);
        }
        log_error("ACPI: no MADT (\"APIC\") table; irqlab cannot find its CPUs and IOAPICs without it");
        KeBugCheckEx(ACPI_BIOS_ERROR, ACPI_BUGCHECK_CANNOT_START_ACPI, ACPI_BUGCHECK_NO_MADT, 0, 0);
    }

    enum madt_status status = madt_parse_system(ref->header, ref->length);
    const struct madt_info *madt = madt_system();
    if (status != MADT_OK) {
        log_error("ACPI: MADT at 0x%llx: %s", (unsigned long long)ref->phys, madt_status_text(status));
        KeBugCheckEx(ACPI_BIOS_ERROR, ACPI_BUGCHECK_CANNOT_START_ACPI, ACPI_BUGCHECK_NO_MADT, 0, 0);
    }
    if (madt->stopped_early)
        log_warn("ACPI: MADT entry at offset %u has length %u (type %u), which %s; the entries after it are ignored",
                 madt->stop_offset, madt->stop_length, madt->stop_type,
                 madt->stop_length < 2 ? "is impossible" : "runs past the end of the table");
    if (madt->short_entries)
        log_warn("ACPI: %u MADT entries were shorter than their type requires and were skipped", madt->short_entries);
    if (madt->lapics_dropped || madt->ioapics_dropped || madt->overrides_dropped || madt->nmis_dropped)
        log_warn(
            "ACPI: the MADT has more entries than irqlab keeps (%u CPUs, %u IOAPICs, %u overrides, %u NMIs dropped)",
            madt->lapics_dropped, madt->ioapics_dropped, madt->overrides_dropped, madt->nmis_dropped);
    if (madt->cpu_count == 0) {
        log_error("ACPI: the MADT lists no enabled processor");
        KeBugCheckEx(ACPI_BIOS_ERROR, ACPI_BUGCHECK_CANNOT_START_ACPI, ACPI_BUGCHECK_NO_LOCAL_APIC, ref->phys, 0);
    }
    if (madt->ioapic_count == 0)
        log_warn("ACPI: the MADT lists no IOAPIC; device interrupts can only come through the 8259 or MSI");
}

static void acpi_load_mcfg(void)
{
    const struct acpi_table_ref *ref = acpi_tables_find(&acpi_live, "MCFG", 0);
    if (!ref) {
        /* Normal on -machine pc: the i440FX has no PCI Express, so no ECAM window. */
        log_debug("ACPI: no MCFG table: PCI configuration space only through ports 0xCF8/0xCFC");
        return;
    }
    enum mcfg_status status = mcfg_parse_system(ref->header, ref->length);
    if (status != MCFG_OK) {
        log_error("ACPI: MCFG at 0x%llx: %s - ignored", (unsigned long long)ref->phys, mcfg_status_text(status));
        return;
    }
    const struct mcfg_info *mcfg = mcfg_system();
    for (unsigned i = 0; i < mcfg->count; i++)
        log_info("ACPI: MCFG: PCI segment %u, buses %u-%u: ECAM at 0x%llx", mcfg->ranges[i].segment,
                 mcfg->ranges[i].start_bus, mcfg->ranges[i].end_bus, (unsigned long long)mcfg->ranges[i].base);
    if (mcfg->invalid || mcfg->dropped)
        log_warn("ACPI: MCFG: %u ranges ignored (start bus > end bus), %u dropped (more than %d)", mcfg->invalid,
                 mcfg->dropped, MCFG_MAX_RANGES);
}

/* "ACPI: 4 CPUs, 1 IOAPIC (id 0 @ 0xfec00000, GSI 0-), 5 overrides". The IOAPICs' last GSI is
 * left open: only the IOAPIC itself knows its pin count (arch/x86_64/ioapic.c reads it). */
static void acpi_log_summary(void)
{
    const struct madt_info *madt = madt_system();
    char line[200];
    size_t n = ksnprintf(line, sizeof(line), "%u CPU%s", madt->cpu_count, madt->cpu_count == 1 ? "" : "s");
    if (madt->online_capable_count)
        n += ksnprintf(line + n, sizeof(line) - n, " (+%u hot-pluggable)", madt->online_capable_count);
    n += ksnprintf(line + n, sizeof(line) - n, ", %u IOAPIC%s", madt->ioapic_count, madt->ioapic_count == 1 ? "" : "s");
    for (unsigned i = 0; i < madt->ioapic_count && n < sizeof(line); i++) {
        if (i == 3) {
            n += ksnprintf(line + n, sizeof(line) - n, "; ...");
            break;
        }
        n += ksnprintf(line + n, sizeof(line) - n, "%sid %u @ 0x%x, GSI %u-", i == 0 ? " (" : "; ", madt->ioapics[i].id,
                       madt->ioapics[i].address, madt->ioapics[i].gsi_base);
    }
    if (madt->ioapic_count && n < sizeof(line))
        n += ksnprintf(line + n, sizeof(line) - n, ")");
    if (n < sizeof(line))
        ksnprintf(line + n, sizeof(line) - n, ", %u override%s", madt->override_count,
                  madt->override_count == 1 ? "" : "s");
    log_info("ACPI: %s", line);
}

void acpi_print(void)
{
    const struct acpi_tables *t = &acpi_live;
    if (!t->root) {
        console_printf("ACPI: no usable tables\n");
        return;
    }
    console_printf("RSDP revision %u, OEM \"%s\", at 0x%llx (%s)\n", t->rsdp_revision, t->oem_id,
                   (unsigned long long)t->rsdp_phys, acpi_rsdp_source_text());
    if (t->xsdt_rejected)
        console_printf("  XSDT at 0x%llx rejected: %s\n", (unsigned long long)t->xsdt.phys,
                       acpi_table_status_text(t->xsdt.status));
    console_printf("  %s at 0x%llx lists %u tables%s\n", t->using_xsdt ? "XSDT" : "RSDT",
                   (unsigned long long)t->root->phys, t->count + t->dropped, t->dropped ? " (some dropped)" : "");
    console_printf("  table  address             length  status\n");
    for (unsigned i = 0; i < t->count; i++) {
        const struct acpi_table_ref *ref = &t->tables[i];
        console_printf("  %-4s   0x%016llx  %6u  %s\n", ref->signature, (unsigned long long)ref->phys, ref->length,
                       ref->status == ACPI_TABLE_OK ? "ok" : acpi_table_status_text(ref->status));
    }
}

void acpi_init(void)
{
    acpi_load_live_tables();
    acpi_load_madt();
    acpi_load_mcfg();
    acpi_log_summary();
}

#endif /* !IRQLAB_HOST_TEST */
