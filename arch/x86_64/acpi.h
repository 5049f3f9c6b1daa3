/* arch/x86_64/acpi.h - finding the firmware's ACPI tables: RSDP -> XSDT or RSDT -> every table.
 *
 * Specification: ACPI 6.5, section 5.2.5 (Root System Description Pointer), 5.2.6 (System
 * Description Table Header), 5.2.7 (RSDT) and 5.2.8 (XSDT).
 *
 * The firmware leaves a small tree of tables in memory. Its root, the RSDP, is found by the
 * loader (or by scanning the BIOS area, kernel/boot/bootinfo.c); it points at one root table
 * (the 32-bit RSDT of ACPI 1.0, or the 64-bit XSDT of ACPI 2.0+), which is an array of physical
 * addresses of the other tables. Each table starts with the same 36-byte header: a 4-letter
 * signature ("APIC" = MADT, "MCFG", "FACP", "HPET", ...), a length and a checksum byte chosen
 * so that all bytes of the table add up to 0 (mod 256).
 *
 * irqlab trusts nothing it has not checked: a table whose checksum or length is wrong is
 * reported (with its signature and address) and then ignored, as if it were not there.
 *
 * Two layers:
 *   * a pure core (acpi_tables_load, acpi_tables_find, ...) that walks the tree through a
 *     caller-supplied "map" function. It has no kernel dependencies, so tests/unit/test_acpi.c
 *     runs it on the host against synthetic tables.
 *   * the kernel side (acpi_init, acpi_find_table): reads the live tables and parses the MADT
 *     (arch/x86_64/madt.h) and MCFG (arch/x86_64/mcfg.h) for the interrupt and PCI code.
 *
 * When the tables are unusable, acpi_init() stops the system with bug check ACPI_BIOS_ERROR
 * (0xA5). Parameter 1 says why; the values are Windows' own (learn.microsoft.com, "Bug Check
 * 0xA5: ACPI_BIOS_ERROR"), with irqlab's use of the other parameters stated next to each:
 *
 *   P1 = 0x1000A  "The RSDP or XSDT could not be located": no RSDP, a broken RSDP, or neither a
 *                 valid XSDT nor a valid RSDT behind it. Windows leaves P2-P4 zero; irqlab
 *                 fills them: P2 = physical address of the RSDP (0 if none was found),
 *                 P3 = physical address of the root table it tried (0 if none),
 *                 P4 = enum acpi_status (below) saying what was wrong.
 *   P1 = 0x11     "The system could not enter ACPI mode", detail in P2:
 *       P2 = 0x7  "The table checksum is incorrect": the MADT exists but its checksum (or
 *                 length) is wrong. P3 = physical address of that table, P4 = its Creator
 *                 Revision (both as Windows defines them).
 *       P2 = 0xA  "The system could not find MADT". P3 = P4 = 0.
 *       P2 = 0xB  "The system could not find any valid Local (S)APIC structures in the MADT":
 *                 not one enabled processor. irqlab sets P3 = physical address of the MADT,
 *                 P4 = 0.
 */
#ifndef IRQLAB_ARCH_ACPI_H
#define IRQLAB_ARCH_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bug check ACPI_BIOS_ERROR (0xA5) parameter values used by acpi_init(); see above. */
#define ACPI_BUGCHECK_NO_RSDP_OR_XSDT 0x1000Au
#define ACPI_BUGCHECK_CANNOT_START_ACPI 0x11u
#define ACPI_BUGCHECK_BAD_TABLE_CHECKSUM 0x7u /* P2 under 0x11 */
#define ACPI_BUGCHECK_NO_MADT 0xAu            /* P2 under 0x11 */
#define ACPI_BUGCHECK_NO_LOCAL_APIC 0xBu      /* P2 under 0x11 */

/* ACPI 6.5 section 5.2.5.3: the RSDP. Revision 0 (ACPI 1.0) ends after rsdt_address (20 bytes);
 * revision 2 and later add the fields after it (36 bytes). */
struct acpi_rsdp {
    char signature[8]; /* "RSD PTR " (with the trailing space) */
    uint8_t checksum;  /* first 20 bytes sum to 0 */
    char oem_id[6];
    uint8_t revision;      /* 0 = ACPI 1.0, 2 = ACPI 2.0 and later */
    uint32_t rsdt_address; /* physical address of the RSDT */
    /* revision >= 2 only: */
    uint32_t length;           /* of this structure: 36 */
    uint64_t xsdt_address;     /* physical address of the XSDT */
    uint8_t extended_checksum; /* all `length` bytes sum to 0 */
    uint8_t reserved[3];
} __attribute__((packed));

#define ACPI_RSDP_V1_LENGTH 20u
#define ACPI_RSDP_V2_LENGTH 36u
#define ACPI_RSDP_MAX_LENGTH 1024u /* anything longer is treated as a corrupt Length field */

/* ACPI 6.5 section 5.2.6: the header every System Description Table starts with. */
struct acpi_sdt_header {
    char signature[4]; /* "APIC", "MCFG", "FACP", ... (not NUL-terminated) */
    uint32_t length;   /* of the whole table, header included */
    uint8_t revision;
    uint8_t checksum; /* all `length` bytes sum to 0 */
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    uint32_t creator_id;
    uint32_t creator_revision;
} __attribute__((packed));

_Static_assert(sizeof(struct acpi_rsdp) == 36, "ACPI 6.5 section 5.2.5.3");
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "ACPI 6.5 section 5.2.6");

