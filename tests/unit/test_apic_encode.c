/* tests/unit/test_apic_encode.c - host tests of the APIC bit layouts (no hardware).
 * unit-sources: arch/x86_64/apic_encode.c arch/x86_64/pit_rate.c
 *
 * Expected values come straight from the documents, not from the code under test:
 * Intel SDM Vol. 3A Figure 11-8 (LVT), Figure 11-10 (divide configuration), Figure 11-12 and
 * the MP-initialization example in section 9.4.4.1 (ICR 0x000C4500 INIT, 0x000C46XX SIPI),
 * section 11.12.9 (x2APIC ICR); the 82093AA data sheet section 3.2.4 (RTE) and the reset value
 * QEMU reports for an RTE (0x0000000000010000, masked: QEMU 7.2 `info ioapic` after reset).
 * Also the PIT and TSC arithmetic from arch/x86_64/pit.h and kernel/ke/time.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "arch/x86_64/apic_encode.h"
#include "arch/x86_64/pit.h"
#include "kernel/ke/time.h"

/* ---- ICR ------------------------------------------------------------------------------------ */

static void icr_fixed_xapic(void **state)
{
    (void)state;
    /* vector 0x31, fixed, physical, level=assert, edge, no shorthand, dest 3 in ICR[63:56] */
    assert_int_equal(apic_icr_encode(APIC_IPI_FIXED, 0x31, 3, APIC_SHORTHAND_NONE, false), 0x0300000000004031ull);
    assert_int_equal(apic_icr_encode(APIC_IPI_FIXED, 0xE1, 0xFF, APIC_SHORTHAND_NONE, false), 0xFF000000000040E1ull);
}

static void icr_fixed_x2apic(void **state)
{
    (void)state;
    /* x2APIC: the destination is the whole upper half, 32 bits. */
    assert_int_equal(apic_icr_encode(APIC_IPI_FIXED, 0x31, 3, APIC_SHORTHAND_NONE, true), 0x0000000300004031ull);
    assert_int_equal(apic_icr_encode(APIC_IPI_FIXED, 0xE1, 0x12345, APIC_SHORTHAND_NONE, true), 0x00012345000040E1ull);
}

static void icr_shorthands(void **state)
{
    (void)state;
    /* self = 01, all-including-self = 10, all-but-self = 11 in bits 19:18; dest forced to 0 */
    assert_int_equal(apic_icr_encode(APIC_IPI_FIXED, 0x40, 7, APIC_SHORTHAND_SELF, false), 0x0000000000044040ull);
    assert_int_equal(apic_icr_encode(APIC_IPI_FIXED, 0x40, 7, APIC_SHORTHAND_ALL, false), 0x0000000000084040ull);
    assert_int_equal(apic_icr_encode(APIC_IPI_FIXED, 0xE1, 7, APIC_SHORTHAND_ALL_BUT_SELF, false),
                     0x00000000000C40E1ull);
    assert_int_equal(apic_icr_encode(APIC_IPI_FIXED, 0xE1, 7, APIC_SHORTHAND_ALL_BUT_SELF, true),
                     0x00000000000C40E1ull);
}

static void icr_nmi_init_sipi(void **state)
{
    (void)state;
    /* NMI: delivery mode 100, level assert */
    assert_int_equal(apic_icr_encode(APIC_IPI_NMI, 0x99, 2, APIC_SHORTHAND_NONE, false), 0x0200000000004400ull);
    /* INIT assert: 0x4500 (the SDM's broadcast example is 0x000C4500) */
    assert_int_equal(apic_icr_encode(APIC_IPI_INIT, 0, 1, APIC_SHORTHAND_NONE, false), 0x0100000000004500ull);
    assert_int_equal(apic_icr_encode(APIC_IPI_INIT, 0, 0, APIC_SHORTHAND_ALL_BUT_SELF, false), 0x00000000000C4500ull);
    /* SIPI to page 8 (AP starts at 0x8000): 0x4608 */
    assert_int_equal(apic_icr_encode(APIC_IPI_STARTUP, 0x08, 1, APIC_SHORTHAND_NONE, false), 0x0100000000004608ull);
    assert_int_equal(apic_icr_encode(APIC_IPI_STARTUP, 0x9F, 300, APIC_SHORTHAND_NONE, true), 0x0000012C0000469Full);
}

