/* arch/x86_64/ioapic.h - the I/O APICs: where device interrupt *lines* become interrupt messages.
 *
 * Intel 82093AA I/O Advanced Programmable Interrupt Controller (IOAPIC) data sheet, section
 * 3.2 (registers: IOREGSEL, IOWIN, IOAPICID, IOAPICVER, IOAPICARB) and section 3.2.4 (the I/O
 * redirection table). ACPI 6.5 section 5.2.12.3 (MADT I/O APIC entry: address and GSI base).
 *
 * What it is: an IOAPIC has a row of input pins (24 on QEMU). Each pin has a 64-bit
 * *redirection table entry* (RTE) saying what to do when the line signals: which vector to
 * send, to which local APIC, edge- or level-triggered, active high or low, and a mask bit.
 * When an unmasked pin fires, the IOAPIC sends that vector as a message to the local APIC; the
 * CPU never talks to the IOAPIC while handling the interrupt (except for the EOI of a level
 * line, which the local APIC normally forwards by itself).
 *
 * Pins are named by GSI (global system interrupt, see arch/x86_64/madt.h): IOAPIC n owns
 * GSIs [gsi_base, gsi_base + pins). Which GSI gets which vector on which CPU is the interrupt
 * core's decision; this module only writes the entries.
 */
#ifndef IRQLAB_ARCH_IOAPIC_H
#define IRQLAB_ARCH_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/apic_encode.h"
#include "kernel/ke/rawlock.h"

#define IOAPIC_MAX 16
#define IOAPIC_MAX_PINS 240 /* VER[23:16] is 8 bits; no real IOAPIC comes close */

/* The IOAPIC EOI register (+0x40) exists from version 0x20 on. */
#define IOAPIC_VERSION_WITH_EOI 0x20u

struct ioapic {
    uint8_t id;      /* from its ID register (bits 27:24) */
    uint8_t madt_id; /* what the MADT said; normally the same */
    uint8_t version; /* VER[7:0]: 0x11 (82093AA, KVM in-kernel), 0x20 (QEMU TCG, PIIX/ICH) */
    uint16_t pins;   /* VER[23:16] + 1 */
    uint32_t gsi_base;
    uint64_t phys;                                /* register window (physical) */
    volatile uint32_t *regs;                      /* ... mapped uncached */
    raw_lock_t lock;                              /* IOREGSEL + IOWIN is a two-step access: one CPU at a time */
    uint64_t routed[(IOAPIC_MAX_PINS + 63) / 64]; /* pins written by ioapic_route since init */
};

/* Find every IOAPIC in the MADT (or assume the PC default, one at 0xFEC00000 with GSI base 0,
 * if the MADT lists none), map it, read its id/version/pin count, and mask every pin. Logs one
 * line per IOAPIC. Call with interrupts off, before anything routes a GSI. */
void ioapic_init(void);

unsigned ioapic_count(void);
const struct ioapic *ioapic_get(unsigned index); /* NULL past the end */
uint32_t ioapic_pin_count_total(void);
bool ioapic_gsi_valid(uint32_t gsi);

/* Program the RTE of `gsi`: fixed delivery, physical destination `dest_apic_id` (0-255),
 * `vector` (16-255), edge or level, active high or low, masked or not. False if the GSI or an
 * argument is invalid (nothing is written then). Safe on a live entry. */
bool ioapic_route(uint32_t gsi, uint8_t vector, bool trigger_level, bool active_low, uint32_t dest_apic_id,
                  bool masked);
/* Undo ioapic_route: back to the init state (masked, edge, vector 0), "not routed". */
bool ioapic_unroute(uint32_t gsi);
/* Flip only the mask bit. False for an invalid GSI. */
bool ioapic_mask(uint32_t gsi);
bool ioapic_unmask(uint32_t gsi);

/* Read and decode an RTE. False for an invalid GSI. */
bool ioapic_read_rte(uint32_t gsi, struct ioapic_rte *out);
/* The entry's Remote IRR bit: a level interrupt was sent and its EOI has not come back. */
bool ioapic_remote_irr(uint32_t gsi);
/* Has ioapic_route() written this GSI since ioapic_init()? (Tests: unrouted pins stay masked.) */
bool ioapic_gsi_routed(uint32_t gsi);

/* Write `vector` to the EOI register of the IOAPIC that owns `gsi`, which clears Remote IRR of
 * its entries with that vector. Only IOAPICs of version >= 0x20 have the register: returns
 * false (and writes nothing) for older ones or an invalid GSI. Not needed normally; see
 * ioapic.c for when it is. */
bool ioapic_eoi(uint32_t gsi, uint8_t vector);

/* Every IOAPIC and every pin, at most 80 columns a line (for the shell). */
void ioapic_print(void);

#endif
