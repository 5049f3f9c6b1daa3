/* drivers/parprint/parprint.c - an interrupt-driven printer class driver on top of the parallel
 * port driver, printing from its own system thread.
 *
 * References: learn.microsoft.com "Synchronizing the Use of a ParallelPort", "Connecting an
 * Interrupt Service Routine to a ParallelPort", IoGetDeviceObjectPointer,
 * IoBuildDeviceIoControlRequest, IoAllocateIrp, IoCallDriver, IoCancelIrp, "Handling IRPs that
 * pend", PsCreateSystemThread, KeWaitForSingleObject, KeSynchronizeExecution;
 * docs/parport.md; QEMU 7.2 hw/char/parallel.c (per-byte interrupts).
 *
 * What it shows:
 *   - a client finds the port by name and talks to it only with internal device-control IRPs
 *     (ParPrintCallPort: build, send, and if the port pends the request, wait on the event);
 *   - it owns the port (ALLOCATE) before touching the registers and frees it when done. An
 *     ALLOCATE for a busy port pends in the port's queue; parprint waits at most its allocate
 *     timeout, then cancels its own request with IoCancelIrp, as the WDK tells a client to do
 *     with a wait it finds too long. It allocates that IRP itself (IoAllocateIrp, a completion
 *     routine returning STATUS_MORE_PROCESSING_REQUIRED), so the IRP cannot vanish under the
 *     IoCancelIrp call;
 *   - ISR -> DPC -> thread: its ISR, called by the port's ISR, claims an interrupt only while a
 *     byte of its own is unacknowledged (it returns FALSE otherwise, so other clients see the
 *     interrupt), acknowledges it (reads STATUS) and queues its DPC; the DPC sets a KEVENT; the
 *     print thread (PsCreateSystemThread), waiting on that event at PASSIVE_LEVEL, strobes the
 *     next byte, whose falling STROBE edge raises the next interrupt. The thread strobes inside
 *     KeSynchronizeExecution on the port's interrupt object, the lock the ISR runs under; the
 *     last byte's step turns interrupts off and frees the port with FreePortFromInterruptLevel
 *     (allowed only inside the port's critical section);
 *   - an acknowledge that never comes: the thread's wait has a timeout (the ACK timeout); when it
 *     expires the thread does the acknowledge itself (counted in `timeouts`), so a lost
 *     interrupt costs time, never the job.
 * QEMU's port raises the interrupt on the strobe's falling edge, so one byte = one interrupt.
 */
#include "parprint.h"

#include "../parport/lpt_hw.h"
#include <parallel.h>
#include <wdmguid.h>

#define PARPRINT_TAG IRQLAB_POOL_TAG("PaPr")

typedef struct _PARPRINT {
    PFILE_OBJECT File;
    PDEVICE_OBJECT Port;
    PARALLEL_PORT_INFORMATION PortInfo;
    PARALLEL_INTERRUPT_INFORMATION InterruptInfo;
    BOOLEAN InterruptConnected;
    PVOID Notification; /* IoRegisterPlugPlayNotification on File: the port going away */
    PUCHAR Controller;
    ULONG AckTimeoutMs;
    ULONG AllocateTimeoutMs;

    /* The print thread, and what wakes it. */
    PVOID Thread;     /* referenced thread object (waited for on close) */
    KEVENT WorkEvent; /* synchronization: a job was started, or Exit */
    KEVENT AckEvent;  /* synchronization: set by the ACK DPC */
    KEVENT DoneEvent; /* notification: the job ended */
    KDPC AckDpc;
    volatile BOOLEAN Exit;
    volatile BOOLEAN AbortRequested;

    /* The job. While interrupt-driven, changed only inside the port's critical section. */
    PUCHAR Data; /* our copy */
    ULONG Length;
    volatile ULONG Sent;     /* bytes strobed */
    volatile ULONG Acked;    /* bytes acknowledged (interrupt or timeout) */
    volatile BOOLEAN Active; /* ACK interrupts are ours */
    volatile BOOLEAN Finished;
    volatile BOOLEAN OwnsPort;
    ULONG JobInterrupts, JobTimeouts;

    struct parprint_counts Counts;
} PARPRINT, *PPARPRINT;

static PARPRINT printer = {.AckTimeoutMs = PARPRINT_DEFAULT_ACK_TIMEOUT_MS,
                           .AllocateTimeoutMs = PARPRINT_DEFAULT_ALLOCATE_TIMEOUT_MS};

