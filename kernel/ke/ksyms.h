/* kernel/ke/ksyms.h - turn a code address into "function+0x1c".
 * The table is generated at build time from the kernel's own ELF (scripts/gen_ksyms.py). */
#ifndef IRQLAB_KE_KSYMS_H
#define IRQLAB_KE_KSYMS_H

#include <stddef.h>
#include <stdint.h>

/* Name of the function containing `address`, and the offset into it; NULL if unknown. */
const char *ksym_lookup(uint64_t address, uint64_t *offset);
/* Address of a function by exact name, 0 if not found (used by tests and the shell). */
uint64_t ksym_address_of(const char *name);
/* Format "name+0xoff" (or "0x<address>") into buf. Returns buf. */
char *ksym_format(uint64_t address, char *buf, size_t size);

/* Code units (scripts/gen_ksyms.py --map): a driver directory (drivers/<name>) or an object file
 * (tests/ktest/pnp_leak_test). The unit whose code contains `address`, -1 if none. */
int ksym_unit_of(uint64_t address);
/* The unit's name ("drivers/e1000"), "?" for -1. */
const char *ksym_unit_name(int unit);

#endif
