/* kernel/ke/irq_route.c - GSI routing through the IOAPIC (see irq_route.h).
 * Intel 82093AA IOAPIC data sheet §3.2.4 (redirection table); ACPI 6.5 §5.2.12.5 (overrides). */
#include "kernel/ke/irq_route.h"

#include "arch/x86_64/ioapic.h"
#include "arch/x86_64/madt.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/kprcb.h"
#include "kernel/ke/vectors.h"

#define KE_MAX_GSI 256

static struct ke_gsi_route routes[KE_MAX_GSI];
static uint32_t routes_per_cpu[KE_MAX_CPUS];
static raw_lock_t route_lock = RAW_LOCK_INIT;

static void gsi_mask(const struct ke_source *source) { ioapic_mask(source->gsi); }
static void gsi_unmask(const struct ke_source *source) { ioapic_unmask(source->gsi); }

uint32_t ke_pick_target_cpu(KAFFINITY affinity)
{
    KAFFINITY allowed = affinity & ke_active_processors;
    if (!allowed)
        allowed = ke_active_processors;
    uint32_t best = 0;
    bool found = false;
    for (uint32_t cpu = 0; cpu < KE_MAX_CPUS; cpu++) {
        if (!(allowed & ((KAFFINITY)1 << cpu)))
            continue;
        if (!found || routes_per_cpu[cpu] < routes_per_cpu[best]) {
            best = cpu;
            found = true;
        }
    }
    return best;
}

