/* include/parallel.h - the parallel port's internal device-control interface, named and shaped as
 * in the WDK's parallel.h (learn.microsoft.com "parallel.h", "Connecting an Interrupt Service
 * Routine to a ParallelPort", "Synchronizing the Use of a ParallelPort";
 * docs/reference/index.md).
 *
 * The port's function driver (drivers/parport/) owns the port registers and the port interrupt.
 * Client drivers (drivers/parprint/, drivers/parwatch/) open \Device\ParallelPort0 with
 * IoGetDeviceObjectPointer and send it IRP_MJ_INTERNAL_DEVICE_CONTROL requests built with
 * IoBuildDeviceIoControlRequest(..., InternalDeviceIoControl = TRUE, ...):
 *
 *   IOCTL_INTERNAL_PARALLEL_PORT_ALLOCATE    no buffers; queued while another client owns the port
 *   IOCTL_INTERNAL_PARALLEL_PORT_FREE        no buffers (the FreePort callback does the same)
 *   IOCTL_INTERNAL_GET_PARALLEL_PORT_INFO    out: PARALLEL_PORT_INFORMATION
 *   IOCTL_INTERNAL_GET_MORE_PARALLEL_PORT_INFO  out: MORE_PARALLEL_PORT_INFORMATION
 *   IOCTL_INTERNAL_RELEASE_PARALLEL_PORT_INFO   no buffers; STATUS_SUCCESS
 *   IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT    in: PARALLEL_INTERRUPT_SERVICE_ROUTINE,
 *                                                out (same buffer): PARALLEL_INTERRUPT_INFORMATION
 *   IOCTL_INTERNAL_PARALLEL_DISCONNECT_INTERRUPT in: PARALLEL_INTERRUPT_SERVICE_ROUTINE
 *
 * What each returns, the IRQL each needs and where irqlab differs from Windows: docs/parport.md.
 */
#ifndef IRQLAB_PARALLEL_H
#define IRQLAB_PARALLEL_H

#include "wdm.h"

/* The port's device name is DD_PARALLEL_PORT_BASE_NAME_U followed by the port number. */
#define DD_PARALLEL_PORT_BASE_NAME_U u"ParallelPort"
#define IRQLAB_PARALLEL_PORT0_NAME u"\\Device\\ParallelPort0" /* irqlab: the one port, spelled out */

/* irqlab: the port driver's custom target device event (TARGET_DEVICE_CUSTOM_NOTIFICATION,
 * IoReportTargetDeviceChange): "the port is going away - disconnect your ISR, free the port and
 * close now". A client registers for it with IoRegisterPlugPlayNotification
 * (EventCategoryTargetDeviceChange) on the file object it opened the port with; the port reports
 * it before it stops, and disconnects its interrupt only after every client's callback returned.
 * Windows' parport has no such event (its clients are its PnP children, removed before it). */
static const GUID GUID_IRQLAB_PARALLEL_PORT_REVOKE = {
    0xF9B916C0, 0x5104, 0x4417, {0xB0, 0xEB, 0xBE, 0xA5, 0x2C, 0xD4, 0x73, 0x15}};

