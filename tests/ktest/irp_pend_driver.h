/* tests/ktest/irp_pend_driver.h - a small driver whose requests pend, for the pending-IRP and
 * cancellation suites (irp_pending_test.c, irp_cancel_test.c, irp_crash_test.c).
 *
 * One unnamed device; IRP_MJ_DEVICE_CONTROL (METHOD_BUFFERED) codes choose what the dispatch
 * routine does with the IRP:
 *   PEND_HOLD        IoMarkIrpPending, keep it (pend_take() hands it to the test), STATUS_PENDING;
 *   PEND_CANCELABLE  the same, cancelable the WDK's classic way: the IRP on a list under the
 *                    global cancel spin lock, with pend_cancel_routine (which completes it with
 *                    STATUS_CANCELLED); an IRP already cancelled completes at once (STATUS_CANCELLED);
 *   PEND_CSQ         into the device's cancel-safe queue (IoCsqInsertIrp), STATUS_PENDING.
 * Completing an IRP the test took: pend_complete (Information = PEND_INFORMATION, output bytes =
 * PEND_OUTPUT_BYTE). */
#ifndef IRQLAB_TESTS_IRP_PEND_DRIVER_H
#define IRQLAB_TESTS_IRP_PEND_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "include/wdm.h"

#define PEND_HOLD CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define PEND_CANCELABLE CTL_CODE(FILE_DEVICE_UNKNOWN, 0x901, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define PEND_CSQ CTL_CODE(FILE_DEVICE_UNKNOWN, 0x902, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define PEND_INFORMATION 8
#define PEND_OUTPUT_BYTE 0x5A

struct pend_device {
    PDEVICE_OBJECT device;
    PIRP held;                 /* PEND_HOLD */
    LIST_ENTRY cancelable;     /* PEND_CANCELABLE, under the cancel spin lock */
    IO_CSQ csq;                /* PEND_CSQ ... */
    LIST_ENTRY csq_list;       /* ... its queue ... */
    KSPIN_LOCK csq_lock;       /* ... and its lock */
    volatile LONG cancel_calls; /* cancel routine / CsqCompleteCanceledIrp calls */
    KIRQL cancel_irql;          /* the IRQL the cancel routine ran at */
    KIRQL cancel_caller_irql;   /* Irp->CancelIrql it found */
};

extern struct pend_device pend;

/* Create the device (fresh state). false if out of pool. */
bool pend_create(void);
void pend_delete(void);
/* The held PEND_HOLD IRP (NULL if none), no longer held. */
PIRP pend_take(void);
/* Fill the output and complete with `status` (IO_NO_INCREMENT). */
void pend_complete(PIRP irp, NTSTATUS status);
/* How many IRPs sit on the cancelable list. */
unsigned pend_cancelable_count(void);
/* The oldest cancelable IRP taken off the list the WDK's way (cancel routine cleared under the
 * cancel spin lock); NULL if none or it is being cancelled. */
PIRP pend_cancelable_next(void);

/* A request to the device as a client sends one: IoBuildDeviceIoControlRequest with `event` and
 * `iosb`, then IoCallDriver; *irp (may be NULL) gets the IRP pointer. 8 output bytes into `out`. */
NTSTATUS pend_send(ULONG code, PKEVENT event, PIO_STATUS_BLOCK iosb, UCHAR *out, PIRP *irp);
/* Wait (generously, guest time) for the event; true if it was set. */
bool pend_wait(PKEVENT event);

#endif
