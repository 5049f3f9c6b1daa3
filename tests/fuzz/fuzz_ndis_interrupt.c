/* tests/fuzz/fuzz_ndis_interrupt.c - NdisMRegisterInterruptEx's and NdisMRegisterMiniportDriver's
 * structure checks (drivers/ndis/ndis_rules.c): NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS,
 * NDIS_MINIPORT_DRIVER_CHARACTERISTICS and the registration attributes of any content (the
 * handlers are only compared with NULL), with the header checks in every order of failure;
 * then where NDIS queues the interrupt DPCs (ndis_dpc_targets) and how many messages a device
 * with input-chosen resources was granted (ndis_message_count).
 * fuzz-sources: drivers/ndis/ndis_rules.c kernel/io/resource_list.c
 */
#include "tests/fuzz/fuzz.h"

#include "drivers/ndis/ndis_rules.h"
#include "kernel/io/resource_list.h"

static void fill(struct fuzz_input *in, void *object, size_t size)
{
    for (size_t i = 0; i < size; i++)
        ((uint8_t *)object)[i] = (uint8_t)fuzz_take(in, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = {data, size};
    NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS ic;
    fill(&in, &ic, sizeof(ic));
    enum ndis_check c = ndis_check_interrupt_characteristics(&ic);
    FUZZ_CHECK(ndis_check_text(c) != NULL);
    if (c == NDIS_CHECK_OK)
        FUZZ_CHECK(ic.InterruptHandler && ic.InterruptDpcHandler && ic.DisableInterruptHandler &&
                   ic.EnableInterruptHandler);
    FUZZ_CHECK(ndis_check_interrupt_characteristics(NULL) == NDIS_CHECK_NULL);

    NDIS_MINIPORT_DRIVER_CHARACTERISTICS dc;
    fill(&in, &dc, sizeof(dc));
    FUZZ_CHECK(ndis_check_text(ndis_check_driver_characteristics(&dc)) != NULL);

    NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES ra;
    fill(&in, &ra, sizeof(ra));
    FUZZ_CHECK(ndis_check_text(ndis_check_registration_attributes(&ra)) != NULL);

    BOOLEAN queue_default = (BOOLEAN)(fuzz_take(&in, 1) & 1);
    ULONG targets = (ULONG)fuzz_take(&in, 4), cpu = (ULONG)(fuzz_take(&in, 1) % 64);
    KAFFINITY active = (KAFFINITY)fuzz_take(&in, 8) | ((KAFFINITY)1 << cpu);
    KAFFINITY dpc = ndis_dpc_targets(queue_default, targets, cpu, active);
    FUZZ_CHECK((dpc & ~active) == 0);

    struct io_resources r;
    memset(&r, 0, sizeof(r));
    r.interface_type = PCIBus;
    r.kind = (enum io_interrupt_kind)(fuzz_take(&in, 1) % 4);
    r.message_count = (unsigned)(fuzz_take(&in, 1) % (IO_MAX_MESSAGES + 1));
    for (unsigned i = 0; i < r.message_count; i++)
        r.message_vectors[i] = (uint8_t)fuzz_take(&in, 1);
    ULONG bytes = io_resource_list_size(&r);
    PCM_RESOURCE_LIST raw = malloc(bytes), translated = malloc(bytes);
    io_resource_list_build(&r, raw, translated);
    FUZZ_CHECK(ndis_message_count(raw) <= IO_MAX_MESSAGES);
    free(raw);
    free(translated);
    return 0;
}
