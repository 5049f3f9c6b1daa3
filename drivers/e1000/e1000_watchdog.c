/* drivers/e1000/e1000_watchdog.c - the link watchdog: a periodic NDIS timer object that polls the
 * link state (STATUS.LU) and reports a change the interrupt did not.
 *
 * learn.microsoft.com: NdisAllocateTimerObject, NdisSetTimerObject, NdisCancelTimerObject,
 * NdisFreeTimerObject, NetTimerCallback; "Halting a Miniport Adapter" (cancel timers in
 * MiniportHaltEx). Intel 82540EM/82574L manuals, "Device Status Register" (STATUS.LU).
 *
 * Why a NIC driver has one although the NIC interrupts on a link change (LSC): an interrupt can
 * be lost or masked, and some changes (a PHY that renegotiates without a clean LSC) never raise
 * one. Real miniports therefore poll too - Intel's every 2 s (e1000_watchdog_ms=, default 2000).
 * With e1000_link_irq=off the driver ignores LSC and this timer is the only way it learns of a
 * change: tests/e2e/test_e1000_link_watchdog.py pulls the cable with QEMU's `set_link`.
 * irqlab: NDIS has no NdisMIndicateStatusEx here; a change is reported as an LSC one is: the log
 * line, Adapter->LinkUp and the netif's link_up.
 */
#include "e1000.h"

#define E1000_WATCHDOG_TAG IRQLAB_POOL_TAG("E1kW")

VOID E1000WatchdogTimer(PVOID SystemSpecific1, PVOID FunctionContext, PVOID SystemSpecific2, PVOID SystemSpecific3)
{
    UNREFERENCED_PARAMETER(SystemSpecific1);
    UNREFERENCED_PARAMETER(SystemSpecific2);
    UNREFERENCED_PARAMETER(SystemSpecific3);
    PE1000_ADAPTER adapter = FunctionContext;
    if (adapter->SurpriseRemoved)
        return; /* no link to ask about */
    e1000_count(&adapter->Stats.watchdog_polls, 1);
    if (E1000UpdateLink(adapter, "watchdog"))
        e1000_count(&adapter->Stats.watchdog_links, 1);
}

NDIS_STATUS E1000WatchdogStart(PE1000_ADAPTER Adapter)
{
    if (Adapter->WatchdogPeriodMs == 0)
        return NDIS_STATUS_SUCCESS;
    NDIS_TIMER_CHARACTERISTICS chars;
    NdisZeroMemory(&chars, sizeof(chars));
    chars.Header.Type = NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS;
    chars.Header.Revision = NDIS_TIMER_CHARACTERISTICS_REVISION_1;
    chars.Header.Size = NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1;
    chars.AllocationTag = E1000_WATCHDOG_TAG;
    chars.TimerFunction = E1000WatchdogTimer;
    chars.FunctionContext = Adapter;
    NDIS_STATUS status = NdisAllocateTimerObject(Adapter->AdapterHandle, &chars, &Adapter->WatchdogTimer);
    if (status != NDIS_STATUS_SUCCESS) {
        Adapter->WatchdogTimer = NULL;
        return status;
    }
    LARGE_INTEGER due;
    due.QuadPart = -(LONGLONG)Adapter->WatchdogPeriodMs * 10000; /* relative, 100 ns units */
    (void)NdisSetTimerObject(Adapter->WatchdogTimer, due, (LONG)Adapter->WatchdogPeriodMs, NULL);
    return NDIS_STATUS_SUCCESS;
}

VOID E1000WatchdogStop(PE1000_ADAPTER Adapter)
{
    if (!Adapter->WatchdogTimer)
        return;
    (void)NdisCancelTimerObject(Adapter->WatchdogTimer); /* PASSIVE_LEVEL: waits for a running callback */
    NdisFreeTimerObject(Adapter->WatchdogTimer);
    Adapter->WatchdogTimer = NULL;
}
