/* tests/unit/test_pci_decode.c - host tests for the PCI bus driver's pure arithmetic.
 *
 * unit-sources: kernel/bus/pci/pci_decode.c kernel/bus/pci/pci_names.c
 *
 * PCI Local Bus Specification 3.0 §6.2.5.1 (BAR sizing), §6.7 (capability list), §6.8.1 (MSI);
 * PCI Express Base 3.0 §7.7 (MSI-X); the INTx wiring of QEMU 7.2 hw/isa/piix3.c and lpc_ich9.c.
 * Capability walks run over a fake 256-byte configuration space, including loops and pointers
 * into the header; the expected INTx values are the ones observed on QEMU 7.2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/bus/pci/pci_decode.h"
#include "kernel/bus/pci/pci_names.h"

/* ---- BARs --------------------------------------------------------------------------------------- */

static void bar_mem32_1mib(void **state)
{
    (void)state;
    /* edu's BAR0: 1 MiB, 32-bit, not prefetchable; all-ones reads back with bits 19:4 zero. */
    struct pci_bar_decoded d = pci_bar_decode(0xfea00000u, 0xfff00000u, true, 0, 0);
    assert_int_equal(d.kind, PCI_DECODED_MEM32);
    assert_int_equal(d.base, 0xfea00000u);
    assert_int_equal(d.size, 1u << 20);
    assert_int_equal(d.slots, 1);
    assert_false(d.prefetchable);
    assert_false(d.truncated);
}

static void bar_mem32_prefetchable(void **state)
{
    (void)state;
    /* The std VGA framebuffer: 16 MiB prefetchable. The type/prefetch bits read back too. */
    struct pci_bar_decoded d = pci_bar_decode(0xfd000008u, 0xff000008u, true, 0, 0);
    assert_int_equal(d.kind, PCI_DECODED_MEM32);
    assert_true(d.prefetchable);
    assert_int_equal(d.base, 0xfd000000u);
    assert_int_equal(d.size, 16u << 20);
}

static void bar_io(void **state)
{
    (void)state;
    /* e1000e BAR2: 32 I/O ports. Bit 0 = I/O; bit 1 reserved. */
    struct pci_bar_decoded d = pci_bar_decode(0x0000c041u, 0xffffffe1u, true, 0, 0);
    assert_int_equal(d.kind, PCI_DECODED_IO);
    assert_int_equal(d.base, 0xc040u);
    assert_int_equal(d.size, 32);
    /* An I/O BAR that implements only 16 address bits reads back 0 above them. */
    d = pci_bar_decode(0x0000c001u, 0x0000ffc1u, true, 0, 0);
    assert_int_equal(d.kind, PCI_DECODED_IO);
    assert_int_equal(d.size, 64);
}

static void bar_mem64_uses_two_slots(void **state)
{
    (void)state;
    /* 64-bit prefetchable 16 KiB at 0x8_0000_0000: type 10b in bits 2:1, upper half next. */
    struct pci_bar_decoded d = pci_bar_decode(0x0000000cu, 0xffffc00cu, true, 0x8u, 0xffffffffu);
    assert_int_equal(d.kind, PCI_DECODED_MEM64);
    assert_int_equal(d.slots, 2);
    assert_true(d.prefetchable);
    assert_int_equal(d.base, 0x800000000ull);
    assert_int_equal(d.size, 16u << 10);
}

static void bar_mem64_larger_than_4g(void **state)
{
    (void)state;
    /* 16 GiB: the low dword has no writable address bits at all; the size is in the upper one. */
    struct pci_bar_decoded d = pci_bar_decode(0x00000004u, 0x00000004u, true, 0x4u, 0xfffffffcu);
    assert_int_equal(d.kind, PCI_DECODED_MEM64);
    assert_int_equal(d.base, 0x400000000ull);
    assert_int_equal(d.size, 16ull << 30);
}

