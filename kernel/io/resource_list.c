/* kernel/io/resource_list.c - see resource_list.h. */
#include "kernel/io/resource_list.h"

#include <stddef.h>

/* Where the partial descriptors of a full descriptor start, and how big the whole thing is. */
#define FULL_HEADER_SIZE offsetof(CM_FULL_RESOURCE_DESCRIPTOR, PartialResourceList.PartialDescriptors)
#define LIST_HEADER_SIZE offsetof(CM_RESOURCE_LIST, List)

static ULONG interrupt_descriptor_count(const struct io_resources *r)
{
    switch (r->kind) {
    case IO_INTERRUPT_LINE: return 1;
    case IO_INTERRUPT_MSI: return r->message_count ? 1 : 0;
    case IO_INTERRUPT_MSIX: return r->message_count;
    case IO_INTERRUPT_NONE: break;
    }
    return 0;
}

ULONG io_resource_list_size(const struct io_resources *r)
{
    ULONG n = r->range_count + interrupt_descriptor_count(r);
    ULONG size = (ULONG)(LIST_HEADER_SIZE + FULL_HEADER_SIZE + n * sizeof(CM_PARTIAL_RESOURCE_DESCRIPTOR));
    return size < sizeof(CM_RESOURCE_LIST) ? (ULONG)sizeof(CM_RESOURCE_LIST) : size;
}

static void zero(void *p, size_t n)
{
    unsigned char *b = p;
    while (n--)
        *b++ = 0;
}

/* One interrupt descriptor pair. */
static void put_interrupt(PCM_PARTIAL_RESOURCE_DESCRIPTOR raw, PCM_PARTIAL_RESOURCE_DESCRIPTOR tr, USHORT flags,
                          UCHAR share)
{
    raw->Type = tr->Type = CmResourceTypeInterrupt;
    raw->ShareDisposition = tr->ShareDisposition = share;
    raw->Flags = tr->Flags = flags;
}

void io_resource_list_build(const struct io_resources *r, PCM_RESOURCE_LIST raw, PCM_RESOURCE_LIST translated)
{
    ULONG size = io_resource_list_size(r);
    zero(raw, size);
    zero(translated, size);
    PCM_RESOURCE_LIST lists[2] = {raw, translated};
    for (int i = 0; i < 2; i++) {
        lists[i]->Count = 1;
        lists[i]->List[0].InterfaceType = r->interface_type;
        lists[i]->List[0].BusNumber = r->bus_number;
        lists[i]->List[0].PartialResourceList.Version = 1;
        lists[i]->List[0].PartialResourceList.Revision = 1;
    }
    PCM_PARTIAL_RESOURCE_DESCRIPTOR rd = raw->List[0].PartialResourceList.PartialDescriptors;
    PCM_PARTIAL_RESOURCE_DESCRIPTOR td = translated->List[0].PartialResourceList.PartialDescriptors;
    ULONG n = 0;

    for (unsigned i = 0; i < r->range_count; i++, n++) {
        const struct io_range *range = &r->ranges[i];
        rd[n].Type = td[n].Type = range->type;
        rd[n].ShareDisposition = td[n].ShareDisposition = CmResourceShareDeviceExclusive;
        rd[n].Flags = td[n].Flags = range->flags;
        /* Port and Memory share Generic's layout: Start, Length. */
        rd[n].u.Generic.Start.QuadPart = td[n].u.Generic.Start.QuadPart = (LONGLONG)range->start;
        rd[n].u.Generic.Length = td[n].u.Generic.Length = range->length;
    }

    switch (r->kind) {
    case IO_INTERRUPT_LINE:
        put_interrupt(&rd[n], &td[n],
                      r->line_level ? CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE : CM_RESOURCE_INTERRUPT_LATCHED,
                      r->line_shared ? CmResourceShareShared : CmResourceShareDeviceExclusive);
        rd[n].u.Interrupt.Level = (USHORT)r->gsi;
        rd[n].u.Interrupt.Vector = r->gsi;
        rd[n].u.Interrupt.Affinity = r->affinity;
        td[n].u.Interrupt.Level = (USHORT)(r->line_vector >> 4); /* x64: IRQL = vector >> 4 */
        td[n].u.Interrupt.Vector = r->line_vector;
        td[n].u.Interrupt.Affinity = r->affinity;
        n++;
        break;
    case IO_INTERRUPT_MSI:
    case IO_INTERRUPT_MSIX: {
        /* MSI: one descriptor for the whole block; MSI-X: one per table entry. */
        unsigned descriptors = r->kind == IO_INTERRUPT_MSI ? (r->message_count ? 1 : 0) : r->message_count;
        for (unsigned m = 0; m < descriptors; m++, n++) {
            put_interrupt(&rd[n], &td[n], CM_RESOURCE_INTERRUPT_MESSAGE | CM_RESOURCE_INTERRUPT_LATCHED,
                          CmResourceShareDeviceExclusive);
            rd[n].u.MessageInterrupt.Raw.MessageCount = (USHORT)(r->kind == IO_INTERRUPT_MSI ? r->message_count : 1);
            rd[n].u.MessageInterrupt.Raw.Vector = CM_RESOURCE_INTERRUPT_MESSAGE_TOKEN;
            rd[n].u.MessageInterrupt.Raw.Affinity = r->affinity;
            td[n].u.MessageInterrupt.Translated.Level = (USHORT)(r->message_vectors[m] >> 4);
            td[n].u.MessageInterrupt.Translated.Vector = r->message_vectors[m];
            td[n].u.MessageInterrupt.Translated.Affinity = r->affinity;
        }
        break;
    }
    case IO_INTERRUPT_NONE: break;
    }
    raw->List[0].PartialResourceList.Count = translated->List[0].PartialResourceList.Count = n;
}

/* The full descriptor after `full` (they are variable-sized: Count partial descriptors each). */
static const CM_FULL_RESOURCE_DESCRIPTOR *next_full(const CM_FULL_RESOURCE_DESCRIPTOR *full)
{
    return (const CM_FULL_RESOURCE_DESCRIPTOR *)((const char *)full + FULL_HEADER_SIZE +
                                                 full->PartialResourceList.Count *
                                                     sizeof(CM_PARTIAL_RESOURCE_DESCRIPTOR));
}

ULONG io_resource_count(const CM_RESOURCE_LIST *list)
{
    if (!list)
        return 0;
    ULONG n = 0;
    const CM_FULL_RESOURCE_DESCRIPTOR *full = list->List;
    for (ULONG f = 0; f < list->Count; f++, full = next_full(full))
        n += full->PartialResourceList.Count;
    return n;
}

const CM_PARTIAL_RESOURCE_DESCRIPTOR *io_resource_at(const CM_RESOURCE_LIST *list, ULONG index)
{
    if (!list)
        return NULL;
    const CM_FULL_RESOURCE_DESCRIPTOR *full = list->List;
    for (ULONG f = 0; f < list->Count; f++, full = next_full(full)) {
        if (index < full->PartialResourceList.Count)
            return &full->PartialResourceList.PartialDescriptors[index];
        index -= full->PartialResourceList.Count;
    }
    return NULL;
}

const CM_PARTIAL_RESOURCE_DESCRIPTOR *io_resource_find(const CM_RESOURCE_LIST *list, UCHAR type, ULONG *from)
{
    ULONG count = io_resource_count(list);
    for (ULONG i = *from; i < count; i++) {
        const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_resource_at(list, i);
        if (d->Type == type) {
            *from = i + 1;
            return d;
        }
    }
    *from = count;
    return NULL;
}
