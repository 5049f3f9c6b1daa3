/* drivers/lab_share/lab_share.h - lab "share the line": what your driver offers the grader.
 *
 * Given with the lab; do not change it (the grader copies its own over yours). Your driver file
 * drivers/lab_share/lab_share.c implements it. The handout is docs/labs/share-the-line.md.
 *
 * In this lab the grader plays the PnP manager: it takes the edu device at 00:07.0 away from the
 * edu driver (io_release_pci_device / io_device_start without IO_START_DRIVER, so the device
 * keeps only its level-triggered INTx line) and calls LabShareStartDevice for it. The edu device
 * at 00:03.0 stays with drivers/edu/edu.c; both devices share one line and one vector. */
#ifndef IRQLAB_DRIVERS_LAB_SHARE_H
#define IRQLAB_DRIVERS_LAB_SHARE_H

#include <stdint.h>

#include <wdm.h>

struct lab_share_counts {
    uint64_t isr_calls;   /* the ISR was called (also when the other device is interrupting) */
    uint64_t isr_claimed; /* ... and found this device interrupting (returned TRUE) */
    uint64_t dpc_calls;   /* DpcForIsr runs */
    ULONG status_seen;    /* every interrupt-status bit a DPC has handled, OR-ed */
    KIRQL dpc_irql;       /* the IRQL the last DPC ran at */
};

/* IRQLAB_START_DEVICE / IRQLAB_STOP_DEVICE (include/wdm.h), called by the grader: StartDevice
 * gets the PDO, StopDevice the FDO StartDevice attached to it (as IRP_MN_STOP_DEVICE would). */
NTSTATUS LabShareStartDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo, PCM_RESOURCE_LIST Raw,
                             PCM_RESOURCE_LIST Translated);
VOID LabShareStopDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Fdo);

/* The FDO LabShareStartDevice made (NULL when not started). */
PDEVICE_OBJECT lab_share_device(void);
/* A consistent copy of the counts (taken under the interrupt's spin lock). */
VOID lab_share_get_counts(PDEVICE_OBJECT Device, struct lab_share_counts *Counts);
/* The interrupt object IoConnectInterruptEx returned. */
PKINTERRUPT lab_share_interrupt(PDEVICE_OBJECT Device);

#endif
