/* kernel/ke/verifier_irql.c - verifier=irql: IRQL checks of exported routines against the maximum
 * their WDK page documents ("IRQL: <= DISPATCH_LEVEL", "IRQL: PASSIVE_LEVEL").
 *
 * Many routines check their IRQL always (IoConnectInterruptEx, KeWaitForSingleObject,
 * ExAllocatePool2, IoCallDriver, ...: as Windows does, since they would fault or deadlock).
 * The ones routed here are those Windows does not check itself - called too high they usually
 * work, until the day they corrupt a dispatcher list or deadlock - and that Driver Verifier's
 * IRQL checking (DDI compliance rules such as IrqlKeDispatchLte, IrqlIoPassive) catches:
 *
 *   <= DISPATCH_LEVEL  KeSetEvent, KeResetEvent, KeClearEvent, KeReleaseSemaphore, KeReleaseMutex,
 *                      KeSetTimer, KeSetTimerEx, KeCancelTimer, IoAllocateIrp, IoFreeIrp,
 *                      IoAllocateWorkItem, IoFreeWorkItem, IoAttachDeviceToDeviceStack
 *   PASSIVE_LEVEL      IoCreateDevice, IoDeleteDevice, IoDetachDevice
 *
 * The stop is the one irqlab's always-on checks give: 0xA IRQL_NOT_LESS_OR_EQUAL, P1 = the
 * routine, P2 = the IRQL, P3 = its maximum, P4 = the caller (Windows' DDI compliance stops are
 * 0xC4 with a rule number in P1; the routine and the call site are what a student needs). */
#include "kernel/ke/verifier_irql.h"

#include "kernel/ke/bugcheck.h"
#include "kernel/ke/irql.h"
#include "kernel/ke/verifier.h"

void ke_verifier_irql(void *routine, KIRQL max, void *caller)
{
    KIRQL irql = ke_get_irql();
    if (irql <= max || !ke_verifier_on(KE_VERIFY_IRQL))
        return;
    ke_verifier_count(KE_VERIFY_IRQL);
    KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)routine, irql, max, (ULONG_PTR)caller);
}
