/* drivers/parwatch/parwatch.c - a client driver that shares the parallel port's interrupt and
 * watches it: why a client ISR's return value matters on a shared port.
 *
 * References: learn.microsoft.com "Connecting an Interrupt Service Routine to a ParallelPort",
 * PARALLEL_INTERRUPT_SERVICE_ROUTINE (DeferredPortCheckRoutine), PARALLEL_INTERRUPT_INFORMATION
 * (TryAllocatePortAtInterruptLevel, FreePortFromInterruptLevel), PARALLEL_PORT_INFORMATION
 * (TryAllocatePort, FreePort, QueryNumWaiters), "Writing an ISR" (return FALSE for an interrupt
 * the device did not cause); "Synchronizing the Use of a ParallelPort".
 *
 * The port driver calls client ISRs in connection order and stops at the first that returns TRUE.
 * A client's device can only have caused the interrupt while the client owns the port, so that is
 * when parwatch claims it; the modes in parwatch.h show the alternatives. The deferred port check
 * routine is the port's "idle again" notification: it runs, under the port's lock, after a free
 * that left nobody waiting - the moment a client could re-enable its own device's interrupts.
 */
#include "parwatch.h"

#include "../parport/lpt_hw.h"
#include <parallel.h>
#include <wdmguid.h>

#define PARWATCH_PING_WAIT_US 1000000

typedef struct _PARWATCH {
    PFILE_OBJECT File;
    PDEVICE_OBJECT Port;
    PARALLEL_PORT_INFORMATION PortInfo;
    PARALLEL_INTERRUPT_INFORMATION InterruptInfo;
    BOOLEAN Connected;
    PVOID Notification; /* IoRegisterPlugPlayNotification on File: the port going away */
    volatile BOOLEAN OwnsPort;
    volatile enum parwatch_mode Mode;
    struct parwatch_counts Counts; /* written inside the port's critical section */
} PARWATCH, *PPARWATCH;

static PARWATCH watcher;

static NTSTATUS ParWatchCallPort(PPARWATCH W, ULONG Code, PVOID In, ULONG InLength, PVOID Out, ULONG OutLength)
{
    KEVENT event;
    IO_STATUS_BLOCK iosb = {0};
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    PIRP irp = IoBuildDeviceIoControlRequest(Code, W->Port, In, InLength, Out, OutLength, TRUE, &event, &iosb);
    if (!irp)
        return STATUS_INSUFFICIENT_RESOURCES;
    IoGetNextIrpStackLocation(irp)->FileObject = W->File;
    NTSTATUS status = IoCallDriver(W->Port, irp);
    if (status == STATUS_PENDING) { /* an ALLOCATE queued behind the port's owner */
        (void)KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, NULL);
        status = iosb.Status;
    }
    return status;
}

/* ---- inside the port's critical section ------------------------------------------------------ */

static BOOLEAN ParWatchIsr(PKINTERRUPT Interrupt, PVOID ServiceContext)
{
    UNREFERENCED_PARAMETER(Interrupt);
    PPARWATCH w = ServiceContext;
    w->Counts.seen++;
    switch (w->Mode) {
    case PARWATCH_GREEDY:
        /* Wrong on purpose: "mine" without looking. The port stops here, the owner never hears. */
        w->Counts.claimed++;
        return TRUE;
    case PARWATCH_GRAB:
        if (!w->OwnsPort && w->InterruptInfo.TryAllocatePortAtInterruptLevel(w->InterruptInfo.Context)) {
            /* The port was free, so no other client can have caused this: ours. Take the port for
             * the moment it takes to service the device, then give it back. */
            w->Counts.grabs++;
            w->Counts.claimed++;
            (void)LptAcknowledge(w->PortInfo.Controller);
            w->InterruptInfo.FreePortFromInterruptLevel(w->InterruptInfo.Context);
            return TRUE;
        }
        break;
    case PARWATCH_HONEST: break;
    }
    if (!w->OwnsPort)
        return FALSE; /* not our port right now: not our interrupt - let the owner have it */
    (void)LptAcknowledge(w->PortInfo.Controller);
    w->Counts.claimed++;
    return TRUE;
}

