/* drivers/parprint/parprint.c - an interrupt-driven printer class driver on top of the parallel
 * port driver.
 *
 * References: learn.microsoft.com "Synchronizing the Use of a ParallelPort", "Connecting an
 * Interrupt Service Routine to a ParallelPort", IoGetDeviceObjectPointer,
 * IoBuildDeviceIoControlRequest, IoCallDriver, KeSynchronizeExecution;
 * docs/parport.md; QEMU 7.2 hw/char/parallel.c (per-byte interrupts).
 *
 * What it shows:
 *   - a client finds the port by name and talks to it only with internal device-control IRPs
 *     (ParPrintCallPort is the usual "build, send, wait" helper);
 *   - it owns the port (ALLOCATE) before touching the registers and frees it when done;
 *   - its ISR, called by the port's ISR, claims an interrupt only while a job of its own runs -
 *     it returns FALSE otherwise, so other clients of the port see the interrupt;
 *   - the ISR does the per-byte work itself: acknowledge (read STATUS), then strobe the next byte,
 *     whose falling STROBE edge raises the next interrupt. The last acknowledge turns interrupts
 *     off and frees the port with FreePortFromInterruptLevel - allowed only inside the port's
 *     critical section, where the ISR is;
 *   - the PASSIVE_LEVEL side never races the ISR: it starts a job and polls the ACK timeout inside
 *     KeSynchronizeExecution on the port's interrupt object, the same lock the ISR runs under.
 * QEMU's port raises the interrupt on the strobe's falling edge, so one byte = one interrupt.
 */
#include "drivers/parprint/parprint.h"

#include "drivers/parport/lpt_hw.h"
#include "include/parallel.h"
#include "kernel/lib/string.h"

#define PARPRINT_TAG IRQLAB_POOL_TAG("PaPr")

typedef struct _PARPRINT {
    PFILE_OBJECT File;
    PDEVICE_OBJECT Port;
    PARALLEL_PORT_INFORMATION PortInfo;
    PARALLEL_INTERRUPT_INFORMATION InterruptInfo;
    BOOLEAN InterruptConnected;
    PUCHAR Controller;
    ULONG AckTimeoutMs;

    /* The job. While interrupt-driven, changed only inside the port's critical section. */
    PUCHAR Data; /* our copy */
    ULONG Length;
    volatile ULONG Sent;     /* bytes strobed */
    volatile ULONG Acked;    /* bytes acknowledged (interrupt or timeout poll) */
    volatile BOOLEAN Active; /* ACK interrupts are ours */
    volatile BOOLEAN Finished;
    volatile BOOLEAN OwnsPort;
    ULONG JobInterrupts, JobTimeouts;

    struct parprint_counts Counts;
} PARPRINT, *PPARPRINT;

static PARPRINT printer = {.AckTimeoutMs = PARPRINT_DEFAULT_ACK_TIMEOUT_MS};

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
    /* On Windows: if (status == STATUS_PENDING) wait for `event` and take iosb.Status. irqlab
     * completes every request before IoCallDriver returns: the event is set already. */
    return status;
}

static PARALLEL_INTERRUPT_SERVICE_ROUTINE ParPrintRoutines(PPARPRINT P);

/* ---- the interrupt side (port DIRQL, inside the port's critical section) --------------------- */

/* One step of the job: the byte strobed last is acknowledged; send the next, or finish. */
static VOID ParPrintStep(PPARPRINT P)
{
    (void)LptAcknowledge(P->Controller); /* lowers the IRQ line, completes the BUSY/ACK handshake */
    P->Acked++;
    if (P->Sent < P->Length) {
        LptStrobeByte(P->Controller, P->Data[P->Sent], TRUE); /* its falling STROBE edge interrupts */
        P->Sent++;
        return;
    }
    LptInterruptsOff(P->Controller);
    P->Active = FALSE;
    P->OwnsPort = FALSE;
    P->InterruptInfo.FreePortFromInterruptLevel(P->InterruptInfo.Context);
    __atomic_store_n(&P->Finished, TRUE, __ATOMIC_RELEASE);
}

