/* kernel/io/resource_list.h - building and reading CM_RESOURCE_LISTs.
 *
 * learn.microsoft.com: CM_RESOURCE_LIST, CM_FULL_RESOURCE_DESCRIPTOR, CM_PARTIAL_RESOURCE_LIST,
 * CM_PARTIAL_RESOURCE_DESCRIPTOR; "Using Interrupt Resource Descriptors".
 *
 * The PnP code (pnp.c) decides what a device gets and describes it as a `struct io_resources`;
 * io_resource_list_build turns that into the two lists a driver sees at start:
 *
 *   descriptor        raw (bus terms)                      translated (CPU terms)
 *   port / memory     Start, Length                        the same (x86: bus address = CPU address)
 *   line interrupt    Level = Vector = the GSI             Level = IRQL, Vector = IDT vector
 *                     LEVEL_SENSITIVE or LATCHED           the same flags
 *   MSI               one descriptor, Raw.MessageCount = n Translated.Vector = vector of message 0
 *   MSI-X             one descriptor per message           one per message
 *
 * Message descriptors carry CM_RESOURCE_INTERRUPT_MESSAGE | LATCHED. The raw Vector of a message
 * is CM_RESOURCE_INTERRUPT_MESSAGE_TOKEN: a message has no bus-side vector number. Both lists
 * have the same descriptors in the same order, so index i of one matches index i of the other.
 * Pure code: tests/unit/test_io_resources.c.
 */
#ifndef IRQLAB_IO_RESOURCE_LIST_H
#define IRQLAB_IO_RESOURCE_LIST_H

#include <stdbool.h>
#include <stdint.h>

#include "include/wdm.h"
#include "kernel/io/interrupt_policy.h"

#define IO_MAX_RANGES 8 /* 6 BARs (or a few ISA port ranges) fit */

struct io_range {
    UCHAR type;   /* CmResourceTypePort or CmResourceTypeMemory */
    USHORT flags; /* CM_RESOURCE_PORT_* / CM_RESOURCE_MEMORY_* */
    uint64_t start;
    uint32_t length;
};

/* Everything a device was given. */
struct io_resources {
    INTERFACE_TYPE interface_type;
    ULONG bus_number;
    unsigned range_count;
    struct io_range ranges[IO_MAX_RANGES];

    enum io_interrupt_kind kind;
    KAFFINITY affinity; /* reported in every interrupt descriptor */
    /* IO_INTERRUPT_LINE */
    uint32_t gsi;
    uint8_t line_vector;
    bool line_level;  /* level-triggered (PCI INTx) or edge (ISA) */
    bool line_shared; /* CmResourceShareShared (PCI INTx) or exclusive (ISA) */
    /* IO_INTERRUPT_MSI / IO_INTERRUPT_MSIX */
    unsigned message_count;
    uint8_t message_vectors[IO_MAX_MESSAGES]; /* MSI: contiguous, message_vectors[i] = [0] + i */
};

/* Bytes one list of these resources takes (at least sizeof(CM_RESOURCE_LIST)). */
ULONG io_resource_list_size(const struct io_resources *r);
/* Fill both lists (each io_resource_list_size bytes). */
void io_resource_list_build(const struct io_resources *r, PCM_RESOURCE_LIST raw, PCM_RESOURCE_LIST translated);

/* Reading a list: descriptors are numbered across all full descriptors, from 0. */
ULONG io_resource_count(const CM_RESOURCE_LIST *list);
const CM_PARTIAL_RESOURCE_DESCRIPTOR *io_resource_at(const CM_RESOURCE_LIST *list, ULONG index);
/* First descriptor of `type` at or after index *from (which is advanced past it); NULL if none. */
const CM_PARTIAL_RESOURCE_DESCRIPTOR *io_resource_find(const CM_RESOURCE_LIST *list, UCHAR type, ULONG *from);

static inline bool io_descriptor_is_message(const CM_PARTIAL_RESOURCE_DESCRIPTOR *d)
{
    return d->Type == CmResourceTypeInterrupt && (d->Flags & CM_RESOURCE_INTERRUPT_MESSAGE);
}
static inline bool io_descriptor_is_line(const CM_PARTIAL_RESOURCE_DESCRIPTOR *d)
{
    return d->Type == CmResourceTypeInterrupt && !(d->Flags & CM_RESOURCE_INTERRUPT_MESSAGE);
}

#endif
