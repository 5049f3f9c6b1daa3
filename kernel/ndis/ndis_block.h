/* kernel/ndis/ndis_block.h - what is behind the NDIS_HANDLEs irqlab's NDIS hands out.
 *
 * Windows' NDIS keeps an NDIS_M_DRIVER_BLOCK per miniport driver, an NDIS_MINIPORT_BLOCK per
 * adapter (the MiniportAdapterHandle) and an NDIS_MINIPORT_INTERRUPT_EX per registered
 * interrupt (the NdisInterruptHandle); miniports never look inside. irqlab's are below, with
 * the same roles. Kernel code and tests (tests/ktest/ndis_*.c) include this header; drivers
 * include only include/ndis.h.
 *
 * Lifetime: an adapter block is the device extension of the FDO NDIS creates on top of the PDO
 * (IoCreateDevice + IoAttachDeviceToDeviceStack, as Windows' NDIS does in its AddDevice), so it
 * lives from AddDevice to IRP_MN_REMOVE_DEVICE (through STOPs: each START initializes it anew);
 * started without the PnP manager (ndis_adapter_start), to the end of MiniportHaltEx. An interrupt block lives from
 * NdisMRegisterInterruptEx to NdisMDeregisterInterruptEx.
 */
#ifndef IRQLAB_NDIS_BLOCK_H
#define IRQLAB_NDIS_BLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "include/ndis.h"
#include "kernel/net/netif.h"

#define NDIS_MAX_DRIVERS 8
#define NDIS_MAX_ADAPTERS 8
#define NDIS_ADAPTER_NAME_MAX 32

#define NDIS_TAG_DRIVER IRQLAB_POOL_TAG("NdDr")    /* driver blocks */
#define NDIS_TAG_INTERRUPT IRQLAB_POOL_TAG("NdIn") /* interrupt blocks and their DPCs */
#define NDIS_TAG_MEMORY IRQLAB_POOL_TAG("NdMm")    /* NdisAllocateMemoryWithTagPriority with Tag 0 */

/* Frames a receive DPC may indicate per call (NDIS_RECEIVE_THROTTLE_PARAMETERS.MaxNblsToIndicate).
 * irqlab's choice: bounded, so one busy NIC's DPC cannot hold a CPU for ever; the miniport sets
 * MoreNblsPending and NDIS queues the DPC again. */
#define NDIS_RECEIVE_BUDGET 64

struct ndis_driver { /* NDIS_M_DRIVER_BLOCK: the NdisMiniportDriverHandle */
    ULONG magic;
    PDRIVER_OBJECT driver_object;
    NDIS_HANDLE context; /* MiniportDriverContext */
    NDIS_MINIPORT_DRIVER_CHARACTERISTICS chars;
};

enum ndis_adapter_state {
    NDIS_ADAPTER_INITIALIZING = 1, /* inside MiniportInitializeEx */
    NDIS_ADAPTER_RUNNING,          /* between a successful MiniportInitializeEx and MiniportHaltEx */
    NDIS_ADAPTER_HALTING,          /* inside MiniportHaltEx */
};

/* Per message (index = MessageId; line-based: one, index 0). Counters only grow. */
struct ndis_message_stats {
    uint64_t isr_calls;    /* the miniport's ISR was called for it */
    uint64_t isr_claimed;  /* ... and returned TRUE ("my NIC interrupted") */
    uint64_t dpc_requests; /* DPCs the ISR asked for (QueueDefaultInterruptDpc / TargetProcessors) */
    uint64_t dpc_queued;   /* ... plus NdisMQueueDpc(Ex), that were newly queued */
    uint64_t dpc_runs;     /* interrupt DPC calls */
    uint64_t dpc_requeues; /* DPC runs that ended with MoreNblsPending (queued again) */
};

struct ndis_interrupt;

/* One KDPC per (message, CPU), as NDIS 6.1+ does: DPCs of different messages aimed at one CPU,
 * and of one message aimed at different CPUs, are queued separately. */
struct ndis_dpc {
    KDPC dpc;
    struct ndis_interrupt *interrupt;
    ULONG message;
    ULONG cpu;
};

