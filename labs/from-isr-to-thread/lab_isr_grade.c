/* tests/ktest/lab_isr_grade.c - the grading suite of lab "from ISR to thread"
 * (labs/from-isr-to-thread/; handout docs/labs/from-isr-to-thread.md).
 *
 * Copied into tests/ktest/ only by scripts/grade.py, together with the student's (or the
 * reference) drivers/lab_isr/. A manual suite: run only when named (ktest=lab_isr_grade). Needs
 * msi=off and -device edu,addr=03.0, on 4 CPUs.
 *
 * The grader plays the PnP manager (setup: takes 00:03.0 from the edu driver, calls
 * LabIsrStartDevice) and an application: it builds IOCTL_LAB_ISR_FACTORIAL requests with
 * IoBuildDeviceIoControlRequest at PASSIVE_LEVEL, sends them with IoCallDriver and waits on their
 * events. A completion routine of its own, in the driver's stack location, sees each completion:
 * how often (exactly once), at which IRQL, and whether the driver marked the IRP pending.
 *
 * "Pends until the interrupt" is judged without a race: the grader holds the device's interrupt
 * back with the PCI command register's Interrupt Disable bit (PCI Local Bus Specification 3.0,
 * 6.2.2; QEMU hw/pci/pci.c keeps the line low while it is set and raises it when it is cleared),
 * so no interrupt can arrive until the grader lets it. The verdicts are states and counts: what
 * IoCallDriver returned, whether the event is set, the IRP count, the interrupt object's
 * ServiceCount (what the ISR returned, as the kernel counted it). Waits are generous guest-time
 * timeouts that only bound a hang. The points per case are in labs/from-isr-to-thread/lab.json. */
#include "drivers/lab_isr/lab_isr.h"
#include "kernel/bus/pci/pci.h"
#include "include/wdm.h"
#include "kernel/io/irp.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/interrupt.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/thread_helpers.h"

#define WAIT_MS 20000        /* for one request to complete: only ever reached by a hang */
#define ROW 60               /* requests in a row */
#define SENDERS 4            /* threads sending at once (one per CPU) */
#define PER_SENDER 25        /* requests each */
#define SLOTS (SENDERS * PER_SENDER)

static DRIVER_OBJECT lab_driver = {.Type = IO_TYPE_DRIVER, .Size = sizeof(DRIVER_OBJECT), .Name = "lab_isr"};

/* One request and what the grader saw of it. Never on a stack: a request the driver forgets and
 * completes later (or never) must not write into a finished case's frame. */
struct request {
    KEVENT done; /* the IRP's UserEvent */
    IO_STATUS_BLOCK iosb;
    ULONG input;
    ULONG output[2]; /* [1] shows whether more than Information bytes came back */
    NTSTATUS call_status; /* what IoCallDriver returned */
    volatile LONG completions;
    KIRQL completion_irql;
    BOOLEAN pending_returned; /* the driver's location had SL_PENDING_RETURNED (IoMarkIrpPending) */
    ULONG answer; /* the system buffer's first ULONG at completion: what the driver put there */
    PIRP irp;     /* valid only until it completes */
};

static struct {
    bool ready;
    PDEVICE_OBJECT pdo, fdo;
    PKINTERRUPT interrupt;
    struct pci_device *pci;
    struct request single[16];
    struct request slots[SLOTS];
} g;

static ULONG factorial(ULONG n)
{
    ULONG r = 1;
    for (; n > 0; n--)
        r *= n;
    return r;
}

static uint64_t isr_true(void)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < KE_MAX_CPUS; i++)
        n += g.interrupt->ServiceCount[i];
    return n;
}

/* The sender's completion routine: the driver's location's (IoSetCompletionRoutine on the IRP
 * before IoCallDriver), called once the driver completes, with DeviceObject NULL. */
static NTSTATUS on_complete(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    struct request *r = Context;
    r->completion_irql = KeGetCurrentIrql();
    r->pending_returned = Irp->PendingReturned;
    r->answer = *(PULONG)Irp->AssociatedIrp.SystemBuffer; /* before the I/O manager copies it back */
    __atomic_add_fetch(&r->completions, 1, __ATOMIC_SEQ_CST);
    return STATUS_SUCCESS; /* let the I/O manager finish: copy back, set the event, free */
}