static LARGE_INTEGER ParPrintRelativeMs(ULONG Ms)
{
    LARGE_INTEGER t;
    t.QuadPart = -(LONGLONG)Ms * 10000; /* relative, in 100 ns units */
    return t;
}

/* ---- talking to the port --------------------------------------------------------------------- */

static NTSTATUS ParPrintCallPort(PPARPRINT P, ULONG Code, PVOID In, ULONG InLength, PVOID Out, ULONG OutLength)
{
    KEVENT event;
    IO_STATUS_BLOCK iosb = {0};
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    PIRP irp = IoBuildDeviceIoControlRequest(Code, P->Port, In, InLength, Out, OutLength, TRUE, &event, &iosb);
    if (!irp)
        return STATUS_INSUFFICIENT_RESOURCES;
    IoGetNextIrpStackLocation(irp)->FileObject = P->File; /* tells the port who asks */
    NTSTATUS status = IoCallDriver(P->Port, irp);
    if (status == STATUS_PENDING) {
        (void)KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, NULL);
        status = iosb.Status;
    }
    return status;
}

static NTSTATUS ParPrintAllocateDone(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    (void)KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED; /* the IRP is ours: we read it and free it */
}

/* IOCTL_INTERNAL_PARALLEL_PORT_ALLOCATE. A busy port queues the request (STATUS_PENDING); after
 * AllocateTimeoutMs we cancel it. It may be granted in the same instant: the final status says
 * which happened - STATUS_SUCCESS (ours) or STATUS_CANCELLED. */
static NTSTATUS ParPrintAllocatePort(PPARPRINT P)
{
    KEVENT done;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    PIRP irp = IoAllocateIrp(P->Port->StackSize, FALSE);
    if (!irp)
        return STATUS_INSUFFICIENT_RESOURCES;
    PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(irp);
    next->MajorFunction = IRP_MJ_INTERNAL_DEVICE_CONTROL;
    next->Parameters.DeviceIoControl.IoControlCode = IOCTL_INTERNAL_PARALLEL_PORT_ALLOCATE;
    next->FileObject = P->File;
    IoSetCompletionRoutine(irp, ParPrintAllocateDone, &done, TRUE, TRUE, TRUE);
    if (IoCallDriver(P->Port, irp) == STATUS_PENDING) {
        LARGE_INTEGER patience = ParPrintRelativeMs(P->AllocateTimeoutMs);
        if (KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, &patience) == STATUS_TIMEOUT) {
            (void)IoCancelIrp(irp); /* FALSE: it is being completed anyway */
            (void)KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL);
        }
    }
    NTSTATUS status = irp->IoStatus.Status;
    IoFreeIrp(irp);
    return status;
}

static PARALLEL_INTERRUPT_SERVICE_ROUTINE ParPrintRoutines(PPARPRINT P);

/* ---- the interrupt side (port DIRQL, inside the port's critical section) --------------------- */

/* The byte strobed last is acknowledged: lowers the IRQ line, completes the BUSY/ACK handshake. */
static VOID ParPrintAcknowledge(PPARPRINT P)
{
    (void)LptAcknowledge(P->Controller);
    P->Acked++;
}

static BOOLEAN ParPrintIsr(PKINTERRUPT Interrupt, PVOID ServiceContext)
{
    UNREFERENCED_PARAMETER(Interrupt);
    PPARPRINT p = ServiceContext;
    p->Counts.isr_calls++;
    if (!p->Active || p->Acked == p->Sent)
        return FALSE; /* no byte of ours waits for its acknowledge: someone else's interrupt */
    p->Counts.interrupts++;
    p->JobInterrupts++;
    ParPrintAcknowledge(p);
    (void)KeInsertQueueDpc(&p->AckDpc, NULL, NULL); /* the rest at DISPATCH_LEVEL, then the thread */
    return TRUE;
}

static VOID ParPrintAckDpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    (void)KeSetEvent(&((PPARPRINT)Context)->AckEvent, IO_NO_INCREMENT, FALSE);
}

static BOOLEAN ParPrintBegin(PVOID Context)
{
    PPARPRINT p = Context;
    p->Sent = p->Acked = 0;
    p->Active = TRUE;
    LptInterruptsOn(p->Controller);
    LptStrobeByte(p->Controller, p->Data[0], TRUE); /* its falling STROBE edge interrupts */
    p->Sent = 1;
    return TRUE;
}