struct ndis_interrupt { /* NDIS_MINIPORT_INTERRUPT_EX: the NdisInterruptHandle */
    ULONG magic;
    struct ndis_adapter *adapter;
    NDIS_HANDLE context;                           /* MiniportInterruptContext */
    NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS chars; /* the miniport's handlers (a copy) */
    NDIS_INTERRUPT_TYPE type;
    /* What IoConnectInterruptEx gave back, which IoDisconnectInterruptEx wants. */
    ULONG connect_version; /* CONNECT_MESSAGE_BASED or CONNECT_LINE_BASED */
    union {
        PVOID generic;
        PIO_INTERRUPT_MESSAGE_INFO table;
        PKINTERRUPT line;
    } connection;
    KSPIN_LOCK shared_lock; /* MsiSyncWithAllMessages: every message's ISR under this one lock */
    ULONG message_count;    /* entries in stats[] and rows of dpcs[] (1 for line-based) */
    ULONG cpu_count;        /* columns of dpcs[]: processor numbers 0 .. cpu_count - 1 */
    struct ndis_dpc *dpcs;  /* [message * cpu_count + cpu] */
    struct ndis_message_stats *stats;
    volatile bool deregistering;                   /* no new DPCs from now on */
    volatile uint64_t claimed_while_deregistering; /* ISR calls that returned TRUE meanwhile */
};

/* The data path's counters (ndis_receive.c, ndis_send.c); all only grow. */
struct ndis_data_stats {
    uint64_t indicated;           /* NBLs indicated by the miniport */
    uint64_t indicated_resources; /* ... of them with NDIS_RECEIVE_FLAGS_RESOURCES */
    uint64_t returned;            /* NBLs handed back through MiniportReturnNetBufferLists */
    uint64_t dropped;             /* frames indicated while not bound (or too long) */
    uint64_t sends;               /* NBLs passed to MiniportSendNetBufferLists */
    uint64_t send_completions;    /* ... given back with NdisMSendNetBufferListsComplete */
    uint64_t send_failures;       /* ... with a status other than NDIS_STATUS_SUCCESS */
    uint64_t link_indications;    /* NDIS_STATUS_LINK_STATE indications */
    uint64_t oid_requests;        /* OID requests made */
    uint64_t oid_pended;          /* ... answered NDIS_STATUS_PENDING, completed later */
};

#define NDIS_SEND_SLOTS 32 /* frames the bridge can have in the miniport at once */
#define NDIS_SEND_SLOT_BYTES 1536
#define NDIS_BOUNCE_CPUS 8 /* receive copy buffers (per CPU; more CPUs share slot % 8 under a lock) */
#define NDIS_CAUSES_MAX NETIF_IRQ_CAUSES_MAX

struct ndis_send_slot {
    volatile int state; /* NDIS_SLOT_* (ndis_send.c) */
    NDIS_STATUS status;
    PNET_BUFFER_LIST nbl;
    PMDL mdl;
    UCHAR data[NDIS_SEND_SLOT_BYTES];
};

struct ndis_bounce {
    KSPIN_LOCK lock;
    UCHAR data[NDIS_SEND_SLOT_BYTES];
};

struct ndis_adapter { /* NDIS_MINIPORT_BLOCK: the MiniportAdapterHandle */
    ULONG magic;
    unsigned slot; /* index in the adapter table */
    struct ndis_driver *driver;
    PDEVICE_OBJECT fdo, pdo;
    PDEVICE_OBJECT lower; /* what IoAttachDeviceToDeviceStack returned */
    bool wdm;             /* added by the PnP manager (ndis_add_device): REMOVE deletes the FDO */
    PCM_RESOURCE_LIST raw, translated;
    char name[NDIS_ADAPTER_NAME_MAX]; /* "e1000 00:03.0" */
    volatile enum ndis_adapter_state state;
    bool attributes_set;
    NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES registration;
    struct ndis_interrupt *interrupt; /* registered, or NULL */
    volatile bool surprise_removed;   /* MiniportDevicePnPEventNotify(SurpriseRemoved) was called */
    volatile bool shut_down;          /* MiniportShutdownEx was called: nothing is sent any more */
    uint64_t shared_memory_bytes;     /* NdisMAllocateSharedMemory outstanding */