static void bar_unimplemented(void **state)
{
    (void)state;
    struct pci_bar_decoded d = pci_bar_decode(0, 0, true, 0, 0);
    assert_int_equal(d.kind, PCI_DECODED_NONE);
    assert_int_equal(d.slots, 1);
    d = pci_bar_decode(0x1u, 0x1u, true, 0, 0); /* I/O flag, nothing writable */
    assert_int_equal(d.kind, PCI_DECODED_NONE);
    d = pci_bar_decode(0x4u, 0x4u, true, 0, 0); /* 64-bit, nothing writable: still two slots */
    assert_int_equal(d.kind, PCI_DECODED_NONE);
    assert_int_equal(d.slots, 2);
}

static void bar_mem64_in_last_slot(void **state)
{
    (void)state;
    struct pci_bar_decoded d = pci_bar_decode(0xfe00000cu, 0xffffc00cu, false, 0, 0);
    assert_int_equal(d.kind, PCI_DECODED_NONE);
    assert_true(d.truncated);
    assert_int_equal(d.slots, 1);
}

static void size_formatting(void **state)
{
    (void)state;
    char buf[24];
    struct {
        uint64_t size;
        const char *text;
    } cases[] = {{1u << 20, "1M"},     {128u << 10, "128K"}, {32, "32"}, {256, "256"},
                 {16ull << 30, "16G"}, {1536, "1536"},       {0, "0"},   {3u << 20, "3M"},
                 {1ull << 40, "1T"},   {1ull << 50, "1024T"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pci_format_size(cases[i].size, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].text);
    }
    pci_format_size(123456, buf, 4); /* truncated, still terminated */
    assert_string_equal(buf, "123");
}

/* ---- a fake configuration space ----------------------------------------------------------------- */

struct fake_config {
    uint8_t bytes[256];
    unsigned reads;
};

static uint8_t fake_read8(void *context, uint8_t offset)
{
    struct fake_config *c = context;
    c->reads++;
    return c->bytes[offset];
}

static void fake_cap(struct fake_config *c, uint8_t offset, uint8_t id, uint8_t next)
{
    c->bytes[offset] = id;
    c->bytes[offset + 1] = next;
}

static void caps_e1000e_chain(void **state)
{
    (void)state;
    static struct fake_config c;
    memset(&c, 0, sizeof(c));
    /* What QEMU's e1000e has: 0xC8 PM -> 0xD0 MSI -> 0xE0 PCIe -> 0xA0 MSI-X. */
    c.bytes[PCI_CAP_POINTER] = 0xC8;
    fake_cap(&c, 0xC8, PCI_CAP_ID_PM, 0xD0);
    fake_cap(&c, 0xD0, PCI_CAP_ID_MSI, 0xE0);
    fake_cap(&c, 0xE0, PCI_CAP_ID_PCIE, 0xA0);
    fake_cap(&c, 0xA0, PCI_CAP_ID_MSIX, 0x00);
    struct pci_cap_entry e[8];
    struct pci_cap_walk w = pci_cap_walk(fake_read8, &c, PCI_STATUS_CAP_LIST, e, 8);
    assert_int_equal(w.status, PCI_CAPS_OK);
    assert_int_equal(w.count, 4);
    assert_int_equal(e[0].id, PCI_CAP_ID_PM);
    assert_int_equal(e[0].offset, 0xC8);
    assert_int_equal(e[3].id, PCI_CAP_ID_MSIX);
    assert_int_equal(e[3].offset, 0xA0);
    assert_int_equal(pci_cap_find(fake_read8, &c, PCI_STATUS_CAP_LIST, PCI_CAP_ID_MSI), 0xD0);
    assert_int_equal(pci_cap_find(fake_read8, &c, PCI_STATUS_CAP_LIST, PCI_CAP_ID_MSIX), 0xA0);
    assert_int_equal(pci_cap_find(fake_read8, &c, PCI_STATUS_CAP_LIST, PCI_CAP_ID_VENDOR), 0);
    /* Fewer slots than entries: the count is still the whole list. */
    w = pci_cap_walk(fake_read8, &c, PCI_STATUS_CAP_LIST, e, 2);
    assert_int_equal(w.count, 4);
    w = pci_cap_walk(fake_read8, &c, PCI_STATUS_CAP_LIST, NULL, 0);
    assert_int_equal(w.count, 4);
}

