/* arch/x86_64/madt.h - the MADT ("APIC" table): which CPUs, IOAPICs and interrupt wiring exist.
 *
 * Specification: ACPI 6.5 section 5.2.12 (Multiple APIC Description Table) and its
 * subsections 5.2.12.2 (Processor Local APIC), 5.2.12.3 (I/O APIC), 5.2.12.5 (Interrupt Source
 * Override), 5.2.12.6 (NMI Source), 5.2.12.7 (Local APIC NMI), 5.2.12.8 (Local APIC Address
 * Override), 5.2.12.12 (Processor Local x2APIC), 5.2.12.13 (Local x2APIC NMI). The "MPS INTI
 * flags" are defined with the Interrupt Source Override (5.2.12.5) and come from the Intel
 * MultiProcessor Specification 1.4, Table 4-10.
 *
 * Background for a first reading. A PC has one *local APIC* (LAPIC) inside every CPU, which
 * receives interrupts for that CPU, and one or more *IOAPICs* on the chipset, each with a row
 * of input pins (24 on QEMU) that devices' interrupt lines are wired to. ACPI numbers all IOAPIC
 * pins of the machine in one space, the *Global System Interrupts* (GSIs): an IOAPIC whose
 * "GSI base" is 24 owns GSI 24, 25, ... on its pins 0, 1, ... The 16 old ISA IRQs (timer = 0,
 * keyboard = 1, COM1 = 4, ...) are assumed to be wired to GSI 0-15 one-to-one, edge-triggered
 * and active-high, *unless* an Interrupt Source Override says otherwise (on QEMU and most PCs
 * the timer, IRQ 0, is on GSI 2, and the PCI-shared IRQs 5/9/10/11 are level-triggered).
 *
 * madt_parse() is pure (host-tested by tests/unit/test_madt.c). The kernel parses the live
 * table once (acpi_init -> madt_parse_system) and everything else reads madt_system().
 */
#ifndef IRQLAB_ARCH_MADT_H
#define IRQLAB_ARCH_MADT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MADT_MAX_LAPICS 256 /* CPUs kept (enabled or online-capable); QEMU pc allows 255 */
#define MADT_MAX_IOAPICS 16
#define MADT_MAX_OVERRIDES 32 /* 16 ISA IRQs, with room for odd firmware */
#define MADT_MAX_NMI_SOURCES 8
#define MADT_MAX_LAPIC_NMIS 8

/* MADT flags (ACPI 6.5 section 5.2.12, "Multiple APIC Flags"). */
#define MADT_FLAG_PCAT_COMPAT 0x1u /* a dual 8259 is present and must be masked to use the APICs */

/* Interrupt Controller Structure types (ACPI 6.5 section 5.2.12) that irqlab reads. */
enum madt_entry_type {
    MADT_TYPE_LOCAL_APIC = 0,
    MADT_TYPE_IOAPIC = 1,
    MADT_TYPE_INTERRUPT_OVERRIDE = 2,
    MADT_TYPE_NMI_SOURCE = 3,
    MADT_TYPE_LOCAL_APIC_NMI = 4,
    MADT_TYPE_LOCAL_APIC_ADDRESS_OVERRIDE = 5,
    MADT_TYPE_LOCAL_X2APIC = 9,
    MADT_TYPE_LOCAL_X2APIC_NMI = 10,
};

/* Local APIC flags (ACPI 6.5 section 5.2.12.2). */
#define MADT_LAPIC_ENABLED 0x1u
#define MADT_LAPIC_ONLINE_CAPABLE 0x2u /* only meaningful when not enabled, MADT revision >= 5 */

/* MPS INTI flags (ACPI 6.5 section 5.2.12.5), as found in overrides and NMI entries.
 *   bits 1:0 polarity: 00 conforms to the bus, 01 active high, 10 reserved, 11 active low
 *   bits 3:2 trigger:  00 conforms to the bus, 01 edge,        10 reserved, 11 level
 * "Conforms to the bus" means: whatever is normal for the bus the source is on. For the ISA
 * bus (the only bus MADT overrides name) that is edge-triggered, active-high. */
#define MADT_INTI_POLARITY_MASK 0x3u
#define MADT_INTI_TRIGGER_MASK 0xCu
#define MADT_INTI_CONFORMS 0x0u

/* Decoded flags. `level` and `active_low` are exactly the IOAPIC redirection-entry bits they
 * become (bit 15: 1 = level-triggered; bit 13: 1 = active low), so routing code can use them
 * directly. "Conforming" (and the reserved encoding) are resolved to the ISA default. */
struct madt_inti {
    uint16_t raw;        /* the flags word as the firmware wrote it */
    bool level;          /* false = edge-triggered */
    bool active_low;     /* false = active high */
    bool reserved_value; /* the firmware used a reserved encoding (10b) */
};

/* One processor (type 0, or type 9 for x2APIC IDs). */
struct madt_lapic {
    uint32_t apic_id;    /* what CPUID and the LAPIC ID register report */
    uint32_t acpi_uid;   /* the ACPI processor UID, used by the LAPIC NMI entries */
    bool enabled;        /* usable now */
    bool online_capable; /* not enabled, but may be hot-added later */
    bool x2apic;         /* came from an x2APIC (type 9) entry */
};

/* One IOAPIC (type 1). */
struct madt_ioapic {
    uint8_t id;        /* its APIC ID, as in the IOAPIC's own ID register */
    uint32_t address;  /* physical address of its registers (IOREGSEL; IOWIN at +0x10) */
    uint32_t gsi_base; /* the GSI of its pin 0; the pin count is in its VER register */
};

