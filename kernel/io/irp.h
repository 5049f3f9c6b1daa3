/* kernel/io/irp.h - what the rest of the kernel (device.c, tests, the shell) may ask of the IRP
 * machinery (irp.c, irp_build.c), the object-name table (object_name.c) and file objects
 * (file_object.c). Drivers use only the WDK routines in include/wdm.h's "IRPs" section. */
#ifndef IRQLAB_IO_IRP_H
#define IRQLAB_IO_IRP_H

#include <stdbool.h>
#include <stddef.h>

#include "include/wdm.h"

/* Pool tags (kernel/mm/pool.h keeps per-tag totals: tests prove requests leak nothing). */
#define IO_TAG_IRP IRQLAB_POOL_TAG("IoIr")    /* IRPs with their stack locations */
#define IO_TAG_SYSBUF IRQLAB_POOL_TAG("IoSb") /* METHOD_BUFFERED system buffers */
#define IO_TAG_FILE IRQLAB_POOL_TAG("IoFo")   /* file objects */

/* Windows' stop codes for IRP misuse (bugcodes.h). */
#include "kernel/ke/bugcheck.h"

#define IO_BUGCHECK_NO_MORE_IRP_STACK_LOCATIONS NO_MORE_IRP_STACK_LOCATIONS       /* P1 = the IRP */
#define IO_BUGCHECK_MULTIPLE_IRP_COMPLETE_REQUESTS MULTIPLE_IRP_COMPLETE_REQUESTS /* P1 = the IRP */

/* METHOD_BUFFERED system buffers (irp.c). The sender's output length is kept in front of the
 * data, so completion never copies back more than the sender's buffer holds. Zeroed; NULL if out
 * of pool. Freed by completion (IRP_DEALLOCATE_BUFFER). */
PVOID io_system_buffer_alloc(ULONG size, ULONG output_length);

/* IRPs allocated and not yet freed (all senders). */
unsigned io_irps_outstanding(void);

/* An IRP for a request without parameters (IRP_MJ_CREATE, _CLEANUP, _CLOSE) to `target`, for
 * `file`, whose final status lands in *iosb. The I/O manager frees it when it completes. */
PIRP io_build_simple_irp(UCHAR major, PDEVICE_OBJECT target, PFILE_OBJECT file, PIO_STATUS_BLOCK iosb);

/* ---- object names (object_name.c) ---- */
#define IO_MAX_NAMES 32
#define IO_NAME_MAX 64 /* WCHARs, without a terminator */
/* Enter `device` under `name` (IoCreateDevice). STATUS_OBJECT_NAME_INVALID if the name is empty,
 * too long or does not start with '\', STATUS_OBJECT_NAME_COLLISION if it is taken,
 * STATUS_INSUFFICIENT_RESOURCES if the table is full. Names compare case-insensitively (ASCII),
 * as the object manager's \Device directory does. */
NTSTATUS io_name_insert(const UNICODE_STRING *name, PDEVICE_OBJECT device);
void io_name_remove(PDEVICE_OBJECT device); /* IoDeleteDevice; no-op for unnamed devices */
PDEVICE_OBJECT io_name_lookup(const UNICODE_STRING *name);
/* The device's name in ASCII ("\Device\ParallelPort0"), or false if it has none. */
bool io_name_of(PDEVICE_OBJECT device, char *buf, size_t size);
unsigned io_name_count(void);

/* ---- deleting referenced devices (file_object.c) ---- */
/* IoDeleteDevice asks: if the device is still referenced (an open file object, a reference from
 * IoGetAttachedDeviceReference), it is remembered and freed with its last reference; returns
 * true then. */
bool io_device_delete_deferred(PDEVICE_OBJECT device);
/* File objects open (IoGetDeviceObjectPointer) and not yet closed. */
unsigned io_files_open(void);

#endif
