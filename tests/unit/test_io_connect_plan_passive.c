/* tests/unit/test_io_connect_plan_passive.c - the passive-level ISR rules of IoConnectInterruptEx
 * (kernel/io/connect_plan.c; learn.microsoft.com "Using Passive-Level Interrupt Service
 * Routines"): which parameters ask for one, that a SpinLock is STATUS_INVALID_PARAMETER, that
 * the object keeps PASSIVE_LEVEL (not the descriptor's Level), and that LINE_BASED with
 * SynchronizeIrql 0 stays a DIRQL connect.
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

#define ACTIVE ((KAFFINITY)0xF)

static BOOLEAN isr(PKINTERRUPT i, PVOID c)
{
    (void)i;
    (void)c;
    return TRUE;
}

static DEVICE_OBJECT pdo;
static PKINTERRUPT object_out;
static KSPIN_LOCK caller_lock;

/* A PCI device on a shared level line, GSI 11 -> vector 0x42 (DIRQL 4). */
static const struct io_resources line_device = {.interface_type = PCIBus,
                                                .kind = IO_INTERRUPT_LINE,
                                                .affinity = ACTIVE,
                                                .gsi = 11,
                                                .line_vector = 0x42,
                                                .line_level = true,
                                                .line_shared = true};
/* One MSI message, vector 0x53. */
static const struct io_resources msi_device = {.interface_type = PCIBus,
                                               .kind = IO_INTERRUPT_MSI,
                                               .affinity = ACTIVE,
                                               .message_count = 1,
                                               .message_vectors = {0x53}};

static IO_CONNECT_INTERRUPT_PARAMETERS passive(ULONG vector, KINTERRUPT_MODE mode)
{
    IO_CONNECT_INTERRUPT_PARAMETERS p = {0};
    p.Version = CONNECT_FULLY_SPECIFIED;
    p.FullySpecified.PhysicalDeviceObject = &pdo;
    p.FullySpecified.InterruptObject = &object_out;
    p.FullySpecified.ServiceRoutine = isr;
    p.FullySpecified.Vector = vector;
    p.FullySpecified.Irql = PASSIVE_LEVEL;
    p.FullySpecified.SynchronizeIrql = PASSIVE_LEVEL;
    p.FullySpecified.InterruptMode = mode;
    p.FullySpecified.ShareVector = TRUE;
    p.FullySpecified.ProcessorEnableMask = ACTIVE;
    return p;
}

static NTSTATUS plan_for(const struct io_resources *r, const IO_CONNECT_INTERRUPT_PARAMETERS *p,
                         struct io_connect_plan *plan)
{
    NTSTATUS status = io_connect_check_parameters(p, ACTIVE);
    if (!NT_SUCCESS(status))
        return status;
    ULONG size = io_resource_list_size(r);
    PCM_RESOURCE_LIST raw = malloc(size), translated = malloc(size);
    io_resource_list_build(r, raw, translated);
    status = io_connect_make_plan(p, raw, translated, ACTIVE, plan);
    free(raw);
    free(translated);
    return status;
}

static void fully_specified_at_passive_level_is_a_passive_plan(void **state)
{
    (void)state;
    static struct io_connect_plan plan;
    IO_CONNECT_INTERRUPT_PARAMETERS p = passive(0x42, LevelSensitive);
    assert_true(io_connect_wants_passive(&p));
    assert_int_equal(plan_for(&line_device, &p, &plan), STATUS_SUCCESS);
    assert_true(plan.passive);
    assert_int_equal(plan.count, 1);
    assert_int_equal(plan.objects[0].vector, 0x42);
    assert_int_equal(plan.objects[0].irql, PASSIVE_LEVEL);
    assert_int_equal(plan.objects[0].synchronize_irql, PASSIVE_LEVEL);
    assert_int_equal(plan.objects[0].mode, LevelSensitive);

    p = passive(0x53, Latched); /* an MSI message: edge */
    assert_int_equal(plan_for(&msi_device, &p, &plan), STATUS_SUCCESS);
    assert_true(plan.passive);
    assert_true(plan.objects[0].is_message);

    p.Version = CONNECT_FULLY_SPECIFIED_GROUP;
    assert_true(io_connect_wants_passive(&p));
}

static void a_spin_lock_is_invalid(void **state)
{
    (void)state;
    IO_CONNECT_INTERRUPT_PARAMETERS p = passive(0x42, LevelSensitive);
    p.FullySpecified.SpinLock = &caller_lock;
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_INVALID_PARAMETER);
}

static void the_other_rules_still_apply(void **state)
{
    (void)state;
    static struct io_connect_plan plan;
    IO_CONNECT_INTERRUPT_PARAMETERS p = passive(0x42, Latched); /* the line is level */
    assert_int_equal(plan_for(&line_device, &p, &plan), STATUS_INVALID_PARAMETER);
    p = passive(0x99, LevelSensitive); /* not this device's vector */
    assert_int_equal(plan_for(&line_device, &p, &plan), STATUS_NOT_FOUND);
    p = passive(0x42, LevelSensitive);
    p.FullySpecified.ProcessorEnableMask = 0x10; /* no active CPU */
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_INVALID_PARAMETER_10);
    p = passive(0x42, LevelSensitive);
    p.FullySpecified.SynchronizeIrql = 4; /* PASSIVE Irql, DIRQL SynchronizeIrql: neither form */
    assert_false(io_connect_wants_passive(&p));
    assert_int_equal(io_connect_check_parameters(&p, ACTIVE), STATUS_INVALID_PARAMETER);
}

static void line_based_with_sync_irql_zero_stays_dirql(void **state)
{
    (void)state;
    static struct io_connect_plan plan;
    IO_CONNECT_INTERRUPT_PARAMETERS p = {0};
    p.Version = CONNECT_LINE_BASED;
    p.LineBased.PhysicalDeviceObject = &pdo;
    p.LineBased.InterruptObject = &object_out;
    p.LineBased.ServiceRoutine = isr;
    p.LineBased.SynchronizeIrql = PASSIVE_LEVEL; /* what every DIRQL line-based driver passes */
    assert_false(io_connect_wants_passive(&p));
    assert_int_equal(plan_for(&line_device, &p, &plan), STATUS_SUCCESS);
    assert_false(plan.passive);
    assert_int_equal(plan.objects[0].synchronize_irql, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fully_specified_at_passive_level_is_a_passive_plan),
        cmocka_unit_test(a_spin_lock_is_invalid),
        cmocka_unit_test(the_other_rules_still_apply),
        cmocka_unit_test(line_based_with_sync_irql_zero_stays_dirql),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
