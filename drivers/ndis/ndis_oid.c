/* drivers/ndis/ndis_oid.c - OID requests: NDIS asks, MiniportOidRequest answers.
 *
 * learn.microsoft.com: MINIPORT_OID_REQUEST, NDIS_OID_REQUEST, NdisMOidRequestComplete, "OID
 * Requests for NDIS Miniport Drivers" (one request at a time per adapter; a pended request is
 * completed exactly once with NdisMOidRequestComplete).
 * irqlab's NDIS sends its requests at PASSIVE_LEVEL, one at a time per adapter, and waits for a
 * pended one on an event. Completing a request NDIS is not waiting for stops the machine
 * (BUGCODE_NDIS_DRIVER 0x100C).
 */
#include "drivers/ndis/ndis_block.h"
#include "drivers/ndis/ndis_verify.h"

NDIS_STATUS ndis_oid_request(struct ndis_adapter *adapter, NDIS_REQUEST_TYPE type, NDIS_OID oid, PVOID buffer,
                             ULONG length, PULONG bytes_done)
{
    ndis_require_passive((void *)ndis_oid_request, __builtin_return_address(0));
    if (bytes_done)
        *bytes_done = 0;
    if (!adapter->driver->chars.OidRequestHandler)
        return NDIS_STATUS_NOT_SUPPORTED;
    NDIS_OID_REQUEST request;
    NdisZeroMemory(&request, sizeof(request));
    request.Header.Type = NDIS_OBJECT_TYPE_OID_REQUEST;
    request.Header.Revision = NDIS_OID_REQUEST_REVISION_1;
    request.Header.Size = NDIS_SIZEOF_OID_REQUEST_REVISION_1;
    request.RequestType = type;
    request.PortNumber = NDIS_DEFAULT_PORT_NUMBER;
    request.Timeout = 0;
    request.RequestId = &request;
    /* QUERY_INFORMATION and SET_INFORMATION share Oid, InformationBuffer and its length. */
    request.DATA.QUERY_INFORMATION.Oid = oid;
    request.DATA.QUERY_INFORMATION.InformationBuffer = buffer;
    request.DATA.QUERY_INFORMATION.InformationBufferLength = length;

    ExAcquireFastMutex(&adapter->oid_lock);
    __atomic_fetch_add(&adapter->data.oid_requests, 1, __ATOMIC_RELAXED);
    KeClearEvent(&adapter->oid_done);
    __atomic_store_n(&adapter->oid_pending, &request, __ATOMIC_RELEASE);
    NDIS_STATUS status =
        adapter->driver->chars.OidRequestHandler(adapter->registration.MiniportAdapterContext, &request);
    if (status == NDIS_STATUS_PENDING) {
        __atomic_fetch_add(&adapter->data.oid_pended, 1, __ATOMIC_RELAXED);
        KeWaitForSingleObject(&adapter->oid_done, Executive, KernelMode, FALSE, NULL);
        status = adapter->oid_status;
    } else {
        __atomic_store_n(&adapter->oid_pending, NULL, __ATOMIC_RELEASE);
    }
    ExReleaseFastMutex(&adapter->oid_lock);
    if (bytes_done)
        *bytes_done = type == NdisRequestSetInformation ? request.DATA.SET_INFORMATION.BytesRead
                                                        : request.DATA.QUERY_INFORMATION.BytesWritten;
    return status;
}

VOID NdisMOidRequestComplete(NDIS_HANDLE MiniportAdapterHandle, PNDIS_OID_REQUEST OidRequest, NDIS_STATUS Status)
{
    struct ndis_adapter *adapter = ndis_require_adapter(MiniportAdapterHandle, "NdisMOidRequestComplete",
                                                        (void *)NdisMOidRequestComplete, __builtin_return_address(0));
    PNDIS_OID_REQUEST expected = OidRequest;
    /* Only the request NDIS is waiting for, and only once. */
    if (!OidRequest ||
        !__atomic_compare_exchange_n(&adapter->oid_pending, &expected, NULL, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        ndis_bugcheck(NDIS_BUGCHECK_OID_NOT_PENDING, (ULONG_PTR)adapter, (ULONG_PTR)OidRequest, (ULONG_PTR)expected,
                      "NdisMOidRequestComplete for a request that is not pending (completed twice, or returned "
                      "without NDIS_STATUS_PENDING)");
    adapter->oid_status = Status;
    KeSetEvent(&adapter->oid_done, IO_NO_INCREMENT, FALSE);
}
