/* drivers/edu/edu.h - what the edu driver offers the rest of the kernel (tests, the shell).
 *
 * QEMU's edu device (QEMU docs/specs/edu.txt; QEMU 7.2 hw/misc/edu.c) is a teaching
 * device: writing bits to its "raise" register makes it interrupt, as if it had finished some
 * work. edu_raise() does that; the counts show what the ISR and the DPC did about it. */
#ifndef IRQLAB_DRIVERS_EDU_H
#define IRQLAB_DRIVERS_EDU_H

#include <stdint.h>

#include <wdm.h>

#define EDU_MAX_DEVICES 8

struct edu_counts {
    uint64_t isr_calls;    /* the ISR was called (on a shared line also for the other device) */
    uint64_t isr_claimed;  /* ... and found this edu interrupting (returned TRUE) */
    uint64_t dpc_calls;    /* DpcForIsr runs (several ISR calls may share one) */
    ULONG status_seen;     /* every interrupt-status bit the DPC has handled, OR-ed */
    ULONG last_message_id; /* MessageID of the last message ISR call */
    ULONG last_cpu;        /* processor the ISR last claimed an interrupt on */
    KIRQL last_irql;       /* the IRQL the ISR last ran at: PASSIVE_LEVEL in passive mode */
};

/* The edu devices the driver started, by slot: slot n keeps its device across stop and start. */
PDEVICE_OBJECT edu_device(unsigned slot); /* the driver's FDO, or NULL */
/* Make the device interrupt: set `value`'s bits in its interrupt status (value != 0). */
NTSTATUS edu_raise(PDEVICE_OBJECT device, ULONG value);
/* A consistent copy of the counts (taken under the interrupt's spin lock). */
VOID edu_get_counts(PDEVICE_OBJECT device, struct edu_counts *counts);
/* How the driver connected: CONNECT_MESSAGE_BASED, or CONNECT_LINE_BASED after the fallback. */
ULONG edu_connection_version(PDEVICE_OBJECT device);
/* The interrupt object the driver synchronizes with (message 0's, or the line's). */
PKINTERRUPT edu_interrupt(PDEVICE_OBJECT device);
/* Passive mode (`edu_passive=on`, or this call, for devices started afterwards): the driver
 * connects a passive-level ISR (CONNECT_FULLY_SPECIFIED, Irql = SynchronizeIrql = PASSIVE_LEVEL)
 * to the device's first interrupt - its MSI message (edge) or, with msi=off, its INTx line
 * (level) - and does the DPC's work in the ISR. mode: 1 on, 0 off, -1 as the command line says. */
VOID edu_set_passive_mode(int mode);
/* Work in flight, as an open handle with a transfer would be: while held, the driver refuses
 * IRP_MN_QUERY_STOP_DEVICE and IRP_MN_QUERY_REMOVE_DEVICE with STATUS_DEVICE_BUSY, so `devices
 * stop` / `devices remove` / `drivers unload` are cancelled (CANCEL_STOP / CANCEL_REMOVE). */
VOID edu_hold(PDEVICE_OBJECT device, BOOLEAN hold);
BOOLEAN edu_is_passive(PDEVICE_OBJECT device);

#endif