static void caps_need_status_bit(void **state)
{
    (void)state;
    static struct fake_config c;
    memset(&c, 0, sizeof(c));
    c.bytes[PCI_CAP_POINTER] = 0x40; /* a stale pointer without Status bit 4 is not a list */
    fake_cap(&c, 0x40, PCI_CAP_ID_MSI, 0);
    struct pci_cap_walk w = pci_cap_walk(fake_read8, &c, 0, NULL, 0);
    assert_int_equal(w.status, PCI_CAPS_NONE);
    assert_int_equal(w.count, 0);
    assert_int_equal(c.reads, 0);
    assert_int_equal(pci_cap_find(fake_read8, &c, 0, PCI_CAP_ID_MSI), 0);
    /* Status bit set but the pointer is 0: an empty list, not an error. */
    c.bytes[PCI_CAP_POINTER] = 0;
    w = pci_cap_walk(fake_read8, &c, PCI_STATUS_CAP_LIST, NULL, 0);
    assert_int_equal(w.status, PCI_CAPS_OK);
    assert_int_equal(w.count, 0);
}

static void caps_loop_is_cut(void **state)
{
    (void)state;
    static struct fake_config c;
    memset(&c, 0, sizeof(c));
    c.bytes[PCI_CAP_POINTER] = 0x40;
    fake_cap(&c, 0x40, PCI_CAP_ID_PM, 0x50);
    fake_cap(&c, 0x50, PCI_CAP_ID_MSI, 0x40); /* back to the start */
    struct pci_cap_entry e[PCI_CAP_MAX_ENTRIES];
    struct pci_cap_walk w = pci_cap_walk(fake_read8, &c, PCI_STATUS_CAP_LIST, e, PCI_CAP_MAX_ENTRIES);
    assert_int_equal(w.status, PCI_CAPS_LOOP);
    assert_int_equal(w.count, PCI_CAP_MAX_ENTRIES);
    assert_true(c.reads <= 1 + 2 * PCI_CAP_MAX_ENTRIES + 2);
    /* A capability pointing at itself. */
    memset(&c, 0, sizeof(c));
    c.bytes[PCI_CAP_POINTER] = 0xFC;
    fake_cap(&c, 0xFC, PCI_CAP_ID_MSI, 0xFC);
    w = pci_cap_walk(fake_read8, &c, PCI_STATUS_CAP_LIST, NULL, 0);
    assert_int_equal(w.status, PCI_CAPS_LOOP);
    assert_int_equal(pci_cap_find(fake_read8, &c, PCI_STATUS_CAP_LIST, PCI_CAP_ID_MSI), 0xFC);
}

static void caps_pointer_into_header_is_cut(void **state)
{
    (void)state;
    static struct fake_config c;
    memset(&c, 0, sizeof(c));
    c.bytes[PCI_CAP_POINTER] = 0x40;
    fake_cap(&c, 0x40, PCI_CAP_ID_PM, 0x10); /* into the BARs */
    fake_cap(&c, 0x10, PCI_CAP_ID_MSI, 0);
    struct pci_cap_entry e[4];
    struct pci_cap_walk w = pci_cap_walk(fake_read8, &c, PCI_STATUS_CAP_LIST, e, 4);
    assert_int_equal(w.status, PCI_CAPS_BAD_POINTER);
    assert_int_equal(w.bad_pointer, 0x10);
    assert_int_equal(w.count, 1);
    assert_int_equal(pci_cap_find(fake_read8, &c, PCI_STATUS_CAP_LIST, PCI_CAP_ID_MSI), 0);
    /* The very first pointer bad. */
    c.bytes[PCI_CAP_POINTER] = 0x3C;
    w = pci_cap_walk(fake_read8, &c, PCI_STATUS_CAP_LIST, e, 4);
    assert_int_equal(w.status, PCI_CAPS_BAD_POINTER);
    assert_int_equal(w.count, 0);
}

static void caps_reserved_pointer_bits_are_masked(void **state)
{
    (void)state;
    static struct fake_config c;
    memset(&c, 0, sizeof(c));
    c.bytes[PCI_CAP_POINTER] = 0x43; /* bits 1:0 reserved: really 0x40 */
    fake_cap(&c, 0x40, PCI_CAP_ID_PM, 0x52);
    fake_cap(&c, 0x50, PCI_CAP_ID_MSI, 0x03); /* 0x03 masks to 0: end of list */
    struct pci_cap_entry e[4];
    struct pci_cap_walk w = pci_cap_walk(fake_read8, &c, PCI_STATUS_CAP_LIST, e, 4);
    assert_int_equal(w.status, PCI_CAPS_OK);
    assert_int_equal(w.count, 2);
    assert_int_equal(e[0].offset, 0x40);
    assert_int_equal(e[1].offset, 0x50);
    assert_int_equal(e[1].id, PCI_CAP_ID_MSI);
}

