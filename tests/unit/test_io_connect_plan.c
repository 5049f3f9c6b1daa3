/* tests/unit/test_io_connect_plan.c - IoConnectInterruptEx's parameter checks and plans
 * (kernel/io/connect_plan.c): every status code the pure part can return, the fallback rule,
 * SynchronizeIrql and lock rules, the message table's UnifiedIrql.
 * unit-sources: kernel/io/connect_plan.c kernel/io/resource_list.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h> /* after the headers it needs */

#include "kernel/io/connect_plan.h"
#include "kernel/io/resource_list.h"

#define ACTIVE ((KAFFINITY)0xF) /* four CPUs */

static BOOLEAN isr(PKINTERRUPT i, PVOID c)
{
    (void)i;
    (void)c;
    return TRUE;
}
static BOOLEAN message_isr(PKINTERRUPT i, PVOID c, ULONG id)
{
    (void)i;
    (void)c;
    (void)id;
    return TRUE;
}

static DEVICE_OBJECT pdo;
static PKINTERRUPT object_out;
static PVOID context_out;
static KSPIN_LOCK caller_lock;

struct device {
    PCM_RESOURCE_LIST raw, translated;
};

static struct device device_with(const struct io_resources *r)
{
    struct device d;
    ULONG size = io_resource_list_size(r);
    d.raw = malloc(size);
    d.translated = malloc(size);
    io_resource_list_build(r, d.raw, d.translated);
    return d;
}

static void device_free(struct device *d)
{
    free(d->raw);
    free(d->translated);
}

/* A PCI device on a shared level line, GSI 11 -> vector 0x42 (DIRQL 4). */
static const struct io_resources line_device = {.interface_type = PCIBus,
                                                .kind = IO_INTERRUPT_LINE,
                                                .affinity = ACTIVE,
                                                .gsi = 11,
                                                .line_vector = 0x42,
                                                .line_level = true,
                                                .line_shared = true};
/* e1000e-like: 3 MSI-X messages at DIRQL 3, 5 and 4. */
static const struct io_resources msix_device = {.interface_type = PCIBus,
                                                .kind = IO_INTERRUPT_MSIX,
                                                .affinity = ACTIVE,
                                                .message_count = 3,
                                                .message_vectors = {0x31, 0x52, 0x43}};
/* Multi-message MSI: 4 vectors 0x64..0x67. */
static const struct io_resources msi_device = {.interface_type = PCIBus,
                                               .kind = IO_INTERRUPT_MSI,
                                               .affinity = ACTIVE,
                                               .message_count = 4,
                                               .message_vectors = {0x64, 0x65, 0x66, 0x67}};
static const struct io_resources no_interrupts = {.interface_type = PCIBus};

static IO_CONNECT_INTERRUPT_PARAMETERS fully(ULONG vector, KINTERRUPT_MODE mode)
{
    IO_CONNECT_INTERRUPT_PARAMETERS p = {0};
    p.Version = CONNECT_FULLY_SPECIFIED;
    p.FullySpecified.PhysicalDeviceObject = &pdo;
    p.FullySpecified.InterruptObject = &object_out;
    p.FullySpecified.ServiceRoutine = isr;
    p.FullySpecified.Vector = vector;
    p.FullySpecified.Irql = (KIRQL)(vector >> 4);
    p.FullySpecified.SynchronizeIrql = (KIRQL)(vector >> 4);
    p.FullySpecified.InterruptMode = mode;
    p.FullySpecified.ShareVector = TRUE;
    p.FullySpecified.ProcessorEnableMask = ACTIVE;
    return p;
}

static IO_CONNECT_INTERRUPT_PARAMETERS line(void)
{
    IO_CONNECT_INTERRUPT_PARAMETERS p = {0};
    p.Version = CONNECT_LINE_BASED;
    p.LineBased.PhysicalDeviceObject = &pdo;
    p.LineBased.InterruptObject = &object_out;
    p.LineBased.ServiceRoutine = isr;
    return p;
}

static IO_CONNECT_INTERRUPT_PARAMETERS message(PKSERVICE_ROUTINE fallback)
{
    IO_CONNECT_INTERRUPT_PARAMETERS p = {0};
    p.Version = CONNECT_MESSAGE_BASED;
    p.MessageBased.PhysicalDeviceObject = &pdo;
    p.MessageBased.ConnectionContext.Generic = &context_out;
    p.MessageBased.MessageServiceRoutine = message_isr;
    p.MessageBased.FallBackServiceRoutine = fallback;
    return p;
}

/* ---- io_connect_check_parameters ---- */

