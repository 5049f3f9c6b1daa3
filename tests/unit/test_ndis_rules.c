/* tests/unit/test_ndis_rules.c - the checks NDIS makes on a miniport's structures and the DPC
 * targeting rule of MINIPORT_ISR (kernel/ndis/ndis_rules.c), and the x64 layout of
 * include/ndis.h's structures (its static asserts compile here too).
 * unit-sources: kernel/ndis/ndis_rules.c kernel/io/resource_list.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h> /* after the headers it needs */

#include "kernel/ndis/ndis_rules.h"
#include "kernel/io/resource_list.h"

static BOOLEAN isr(NDIS_HANDLE c, PBOOLEAN q, PULONG t)
{
    (void)c, (void)q, (void)t;
    return TRUE;
}
static VOID dpc(NDIS_HANDLE c, PVOID d, PVOID r1, PVOID r2) { (void)c, (void)d, (void)r1, (void)r2; }
static VOID onoff(NDIS_HANDLE c) { (void)c; }
static BOOLEAN message_isr(NDIS_HANDLE c, ULONG m, PBOOLEAN q, PULONG t)
{
    (void)c, (void)m, (void)q, (void)t;
    return TRUE;
}
static VOID message_dpc(NDIS_HANDLE c, ULONG m, PVOID d, PVOID r1, PVOID r2)
{
    (void)c, (void)m, (void)d, (void)r1, (void)r2;
}
static VOID message_onoff(NDIS_HANDLE c, ULONG m) { (void)c, (void)m; }
static NDIS_STATUS initialize(NDIS_HANDLE a, NDIS_HANDLE c, PNDIS_MINIPORT_INIT_PARAMETERS p)
{
    (void)a, (void)c, (void)p;
    return NDIS_STATUS_SUCCESS;
}
static VOID halt(NDIS_HANDLE c, NDIS_HALT_ACTION a) { (void)c, (void)a; }

static NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS interrupt_chars(BOOLEAN msi)
{
    NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS c;
    memset(&c, 0, sizeof(c));
    c.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_INTERRUPT;
    c.Header.Revision = NDIS_MINIPORT_INTERRUPT_REVISION_1;
    c.Header.Size = NDIS_SIZEOF_MINIPORT_INTERRUPT_CHARACTERISTICS_REVISION_1;
    c.InterruptHandler = isr;
    c.InterruptDpcHandler = dpc;
    c.DisableInterruptHandler = onoff;
    c.EnableInterruptHandler = onoff;
    c.MsiSupported = msi;
    if (msi) {
        c.MessageInterruptHandler = message_isr;
        c.MessageInterruptDpcHandler = message_dpc;
        c.DisableMessageInterruptHandler = message_onoff;
        c.EnableMessageInterruptHandler = message_onoff;
    }
    return c;
}

static void layout_is_the_wdks(void **state)
{
    (void)state;
    /* The WDK's ndis.h: the characteristics are 0x60 bytes on x64, Header..MessageInfoTable. */
    assert_int_equal(NDIS_SIZEOF_MINIPORT_INTERRUPT_CHARACTERISTICS_REVISION_1, 0x60);
    assert_int_equal(offsetof(NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS, MsiSupported), 0x28);
    assert_int_equal(offsetof(NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS, InterruptType), 0x50);
    assert_int_equal(NDIS_OBJECT_TYPE_MINIPORT_INTERRUPT, 0x84);
    assert_int_equal(NDIS_CONNECT_LINE_BASED, 1);
    assert_int_equal(NDIS_CONNECT_MESSAGE_BASED, 2);
    assert_int_equal((uint32_t)NDIS_STATUS_RESOURCES, 0xC000009A);
    assert_int_equal((uint32_t)NDIS_STATUS_RESOURCE_CONFLICT, 0xC001001E);
    assert_int_equal((uint32_t)NDIS_STATUS_BAD_CHARACTERISTICS, 0xC0010005);
}

