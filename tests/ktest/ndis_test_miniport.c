/* tests/ktest/ndis_test_miniport.c - see ndis_test_miniport.h.
 *
 * e1000e registers used (82574 datasheet; QEMU e1000e_core.c): ICR 0xC0 (MSI/INTx: read clears;
 * MSI-X: write 1 to clear), ICS 0xC8 (raise causes), IMS 0xD0 / IMC 0xD8 (enable / disable),
 * EIAC 0xDC (0: no auto-clear), IVAR 0xE4: 0x000CBA98 maps cause 20 + k (RXQ0, RXQ1, TXQ0,
 * TXQ1, OTHER) to MSI-X vector k, so message k is raised by writing bit 20 + k to ICS.
 */
#include "tests/ktest/ndis_test_miniport.h"

#include "kernel/io/pnp.h"
#include "kernel/ke/interrupt.h"
#include "kernel/lib/string.h"
#include "tests/ktest/io_helpers.h"

#define REG_ICR 0xC0
#define REG_ICS 0xC8
#define REG_IMS 0xD0
#define REG_IMC 0xD8
#define REG_EIAC 0xDC
#define REG_IVAR 0xE4
#define CAUSE_LSC 0x04u
#define CAUSE_MESSAGE(k) (1u << (20 + (k)))
#define IVAR_ALL_FIVE 0x000CBA98u

struct ntm_state ntm;
static DRIVER_OBJECT ntm_driver = {.Type = IO_TYPE_DRIVER, .Size = sizeof(DRIVER_OBJECT), .Name = "ntm"};

static void write_reg(ULONG reg, ULONG value) { WRITE_REGISTER_ULONG(&ntm.regs[reg / 4], value); }
static ULONG read_reg(ULONG reg) { return READ_REGISTER_ULONG(&ntm.regs[reg / 4]); }

static void quiet_device(void);
void ntm_quiet(void) { quiet_device(); }

static void quiet_device(void)
{
    write_reg(REG_IMC, 0xFFFFFFFF);
    write_reg(REG_IVAR, 0);
    write_reg(REG_EIAC, 0);
    write_reg(REG_ICR, 0xFFFFFFFF);
    (void)read_reg(REG_ICR);
}

/* ---- the eight handlers ---- */

static void silence(ULONG message)
{
    if (ntm.msix)
        write_reg(REG_ICR, CAUSE_MESSAGE(message));
    else
        (void)read_reg(REG_ICR); /* MSI / INTx: reading clears, and drops the line */
}

static BOOLEAN ntm_answer(ULONG message, PBOOLEAN queue_default, PULONG targets)
{
    ntm.isr_irql = KeGetCurrentIrql();
    silence(message);
    if (message < NTM_MAX_MESSAGES)
        __atomic_fetch_add(&ntm.isr_calls[message], 1, __ATOMIC_RELEASE);
    *queue_default = ntm.answer.queue_default;
    *targets = ntm.answer.targets;
    return ntm.answer.claim;
}

static BOOLEAN ntm_isr(NDIS_HANDLE context, PBOOLEAN queue_default, PULONG targets)
{
    UNREFERENCED_PARAMETER(context);
    return ntm_answer(0, queue_default, targets);
}

static BOOLEAN ntm_message_isr(NDIS_HANDLE context, ULONG message, PBOOLEAN queue_default, PULONG targets)
{
    UNREFERENCED_PARAMETER(context);
    return ntm_answer(message, queue_default, targets);
}

static void hold_this_dpc(void)
{
    if (!__atomic_exchange_n(&ntm.hold_dpc, false, __ATOMIC_ACQ_REL))
        return;
    __atomic_store_n(&ntm.dpc_holding, true, __ATOMIC_RELEASE);
    for (unsigned i = 0; i < 500000 && ntm.hold_until && !ntm.hold_until(); i++)
        KeStallExecutionProcessor(10);
    __atomic_store_n(&ntm.dpc_holding, false, __ATOMIC_RELEASE);
}

static void ntm_dpc_common(ULONG message, PVOID dpc_context, PVOID throttle_parameters)
{
    PNDIS_RECEIVE_THROTTLE_PARAMETERS throttle = throttle_parameters;
    hold_this_dpc();
    ntm.dpc_irql = KeGetCurrentIrql();
    ntm.last_dpc_context = dpc_context;
    ntm.last_max_nbls = throttle->MaxNblsToIndicate;
    if (ntm.more_nbls_rounds) {
        ntm.more_nbls_rounds--;
        throttle->MoreNblsPending = 1;
    }
    ULONG cpu = KeGetCurrentProcessorNumber();
    if (cpu < NTM_MAX_CPUS)
        __atomic_fetch_add(&ntm.dpc_on_cpu[cpu], 1, __ATOMIC_RELEASE);
    if (message < NTM_MAX_MESSAGES)
        __atomic_fetch_add(&ntm.dpc_calls[message], 1, __ATOMIC_RELEASE);
}