/* A table longer than this is taken to have a corrupt Length (real ones are < 1 MiB). */
#define ACPI_MAX_TABLE_LENGTH (16u << 20)
/* How many tables the root table may list before the rest are dropped (QEMU has ~8). */
#define ACPI_MAX_TABLES 64

/* Make [phys, phys + length) readable and return a pointer to it, or NULL if impossible.
 * The kernel identity-maps it; host tests translate into a buffer. */
typedef const void *(*acpi_map_fn)(uint64_t phys, size_t length, void *context);

/* What was found at one table address. */
enum acpi_table_status {
    ACPI_TABLE_OK = 0,
    ACPI_TABLE_NULL_ADDRESS,  /* the root table lists address 0 */
    ACPI_TABLE_UNMAPPABLE,    /* the map function refused the address */
    ACPI_TABLE_BAD_SIGNATURE, /* root tables only: not "RSDT"/"XSDT" */
    ACPI_TABLE_BAD_LENGTH,    /* shorter than its header or longer than ACPI_MAX_TABLE_LENGTH */
    ACPI_TABLE_BAD_CHECKSUM,  /* bytes do not sum to 0 */
};

struct acpi_table_ref {
    char signature[5];         /* NUL-terminated; '?' for unprintable bytes */
    uint64_t phys;             /* physical address from the root table */
    uint32_t length;           /* from the header (0 if it could not be read) */
    uint32_t creator_revision; /* from the header, for ACPI_BIOS_ERROR 0x11/0x7 */
    enum acpi_table_status status;
    const struct acpi_sdt_header *header; /* NULL unless status == ACPI_TABLE_OK */
};

/* Why acpi_tables_load() failed as a whole. */
enum acpi_status {
    ACPI_OK = 0,
    ACPI_ERR_NO_RSDP, /* RSDP address is 0 */
    ACPI_ERR_RSDP_UNMAPPABLE,
    ACPI_ERR_RSDP_SIGNATURE,    /* not "RSD PTR " */
    ACPI_ERR_RSDP_CHECKSUM,     /* first 20 bytes do not sum to 0 */
    ACPI_ERR_RSDP_LENGTH,       /* revision >= 2 but Length < 36 or > ACPI_RSDP_MAX_LENGTH */
    ACPI_ERR_RSDP_EXT_CHECKSUM, /* revision >= 2: the `Length` bytes do not sum to 0 */
    ACPI_ERR_NO_ROOT_TABLE,     /* neither a valid XSDT nor a valid RSDT */
};

/* Everything the root table leads to. */
struct acpi_tables {
    uint64_t rsdp_phys;
    uint8_t rsdp_revision;
    char oem_id[7];                    /* from the RSDP, NUL-terminated */
    struct acpi_table_ref xsdt;        /* phys == 0 if the RSDP names none */
    struct acpi_table_ref rsdt;        /* phys == 0 if the RSDP names none / not tried */
    bool using_xsdt;                   /* the tables below came from the XSDT */
    bool xsdt_rejected;                /* an XSDT was named but was broken: RSDT used */
    const struct acpi_table_ref *root; /* xsdt or rsdt above, whichever was used */
    struct acpi_table_ref tables[ACPI_MAX_TABLES];
    unsigned count;   /* entries in tables[], good and bad */
    unsigned dropped; /* root-table entries beyond ACPI_MAX_TABLES */
};

/* ---- pure core (host-testable) ------------------------------------------------------------ */

/* Sum of `length` bytes modulo 256; a valid ACPI structure sums to 0. */
uint8_t acpi_checksum(const void *data, size_t length);

/* Check an RSDP in memory (it must be readable for ACPI_RSDP_V1_LENGTH bytes, and for its
 * Length if revision >= 2). Returns ACPI_OK or one of the ACPI_ERR_RSDP_* values. */
enum acpi_status acpi_rsdp_check(const struct acpi_rsdp *rsdp);

/* Walk RSDP -> XSDT (revision >= 2 and XsdtAddress != 0) or RSDT -> tables, checking every
 * checksum. A broken XSDT falls back to the RSDT. Broken tables are kept in out->tables with
 * their status (so the caller can report them) but acpi_tables_find() never returns them. */
enum acpi_status acpi_tables_load(struct acpi_tables *out, uint64_t rsdp_phys, acpi_map_fn map, void *context);

/* The index-th (0 = first) valid table with this 4-letter signature, or NULL. */
const struct acpi_table_ref *acpi_tables_find(const struct acpi_tables *tables, const char *signature, unsigned index);
/* The first table with this signature that was listed but rejected, or NULL. */
const struct acpi_table_ref *acpi_tables_find_rejected(const struct acpi_tables *tables, const char *signature);

/* Short English text for log lines. */
const char *acpi_status_text(enum acpi_status status);
const char *acpi_table_status_text(enum acpi_table_status status);

/* ---- kernel side ---------------------------------------------------------------------------- */

/* Find and check the live tables from boot_info.rsdp_address, parse the MADT (required) and
 * MCFG (optional), log a one-line summary. Bug checks ACPI_BIOS_ERROR when there is no usable
 * RSDP/root table/MADT (parameters above). */
void acpi_init(void);

/* The first valid live table with this signature ("APIC", "MCFG", ...), or NULL. */
const struct acpi_sdt_header *acpi_find_table(const char *signature);

/* The live tables as found by acpi_init() (for the `acpi` shell command and tests). */
const struct acpi_tables *acpi_system_tables(void);

/* Print the RSDP, the root table and every table with its status (at most 80 columns). */
void acpi_print(void);

#endif