#define IOCTL_INTERNAL_PARALLEL_PORT_ALLOCATE CTL_CODE(FILE_DEVICE_PARALLEL_PORT, 11, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_INTERNAL_GET_PARALLEL_PORT_INFO CTL_CODE(FILE_DEVICE_PARALLEL_PORT, 12, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT                                                                      \
    CTL_CODE(FILE_DEVICE_PARALLEL_PORT, 13, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_INTERNAL_PARALLEL_DISCONNECT_INTERRUPT                                                                   \
    CTL_CODE(FILE_DEVICE_PARALLEL_PORT, 14, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_INTERNAL_RELEASE_PARALLEL_PORT_INFO                                                                      \
    CTL_CODE(FILE_DEVICE_PARALLEL_PORT, 15, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_INTERNAL_GET_MORE_PARALLEL_PORT_INFO                                                                     \
    CTL_CODE(FILE_DEVICE_PARALLEL_PORT, 17, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_INTERNAL_PARALLEL_PORT_FREE CTL_CODE(FILE_DEVICE_PARALLEL_PORT, 40, METHOD_BUFFERED, FILE_ANY_ACCESS)

/* Callbacks the port driver hands out. Context is always the port's Context member (its FDO
 * extension). TryAllocatePort / FreePort / QueryNumWaiters: <= DISPATCH_LEVEL. The ...AtInterruptLevel
 * pair: only inside the port interrupt's critical section - a client ISR called by the port, or
 * a KeSynchronizeExecution routine on InterruptObject. None of them blocks. */
typedef BOOLEAN (*PPARALLEL_TRY_ALLOCATE_ROUTINE)(PVOID TryAllocateContext);
typedef VOID (*PPARALLEL_FREE_ROUTINE)(PVOID FreeContext);
typedef ULONG (*PPARALLEL_QUERY_WAITERS_ROUTINE)(PVOID QueryAllocsContext);
/* A client's deferred port check: called when a free leaves the port idle with nobody waiting,
 * inside the port interrupt's critical section (at its SynchronizeIrql). */
typedef VOID (*PPARALLEL_DEFERRED_ROUTINE)(PVOID DeferredContext);

/* Input of CONNECT and DISCONNECT. Either routine may be NULL (not both). The port calls
 * InterruptServiceRoutine(port InterruptObject, InterruptServiceContext) from its own ISR. */
typedef struct _PARALLEL_INTERRUPT_SERVICE_ROUTINE {
    PKSERVICE_ROUTINE InterruptServiceRoutine;
    PVOID InterruptServiceContext;
    PPARALLEL_DEFERRED_ROUTINE DeferredPortCheckRoutine;
    PVOID DeferredPortCheckContext;
} PARALLEL_INTERRUPT_SERVICE_ROUTINE, *PPARALLEL_INTERRUPT_SERVICE_ROUTINE;

/* Output of CONNECT, written over the input in the same system buffer. */
typedef struct _PARALLEL_INTERRUPT_INFORMATION {
    PKINTERRUPT InterruptObject; /* the port's: KeSynchronizeExecution with the port ISR */
    PPARALLEL_TRY_ALLOCATE_ROUTINE TryAllocatePortAtInterruptLevel;
    PPARALLEL_FREE_ROUTINE FreePortFromInterruptLevel;
    PVOID Context;
} PARALLEL_INTERRUPT_INFORMATION, *PPARALLEL_INTERRUPT_INFORMATION;

/* Output of GET_PARALLEL_PORT_INFO. */
typedef struct _PARALLEL_PORT_INFORMATION {
    PHYSICAL_ADDRESS OriginalController; /* the port's bus address (raw resources): 0x378 */
    PUCHAR Controller;                   /* what READ/WRITE_PORT_UCHAR take (translated): 0x378 */
    ULONG SpanOfController;              /* bytes of I/O space */
    PPARALLEL_TRY_ALLOCATE_ROUTINE TryAllocatePort;
    PPARALLEL_FREE_ROUTINE FreePort;
    PPARALLEL_QUERY_WAITERS_ROUTINE QueryNumWaiters;
    PVOID Context;
} PARALLEL_PORT_INFORMATION, *PPARALLEL_PORT_INFORMATION;

/* Output of GET_MORE_PARALLEL_PORT_INFO (the interrupt, from the translated resources). */
typedef struct _MORE_PARALLEL_PORT_INFORMATION {
    INTERFACE_TYPE InterfaceType;
    ULONG BusNumber;
    ULONG InterruptLevel;  /* the IRQL */
    ULONG InterruptVector; /* the IDT vector */
    KAFFINITY InterruptAffinity;
    KINTERRUPT_MODE InterruptMode;
} MORE_PARALLEL_PORT_INFORMATION, *PMORE_PARALLEL_PORT_INFORMATION;

/* The values of the WDK's parallel.h (CTL_CODE(FILE_DEVICE_PARALLEL_PORT, n, METHOD_BUFFERED,
 * FILE_ANY_ACCESS), FILE_DEVICE_PARALLEL_PORT = 0x16) and the x64 sizes. */
_Static_assert(IOCTL_INTERNAL_PARALLEL_PORT_ALLOCATE == 0x0016002C, "PORT_ALLOCATE");
_Static_assert(IOCTL_INTERNAL_GET_PARALLEL_PORT_INFO == 0x00160030, "GET_PARALLEL_PORT_INFO");
_Static_assert(IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT == 0x00160034, "CONNECT_INTERRUPT");
_Static_assert(IOCTL_INTERNAL_PARALLEL_DISCONNECT_INTERRUPT == 0x00160038, "DISCONNECT_INTERRUPT");
_Static_assert(IOCTL_INTERNAL_RELEASE_PARALLEL_PORT_INFO == 0x0016003C, "RELEASE_PARALLEL_PORT_INFO");
_Static_assert(IOCTL_INTERNAL_GET_MORE_PARALLEL_PORT_INFO == 0x00160044, "GET_MORE_PARALLEL_PORT_INFO");
_Static_assert(IOCTL_INTERNAL_PARALLEL_PORT_FREE == 0x001600A0, "PORT_FREE");
_Static_assert(sizeof(PARALLEL_INTERRUPT_SERVICE_ROUTINE) == 32, "PARALLEL_INTERRUPT_SERVICE_ROUTINE");
_Static_assert(sizeof(PARALLEL_INTERRUPT_INFORMATION) == 32, "PARALLEL_INTERRUPT_INFORMATION");
_Static_assert(sizeof(PARALLEL_PORT_INFORMATION) == 0x38, "PARALLEL_PORT_INFORMATION");
_Static_assert(offsetof(PARALLEL_PORT_INFORMATION, TryAllocatePort) == 0x18, "TryAllocatePort");
_Static_assert(sizeof(MORE_PARALLEL_PORT_INFORMATION) == 0x20, "MORE_PARALLEL_PORT_INFORMATION");

#endif
