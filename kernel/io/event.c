/* kernel/io/event.c - the part of KEVENT that IRP completion needs: KeInitializeEvent,
 * KeSetEvent, KeClearEvent, KeReadStateEvent (learn.microsoft.com, wdm.h pages of those names).
 *
 * On Windows a sender waits for its request with KeWaitForSingleObject on the event it gave
 * IoBuildDeviceIoControlRequest, and IoCompleteRequest sets it. irqlab has no threads: every
 * request has completed when IoCallDriver returns, so the event is already signalled and nothing
 * ever waits. The routines exist so drivers are written exactly as for Windows. They live with
 * the I/O manager because it is their only user. Safe at any IRQL (one atomic store each).
 */
#include "include/wdm.h"

VOID KeInitializeEvent(PRKEVENT Event, EVENT_TYPE Type, BOOLEAN State)
{
    Event->Header.Type = (UCHAR)Type;
    __atomic_store_n(&Event->Header.SignalState, State ? 1 : 0, __ATOMIC_RELEASE);
}

LONG KeSetEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait)
{
    UNREFERENCED_PARAMETER(Increment);
    UNREFERENCED_PARAMETER(Wait);
    return __atomic_exchange_n(&Event->Header.SignalState, 1, __ATOMIC_ACQ_REL);
}

VOID KeClearEvent(PRKEVENT Event) { __atomic_store_n(&Event->Header.SignalState, 0, __ATOMIC_RELEASE); }

LONG KeReadStateEvent(PRKEVENT Event) { return __atomic_load_n(&Event->Header.SignalState, __ATOMIC_ACQUIRE); }
