/* drivers/serial/serial_driver.c - the COM1 function driver: receive by interrupt.
 *
 * References: National Semiconductor PC16550D data sheet ("8.6 Interrupt Identification
 * Register", Table IV; "8.4 Line Status Register"; "8.7 Modem Control Register", OUT2);
 * learn.microsoft.com "Writing an ISR", "DpcForIsr Routine and IoRequestDpc", "Using the
 * CONNECT_LINE_BASED Version of IoConnectInterruptEx", "Using Interrupt Resource Descriptors".
 *
 * Written as a WDM driver, like drivers/edu/edu.c, for an ISA device instead of a PCI one: the
 * I/O manager creates COM1's PDO (ISA PnP id PNP0501) with an I/O port range and IRQ 4 (an ISA
 * IRQ: edge-triggered, exclusive), and starts us with those resources. Sending stays with the
 * polled console (uart16550.c), which must work with interrupts off and on the stop screen;
 * this driver owns only the receiver and the UART's interrupt.
 *
 * Why the ISR loops: IRQ 4 is edge-triggered. The UART holds its interrupt output high while
 * *any* interrupt condition is pending; the IOAPIC sees a new edge only after the line went low.
 * If the ISR left one condition pending, the line would stay high and no interrupt would ever
 * come again. So the ISR services conditions until IIR says "none pending" (bit 0 = 1). And it
 * returns TRUE only if the UART had something pending, as every ISR must: the dispatcher counts
 * the rest as unclaimed, and on a shared latched chain walks again until nobody claims
 * (kernel/ke/chain_walk.h). A few unclaimed interrupts are normal here: a byte that arrives while
 * the ISR is still draining raises a new edge, but the same loop reads that byte too, so the
 * interrupt the edge caused finds nothing left.
 *
 * Flow control instead of dropping: the ring holds what the shell has not taken yet (typed ahead
 * while a command runs, or pasted). When it is full the ISR stops reading the receiver and masks
 * the receive-data interrupt (IER bit 0) - "throttled". The bytes then wait in the UART's
 * receiver (its FIFO, if on), and once that is full the sender waits too: QEMU's chardev backend
 * reads no more from the socket or pty while the receiver has no room (hw/char/serial.c,
 * serial_can_receive), as a terminal with hardware flow control would wait for RTS. When the
 * shell has taken bytes from the ring (serial_rx_read), the receive interrupt is unmasked; the
 * UART interrupts at once for what waits in it, and the ISR resumes. Nothing typed is lost,
 * however much is pasted.
 */
#include "serial_rx.h"

#include <irqlab.h> /* IrqlabRegisterConsoleInput: the shell reads what we receive */

#include "serial_ring.h"
#include "uart16550_regs.h"

/* Bounds per ISR call: a UART that never says "done" (or a flood of input) must not keep the
 * CPU at device IRQL forever. Work left over when they are reached would leave the edge line high
 * with no new edge to come, so the DPC finishes it (under the interrupt spin lock). */
#define SERIAL_ISR_ROUNDS 16  /* IIR reads */
#define SERIAL_DRAIN_MAX 64   /* bytes per "data available"; the FIFO holds 16 */
#define SERIAL_RESUME_FREE 16 /* free ring slots before a throttled receiver resumes */

typedef struct _SERIAL_EXTENSION {
    PDEVICE_OBJECT Self; /* our FDO */
    PDEVICE_OBJECT Pdo;
    PUCHAR Port; /* I/O port base from the translated resources (0x3F8) */
    PKINTERRUPT Interrupt;
    ULONG Vector;
    KIRQL Irql;
    volatile BOOLEAN MoreWork; /* the ISR stopped at its bounds with conditions still pending */
    BOOLEAN ThrEnabled;        /* a test turned the transmitter-empty interrupt on */
} SERIAL_EXTENSION, *PSERIAL_EXTENSION;

/* One console port, so the receive state lives here rather than in the extension: it survives a
 * stop/start, and serial_rx_read keeps working after a stop (the shell then polls). */
static struct serial_ring rx_ring;
static PSERIAL_EXTENSION serial_device; /* the started device, or NULL */
static volatile BOOLEAN serial_receiving;
static volatile BOOLEAN serial_throttled; /* the ring was full: receive interrupt masked, receiver unread */

/* Counters written by the ISR under the interrupt spin lock (dpc_runs by the DPC). */
static struct serial_rx_stats counters;