static VOID ParWatchDeferredPortCheck(PVOID DeferredContext)
{
    PPARWATCH w = DeferredContext;
    w->Counts.deferred_checks++;
}

static PARALLEL_INTERRUPT_SERVICE_ROUTINE ParWatchRoutines(PPARWATCH W)
{
    PARALLEL_INTERRUPT_SERVICE_ROUTINE r = {0};
    r.InterruptServiceRoutine = ParWatchIsr;
    r.InterruptServiceContext = W;
    r.DeferredPortCheckRoutine = ParWatchDeferredPortCheck;
    r.DeferredPortCheckContext = W;
    return r;
}

/* ---- PASSIVE_LEVEL --------------------------------------------------------------------------- */

/* The port is going away (its driver's revoke event before a stop, or the PnP manager's query /
 * completion of a removal): leave now, while the interrupt object we hold still exists. Not
 * re-opened after GUID_TARGET_DEVICE_REMOVE_CANCELLED: `lpt watch` starts parwatch again. */
static NTSTATUS ParWatchPortChange(PVOID NotificationStructure, PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    PPLUGPLAY_NOTIFICATION_HEADER n = NotificationStructure;
    if (IsEqualGUID(&n->Event, &GUID_TARGET_DEVICE_REMOVE_CANCELLED) || !watcher.Connected)
        return STATUS_SUCCESS;
    DbgPrint("parwatch: the port is going away: disconnecting\n");
    watcher.Counts.revocations++;
    parwatch_stop();
    return STATUS_SUCCESS;
}

NTSTATUS parwatch_start(enum parwatch_mode mode)
{
    PPARWATCH w = &watcher;
    if (w->Connected)
        return STATUS_SUCCESS;
    w->Mode = mode;
    UNICODE_STRING name = RTL_CONSTANT_STRING(IRQLAB_PARALLEL_PORT0_NAME);
    NTSTATUS status = IoGetDeviceObjectPointer(&name, FILE_READ_DATA, &w->File, &w->Port);
    if (!NT_SUCCESS(status))
        return status;
    status = ParWatchCallPort(w, IOCTL_INTERNAL_GET_PARALLEL_PORT_INFO, NULL, 0, &w->PortInfo, sizeof(w->PortInfo));
    if (NT_SUCCESS(status)) {
        PARALLEL_INTERRUPT_SERVICE_ROUTINE routines = ParWatchRoutines(w);
        status = ParWatchCallPort(w, IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT, &routines, sizeof(routines),
                                  &w->InterruptInfo, sizeof(w->InterruptInfo));
    }
    if (!NT_SUCCESS(status)) {
        ObDereferenceObject(w->File);
        w->File = NULL;
        return status;
    }
    w->Connected = TRUE;
    if (!NT_SUCCESS(IoRegisterPlugPlayNotification(EventCategoryTargetDeviceChange, 0, w->File, NULL,
                                                   ParWatchPortChange, w, &w->Notification)))
        w->Notification = NULL; /* still works; only a stop of the port would revoke it by force */
    return STATUS_SUCCESS;
}

void parwatch_stop(void)
{
    PPARWATCH w = &watcher;
    if (!w->Connected)
        return;
    if (w->OwnsPort)
        parwatch_free();
    PARALLEL_INTERRUPT_SERVICE_ROUTINE routines = ParWatchRoutines(w);
    (void)ParWatchCallPort(w, IOCTL_INTERNAL_PARALLEL_DISCONNECT_INTERRUPT, &routines, sizeof(routines), NULL, 0);
    if (w->Notification)
        (void)IoUnregisterPlugPlayNotificationEx(w->Notification);
    w->Notification = NULL;
    w->Connected = FALSE; /* before the close: nothing of ours uses the port's objects any more */
    ObDereferenceObject(w->File);
    w->File = NULL;
    w->Port = NULL;
    w->Connected = FALSE;
}

