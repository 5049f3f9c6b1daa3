/* drivers/ndis/ndis_status.c - NdisMIndicateStatusEx: the miniport tells NDIS (and through it the
 * stack) that something changed. irqlab understands NDIS_STATUS_LINK_STATE.
 *
 * learn.microsoft.com: NdisMIndicateStatusEx, NDIS_STATUS_INDICATION, "NDIS_STATUS_LINK_STATE"
 * (StatusBuffer is an NDIS_LINK_STATE; "miniport drivers must indicate a link state change"),
 * NDIS_LINK_STATE. The link state becomes the netif's link_up (`net` shows it).
 */
#include "drivers/ndis/ndis_block.h"
#include "drivers/ndis/ndis_verify.h"
#include "kernel/console/log.h"

/* Whether `link` is a well-formed NDIS_LINK_STATE of `size` bytes. */
static bool link_state_ok(const NDIS_LINK_STATE *link, ULONG size)
{
    return link && size >= NDIS_SIZEOF_LINK_STATE_REVISION_1 && link->Header.Type == NDIS_OBJECT_TYPE_DEFAULT &&
           link->Header.Revision >= NDIS_LINK_STATE_REVISION_1 &&
           link->Header.Size >= NDIS_SIZEOF_LINK_STATE_REVISION_1;
}

/* Take a link state as current (from the indication, or OID_GEN_LINK_STATE at bind time). */
void ndis_set_link_state(struct ndis_adapter *adapter, const NDIS_LINK_STATE *link)
{
    adapter->link_state = *link;
    __atomic_store_n(&adapter->netif.link_up, link->MediaConnectState == MediaConnectStateConnected, __ATOMIC_RELEASE);
}

VOID NdisMIndicateStatusEx(NDIS_HANDLE MiniportAdapterHandle, PNDIS_STATUS_INDICATION StatusIndication)
{
    struct ndis_adapter *adapter = ndis_require_adapter(MiniportAdapterHandle, "NdisMIndicateStatusEx",
                                                        (void *)NdisMIndicateStatusEx, __builtin_return_address(0));
    PNDIS_STATUS_INDICATION s = StatusIndication;
    if (!s || s->Header.Type != NDIS_OBJECT_TYPE_STATUS_INDICATION ||
        s->Header.Revision < NDIS_STATUS_INDICATION_REVISION_1 ||
        s->Header.Size < NDIS_SIZEOF_STATUS_INDICATION_REVISION_1 || s->SourceHandle != MiniportAdapterHandle) {
        log_warn("ndis: %s: NdisMIndicateStatusEx: bad NDIS_STATUS_INDICATION (header or SourceHandle), ignored",
                 adapter->name);
        return;
    }
    if (s->StatusCode != NDIS_STATUS_LINK_STATE)
        return; /* nothing above NDIS listens to anything else in irqlab */
    const NDIS_LINK_STATE *link = s->StatusBuffer;
    if (!link_state_ok(link, s->StatusBufferSize)) {
        log_warn("ndis: %s: NDIS_STATUS_LINK_STATE without a valid NDIS_LINK_STATE, ignored", adapter->name);
        return;
    }
    __atomic_fetch_add(&adapter->data.link_indications, 1, __ATOMIC_RELAXED);
    ndis_set_link_state(adapter, link);
}