static BOOLEAN ParPrintIsr(PKINTERRUPT Interrupt, PVOID ServiceContext)
{
    UNREFERENCED_PARAMETER(Interrupt);
    PPARPRINT p = ServiceContext;
    p->Counts.isr_calls++;
    if (!p->Active)
        return FALSE; /* no job of ours: someone else's interrupt */
    p->Counts.interrupts++;
    p->JobInterrupts++;
    ParPrintStep(p);
    return TRUE;
}

static BOOLEAN ParPrintBegin(PVOID Context)
{
    PPARPRINT p = Context;
    p->Sent = p->Acked = 0;
    p->Finished = FALSE;
    p->Active = TRUE;
    LptInterruptsOn(p->Controller);
    LptStrobeByte(p->Controller, p->Data[0], TRUE);
    p->Sent = 1;
    return TRUE;
}

struct parprint_poll {
    PPARPRINT P;
    ULONG AckedBefore;
};

/* The ACK-timeout fallback: if still nothing was acknowledged since the caller looked, act as if
 * the interrupt had come. Under the ISR's lock, so it cannot step twice for one byte. */
static BOOLEAN ParPrintTimeout(PVOID Context)
{
    struct parprint_poll *poll = Context;
    PPARPRINT p = poll->P;
    if (p->Active && p->Acked == poll->AckedBefore) {
        p->Counts.timeouts++;
        p->JobTimeouts++;
        ParPrintStep(p);
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
    return TRUE;
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
    ObDereferenceObject(p->File); /* IRP_MJ_CLEANUP, IRP_MJ_CLOSE */
    p->File = NULL;
    p->Port = NULL;
}

bool parprint_is_open(void) { return printer.File != NULL; }
bool parprint_interrupt_driven(void) { return printer.InterruptConnected; }

/* ---- jobs ------------------------------------------------------------------------------------ */

static ULONG64 ParPrintNowUs(VOID)
{
    LARGE_INTEGER frequency;
    LARGE_INTEGER now = KeQueryPerformanceCounter(&frequency);
    ULONG64 per_us = (ULONG64)frequency.QuadPart / 1000000;
    return (ULONG64)now.QuadPart / (per_us ? per_us : 1);
}

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
    memcpy(p->Data, data, length);
    p->Length = length;
    p->JobInterrupts = p->JobTimeouts = 0;

    NTSTATUS status = ParPrintCallPort(p, IOCTL_INTERNAL_PARALLEL_PORT_ALLOCATE, NULL, 0, NULL, 0);
    p->Counts.last_status = status;
    if (!NT_SUCCESS(status)) {
        ExFreePoolWithTag(p->Data, PARPRINT_TAG);
        p->Data = NULL;
        return status;
    }
    p->OwnsPort = TRUE;
    if (p->InterruptConnected)
        (void)KeSynchronizeExecution(p->InterruptInfo.InterruptObject, ParPrintBegin, p);
    else
        ParPrintPolled(p);
    return STATUS_SUCCESS;
}

NTSTATUS parprint_wait(ULONG timeout_ms)
{
    PPARPRINT p = &printer;
    if (!p->Data)
        return STATUS_SUCCESS;
    ULONG64 start = ParPrintNowUs(), last_progress = start;
    ULONG acked = p->Acked;
    NTSTATUS status = STATUS_SUCCESS;
    while (!__atomic_load_n(&p->Finished, __ATOMIC_ACQUIRE)) {
        ULONG64 now = ParPrintNowUs();
        if (p->Acked != acked) {
            acked = p->Acked;
            last_progress = now;
        } else if (now - last_progress >= (ULONG64)p->AckTimeoutMs * 1000) {
            struct parprint_poll poll = {p, acked};
            (void)KeSynchronizeExecution(p->InterruptInfo.InterruptObject, ParPrintTimeout, &poll);
            last_progress = now;
        }
        if (now - start >= (ULONG64)timeout_ms * 1000) {
            (void)KeSynchronizeExecution(p->InterruptInfo.InterruptObject, ParPrintAbort, p);
            status = STATUS_UNSUCCESSFUL;
            break;
        }
        KeStallExecutionProcessor(10);
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
    /* Long enough for every byte to need the ACK-timeout poll, plus slack. */
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
PKSERVICE_ROUTINE parprint_isr(void) { return ParPrintIsr; }
