/* tests/unit/test_io_resources.c - which interrupt a device gets, and the resource lists built
 * from it (kernel/io/interrupt_policy.c, kernel/io/resource_list.c).
 * unit-sources: kernel/io/interrupt_policy.c kernel/io/resource_list.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h> /* after the headers it needs */

#include "kernel/io/interrupt_policy.h"
#include "kernel/io/resource_list.h"

static const struct io_interrupt_policy all_on = {.msi_enabled = true, .msix_enabled = true};

static void msix_preferred_over_msi_and_line(void **state)
{
    (void)state;
    struct io_interrupt_caps e1000e = {
        .has_line = true, .has_msi = true, .msi_max_messages = 1, .has_msix = true, .msix_table_size = 5};
    struct io_interrupt_choice c = io_choose_interrupt(&e1000e, &all_on);
    assert_int_equal(c.kind, IO_INTERRUPT_MSIX);
    assert_int_equal(c.messages, 5);
}

static void msix_off_gives_msi_msi_off_gives_line(void **state)
{
    (void)state;
    struct io_interrupt_caps e1000e = {
        .has_line = true, .has_msi = true, .msi_max_messages = 1, .has_msix = true, .msix_table_size = 5};
    struct io_interrupt_policy msix_off = {.msi_enabled = true, .msix_enabled = false};
    struct io_interrupt_choice c = io_choose_interrupt(&e1000e, &msix_off);
    assert_int_equal(c.kind, IO_INTERRUPT_MSI);
    assert_int_equal(c.messages, 1);

    /* msi=off turns off every kind of message interrupt, MSI-X included. */
    struct io_interrupt_policy msi_off = {.msi_enabled = false, .msix_enabled = true};
    c = io_choose_interrupt(&e1000e, &msi_off);
    assert_int_equal(c.kind, IO_INTERRUPT_LINE);
    assert_int_equal(c.messages, 0);
}

static void driver_opt_outs_and_limits(void **state)
{
    (void)state;
    struct io_interrupt_caps dev = {
        .has_line = true, .has_msi = true, .msi_max_messages = 8, .has_msix = true, .msix_table_size = 12};
    struct io_interrupt_policy p = all_on;
    p.message_limit = 3;
    struct io_interrupt_choice c = io_choose_interrupt(&dev, &p);
    assert_int_equal(c.kind, IO_INTERRUPT_MSIX);
    assert_int_equal(c.messages, 3); /* MSI-X: any count */

    p.driver_no_msix = true;
    c = io_choose_interrupt(&dev, &p);
    assert_int_equal(c.kind, IO_INTERRUPT_MSI);
    assert_int_equal(c.messages, 2); /* MSI: a power of two, <= 3 */

    p.driver_no_msi = true;
    c = io_choose_interrupt(&dev, &p);
    assert_int_equal(c.kind, IO_INTERRUPT_LINE);
}

static void msi_counts_are_powers_of_two_within_one_irql_class(void **state)
{
    (void)state;
    struct io_interrupt_caps dev = {.has_msi = true, .msi_max_messages = 32};
    struct io_interrupt_choice c = io_choose_interrupt(&dev, &all_on);
    assert_int_equal(c.kind, IO_INTERRUPT_MSI);
    assert_int_equal(c.messages, IO_MAX_MSI_MESSAGES);

    struct io_interrupt_caps big = {.has_msix = true, .msix_table_size = 2048};
    c = io_choose_interrupt(&big, &all_on);
    assert_int_equal(c.messages, IO_MAX_MESSAGES);
}

static void nothing_offered_gives_none(void **state)
{
    (void)state;
    struct io_interrupt_caps none = {0};
    assert_int_equal(io_choose_interrupt(&none, &all_on).kind, IO_INTERRUPT_NONE);
    struct io_interrupt_caps msi_only = {.has_msi = true, .msi_max_messages = 1};
    struct io_interrupt_policy off = {0};
    assert_int_equal(io_choose_interrupt(&msi_only, &off).kind, IO_INTERRUPT_NONE);
    assert_string_equal(io_interrupt_kind_name(IO_INTERRUPT_MSIX), "MSI-X");
}

/* ---- resource lists ---- */

struct lists {
    PCM_RESOURCE_LIST raw, translated;
    ULONG size;
};

