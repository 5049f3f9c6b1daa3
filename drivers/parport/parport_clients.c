/* drivers/parport/parport_clients.c - the port's client list (see parport_clients.h).
 *
 * Windows' documentation: the port driver keeps a list of the connected ISRs and deferred port
 * check routines and calls them in the order they were connected; a client ISR returns TRUE only
 * for an interrupt its device caused - on a shared port, only while it owns the port. The walk
 * stops at the first TRUE, so a client that wrongly claims an interrupt hides it from every client
 * after it (reference §8.6). */
#include "parport_clients.h"

BOOLEAN parport_client_matches(const struct parport_client *client, const PARALLEL_INTERRUPT_SERVICE_ROUTINE *r)
{
    const PARALLEL_INTERRUPT_SERVICE_ROUTINE *c = &client->routines;
    if (r->InterruptServiceRoutine)
        return c->InterruptServiceRoutine == r->InterruptServiceRoutine &&
               c->InterruptServiceContext == r->InterruptServiceContext;
    return !c->InterruptServiceRoutine && c->DeferredPortCheckRoutine == r->DeferredPortCheckRoutine &&
           c->DeferredPortCheckContext == r->DeferredPortCheckContext;
}

struct parport_client *parport_client_find(PLIST_ENTRY clients, const PARALLEL_INTERRUPT_SERVICE_ROUTINE *r)
{
    for (PLIST_ENTRY e = clients->Flink; e != clients; e = e->Flink) {
        struct parport_client *c = CONTAINING_RECORD(e, struct parport_client, link);
        if (parport_client_matches(c, r))
            return c;
    }
    return NULL;
}

NTSTATUS parport_client_check_new(PLIST_ENTRY clients, const PARALLEL_INTERRUPT_SERVICE_ROUTINE *r)
{
    if (!r->InterruptServiceRoutine && !r->DeferredPortCheckRoutine)
        return STATUS_INVALID_PARAMETER;
    if (parport_client_find(clients, r))
        return STATUS_INVALID_PARAMETER;
    return STATUS_SUCCESS;
}

BOOLEAN parport_clients_dispatch(PLIST_ENTRY clients, PKINTERRUPT interrupt)
{
    for (PLIST_ENTRY e = clients->Flink; e != clients; e = e->Flink) {
        struct parport_client *c = CONTAINING_RECORD(e, struct parport_client, link);
        if (!c->routines.InterruptServiceRoutine)
            continue;
        c->calls++;
        if (c->routines.InterruptServiceRoutine(interrupt, c->routines.InterruptServiceContext)) {
            c->claims++;
            return TRUE;
        }
    }
    return FALSE;
}

unsigned parport_clients_run_deferred(PLIST_ENTRY clients)
{
    unsigned ran = 0;
    for (PLIST_ENTRY e = clients->Flink; e != clients; e = e->Flink) {
        struct parport_client *c = CONTAINING_RECORD(e, struct parport_client, link);
        if (!c->routines.DeferredPortCheckRoutine)
            continue;
        c->deferred_calls++;
        c->routines.DeferredPortCheckRoutine(c->routines.DeferredPortCheckContext);
        ran++;
    }
    return ran;
}

unsigned parport_clients_count(PLIST_ENTRY clients)
{
    unsigned n = 0;
    for (PLIST_ENTRY e = clients->Flink; e != clients; e = e->Flink)
        n++;
    return n;
}
