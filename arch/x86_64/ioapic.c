/* arch/x86_64/ioapic.c - I/O APIC driver: discovery, masking, redirection entries, EOI.
 *
 * Intel 82093AA IOAPIC data sheet:
 *   section 3.0/3.1  the two memory-mapped registers: IOREGSEL (offset 0x00) selects an
 *                    internal register, IOWIN (offset 0x10) reads or writes it. "Software must
 *                    access IOWIN with 32-bit accesses only" (QEMU drops other sizes).
 *   section 3.2      internal registers: 0x00 IOAPICID (id in bits 27:24), 0x01 IOAPICVER
 *                    (version in 7:0, maximum redirection entry in 23:16), 0x02 IOAPICARB,
 *                    0x10 + 2n / 0x11 + 2n the low / high half of redirection entry n.
 *   section 3.2.4    the redirection table entry (layout: arch/x86_64/apic_encode.h).
 * Later IOAPICs (version 0x20, as in the PIIX4/ICH chipsets and QEMU's TCG model) add a
 * directed-EOI register at offset 0x40. The QEMU details used below are from QEMU 7.2
 * hw/intc/ioapic.c.
 */
#include "arch/x86_64/ioapic.h"

#include "arch/x86_64/madt.h"
#include "kernel/console/console.h"
#include "kernel/console/log.h"
#include "kernel/mm/paging.h"

/* Offsets in the register window, in 32-bit words. */
#define IOREGSEL 0x00u
#define IOWIN (0x10u / 4)
#define IOEOI (0x40u / 4)

#define IOAPIC_REG_ID 0x00u
#define IOAPIC_REG_VER 0x01u
#define IOAPIC_REG_RTE_LOW(pin) (0x10u + 2u * (pin))
#define IOAPIC_REG_RTE_HIGH(pin) (0x11u + 2u * (pin))

#define IOAPIC_MMIO_SIZE 0x1000u
#define IOAPIC_PC_DEFAULT_ADDRESS 0xFEC00000u

static struct ioapic ioapics[IOAPIC_MAX];
static unsigned ioapic_total;

/* Uncached, at the same virtual address (kernel/mm/paging.h): see lapic.c. */
static volatile uint32_t *map_registers(uint64_t phys)
{
    return (volatile uint32_t *)(uintptr_t)paging_map_mmio(phys, IOAPIC_MMIO_SIZE);
}

/* ---- the two-step register access (caller holds the IOAPIC's lock) ------------------------ */

static uint32_t reg_read(struct ioapic *io, uint32_t reg)
{
    io->regs[IOREGSEL] = reg;
    return io->regs[IOWIN];
}

static void reg_write(struct ioapic *io, uint32_t reg, uint32_t value)
{
    io->regs[IOREGSEL] = reg;
    io->regs[IOWIN] = value;
}

static uint64_t rte_read(struct ioapic *io, unsigned pin)
{
    uint32_t low = reg_read(io, IOAPIC_REG_RTE_LOW(pin));
    uint32_t high = reg_read(io, IOAPIC_REG_RTE_HIGH(pin));
    return ((uint64_t)high << 32) | low;
}

/* The IOAPIC owning `gsi`, and the pin number on it. */
static struct ioapic *lookup(uint32_t gsi, unsigned *pin)
{
    for (unsigned i = 0; i < ioapic_total; i++) {
        struct ioapic *io = &ioapics[i];
        if (gsi >= io->gsi_base && gsi - io->gsi_base < io->pins) {
            *pin = gsi - io->gsi_base;
            return io;
        }
    }
    return NULL;
}

/* ---- discovery ---------------------------------------------------------------------------- */

