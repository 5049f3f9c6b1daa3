/* tests/ktest/acpi_test.c - the live firmware tables and the 8259, as QEMU 7.2 builds them.
 *
 * ACPI 6.5 sections 5.2.5-5.2.8 and 5.2.12; PCI Firmware Specification 3.2 section 4.1.2;
 * Intel 8259A data sheet. Expected values: QEMU 7.2 hw/i386/acpi-common.c (MADT, identical on
 * pc and q35), hw/isa/lpc_ich9.c (q35's ICH9 LPC at 00:1f.0), hw/intc/apic.c (LAPIC at 0xFEE00000).
 *
 * Which machine are we on? The q35 chipset has the ICH9 LPC bridge at PCI 00:1f.0 (vendor 0x8086,
 * device 0x2918), read here through PCI configuration mechanism #1 (ports 0xCF8/0xCFC). Only
 * q35 has an MCFG. How many CPUs did QEMU start? QEMU's fw_cfg device tells (key 0x05,
 * FW_CFG_NB_CPUS), so the MADT's enabled-processor count is compared with the real -smp value.
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/madt.h"
#include "arch/x86_64/mcfg.h"
#include "arch/x86_64/pic.h"
#include "kernel/boot/bootinfo.h"
#include "kernel/main.h"
#include "kernel/mm/paging.h"
#include "tests/ktest/ktest.h"

#define QEMU_IOAPIC_ADDRESS 0xFEC00000u
#define QEMU_LAPIC_ADDRESS 0xFEE00000ull
#define Q35_ECAM_BASE 0xB0000000ull

/* PCI configuration mechanism #1: a 32-bit read of register `offset` of bus:device.function. */
static uint32_t pci_config_read32(uint8_t bus, uint8_t device, uint8_t function, uint8_t offset)
{
    outl(0xCF8,
         0x80000000u | (uint32_t)bus << 16 | (uint32_t)device << 11 | (uint32_t)function << 8 | (offset & 0xFCu));
    return inl(0xCFC);
}

static bool machine_is_q35(void)
{
    return pci_config_read32(0, 31, 0, 0) == (0x2918u << 16 | 0x8086u); /* device:vendor */
}

/* QEMU fw_cfg, legacy I/O interface: write a key to 0x510, read bytes from 0x511. */
#define FW_CFG_PORT_SELECTOR 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_NB_CPUS 0x0005

static bool fw_cfg_boot_cpus(unsigned *count)
{
    outw(FW_CFG_PORT_SELECTOR, FW_CFG_SIGNATURE);
    char signature[4];
    for (int i = 0; i < 4; i++)
        signature[i] = (char)inb(FW_CFG_PORT_DATA);
    if (signature[0] != 'Q' || signature[1] != 'E' || signature[2] != 'M' || signature[3] != 'U')
        return false;
    outw(FW_CFG_PORT_SELECTOR, FW_CFG_NB_CPUS);
    unsigned low = inb(FW_CFG_PORT_DATA);
    unsigned high = inb(FW_CFG_PORT_DATA);
    *count = low | high << 8;
    return true;
}

static void tables_are_found_and_checked(struct ktest *t)
{
    const struct acpi_tables *tables = acpi_system_tables();
    KTEST_ASSERT_NOT_NULL(t, tables->root);
    ktest_log(t, "RSDP revision %u (OEM \"%s\") -> %s with %u tables", tables->rsdp_revision, tables->oem_id,
              tables->using_xsdt ? "XSDT" : "RSDT", tables->count);
    for (unsigned i = 0; i < tables->count; i++) {
        const struct acpi_table_ref *ref = &tables->tables[i];
        KTEST_EXPECT_TRUE(t, ref->status == ACPI_TABLE_OK);
        if (ref->status == ACPI_TABLE_OK)
            KTEST_EXPECT_EQ(t, acpi_checksum(ref->header, ref->length), 0);
        else
            ktest_log(t, "table \"%s\" at 0x%llx: %s", ref->signature, (unsigned long long)ref->phys,
                      acpi_table_status_text(ref->status));
    }
    KTEST_EXPECT_NOT_NULL(t, acpi_find_table("FACP"));
    const struct acpi_sdt_header *madt = acpi_find_table("APIC");
    KTEST_ASSERT_NOT_NULL(t, madt);
    KTEST_EXPECT_EQ(t, acpi_checksum(madt, madt->length), 0);
    KTEST_EXPECT_NULL(t, acpi_find_table("NONE"));
}

