/* drivers/parport/parport_internal.h - the parallel port driver's device extension and the
 * routines its files share (parport.c: start, stop, dispatch; parport_alloc.c: ownership;
 * parport_interrupt.c: the port interrupt and its clients). */
#ifndef IRQLAB_DRIVERS_PARPORT_INTERNAL_H
#define IRQLAB_DRIVERS_PARPORT_INTERNAL_H

#include <stdint.h>

#include "lpt_hw.h"
#include "parport.h"
#include "parport_clients.h"
#include "parport_owner.h"

#define PARPORT_TAG IRQLAB_POOL_TAG("PaPt")

typedef struct _PARPORT_EXTENSION {
    PDEVICE_OBJECT Self;        /* the FDO, \Device\ParallelPort<PortNumber> */
    PDEVICE_OBJECT Pdo;         /* LPT1 as the PnP code sees it */
    PDEVICE_OBJECT LowerDevice; /* what IoAttachDeviceToDeviceStack returned */
    ULONG PortNumber;

    /* Registers (the port resource). */
    PHYSICAL_ADDRESS OriginalController; /* raw */
    PUCHAR Controller;                   /* translated: an I/O port number */
    ULONG SpanOfController;

    /* The interrupt resource (translated), and the raw IRQ. */
    BOOLEAN HasInterrupt;
    ULONG Vector;
    KIRQL Irql; /* also the SynchronizeIrql the port connects with */
    KINTERRUPT_MODE Mode;
    KAFFINITY Affinity;
    ULONG RawIrq;

    /* StateLock is the port interrupt's spin lock (IoConnectInterruptEx SpinLock), taken at Irql.
     * It guards everything below whether or not the interrupt is connected, so the ISR, the
     * client ISRs it calls, the DIRQL callbacks and the <= DISPATCH_LEVEL callbacks all see one
     * consistent state - what Windows gets from KeSynchronizeExecution. */
    KSPIN_LOCK StateLock;
    PKINTERRUPT Interrupt; /* connected exactly while Clients is not empty */
    LIST_ENTRY Clients;    /* struct parport_client, in connection order */
    struct parport_owner Owner;
    BOOLEAN DpcFreePending;  /* a DIRQL free found waiters: the DPC hands the port over */
    BOOLEAN DpcCheckPending; /* a DIRQL free left the port idle: the DPC runs the deferred checks */
    BOOLEAN ConnectEnabled;
    BOOLEAN Started;  /* between IRP_MN_START_DEVICE and STOP / SURPRISE_REMOVAL / REMOVE */
    BOOLEAN Revoking; /* the stop is telling the clients: no new CONNECT or ALLOCATE */
    BOOLEAN Removed;  /* clients revoked: requests fail with STATUS_DELETE_PENDING */
    uint64_t Interrupts, Unclaimed, DeferredPasses, Opens, Closes;
    uint64_t RevokedClients; /* clients still connected after being told: revoked by force */
} PARPORT_EXTENSION, *PPARPORT_EXTENSION;

/* The state lock (see StateLock). Callers are at <= the port's Irql. */
KIRQL ParportLock(PPARPORT_EXTENSION Ext);
VOID ParportUnlock(PPARPORT_EXTENSION Ext, KIRQL OldIrql);

/* A request handler: runs once the IRQL rule and parport_check_request passed. Sets
 * *Information on success; returns the status to complete the IRP with. */
typedef NTSTATUS PARPORT_REQUEST_HANDLER(PPARPORT_EXTENSION Ext, PIRP Irp, PIO_STACK_LOCATION Stack,
                                         ULONG_PTR *Information);

/* parport_alloc.c: ownership. The callbacks of PARALLEL_PORT_INFORMATION and
 * PARALLEL_INTERRUPT_INFORMATION, and the two requests. */
BOOLEAN ParportTryAllocatePort(PVOID Context);
VOID ParportFreePort(PVOID Context);
ULONG ParportQueryNumWaiters(PVOID Context);
BOOLEAN ParportTryAllocatePortAtInterruptLevel(PVOID Context);
VOID ParportFreePortFromInterruptLevel(PVOID Context);
IO_DPC_ROUTINE ParportDpcForIsr;
PARPORT_REQUEST_HANDLER ParportAllocatePortRequest;
PARPORT_REQUEST_HANDLER ParportFreePortRequest;

/* parport_interrupt.c: the port interrupt, connected for the first client, disconnected after
 * the last. */
PARPORT_REQUEST_HANDLER ParportConnectInterrupt;
PARPORT_REQUEST_HANDLER ParportDisconnectInterrupt;
/* StopDevice: drop every client and disconnect the interrupt. PASSIVE_LEVEL. */
VOID ParportDisconnectAll(PPARPORT_EXTENSION Ext);

/* parport_pnp.c: the port going away. PASSIVE_LEVEL. */
/* STATUS_DEVICE_BUSY while the port is allocated, waited for or has clients connected. */
NTSTATUS ParportQueryRemove(PPARPORT_EXTENSION Ext);
/* StopDevice's first step: tell the clients (they disconnect and close), then mark the port
 * removed; ParportDisconnectAll afterwards drops whoever did not listen. */
VOID ParportRevokeClients(PPARPORT_EXTENSION Ext);

#endif
