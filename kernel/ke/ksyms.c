/* kernel/ke/ksyms.c - binary search in the generated symbol table. */
#include "kernel/ke/ksyms.h"

#include "kernel/lib/format.h"
#include "kernel/lib/string.h"

extern const uint64_t ksym_count;
extern const uint64_t ksym_addresses[];
extern const uint32_t ksym_sizes[];
extern const uint32_t ksym_name_offsets[];
extern const char ksym_names[];
extern const char __text_start[], __text_end[];
extern const uint64_t ksym_unit_range_count;
extern const uint64_t ksym_unit_starts[], ksym_unit_ends[];
extern const uint16_t ksym_unit_of_range[];
extern const uint32_t ksym_unit_count;
extern const uint32_t ksym_unit_name_offsets[];
extern const char ksym_unit_names[];

const char *ksym_lookup(uint64_t address, uint64_t *offset)
{
    if (ksym_count == 0 || address < ksym_addresses[0] || address >= (uint64_t)(uintptr_t)__text_end)
        return NULL;
    /* Largest index whose address <= the one we look for. */
    uint64_t lo = 0, hi = ksym_count - 1;
    while (lo < hi) {
        uint64_t mid = (lo + hi + 1) / 2;
        if (ksym_addresses[mid] <= address)
            lo = mid;
        else
            hi = mid - 1;
    }
    uint64_t off = address - ksym_addresses[lo];
    /* A sized symbol must contain the address; an unsized one (assembly) ends at the next. */
    if (ksym_sizes[lo] && off >= ksym_sizes[lo] && lo + 1 < ksym_count)
        return NULL;
    if (offset)
        *offset = off;
    return ksym_names + ksym_name_offsets[lo];
}

uint64_t ksym_address_of(const char *name)
{
    for (uint64_t i = 0; i < ksym_count; i++)
        if (strcmp(ksym_names + ksym_name_offsets[i], name) == 0)
            return ksym_addresses[i];
    return 0;
}

char *ksym_format(uint64_t address, char *buf, size_t size)
{
    uint64_t offset;
    const char *name = ksym_lookup(address, &offset);
    if (name)
        ksnprintf(buf, size, "%s+0x%lx", name, (unsigned long)offset);
    else
        ksnprintf(buf, size, "0x%016lx", (unsigned long)address);
    return buf;
}

int ksym_unit_of(uint64_t address)
{
    if (ksym_unit_range_count == 0 || address < ksym_unit_starts[0])
        return -1;
    uint64_t lo = 0, hi = ksym_unit_range_count - 1; /* the last range starting <= address */
    while (lo < hi) {
        uint64_t mid = (lo + hi + 1) / 2;
        if (ksym_unit_starts[mid] <= address)
            lo = mid;
        else
            hi = mid - 1;
    }
    return address < ksym_unit_ends[lo] ? ksym_unit_of_range[lo] : -1;
}

const char *ksym_unit_name(int unit)
{
    return unit >= 0 && (uint32_t)unit < ksym_unit_count ? ksym_unit_names + ksym_unit_name_offsets[unit] : "?";
}