static void interrupt_characteristics(void **state)
{
    (void)state;
    NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS c = interrupt_chars(TRUE);
    assert_int_equal(ndis_check_interrupt_characteristics(&c), NDIS_CHECK_OK);
    assert_int_equal(ndis_check_interrupt_characteristics(NULL), NDIS_CHECK_NULL);
    c.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
    assert_int_equal(ndis_check_interrupt_characteristics(&c), NDIS_CHECK_BAD_TYPE);
    c = interrupt_chars(TRUE);
    c.Header.Revision = 0;
    assert_int_equal(ndis_check_interrupt_characteristics(&c), NDIS_CHECK_BAD_REVISION);
    c = interrupt_chars(TRUE);
    c.Header.Size = NDIS_SIZEOF_MINIPORT_INTERRUPT_CHARACTERISTICS_REVISION_1 - 1;
    assert_int_equal(ndis_check_interrupt_characteristics(&c), NDIS_CHECK_TOO_SMALL);
    c = interrupt_chars(TRUE);
    c.Header.Revision = 2; /* a newer revision, at least as big: fine */
    c.Header.Size = NDIS_SIZEOF_MINIPORT_INTERRUPT_CHARACTERISTICS_REVISION_1 + 8;
    assert_int_equal(ndis_check_interrupt_characteristics(&c), NDIS_CHECK_OK);

    /* Each line handler is required, even with MsiSupported. */
    for (int which = 0; which < 4; which++) {
        c = interrupt_chars(TRUE);
        if (which == 0)
            c.InterruptHandler = NULL;
        if (which == 1)
            c.InterruptDpcHandler = NULL;
        if (which == 2)
            c.DisableInterruptHandler = NULL;
        if (which == 3)
            c.EnableInterruptHandler = NULL;
        assert_int_equal(ndis_check_interrupt_characteristics(&c), NDIS_CHECK_MISSING_HANDLER);
    }
    /* Message handlers only when MsiSupported. */
    for (int which = 0; which < 4; which++) {
        c = interrupt_chars(TRUE);
        if (which == 0)
            c.MessageInterruptHandler = NULL;
        if (which == 1)
            c.MessageInterruptDpcHandler = NULL;
        if (which == 2)
            c.DisableMessageInterruptHandler = NULL;
        if (which == 3)
            c.EnableMessageInterruptHandler = NULL;
        assert_int_equal(ndis_check_interrupt_characteristics(&c), NDIS_CHECK_MISSING_MESSAGE_HANDLER);
    }
    c = interrupt_chars(FALSE);
    assert_int_equal(ndis_check_interrupt_characteristics(&c), NDIS_CHECK_OK);
    assert_string_not_equal(ndis_check_text(NDIS_CHECK_MISSING_HANDLER), "?");
}

static void driver_characteristics_and_attributes(void **state)
{
    (void)state;
    NDIS_MINIPORT_DRIVER_CHARACTERISTICS d;
    memset(&d, 0, sizeof(d));
    d.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_DRIVER_CHARACTERISTICS;
    d.Header.Revision = NDIS_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_1;
    d.Header.Size = NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_1;
    d.MajorNdisVersion = 6;
    d.MinorNdisVersion = 20;
    d.InitializeHandlerEx = initialize;
    d.HaltHandlerEx = halt;
    assert_int_equal(ndis_check_driver_characteristics(&d), NDIS_CHECK_OK);
    d.Header.Revision = NDIS_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2; /* claims more than its size */
    assert_int_equal(ndis_check_driver_characteristics(&d), NDIS_CHECK_TOO_SMALL);
    d.Header.Size = NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2;
    assert_int_equal(ndis_check_driver_characteristics(&d), NDIS_CHECK_OK);
    d.MajorNdisVersion = 5;
    assert_int_equal(ndis_check_driver_characteristics(&d), NDIS_CHECK_BAD_NDIS_VERSION);
    d.MajorNdisVersion = 6;
    d.HaltHandlerEx = NULL;
    assert_int_equal(ndis_check_driver_characteristics(&d), NDIS_CHECK_MISSING_HANDLER);

    NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES a;
    memset(&a, 0, sizeof(a));
    a.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES;
    a.Header.Revision = NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1;
    a.Header.Size = NDIS_SIZEOF_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1;
    assert_int_equal(ndis_check_registration_attributes(&a), NDIS_CHECK_NULL_CONTEXT);
    a.MiniportAdapterContext = &a;
    assert_int_equal(ndis_check_registration_attributes(&a), NDIS_CHECK_OK);
    a.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES;
    assert_int_equal(ndis_check_registration_attributes(&a), NDIS_CHECK_BAD_TYPE);
}