static inline PUCHAR SerialRegister(PSERIAL_EXTENSION Serial, ULONG Offset) { return Serial->Port + Offset; }

/* IIR bits 7:6 say whether the FIFOs are on (FCR is write-only). */
static BOOLEAN SerialFifosEnabled(PSERIAL_EXTENSION Serial)
{
    return (READ_PORT_UCHAR(SerialRegister(Serial, UART_IIR)) & IIR_FIFOS_ENABLED) == IIR_FIFOS_ENABLED;
}

/* IER for the current state: receive interrupts unless throttled, line status always. Under the
 * interrupt spin lock (or before connecting). */
static VOID SerialWriteIer(PSERIAL_EXTENSION Serial)
{
    UCHAR ier = IER_LINE_STATUS;
    if (!serial_throttled)
        ier |= IER_RX_DATA;
    if (Serial->ThrEnabled)
        ier |= IER_THR_EMPTY;
    WRITE_PORT_UCHAR(SerialRegister(Serial, UART_IER), ier);
}

/* ---- interrupt handling ------------------------------------------------------------------- */

/* Read every byte the receiver holds into the ring (LSR.DR says whether one is left) - or, when
 * the ring is full, leave them in the receiver and throttle: masking the receive interrupt is
 * what clears "data available" (the UART keeps the bytes). */
static ULONG SerialDrainReceiver(PSERIAL_EXTENSION Serial)
{
    ULONG reads = 0;
    UCHAR lsr;
    while (reads < SERIAL_DRAIN_MAX && ((lsr = READ_PORT_UCHAR(SerialRegister(Serial, UART_LSR))) & LSR_DATA_READY)) {
        if (lsr & LSR_ERRORS)
            counters.line_errors++;
        if (serial_ring_free(&rx_ring) == 0) {
            /* The consumer may be freeing a slot on another CPU right now, and check
             * serial_throttled before our store is visible. With a full fence on both sides
             * (here and in serial_rx_read), at least one of us sees the other: either the
             * ring has room after all, or the consumer sees the flag and resumes us. */
            serial_throttled = TRUE;
            __atomic_thread_fence(__ATOMIC_SEQ_CST);
            if (serial_ring_free(&rx_ring) == 0) {
                counters.throttled++;
                SerialWriteIer(Serial);
                break;
            }
            serial_throttled = FALSE;
        }
        UCHAR byte = READ_PORT_UCHAR(SerialRegister(Serial, UART_DATA));
        counters.bytes++;
        if (!serial_ring_put(&rx_ring, byte))
            counters.dropped++; /* cannot happen: one producer, and it checked for room */
        reads++;
    }
    return reads;
}

/* Service every pending UART interrupt condition, highest priority first (Table IV). Returns
 * TRUE if there was at least one. Caller: the ISR, or KeSynchronizeExecution. */
static BOOLEAN SerialServiceUart(PSERIAL_EXTENSION Serial)
{
    BOOLEAN serviced = FALSE;
    Serial->MoreWork = TRUE;
    for (ULONG round = 0; round < SERIAL_ISR_ROUNDS; round++) {
        UCHAR iir = READ_PORT_UCHAR(SerialRegister(Serial, UART_IIR));
        if (iir & IIR_NO_INTERRUPT) {
            Serial->MoreWork = FALSE; /* nothing (more) pending: the interrupt line is low again */
            break;
        }
        serviced = TRUE;
        switch (iir & IIR_ID_MASK) {
        case IIR_LINE_STATUS: /* reading LSR clears it */
            if (READ_PORT_UCHAR(SerialRegister(Serial, UART_LSR)) & LSR_ERRORS)
                counters.line_errors++;
            break;
        case IIR_RX_DATA:
        case IIR_RX_TIMEOUT: /* emptying the FIFO clears both */
            counters.rx_interrupts++;
            (void)SerialDrainReceiver(Serial);
            break;
        case IIR_THR_EMPTY: /* reading IIR (above) already cleared it */ counters.thr_interrupts++; break;
        default: /* IIR_MODEM_STATUS: we never enable it, but clear it if it shows up */
            (void)READ_PORT_UCHAR(SerialRegister(Serial, UART_MSR));
            break;
        }
    }
    return serviced;
}