    /* ---- the bridge to kernel/net (ndis_bind.c, ndis_receive.c, ndis_send.c, ndis_status.c) ---- */
    struct netif netif;                 /* the stack's view of the adapter, registered by ndis_bind */
    volatile bool bound;                /* netif registered and sends allowed */
    volatile LONG sends_in_call;        /* the bridge's transmits inside MiniportSendNetBufferLists */
    NDIS_HANDLE send_pool;              /* NBLs of the send slots */
    struct ndis_send_slot *send_slots;  /* [NDIS_SEND_SLOTS] */
    volatile LONG sends_outstanding;    /* NBLs the miniport holds (sent, not completed) */
    volatile LONG receives_outstanding; /* NBLs NDIS holds (indicated without RESOURCES, not returned) */
    struct ndis_bounce *bounce;         /* [NDIS_BOUNCE_CPUS] */
    KSPIN_LOCK return_lock;             /* protects return_head */
    PNET_BUFFER_LIST return_head;       /* NBLs waiting for return_dpc */
    KDPC return_dpc;                    /* hands them to MiniportReturnNetBufferLists */
    NDIS_LINK_STATE link_state;         /* the last NDIS_STATUS_LINK_STATE (or OID_GEN_LINK_STATE) */
    PCSTR cause_names[NDIS_CAUSES_MAX]; /* NdisIrqlabNameInterruptCauses */
    ULONG cause_count;
    uint64_t stat_rx_errors_seen, stat_rx_drops_seen; /* OID_GEN_RCV_ERROR / _NO_BUFFER folded in */
    FAST_MUTEX oid_lock;                              /* one OID request at a time (the bind, `net`, tests) */
    KEVENT oid_done;                                  /* NdisMOidRequestComplete of a pended request */
    PNDIS_OID_REQUEST volatile oid_pending;
    NDIS_STATUS oid_status;
    struct ndis_data_stats data;
};

/* NdisReserved[0] of an NBL: who owns it (ndis_nbl.c). */
#define NDIS_NBL_FREE 0      /* its allocator's */
#define NDIS_NBL_INDICATED 1 /* NDIS's, until MiniportReturnNetBufferLists */
#define NDIS_NBL_SENT 2      /* the miniport's, until NdisMSendNetBufferListsComplete */
#define NDIS_NBL_ALLOCATED 3 /* allocated from a pool, owned by whoever allocated it */
#define ndis_nbl_owner(nbl) ((ULONG_PTR)(nbl)->NdisReserved[0])
#define ndis_nbl_set_owner(nbl, o) ((nbl)->NdisReserved[0] = (PVOID)(ULONG_PTR)(o))

/* ---- the bridge (ndis_bind.c) ---- */
/* After a successful MiniportInitializeEx: ask the miniport for its address and link state
 * (OIDs), register the netif, set the packet filter. PASSIVE_LEVEL. Not fatal: an adapter whose
 * miniport has no send or OID handler is simply not bound. */
VOID ndis_bind(struct ndis_adapter *adapter);
/* Before MiniportHaltEx: no more sends; pending returns delivered. */
VOID ndis_unbind_begin(struct ndis_adapter *adapter);
/* After MiniportHaltEx: the netif goes; sends the miniport never completed are a bugcheck. */
VOID ndis_unbind_end(struct ndis_adapter *adapter);
/* The netif NDIS registered for this adapter handle, or NULL (tests, the shell). */
struct netif *ndis_netif_of(NDIS_HANDLE adapter_handle);
/* Fold the miniport's receive error / no-buffer counters (OID_GEN_RCV_ERROR, OID_GEN_RCV_NO_BUFFER)
 * into the netif's rx_errors / rx_drops. PASSIVE_LEVEL. */
VOID ndis_refresh_statistics(struct ndis_adapter *adapter);
/* One OID request, waiting if the miniport pends it. PASSIVE_LEVEL. */
NDIS_STATUS ndis_oid_request(struct ndis_adapter *adapter, NDIS_REQUEST_TYPE type, NDIS_OID oid, PVOID buffer,
                             ULONG length, PULONG bytes_done);
/* Take a link state as current: the netif's link_up follows it (ndis_status.c). */
void ndis_set_link_state(struct ndis_adapter *adapter, const NDIS_LINK_STATE *link);
/* ndis_send.c / ndis_receive.c */
NTSTATUS ndis_send_create(struct ndis_adapter *adapter);
VOID ndis_send_destroy(struct ndis_adapter *adapter);
NETIF_TRANSMIT ndis_bridge_transmit;
VOID ndis_receive_init(struct ndis_adapter *adapter);
VOID ndis_receive_flush_returns(struct ndis_adapter *adapter); /* deliver queued returns now */