static void one_ioapic_at_the_pc_address(struct ktest *t)
{
    const struct madt_info *madt = madt_system();
    KTEST_ASSERT_TRUE(t, madt->valid);
    KTEST_ASSERT_EQ(t, madt->ioapic_count, 1u);
    KTEST_EXPECT_EQ(t, madt->ioapics[0].id, 0);
    KTEST_EXPECT_EQ(t, madt->ioapics[0].address, QEMU_IOAPIC_ADDRESS);
    KTEST_EXPECT_EQ(t, madt->ioapics[0].gsi_base, 0u);
    KTEST_EXPECT_TRUE(t, madt->pcat_compat);
    KTEST_EXPECT_FALSE(t, madt->stopped_early);
    KTEST_EXPECT_EQ(t, madt->short_entries, 0u);
}

static void timer_irq0_is_on_gsi2_edge_high(struct ktest *t)
{
    uint32_t gsi = 0;
    bool level = true, active_low = true;
    KTEST_ASSERT_TRUE(t, madt_isa_irq_to_gsi(0, &gsi, &level, &active_low));
    KTEST_EXPECT_EQ(t, gsi, 2u);
    KTEST_EXPECT_FALSE(t, level);
    KTEST_EXPECT_FALSE(t, active_low);
    /* IRQ 2 is the 8259 cascade: its GSI is taken by the timer, so it has no pin. */
    KTEST_EXPECT_FALSE(t, madt_isa_irq_to_gsi(2, &gsi, &level, &active_low));
}

static void pci_irqs_9_10_11_are_level_high(struct ktest *t)
{
    for (unsigned irq = 9; irq <= 11; irq++) {
        uint32_t gsi = 0;
        bool level = false, active_low = true;
        KTEST_ASSERT_TRUE(t, madt_isa_irq_to_gsi(irq, &gsi, &level, &active_low));
        KTEST_EXPECT_EQ(t, gsi, irq);
        KTEST_EXPECT_TRUE(t, level);
        KTEST_EXPECT_FALSE(t, active_low);
    }
}

static void other_isa_irqs_are_identity_edge_high(struct ktest *t)
{
    static const unsigned irqs[] = {1, 3, 4, 6, 7, 8, 12, 14, 15};
    for (unsigned i = 0; i < sizeof(irqs) / sizeof(irqs[0]); i++) {
        uint32_t gsi = 0;
        bool level = true, active_low = true;
        KTEST_ASSERT_TRUE(t, madt_isa_irq_to_gsi(irqs[i], &gsi, &level, &active_low));
        KTEST_EXPECT_EQ(t, gsi, irqs[i]);
        KTEST_EXPECT_FALSE(t, level);
        KTEST_EXPECT_FALSE(t, active_low);
    }
}

static void lapic_address_matches_the_msr(struct ktest *t)
{
    const struct madt_info *madt = madt_system();
    KTEST_EXPECT_EQ(t, madt->lapic_address, QEMU_LAPIC_ADDRESS);
    /* IA32_APIC_BASE bits 12-51 hold the physical base every CPU actually uses. */
    KTEST_EXPECT_EQ(t, rdmsr(MSR_APIC_BASE) & 0x000FFFFFFFFFF000ull, madt->lapic_address);
}

static void bsp_is_an_enabled_processor(struct ktest *t)
{
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    uint32_t bsp_apic_id = b >> 24; /* CPUID.1:EBX[31:24], the initial APIC ID */
    const struct madt_lapic *bsp = madt_find_lapic(madt_system(), bsp_apic_id);
    KTEST_ASSERT_NOT_NULL(t, bsp);
    KTEST_EXPECT_TRUE(t, bsp->enabled);
    KTEST_EXPECT_GE(t, madt_system()->cpu_count, 1u);
}

static void enabled_processors_match_smp(struct ktest *t)
{
    unsigned boot_cpus;
    if (!fw_cfg_boot_cpus(&boot_cpus))
        KTEST_SKIP(t, "no QEMU fw_cfg device: the -smp value is unknown");
    ktest_log(t, "fw_cfg: %u CPUs; MADT: %u enabled", boot_cpus, madt_system()->cpu_count);
    KTEST_EXPECT_EQ(t, madt_system()->cpu_count, boot_cpus);
    /* QEMU numbers the CPUs of `-smp N` (one socket, N cores) with APIC IDs 0..N-1. */
    for (unsigned id = 0; id < boot_cpus; id++)
        KTEST_EXPECT_NOT_NULL(t, madt_find_lapic(madt_system(), id));
}

static void local_apic_nmi_is_lint1(struct ktest *t)
{
    const struct madt_info *madt = madt_system();
    KTEST_ASSERT_EQ(t, madt->lapic_nmi_count, 1u);
    KTEST_EXPECT_TRUE(t, madt->lapic_nmis[0].all_processors);
    KTEST_EXPECT_EQ(t, madt->lapic_nmis[0].lint, 1);
}