static VOID ntm_dpc(NDIS_HANDLE context, PVOID dpc_context, PVOID throttle, PVOID reserved)
{
    UNREFERENCED_PARAMETER(context);
    UNREFERENCED_PARAMETER(reserved);
    ntm_dpc_common(0, dpc_context, throttle);
}

static VOID ntm_message_dpc(NDIS_HANDLE context, ULONG message, PVOID dpc_context, PVOID throttle, PVOID reserved)
{
    UNREFERENCED_PARAMETER(context);
    UNREFERENCED_PARAMETER(reserved);
    ntm_dpc_common(message, dpc_context, throttle);
}

static VOID ntm_disable(NDIS_HANDLE context)
{
    UNREFERENCED_PARAMETER(context);
    ntm.handler_irql = KeGetCurrentIrql();
    __atomic_fetch_add(&ntm.disable_calls, 1, __ATOMIC_RELEASE);
}

static VOID ntm_enable(NDIS_HANDLE context)
{
    UNREFERENCED_PARAMETER(context);
    ntm.handler_irql = KeGetCurrentIrql();
    __atomic_fetch_add(&ntm.enable_calls, 1, __ATOMIC_RELEASE);
}

static VOID ntm_disable_message(NDIS_HANDLE context, ULONG message)
{
    UNREFERENCED_PARAMETER(message);
    ntm_disable(context);
}

static VOID ntm_enable_message(NDIS_HANDLE context, ULONG message)
{
    UNREFERENCED_PARAMETER(message);
    ntm_enable(context);
}

NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS ntm_characteristics(bool msi, bool sync_all)
{
    NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS c;
    memset(&c, 0, sizeof(c));
    c.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_INTERRUPT;
    c.Header.Revision = NDIS_MINIPORT_INTERRUPT_REVISION_1;
    c.Header.Size = sizeof(NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS);
    c.InterruptHandler = ntm_isr;
    c.InterruptDpcHandler = ntm_dpc;
    c.DisableInterruptHandler = ntm_disable;
    c.EnableInterruptHandler = ntm_enable;
    c.MsiSupported = msi;
    c.MsiSyncWithAllMessages = sync_all;
    if (msi) {
        c.MessageInterruptHandler = ntm_message_isr;
        c.MessageInterruptDpcHandler = ntm_message_dpc;
        c.DisableMessageInterruptHandler = ntm_disable_message;
        c.EnableMessageInterruptHandler = ntm_enable_message;
    }
    return c;
}

NDIS_STATUS ntm_set_attributes(void)
{
    NDIS_MINIPORT_ADAPTER_ATTRIBUTES a;
    memset(&a, 0, sizeof(a));
    a.RegistrationAttributes.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES;
    a.RegistrationAttributes.Header.Revision = NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1;
    a.RegistrationAttributes.Header.Size = NDIS_SIZEOF_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1;
    a.RegistrationAttributes.MiniportAdapterContext = &ntm;
    a.RegistrationAttributes.InterfaceType = NdisInterfacePci;
    return NdisMSetMiniportAttributes(ntm.adapter, &a);
}

NDIS_STATUS ntm_register(bool msi, bool sync_all)
{
    ntm.granted = ntm_characteristics(msi, sync_all);
    NDIS_STATUS status = NdisMRegisterInterruptEx(ntm.adapter, &ntm, &ntm.granted, &ntm.interrupt);
    if (status != NDIS_STATUS_SUCCESS)
        return status;
    ntm.msix =
        ntm.granted.InterruptType == NDIS_CONNECT_MESSAGE_BASED && ntm.granted.MessageInfoTable->MessageCount > 1;
    if (ntm.msix) {
        write_reg(REG_IVAR, IVAR_ALL_FIVE);
        write_reg(REG_ICR, 0xFFFFFFFF);
        write_reg(REG_IMS, 0x1Fu << 20);
    } else {
        (void)read_reg(REG_ICR);
        write_reg(REG_IMS, CAUSE_LSC);
    }
    return NDIS_STATUS_SUCCESS;
}

VOID ntm_deregister(void)
{
    if (!ntm.interrupt)
        return;
    quiet_device();
    /* QEMU 7.2's e1000e aborts if MSI-X goes off within its throttle window (>= 128 us) of the
     * last message (docs/io-manager.md): wait before deregistering turns it off. */
    KeStallExecutionProcessor(1000);
    NdisMDeregisterInterruptEx(ntm.interrupt);
    ntm.interrupt = NULL;
}

/* ---- the miniport itself ---- */