bool parwatch_connected(void) { return watcher.Connected; }
void parwatch_set_mode(enum parwatch_mode mode) { watcher.Mode = mode; }

NTSTATUS parwatch_allocate(void)
{
    PPARWATCH w = &watcher;
    if (!w->Connected)
        return STATUS_INVALID_DEVICE_REQUEST;
    NTSTATUS status = ParWatchCallPort(w, IOCTL_INTERNAL_PARALLEL_PORT_ALLOCATE, NULL, 0, NULL, 0);
    if (NT_SUCCESS(status))
        w->OwnsPort = TRUE;
    return status;
}

bool parwatch_try_allocate(void)
{
    PPARWATCH w = &watcher;
    if (!w->Connected || !w->PortInfo.TryAllocatePort(w->PortInfo.Context))
        return false;
    w->OwnsPort = TRUE;
    return true;
}

void parwatch_free(void)
{
    PPARWATCH w = &watcher;
    if (!w->Connected || !w->OwnsPort)
        return;
    w->OwnsPort = FALSE; /* first: from here on its interrupts are the next owner's */
    w->PortInfo.FreePort(w->PortInfo.Context);
}

NTSTATUS parwatch_free_request(void)
{
    PPARWATCH w = &watcher;
    if (!w->Connected)
        return STATUS_INVALID_DEVICE_REQUEST;
    w->OwnsPort = FALSE;
    return ParWatchCallPort(w, IOCTL_INTERNAL_PARALLEL_PORT_FREE, NULL, 0, NULL, 0);
}

bool parwatch_owns_port(void) { return watcher.OwnsPort; }

ULONG parwatch_query_waiters(void)
{
    PPARWATCH w = &watcher;
    return w->Connected ? w->PortInfo.QueryNumWaiters(w->PortInfo.Context) : 0;
}

static ULONG64 ParWatchNowUs(VOID)
{
    LARGE_INTEGER frequency;
    LARGE_INTEGER now = KeQueryPerformanceCounter(&frequency);
    ULONG64 per_us = (ULONG64)frequency.QuadPart / 1000000;
    return (ULONG64)now.QuadPart / (per_us ? per_us : 1);
}

NTSTATUS parwatch_ping(void)
{
    PPARWATCH w = &watcher;
    if (!w->Connected || !w->OwnsPort)
        return STATUS_DEVICE_BUSY;
    PUCHAR base = w->PortInfo.Controller;
    uint64_t before = __atomic_load_n(&w->Counts.claimed, __ATOMIC_ACQUIRE);
    w->Counts.pings++;
    /* INTEN on (no interrupt: it was off), then the same value again: a CONTROL write with STROBE
     * low after one with INTEN - QEMU's interrupt, without a byte (QEMU 7.2 hw/char/parallel.c). */
    LptInterruptsOn(base);
    LptInterruptsOn(base);
    ULONG64 deadline = ParWatchNowUs() + PARWATCH_PING_WAIT_US;
    while (__atomic_load_n(&w->Counts.claimed, __ATOMIC_ACQUIRE) == before && ParWatchNowUs() < deadline)
        KeStallExecutionProcessor(10);
    LptInterruptsOff(base);
    return __atomic_load_n(&w->Counts.claimed, __ATOMIC_ACQUIRE) != before ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}

struct parwatch_copy {
    PPARWATCH W;
    struct parwatch_counts *Out;
};

static BOOLEAN ParWatchCopyCounts(PVOID Context)
{
    struct parwatch_copy *copy = Context;
    *copy->Out = copy->W->Counts;
    return TRUE;
}

void parwatch_get_counts(struct parwatch_counts *counts)
{
    PPARWATCH w = &watcher;
    struct parwatch_copy copy = {w, counts};
    if (w->Connected)
        (void)KeSynchronizeExecution(w->InterruptInfo.InterruptObject, ParWatchCopyCounts, &copy);
    else
        *counts = w->Counts;
}

void parwatch_reset_counts(void) { watcher.Counts = (struct parwatch_counts){0}; }
PKSERVICE_ROUTINE parwatch_isr(void) { return ParWatchIsr; }