/* The ISR, at the interrupt's SynchronizeIrql holding its spin lock. */
static BOOLEAN SerialIsr(PKINTERRUPT Interrupt, PVOID ServiceContext)
{
    UNREFERENCED_PARAMETER(Interrupt);
    PSERIAL_EXTENSION serial = ServiceContext;
    counters.isr_calls++;
    if (!SerialServiceUart(serial))
        return FALSE; /* the UART did not interrupt (or a previous call already serviced it) */
    counters.isr_claimed++;
    /* Last: the DPC may run on another CPU the moment it is queued. */
    IoRequestDpc(serial->Self, NULL, NULL);
    return TRUE;
}

/* Under the interrupt spin lock: finish what the ISR left at its bounds. */
static BOOLEAN SerialFinishService(PVOID Context)
{
    PSERIAL_EXTENSION serial = Context;
    if (serial->MoreWork)
        (void)SerialServiceUart(serial);
    return serial->MoreWork;
}

/* DpcForIsr, at DISPATCH_LEVEL: hand the news to the consumer. Several ISR calls may collapse
 * into one run; the consumer reads whatever the ring holds. */
static VOID SerialDpcForIsr(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Irp);
    UNREFERENCED_PARAMETER(Context);
    PSERIAL_EXTENSION serial = DeviceObject->DeviceExtension;
    __atomic_fetch_add(&counters.dpc_runs, 1, __ATOMIC_RELAXED);
    /* MoreWork read without the lock is only a hint: if the ISR sets it meanwhile, it also queues
     * this DPC again. Each pass drains up to the bounds once more. */
    for (unsigned pass = 0; pass < 8 && serial->MoreWork; pass++)
        if (!KeSynchronizeExecution(serial->Interrupt, SerialFinishService, serial))
            break;
    IrqlabConsoleInputArrived(); /* the shell takes the bytes (serial_rx_read) */
}

/* ---- start and stop ----------------------------------------------------------------------- */

struct serial_enable {
    PSERIAL_EXTENSION Serial;
    BOOLEAN Kick; /* out: data was already waiting */
};

/* Under the interrupt spin lock, so the ISR cannot interleave its register reads with ours. */
static BOOLEAN SerialEnableInterrupts(PVOID Context)
{
    struct serial_enable *enable = Context;
    PSERIAL_EXTENSION serial = enable->Serial;
    /* The FIFOs keep their mode: switching it clears them and loses keys typed during boot
     * (uart16550.c). If they are on, receive interrupt after every byte: a person typing wants
     * each key at once (FCR bit 0 stays 1, so nothing is cleared). */
    if (SerialFifosEnabled(serial))
        WRITE_PORT_UCHAR(SerialRegister(serial, UART_FCR), FCR_ENABLE | FCR_TRIGGER_1);
    /* OUT2 connects the UART's interrupt output to IRQ 4 on a PC (uart_init set it already;
     * a driver does not rely on that). */
    UCHAR mcr = READ_PORT_UCHAR(SerialRegister(serial, UART_MCR));
    WRITE_PORT_UCHAR(SerialRegister(serial, UART_MCR), (UCHAR)(mcr | MCR_OUT2));
    serial_throttled = FALSE;
    serial->ThrEnabled = FALSE;
    SerialWriteIer(serial);
    /* Bytes typed before this point may sit in the FIFO. The UART raises its line for them now,
     * but taking them here as well costs nothing and does not depend on that. */
    enable->Kick = SerialServiceUart(serial);
    serial_receiving = TRUE;
    return TRUE;
}

static BOOLEAN SerialDisableInterrupts(PVOID Context)
{
    PSERIAL_EXTENSION serial = Context;
    serial_receiving = FALSE;
    serial_throttled = FALSE; /* the shell polls the UART once the ring is empty */
    WRITE_PORT_UCHAR(SerialRegister(serial, UART_IER), 0);
    /* Back to the console's FIFO setting, if the FIFOs are on: receive trigger at 14 bytes. */
    if (SerialFifosEnabled(serial))
        WRITE_PORT_UCHAR(SerialRegister(serial, UART_FCR), FCR_ENABLE | FCR_TRIGGER_14);
    return TRUE;
}

static const CM_PARTIAL_RESOURCE_DESCRIPTOR *SerialFindResource(PCM_RESOURCE_LIST List, UCHAR Type)
{
    if (!List || List->Count == 0)
        return NULL;
    PCM_PARTIAL_RESOURCE_LIST partial = &List->List[0].PartialResourceList;
    for (ULONG i = 0; i < partial->Count; i++)
        if (partial->PartialDescriptors[i].Type == Type)
            return &partial->PartialDescriptors[i];
    return NULL;
}