static NDIS_STATUS ntm_initialize(NDIS_HANDLE adapter, NDIS_HANDLE driver_context, PNDIS_MINIPORT_INIT_PARAMETERS p)
{
    UNREFERENCED_PARAMETER(driver_context);
    ntm.adapter = adapter;
    for (ULONG i = 0; i < p->AllocatedResources->Count; i++) {
        PCM_PARTIAL_RESOURCE_DESCRIPTOR d = &p->AllocatedResources->PartialDescriptors[i];
        if (d->Type == CmResourceTypeMemory) {
            if (NdisMMapIoSpace((PVOID *)&ntm.regs, adapter, d->u.Memory.Start, d->u.Memory.Length) !=
                NDIS_STATUS_SUCCESS)
                return NDIS_STATUS_RESOURCES;
            break;
        }
    }
    if (!ntm.regs)
        return NDIS_STATUS_RESOURCE_CONFLICT;
    quiet_device();
    if (ntm.on_initialize)
        return ntm.on_initialize(&ntm);
    NDIS_STATUS status = ntm_set_attributes();
    return status == NDIS_STATUS_SUCCESS ? ntm_register(true, false) : status;
}

static VOID ntm_pnp_event(NDIS_HANDLE context, PNET_DEVICE_PNP_EVENT event)
{
    UNREFERENCED_PARAMETER(context);
    ntm.pnp_event = event->DevicePnPEvent;
    ntm.pnp_order = ++ntm.calls_so_far;
}

static VOID ntm_shutdown(NDIS_HANDLE context, NDIS_SHUTDOWN_ACTION action)
{
    UNREFERENCED_PARAMETER(context);
    ntm.shutdown_action = action;
    ntm.shutdown_order = ++ntm.calls_so_far;
    quiet_device(); /* what a shutdown handler does: the device stops interrupting */
}

static VOID ntm_halt(NDIS_HANDLE context, NDIS_HALT_ACTION action)
{
    UNREFERENCED_PARAMETER(context);
    ntm.halt_action = action;
    ntm.halt_order = ++ntm.calls_so_far;
    if (ntm.on_halt)
        ntm.on_halt(&ntm);
    else
        ntm_deregister();
}

static NTSTATUS ntm_driver_entry(PDRIVER_OBJECT driver, PUNICODE_STRING registry_path)
{
    NDIS_MINIPORT_DRIVER_CHARACTERISTICS c;
    memset(&c, 0, sizeof(c));
    c.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_DRIVER_CHARACTERISTICS;
    c.Header.Revision = NDIS_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_1;
    c.Header.Size = NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_1;
    c.MajorNdisVersion = 6;
    c.MinorNdisVersion = 20;
    c.InitializeHandlerEx = ntm_initialize;
    c.HaltHandlerEx = ntm_halt;
    c.DevicePnPEventNotifyHandler = ntm_pnp_event;
    c.ShutdownHandlerEx = ntm_shutdown;
    NDIS_HANDLE handle;
    return NdisMRegisterMiniportDriver(driver, registry_path, NULL, &c, &handle);
}

PDEVICE_OBJECT ntm_start(struct ktest *t, NDIS_STATUS *init_status) { return ntm_start_with(t, 0, init_status); }

PDEVICE_OBJECT ntm_start_with(struct ktest *t, unsigned start_flags, NDIS_STATUS *init_status)
{
    PDEVICE_OBJECT nic = io_pdo_find_pci(IO_TEST_E1000E_VENDOR, IO_TEST_E1000E_DEVICE, 0);
    if (!nic) {
        ktest_skip(t, "needs -device e1000e");
        return NULL;
    }
    if (!io_test_take(nic, start_flags)) {
        ktest_fail(t, __FILE__, __LINE__, "could not take the e1000e from its driver");
        return NULL;
    }
    ntm.regs = NULL;
    ntm.interrupt = NULL;
    ntm.msix = false;
    ntm.pool_at_start = io_test_pool_bytes(NDIS_TAG_INTERRUPT);
    ntm.halt_action = ntm.pnp_event = ntm.shutdown_action = -1;
    ntm.halt_order = ntm.pnp_order = ntm.shutdown_order = ntm.calls_so_far = 0;
    *init_status = ndis_adapter_start(ntm_driver_entry, &ntm_driver, nic);
    return nic;
}

void ntm_stop(PDEVICE_OBJECT nic)
{
    if (!nic)
        return;
    if (ndis_adapter_for_pdo(nic))
        ndis_adapter_stop(nic);
    io_test_give_back(nic);
}

void ndis_test_raise(ULONG message) { write_reg(REG_ICS, ntm.msix ? CAUSE_MESSAGE(message) : CAUSE_LSC); }

uint64_t ntm_service_count(PKINTERRUPT object)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < KE_MAX_CPUS; i++)
        n += __atomic_load_n(&object->ServiceCount[i], __ATOMIC_RELAXED);
    return n;
}

uint64_t ntm_decline_count(PKINTERRUPT object)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < KE_MAX_CPUS; i++)
        n += __atomic_load_n(&object->DeclineCount[i], __ATOMIC_RELAXED);
    return n;
}