static struct lists build(const struct io_resources *r)
{
    struct lists l;
    l.size = io_resource_list_size(r);
    l.raw = malloc(l.size);
    l.translated = malloc(l.size);
    io_resource_list_build(r, l.raw, l.translated);
    return l;
}

static void release(struct lists *l)
{
    free(l->raw);
    free(l->translated);
}

static void pci_line_device(void **state)
{
    (void)state;
    struct io_resources r = {.interface_type = PCIBus,
                             .bus_number = 0,
                             .range_count = 1,
                             .ranges = {{CmResourceTypeMemory, CM_RESOURCE_MEMORY_READ_WRITE, 0xFEA00000, 0x100000}},
                             .kind = IO_INTERRUPT_LINE,
                             .affinity = 0xF,
                             .gsi = 11,
                             .line_vector = 0x42,
                             .line_level = true,
                             .line_shared = true};
    struct lists l = build(&r);
    assert_int_equal(l.size, 0x28 - 0x14 + 2 * 0x14); /* header + 2 descriptors */
    assert_int_equal(l.raw->Count, 1);
    assert_int_equal(l.raw->List[0].InterfaceType, PCIBus);
    assert_int_equal(io_resource_count(l.raw), 2);
    assert_int_equal(io_resource_count(l.translated), 2);

    const CM_PARTIAL_RESOURCE_DESCRIPTOR *m = io_resource_at(l.translated, 0);
    assert_int_equal(m->Type, CmResourceTypeMemory);
    assert_int_equal(m->u.Memory.Start.QuadPart, 0xFEA00000);
    assert_int_equal(m->u.Memory.Length, 0x100000);

    const CM_PARTIAL_RESOURCE_DESCRIPTOR *raw = io_resource_at(l.raw, 1), *tr = io_resource_at(l.translated, 1);
    assert_true(io_descriptor_is_line(tr));
    assert_int_equal(tr->Flags, CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE);
    assert_int_equal(tr->ShareDisposition, CmResourceShareShared);
    assert_int_equal(raw->u.Interrupt.Level, 11); /* raw: the GSI */
    assert_int_equal(raw->u.Interrupt.Vector, 11);
    assert_int_equal(tr->u.Interrupt.Level, 4); /* translated: IRQL = 0x42 >> 4 */
    assert_int_equal(tr->u.Interrupt.Vector, 0x42);
    assert_int_equal(tr->u.Interrupt.Affinity, 0xF);
    assert_null(io_resource_at(l.translated, 2));
    release(&l);
}

static void isa_edge_line_is_latched_and_exclusive(void **state)
{
    (void)state;
    struct io_resources r = {.interface_type = Isa,
                             .range_count = 1,
                             .ranges = {{CmResourceTypePort, CM_RESOURCE_PORT_IO, 0x378, 8}},
                             .kind = IO_INTERRUPT_LINE,
                             .affinity = 1,
                             .gsi = 7,
                             .line_vector = 0x35};
    struct lists l = build(&r);
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *port = io_resource_at(l.translated, 0),
                                         *irq = io_resource_at(l.translated, 1);
    assert_int_equal(port->Type, CmResourceTypePort);
    assert_int_equal(port->Flags, CM_RESOURCE_PORT_IO);
    assert_int_equal(port->u.Port.Start.QuadPart, 0x378);
    assert_int_equal(irq->Flags, CM_RESOURCE_INTERRUPT_LATCHED);
    assert_int_equal(irq->ShareDisposition, CmResourceShareDeviceExclusive);
    release(&l);
}

static void msi_is_one_descriptor_with_a_count(void **state)
{
    (void)state;
    struct io_resources r = {.interface_type = PCIBus,
                             .kind = IO_INTERRUPT_MSI,
                             .affinity = 3,
                             .message_count = 4,
                             .message_vectors = {0x54, 0x55, 0x56, 0x57}};
    struct lists l = build(&r);
    assert_int_equal(io_resource_count(l.translated), 1);
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *raw = io_resource_at(l.raw, 0), *tr = io_resource_at(l.translated, 0);
    assert_int_equal(tr->Flags, CM_RESOURCE_INTERRUPT_MESSAGE | CM_RESOURCE_INTERRUPT_LATCHED);
    assert_true(io_descriptor_is_message(tr));
    assert_false(io_descriptor_is_line(tr));
    assert_int_equal(raw->u.MessageInterrupt.Raw.MessageCount, 4);
    assert_int_equal(raw->u.MessageInterrupt.Raw.Vector, CM_RESOURCE_INTERRUPT_MESSAGE_TOKEN);
    assert_int_equal(tr->u.MessageInterrupt.Translated.Vector, 0x54);
    assert_int_equal(tr->u.MessageInterrupt.Translated.Level, 5);
    assert_int_equal(tr->u.MessageInterrupt.Translated.Affinity, 3);
    release(&l);
}