static void versions(void **state)
{
    (void)state;
    assert_int_equal(io_connect_check_parameters(NULL, ACTIVE), STATUS_INVALID_PARAMETER);
    IO_CONNECT_INTERRUPT_PARAMETERS p = line();
    ULONG bad[] = {0, 6, 7, 0x100, 0xFFFFFFFF};
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        p.Version = bad[i];
        assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_INVALID_PARAMETER_1);
    }
    p.Version = CONNECT_MESSAGE_BASED_PASSIVE;
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_NOT_SUPPORTED);
    p = line();
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_SUCCESS);
    p = message(NULL);
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_SUCCESS);
    p = fully(0x42, LevelSensitive);
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_SUCCESS);
    p.Version = CONNECT_FULLY_SPECIFIED_GROUP;
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_SUCCESS);
}

static void null_pointers(void **state)
{
    (void)state;
    IO_CONNECT_INTERRUPT_PARAMETERS p;
    p = fully(0x42, LevelSensitive), p.FullySpecified.PhysicalDeviceObject = NULL;
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_INVALID_PARAMETER);
    p = fully(0x42, LevelSensitive), p.FullySpecified.InterruptObject = NULL;
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_INVALID_PARAMETER);
    p = fully(0x42, LevelSensitive), p.FullySpecified.ServiceRoutine = NULL;
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_INVALID_PARAMETER);
    p = line(), p.LineBased.PhysicalDeviceObject = NULL;
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_INVALID_PARAMETER);
    p = line(), p.LineBased.InterruptObject = NULL;
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_INVALID_PARAMETER);
    p = line(), p.LineBased.ServiceRoutine = NULL;
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_INVALID_PARAMETER);
    p = message(isr), p.MessageBased.PhysicalDeviceObject = NULL;
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_INVALID_PARAMETER);
    p = message(isr), p.MessageBased.ConnectionContext.Generic = NULL;
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_INVALID_PARAMETER);
    p = message(isr), p.MessageBased.MessageServiceRoutine = NULL;
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_INVALID_PARAMETER);
}

static void irqls_vector_mode_floating_point_group(void **state)
{
    (void)state;
    IO_CONNECT_INTERRUPT_PARAMETERS p;
    p = fully(0x42, LevelSensitive), p.FullySpecified.SynchronizeIrql = 3; /* below Irql 4 */
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_INVALID_PARAMETER);
    p = fully(0x42, LevelSensitive), p.FullySpecified.SynchronizeIrql = 16;
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_INVALID_PARAMETER);
    p = fully(0x42, LevelSensitive), p.FullySpecified.Irql = 5; /* not 0x42 >> 4 */
    p.FullySpecified.SynchronizeIrql = 5;
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_INVALID_PARAMETER);
    p = fully(0x142, LevelSensitive);
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_INVALID_PARAMETER);
    p = fully(0x42, (KINTERRUPT_MODE)7);
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_INVALID_PARAMETER);
    p = fully(0x42, LevelSensitive), p.FullySpecified.FloatingSave = TRUE;
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_INVALID_PARAMETER);
    p = line(), p.LineBased.FloatingSave = TRUE;
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_INVALID_PARAMETER);
    p = message(NULL), p.MessageBased.FloatingSave = TRUE;
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_INVALID_PARAMETER);
    p = line(), p.LineBased.SynchronizeIrql = 16;
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_INVALID_PARAMETER);
    p = message(NULL), p.MessageBased.SynchronizeIrql = 0xFF;
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_INVALID_PARAMETER);
    /* Group: only the _GROUP version reads it, and only group 0 exists. */
    p = fully(0x42, LevelSensitive), p.FullySpecified.Group = 1;
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_SUCCESS);
    p.Version = CONNECT_FULLY_SPECIFIED_GROUP;
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_INVALID_PARAMETER);
}

static void processor_enable_mask(void **state)
{
    (void)state;
    IO_CONNECT_INTERRUPT_PARAMETERS p = fully(0x42, LevelSensitive);
    p.FullySpecified.ProcessorEnableMask = 0;
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_INVALID_PARAMETER_10);
    p.FullySpecified.ProcessorEnableMask = 0xF0; /* only processors that are not running */
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_INVALID_PARAMETER_10);
    p.FullySpecified.ProcessorEnableMask = 0x12;
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_SUCCESS);
}

/* ---- io_connect_make_plan ---- */

