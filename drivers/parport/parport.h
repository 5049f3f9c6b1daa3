/* drivers/parport/parport.h - what the parallel port driver offers the rest of the kernel (the
 * shell, tests) besides its WDK interface. Drivers talk to the port only through
 * \Device\ParallelPort<n> and include/parallel.h; this header is for looking at it from outside. */
#ifndef IRQLAB_DRIVERS_PARPORT_H
#define IRQLAB_DRIVERS_PARPORT_H

#include <stdbool.h>
#include <stdint.h>

#include <parallel.h>

#define PARPORT_MAX_PORTS 3
#define PARPORT_MAX_STATUS_CLIENTS 8

struct parport_client_status {
    PKSERVICE_ROUTINE isr; /* NULL: a deferred port check only */
    PVOID isr_context;
    PPARALLEL_DEFERRED_ROUTINE deferred;
    uint64_t calls, claims, deferred_calls;
};

/* A consistent copy of a port's state, taken under the port interrupt's lock. */
struct parport_status {
    USHORT base;          /* I/O port */
    ULONG irq;            /* raw: the ISA IRQ */
    ULONG vector;         /* translated: IDT vector ... */
    KIRQL irql;           /* ... and its IRQL (the port interrupt's SynchronizeIrql) */
    bool has_interrupt;   /* the PDO has an interrupt resource */
    bool connected;       /* the port interrupt is connected (some client is) */
    bool connect_enabled; /* CONNECT_INTERRUPT requests are accepted */
    bool allocated;
    PVOID owner_tag; /* the FILE_OBJECT of the allocate request that got it, or NULL */
    ULONG waiters;
    uint64_t interrupts, unclaimed; /* port ISR calls; calls no client claimed */
    uint64_t allocations, refusals, waits, handovers, cancellations, stray_frees;
    uint64_t deferred_passes; /* times the deferred port checks were run */
    uint64_t opens, closes;   /* IRP_MJ_CREATE / IRP_MJ_CLOSE */
    uint64_t revoked_clients; /* still connected when the port stopped, after being told */
    unsigned client_count;    /* connected clients (the first 8 are below) */
    struct parport_client_status clients[PARPORT_MAX_STATUS_CLIENTS];
};

/* The FDO named \Device\ParallelPort<number>, or NULL. */
PDEVICE_OBJECT parport_device(unsigned number);
/* The port's PDO (the LPT1 device the PnP code created), for tests that look at its resources. */
PDEVICE_OBJECT parport_pdo(PDEVICE_OBJECT fdo);
bool parport_query_status(PDEVICE_OBJECT fdo, struct parport_status *out);
/* What the port answers to IRP_MN_QUERY_STOP_DEVICE / IRP_MN_QUERY_REMOVE_DEVICE: STATUS_DEVICE_BUSY
 * while allocated, waited for or with clients connected, else STATUS_SUCCESS (NULL: success). For
 * the PnP core's shim of driver-table entries, which may ask this instead of sending the IRP. */
NTSTATUS parport_query_remove(PDEVICE_OBJECT fdo);

/* Windows' EnableConnectInterruptIoctl: off makes CONNECT_INTERRUPT fail with STATUS_UNSUCCESSFUL.
 * irqlab's default is on (boot with parport_connect_interrupt=off for Windows' default). */
void parport_set_connect_enabled(PDEVICE_OBJECT fdo, bool enabled);
/* What StartDevice reads: the port's EnableConnectInterruptIoctl registry value (absent: on). */
BOOLEAN ParportReadConnectSwitch(PDEVICE_OBJECT Pdo);

#endif