static void cap_names(void **state)
{
    (void)state;
    assert_string_equal(pci_cap_name(PCI_CAP_ID_MSI), "MSI");
    assert_string_equal(pci_cap_name(PCI_CAP_ID_MSIX), "MSI-X");
    assert_string_equal(pci_cap_name(PCI_CAP_ID_PCIE), "PCIe");
    assert_null(pci_cap_name(0x7F));
}

/* ---- MSI ---------------------------------------------------------------------------------------- */

static void msi_layouts(void **state)
{
    (void)state;
    struct pci_msi_layout l = pci_msi_layout(0x0080); /* edu, e1000e: 1 message, 64-bit */
    assert_int_equal(l.max_messages, 1);
    assert_true(l.address_64);
    assert_false(l.per_vector_masking);
    assert_int_equal(l.address_lo, 0x04);
    assert_int_equal(l.address_hi, 0x08);
    assert_int_equal(l.data, 0x0C);
    assert_int_equal(l.mask, 0);

    l = pci_msi_layout(0x0000); /* 32-bit: data right after the address */
    assert_false(l.address_64);
    assert_int_equal(l.address_hi, 0);
    assert_int_equal(l.data, 0x08);

    l = pci_msi_layout(0x0186); /* 64-bit, maskable, MMC = 3: 8 messages */
    assert_int_equal(l.max_messages, 8);
    assert_true(l.per_vector_masking);
    assert_int_equal(l.mask, 0x10);
    assert_int_equal(l.pending, 0x14);

    l = pci_msi_layout(0x0100); /* 32-bit, maskable */
    assert_int_equal(l.mask, 0x0C);
    assert_int_equal(l.pending, 0x10);

    assert_int_equal(pci_msi_layout(0x000A).max_messages, 32); /* MMC = 5 */
    assert_int_equal(pci_msi_layout(0x000E).max_messages, 32); /* MMC = 7 is reserved: clamp */
}

static void msi_message_enable_encoding(void **state)
{
    (void)state;
    assert_int_equal(pci_msi_mme_for_count(1, 1), 0);
    assert_int_equal(pci_msi_mme_for_count(2, 8), 1);
    assert_int_equal(pci_msi_mme_for_count(4, 8), 2);
    assert_int_equal(pci_msi_mme_for_count(8, 8), 3);
    assert_int_equal(pci_msi_mme_for_count(32, 32), 5);
    assert_int_equal(pci_msi_mme_for_count(0, 8), -1);
    assert_int_equal(pci_msi_mme_for_count(3, 8), -1);
    assert_int_equal(pci_msi_mme_for_count(16, 8), -1);
    assert_int_equal(pci_msi_mme_for_count(2, 1), -1);
    assert_int_equal(pci_msi_mme_for_count(64, 64), -1);

    assert_int_equal(pci_msi_control_enable(0x0080, 1), 0x0081);
    assert_int_equal(pci_msi_control_enable(0x0186, 4), 0x01A7);
    assert_int_equal(pci_msi_control_enable(0x01F6, 2), 0x0197); /* an old MME is replaced */
}

/* ---- MSI-X -------------------------------------------------------------------------------------- */

static void msix_layouts(void **state)
{
    (void)state;
    struct pci_msix_layout l = pci_msix_layout(0x0004, 0x00000003u, 0x00002003u); /* e1000e */
    assert_int_equal(l.table_size, 5);
    assert_int_equal(l.table_bar, 3);
    assert_int_equal(l.table_offset, 0);
    assert_int_equal(l.pba_bar, 3);
    assert_int_equal(l.pba_offset, 0x2000);
    l = pci_msix_layout(0xC7FF, 0x00010000u | 2u, 0x00018000u | 4u);
    assert_int_equal(l.table_size, 2048); /* Enable and Function Mask are not part of the size */
    assert_int_equal(l.table_bar, 2);
    assert_int_equal(l.table_offset, 0x10000);
    assert_int_equal(l.pba_bar, 4);
    assert_int_equal(l.pba_offset, 0x18000);
}