static void msix_is_one_descriptor_per_message(void **state)
{
    (void)state;
    struct io_resources r = {
        .interface_type = PCIBus,
        .range_count = 2,
        .ranges = {{CmResourceTypeMemory, 0, 0xFEB00000, 0x20000}, {CmResourceTypeMemory, 0, 0xFEB40000, 0x4000}},
        .kind = IO_INTERRUPT_MSIX,
        .affinity = 1,
        .message_count = 5,
        .message_vectors = {0x30, 0x40, 0x50, 0x60, 0x70}};
    struct lists l = build(&r);
    assert_int_equal(io_resource_count(l.translated), 7);
    ULONG from = 0;
    unsigned n = 0;
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d;
    while ((d = io_resource_find(l.translated, CmResourceTypeInterrupt, &from)) != NULL) {
        assert_true(io_descriptor_is_message(d));
        assert_int_equal(d->u.MessageInterrupt.Translated.Vector, r.message_vectors[n]);
        assert_int_equal(d->u.MessageInterrupt.Translated.Level, r.message_vectors[n] >> 4);
        assert_int_equal(io_resource_at(l.raw, from - 1)->u.MessageInterrupt.Raw.MessageCount, 1);
        n++;
    }
    assert_int_equal(n, 5);
    from = 0;
    assert_non_null(io_resource_find(l.translated, CmResourceTypeMemory, &from));
    assert_int_equal(from, 1);
    release(&l);
}

static void no_resources_is_still_a_valid_list(void **state)
{
    (void)state;
    struct io_resources r = {.interface_type = PCIBus};
    struct lists l = build(&r);
    assert_int_equal(l.size, sizeof(CM_RESOURCE_LIST));
    assert_int_equal(io_resource_count(l.raw), 0);
    assert_null(io_resource_at(l.raw, 0));
    assert_int_equal(io_resource_count(NULL), 0);
    release(&l);
}

static void walks_several_full_descriptors(void **state)
{
    (void)state;
    /* Two full descriptors back to back, 1 and 2 partial descriptors: the reader must step over
     * the variable-sized first one. */
    size_t size = offsetof(CM_RESOURCE_LIST, List) +
                  2 * offsetof(CM_FULL_RESOURCE_DESCRIPTOR, PartialResourceList.PartialDescriptors) +
                  3 * sizeof(CM_PARTIAL_RESOURCE_DESCRIPTOR);
    PCM_RESOURCE_LIST list = calloc(1, size);
    list->Count = 2;
    list->List[0].PartialResourceList.Count = 1;
    list->List[0].PartialResourceList.PartialDescriptors[0].Type = CmResourceTypePort;
    PCM_FULL_RESOURCE_DESCRIPTOR second =
        (PCM_FULL_RESOURCE_DESCRIPTOR)&list->List[0].PartialResourceList.PartialDescriptors[1];
    second->PartialResourceList.Count = 2;
    second->PartialResourceList.PartialDescriptors[1].Type = CmResourceTypeInterrupt;
    assert_int_equal(io_resource_count(list), 3);
    assert_int_equal(io_resource_at(list, 0)->Type, CmResourceTypePort);
    assert_int_equal(io_resource_at(list, 2)->Type, CmResourceTypeInterrupt);
    free(list);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(msix_preferred_over_msi_and_line),
        cmocka_unit_test(msix_off_gives_msi_msi_off_gives_line),
        cmocka_unit_test(driver_opt_outs_and_limits),
        cmocka_unit_test(msi_counts_are_powers_of_two_within_one_irql_class),
        cmocka_unit_test(nothing_offered_gives_none),
        cmocka_unit_test(pci_line_device),
        cmocka_unit_test(isa_edge_line_is_latched_and_exclusive),
        cmocka_unit_test(msi_is_one_descriptor_with_a_count),
        cmocka_unit_test(msix_is_one_descriptor_per_message),
        cmocka_unit_test(no_resources_is_still_a_valid_list),
        cmocka_unit_test(walks_several_full_descriptors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