#define NDIS_DRIVER_MAGIC IRQLAB_POOL_TAG("NdDr")
#define NDIS_ADAPTER_MAGIC IRQLAB_POOL_TAG("NdMb")
#define NDIS_INTERRUPT_MAGIC IRQLAB_POOL_TAG("NdIx")

/* ---- the adapter table (ndis_driver.c) ---- */
/* The adapter in `slot`, or NULL; slots are stable while the adapter lives. */
struct ndis_adapter *ndis_adapter_at(unsigned slot);
/* The adapter NDIS runs on this PDO, or NULL. */
struct ndis_adapter *ndis_adapter_for_pdo(PDEVICE_OBJECT pdo);
/* `handle` if it is a live adapter block, else NULL (never dereferences an unknown pointer). */
struct ndis_adapter *ndis_adapter_from_handle(NDIS_HANDLE handle);
/* `handle` if it is a live interrupt block, else NULL. */
struct ndis_interrupt *ndis_interrupt_from_handle(NDIS_HANDLE handle);
/* The same for a handle a miniport passed to the NDIS routine `name` (at `routine`, called from
 * `caller`); anything else is bugcheck BUGCODE_NDIS_DRIVER, P1 = 0x1004 (adapter) or 0x1002
 * (interrupt), P2 = the handle, P3 = the routine, P4 = the caller (ndis_verify.h). */
struct ndis_adapter *ndis_require_adapter(NDIS_HANDLE handle, const char *name, void *routine, void *caller);
struct ndis_interrupt *ndis_require_interrupt(NDIS_HANDLE handle, const char *name, void *routine, void *caller);

/* For tests: run a miniport on a device that its driver-table entry does not name (the device
 * must have resources and no started driver: io_test_take). Same path as a driver-table start. */
NTSTATUS ndis_adapter_start(PDRIVER_INITIALIZE driver_entry, PDRIVER_OBJECT driver_object, PDEVICE_OBJECT pdo);
/* MiniportHaltEx and the FDO's deletion, as io_device_stop would do. */
VOID ndis_adapter_stop(PDEVICE_OBJECT pdo);
/* The halt itself (ndis_driver.c): unbind, MiniportHaltEx(action), the checks, the FDO goes. The
 * adapter must be RUNNING. PASSIVE_LEVEL. */
VOID ndis_halt_adapter(struct ndis_adapter *adapter, NDIS_HALT_ACTION action);
/* Forget a driver object's registration (tests that register many drivers). */
VOID ndis_forget_driver(PDRIVER_OBJECT driver_object);

/* ---- interrupts (ndis_interrupt.c, ndis_dpc.c) ---- */
/* The KINTERRUPT that guards `message` (the line's for line-based; message 0's when
 * MsiSyncWithAllMessages, since all share its lock), or NULL if there is no such message. */
PKINTERRUPT ndis_interrupt_object(struct ndis_interrupt *interrupt, ULONG message);
/* NDIS calling the miniport's Disable/Enable(Message)InterruptHandler, at DIRQL under the
 * interrupt's lock (Windows does this "for diagnostics"; tests and the shell use it). */
VOID ndis_interrupt_disable(struct ndis_interrupt *interrupt, ULONG message);
VOID ndis_interrupt_enable(struct ndis_interrupt *interrupt, ULONG message);
/* A consistent copy of one message's counters. */
struct ndis_message_stats ndis_interrupt_stats(struct ndis_interrupt *interrupt, ULONG message);

/* ndis_dpc.c */
NTSTATUS ndis_dpcs_create(struct ndis_interrupt *interrupt);
/* Take every queued interrupt DPC back and wait until none runs (PASSIVE_LEVEL). */
VOID ndis_dpcs_quiesce(struct ndis_interrupt *interrupt);
VOID ndis_dpcs_destroy(struct ndis_interrupt *interrupt); /* quiesce, then free the DPCs and counters */
/* After an ISR call: queue the DPCs its outputs ask for (whatever it returned). */
VOID ndis_dpcs_after_isr(struct ndis_interrupt *interrupt, ULONG message, BOOLEAN queue_default, ULONG targets);

/* ---- listing (ndis_print.c) ---- */
typedef void ndis_print_sink(void *context, const char *line);
void ndis_print_to(ndis_print_sink *sink, void *context);
void ndis_print(void);

#endif