/* The thread's step: if the last byte is acknowledged, send the next one, or finish the job. */
static BOOLEAN ParPrintNext(PVOID Context)
{
    PPARPRINT p = Context;
    if (!p->Active || p->Acked != p->Sent)
        return TRUE; /* still waiting for the acknowledge */
    if (p->Sent < p->Length) {
        LptStrobeByte(p->Controller, p->Data[p->Sent], TRUE);
        p->Sent++;
        return TRUE;
    }
    LptInterruptsOff(p->Controller);
    p->Active = FALSE;
    p->OwnsPort = FALSE;
    p->InterruptInfo.FreePortFromInterruptLevel(p->InterruptInfo.Context);
    __atomic_store_n(&p->Finished, TRUE, __ATOMIC_RELEASE);
    return TRUE;
}

/* The ACK timeout expired: if the byte is still unacknowledged, acknowledge it ourselves. Under the
 * ISR's lock, so a byte is never acknowledged twice. */
static BOOLEAN ParPrintTimeout(PVOID Context)
{
    PPARPRINT p = Context;
    if (p->Active && p->Acked != p->Sent) {
        p->Counts.timeouts++;
        p->JobTimeouts++;
        ParPrintAcknowledge(p);
    }
    return TRUE;
}

static BOOLEAN ParPrintAbort(PVOID Context)
{
    PPARPRINT p = Context;
    if (p->Active) {
        LptInterruptsOff(p->Controller);
        p->Active = FALSE;
        p->OwnsPort = FALSE;
        p->InterruptInfo.FreePortFromInterruptLevel(p->InterruptInfo.Context);
    }
    __atomic_store_n(&p->Finished, TRUE, __ATOMIC_RELEASE);
    return TRUE;
}

/* ---- the print thread (PASSIVE_LEVEL) -------------------------------------------------------- */

static VOID ParPrintRunJob(PPARPRINT P)
{
    PKINTERRUPT interrupt = P->InterruptInfo.InterruptObject;
    (void)KeSynchronizeExecution(interrupt, ParPrintBegin, P);
    while (!__atomic_load_n(&P->Finished, __ATOMIC_ACQUIRE)) {
        LARGE_INTEGER timeout = ParPrintRelativeMs(P->AckTimeoutMs);
        if (KeWaitForSingleObject(&P->AckEvent, Executive, KernelMode, FALSE, &timeout) == STATUS_TIMEOUT)
            (void)KeSynchronizeExecution(interrupt, ParPrintTimeout, P);
        if (__atomic_load_n(&P->AbortRequested, __ATOMIC_ACQUIRE))
            (void)KeSynchronizeExecution(interrupt, ParPrintAbort, P);
        else
            (void)KeSynchronizeExecution(interrupt, ParPrintNext, P);
    }
    (void)KeSetEvent(&P->DoneEvent, IO_NO_INCREMENT, FALSE);
}

static VOID ParPrintThread(PVOID Context)
{
    PPARPRINT p = Context;
    for (;;) {
        (void)KeWaitForSingleObject(&p->WorkEvent, Executive, KernelMode, FALSE, NULL);
        if (__atomic_load_n(&p->Exit, __ATOMIC_ACQUIRE))
            break;
        ParPrintRunJob(p);
    }
    (void)PsTerminateSystemThread(STATUS_SUCCESS);
}

static NTSTATUS ParPrintStartThread(PPARPRINT P)
{
    KeInitializeEvent(&P->WorkEvent, SynchronizationEvent, FALSE);
    KeInitializeEvent(&P->AckEvent, SynchronizationEvent, FALSE);
    KeInitializeEvent(&P->DoneEvent, NotificationEvent, TRUE);
    KeInitializeDpc(&P->AckDpc, ParPrintAckDpc, P);
    P->Exit = FALSE;
    HANDLE handle;
    NTSTATUS status = PsCreateSystemThread(&handle, THREAD_ALL_ACCESS, NULL, NULL, NULL, ParPrintThread, P);
    if (!NT_SUCCESS(status))
        return status;
    status = ObReferenceObjectByHandle(handle, THREAD_ALL_ACCESS, *PsThreadType, KernelMode, &P->Thread, NULL);
    (void)ZwClose(handle);
    return status;
}

