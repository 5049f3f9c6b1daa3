/* arch/x86_64/apic_encode.c - encode and decode APIC register values (no hardware access).
 *
 * Intel SDM Vol. 3A section 11.5.1 (LVT), 11.5.4 (timer divide register), 11.6.1 (ICR),
 * 11.12.9 (x2APIC ICR); Intel 82093AA I/O APIC data sheet section 3.2.4 (redirection table).
 * The layouts are described in apic_encode.h. Built into the kernel and into
 * tests/unit/test_apic_encode.c, so it must stay free of inline assembly and kernel headers.
 */
#include "arch/x86_64/apic_encode.h"

const char *apic_delivery_mode_name(unsigned mode)
{
    switch (mode) {
    case APIC_DELIVERY_FIXED: return "fixed";
    case APIC_DELIVERY_LOWEST: return "lowest";
    case APIC_DELIVERY_SMI: return "SMI";
    case APIC_DELIVERY_NMI: return "NMI";
    case APIC_DELIVERY_INIT: return "INIT";
    case APIC_DELIVERY_STARTUP: return "SIPI";
    case APIC_DELIVERY_EXTINT: return "ExtINT";
    default: return "reserved";
    }
}

struct lapic_lvt lapic_lvt_decode(uint32_t value)
{
    struct lapic_lvt lvt = {
        .vector = (uint8_t)(value & APIC_VECTOR_MASK),
        .delivery_mode = (uint8_t)((value >> APIC_DELIVERY_SHIFT) & 7u),
        .pending = (value & APIC_DELIVERY_PENDING) != 0,
        .active_low = (value & APIC_ACTIVE_LOW) != 0,
        .remote_irr = (value & APIC_REMOTE_IRR) != 0,
        .level_triggered = (value & APIC_LEVEL_TRIGGERED) != 0,
        .masked = (value & APIC_MASKED) != 0,
        .timer_mode = (uint8_t)((value & LAPIC_LVT_TIMER_MODE_MASK) >> 17),
    };
    return lvt;
}

/* The three code bits are "log2(divisor) - 1" (so /2 is 000), except that /1 is 111: it is the
 * value that comes after /128 when the 3-bit code wraps around. Bit 2 of the register is
 * reserved, which is why the top code bit moves up to bit 3. */
uint32_t lapic_timer_divide_encode(uint32_t divisor)
{
    uint32_t code;
    switch (divisor) {
    case 1: code = 7; break;
    case 2: code = 0; break;
    case 4: code = 1; break;
    case 8: code = 2; break;
    case 16: code = 3; break;
    case 32: code = 4; break;
    case 64: code = 5; break;
    case 128: code = 6; break;
    default: return LAPIC_TIMER_DIVIDE_INVALID;
    }
    return (code & 3u) | ((code & 4u) << 1);
}

uint32_t lapic_timer_divide_decode(uint32_t dcr)
{
    uint32_t code = (dcr & 3u) | ((dcr >> 1) & 4u);
    return code == 7 ? 1u : 2u << code;
}

uint32_t lapic_timer_initial_count(uint64_t counts_per_second, uint32_t hz)
{
    if (hz == 0)
        return 0;
    uint64_t count = (counts_per_second + hz / 2) / hz;
    if (count == 0 || count > UINT32_MAX)
        return 0;
    return (uint32_t)count;
}

uint64_t lapic_timer_rate(uint64_t elapsed_counts, uint32_t window_us)
{
    if (window_us == 0)
        return 0;
    /* elapsed_counts < 2^32 in practice, so * 10^6 cannot overflow 64 bits. */
    return (elapsed_counts * 1000000u + window_us / 2) / window_us;
}