static VOID SerialCleanup(PSERIAL_EXTENSION Serial)
{
    if (Serial->Interrupt) {
        /* The UART stops interrupting: from here on no ISR call finds work, so none queues the DPC. */
        (void)KeSynchronizeExecution(Serial->Interrupt, SerialDisableInterrupts, Serial);
        /* A DPC queued before uses the interrupt object (KeSynchronizeExecution): let it finish
         * while the object still exists. */
        KeFlushQueuedDpcs();
        IO_DISCONNECT_INTERRUPT_PARAMETERS disconnect = {0};
        disconnect.Version = CONNECT_LINE_BASED;
        disconnect.ConnectionContext.InterruptObject = Serial->Interrupt;
        IoDisconnectInterruptEx(&disconnect); /* on return no ISR of ours runs anywhere */
        Serial->Interrupt = NULL;
    }
    KeFlushQueuedDpcs(); /* (a failed start: nothing can be queued, but it costs nothing) */
    IoDetachDevice(Serial->Pdo);
    IoDeleteDevice(Serial->Self);
}

static const IRQLAB_CONSOLE_INPUT serial_console_input; /* below, with serial_rx_read */

static NTSTATUS SerialStartDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo, PCM_RESOURCE_LIST Raw,
                                  PCM_RESOURCE_LIST Translated)
{
    UNREFERENCED_PARAMETER(Raw);
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *port = SerialFindResource(Translated, CmResourceTypePort);
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *irq = SerialFindResource(Translated, CmResourceTypeInterrupt);
    if (!port || port->u.Port.Length < 8 || !irq) {
        DbgPrint("serial: COM1 needs an I/O port range of 8 and an interrupt\n");
        return STATUS_INSUFFICIENT_RESOURCES;
    }

    PDEVICE_OBJECT fdo;
    NTSTATUS status = IoCreateDevice(DriverObject, sizeof(SERIAL_EXTENSION), NULL, FILE_DEVICE_SERIAL_PORT,
                                     FILE_DEVICE_SECURE_OPEN, FALSE, &fdo);
    if (!NT_SUCCESS(status))
        return status;
    PSERIAL_EXTENSION serial = fdo->DeviceExtension; /* zeroed by IoCreateDevice */
    serial->Self = fdo;
    serial->Pdo = Pdo;
    serial->Port = (PUCHAR)(ULONG_PTR)port->u.Port.Start.QuadPart;
    serial->Vector = irq->u.Interrupt.Vector;
    serial->Irql = (KIRQL)irq->u.Interrupt.Level;
    if (!IoAttachDeviceToDeviceStack(fdo, Pdo)) {
        IoDeleteDevice(fdo);
        return STATUS_NO_SUCH_DEVICE;
    }

    /* Quiet first: the ISR may run before IoConnectInterruptEx returns, and must find the UART
     * in a state it understands. Receive interrupts are enabled only once it is connected. */
    WRITE_PORT_UCHAR(SerialRegister(serial, UART_IER), 0);
    IoInitializeDpcRequest(fdo, SerialDpcForIsr);

    IO_CONNECT_INTERRUPT_PARAMETERS connect = {0};
    connect.Version = CONNECT_LINE_BASED;
    connect.LineBased.PhysicalDeviceObject = Pdo;
    connect.LineBased.InterruptObject = &serial->Interrupt;
    connect.LineBased.ServiceRoutine = SerialIsr;
    connect.LineBased.ServiceContext = serial;
    connect.LineBased.SpinLock = NULL;     /* the kernel makes one */
    connect.LineBased.SynchronizeIrql = 0; /* the line's own IRQL */
    connect.LineBased.FloatingSave = FALSE;
    status = IoConnectInterruptEx(&connect);
    if (!NT_SUCCESS(status)) {
        DbgPrint("serial: IoConnectInterruptEx failed: 0x%08x; the console keeps polling\n", (unsigned)status);
        SerialCleanup(serial);
        return status;
    }

    struct serial_enable enable = {serial, FALSE};
    (void)KeSynchronizeExecution(serial->Interrupt, SerialEnableInterrupts, &enable);
    counters.vector = serial->Vector;
    counters.irql = serial->Irql;
    serial_device = serial;
    IrqlabRegisterConsoleInput(&serial_console_input); /* before the kick: its DPC tells the shell */
    fdo->Flags &= ~DO_DEVICE_INITIALIZING;
    if (enable.Kick) /* not an ISR: IoRequestDpc is for DIRQL, KeInsertQueueDpc for any IRQL */
        (void)KeInsertQueueDpc(&fdo->Dpc, NULL, NULL);
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_INFO_LEVEL,
               "serial: COM1 receive is interrupt-driven: port 0x%x, vector 0x%02lx, IRQL %u\n",
               (unsigned)(ULONG_PTR)serial->Port, serial->Vector, serial->Irql);
    return STATUS_SUCCESS;
}