static VOID ParPrintStopThread(PPARPRINT P)
{
    if (!P->Thread)
        return;
    __atomic_store_n(&P->Exit, TRUE, __ATOMIC_RELEASE);
    (void)KeSetEvent(&P->WorkEvent, IO_NO_INCREMENT, FALSE);
    (void)KeWaitForSingleObject(P->Thread, Executive, KernelMode, FALSE, NULL);
    ObDereferenceObject(P->Thread);
    P->Thread = NULL;
    KeFlushQueuedDpcs(); /* an ACK DPC of the last job may still be queued */
}

/* ---- open and close -------------------------------------------------------------------------- */

static PARALLEL_INTERRUPT_SERVICE_ROUTINE ParPrintRoutines(PPARPRINT P)
{
    PARALLEL_INTERRUPT_SERVICE_ROUTINE r = {0};
    r.InterruptServiceRoutine = ParPrintIsr;
    r.InterruptServiceContext = P;
    r.DeferredPortCheckRoutine = NULL; /* parprint never waits for an idle port */
    r.DeferredPortCheckContext = NULL;
    return r;
}

/* The port is going away: finish (or abort) the job and close while the port's interrupt
 * object still exists (parport revokes its clients before it disconnects). */
static NTSTATUS ParPrintPortChange(PVOID NotificationStructure, PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    PPLUGPLAY_NOTIFICATION_HEADER n = NotificationStructure;
    if (IsEqualGUID(&n->Event, &GUID_TARGET_DEVICE_REMOVE_CANCELLED) || !printer.File)
        return STATUS_SUCCESS;
    DbgPrint("parprint: the port is going away: closing\n");
    printer.Counts.revocations++;
    parprint_close();
    return STATUS_SUCCESS;
}

NTSTATUS parprint_open(void)
{
    PPARPRINT p = &printer;
    if (p->File)
        return STATUS_SUCCESS;
    UNICODE_STRING name = RTL_CONSTANT_STRING(IRQLAB_PARALLEL_PORT0_NAME);
    NTSTATUS status = IoGetDeviceObjectPointer(&name, FILE_READ_DATA | FILE_WRITE_DATA, &p->File, &p->Port);
    if (!NT_SUCCESS(status))
        return status;
    status = ParPrintCallPort(p, IOCTL_INTERNAL_GET_PARALLEL_PORT_INFO, NULL, 0, &p->PortInfo, sizeof(p->PortInfo));
    if (NT_SUCCESS(status))
        status = ParPrintStartThread(p); /* before the ISR can queue the DPC that wakes it */
    if (!NT_SUCCESS(status)) {
        ObDereferenceObject(p->File);
        p->File = NULL;
        return status;
    }
    p->Controller = p->PortInfo.Controller;
    PARALLEL_INTERRUPT_SERVICE_ROUTINE routines = ParPrintRoutines(p);
    status = ParPrintCallPort(p, IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT, &routines, sizeof(routines),
                              &p->InterruptInfo, sizeof(p->InterruptInfo));
    p->InterruptConnected = NT_SUCCESS(status);
    if (!NT_SUCCESS(status))
        DbgPrint("parprint: no port interrupt (0x%08x): printing polled\n", (unsigned)status);
    if (!NT_SUCCESS(IoRegisterPlugPlayNotification(EventCategoryTargetDeviceChange, 0, p->File, NULL,
                                                   ParPrintPortChange, p, &p->Notification)))
        p->Notification = NULL;
    return STATUS_SUCCESS;
}

void parprint_close(void)
{
    PPARPRINT p = &printer;
    if (!p->File)
        return;
    (void)parprint_wait(10000);
    if (p->InterruptConnected) {
        PARALLEL_INTERRUPT_SERVICE_ROUTINE routines = ParPrintRoutines(p);
        (void)ParPrintCallPort(p, IOCTL_INTERNAL_PARALLEL_DISCONNECT_INTERRUPT, &routines, sizeof(routines), NULL, 0);
        p->InterruptConnected = FALSE;
    }
    ParPrintStopThread(p);
    if (p->Notification)
        (void)IoUnregisterPlugPlayNotificationEx(p->Notification);
    p->Notification = NULL;
    ObDereferenceObject(p->File); /* IRP_MJ_CLEANUP, IRP_MJ_CLOSE */
    p->File = NULL;
    p->Port = NULL;
}

bool parprint_is_open(void) { return printer.File != NULL; }
bool parprint_interrupt_driven(void) { return printer.InterruptConnected; }

/* ---- jobs ------------------------------------------------------------------------------------ */

