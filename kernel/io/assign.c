/* kernel/io/assign.c - resource assignment: what Windows' PnP manager does between "device found"
 * and IRP_MN_START_DEVICE (learn.microsoft.com: "Hardware Resources", "Using Interrupt Resource
 * Descriptors", "Introduction to Message-Signaled Interrupts").
 *
 * For each device:
 *   1. its address ranges: PCI BARs (already placed by the firmware) or the ISA ports;
 *   2. its interrupt: interrupt_policy.c chooses MSI-X, MSI or the line; the vectors are
 *      allocated and routed *now*, so the translated list can name them:
 *        line   ke_route_gsi / ke_route_isa_irq (a PCI line shared by several devices gets one
 *               vector, reference-counted), the IOAPIC pin stays masked until an ISR connects;
 *        MSI-X  one ke_route_message per table entry (each can have its own IRQL and CPU);
 *        MSI    ke_route_message_block: N contiguous vectors aligned to N in one IRQL class;
 *      If the vectors are not there: one message instead of N (as Windows does), then the line;
 *   3. the raw and translated CM_RESOURCE_LISTs (resource_list.c).
 * The device's INTx pin is disabled (Command bit 10) when it was given messages, enabled when
 * it was given its line: a device uses exactly the interrupt its resources name.
 * The vectors stay the device's until io_release_resources (the device is stopped): connecting
 * and disconnecting ISRs only masks and unmasks them (docs/io-manager.md).
 */
#include "kernel/io/assign.h"

#include "kernel/console/log.h"
#include "kernel/io/io_tags.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/irq_route.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"

static void add_range(struct io_resources *r, UCHAR type, USHORT flags, uint64_t start, uint64_t length)
{
    if (r->range_count == IO_MAX_RANGES || length == 0 || length > 0xFFFFFFFFull)
        return; /* (CmResourceTypeMemoryLarge would be needed above 4 GiB; no QEMU device irqlab uses has one) */
    r->ranges[r->range_count++] = (struct io_range){type, flags, start, (uint32_t)length};
}

static void collect_ranges(struct io_pdo *pdo)
{
    struct io_resources *r = &pdo->resources;
    if (pdo->bus == IO_BUS_ISA) {
        r->interface_type = Isa;
        add_range(r, CmResourceTypePort, CM_RESOURCE_PORT_IO | CM_RESOURCE_PORT_10_BIT_DECODE, pdo->isa_port,
                  pdo->isa_port_length);
        return;
    }
    r->interface_type = PCIBus;
    r->bus_number = pdo->pci->address.bus;
    for (unsigned b = 0; b < PCI_BAR_COUNT; b++) {
        const struct pci_bar *bar = &pdo->pci->bars[b];
        if (bar->base == 0)
            continue; /* not implemented, or the upper half of a 64-bit BAR, or unassigned */
        if (bar->kind == PCI_BAR_IO)
            add_range(r, CmResourceTypePort, CM_RESOURCE_PORT_IO, bar->base, bar->size);
        else if (bar->kind == PCI_BAR_MEM32 || bar->kind == PCI_BAR_MEM64)
            add_range(r, CmResourceTypeMemory,
                      CM_RESOURCE_MEMORY_READ_WRITE | (bar->prefetchable ? CM_RESOURCE_MEMORY_PREFETCHABLE : 0),
                      bar->base, bar->size);
    }
}

static struct io_interrupt_caps caps_of(const struct io_pdo *pdo)
{
    struct io_interrupt_caps caps = {0};
    if (pdo->bus == IO_BUS_ISA) {
        caps.has_line = true;
        return caps;
    }
    const struct pci_device *d = pdo->pci;
    caps.has_line = d->interrupt_pin && d->has_gsi;
    caps.has_msi = d->msi.present;
    caps.msi_max_messages = d->msi.max_messages;
    caps.has_msix = d->msix.present;
    caps.msix_table_size = d->msix.table_size;
    return caps;
}