/* Build and send "n!" with `out_len` bytes of output room; returns IoCallDriver's status. */
static NTSTATUS send(struct request *r, ULONG n, ULONG out_len)
{
    KeInitializeEvent(&r->done, NotificationEvent, FALSE);
    r->iosb.Status = -1;
    r->iosb.Information = 0xFFFF;
    r->input = n;
    r->output[0] = r->output[1] = 0xDEADBEEF;
    r->completions = 0;
    r->completion_irql = 0xFF;
    r->pending_returned = FALSE;
    r->answer = 0xDEADBEEF;
    PIRP irp = IoBuildDeviceIoControlRequest(IOCTL_LAB_ISR_FACTORIAL, g.fdo, &r->input, sizeof(r->input), r->output,
                                             out_len, FALSE, &r->done, &r->iosb);
    if (!irp)
        return r->call_status = STATUS_INSUFFICIENT_RESOURCES;
    IoSetCompletionRoutine(irp, on_complete, r, TRUE, TRUE, TRUE);
    r->irp = irp;
    return r->call_status = IoCallDriver(g.fdo, irp);
}

/* Wait for the request's event; TRUE if it was set within `ms` (guest time). */
static bool wait_done(struct request *r, LONGLONG ms)
{
    LARGE_INTEGER timeout = th_ms(ms);
    return KeWaitForSingleObject(&r->done, Executive, KernelMode, FALSE, &timeout) == STATUS_SUCCESS;
}

/* The device's interrupt held back (TRUE) or let through (FALSE). */
static void hold_interrupt(bool hold) { pci_set_intx_disabled(g.pci, hold); }

static bool setup(struct ktest *t)
{
    if (g.ready)
        return true;
    if (!io_test_cmdline_off("msi")) {
        ktest_fail(t, __FILE__, __LINE__, "boot with msi=off: the grader holds the INTx line back");
        return false;
    }
    g.pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 0);
    if (!g.pdo) {
        ktest_fail(t, __FILE__, __LINE__, "needs -device edu,addr=03.0");
        return false;
    }
    if (!io_test_take(g.pdo, IO_START_NO_MSI)) {
        ktest_fail(t, __FILE__, __LINE__, "could not take 00:03.0 from the edu driver");
        return false;
    }
    struct io_pdo *x = io_test_pdo(g.pdo);
    g.pci = x->pci;
    NTSTATUS status = LabIsrStartDevice(&lab_driver, g.pdo, x->raw, x->translated);
    if (!NT_SUCCESS(status)) {
        ktest_fail(t, __FILE__, __LINE__, "LabIsrStartDevice failed: 0x%08x", (unsigned)status);
        return false;
    }
    g.fdo = lab_isr_device();
    if (!g.fdo || !lab_isr_interrupt(g.fdo)) {
        ktest_fail(t, __FILE__, __LINE__, "lab_isr_device() / lab_isr_interrupt() is NULL after a start");
        return false;
    }
    g.interrupt = lab_isr_interrupt(g.fdo);
    g.ready = true;
    return true;
}

/* 2 points: with the device's interrupt held back, the request must pend - IoCallDriver returns
 * STATUS_PENDING, the event stays clear, the IRP stays outstanding - and complete once the
 * interrupt is let through. */
static void request_pends(struct ktest *t)
{
    if (!setup(t))
        return;
    struct request *r = &g.single[0];
    unsigned irps = io_irps_outstanding();
    uint64_t claimed = isr_true();
    hold_interrupt(true);
    NTSTATUS status = send(r, 5, sizeof(ULONG));
    KTEST_EXPECT_EQ(t, status, STATUS_PENDING);
    bool early = wait_done(r, 200); /* nothing can complete it: the interrupt is held */
    KTEST_EXPECT_FALSE(t, early);
    KTEST_EXPECT_EQ(t, r->completions, 0);
    KTEST_EXPECT_EQ(t, io_irps_outstanding(), irps + (status == STATUS_PENDING ? 1 : 0));
    KTEST_EXPECT_EQ(t, isr_true(), claimed);
    hold_interrupt(false); /* the device's interrupt arrives now */
    if (status == STATUS_PENDING && !wait_done(r, WAIT_MS)) {
        ktest_fail(t, __FILE__, __LINE__, "the interrupt came and went, the request never completed");
        return;
    }
    KTEST_EXPECT_EQ(t, r->completions, 1);
    KTEST_EXPECT_TRUE(t, r->pending_returned); /* IoMarkIrpPending before STATUS_PENDING */
    KTEST_EXPECT_EQ(t, r->iosb.Status, STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, r->answer, 120);
    KTEST_EXPECT_EQ(t, io_irps_outstanding(), irps);
    ktest_log(t, "IoCallDriver returned 0x%08x; completed once at IRQL %u after the held interrupt",
              (unsigned)status, r->completion_irql);
}

/* 2 points: 0! .. 12!, one at a time: each pends, completes successfully with the device's
 * result in the system buffer, and took exactly one interrupt of the device. (Whether the answer
 * reaches the sender's buffer is information_set's business.) */