/* Without the interrupt: strobe, then poll the handshake, byte after byte. */
static VOID ParPrintPolled(PPARPRINT P)
{
    for (ULONG i = 0; i < P->Length; i++) {
        LptStrobeByte(P->Controller, P->Data[i], FALSE);
        (void)LptAcknowledge(P->Controller);
    }
    P->Sent = P->Acked = P->Length;
    P->OwnsPort = FALSE;
    P->PortInfo.FreePort(P->PortInfo.Context);
    P->Finished = TRUE;
    P->Counts.polled_jobs++;
}

NTSTATUS parprint_start(const void *data, ULONG length)
{
    PPARPRINT p = &printer;
    if (!p->File)
        return STATUS_INVALID_DEVICE_REQUEST;
    if (p->Data)
        return STATUS_DEVICE_BUSY;
    if (length == 0)
        return STATUS_SUCCESS;
    p->Data = ExAllocatePool2(POOL_FLAG_NON_PAGED, length, PARPRINT_TAG);
    if (!p->Data)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlCopyMemory(p->Data, data, length);
    p->Length = length;
    p->JobInterrupts = p->JobTimeouts = 0;

    NTSTATUS status = ParPrintAllocatePort(p);
    p->Counts.last_status = status;
    if (!NT_SUCCESS(status)) {
        ExFreePoolWithTag(p->Data, PARPRINT_TAG);
        p->Data = NULL;
        return status;
    }
    p->OwnsPort = TRUE;
    p->Finished = FALSE;
    if (p->InterruptConnected) {
        p->AbortRequested = FALSE;
        KeClearEvent(&p->DoneEvent);
        KeClearEvent(&p->AckEvent);
        (void)KeSetEvent(&p->WorkEvent, IO_NO_INCREMENT, FALSE); /* the thread prints it */
    } else {
        ParPrintPolled(p);
    }
    return STATUS_SUCCESS;
}

NTSTATUS parprint_wait(ULONG timeout_ms)
{
    PPARPRINT p = &printer;
    if (!p->Data)
        return STATUS_SUCCESS;
    NTSTATUS status = STATUS_SUCCESS;
    if (p->InterruptConnected) {
        LARGE_INTEGER timeout = ParPrintRelativeMs(timeout_ms);
        if (KeWaitForSingleObject(&p->DoneEvent, Executive, KernelMode, FALSE, &timeout) == STATUS_TIMEOUT) {
            /* Too long: the thread stops the job at its next step (at most one ACK timeout). */
            __atomic_store_n(&p->AbortRequested, TRUE, __ATOMIC_RELEASE);
            (void)KeSetEvent(&p->AckEvent, IO_NO_INCREMENT, FALSE);
            (void)KeWaitForSingleObject(&p->DoneEvent, Executive, KernelMode, FALSE, NULL);
            status = STATUS_UNSUCCESSFUL;
        }
    }
    p->Counts.jobs++;
    p->Counts.bytes += p->Acked;
    p->Counts.last_job_bytes = p->Acked;
    p->Counts.last_job_interrupts = p->JobInterrupts;
    p->Counts.last_job_timeouts = p->JobTimeouts;
    p->Counts.last_status = status;
    ExFreePoolWithTag(p->Data, PARPRINT_TAG);
    p->Data = NULL;
    p->Length = 0;
    return status;
}

NTSTATUS parprint_print(const void *data, ULONG length)
{
    bool opened_here = !parprint_is_open();
    NTSTATUS status = parprint_open();
    if (!NT_SUCCESS(status))
        return status;
    /* Long enough for every byte to need the ACK timeout, plus slack. */
    ULONG limit_ms = 5000 + length * (printer.AckTimeoutMs + 1);
    status = parprint_start(data, length);
    if (NT_SUCCESS(status))
        status = parprint_wait(limit_ms);
    if (opened_here)
        parprint_close();
    return status;
}

bool parprint_owns_port(void) { return printer.OwnsPort; }

void parprint_get_counts(struct parprint_counts *counts) { *counts = printer.Counts; }
void parprint_reset_counts(void) { printer.Counts = (struct parprint_counts){0}; }
void parprint_set_ack_timeout(ULONG ms) { printer.AckTimeoutMs = ms ? ms : 1; }
void parprint_set_allocate_timeout(ULONG ms) { printer.AllocateTimeoutMs = ms; }
PKSERVICE_ROUTINE parprint_isr(void) { return ParPrintIsr; }