static void fully_specified_line(void **state)
{
    (void)state;
    struct device d = device_with(&line_device);
    struct io_connect_plan plan;
    IO_CONNECT_INTERRUPT_PARAMETERS p = fully(0x42, LevelSensitive);
    p.FullySpecified.ProcessorEnableMask = 0x32; /* CPU 1 and two that do not exist */
    p.FullySpecified.SynchronizeIrql = 6;
    p.FullySpecified.SpinLock = &caller_lock;
    assert_int_equal(io_connect_make_plan(&p, d.raw, d.translated, ACTIVE, &plan), STATUS_SUCCESS);
    assert_int_equal(plan.count, 1);
    assert_int_equal(plan.version, CONNECT_FULLY_SPECIFIED);
    assert_int_equal(plan.objects[0].vector, 0x42);
    assert_int_equal(plan.objects[0].irql, 4);
    assert_int_equal(plan.objects[0].synchronize_irql, 6);
    assert_int_equal(plan.objects[0].affinity, 0x2); /* ProcessorEnableMask & active */
    assert_int_equal(plan.objects[0].mode, LevelSensitive);
    assert_false(plan.objects[0].is_message);
    assert_ptr_equal(plan.spin_lock, &caller_lock);
    assert_false(plan.message_routine);

    p = fully(0x43, LevelSensitive); /* not this device's vector */
    assert_int_equal(io_connect_make_plan(&p, d.raw, d.translated, ACTIVE, &plan), STATUS_NOT_FOUND);
    p = fully(0x42, Latched); /* the line is level-triggered */
    assert_int_equal(io_connect_make_plan(&p, d.raw, d.translated, ACTIVE, &plan), STATUS_INVALID_PARAMETER);
    p = fully(0x42, LevelSensitive); /* a device without resources */
    assert_int_equal(io_connect_make_plan(&p, NULL, NULL, ACTIVE, &plan), STATUS_NOT_FOUND);
    device_free(&d);
}

static void fully_specified_message(void **state)
{
    (void)state;
    struct device d = device_with(&msix_device);
    struct io_connect_plan plan;
    IO_CONNECT_INTERRUPT_PARAMETERS p = fully(0x43, Latched);
    assert_int_equal(io_connect_make_plan(&p, d.raw, d.translated, ACTIVE, &plan), STATUS_SUCCESS);
    assert_true(plan.objects[0].is_message);
    assert_int_equal(plan.objects[0].message_index, 2);
    assert_false(plan.message_routine); /* FULLY_SPECIFIED always calls a plain KSERVICE_ROUTINE */
    device_free(&d);

    /* A vector inside a multi-message MSI block. */
    d = device_with(&msi_device);
    p = fully(0x66, Latched);
    assert_int_equal(io_connect_make_plan(&p, d.raw, d.translated, ACTIVE, &plan), STATUS_SUCCESS);
    assert_int_equal(plan.objects[0].message_index, 2);
    p = fully(0x68, Latched);
    assert_int_equal(io_connect_make_plan(&p, d.raw, d.translated, ACTIVE, &plan), STATUS_NOT_FOUND);
    device_free(&d);
}

static void line_based(void **state)
{
    (void)state;
    struct device d = device_with(&line_device);
    struct io_connect_plan plan;
    IO_CONNECT_INTERRUPT_PARAMETERS p = line();
    assert_int_equal(io_connect_make_plan(&p, d.raw, d.translated, ACTIVE, &plan), STATUS_SUCCESS);
    assert_int_equal(plan.count, 1);
    assert_int_equal(plan.objects[0].synchronize_irql, 4); /* SynchronizeIrql 0: the line's IRQL */
    assert_true(plan.objects[0].share_vector);             /* CmResourceShareShared */
    assert_int_equal(plan.objects[0].mode, LevelSensitive);
    assert_int_equal(plan.objects[0].affinity, ACTIVE);
    assert_false(plan.shared_lock_needed);
    p.LineBased.SynchronizeIrql = 9; /* a higher minimum wins */
    assert_int_equal(io_connect_make_plan(&p, d.raw, d.translated, ACTIVE, &plan), STATUS_SUCCESS);
    assert_int_equal(plan.objects[0].synchronize_irql, 9);
    p.LineBased.SynchronizeIrql = 2; /* a lower one does not */
    assert_int_equal(io_connect_make_plan(&p, d.raw, d.translated, ACTIVE, &plan), STATUS_SUCCESS);
    assert_int_equal(plan.objects[0].synchronize_irql, 4);
    device_free(&d);

    d = device_with(&msix_device);
    p = line();
    assert_int_equal(io_connect_make_plan(&p, d.raw, d.translated, ACTIVE, &plan), STATUS_INVALID_DEVICE_REQUEST);
    device_free(&d);
    d = device_with(&no_interrupts);
    assert_int_equal(io_connect_make_plan(&p, d.raw, d.translated, ACTIVE, &plan), STATUS_NOT_FOUND);
    device_free(&d);
}