static void icr_rejects_impossible(void **state)
{
    (void)state;
    /* fixed vectors 0-15 are illegal */
    assert_int_equal(apic_icr_encode(APIC_IPI_FIXED, 0x0F, 1, APIC_SHORTHAND_NONE, false), APIC_ICR_INVALID);
    assert_int_equal(apic_icr_encode(APIC_IPI_FIXED, 0x00, 0, APIC_SHORTHAND_SELF, true), APIC_ICR_INVALID);
    /* an xAPIC destination has 8 bits */
    assert_int_equal(apic_icr_encode(APIC_IPI_FIXED, 0x31, 256, APIC_SHORTHAND_NONE, false), APIC_ICR_INVALID);
    assert_int_equal(apic_icr_encode(APIC_IPI_NMI, 0, 0x1000, APIC_SHORTHAND_NONE, false), APIC_ICR_INVALID);
    /* ... but a shorthand ignores the destination */
    assert_int_not_equal(apic_icr_encode(APIC_IPI_FIXED, 0x31, 256, APIC_SHORTHAND_SELF, false), APIC_ICR_INVALID);
    /* NMI/INIT ignore the vector, so vector 0 is fine for them */
    assert_int_not_equal(apic_icr_encode(APIC_IPI_INIT, 0, 0, APIC_SHORTHAND_NONE, false), APIC_ICR_INVALID);
}

static void icr_decode_roundtrip(void **state)
{
    (void)state;
    struct apic_icr icr = apic_icr_decode(0x0300000000004031ull, false);
    assert_int_equal(icr.vector, 0x31);
    assert_int_equal(icr.delivery_mode, APIC_DELIVERY_FIXED);
    assert_int_equal(icr.dest, 3);
    assert_true(icr.level_assert);
    assert_false(icr.level_triggered);
    assert_false(icr.logical);
    assert_int_equal(icr.shorthand, APIC_SHORTHAND_NONE);

    icr = apic_icr_decode(apic_icr_encode(APIC_IPI_STARTUP, 0x10, 0xABCDE, APIC_SHORTHAND_NONE, true), true);
    assert_int_equal(icr.delivery_mode, APIC_DELIVERY_STARTUP);
    assert_int_equal(icr.vector, 0x10);
    assert_int_equal(icr.dest, 0xABCDE);

    icr = apic_icr_decode(0x00000000000C4500ull | APIC_DELIVERY_PENDING, false);
    assert_true(icr.pending);
    assert_int_equal(icr.shorthand, APIC_SHORTHAND_ALL_BUT_SELF);
    assert_int_equal(icr.delivery_mode, APIC_DELIVERY_INIT);
}

/* ---- IOAPIC redirection entries ---------------------------------------------------------- */

static void rte_reset_value_decodes_masked(void **state)
{
    (void)state;
    struct ioapic_rte rte = ioapic_rte_decode(0x0000000000010000ull);
    assert_true(rte.masked);
    assert_false(rte.level_triggered);
    assert_false(rte.active_low);
    assert_int_equal(rte.vector, 0);
    assert_int_equal(rte.dest, 0);
    assert_int_equal(rte.delivery_mode, APIC_DELIVERY_FIXED);
}

static void rte_encode_known_values(void **state)
{
    (void)state;
    /* PCI INTx on QEMU pc: level, active high, vector 0x41 to APIC 0, unmasked */
    struct ioapic_rte pci = {.vector = 0x41, .level_triggered = true, .dest = 0};
    assert_int_equal(ioapic_rte_encode(&pci), 0x0000000000008041ull);
    /* level (15) + active low (13) + masked (16), vector 0x3A, dest 2 in bits 63:56 */
    struct ioapic_rte low = {.vector = 0x3A, .level_triggered = true, .active_low = true, .masked = true, .dest = 2};
    assert_int_equal(ioapic_rte_encode(&low), 0x020000000001A03Aull);
    /* read-only fields are never written */
    struct ioapic_rte ro = {.vector = 0x50, .remote_irr = true, .delivery_pending = true, .dest = 0xFF};
    assert_int_equal(ioapic_rte_encode(&ro), 0xFF00000000000050ull);
    /* logical destination mode, lowest priority */
    struct ioapic_rte lp = {.vector = 0x60, .delivery_mode = APIC_DELIVERY_LOWEST, .dest_logical = true, .dest = 0x0F};
    assert_int_equal(ioapic_rte_encode(&lp), 0x0F00000000000960ull);
}