/* ---- INTx --------------------------------------------------------------------------------------- */

static void swizzle(void **state)
{
    (void)state;
    assert_int_equal(pci_swizzle_pin(0, 1), 1); /* device 0: unchanged (PCIe ports) */
    assert_int_equal(pci_swizzle_pin(1, 1), 2);
    assert_int_equal(pci_swizzle_pin(2, 1), 3); /* edu at 01:02.0 appears as INTC */
    assert_int_equal(pci_swizzle_pin(3, 4), 3);
    assert_int_equal(pci_swizzle_pin(5, 2), 3);
    assert_int_equal(pci_swizzle_pin(31, 4), 3);
    assert_int_equal(pci_swizzle_pin(3, 0), 0);
    assert_int_equal(pci_swizzle_pin(3, 5), 0);
}

static void pc_piix_pirq(void **state)
{
    (void)state;
    /* QEMU 7.2 hw/isa/piix3.c pci_slot_get_pirq: slot 1 -> A, 2 -> B, 3 -> C, 4 -> D, 5 -> A, ... */
    assert_int_equal(pci_piix_pirq(1, 1), 0);
    assert_int_equal(pci_piix_pirq(2, 1), 1);
    assert_int_equal(pci_piix_pirq(3, 1), 2);
    assert_int_equal(pci_piix_pirq(4, 1), 3);
    assert_int_equal(pci_piix_pirq(5, 1), 0);
    assert_int_equal(pci_piix_pirq(7, 1), 2); /* edus at 3 and 7 share PIRQC */
    assert_int_equal(pci_piix_pirq(3, 2), 3);
    assert_int_equal(pci_piix_pirq(6, 3), 3); /* a device behind a bridge in slot 6, swizzled to C */
    assert_int_equal(pci_piix_pirq(0, 1), 3);
    assert_int_equal(pci_piix_pirq(3, 0), -1);
    assert_int_equal(pci_piix_pirq(32, 1), -1);
}

static void q35_ich9_pirq(void **state)
{
    (void)state;
    /* QEMU 7.2 hw/isa/lpc_ich9.c ich9_lpc_map_irq, observed: edu@2 -> GSI 22 (G), e1000@3 -> 23
     * (H), e1000e@4 -> 20 (E), SATA/SMBus in slot 31 pin A -> PIRQA (GSI 16). */
    assert_int_equal(pci_q35_pirq(2, 1, 0), 6);
    assert_int_equal(pci_q35_pirq(3, 1, 0), 7);
    assert_int_equal(pci_q35_pirq(4, 1, 0), 4);
    assert_int_equal(pci_q35_pirq(7, 1, 0), 7); /* same PIRQ as slot 3 */
    assert_int_equal(pci_q35_pirq(0, 1, 0), 4);
    assert_int_equal(pci_q35_pirq(24, 4, 0), 7);
    assert_int_equal(pci_q35_pirq(31, 1, PCI_ICH9_DXXIR_DEFAULT), 0);
    assert_int_equal(pci_q35_pirq(31, 4, PCI_ICH9_DXXIR_DEFAULT), 3);
    assert_int_equal(pci_q35_pirq(25, 2, 0x7654), 5); /* reprogrammed DxxIR */
    assert_int_equal(pci_q35_pirq(29, 1, 0x000F), 7); /* only 3 bits per field */
    assert_int_equal(pci_q35_pirq(30, 1, 0x3210), 4); /* slot 30 is E-H whatever DxxIR says */
    assert_int_equal(pci_q35_pirq(30, 4, 0x3210), 7);
    assert_int_equal(pci_q35_pirq(3, 0, 0), -1);
    assert_int_equal(pci_q35_pirq(3, 5, 0), -1);
    assert_int_equal(pci_ich9_dxxir_offset(31), 0x3140);
    assert_int_equal(pci_ich9_dxxir_offset(26), 0x314C);
    assert_int_equal(pci_ich9_dxxir_offset(25), 0x3150);
    assert_int_equal(pci_ich9_dxxir_offset(24), 0);
}

