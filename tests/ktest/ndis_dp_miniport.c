/* tests/ktest/ndis_dp_miniport.c - see ndis_dp_miniport.h. */
#include "tests/ktest/ndis_dp_miniport.h"
#include "kernel/io/pnp.h"
#include "kernel/lib/string.h"
#include "tests/ktest/io_helpers.h"

struct dpm_state dpm;
const UCHAR dpm_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x42};
static DRIVER_OBJECT dpm_driver = {.Type = IO_TYPE_DRIVER, .Size = sizeof(DRIVER_OBJECT), .Name = "dpm"};

static NDIS_STATUS answer(PNDIS_OID_REQUEST r, const void *data, ULONG length)
{
    if (r->DATA.QUERY_INFORMATION.InformationBufferLength < length) {
        r->DATA.QUERY_INFORMATION.BytesNeeded = length;
        return NDIS_STATUS_BUFFER_TOO_SHORT;
    }
    memcpy(r->DATA.QUERY_INFORMATION.InformationBuffer, data, length);
    r->DATA.QUERY_INFORMATION.BytesWritten = length;
    return NDIS_STATUS_SUCCESS;
}

static NDIS_STATUS handle_oid(PNDIS_OID_REQUEST r)
{
    if (r->RequestType == NdisRequestSetInformation) {
        if (r->DATA.SET_INFORMATION.Oid != OID_GEN_CURRENT_PACKET_FILTER)
            return NDIS_STATUS_NOT_SUPPORTED;
        dpm.packet_filter = *(const ULONG *)r->DATA.SET_INFORMATION.InformationBuffer;
        r->DATA.SET_INFORMATION.BytesRead = sizeof(ULONG);
        return NDIS_STATUS_SUCCESS;
    }
    switch (r->DATA.QUERY_INFORMATION.Oid) {
    case OID_802_3_CURRENT_ADDRESS: return answer(r, dpm_mac, sizeof(dpm_mac));
    case OID_GEN_MAXIMUM_FRAME_SIZE: {
        ULONG size = 1500;
        return answer(r, &size, sizeof(size));
    }
    case OID_GEN_LINK_STATE: {
        NDIS_LINK_STATE link = {0};
        link.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
        link.Header.Revision = NDIS_LINK_STATE_REVISION_1;
        link.Header.Size = NDIS_SIZEOF_LINK_STATE_REVISION_1;
        link.MediaConnectState = MediaConnectStateConnected;
        link.XmitLinkSpeed = link.RcvLinkSpeed = 1000000000ull;
        return answer(r, &link, sizeof(link));
    }
    default: return NDIS_STATUS_NOT_SUPPORTED;
    }
}

static VOID oid_dpc(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    UNREFERENCED_PARAMETER(dpc);
    UNREFERENCED_PARAMETER(context);
    UNREFERENCED_PARAMETER(a1);
    UNREFERENCED_PARAMETER(a2);
    PNDIS_OID_REQUEST r = dpm.pended;
    dpm.pended = NULL;
    NdisMOidRequestComplete(dpm.adapter, r, handle_oid(r));
}

static NDIS_STATUS dpm_oid(NDIS_HANDLE context, PNDIS_OID_REQUEST r)
{
    UNREFERENCED_PARAMETER(context);
    uint64_t n = __atomic_fetch_add(&dpm.oid_calls, 1, __ATOMIC_RELAXED);
    if (n < ARRAYSIZE(dpm.oids_seen))
        dpm.oids_seen[n] = r->DATA.QUERY_INFORMATION.Oid;
    if (dpm.pend_oids) {
        dpm.pended = r;
        KeInsertQueueDpc(&dpm.oid_dpc, NULL, NULL);
        return NDIS_STATUS_PENDING;
    }
    return handle_oid(r);
}

static VOID dpm_send(NDIS_HANDLE context, PNET_BUFFER_LIST nbls, NDIS_PORT_NUMBER port, ULONG flags)
{
    UNREFERENCED_PARAMETER(context);
    UNREFERENCED_PARAMETER(port);
    UNREFERENCED_PARAMETER(flags);
    dpm.send_irql = KeGetCurrentIrql();
    PNET_BUFFER_LIST next;
    for (PNET_BUFFER_LIST nbl = nbls; nbl; nbl = next) {
        next = NET_BUFFER_LIST_NEXT_NBL(nbl);
        NET_BUFFER_LIST_NEXT_NBL(nbl) = NULL;
        __atomic_fetch_add(&dpm.sends, 1, __ATOMIC_RELAXED);
        PNET_BUFFER nb = NET_BUFFER_LIST_FIRST_NB(nbl);
        ULONG length = NET_BUFFER_DATA_LENGTH(nb);
        if (length <= sizeof(dpm.last_frame) && NdisGetDataBuffer(nb, length, dpm.last_frame, 1, 0) == dpm.last_frame)
            dpm.last_frame_length = length;
        else if (length <= sizeof(dpm.last_frame)) {
            memcpy(dpm.last_frame, NdisGetDataBuffer(nb, length, NULL, 1, 0), length);
            dpm.last_frame_length = length;
        }
        if (dpm.hold_sends && dpm.held_count < DPM_HELD_MAX) {
            dpm.held[dpm.held_count++] = nbl;
            continue;
        }
        NET_BUFFER_LIST_STATUS(nbl) = dpm.send_status;
        NdisMSendNetBufferListsComplete(dpm.adapter, nbl, NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL);
    }
}