static void mcfg_only_on_q35(struct ktest *t)
{
    const struct mcfg_info *mcfg = mcfg_system();
    if (machine_is_q35()) {
        ktest_log(t, "q35 (ICH9 LPC at 00:1f.0): expecting an MCFG");
        KTEST_ASSERT_NOT_NULL(t, acpi_find_table("MCFG"));
        KTEST_ASSERT_EQ(t, mcfg->count, 1u);
        KTEST_EXPECT_EQ(t, mcfg->ranges[0].base, Q35_ECAM_BASE);
        KTEST_EXPECT_EQ(t, mcfg->ranges[0].segment, 0);
        KTEST_EXPECT_EQ(t, mcfg->ranges[0].start_bus, 0);
        KTEST_EXPECT_EQ(t, mcfg_ecam_address(mcfg, 0, 0, 31, 0), Q35_ECAM_BASE + (31ull << 15));
        /* The same register through ECAM and through the ports: the LPC's vendor/device. */
        uint64_t lpc = mcfg_ecam_address(mcfg, 0, 0, 31, 0);
        KTEST_ASSERT_EQ(t, paging_map_mmio(lpc, 4096), lpc); /* device memory: uncached */
        uint32_t via_ecam = *(volatile const uint32_t *)(uintptr_t)lpc;
        KTEST_EXPECT_EQ(t, via_ecam, pci_config_read32(0, 31, 0, 0));
    } else {
        ktest_log(t, "no ICH9 LPC at 00:1f.0: pc (i440FX), expecting no MCFG");
        KTEST_EXPECT_NULL(t, acpi_find_table("MCFG"));
        KTEST_EXPECT_EQ(t, mcfg->count, 0u);
        KTEST_EXPECT_EQ(t, mcfg_ecam_address(mcfg, 0, 0, 0, 0), 0ull);
    }
}

static void pic_is_fully_masked(struct ktest *t)
{
    KTEST_EXPECT_EQ(t, inb(0x21), 0xFF);
    KTEST_EXPECT_EQ(t, inb(0xA1), 0xFF);
    KTEST_EXPECT_EQ(t, pic_read_imr(), 0xFFFF);
    /* SeaBIOS marks the PCI IRQs 10 and 11 level-triggered in the ELCR, as the MADT says. OVMF
     * (BOOT=uefi) leaves the ELCR at 0: it routes nothing through the 8259, and neither does
     * irqlab, so there is nothing to expect of it there. */
    uint16_t elcr = pic_read_elcr();
    ktest_log(t, "ELCR 0x%04x, IRR 0x%04x, ISR 0x%04x (%s)", elcr, pic_read_irr(), pic_read_isr(),
              bootinfo_firmware_name(boot_info.firmware));
    if (boot_info.firmware == BOOT_FIRMWARE_BIOS)
        KTEST_EXPECT_EQ(t, elcr & 0x0C00, 0x0C00);
}

static void pic_spurious_detection(struct ktest *t)
{
    /* Nothing is in service now, so a vector 0x27 or 0x2F arriving at this moment would be
     * spurious: pic_is_spurious() must say so and count it. Other vectors are never spurious. */
    KTEST_ASSERT_EQ(t, pic_read_isr(), 0);
    uint64_t before7 = pic_spurious_count(7), before15 = pic_spurious_count(15);
    KTEST_EXPECT_TRUE(t, pic_is_spurious(PIC_MASTER_VECTOR_BASE + 7));
    KTEST_EXPECT_TRUE(t, pic_is_spurious(PIC_SLAVE_VECTOR_BASE + 7));
    KTEST_EXPECT_FALSE(t, pic_is_spurious(PIC_MASTER_VECTOR_BASE + 1));
    KTEST_EXPECT_FALSE(t, pic_is_spurious(0x30));
    KTEST_EXPECT_EQ(t, pic_spurious_count(7), before7 + 1);
    KTEST_EXPECT_EQ(t, pic_spurious_count(15), before15 + 1);
    KTEST_EXPECT_EQ(t, pic_spurious_count(1), 0ull);
    KTEST_EXPECT_EQ(t, pic_read_isr(), 0); /* the cascade EOI left nothing behind */
    KTEST_EXPECT_EQ(t, pic_read_imr(), 0xFFFF);
}

KTEST_SUITE(acpi, KTEST_CASE(tables_are_found_and_checked), KTEST_CASE(one_ioapic_at_the_pc_address),
            KTEST_CASE(timer_irq0_is_on_gsi2_edge_high), KTEST_CASE(pci_irqs_9_10_11_are_level_high),
            KTEST_CASE(other_isa_irqs_are_identity_edge_high), KTEST_CASE(lapic_address_matches_the_msr),
            KTEST_CASE(bsp_is_an_enabled_processor), KTEST_CASE(enabled_processors_match_smp),
            KTEST_CASE(local_apic_nmi_is_lint1), KTEST_CASE(mcfg_only_on_q35), KTEST_CASE(pic_is_fully_masked),
            KTEST_CASE(pic_spurious_detection));
