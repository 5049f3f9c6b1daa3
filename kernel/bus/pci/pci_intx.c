/* kernel/bus/pci/pci_intx.c - where a PCI function's interrupt pin (INTA#-INTD#) arrives at the
 * IOAPIC, on QEMU's two PC boards, without ACPI AML.
 *
 * References: PCI Local Bus Specification 3.0 §2.2.6 (INTx# are level-sensitive, active low,
 * shareable) and §6.2.4 (Interrupt Line / Pin); PCI-to-PCI Bridge Architecture 1.2 §9.1 (the
 * swizzle); ACPI 6.5 §5.2.12.5 (MADT Interrupt Source Overrides); Intel ICH9 datasheet §10.1
 * (chipset configuration registers DxxIR) and §13.1 (PIRQx_ROUT, RCBA); the QEMU 7.2 wiring in
 * hw/isa/piix3.c and hw/isa/lpc_ich9.c.
 *
 * The problem. A PCI device has four possible pins, but the IOAPIC only knows GSIs (its input
 * numbers). Between them sits the chipset, which collects the pins of all slots onto a few
 * "PIRQ" lines. Which PIRQ each slot's pins drive is board wiring; a full OS learns it from the
 * ACPI _PRT method (AML bytecode). irqlab has no AML interpreter, so it recognises the board by
 * its chipset IDs and knows the wiring QEMU really implements:
 *
 *  -machine pc (i440FX host bridge 8086:1237, PIIX3 at 00:01.0). PIIX3 has PIRQA-D; its route
 *   registers (config 0x60-0x63) steer each PIRQ to an ISA IRQ, and ISA IRQ n is IOAPIC pin n.
 *   SeaBIOS programs the routes (A,B -> 10, C,D -> 11) and writes the resulting ISA IRQ into
 *   every function's Interrupt Line register. So on pc the Interrupt Line *is* the GSI (after
 *   the MADT override, which also says how it triggers: QEMU reports 10 and 11 as level,
 *   active-high - its emulated lines are active-high inside, and its IOAPIC ignores polarity;
 *   real boards often say active-low here. Either way: follow the MADT, not a guess).
 *   We trust Interrupt Line, fall back to reading the route register when the line is unset,
 *   and remember the PIRQ when the two agree (for the listing: "why do slots 3 and 7 share?").
 *   The PIIX4 ACPI function 00:01.3 is the exception that proves the rule: its SCI goes to
 *   IRQ 9 directly, and its Interrupt Line says 9 while "its" PIRQA says 10.
 *
 *  -machine q35 (ICH9 LPC bridge 8086:2918 at 00:1f.0). ICH9 has PIRQA-H, and in APIC mode each
 *   PIRQ x is hard-wired to IOAPIC input 16 + x (GSI 16-23), level-triggered, active-low as PCI
 *   defines. Slot -> PIRQ: slots 0-24 use QEMU's own rule PIRQ E + (slot + pin - 1) mod 4;
 *   slot 30 (the DMI-to-PCI bridge) uses E-H; slots 25-29 and 31 follow the chipset's DxxIR
 *   registers in the RCBA window (LPC config 0xF0), which we read when the firmware enabled
 *   RCBA, else we assume their reset value 0x3210 (INTA->A, INTB->B, INTC->C, INTD->D).
 *   Why not Interrupt Line here? SeaBIOS also programs ICH9's PIRQ route registers to ISA IRQs
 *   10/11 and writes *those* into Interrupt Line, so each INTx is mirrored onto a second IOAPIC
 *   pin (10 or 11) as well as its native GSI 16-23. Both work, but only one may be unmasked, or
 *   every interrupt arrives twice. We use the native pin: it is what the chipset (and the _PRT)
 *   defines, it spreads devices over 8 lines instead of 2, and it is never shared with ISA
 *   devices. The ISA mirror pin stays masked (nobody routes it).
 *
 *  Behind a PCI-to-PCI bridge a pin is first swizzled, bridge by bridge, up to the bus-0 slot of
 *  the outermost bridge; the formulas above then apply to that slot and swizzled pin.
 *
 *  Anything else: Interrupt Line + MADT override, with a warning - the firmware's best guess.
 */