static void rte_decode_every_field(void **state)
{
    (void)state;
    /* vector 0xB7, ExtINT (111), logical, delivery pending, low, remote IRR, level, masked, dest 0xA5 */
    uint64_t v =
        0xA5000000000000B7ull | (7u << 8) | (1u << 11) | (1u << 12) | (1u << 13) | (1u << 14) | (1u << 15) | (1u << 16);
    struct ioapic_rte rte = ioapic_rte_decode(v);
    assert_int_equal(rte.vector, 0xB7);
    assert_int_equal(rte.delivery_mode, APIC_DELIVERY_EXTINT);
    assert_true(rte.dest_logical);
    assert_true(rte.delivery_pending);
    assert_true(rte.active_low);
    assert_true(rte.remote_irr);
    assert_true(rte.level_triggered);
    assert_true(rte.masked);
    assert_int_equal(rte.dest, 0xA5);
    /* encode(decode(v)) drops only the read-only bits 12 and 14 */
    assert_int_equal(ioapic_rte_encode(&rte), v & ~((1ull << 12) | (1ull << 14)));
}

/* ---- LVT -------------------------------------------------------------------------------------- */

static void lvt_decode(void **state)
{
    (void)state;
    /* SeaBIOS leaves LINT0 = 0x8700 (ExtINT, level) and LINT1 = 0x8400 (NMI) on the BSP */
    struct lapic_lvt lint0 = lapic_lvt_decode(0x8700);
    assert_int_equal(lint0.delivery_mode, APIC_DELIVERY_EXTINT);
    assert_true(lint0.level_triggered);
    assert_false(lint0.masked);
    struct lapic_lvt lint1 = lapic_lvt_decode(0x8400);
    assert_int_equal(lint1.delivery_mode, APIC_DELIVERY_NMI);
    /* periodic timer on 0xD1 */
    struct lapic_lvt timer = lapic_lvt_decode(0x000200D1);
    assert_int_equal(timer.vector, 0xD1);
    assert_int_equal(timer.timer_mode, 1);
    assert_false(timer.masked);
    struct lapic_lvt masked = lapic_lvt_decode(0x000100FE);
    assert_true(masked.masked);
    assert_int_equal(masked.timer_mode, 0);
    assert_string_equal(apic_delivery_mode_name(APIC_DELIVERY_NMI), "NMI");
    assert_string_equal(apic_delivery_mode_name(3), "reserved");
}

/* ---- timer arithmetic -------------------------------------------------------------------- */

static void timer_divide_encode(void **state)
{
    (void)state;
    /* SDM Figure 11-10 */
    assert_int_equal(lapic_timer_divide_encode(2), 0x0);
    assert_int_equal(lapic_timer_divide_encode(4), 0x1);
    assert_int_equal(lapic_timer_divide_encode(8), 0x2);
    assert_int_equal(lapic_timer_divide_encode(16), 0x3);
    assert_int_equal(lapic_timer_divide_encode(32), 0x8);
    assert_int_equal(lapic_timer_divide_encode(64), 0x9);
    assert_int_equal(lapic_timer_divide_encode(128), 0xA);
    assert_int_equal(lapic_timer_divide_encode(1), 0xB);
    assert_int_equal(lapic_timer_divide_encode(0), LAPIC_TIMER_DIVIDE_INVALID);
    assert_int_equal(lapic_timer_divide_encode(3), LAPIC_TIMER_DIVIDE_INVALID);
    assert_int_equal(lapic_timer_divide_encode(256), LAPIC_TIMER_DIVIDE_INVALID);
    for (uint32_t d = 1; d <= 128; d *= 2)
        assert_int_equal(lapic_timer_divide_decode(lapic_timer_divide_encode(d)), d);
    /* bit 2 is reserved and ignored on decode */
    assert_int_equal(lapic_timer_divide_decode(0x3 | 0x4), 16);
}

