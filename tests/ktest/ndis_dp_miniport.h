/* tests/ktest/ndis_dp_miniport.h - a miniport with only a data path, for the NBL suites.
 *
 * Started through NDIS on QEMU's e1000e (taken from its real driver, like ndis_test_miniport.h),
 * it touches no hardware and registers no interrupt: its MiniportOidRequest answers the OIDs NDIS
 * binds with (address 02:00:00:00:00:42, link up, packet filter), its MiniportSendNetBufferLists
 * records each frame and completes it at once with dpm.send_status (or keeps it when dpm.hold_sends,
 * for the test to complete), and its MiniportReturnNetBufferLists counts what NDIS gives back. The
 * test plays the receive side by indicating NBLs itself, as a miniport's DPC would.
 */
#ifndef IRQLAB_TESTS_NDIS_DP_MINIPORT_H
#define IRQLAB_TESTS_NDIS_DP_MINIPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/ndis/ndis_block.h"
#include "include/ndis.h"
#include "tests/ktest/ktest.h"

#define DPM_HELD_MAX 8

struct dpm_state {
    NDIS_HANDLE adapter;
    /* OIDs: what NDIS asked, and how to answer */
    volatile uint64_t oid_calls;
    NDIS_OID oids_seen[16];
    ULONG packet_filter; /* set by OID_GEN_CURRENT_PACKET_FILTER */
    bool pend_oids;      /* answer NDIS_STATUS_PENDING and complete from a DPC */
    KDPC oid_dpc;
    PNDIS_OID_REQUEST pended;
    /* sends */
    volatile uint64_t sends; /* NBLs MiniportSendNetBufferLists got */
    NDIS_STATUS send_status; /* what it completes them with */
    bool hold_sends;         /* keep them in held[] instead */
    PNET_BUFFER_LIST held[DPM_HELD_MAX];
    volatile ULONG held_count;
    UCHAR last_frame[1536];
    volatile ULONG last_frame_length;
    volatile KIRQL send_irql;
    /* returns */
    volatile uint64_t returned; /* NBLs MiniportReturnNetBufferLists got */
    volatile KIRQL return_irql;
};

extern struct dpm_state dpm;
extern const UCHAR dpm_mac[6];

/* Take the e1000e and start the miniport on it (NDIS binds it to the stack); NULL with a skip or
 * failure recorded if not possible. dpm_stop halts it and gives the e1000e back. */
PDEVICE_OBJECT dpm_start(struct ktest *t);
void dpm_stop(PDEVICE_OBJECT nic);
/* The NDIS adapter block (for its counters). */
struct ndis_adapter *dpm_block(void);

#endif
