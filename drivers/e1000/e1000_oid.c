/* drivers/e1000/e1000_oid.c - MiniportOidRequest: what NDIS may ask the e1000 miniport.
 *
 * learn.microsoft.com: MINIPORT_OID_REQUEST, NDIS_OID_REQUEST, "OID_802_3_CURRENT_ADDRESS",
 * "OID_802_3_PERMANENT_ADDRESS", "OID_GEN_CURRENT_PACKET_FILTER", "OID_GEN_MAXIMUM_FRAME_SIZE",
 * "OID_GEN_LINK_STATE", "OID_GEN_RCV_ERROR", "OID_GEN_RCV_NO_BUFFER", "OID_GEN_XMIT_OK",
 * "OID_GEN_RCV_OK". Every request is answered in place (never NDIS_STATUS_PENDING): all it needs
 * is in the adapter context or one register read.
 * A buffer too small: NDIS_STATUS_BUFFER_TOO_SHORT (query) / NDIS_STATUS_INVALID_LENGTH (set),
 * with BytesNeeded; an OID the driver does not know: NDIS_STATUS_NOT_SUPPORTED.
 */
#include "drivers/e1000/e1000.h"

#define E1000_SUPPORTED_FILTERS                                                                                        \
    (NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_MULTICAST | NDIS_PACKET_TYPE_ALL_MULTICAST |                         \
     NDIS_PACKET_TYPE_BROADCAST | NDIS_PACKET_TYPE_PROMISCUOUS)

/* Copy `Length` bytes of answer into the query's buffer. */
static NDIS_STATUS answer(PNDIS_OID_REQUEST Request, const void *Data, ULONG Length)
{
    struct _QUERY *q = &Request->DATA.QUERY_INFORMATION;
    if (q->InformationBufferLength < Length) {
        q->BytesNeeded = Length;
        q->BytesWritten = 0;
        return NDIS_STATUS_BUFFER_TOO_SHORT;
    }
    NdisMoveMemory(q->InformationBuffer, Data, Length);
    q->BytesWritten = Length;
    q->BytesNeeded = 0;
    return NDIS_STATUS_SUCCESS;
}

/* A statistics counter: ULONG64, or a ULONG if that is all the buffer holds (the WDK's rule for
 * the OID_GEN_*_OK / _ERROR counters). */
static NDIS_STATUS answer_counter(PNDIS_OID_REQUEST Request, ULONG64 Value)
{
    if (Request->DATA.QUERY_INFORMATION.InformationBufferLength >= sizeof(ULONG64))
        return answer(Request, &Value, sizeof(Value));
    ULONG small = (ULONG)Value;
    return answer(Request, &small, sizeof(small));
}

static NDIS_STATUS query(PE1000_ADAPTER Adapter, PNDIS_OID_REQUEST Request)
{
    struct e1000_stats s = e1000_stats_of(Adapter);
    switch (Request->DATA.QUERY_INFORMATION.Oid) {
    case OID_802_3_CURRENT_ADDRESS:
    case OID_802_3_PERMANENT_ADDRESS: /* no locally administered address: the same */
        return answer(Request, Adapter->Mac, E1000_ETH_ADDR_LEN);
    case OID_GEN_CURRENT_PACKET_FILTER: return answer(Request, &Adapter->PacketFilter, sizeof(ULONG));
    case OID_GEN_MAXIMUM_FRAME_SIZE: {
        ULONG size = E1000_MAX_PAYLOAD;
        return answer(Request, &size, sizeof(size));
    }
    case OID_GEN_LINK_STATE: {
        NDIS_LINK_STATE link;
        KIRQL irql;
        KeAcquireSpinLock(&Adapter->LinkLock, &irql);
        E1000FillLinkState(Adapter, &link);
        KeReleaseSpinLock(&Adapter->LinkLock, irql);
        return answer(Request, &link, sizeof(link));
    }
    case OID_GEN_LINK_SPEED: {
        ULONG speed = Adapter->LinkSpeedMbps * 10000; /* 100 bps units */
        return answer(Request, &speed, sizeof(speed));
    }
    case OID_GEN_XMIT_OK: return answer_counter(Request, s.tx_frames);
    case OID_GEN_RCV_OK: return answer_counter(Request, s.rx_frames);
    case OID_GEN_XMIT_ERROR: return answer_counter(Request, s.tx_ring_full);
    case OID_GEN_RCV_ERROR: return answer_counter(Request, s.rx_errors);
    case OID_GEN_RCV_NO_BUFFER: return answer_counter(Request, s.rx_missed); /* MPC as the DPC last read it */
    default: return NDIS_STATUS_NOT_SUPPORTED;
    }
}

static NDIS_STATUS set(PE1000_ADAPTER Adapter, PNDIS_OID_REQUEST Request)
{
    struct _SET *set = &Request->DATA.SET_INFORMATION;
    switch (set->Oid) {
    case OID_GEN_CURRENT_PACKET_FILTER: {
        if (set->InformationBufferLength < sizeof(ULONG)) {
            set->BytesNeeded = sizeof(ULONG);
            return NDIS_STATUS_INVALID_LENGTH;
        }
        ULONG filter = *(const ULONG *)set->InformationBuffer;
        set->BytesRead = sizeof(ULONG);
        if (filter & ~E1000_SUPPORTED_FILTERS)
            return NDIS_STATUS_NOT_SUPPORTED;
        Adapter->PacketFilter = filter;
        E1000ProgramPacketFilter(Adapter);
        return NDIS_STATUS_SUCCESS;
    }
    default: return NDIS_STATUS_NOT_SUPPORTED;
    }
}

NDIS_STATUS E1000OidRequest(NDIS_HANDLE MiniportAdapterContext, PNDIS_OID_REQUEST OidRequest)
{
    PE1000_ADAPTER adapter = MiniportAdapterContext;
    e1000_count(&adapter->Stats.oid_requests, 1);
    switch (OidRequest->RequestType) {
    case NdisRequestQueryInformation:
    case NdisRequestQueryStatistics: return query(adapter, OidRequest);
    case NdisRequestSetInformation: return set(adapter, OidRequest);
    default: return NDIS_STATUS_NOT_SUPPORTED;
    }
}