static void completes_with_result(struct ktest *t)
{
    if (!setup(t))
        return;
    uint64_t claimed = isr_true();
    unsigned pended = 0;
    for (ULONG n = 0; n <= LAB_ISR_MAX_N; n++) {
        struct request *r = &g.single[n % 16];
        if (send(r, n, sizeof(ULONG)) == STATUS_PENDING)
            pended++;
        if (!wait_done(r, WAIT_MS)) {
            ktest_fail(t, __FILE__, __LINE__, "%u!: never completed", n);
            return;
        }
        if (r->iosb.Status != STATUS_SUCCESS || r->answer != factorial(n)) {
            ktest_fail(t, __FILE__, __LINE__, "%u!: status 0x%08x, answer %u (expected %u)", n,
                       (unsigned)r->iosb.Status, r->answer, factorial(n));
            return;
        }
    }
    KTEST_EXPECT_EQ(t, pended, LAB_ISR_MAX_N + 1);
    KTEST_EXPECT_EQ(t, isr_true() - claimed, LAB_ISR_MAX_N + 1); /* one interrupt per request */
}

/* 1 point: IoStatus.Information is the size of the answer - not 0, not the buffer's size. */
static void information_set(struct ktest *t)
{
    if (!setup(t))
        return;
    struct request *r = &g.single[0];
    send(r, 7, sizeof(r->output)); /* room for two ULONGs; the answer is one */
    KTEST_ASSERT_TRUE(t, wait_done(r, WAIT_MS));
    KTEST_EXPECT_EQ(t, r->iosb.Status, STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, r->iosb.Information, sizeof(ULONG));
    KTEST_EXPECT_EQ(t, r->output[0], 5040);
    KTEST_EXPECT_EQ(t, r->output[1], 0xDEADBEEF); /* only Information bytes were copied back */
}

/* 1 point: a request the driver cannot do fails at once, without the device. */
static void rejects_bad_requests(struct ktest *t)
{
    if (!setup(t))
        return;
    unsigned irps = io_irps_outstanding();
    uint64_t claimed = isr_true();
    struct request *r = &g.single[1];
    KTEST_EXPECT_EQ(t, send(r, 3, 2), STATUS_BUFFER_TOO_SMALL); /* no room for a ULONG */
    KTEST_EXPECT_EQ(t, r->iosb.Status, STATUS_BUFFER_TOO_SMALL);
    KTEST_EXPECT_EQ(t, r->completions, 1);
    KTEST_EXPECT_EQ(t, send(r, LAB_ISR_MAX_N + 1, sizeof(ULONG)), STATUS_INVALID_PARAMETER); /* 13! > 32 bits */
    KTEST_EXPECT_EQ(t, r->iosb.Information, 0);
    KTEST_EXPECT_EQ(t, r->output[0], 0xDEADBEEF);
    KTEST_EXPECT_EQ(t, io_irps_outstanding(), irps);
    KTEST_EXPECT_EQ(t, isr_true(), claimed);
}

/* 1 point: many requests in a row, each answered right; no IRP left behind. */
static void many_in_a_row(struct ktest *t)
{
    if (!setup(t))
        return;
    unsigned irps = io_irps_outstanding();
    for (unsigned i = 0; i < ROW; i++) {
        struct request *r = &g.single[i % 16];
        ULONG n = i % (LAB_ISR_MAX_N + 1);
        send(r, n, sizeof(ULONG));
        if (!wait_done(r, WAIT_MS) || r->iosb.Status != STATUS_SUCCESS || r->answer != factorial(n) ||
            r->completions != 1) {
            ktest_fail(t, __FILE__, __LINE__, "request %u (%u!): status 0x%08x, answer %u, completions %ld", i + 1,
                       n, (unsigned)r->iosb.Status, r->answer, (long)r->completions);
            return;
        }
    }
    KTEST_EXPECT_EQ(t, io_irps_outstanding(), irps);
}

struct sender {
    unsigned index;
    volatile unsigned right, wrong, hung;
};

static struct sender senders[SENDERS];

/* One sending thread, on its own CPU: PER_SENDER requests, each waited for before the next. */
static VOID sender_thread(PVOID Context)
{
    struct sender *s = Context;
    for (unsigned i = 0; i < PER_SENDER; i++) {
        struct request *r = &g.slots[s->index * PER_SENDER + i];
        ULONG n = (s->index * 5 + i) % (LAB_ISR_MAX_N + 1);
        send(r, n, sizeof(ULONG));
        if (!wait_done(r, WAIT_MS)) {
            s->hung++;
            return;
        }
        if (r->iosb.Status == STATUS_SUCCESS && r->answer == factorial(n))
            s->right++;
        else
            s->wrong++;
    }
}

