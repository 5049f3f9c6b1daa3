/* drivers/lab_isr/lab_isr.h - lab "from ISR to thread": what your driver offers the grader.
 *
 * Given with the lab; do not change it (the grader copies its own over yours). Your driver file
 * drivers/lab_isr/lab_isr.c implements it. The handout is docs/labs/from-isr-to-thread.md.
 *
 * The grader plays the PnP manager: it takes the edu device at 00:03.0 from the edu driver
 * (io_test_take, its level-triggered INTx line only: the lab boots with msi=off) and calls
 * LabIsrStartDevice for it. Then it plays an application: from threads at PASSIVE_LEVEL it sends
 * IOCTL_LAB_ISR_FACTORIAL requests to the FDO (IoBuildDeviceIoControlRequest, IoCallDriver) and
 * waits on each request's event until the driver completes it. */
#ifndef IRQLAB_DRIVERS_LAB_ISR_H
#define IRQLAB_DRIVERS_LAB_ISR_H

#include <wdm.h>

/* "Compute n!": METHOD_BUFFERED, input one ULONG n (0..LAB_ISR_MAX_N), output one ULONG, n!.
 * The device computes it and interrupts when done; the request completes then, not before. */
#define IOCTL_LAB_ISR_FACTORIAL CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define LAB_ISR_MAX_N 12 /* 13! does not fit in 32 bits */

/* IRQLAB_START_DEVICE (include/wdm.h), called by the grader. */
NTSTATUS LabIsrStartDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo, PCM_RESOURCE_LIST Raw,
                           PCM_RESOURCE_LIST Translated);

/* The FDO LabIsrStartDevice made (NULL when not started). */
PDEVICE_OBJECT lab_isr_device(void);
/* The interrupt object IoConnectInterruptEx returned. */
PKINTERRUPT lab_isr_interrupt(PDEVICE_OBJECT Device);

#endif