static void timer_initial_count(void **state)
{
    (void)state;
    /* QEMU: 1 GHz / 16 = 62.5 MHz; 100 Hz -> 625000 counts per period */
    assert_int_equal(lapic_timer_initial_count(62500000, 100), 625000);
    assert_int_equal(lapic_timer_initial_count(62500000, 1000), 62500);
    /* rounding to nearest: 100 / 3 = 33.3 -> 33, 200 / 3 = 66.7 -> 67 */
    assert_int_equal(lapic_timer_initial_count(100, 3), 33);
    assert_int_equal(lapic_timer_initial_count(200, 3), 67);
    /* impossible requests */
    assert_int_equal(lapic_timer_initial_count(62500000, 0), 0);
    assert_int_equal(lapic_timer_initial_count(10, 1000), 0);              /* rounds to 0 */
    assert_int_equal(lapic_timer_initial_count(1000000000ull * 16, 1), 0); /* > 32 bits */
    assert_int_equal(lapic_timer_initial_count(0xFFFFFFFFull, 1), 0xFFFFFFFFu);
}

static void timer_rate(void **state)
{
    (void)state;
    /* 625000 counts in 10 ms = 62.5 MHz */
    assert_int_equal(lapic_timer_rate(625000, 10000), 62500000);
    assert_int_equal(lapic_timer_rate(0xFFFFFFFFull, 1000000), 0xFFFFFFFFull);
    assert_int_equal(lapic_timer_rate(5, 0), 0);
}

static void vector_register_and_bit(void **state)
{
    (void)state;
    assert_int_equal(lapic_vector_reg(LAPIC_REG_IRR0, 0x00), 0x200);
    assert_int_equal(lapic_vector_reg(LAPIC_REG_IRR0, 0x31), 0x210);
    assert_int_equal(lapic_vector_bit(0x31), 1u << 17);
    assert_int_equal(lapic_vector_reg(LAPIC_REG_ISR0, 0xFF), 0x170);
    assert_int_equal(lapic_vector_bit(0xFF), 1u << 31);
    assert_int_equal(LAPIC_X2APIC_MSR(LAPIC_REG_EOI), 0x80B);
    assert_int_equal(LAPIC_X2APIC_MSR(LAPIC_REG_ICR_LOW), 0x830);
    assert_int_equal(LAPIC_X2APIC_MSR(LAPIC_REG_TIMER_DIVIDE), 0x83E);
}

/* ---- PIT and TSC arithmetic ---------------------------------------------------------------- */

static void pit_ticks(void **state)
{
    (void)state;
    assert_int_equal(pit_ticks_for_us(10000), 11932); /* 11931.82 */
    assert_int_equal(pit_ticks_for_us(1), 1);         /* 1.19 */
    assert_int_equal(pit_ticks_for_us(0), 0);
    assert_true(pit_ticks_for_us(PIT_MAX_CHUNK_US) <= 0xFFFF);
    assert_int_equal(pit_ticks_for_us(54924), 65534); /* near the 16-bit limit (65535 = 54.925 ms) */
}

static void tsc_conversions(void **state)
{
    (void)state;
    const uint64_t hz = 2994123000ull;
    assert_int_equal(time_us_to_ticks(10000, hz), 29941230);
    assert_int_equal(time_ticks_to_us(29941230, hz), 10000);
    assert_int_equal(time_ticks_to_us(hz * 3600, hz), 3600000000ull);
    /* no overflow: 4294967295 us (ULONG max) at 5 GHz = 2.1e16 ticks */
    assert_int_equal(time_us_to_ticks(0xFFFFFFFFull, 5000000000ull), 0xFFFFFFFFull * 5000ull);
    /* 2^63 ticks at 3 GHz is about 97 years */
    assert_int_equal(time_ticks_to_us(1ull << 63, 3000000000ull), 3074457345618258ull);
    assert_int_equal(time_ticks_to_us(12345, 0), 0);
}