#include "arch/x86_64/ioapic.h"
#include "arch/x86_64/madt.h"
#include "kernel/bus/pci/pci_decode.h"
#include "kernel/bus/pci/pci_hotplug_scan.h"
#include "kernel/bus/pci/pci_internal.h"
#include "kernel/console/log.h"
#include "kernel/mm/paging.h"

#define PIIX3_PIRQ_ROUTE 0x60    /* PIRQA..D route registers, one byte each */
#define PIRQ_ROUTE_DISABLED 0x80 /* bit 7: this PIRQ drives no ISA IRQ */
#define PIRQ_ROUTE_IRQ_MASK 0x0F
#define ICH9_LPC_RCBA 0xF0 /* Root Complex Base Address: chipset registers in memory */
#define ICH9_RCBA_ENABLE 0x1u
#define ICH9_RCBA_BASE_MASK 0xFFFFC000u
#define ICH9_RCBA_SIZE 0x4000u /* 16 KiB */
#define ICH9_FIRST_GSI 16      /* PIRQA -> GSI 16 ... PIRQH -> GSI 23 */

static enum pci_board board;
static struct pci_device *piix3; /* pc: the function with the PIRQ route registers */
static uint16_t dxxir[32];       /* q35: DxxIR for slots 25-31 */
static bool dxxir_from_rcba;

enum pci_board pci_board(void) { return board; }

const char *pci_board_name(void)
{
    switch (board) {
    case PCI_BOARD_PC: return "pc/PIIX3";
    case PCI_BOARD_Q35: return "q35/ICH9";
    default: return "unknown";
    }
}

static bool is(const struct pci_device *dev, uint16_t vendor, uint16_t device)
{
    return dev && dev->vendor_id == vendor && dev->device_id == device;
}

static void read_ich9_dxxir(const struct pci_device *lpc)
{
    for (unsigned slot = 25; slot < 32; slot++)
        dxxir[slot] = PCI_ICH9_DXXIR_DEFAULT;
    uint32_t rcba = pci_config_read32(lpc->address, ICH9_LPC_RCBA);
    uint64_t base = rcba & ICH9_RCBA_BASE_MASK;
    if (!(rcba & ICH9_RCBA_ENABLE) || base == 0) {
        log_info("pci: ICH9 RCBA is off; slots 25-31 assumed INTA->PIRQA .. INTD->PIRQD");
        return;
    }
    uint64_t va = paging_map_mmio(base, ICH9_RCBA_SIZE);
    if (!va) {
        log_warn("pci: cannot map ICH9 RCBA at 0x%lx; slots 25-31 assume the reset routing", (unsigned long)base);
        return;
    }
    for (uint8_t slot = 25; slot < 32; slot++) {
        if (slot == 30)
            continue; /* D30IR is read-only 0 in QEMU; slot 30 is fixed to PIRQ E-H */
        dxxir[slot] = *(volatile uint16_t *)(uintptr_t)(va + pci_ich9_dxxir_offset(slot));
    }
    dxxir_from_rcba = true;
}

static void detect_board(void)
{
    struct pci_device *host = pci_find_address(0, 0, 0);
    struct pci_device *lpc = pci_find_address(0, 0x1f, 0);
    board = PCI_BOARD_UNKNOWN;
    piix3 = NULL;
    dxxir_from_rcba = false;
    if (is(host, 0x8086, 0x1237)) {
        board = PCI_BOARD_PC;
        /* The PIIX3 is normally 00:01.0; look it up by ID in case it moved. */
        piix3 = pci_find(0x8086, 0x7000, 0);
    } else if (is(lpc, 0x8086, 0x2918)) {
        board = PCI_BOARD_Q35;
        read_ich9_dxxir(lpc);
    } else {
        log_warn("pci: unknown board (host bridge %04x:%04x); INTx from Interrupt Line + MADT",
                 host ? host->vendor_id : 0xFFFF, host ? host->device_id : 0xFFFF);
    }
}

/* The bus-0 slot and pin that a function's INTx finally drives (swizzled through bridges). */
static void resolve_root(struct pci_device *dev)
{
    uint8_t slot = dev->address.device;
    uint8_t pin = dev->interrupt_pin;
    for (int up = dev->parent; up >= 0;) {
        const struct pci_device *bridge = pci_device_at((unsigned)up);
        pin = pci_swizzle_pin(slot, pin);
        slot = bridge->address.device;
        up = bridge->parent;
    }
    dev->root_slot = slot;
    dev->root_pin = pin;
}