static void add_ioapic(uint8_t madt_id, uint64_t phys, uint32_t gsi_base)
{
    if (ioapic_total == IOAPIC_MAX) {
        log_warn("ioapic: more than %d IOAPICs; the one at 0x%llx is ignored", IOAPIC_MAX, (unsigned long long)phys);
        return;
    }
    volatile uint32_t *regs = map_registers(phys);
    if (!regs) {
        log_error("ioapic: cannot map the IOAPIC at 0x%llx; its GSIs are unusable", (unsigned long long)phys);
        return;
    }
    struct ioapic *io = &ioapics[ioapic_total];
    io->regs = regs;
    io->phys = phys;
    io->madt_id = madt_id;
    io->gsi_base = gsi_base;
    io->lock = (raw_lock_t)RAW_LOCK_INIT;

    uint32_t ver = reg_read(io, IOAPIC_REG_VER);
    if (ver == 0xFFFFFFFFu) {
        /* Nothing answered at that address: reads of unbacked MMIO return all ones. */
        log_error("ioapic: no IOAPIC responds at 0x%llx (VER reads 0xffffffff); ignored", (unsigned long long)phys);
        return;
    }
    /* ID in bits 27:24; VER: version in bits 7:0, highest redirection entry in bits 23:16. */
    io->id = (uint8_t)((reg_read(io, IOAPIC_REG_ID) >> 24) & 0x0F);
    io->version = (uint8_t)(ver & 0xFF);
    io->pins = (uint16_t)(((ver >> 16) & 0xFF) + 1);
    if (io->pins > IOAPIC_MAX_PINS)
        io->pins = IOAPIC_MAX_PINS;
    for (unsigned i = 0; i < ioapic_total; i++) {
        const struct ioapic *other = &ioapics[i];
        if (io->gsi_base < other->gsi_base + other->pins && other->gsi_base < io->gsi_base + io->pins) {
            log_error("ioapic: the IOAPIC at 0x%llx (GSI %u-%u) overlaps the one at 0x%llx; ignored",
                      (unsigned long long)phys, io->gsi_base, io->gsi_base + io->pins - 1,
                      (unsigned long long)other->phys);
            return;
        }
    }

    /* Mask every pin and give it a clean entry: the firmware may have left pins routed for its
     * own use (or for a boot loader), and an unmasked pin we know nothing about would send us
     * vectors nobody handles. Low half first, so the pin is masked before anything else
     * changes; the reset value is "masked, edge, vector 0". */
    for (unsigned pin = 0; pin < io->pins; pin++) {
        reg_write(io, IOAPIC_REG_RTE_LOW(pin), APIC_MASKED);
        reg_write(io, IOAPIC_REG_RTE_HIGH(pin), 0);
    }
    ioapic_total++;

    if (io->id != madt_id)
        log_warn("ioapic: the IOAPIC at 0x%llx has id %u, the MADT says %u", (unsigned long long)phys, io->id, madt_id);
    log_info("ioapic: id %u, version 0x%02x, %u pins, GSI %u-%u at 0x%llx, all masked", io->id, io->version, io->pins,
             io->gsi_base, io->gsi_base + io->pins - 1, (unsigned long long)phys);
}

void ioapic_init(void)
{
    const struct madt_info *madt = madt_system();
    if (madt->valid && madt->ioapic_count > 0) {
        for (unsigned i = 0; i < madt->ioapic_count; i++)
            add_ioapic(madt->ioapics[i].id, madt->ioapics[i].address, madt->ioapics[i].gsi_base);
    } else {
        log_warn("ioapic: the MADT lists no IOAPIC; trying the PC default at 0x%x, GSI base 0",
                 IOAPIC_PC_DEFAULT_ADDRESS);
        add_ioapic(0, IOAPIC_PC_DEFAULT_ADDRESS, 0);
    }
}

unsigned ioapic_count(void) { return ioapic_total; }

const struct ioapic *ioapic_get(unsigned index) { return index < ioapic_total ? &ioapics[index] : NULL; }

uint32_t ioapic_pin_count_total(void)
{
    uint32_t total = 0;
    for (unsigned i = 0; i < ioapic_total; i++)
        total += ioapics[i].pins;
    return total;
}

bool ioapic_gsi_valid(uint32_t gsi)
{
    unsigned pin;
    return lookup(gsi, &pin) != NULL;
}

/* ---- redirection entries ------------------------------------------------------------------ */

bool ioapic_route(uint32_t gsi, uint8_t vector, bool trigger_level, bool active_low, uint32_t dest_apic_id, bool masked)
{
    unsigned pin;
    struct ioapic *io = lookup(gsi, &pin);
    /* Physical destination mode has 8 bits: larger (x2APIC) ids need interrupt remapping. */
    if (!io || vector < 16 || dest_apic_id > 0xFF)
        return false;

    struct ioapic_rte rte = {
        .vector = vector,
        .delivery_mode = APIC_DELIVERY_FIXED,
        .dest_logical = false,
        .active_low = active_low,
        .level_triggered = trigger_level,
        .masked = masked,
        .dest = (uint8_t)dest_apic_id,
    };
    uint64_t value = ioapic_rte_encode(&rte);

    /* The entry is 64 bits but we can only write 32 at a time, and the IOAPIC acts on whatever
     * the entry holds at any moment. If the pin were live while only one half is new, an
     * interrupt could go out with the new vector to the old CPU (or the reverse): a "torn"
     * entry. So: (1) if the pin is unmasked, mask it first (a write of the low half with the
     * mask bit set); (2) write the high half (destination) while it is masked; (3) write the
     * low half last, which sets vector, trigger, polarity and the final mask state in one go. */
    uint64_t flags = raw_lock_acquire(&io->lock);
    uint32_t old_low = reg_read(io, IOAPIC_REG_RTE_LOW(pin));
    if (!(old_low & APIC_MASKED))
        reg_write(io, IOAPIC_REG_RTE_LOW(pin), old_low | APIC_MASKED);
    reg_write(io, IOAPIC_REG_RTE_HIGH(pin), (uint32_t)(value >> 32));
    reg_write(io, IOAPIC_REG_RTE_LOW(pin), (uint32_t)value);
    io->routed[pin / 64] |= 1ull << (pin % 64);
    raw_lock_release(&io->lock, flags);
    return true;
}

bool ioapic_unroute(uint32_t gsi)
{
    unsigned pin;
    struct ioapic *io = lookup(gsi, &pin);
    if (!io)
        return false;
    uint64_t flags = raw_lock_acquire(&io->lock);
    reg_write(io, IOAPIC_REG_RTE_LOW(pin), APIC_MASKED);
    reg_write(io, IOAPIC_REG_RTE_HIGH(pin), 0);
    io->routed[pin / 64] &= ~(1ull << (pin % 64));
    raw_lock_release(&io->lock, flags);
    return true;
}