static VOID dpm_return(NDIS_HANDLE context, PNET_BUFFER_LIST nbls, ULONG flags)
{
    UNREFERENCED_PARAMETER(context);
    UNREFERENCED_PARAMETER(flags);
    dpm.return_irql = KeGetCurrentIrql();
    for (PNET_BUFFER_LIST nbl = nbls; nbl; nbl = NET_BUFFER_LIST_NEXT_NBL(nbl))
        __atomic_fetch_add(&dpm.returned, 1, __ATOMIC_RELAXED);
}

static NDIS_STATUS dpm_initialize(NDIS_HANDLE adapter, NDIS_HANDLE driver_context, PNDIS_MINIPORT_INIT_PARAMETERS p)
{
    UNREFERENCED_PARAMETER(driver_context);
    UNREFERENCED_PARAMETER(p);
    dpm.adapter = adapter;
    NDIS_MINIPORT_ADAPTER_ATTRIBUTES a;
    memset(&a, 0, sizeof(a));
    a.RegistrationAttributes.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES;
    a.RegistrationAttributes.Header.Revision = NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1;
    a.RegistrationAttributes.Header.Size = NDIS_SIZEOF_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1;
    a.RegistrationAttributes.MiniportAdapterContext = &dpm;
    a.RegistrationAttributes.InterfaceType = NdisInterfacePci;
    return NdisMSetMiniportAttributes(adapter, &a);
}

static VOID dpm_halt(NDIS_HANDLE context, NDIS_HALT_ACTION action)
{
    UNREFERENCED_PARAMETER(context);
    UNREFERENCED_PARAMETER(action);
}

static NTSTATUS dpm_driver_entry(PDRIVER_OBJECT driver, PUNICODE_STRING registry_path)
{
    NDIS_MINIPORT_DRIVER_CHARACTERISTICS c;
    memset(&c, 0, sizeof(c));
    c.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_DRIVER_CHARACTERISTICS;
    c.Header.Revision = NDIS_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_1;
    c.Header.Size = NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_1;
    c.MajorNdisVersion = 6;
    c.MinorNdisVersion = 20;
    c.InitializeHandlerEx = dpm_initialize;
    c.HaltHandlerEx = dpm_halt;
    c.OidRequestHandler = dpm_oid;
    c.SendNetBufferListsHandler = dpm_send;
    c.ReturnNetBufferListsHandler = dpm_return;
    NDIS_HANDLE handle;
    return NdisMRegisterMiniportDriver(driver, registry_path, NULL, &c, &handle);
}

PDEVICE_OBJECT dpm_start(struct ktest *t)
{
    PDEVICE_OBJECT nic = io_pdo_find_pci(IO_TEST_E1000E_VENDOR, IO_TEST_E1000E_DEVICE, 0);
    if (!nic) {
        ktest_skip(t, "needs -device e1000e");
        return NULL;
    }
    if (!io_test_take(nic, 0)) {
        ktest_fail(t, __FILE__, __LINE__, "could not take the e1000e from its driver");
        return NULL;
    }
    bool pend = dpm.pend_oids;
    memset(&dpm, 0, sizeof(dpm));
    dpm.pend_oids = pend;
    dpm.send_status = NDIS_STATUS_SUCCESS;
    KeInitializeDpc(&dpm.oid_dpc, oid_dpc, NULL);
    ndis_forget_driver(&dpm_driver); /* DriverEntry again: each test starts clean */
    NTSTATUS status = ndis_adapter_start(dpm_driver_entry, &dpm_driver, nic);
    if (!NT_SUCCESS(status)) {
        ktest_fail(t, __FILE__, __LINE__, "the data-path miniport did not start");
        io_test_give_back(nic);
        return NULL;
    }
    return nic;
}

void dpm_stop(PDEVICE_OBJECT nic)
{
    if (!nic)
        return;
    if (ndis_adapter_for_pdo(nic))
        ndis_adapter_stop(nic);
    io_test_give_back(nic);
}

struct ndis_adapter *dpm_block(void) { return ndis_adapter_from_handle(dpm.adapter); }