uint64_t apic_icr_encode(enum apic_ipi_kind kind, uint8_t vector, uint32_t dest, enum apic_shorthand shorthand,
                         bool x2apic)
{
    uint32_t low;
    switch (kind) {
    case APIC_IPI_FIXED:
        /* Vectors 0-15 are reserved for exceptions; the APIC refuses them ("illegal vector"). */
        if (vector < 16)
            return APIC_ICR_INVALID;
        low = vector | (APIC_DELIVERY_FIXED << APIC_DELIVERY_SHIFT);
        break;
    case APIC_IPI_NMI: low = APIC_DELIVERY_NMI << APIC_DELIVERY_SHIFT; break;
    case APIC_IPI_INIT:
        /* INIT "assert", edge. Modern CPUs need no matching "de-assert" (level = 0, trigger =
         * level), and x2APIC mode does not even allow it (SDM section 11.12.9). */
        low = APIC_DELIVERY_INIT << APIC_DELIVERY_SHIFT;
        break;
    case APIC_IPI_STARTUP:
        /* The "vector" of a SIPI is a page number: the AP starts at CS = vector << 8, IP = 0,
         * i.e. at physical address vector * 4096. */
        low = vector | (APIC_DELIVERY_STARTUP << APIC_DELIVERY_SHIFT);
        break;
    default: return APIC_ICR_INVALID;
    }
    /* SDM Figure 11-12: the level bit must be 1 for every delivery mode except INIT de-assert. */
    low |= APIC_ICR_LEVEL_ASSERT;
    low |= ((uint32_t)shorthand & 3u) << APIC_ICR_SHORTHAND_SHIFT;

    if (shorthand != APIC_SHORTHAND_NONE)
        dest = 0;
    uint64_t high;
    if (x2apic) {
        high = dest;
    } else {
        if (dest > 0xFF)
            return APIC_ICR_INVALID;
        high = (uint64_t)dest << 24;
    }
    return (high << 32) | low;
}

struct apic_icr apic_icr_decode(uint64_t value, bool x2apic)
{
    uint32_t low = (uint32_t)value;
    uint32_t high = (uint32_t)(value >> 32);
    struct apic_icr icr = {
        .vector = (uint8_t)(low & APIC_VECTOR_MASK),
        .delivery_mode = (uint8_t)((low >> APIC_DELIVERY_SHIFT) & 7u),
        .logical = (low & APIC_DEST_LOGICAL) != 0,
        .pending = (low & APIC_DELIVERY_PENDING) != 0,
        .level_assert = (low & APIC_ICR_LEVEL_ASSERT) != 0,
        .level_triggered = (low & APIC_LEVEL_TRIGGERED) != 0,
        .shorthand = (uint8_t)((low >> APIC_ICR_SHORTHAND_SHIFT) & 3u),
        .dest = x2apic ? high : high >> 24,
    };
    return icr;
}

uint64_t ioapic_rte_encode(const struct ioapic_rte *rte)
{
    uint64_t value = rte->vector;
    value |= (uint64_t)(rte->delivery_mode & 7u) << APIC_DELIVERY_SHIFT;
    if (rte->dest_logical)
        value |= APIC_DEST_LOGICAL;
    if (rte->active_low)
        value |= APIC_ACTIVE_LOW;
    if (rte->level_triggered)
        value |= APIC_LEVEL_TRIGGERED;
    if (rte->masked)
        value |= APIC_MASKED;
    value |= (uint64_t)rte->dest << IOAPIC_RTE_DEST_SHIFT;
    return value;
}

struct ioapic_rte ioapic_rte_decode(uint64_t value)
{
    uint32_t low = (uint32_t)value;
    struct ioapic_rte rte = {
        .vector = (uint8_t)(low & APIC_VECTOR_MASK),
        .delivery_mode = (uint8_t)((low >> APIC_DELIVERY_SHIFT) & 7u),
        .dest_logical = (low & APIC_DEST_LOGICAL) != 0,
        .delivery_pending = (low & APIC_DELIVERY_PENDING) != 0,
        .active_low = (low & APIC_ACTIVE_LOW) != 0,
        .remote_irr = (low & APIC_REMOTE_IRR) != 0,
        .level_triggered = (low & APIC_LEVEL_TRIGGERED) != 0,
        .masked = (low & APIC_MASKED) != 0,
        .dest = (uint8_t)(value >> IOAPIC_RTE_DEST_SHIFT),
    };
    return rte;
}
