/* drivers/parwatch/parwatch.h - a second client of the parallel port, for watching the shared
 * port interrupt (the shell's `lpt status`, tests).
 *
 * parwatch connects its own ISR and a deferred port check routine to \Device\ParallelPort0 and
 * counts what it sees. Its ISR claims an interrupt only when the port is allocated to parwatch -
 * on a shared port the owner is the only client that can have caused it. The modes show what
 * happens otherwise:
 *   PARWATCH_HONEST  (default) FALSE unless parwatch owns the port;
 *   PARWATCH_GREEDY  TRUE for every interrupt - a bug: the port stops at the first TRUE, so the
 *                    clients after parwatch never see their interrupts (parprint then falls back
 *                    to its ACK-timeout poll for every byte);
 *   PARWATCH_GRAB    an interrupt while the port is free is taken as parwatch's own device
 *                    asking for service: TryAllocatePortAtInterruptLevel, acknowledge,
 *                    FreePortFromInterruptLevel - all at DIRQL inside the port's ISR.
 * Everything here is PASSIVE_LEVEL. */
#ifndef IRQLAB_DRIVERS_PARWATCH_H
#define IRQLAB_DRIVERS_PARWATCH_H

#include <stdbool.h>
#include <stdint.h>

#include <wdm.h>

enum parwatch_mode { PARWATCH_HONEST = 0, PARWATCH_GREEDY = 1, PARWATCH_GRAB = 2 };

struct parwatch_counts {
    uint64_t seen;            /* interrupts the port showed parwatch's ISR */
    uint64_t claimed;         /* ... it returned TRUE for */
    uint64_t grabs;           /* ... it took the port for at DIRQL (PARWATCH_GRAB) */
    uint64_t deferred_checks; /* its DeferredPortCheckRoutine ran (the port went idle) */
    uint64_t pings;
    uint64_t revocations; /* the port told parwatch to leave (it was stopping or being removed) */
};

/* Open the port and connect (ISR + deferred port check). Returns the CONNECT status. */
NTSTATUS parwatch_start(enum parwatch_mode mode);
/* Disconnect (free the port first if parwatch owns it) and close. */
void parwatch_stop(void);
bool parwatch_connected(void);
void parwatch_set_mode(enum parwatch_mode mode);

/* Ownership, the three documented ways: the ALLOCATE request (waits while the port is busy),
 * the TryAllocatePort callback (never waits), FreePort (callback) or the PORT_FREE request. */
NTSTATUS parwatch_allocate(void);
bool parwatch_try_allocate(void);
void parwatch_free(void);
NTSTATUS parwatch_free_request(void);
bool parwatch_owns_port(void);
ULONG parwatch_query_waiters(void);

/* Make the port interrupt once (parwatch must own the port) and wait up to 1 s for parwatch's
 * ISR to claim it: STATUS_SUCCESS, STATUS_DEVICE_BUSY (not the owner), STATUS_UNSUCCESSFUL. */
NTSTATUS parwatch_ping(void);

void parwatch_get_counts(struct parwatch_counts *counts);
void parwatch_reset_counts(void);
PKSERVICE_ROUTINE parwatch_isr(void);

#endif
