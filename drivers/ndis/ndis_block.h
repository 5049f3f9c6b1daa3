/* drivers/ndis/ndis_block.h - what is behind the NDIS_HANDLEs irqlab's NDIS hands out.
 *
 * Windows' NDIS keeps an NDIS_M_DRIVER_BLOCK per miniport driver, an NDIS_MINIPORT_BLOCK per
 * adapter (the MiniportAdapterHandle) and an NDIS_MINIPORT_INTERRUPT_EX per registered
 * interrupt (the NdisInterruptHandle); miniports never look inside. irqlab's are below, with
 * the same roles. Kernel code and tests (tests/ktest/ndis_*.c) include this header; drivers
 * include only include/ndis.h.
 *
 * Lifetime: an adapter block is the device extension of the FDO NDIS creates on top of the PDO
 * (IoCreateDevice + IoAttachDeviceToDeviceStack, as Windows' NDIS does in its AddDevice), so it
 * lives from NdisIrqlabStartDevice to the end of MiniportHaltEx. An interrupt block lives from
 * NdisMRegisterInterruptEx to NdisMDeregisterInterruptEx.
 */
#ifndef IRQLAB_NDIS_BLOCK_H
#define IRQLAB_NDIS_BLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "include/ndis.h"

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
    volatile bool deregistering; /* no new DPCs from now on */
};

struct ndis_adapter { /* NDIS_MINIPORT_BLOCK: the MiniportAdapterHandle */
    ULONG magic;
    unsigned slot; /* index in the adapter table */
    struct ndis_driver *driver;
    PDEVICE_OBJECT fdo, pdo;
    PCM_RESOURCE_LIST raw, translated;
    char name[NDIS_ADAPTER_NAME_MAX]; /* "e1000 00:03.0" */
    volatile enum ndis_adapter_state state;
    bool attributes_set;
    NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES registration;
    struct ndis_interrupt *interrupt; /* registered, or NULL */
    uint64_t shared_memory_bytes;     /* NdisMAllocateSharedMemory outstanding */
};

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