static NTSTATUS route_line(struct io_pdo *pdo, KAFFINITY affinity)
{
    struct io_resources *r = &pdo->resources;
    uint8_t vector;
    NTSTATUS status;
    if (pdo->bus == IO_BUS_ISA) {
        /* An ISA IRQ is edge-triggered and owned by one device (unless the MADT overrides it). */
        uint32_t gsi;
        status = ke_route_isa_irq(pdo->isa_irq, affinity, pdo->name, &vector, &gsi);
        if (!NT_SUCCESS(status))
            return status;
        r->gsi = gsi;
        r->line_level = ke_gsi_route_get(gsi)->level;
        r->line_shared = false;
    } else {
        /* PCI INTx: level-triggered and shareable (PCI 3.0 §2.2.6); pci_intx.c found the GSI. */
        const struct pci_device *d = pdo->pci;
        status = ke_route_gsi(d->gsi, d->gsi_level, d->gsi_active_low, affinity, pdo->name, &vector);
        if (!NT_SUCCESS(status))
            return status;
        r->gsi = d->gsi;
        r->line_level = d->gsi_level;
        r->line_shared = true;
    }
    r->kind = IO_INTERRUPT_LINE;
    r->line_vector = vector;
    return STATUS_SUCCESS;
}

static void unroute_messages(struct io_pdo *pdo, unsigned count)
{
    for (unsigned i = 0; i < count; i++)
        ke_unroute_message(pdo->messages[i].vector);
}

static void keep_message(struct io_pdo *pdo, unsigned i, const struct ke_message_route *route)
{
    struct io_message *m = &pdo->messages[i];
    m->vector = route->vector;
    m->cpu = route->cpu;
    m->address = route->address;
    m->data = route->data;
    pdo->resources.message_vectors[i] = route->vector;
}

static NTSTATUS route_msix(struct io_pdo *pdo, unsigned count, KAFFINITY affinity)
{
    if (!pci_msix_map(pdo->pci))
        return STATUS_INSUFFICIENT_RESOURCES;
    for (unsigned i = 0; i < count; i++) {
        struct io_message *m = &pdo->messages[i];
        ksnprintf(m->label, sizeof(m->label), "%s MSI-X %u", pdo->name, i);
        struct ke_source source;
        pci_msix_source(pdo->pci, i, m->label, &source);
        struct ke_message_route route;
        /* irql 0: each message gets the next IRQL of the round-robin, so an MSI-X device shows
         * messages of different priorities (and UnifiedIrql is their maximum). */
        NTSTATUS status = ke_route_message(affinity, pdo->options.irql, &source, &route);
        if (!NT_SUCCESS(status)) {
            unroute_messages(pdo, i);
            return status;
        }
        keep_message(pdo, i, &route);
    }
    pdo->resources.kind = IO_INTERRUPT_MSIX;
    pdo->resources.message_count = count;
    return STATUS_SUCCESS;
}

static NTSTATUS route_msi(struct io_pdo *pdo, unsigned count, KAFFINITY affinity)
{
    struct ke_message_route routes[IO_MAX_MSI_MESSAGES];
    struct io_message *first = &pdo->messages[0];
    ksnprintf(first->label, sizeof(first->label), "%s MSI", pdo->name);
    struct ke_source source;
    pci_msi_source(pdo->pci, 0, first->label, &source);
    NTSTATUS status = ke_route_message_block(affinity, pdo->options.irql, count, &source, routes);
    if (!NT_SUCCESS(status))
        return status;
    for (unsigned i = 0; i < count; i++) {
        keep_message(pdo, i, &routes[i]);
        if (i)
            strlcpy(pdo->messages[i].label, first->label, sizeof(pdo->messages[i].label));
    }
    pdo->resources.kind = IO_INTERRUPT_MSI;
    pdo->resources.message_count = count;
    return STATUS_SUCCESS;
}

typedef NTSTATUS route_messages_fn(struct io_pdo *pdo, unsigned count, KAFFINITY affinity);

/* Route the chosen kind; fewer messages, then the line, when vectors run out. */
static NTSTATUS route_interrupt(struct io_pdo *pdo, struct io_interrupt_choice choice, bool has_line,
                                KAFFINITY affinity)
{
    NTSTATUS status = STATUS_SUCCESS;
    if (choice.kind == IO_INTERRUPT_MSIX || choice.kind == IO_INTERRUPT_MSI) {
        route_messages_fn *route = choice.kind == IO_INTERRUPT_MSIX ? route_msix : route_msi;
        status = route(pdo, choice.messages, affinity);
        if (!NT_SUCCESS(status) && choice.messages > 1) {
            log_warn("io: %s: no vectors for %u %s messages, trying one", pdo->name, choice.messages,
                     io_interrupt_kind_name(choice.kind));
            status = route(pdo, 1, affinity);
        }
        if (NT_SUCCESS(status))
            return status;
        log_warn("io: %s: no vector for %s (status 0x%08x)%s", pdo->name, io_interrupt_kind_name(choice.kind),
                 (unsigned)status, has_line ? ", using its line" : "");
        if (!has_line)
            return status;
        choice.kind = IO_INTERRUPT_LINE;
    }
    if (choice.kind == IO_INTERRUPT_LINE)
        status = route_line(pdo, affinity);
    return status;
}