NTSTATUS ke_route_gsi(uint32_t gsi, bool level, bool active_low, KAFFINITY affinity, const char *label,
                      uint8_t *vector)
{
    if (gsi >= KE_MAX_GSI || !ioapic_gsi_valid(gsi))
        return STATUS_INVALID_PARAMETER;
    uint64_t flags = raw_lock_acquire(&route_lock);
    struct ke_gsi_route *r = &routes[gsi];
    NTSTATUS status = STATUS_SUCCESS;
    if (r->refcount > 0) {
        if (r->level != level || r->active_low != active_low)
            status = STATUS_INVALID_DEVICE_REQUEST; /* one pin has one trigger mode */
        else
            r->refcount++;
        *vector = r->vector;
        raw_lock_release(&route_lock, flags);
        return status;
    }
    int v = ke_vector_alloc(0);
    if (v < 0) {
        raw_lock_release(&route_lock, flags);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    uint32_t cpu = ke_pick_target_cpu(affinity);
    routes_per_cpu[cpu]++;
    *r = (struct ke_gsi_route){1, (uint8_t)v, level, active_low, cpu};
    struct ke_source source = {.kind = KE_SOURCE_GSI,
                               .gsi = gsi,
                               .level = level,
                               .active_low = active_low,
                               .label = label,
                               .mask = gsi_mask,
                               .unmask = gsi_unmask,
                               .cpu = cpu};
    ke_vector_set_source((uint8_t)v, &source);
    ioapic_route(gsi, (uint8_t)v, level, active_low, ke_prcbs[cpu]->apic_id, true);
    *vector = (uint8_t)v;
    raw_lock_release(&route_lock, flags);
    return STATUS_SUCCESS;
}

NTSTATUS ke_route_isa_irq(uint8_t irq, KAFFINITY affinity, const char *label, uint8_t *vector, uint32_t *gsi)
{
    uint32_t g;
    bool level, active_low;
    if (irq > 15 || !madt_isa_irq_to_gsi(irq, &g, &level, &active_low))
        return STATUS_INVALID_PARAMETER;
    if (gsi)
        *gsi = g;
    return ke_route_gsi(g, level, active_low, affinity, label, vector);
}

void ke_unroute_gsi(uint32_t gsi)
{
    if (gsi >= KE_MAX_GSI)
        return;
    uint64_t flags = raw_lock_acquire(&route_lock);
    struct ke_gsi_route *r = &routes[gsi];
    if (r->refcount > 0 && --r->refcount == 0) {
        ioapic_mask(gsi);
        routes_per_cpu[r->cpu]--;
        ke_vector_free(r->vector);
    }
    raw_lock_release(&route_lock, flags);
}

const struct ke_gsi_route *ke_gsi_route_get(uint32_t gsi) { return gsi < KE_MAX_GSI ? &routes[gsi] : NULL; }

#define MSI_ADDRESS_BASE 0xFEE00000ull
#define MSI_ADDRESS_DEST_SHIFT 12

static uint64_t msi_address(uint32_t cpu)
{
    return MSI_ADDRESS_BASE | ((uint64_t)(ke_prcbs[cpu]->apic_id & 0xFF) << MSI_ADDRESS_DEST_SHIFT);
}

NTSTATUS ke_route_message(KAFFINITY affinity, KIRQL irql, const struct ke_source *source,
                          struct ke_message_route *out)
{
    uint64_t flags = raw_lock_acquire(&route_lock);
    int v = ke_vector_alloc(irql);
    if (v < 0) {
        raw_lock_release(&route_lock, flags);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    uint32_t cpu = ke_pick_target_cpu(affinity);
    routes_per_cpu[cpu]++;
    struct ke_source s = *source;
    s.kind = KE_SOURCE_MSI;
    s.cpu = cpu;
    ke_vector_set_source((uint8_t)v, &s);
    out->vector = (uint8_t)v;
    out->cpu = cpu;
    out->address = msi_address(cpu);
    out->data = (uint32_t)v; /* delivery mode fixed (000), edge: bits 15:14 = 0 */
    raw_lock_release(&route_lock, flags);
    return STATUS_SUCCESS;
}

void ke_unroute_message(uint8_t vector)
{
    uint64_t flags = raw_lock_acquire(&route_lock);
    struct ke_vector *v = &ke_vector_table[vector];
    if (v->source.kind == KE_SOURCE_MSI && v->object_count == 0) {
        if (routes_per_cpu[v->source.cpu])
            routes_per_cpu[v->source.cpu]--;
        ke_vector_free(vector);
    }
    raw_lock_release(&route_lock, flags);
}

NTSTATUS ke_route_message_block(KAFFINITY affinity, KIRQL irql, unsigned count, const struct ke_source *source,
                                struct ke_message_route *out)
{
    uint64_t flags = raw_lock_acquire(&route_lock);
    int base = ke_vector_alloc_block(irql, count);
    if (base < 0) {
        raw_lock_release(&route_lock, flags);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    /* One MSI capability has one address register: every message goes to the same CPU. */
    uint32_t cpu = ke_pick_target_cpu(affinity);
    for (unsigned i = 0; i < count; i++) {
        uint8_t vector = (uint8_t)(base + (int)i);
        routes_per_cpu[cpu]++;
        struct ke_source s = *source;
        s.kind = KE_SOURCE_MSI;
        s.cpu = cpu;
        s.message = source->message + i;
        ke_vector_set_source(vector, &s);
        out[i].vector = vector;
        out[i].cpu = cpu;
        out[i].address = msi_address(cpu);
        out[i].data = vector;
    }
    raw_lock_release(&route_lock, flags);
    return STATUS_SUCCESS;
}

NTSTATUS ke_route_retarget(uint8_t vector, uint32_t cpu, struct ke_message_route *out)
{
    if (cpu >= KE_MAX_CPUS || !ke_prcbs[cpu] || !ke_prcbs[cpu]->online)
        return STATUS_INVALID_PARAMETER;
    uint64_t flags = raw_lock_acquire(&route_lock);
    struct ke_vector *v = &ke_vector_table[vector];
    NTSTATUS status = STATUS_SUCCESS;
    if (v->source.kind == KE_SOURCE_GSI && v->source.gsi < KE_MAX_GSI && routes[v->source.gsi].refcount > 0 &&
        routes[v->source.gsi].vector == vector) {
        struct ke_gsi_route *r = &routes[v->source.gsi];
        routes_per_cpu[r->cpu]--;
        routes_per_cpu[cpu]++;
        r->cpu = cpu;
        v->source.cpu = cpu;
        ioapic_route(v->source.gsi, vector, r->level, r->active_low, ke_prcbs[cpu]->apic_id, v->masked);
    } else if (v->source.kind == KE_SOURCE_MSI) {
        if (routes_per_cpu[v->source.cpu])
            routes_per_cpu[v->source.cpu]--;
        routes_per_cpu[cpu]++;
        v->source.cpu = cpu;
    } else {
        status = STATUS_INVALID_PARAMETER;
    }
    if (NT_SUCCESS(status) && out) {
        out->vector = vector;
        out->cpu = cpu;
        out->address = msi_address(cpu);
        out->data = vector;
    }
    raw_lock_release(&route_lock, flags);
    return status;
}

uint32_t ke_route_target_cpu(uint8_t vector) { return ke_vector_table[vector].source.cpu; }