/* IRP_MN_STOP_DEVICE / IRP_MN_REMOVE_DEVICE: Fdo is our own device object, as in Windows. */
static VOID SerialStopDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Fdo)
{
    UNREFERENCED_PARAMETER(DriverObject);
    PSERIAL_EXTENSION serial = Fdo->DeviceExtension;
    if (serial_device == serial)
        serial_device = NULL;
    SerialCleanup(serial);
}

IRQLAB_DRIVER(serial, .Name = "serial", .IsaPnpId = "PNP0501", .StartDevice = SerialStartDevice,
              .StopDevice = SerialStopDevice);

/* ---- the kernel-side API (serial_rx.h) ----------------------------------------------------- */

/* Under the interrupt spin lock: the consumer made room, let the UART interrupt again. It does
 * so at once if bytes wait in its receiver (IER is level-sensitive to the pending condition), and
 * the ISR takes them as usual. */
static BOOLEAN SerialResumeReceive(PVOID Context)
{
    PSERIAL_EXTENSION serial = Context;
    if (serial_throttled && serial_receiving && serial_ring_free(&rx_ring) >= SERIAL_RESUME_FREE) {
        serial_throttled = FALSE;
        SerialWriteIer(serial);
    }
    return TRUE;
}

size_t serial_rx_read(char *buffer, size_t size)
{
    size_t n = 0;
    uint8_t byte;
    while (n < size && serial_ring_get(&rx_ring, &byte))
        buffer[n++] = (char)byte;
    /* Unthrottle once there is room for a few bytes (SERIAL_RESUME_FREE): resuming for every
     * single free slot would pause and resume the receiver at every byte. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* our frees before the flag: see SerialDrainReceiver */
    PSERIAL_EXTENSION serial = serial_device;
    if (serial_throttled && serial && serial->Interrupt && serial_ring_free(&rx_ring) >= SERIAL_RESUME_FREE)
        (void)KeSynchronizeExecution(serial->Interrupt, SerialResumeReceive, serial);
    return n;
}

bool serial_rx_interrupt_driven(void) { return serial_receiving; }

/* The shell's input source (include/irqlab.h), registered at the first start and never withdrawn:
 * what was received before a stop can still be read. */
static ULONG SerialConsoleRead(PCHAR Buffer, ULONG Size) { return (ULONG)serial_rx_read(Buffer, Size); }
static BOOLEAN SerialConsoleInterruptDriven(VOID) { return serial_receiving; }
static const IRQLAB_CONSOLE_INPUT serial_console_input = {SerialConsoleRead, SerialConsoleInterruptDriven};

struct serial_copy {
    struct serial_rx_stats *Out;
};

static BOOLEAN SerialCopyStats(PVOID Context)
{
    struct serial_copy *copy = Context;
    *copy->Out = counters;
    return TRUE;
}

void serial_rx_get_stats(struct serial_rx_stats *stats)
{
    PSERIAL_EXTENSION serial = serial_device;
    struct serial_copy copy = {stats};
    if (serial && serial->Interrupt)
        (void)KeSynchronizeExecution(serial->Interrupt, SerialCopyStats, &copy);
    else
        *stats = counters;
    stats->interrupt_driven = serial_receiving;
    stats->buffered = serial_ring_count(&rx_ring);
}

struct serial_thr_test {
    PSERIAL_EXTENSION Serial;
    BOOLEAN Enable;
};

static BOOLEAN SerialSetThrInterrupt(PVOID Context)
{
    struct serial_thr_test *test = Context;
    test->Serial->ThrEnabled = test->Enable;
    SerialWriteIer(test->Serial);
    return TRUE;
}

NTSTATUS serial_rx_test_thr_interrupt(BOOLEAN enable)
{
    PSERIAL_EXTENSION serial = serial_device;
    if (!serial || !serial->Interrupt || !serial_receiving)
        return STATUS_INVALID_DEVICE_REQUEST;
    struct serial_thr_test test = {serial, enable};
    (void)KeSynchronizeExecution(serial->Interrupt, SerialSetThrInterrupt, &test);
    return STATUS_SUCCESS;
}