/* ---- names -------------------------------------------------------------------------------------- */

static void names(void **state)
{
    (void)state;
    assert_string_equal(pci_device_name(0x1234, 0x11e8), "edu");
    assert_string_equal(pci_device_name(0x8086, 0x10d3), "e1000e (82574L)");
    assert_string_equal(pci_device_name(0x8086, 0x2918), "ICH9 LPC");
    assert_null(pci_device_name(0x1234, 0x0000));
    assert_string_equal(pci_class_name(0x02, 0x00), "Ethernet");
    assert_string_equal(pci_class_name(0x02, 0x80), "network");
    assert_string_equal(pci_class_name(0x06, 0x04), "PCI bridge");
    assert_string_equal(pci_class_name(0x01, 0x06), "SATA");
    assert_string_equal(pci_class_name(0x42, 0x00), "other");
}

/* Re-aiming live MSI: never Enable off when a single dword write or the mask bits will do. */
static void msi_retarget_plans(void **state)
{
    (void)state;
    struct pci_msi_layout edu = pci_msi_layout(0x0080);    /* 64-bit, 1 message, no masking */
    struct pci_msi_layout masked = pci_msi_layout(0x0180); /* 64-bit, per-vector masking */
    assert_false(edu.per_vector_masking);
    assert_true(masked.per_vector_masking);
    assert_int_equal(pci_msi_retarget_plan(&edu, 0xFEE00000, 0x41, 0xFEE00000, 0x41), PCI_MSI_RETARGET_NOTHING);
    /* Another CPU, same vector: the x86 re-aim. */
    assert_int_equal(pci_msi_retarget_plan(&edu, 0xFEE00000, 0x41, 0xFEE01000, 0x41), PCI_MSI_RETARGET_ADDRESS_LO);
    assert_int_equal(pci_msi_retarget_plan(&masked, 0xFEE00000, 0x41, 0xFEE01000, 0x41), PCI_MSI_RETARGET_ADDRESS_LO);
    /* Data's upper 16 bits are not in the register. */
    assert_int_equal(pci_msi_retarget_plan(&edu, 0xFEE00000, 0x41, 0xFEE00000, 0x10041), PCI_MSI_RETARGET_NOTHING);
    /* A new vector or a new high dword: masked if it can be, else off and on. */
    assert_int_equal(pci_msi_retarget_plan(&masked, 0xFEE00000, 0x41, 0xFEE01000, 0x51), PCI_MSI_RETARGET_MASKED);
    assert_int_equal(pci_msi_retarget_plan(&edu, 0xFEE00000, 0x41, 0xFEE01000, 0x51), PCI_MSI_RETARGET_OFF_AND_ON);
    assert_int_equal(pci_msi_retarget_plan(&edu, 0xFEE00000, 0x41, 0x1FEE00000ull, 0x41), PCI_MSI_RETARGET_OFF_AND_ON);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bar_mem32_1mib),
        cmocka_unit_test(bar_mem32_prefetchable),
        cmocka_unit_test(bar_io),
        cmocka_unit_test(bar_mem64_uses_two_slots),
        cmocka_unit_test(bar_mem64_larger_than_4g),
        cmocka_unit_test(bar_unimplemented),
        cmocka_unit_test(bar_mem64_in_last_slot),
        cmocka_unit_test(size_formatting),
        cmocka_unit_test(caps_e1000e_chain),
        cmocka_unit_test(caps_need_status_bit),
        cmocka_unit_test(caps_loop_is_cut),
        cmocka_unit_test(caps_pointer_into_header_is_cut),
        cmocka_unit_test(caps_reserved_pointer_bits_are_masked),
        cmocka_unit_test(cap_names),
        cmocka_unit_test(msi_layouts),
        cmocka_unit_test(msi_message_enable_encoding),
        cmocka_unit_test(msi_retarget_plans),
        cmocka_unit_test(msix_layouts),
        cmocka_unit_test(swizzle),
        cmocka_unit_test(pc_piix_pirq),
        cmocka_unit_test(q35_ich9_pirq),
        cmocka_unit_test(names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