/* "ISA IRQ source_irq is wired to GSI gsi with these flags" (type 2). */
struct madt_override {
    uint8_t bus; /* always 0 = ISA */
    uint8_t source_irq;
    uint32_t gsi;
    struct madt_inti flags;
};

/* A GSI that is wired to NMI rather than to a device (type 3). */
struct madt_nmi_source {
    uint32_t gsi;
    struct madt_inti flags;
};

/* A LAPIC input pin (LINT0/LINT1) that is wired to NMI (type 4, or type 10 for x2APIC). */
struct madt_lapic_nmi {
    uint32_t acpi_uid;   /* which processor; see all_processors */
    bool all_processors; /* UID 0xFF (type 4) or 0xFFFFFFFF (type 10) */
    uint8_t lint;        /* 0 = LINT0, 1 = LINT1 */
    struct madt_inti flags;
    bool x2apic;
};

struct madt_info {
    bool valid;                    /* madt_parse returned MADT_OK */
    uint8_t revision;              /* of the MADT itself (header) */
    uint64_t lapic_address;        /* where every CPU sees its own LAPIC (override applied) */
    uint32_t lapic_address_32;     /* the header's 32-bit value */
    bool lapic_address_overridden; /* a type 5 entry replaced it */
    uint32_t flags;
    bool pcat_compat; /* MADT_FLAG_PCAT_COMPAT: an 8259 pair is present */

    struct madt_lapic lapics[MADT_MAX_LAPICS]; /* in table order; enabled and online-capable */
    unsigned lapic_count;                      /* entries in lapics[] */
    unsigned cpu_count;                        /* of those, enabled: the CPUs the machine has now */
    unsigned online_capable_count;             /* of those, not enabled but hot-pluggable */
    unsigned disabled_count;                   /* entries neither enabled nor online-capable (not kept) */
    unsigned duplicate_lapics;                 /* entries repeating an APIC ID already seen (not kept) */

    struct madt_ioapic ioapics[MADT_MAX_IOAPICS];
    unsigned ioapic_count;
    struct madt_override overrides[MADT_MAX_OVERRIDES];
    unsigned override_count;
    struct madt_nmi_source nmi_sources[MADT_MAX_NMI_SOURCES];
    unsigned nmi_source_count;
    struct madt_lapic_nmi lapic_nmis[MADT_MAX_LAPIC_NMIS];
    unsigned lapic_nmi_count;

    /* More entries than the arrays hold: counted, not kept. */
    unsigned lapics_dropped, ioapics_dropped, overrides_dropped, nmis_dropped;

    /* Damage found while walking the entries. */
    unsigned unknown_entries; /* types irqlab does not use (GIC, ...), skipped */
    unsigned short_entries;   /* known type but shorter than that type needs, skipped */
    bool stopped_early;       /* an entry length of 0/1 or one past the end: parsing stopped */
    uint32_t stop_offset;     /* ... at this offset from the start of the table */
    uint8_t stop_type, stop_length;
};

enum madt_status {
    MADT_OK = 0,
    MADT_ERR_TOO_SHORT, /* shorter than the 44-byte fixed part */
    MADT_ERR_SIGNATURE, /* not "APIC" */
};

/* Parse a MADT in memory. `length` is how many bytes are readable (the caller has checked the
 * checksum over the header's Length); the smaller of it and the header's Length is used. Bad
 * entries never make it loop or read past the end: see stopped_early/short_entries. */
enum madt_status madt_parse(const void *table, size_t length, struct madt_info *out);
const char *madt_status_text(enum madt_status status);

/* Decode MPS INTI flags, resolving "conforming" to the ISA defaults (edge, active high). */
struct madt_inti madt_decode_inti(uint16_t flags);

/* Where ISA IRQ `irq` (0-15) arrives: the override's GSI and flags, or GSI == irq, edge,
 * active high. Returns false if irq > 15, or if that IRQ has no pin of its own because another
 * IRQ was overridden onto its GSI (IRQ 2 on QEMU: its GSI carries the timer). */
bool madt_lookup_isa_irq(const struct madt_info *madt, unsigned irq, uint32_t *gsi, bool *level, bool *active_low);

/* The IOAPIC whose GSI range should contain `gsi` (the one with the highest base <= gsi), or
 * NULL. Whether the pin really exists needs the pin count from the IOAPIC itself. */
const struct madt_ioapic *madt_ioapic_for_gsi(const struct madt_info *madt, uint32_t gsi);

/* The enabled (or online-capable) processor with this APIC ID, or NULL. */
const struct madt_lapic *madt_find_lapic(const struct madt_info *madt, uint32_t apic_id);

/* Print the table for a person, every line at most 80 columns, through a printf-like
 * function (console_printf in the kernel; a buffer in the unit tests). */
typedef void (*madt_printf_fn)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void madt_print_info(const struct madt_info *madt, madt_printf_fn print);

/* ---- the live table ------------------------------------------------------------------------- */

/* Parse `table` into the system copy (acpi_init does this once). */
enum madt_status madt_parse_system(const void *table, size_t length);
/* The system copy; all zero (valid == false) before acpi_init(). */
const struct madt_info *madt_system(void);
/* madt_lookup_isa_irq on the system copy: what the IOAPIC routing code calls. */
bool madt_isa_irq_to_gsi(unsigned irq, uint32_t *gsi, bool *level, bool *active_low);
/* madt_print_info(madt_system(), console_printf): for the `madt` shell command. Kernel only. */
void madt_print(void);

#endif
