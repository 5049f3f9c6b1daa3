/* drivers/parport/parport_clients.h - the list of client ISRs and deferred port checks connected
 * to a parallel port, and the port ISR's walk over it. Pure: the caller holds the port interrupt's
 * lock around every call (tests/unit/test_par_clients.c runs it on the host).
 *
 * learn.microsoft.com: IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT / _DISCONNECT_INTERRUPT,
 * PARALLEL_INTERRUPT_SERVICE_ROUTINE; docs/reference/PARALLEL_INTERRUPT_SERVICE_ROUTINE.md. */
#ifndef IRQLAB_DRIVERS_PARPORT_CLIENTS_H
#define IRQLAB_DRIVERS_PARPORT_CLIENTS_H

#include <stdint.h>

#include <parallel.h>

struct parport_client {
    LIST_ENTRY link; /* in the port's list, in connection order */
    PARALLEL_INTERRUPT_SERVICE_ROUTINE routines;
    uint64_t calls;          /* its ISR was called */
    uint64_t claims;         /* ... and returned TRUE */
    uint64_t deferred_calls; /* its deferred port check ran */
};

/* Does a connected entry answer to this DISCONNECT input? An entry with an ISR is named by the
 * pair (InterruptServiceRoutine, InterruptServiceContext), as Windows names it; an entry with only
 * a deferred routine by (DeferredPortCheckRoutine, DeferredPortCheckContext). */
BOOLEAN parport_client_matches(const struct parport_client *client, const PARALLEL_INTERRUPT_SERVICE_ROUTINE *r);
struct parport_client *parport_client_find(PLIST_ENTRY clients, const PARALLEL_INTERRUPT_SERVICE_ROUTINE *r);

/* May this CONNECT input be added? STATUS_INVALID_PARAMETER if it has neither routine, or if an
 * entry that answers to the same name is already connected (connecting an ISR twice would make
 * the port call it twice per interrupt, and one DISCONNECT could not say which to remove). */
NTSTATUS parport_client_check_new(PLIST_ENTRY clients, const PARALLEL_INTERRUPT_SERVICE_ROUTINE *r);

/* The port ISR's work: call the client ISRs in connection order with (the port's interrupt
 * object, the client's context) until one returns TRUE. Returns TRUE if one did - the first TRUE
 * wins, later clients do not see that interrupt - and FALSE if none claimed it. */
BOOLEAN parport_clients_dispatch(PLIST_ENTRY clients, PKINTERRUPT interrupt);

/* Call every deferred port check routine, in connection order. Returns how many ran. */
unsigned parport_clients_run_deferred(PLIST_ENTRY clients);

unsigned parport_clients_count(PLIST_ENTRY clients);

#endif