static void unroute_interrupt(struct io_pdo *pdo)
{
    struct io_resources *r = &pdo->resources;
    if (r->kind == IO_INTERRUPT_LINE)
        ke_unroute_gsi(r->gsi);
    else if (r->kind == IO_INTERRUPT_MSI || r->kind == IO_INTERRUPT_MSIX)
        unroute_messages(pdo, r->message_count);
    r->kind = IO_INTERRUPT_NONE;
    r->message_count = 0;
}

NTSTATUS io_assign_resources(struct io_pdo *pdo, const struct io_interrupt_policy *policy)
{
    if (pdo->assigned)
        return STATUS_SUCCESS;
    memset(&pdo->resources, 0, sizeof(pdo->resources));
    memset(pdo->messages, 0, sizeof(pdo->messages));
    collect_ranges(pdo);

    KAFFINITY affinity = KeQueryActiveProcessors();
    if (pdo->options.cpu_set) { /* the rebalance aims the device at one processor */
        if (pdo->options.cpu < 0 || pdo->options.cpu >= 64 || !(affinity & (1ull << pdo->options.cpu)))
            return STATUS_INVALID_PARAMETER;
        affinity = 1ull << pdo->options.cpu;
    }
    struct io_interrupt_caps caps = caps_of(pdo);
    pdo->resources.affinity = affinity;
    NTSTATUS status = route_interrupt(pdo, io_choose_interrupt(&caps, policy), caps.has_line, affinity);
    if (!NT_SUCCESS(status))
        log_warn("io: %s gets no interrupt (status 0x%08x)", pdo->name, (unsigned)status);

    ULONG size = io_resource_list_size(&pdo->resources);
    pdo->raw = ExAllocatePool2(POOL_FLAG_NON_PAGED, size, IO_TAG_RESOURCES);
    pdo->translated = ExAllocatePool2(POOL_FLAG_NON_PAGED, size, IO_TAG_RESOURCES);
    if (!pdo->raw || !pdo->translated) {
        if (pdo->raw)
            ExFreePoolWithTag(pdo->raw, IO_TAG_RESOURCES);
        if (pdo->translated)
            ExFreePoolWithTag(pdo->translated, IO_TAG_RESOURCES);
        pdo->raw = pdo->translated = NULL;
        unroute_interrupt(pdo);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    io_resource_list_build(&pdo->resources, pdo->raw, pdo->translated);

    if (pdo->bus == IO_BUS_PCI) {
        enum io_interrupt_kind kind = pdo->resources.kind;
        if (kind == IO_INTERRUPT_MSI || kind == IO_INTERRUPT_MSIX)
            pci_set_intx_disabled(pdo->pci, true); /* its interrupt is a message now */
        else if (kind == IO_INTERRUPT_LINE)
            pci_set_intx_disabled(pdo->pci, false); /* its interrupt is the pin */
    }
    pdo->assigned = true;
    return STATUS_SUCCESS;
}

void io_release_resources(struct io_pdo *pdo)
{
    if (!pdo->assigned)
        return;
    if (pdo->bus == IO_BUS_PCI) {
        if (pdo->resources.kind == IO_INTERRUPT_MSIX)
            pci_msix_disable(pdo->pci);
        else if (pdo->resources.kind == IO_INTERRUPT_MSI)
            pci_msi_disable(pdo->pci);
        /* Back to what the firmware left: a stopped device's pin is nobody's decision. */
        pci_set_intx_disabled(pdo->pci, (pdo->pci->command_at_boot & PCI_COMMAND_INTX_DISABLE) != 0);
    }
    pdo->messages_enabled = false;
    unroute_interrupt(pdo);
    ExFreePoolWithTag(pdo->raw, IO_TAG_RESOURCES);
    ExFreePoolWithTag(pdo->translated, IO_TAG_RESOURCES);
    pdo->raw = pdo->translated = NULL;
    pdo->assigned = false;
}