static bool set_mask(uint32_t gsi, bool masked)
{
    unsigned pin;
    struct ioapic *io = lookup(gsi, &pin);
    if (!io)
        return false;
    /* Read-modify-write of the low half only: vector, trigger and destination stay as they are.
     * (Writing back the read-only bits Delivery Status and Remote IRR has no effect.) */
    uint64_t flags = raw_lock_acquire(&io->lock);
    uint32_t low = reg_read(io, IOAPIC_REG_RTE_LOW(pin));
    low = masked ? (low | APIC_MASKED) : (low & ~APIC_MASKED);
    reg_write(io, IOAPIC_REG_RTE_LOW(pin), low);
    raw_lock_release(&io->lock, flags);
    return true;
}

bool ioapic_mask(uint32_t gsi) { return set_mask(gsi, true); }

bool ioapic_unmask(uint32_t gsi) { return set_mask(gsi, false); }

bool ioapic_read_rte(uint32_t gsi, struct ioapic_rte *out)
{
    unsigned pin;
    struct ioapic *io = lookup(gsi, &pin);
    if (!io)
        return false;
    uint64_t flags = raw_lock_acquire(&io->lock);
    uint64_t value = rte_read(io, pin);
    raw_lock_release(&io->lock, flags);
    *out = ioapic_rte_decode(value);
    return true;
}

bool ioapic_remote_irr(uint32_t gsi)
{
    struct ioapic_rte rte;
    return ioapic_read_rte(gsi, &rte) && rte.remote_irr;
}

bool ioapic_gsi_routed(uint32_t gsi)
{
    unsigned pin;
    struct ioapic *io = lookup(gsi, &pin);
    return io && (io->routed[pin / 64] & (1ull << (pin % 64))) != 0;
}

/* When does the IOAPIC EOI register matter?
 *
 * A level-triggered pin sets Remote IRR when it sends its interrupt and sends nothing more
 * until Remote IRR is cleared, i.e. until the IOAPIC hears an EOI for that vector. Normally the
 * local APIC takes care of it: the vector arrived level-triggered (its TMR bit is set), so
 * lapic_eoi() broadcasts the EOI to every IOAPIC by itself. That is the portable path and the
 * one irqlab uses. The IOAPIC's own EOI register is for the cases where that broadcast does not
 * happen or is not wanted:
 *   * the local APIC has EOI-broadcast suppression enabled (SVR bit 12, for "directed EOI"):
 *     then the OS must EOI each IOAPIC itself, and only the one that sent the interrupt;
 *   * a storm on a masked level line: the entry was masked while its interrupt was in flight,
 *     the local APIC EOI already went by, and Remote IRR is stuck at 1; writing the vector here
 *     clears it so that the line can be unmasked cleanly later.
 * Version 0x11 IOAPICs (the original 82093AA, and KVM's in-kernel IOAPIC) have no such
 * register; there the trick is to reprogram the entry as edge and back to level while masked. */
bool ioapic_eoi(uint32_t gsi, uint8_t vector)
{
    unsigned pin;
    struct ioapic *io = lookup(gsi, &pin);
    if (!io || io->version < IOAPIC_VERSION_WITH_EOI)
        return false;
    /* A single 32-bit write, no IOREGSEL step: no lock needed. */
    io->regs[IOEOI] = vector;
    return true;
}

/* ---- ioapic_print --------------------------------------------------------------------------- */

void ioapic_print(void)
{
    if (ioapic_total == 0) {
        console_printf("IOAPIC: none\n");
        return;
    }
    for (unsigned i = 0; i < ioapic_total; i++) {
        struct ioapic *io = &ioapics[i];
        console_printf("IOAPIC %u: id %u, version 0x%02x, %u pins, GSI %u-%u, MMIO 0x%llx%s\n", i, io->id, io->version,
                       io->pins, io->gsi_base, io->gsi_base + io->pins - 1, (unsigned long long)io->phys,
                       io->version >= IOAPIC_VERSION_WITH_EOI ? ", EOI register" : "");
        console_printf("   GSI pin vector delivery trigger polarity mask   remote-IRR destination\n");
        for (unsigned pin = 0; pin < io->pins; pin++) {
            uint64_t flags = raw_lock_acquire(&io->lock);
            uint64_t value = rte_read(io, pin);
            raw_lock_release(&io->lock, flags);
            struct ioapic_rte rte = ioapic_rte_decode(value);
            console_printf("  %4u %3u   0x%02x %-8s %-7s %-8s %-6s %-10s %s %u\n", io->gsi_base + pin, pin, rte.vector,
                           apic_delivery_mode_name(rte.delivery_mode), rte.level_triggered ? "level" : "edge",
                           rte.active_low ? "low" : "high", rte.masked ? "masked" : "open",
                           rte.remote_irr ? "set" : "-", rte.dest_logical ? "logical" : "apic", rte.dest);
        }
    }
}
