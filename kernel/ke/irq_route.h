/* kernel/ke/irq_route.h - the one place that decides GSI -> vector -> CPU.
 *
 * A line interrupt enters an IOAPIC pin (its GSI, "global system interrupt"). Routing it means:
 * pick a vector (and so an IRQL, see vector_alloc.h), pick a CPU from the allowed affinity, and
 * program the IOAPIC redirection entry - masked - with trigger mode and polarity. Drivers that
 * share a PCI line share the GSI, so a second request for a routed GSI returns the same vector.
 * The line is unmasked only when the first interrupt object connects (interrupt.c).
 */
#ifndef IRQLAB_KE_IRQ_ROUTE_H
#define IRQLAB_KE_IRQ_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "include/wdm.h"
#include "kernel/ke/interrupt.h"

struct ke_gsi_route {
    uint32_t refcount;  /* routes handed out for this GSI */
    uint8_t vector;
    bool level;
    bool active_low;
    uint32_t cpu;       /* processor number it is delivered to */
};

/* Route `gsi`; on success *vector holds its vector (IRQL = vector >> 4). Fails with
 * STATUS_INVALID_PARAMETER for a GSI no IOAPIC has, STATUS_INVALID_DEVICE_REQUEST if the GSI is
 * already routed with another trigger mode/polarity, STATUS_INSUFFICIENT_RESOURCES when out of
 * vectors. */
NTSTATUS ke_route_gsi(uint32_t gsi, bool level, bool active_low, KAFFINITY affinity, const char *label,
                      uint8_t *vector);
/* An ISA IRQ (0-15): the MADT's interrupt source overrides give its GSI, trigger and polarity. */
NTSTATUS ke_route_isa_irq(uint8_t irq, KAFFINITY affinity, const char *label, uint8_t *vector, uint32_t *gsi);
/* Drop one route; the last one masks the pin and frees the vector. */
void ke_unroute_gsi(uint32_t gsi);
const struct ke_gsi_route *ke_gsi_route_get(uint32_t gsi);

/* A message-signalled interrupt (PCI MSI / MSI-X): what the device must write, and where.
 * Intel SDM Vol. 3A §11.11 "Message Signalled Interrupts": address 0xFEE00000 with the target
 * APIC id in bits 19:12 (physical destination mode), data = the vector (fixed, edge). */
struct ke_message_route {
    uint8_t vector;
    uint32_t cpu;        /* processor number that receives it */
    uint64_t address;    /* MessageAddress */
    uint32_t data;       /* MessageData */
};

/* Allocate a vector (irql 0 = any DIRQL) and a target CPU from `affinity` for one message;
 * `source` supplies the label and the mask/unmask hooks (the PCI code masks an MSI-X entry or
 * the MSI capability). STATUS_INSUFFICIENT_RESOURCES when out of vectors. */
NTSTATUS ke_route_message(KAFFINITY affinity, KIRQL irql, const struct ke_source *source,
                          struct ke_message_route *out);
/* Give the message's vector back (its objects must be disconnected first). */
void ke_unroute_message(uint8_t vector);

/* Multi-message MSI: `count` messages (a power of two <= 16) on contiguous vectors aligned to
 * `count` within one IRQL class (vector_alloc.h says why), all aimed at one CPU through one
 * address. out[i] describes message i: out[i].data = out[0].data + i. Each message's source is
 * `source` with .message = source->message + i. STATUS_INSUFFICIENT_RESOURCES if no such block
 * is free. Each vector is given back with ke_unroute_message. */
NTSTATUS ke_route_message_block(KAFFINITY affinity, KIRQL irql, unsigned count, const struct ke_source *source,
                                struct ke_message_route *out);

/* Move a routed vector - a GSI's or a message's - to processor `cpu`. A GSI's IOAPIC entry is
 * rewritten at once (its mask bit kept); for a message only the routing changes and *out (may be
 * NULL for a GSI) gets the new address and data, which the caller must write into the device.
 * STATUS_INVALID_PARAMETER if the vector is not routed or `cpu` is not online. */
NTSTATUS ke_route_retarget(uint8_t vector, uint32_t cpu, struct ke_message_route *out);
/* The processor a routed vector is delivered to. */
uint32_t ke_route_target_cpu(uint8_t vector);

/* The CPU an interrupt allowed on `affinity` should go to: the allowed online CPU that has the
 * fewest routes so far (spreads devices; deterministic). Returns the processor number. */
uint32_t ke_pick_target_cpu(KAFFINITY affinity);

#endif