static void pit_rate_median_of_best_three(void **state)
{
    (void)state;
    /* 11932 PIT ticks = 10.0001 ms; a 62.5 MHz counter advances 625006 in that time */
    struct pit_sample samples[] = {
        {.ticks = 11932, .elapsed = 700000, .uncertainty = 90000}, /* the host stopped the CPU */
        {.ticks = 11932, .elapsed = 625006, .uncertainty = 200},
        {.ticks = 11932, .elapsed = 625100, .uncertainty = 300},
        {.ticks = 11932, .elapsed = 800000, .uncertainty = 220}, /* narrow but wrong: outvoted */
        {.ticks = 11932, .elapsed = 624990, .uncertainty = 250},
    };
    unsigned good = 99;
    uint64_t hz = pit_rate_from_samples(samples, 5, &good);
    /* best three relative to length: 625006 (320 ppm), 800000 (275 ppm), 624990 (400 ppm)
     * -> median 625006 -> 62.5 MHz */
    assert_int_equal(hz, (625006ull * PIT_INPUT_HZ + 11932 / 2) / 11932);
    assert_true(hz > 62499000 && hz < 62501000);
    /* good = uncertainty <= elapsed / 200: all but the first */
    assert_int_equal(good, 4);
}

static void pit_rate_mixed_window_lengths(void **state)
{
    (void)state;
    /* Long windows (65535 ticks, 54.9 ms) with the same absolute bracket are 5.5 times better
     * relative to their length, so they are the ones chosen. */
    struct pit_sample samples[] = {
        {.ticks = 11932, .elapsed = 626000, .uncertainty = 3600}, /* 5751 ppm */
        {.ticks = 11932, .elapsed = 624000, .uncertainty = 3600},
        {.ticks = 11932, .elapsed = 627000, .uncertainty = 3600},
        {.ticks = 65535, .elapsed = 3432775, .uncertainty = 3600}, /* 1049 ppm, 62.5 MHz */
        {.ticks = 65535, .elapsed = 3432800, .uncertainty = 3600},
        {.ticks = 65535, .elapsed = 3432700, .uncertainty = 3600},
    };
    unsigned good;
    uint64_t hz = pit_rate_from_samples(samples, 6, &good);
    assert_int_equal(good, 3);
    assert_int_equal(hz, (3432775ull * PIT_INPUT_HZ + 65535 / 2) / 65535);
}

static void pit_rate_few_samples(void **state)
{
    (void)state;
    struct pit_sample one = {.ticks = 11932, .elapsed = 26000000, .uncertainty = 140000};
    unsigned good;
    assert_int_equal(pit_rate_from_samples(&one, 1, &good), (26000000ull * PIT_INPUT_HZ + 5966) / 11932);
    assert_int_equal(good, 0); /* 140000 > 26000000 / 200 = 130000 */
    one.uncertainty = 130000;
    pit_rate_from_samples(&one, 1, &good);
    assert_int_equal(good, 1);
    struct pit_sample two[] = {{.ticks = 1193, .elapsed = 500, .uncertainty = 9},
                               {.ticks = 1193, .elapsed = 400, .uncertainty = 1}};
    /* with fewer than three, the narrowest one wins */
    assert_int_equal(pit_rate_from_samples(two, 2, NULL), (400ull * PIT_INPUT_HZ + 596) / 1193);
    assert_int_equal(pit_rate_from_samples(two, 0, &good), 0);
    assert_int_equal(good, 0);
    struct pit_sample broken = {.ticks = 0, .elapsed = 5, .uncertainty = 0};
    assert_int_equal(pit_rate_from_samples(&broken, 1, NULL), 0);
    assert_int_equal(KE_TIME_INCREMENT, 100000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(icr_fixed_xapic),
        cmocka_unit_test(icr_fixed_x2apic),
        cmocka_unit_test(icr_shorthands),
        cmocka_unit_test(icr_nmi_init_sipi),
        cmocka_unit_test(icr_rejects_impossible),
        cmocka_unit_test(icr_decode_roundtrip),
        cmocka_unit_test(rte_reset_value_decodes_masked),
        cmocka_unit_test(rte_encode_known_values),
        cmocka_unit_test(rte_decode_every_field),
        cmocka_unit_test(lvt_decode),
        cmocka_unit_test(timer_divide_encode),
        cmocka_unit_test(timer_initial_count),
        cmocka_unit_test(timer_rate),
        cmocka_unit_test(vector_register_and_bit),
        cmocka_unit_test(pit_ticks),
        cmocka_unit_test(tsc_conversions),
        cmocka_unit_test(pit_rate_median_of_best_three),
        cmocka_unit_test(pit_rate_mixed_window_lengths),
        cmocka_unit_test(pit_rate_few_samples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