/* ISA IRQ -> GSI, trigger, polarity through the MADT. PCI lines are level-triggered by
 * definition, so a missing "level" override is corrected (and noted). */
static bool isa_irq_to_gsi(struct pci_device *dev, unsigned irq)
{
    uint32_t gsi;
    bool level, active_low;
    if (irq == 0 || irq > 15 || !madt_isa_irq_to_gsi(irq, &gsi, &level, &active_low))
        return false;
    if (!level) {
        log_debug("pci: %s IRQ %u has no level override in the MADT; using level (PCI)", dev->label, irq);
        level = true;
    }
    dev->has_gsi = true;
    dev->gsi = gsi;
    dev->gsi_level = level;
    dev->gsi_active_low = active_low;
    return true;
}

static void resolve_pc(struct pci_device *dev)
{
    int pirq = pci_piix_pirq(dev->root_slot, dev->root_pin);
    int routed_irq = -1;
    if (piix3 && pirq >= 0) {
        uint8_t route = pci_config_read8(piix3->address, (uint8_t)(PIIX3_PIRQ_ROUTE + pirq));
        if (!(route & PIRQ_ROUTE_DISABLED))
            routed_irq = route & PIRQ_ROUTE_IRQ_MASK;
    }
    unsigned line = dev->interrupt_line;
    if (line >= 1 && line <= 15 && line != 2) {
        if (isa_irq_to_gsi(dev, line) && routed_irq == (int)line) {
            dev->has_pirq = true;
            dev->pirq = (uint8_t)pirq;
        }
        return;
    }
    /* No usable Interrupt Line (0 or 0xFF = "unknown"): ask the chipset itself. */
    if (routed_irq > 0 && isa_irq_to_gsi(dev, (unsigned)routed_irq)) {
        dev->has_pirq = true;
        dev->pirq = (uint8_t)pirq;
        log_info("pci: %s Interrupt Line unset; PIRQ%c routes it to IRQ %d", dev->label, 'A' + pirq, routed_irq);
    }
}

static void resolve_q35(struct pci_device *dev)
{
    int pirq = pci_q35_pirq(dev->root_slot, dev->root_pin, dxxir[dev->root_slot]);
    if (pirq < 0 || !ioapic_gsi_valid(ICH9_FIRST_GSI + (uint32_t)pirq)) {
        log_warn("pci: %s: no GSI for PIRQ %d; using Interrupt Line %u", dev->label, pirq, dev->interrupt_line);
        isa_irq_to_gsi(dev, dev->interrupt_line);
        return;
    }
    dev->has_pirq = true;
    dev->pirq = (uint8_t)pirq;
    dev->has_gsi = true;
    dev->gsi = ICH9_FIRST_GSI + (uint32_t)pirq;
    dev->gsi_level = true;      /* PCI INTx: level-sensitive ... */
    dev->gsi_active_low = true; /* ... active low, straight into the IOAPIC (no inverter) */
}

void pci_intx_init(void)
{
    detect_board();
    for (unsigned i = 0; i < pci_device_count(); i++) {
        struct pci_device *dev = pci_device_at(i);
        if (dev->interrupt_pin)
            pci_intx_resolve(dev);
    }
    if (board == PCI_BOARD_Q35)
        log_debug("pci: ICH9 slots 25-31 routing from %s", dxxir_from_rcba ? "RCBA" : "reset defaults");
}

void pci_intx_resolve(struct pci_device *dev)
{
    resolve_root(dev);
    switch (board) {
    case PCI_BOARD_PC: resolve_pc(dev); break;
    case PCI_BOARD_Q35: resolve_q35(dev); break;
    default: isa_irq_to_gsi(dev, dev->interrupt_line); break;
    }
    if (dev->has_gsi)
        log_debug("pci: %s INT%c -> GSI %u (%s, %s)", dev->label, 'A' + dev->interrupt_pin - 1, dev->gsi,
                  dev->gsi_level ? "level" : "edge", dev->gsi_active_low ? "low" : "high");
    else
        log_debug("pci: %s INT%c -> no GSI known", dev->label, 'A' + dev->interrupt_pin - 1);
}