/* 2 points: four threads on four CPUs send at once; every request completes exactly once with
 * its own answer (the device computes one at a time: the driver must queue), none is lost. */
static void several_threads_at_once(struct ktest *t)
{
    if (!setup(t))
        return;
    unsigned irps = io_irps_outstanding();
    uint64_t claimed = isr_true();
    unsigned cpus = KeQueryActiveProcessorCount(NULL);
    PKTHREAD threads[SENDERS];
    for (unsigned i = 0; i < SENDERS; i++) {
        senders[i] = (struct sender){.index = i};
        threads[i] = th_start(sender_thread, &senders[i], 8, (KAFFINITY)1 << (i % cpus));
        KTEST_ASSERT_TRUE(t, threads[i] != NULL);
    }
    bool all_ended = true;
    for (unsigned i = 0; i < SENDERS; i++)
        all_ended &= th_join(threads[i], 120);
    KTEST_ASSERT_TRUE(t, all_ended);
    unsigned right = 0, hung = 0, completions = 0;
    for (unsigned i = 0; i < SENDERS; i++) {
        right += senders[i].right;
        hung += senders[i].hung;
    }
    for (unsigned i = 0; i < SLOTS; i++)
        completions += (unsigned)g.slots[i].completions;
    if (right != SLOTS || completions != SLOTS) /* the summary first: the grader shows the first line */
        ktest_fail(t, __FILE__, __LINE__, "%u of %u requests answered right, %u completions, %u never completed",
                   right, SLOTS, completions, hung);
    KTEST_EXPECT_EQ(t, isr_true() - claimed, SLOTS); /* one interrupt per request */
    KTEST_EXPECT_EQ(t, io_irps_outstanding(), irps); /* none lost, none completed twice */
    for (unsigned i = 0; i < SENDERS; i++)
        ktest_log(t, "sender %u: %u right, %u wrong, %u never completed", i, senders[i].right, senders[i].wrong,
                  senders[i].hung);
}

/* 2 points: a request waiting behind another one is cancelled (IoCancelIrp): it completes at
 * once, once, with STATUS_CANCELLED and nothing transferred, and the device is not disturbed - the
 * request it works on completes with its result, and the next one is served. The interrupt is
 * held back, so the cancelled request is still waiting when IoCancelIrp is called, whatever the
 * host's speed. */
static void cancel_waiting_request(struct ktest *t)
{
    if (!setup(t))
        return;
    unsigned irps = io_irps_outstanding();
    struct request *working = &g.single[2], *waiting = &g.single[3], *after = &g.single[4];
    hold_interrupt(true);
    NTSTATUS s1 = send(working, 4, sizeof(ULONG));
    NTSTATUS s2 = send(waiting, 6, sizeof(ULONG));
    if (s1 != STATUS_PENDING || s2 != STATUS_PENDING) {
        hold_interrupt(false);
        ktest_fail(t, __FILE__, __LINE__, "the requests did not pend (0x%08x, 0x%08x)", (unsigned)s1, (unsigned)s2);
        return;
    }
    BOOLEAN cancelled = IoCancelIrp(waiting->irp); /* still waiting: the device is busy with `working` */
    KTEST_EXPECT_TRUE(t, cancelled);               /* it had a cancel routine: it was cancelable */
    bool done = wait_done(waiting, WAIT_MS);
    KTEST_EXPECT_TRUE(t, done);
    KTEST_EXPECT_EQ(t, waiting->completions, 1);
    KTEST_EXPECT_EQ(t, waiting->iosb.Status, STATUS_CANCELLED);
    KTEST_EXPECT_EQ(t, waiting->iosb.Information, 0);
    KTEST_EXPECT_EQ(t, working->completions, 0); /* the device's request is untouched */
    hold_interrupt(false);
    KTEST_ASSERT_TRUE(t, wait_done(working, WAIT_MS));
    KTEST_EXPECT_EQ(t, working->iosb.Status, STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, working->answer, 24);
    send(after, 3, sizeof(ULONG)); /* the queue still works */
    KTEST_ASSERT_TRUE(t, wait_done(after, WAIT_MS));
    KTEST_EXPECT_EQ(t, after->answer, 6);
    KTEST_EXPECT_EQ(t, io_irps_outstanding(), irps);
}

KTEST_MANUAL_SUITE(lab_isr_grade, KTEST_CASE(request_pends), KTEST_CASE(completes_with_result),
                   KTEST_CASE(information_set), KTEST_CASE(rejects_bad_requests), KTEST_CASE(many_in_a_row),
                   KTEST_CASE(several_threads_at_once),
                   KTEST_CASE(cancel_waiting_request));
