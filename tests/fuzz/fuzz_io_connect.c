/* tests/fuzz/fuzz_io_connect.c - IoConnectInterruptEx's parameter validation and planning
 * (kernel/io/connect_plan.c): an IO_CONNECT_INTERRUPT_PARAMETERS of any content (Version, IRQLs,
 * vector, mode, masks; its pointers are only compared with NULL, so their bytes are the
 * fuzzer's too) against a device whose resources (line, MSI or MSI-X, vectors, affinity) come
 * from the input, and a set of active processors. The resources are the kernel's own (the PnP
 * manager's translated list, not a driver's input), so they are kept to what the vector
 * allocator hands out: device vectors KE_VECTOR_DEVICE_FIRST..LAST, multi-message MSI a
 * power-of-two block aligned to its size. Whatever io_connect_check_parameters lets
 * through must give a plan whose every object obeys the rules it promises: Irql = Vector >> 4
 * (except passive), SynchronizeIrql >= Irql, an affinity inside the active CPUs.
 * fuzz-sources: kernel/io/connect_plan.c kernel/io/resource_list.c
 */
#include "tests/fuzz/fuzz.h"

#include "kernel/io/connect_plan.h"
#include "kernel/io/resource_list.h"
#include "kernel/ke/vectors.h"

static struct io_connect_plan plan;

static uint8_t device_vector(uint64_t byte)
{
    return (uint8_t)(KE_VECTOR_DEVICE_FIRST + byte % (KE_VECTOR_DEVICE_LAST - KE_VECTOR_DEVICE_FIRST + 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = {data, size};
    IO_CONNECT_INTERRUPT_PARAMETERS p;
    memset(&p, 0, sizeof(p));
    for (size_t i = 0; i < sizeof(p); i++)
        ((uint8_t *)&p)[i] = (uint8_t)fuzz_take(&in, 1);
    p.Version = (ULONG)(p.Version % 8); /* 0..7: the five versions and a few that are not */
    KAFFINITY active = (KAFFINITY)fuzz_take(&in, 1) | 1; /* CPU 0 is always there */

    struct io_resources r;
    memset(&r, 0, sizeof(r));
    r.interface_type = PCIBus;
    r.kind = (enum io_interrupt_kind)(fuzz_take(&in, 1) % 4);
    r.affinity = (KAFFINITY)fuzz_take(&in, 1);
    r.gsi = (uint32_t)fuzz_take(&in, 1);
    r.line_vector = device_vector(fuzz_take(&in, 1));
    uint8_t flags = (uint8_t)fuzz_take(&in, 1);
    r.line_level = flags & 1;
    r.line_shared = flags & 2;
    if (r.kind == IO_INTERRUPT_MSI) { /* 1, 2, 4, 8 or 16 contiguous vectors, aligned */
        r.message_count = 1u << (fuzz_take(&in, 1) % 5);
        uint8_t base = (uint8_t)(device_vector(fuzz_take(&in, 1)) & ~(r.message_count - 1));
        if (base < KE_VECTOR_DEVICE_FIRST)
            base = KE_VECTOR_DEVICE_FIRST;
        for (unsigned i = 0; i < r.message_count; i++)
            r.message_vectors[i] = (uint8_t)(base + i);
    } else {
        r.message_count = (unsigned)(fuzz_take(&in, 1) % (IO_MAX_MESSAGES + 1));
        for (unsigned i = 0; i < r.message_count; i++)
            r.message_vectors[i] = device_vector(fuzz_take(&in, 1));
    }
    bool no_lists = flags & 4;

    PCM_RESOURCE_LIST raw = NULL, translated = NULL;
    if (!no_lists) {
        ULONG bytes = io_resource_list_size(&r);
        raw = malloc(bytes);
        translated = malloc(bytes);
        io_resource_list_build(&r, raw, translated);
    }
    NTSTATUS status = io_connect_check_parameters(&p, active);
    if (NT_SUCCESS(status)) {
        memset(&plan, 0, sizeof(plan));
        status = io_connect_make_plan(&p, raw, translated, active, &plan);
        if (NT_SUCCESS(status)) {
            FUZZ_CHECK(plan.count >= 1 && plan.count <= IO_MAX_PLAN_OBJECTS);
            for (ULONG i = 0; i < plan.count; i++) {
                const struct io_plan_object *o = &plan.objects[i];
                FUZZ_CHECK(o->vector <= 0xFF);
                if (!plan.passive)
                    FUZZ_CHECK(o->irql == (KIRQL)(o->vector >> 4));
                FUZZ_CHECK(o->synchronize_irql >= o->irql && o->synchronize_irql <= HIGH_LEVEL);
                FUZZ_CHECK(o->affinity != 0 && (o->affinity & ~active) == 0);
                FUZZ_CHECK(o->mode == LevelSensitive || o->mode == Latched);
            }
        }
    }
    free(raw);
    free(translated);
    return 0;
}