static void message_based_per_message_locks_and_irqls(void **state)
{
    (void)state;
    struct device d = device_with(&msix_device);
    struct io_connect_plan plan;
    IO_CONNECT_INTERRUPT_PARAMETERS p = message(isr);
    assert_int_equal(io_connect_make_plan(&p, d.raw, d.translated, ACTIVE, &plan), STATUS_SUCCESS);
    assert_int_equal(plan.version, CONNECT_MESSAGE_BASED);
    assert_false(plan.fallback);
    assert_true(plan.message_routine);
    assert_int_equal(plan.count, 3);
    KIRQL expect_sync[] = {3, 5, 4};
    for (ULONG i = 0; i < 3; i++) {
        assert_int_equal(plan.objects[i].vector, msix_device.message_vectors[i]);
        assert_int_equal(plan.objects[i].message_index, i);
        assert_int_equal(plan.objects[i].synchronize_irql, expect_sync[i]); /* own lock, own IRQL */
        assert_int_equal(plan.objects[i].mode, Latched);
        assert_false(plan.objects[i].share_vector);
    }
    assert_int_equal(plan.unified_irql, 5);
    assert_null(plan.spin_lock);

    /* A caller lock: one critical section, so every message runs at the highest IRQL. */
    p.MessageBased.SpinLock = &caller_lock;
    assert_int_equal(io_connect_make_plan(&p, d.raw, d.translated, ACTIVE, &plan), STATUS_SUCCESS);
    for (ULONG i = 0; i < 3; i++)
        assert_int_equal(plan.objects[i].synchronize_irql, 5);
    /* A higher minimum applies to all. */
    p.MessageBased.SpinLock = NULL;
    p.MessageBased.SynchronizeIrql = 7;
    assert_int_equal(io_connect_make_plan(&p, d.raw, d.translated, ACTIVE, &plan), STATUS_SUCCESS);
    for (ULONG i = 0; i < 3; i++)
        assert_int_equal(plan.objects[i].synchronize_irql, 7);
    assert_int_equal(plan.unified_irql, 7);
    device_free(&d);
}

static void message_based_multi_message_msi(void **state)
{
    (void)state;
    struct device d = device_with(&msi_device);
    struct io_connect_plan plan;
    IO_CONNECT_INTERRUPT_PARAMETERS p = message(NULL);
    assert_int_equal(io_connect_make_plan(&p, d.raw, d.translated, ACTIVE, &plan), STATUS_SUCCESS);
    assert_int_equal(plan.count, 4);
    for (ULONG i = 0; i < 4; i++) {
        assert_int_equal(plan.objects[i].vector, 0x64 + i);
        assert_int_equal(plan.objects[i].message_index, i);
    }
    assert_int_equal(plan.unified_irql, 6);
    device_free(&d);
}

static void message_based_fallback(void **state)
{
    (void)state;
    struct device d = device_with(&line_device);
    struct io_connect_plan plan;
    IO_CONNECT_INTERRUPT_PARAMETERS p = message(isr);
    assert_int_equal(io_connect_make_plan(&p, d.raw, d.translated, ACTIVE, &plan), STATUS_SUCCESS);
    assert_true(plan.fallback);
    assert_int_equal(plan.version, CONNECT_LINE_BASED);
    assert_false(plan.message_routine);
    assert_ptr_equal(plan.service_routine, isr);
    assert_int_equal(plan.count, 1);
    assert_int_equal(plan.objects[0].vector, 0x42);

    p = message(NULL); /* no fallback routine: irqlab's choice is STATUS_NOT_FOUND */
    assert_int_equal(io_connect_make_plan(&p, d.raw, d.translated, ACTIVE, &plan), STATUS_NOT_FOUND);
    device_free(&d);

    d = device_with(&no_interrupts);
    p = message(isr);
    assert_int_equal(io_connect_make_plan(&p, d.raw, d.translated, ACTIVE, &plan), STATUS_NOT_FOUND);
    device_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(versions),
        cmocka_unit_test(null_pointers),
        cmocka_unit_test(irqls_vector_mode_floating_point_group),
        cmocka_unit_test(processor_enable_mask),
        cmocka_unit_test(fully_specified_line),
        cmocka_unit_test(fully_specified_message),
        cmocka_unit_test(line_based),
        cmocka_unit_test(message_based_per_message_locks_and_irqls),
        cmocka_unit_test(message_based_multi_message_msi),
        cmocka_unit_test(message_based_fallback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
