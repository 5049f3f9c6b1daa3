/* drivers/parport/parport_pnp.c - the port going away: clients are told and revoked before the
 * interrupt they hold is disconnected, and a stop or removal is refused while the port is in use.
 *
 * learn.microsoft.com: IRP_MN_QUERY_REMOVE_DEVICE, IRP_MN_QUERY_STOP_DEVICE ("a driver fails the
 * request if the device is in use ... and cannot be stopped"), "Handling an IRP_MN_QUERY_REMOVE_
 * DEVICE Request", IoReportTargetDeviceChange, TARGET_DEVICE_CUSTOM_NOTIFICATION.
 *
 * Why: a connected client holds the port's KINTERRUPT (PARALLEL_INTERRUPT_INFORMATION.
 * InterruptObject) and calls KeSynchronizeExecution with it. IoDisconnectInterruptEx frees it, so
 * a stop that disconnects first leaves every client one call away from freed memory. The order
 * here (ParportRevokeClients, called by StopDevice before anything is torn down):
 *   1. Revoking: no new CONNECT or ALLOCATE is accepted (STATUS_DELETE_PENDING);
 *   2. report GUID_IRQLAB_PARALLEL_PORT_REVOKE on the stack: each client's callback frees the
 *      port, disconnects its ISR and closes - the port still works meanwhile, so it can;
 *   3. clients that did not (no callback registered) are revoked by force: taken off the list so
 *      the port ISR never calls them again, their allocation dropped; said on the console.
 * Only then does StopDevice disconnect the interrupt.
 *
 * The query requests (parport.c's IRP_MJ_PNP dispatch): QUERY_STOP / QUERY_REMOVE are answered
 * from the port's state (parport_check_query_remove: STATUS_DEVICE_BUSY while allocated, waited
 * for or connected); parport_query_remove (parport.h) gives the same answer to kernel code.
 */
#include "parport_internal.h"
#include "parport_rules.h"

static NTSTATUS ParportQueryRemoveLocked(PPARPORT_EXTENSION Ext)
{
    return parport_check_query_remove(Ext->Owner.allocated, Ext->Owner.waiter_count,
                                      parport_clients_count(&Ext->Clients));
}

NTSTATUS ParportQueryRemove(PPARPORT_EXTENSION Ext)
{
    KIRQL old = ParportLock(Ext);
    NTSTATUS status = ParportQueryRemoveLocked(Ext);
    ParportUnlock(Ext, old);
    return status;
}

/* Step 2: tell every client, synchronously. */
static VOID ParportTellClients(PPARPORT_EXTENSION Ext)
{
    TARGET_DEVICE_CUSTOM_NOTIFICATION revoke = {0};
    revoke.Version = 1;
    revoke.Size = (USHORT)offsetof(TARGET_DEVICE_CUSTOM_NOTIFICATION, CustomDataBuffer);
    revoke.Event = GUID_IRQLAB_PARALLEL_PORT_REVOKE;
    revoke.NameBufferOffset = -1;
    NTSTATUS status = IoReportTargetDeviceChange(Ext->Pdo, &revoke);
    if (!NT_SUCCESS(status))
        DbgPrint("parport: IoReportTargetDeviceChange failed: 0x%08x\n", (unsigned)status);
}

VOID ParportRevokeClients(PPARPORT_EXTENSION Ext)
{
    KIRQL old = ParportLock(Ext);
    Ext->Revoking = TRUE;
    ParportUnlock(Ext, old);
    ParportTellClients(Ext);

    old = ParportLock(Ext);
    unsigned stragglers = parport_clients_count(&Ext->Clients);
    BOOLEAN held = Ext->Owner.allocated;
    Ext->Removed = TRUE; /* from here on: STATUS_DELETE_PENDING, callbacks refuse */
    ParportUnlock(Ext, old);
    if (stragglers || held)
        DbgPrint("parport: %u client%s still connected%s when the port stopped: revoked\n", stragglers,
                 stragglers == 1 ? "" : "s", held ? " (and the port still allocated)" : "");
    Ext->RevokedClients += stragglers;
}