static void dpc_targets_ignore_the_return_value(void **state)
{
    (void)state;
    KAFFINITY four = 0xF;
    /* QueueDefaultInterruptDpc: only the current CPU, TargetProcessors ignored. */
    assert_int_equal(ndis_dpc_targets(TRUE, 0, 2, four), 0x4);
    assert_int_equal(ndis_dpc_targets(TRUE, 0xF, 1, four), 0x2);
    /* Otherwise exactly the named CPUs that exist; 0 = no DPC at all. */
    assert_int_equal(ndis_dpc_targets(FALSE, 0, 0, four), 0);
    assert_int_equal(ndis_dpc_targets(FALSE, 0x5, 0, four), 0x5);
    assert_int_equal(ndis_dpc_targets(FALSE, 0xFF, 0, four), 0xF);
    assert_int_equal(ndis_dpc_targets(FALSE, 0x80000000u, 0, ~(KAFFINITY)0), 0x80000000u);
}

static ULONG count_messages(const struct io_resources *r)
{
    ULONG size = io_resource_list_size(r);
    PCM_RESOURCE_LIST raw = malloc(size), translated = malloc(size);
    io_resource_list_build(r, raw, translated);
    ULONG n = ndis_message_count(raw);
    free(raw);
    free(translated);
    return n;
}

static void message_count_from_the_raw_resources(void **state)
{
    (void)state;
    struct io_resources line = {.interface_type = PCIBus,
                                .kind = IO_INTERRUPT_LINE,
                                .affinity = 1,
                                .gsi = 11,
                                .line_vector = 0x42,
                                .line_level = true,
                                .line_shared = true};
    struct io_resources msix = {.interface_type = PCIBus,
                                .kind = IO_INTERRUPT_MSIX,
                                .affinity = 1,
                                .message_count = 5,
                                .message_vectors = {0x31, 0x41, 0x51, 0x61, 0x71}};
    struct io_resources msi = {.interface_type = PCIBus,
                               .kind = IO_INTERRUPT_MSI,
                               .affinity = 1,
                               .message_count = 4,
                               .message_vectors = {0x64, 0x65, 0x66, 0x67}};
    struct io_resources none = {
        .interface_type = PCIBus, .range_count = 1, .ranges = {{CmResourceTypeMemory, 0, 0xFEB00000, 0x20000}}};
    assert_int_equal(count_messages(&line), 0);
    assert_int_equal(count_messages(&msix), 5);
    assert_int_equal(count_messages(&msi), 4);
    assert_int_equal(count_messages(&none), 0);
    assert_int_equal(ndis_message_count(NULL), 0);
}

/* What NDIS calls for each reason an adapter goes away (MINIPORT_HALT's HaltAction values). */
static void pnp_reasons_map_to_the_documented_calls(void **state)
{
    (void)state;
    struct ndis_pnp_plan p = ndis_pnp_plan_for(NDIS_PNP_STOP);
    assert_true(p.halt && !p.notify && !p.shutdown);
    assert_int_equal(p.action, NdisHaltDeviceStopped);
    p = ndis_pnp_plan_for(NDIS_PNP_REMOVE);
    assert_true(p.halt && !p.notify && !p.shutdown);
    assert_int_equal(p.action, NdisHaltDeviceDisabled);
    p = ndis_pnp_plan_for(NDIS_PNP_SURPRISE);
    assert_true(p.notify && p.halt && !p.shutdown);
    assert_int_equal(p.event, NdisDevicePnPEventSurpriseRemoved);
    assert_int_equal(p.action, NdisHaltDeviceSurpriseRemoved);
    p = ndis_pnp_plan_for(NDIS_PNP_SHUTDOWN);
    assert_true(p.shutdown && !p.halt && !p.notify);
    /* The WDK's values. */
    assert_int_equal(NdisHaltDeviceDisabled, 0);
    assert_int_equal(NdisHaltDeviceSurpriseRemoved, 3);
    assert_int_equal(NdisHaltDeviceStopped, 6);
    assert_int_equal(NdisDevicePnPEventSurpriseRemoved, 2);
    assert_int_equal(NdisShutdownPowerOff, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(layout_is_the_wdks),
        cmocka_unit_test(interrupt_characteristics),
        cmocka_unit_test(driver_characteristics_and_attributes),
        cmocka_unit_test(dpc_targets_ignore_the_return_value),
        cmocka_unit_test(message_count_from_the_raw_resources),
        cmocka_unit_test(pnp_reasons_map_to_the_documented_calls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
