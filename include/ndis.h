/* include/ndis.h - the NDIS 6 miniport API of irqlab, named and shaped as in the WDK's ndis.h.
 *
 * A network miniport driver includes this header (it includes wdm.h). What is here:
 *   - NDIS_STATUS values, NDIS_OBJECT_HEADER and the object types/revisions NDIS checks;
 *   - registering a miniport driver (NdisMRegisterMiniportDriver) and the two adapter
 *     callbacks irqlab calls: MiniportInitializeEx and MiniportHaltEx;
 *   - NdisMSetMiniportAttributes with NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES;
 *   - the NDIS 6 interrupt API: NdisMRegisterInterruptEx / NdisMDeregisterInterruptEx,
 *     NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS and its eight handlers, NdisMSynchronizeWithInterruptEx,
 *     NdisMQueueDpc / NdisMQueueDpcEx;
 *   - NDIS I/O work items: NdisAllocateIoWorkItem, NdisQueueIoWorkItem, NdisFreeIoWorkItem;
 *   - timer objects: NdisAllocateTimerObject, NdisSetTimerObject, NdisCancelTimerObject, NdisFreeTimerObject;
 *   - memory and bus helpers a hardware miniport needs: NdisMAllocateSharedMemory (DMA),
 *     NdisAllocateMemoryWithTagPriority, NdisMMapIoSpace, NdisMGetBusData, NdisStallExecution.
 *
 * Names, values and x64 layouts are the WDK's (learn.microsoft.com "ndis.h" reference pages;
 * one page each in docs/reference/index.md); the static asserts at the end check
 * every offset a driver could depend on. What irqlab does where the WDK is silent, and where it
 * differs (no NET_BUFFER_LISTs: frames go through kernel/net/netif.h), is in docs/ndis.md.
 * irqlab additions are marked "irqlab:".
 */
#ifndef IRQLAB_NDIS_H
#define IRQLAB_NDIS_H

#include "wdm.h"

/* ---- Basic types ---- */
typedef NTSTATUS NDIS_STATUS, *PNDIS_STATUS; /* NDIS 6: the same space as NTSTATUS */
typedef PVOID NDIS_HANDLE, *PNDIS_HANDLE;
typedef PHYSICAL_ADDRESS NDIS_PHYSICAL_ADDRESS, *PNDIS_PHYSICAL_ADDRESS;
typedef CM_PARTIAL_RESOURCE_LIST NDIS_RESOURCE_LIST, *PNDIS_RESOURCE_LIST;
typedef unsigned int UINT, *PUINT;

/* ---- NDIS_STATUS values (WDK ndis.h; the first five alias NTSTATUS values) ---- */
#define NDIS_STATUS_SUCCESS ((NDIS_STATUS)STATUS_SUCCESS)
#define NDIS_STATUS_PENDING ((NDIS_STATUS)STATUS_PENDING)
#define NDIS_STATUS_FAILURE ((NDIS_STATUS)STATUS_UNSUCCESSFUL)
#define NDIS_STATUS_RESOURCES ((NDIS_STATUS)STATUS_INSUFFICIENT_RESOURCES)
#define NDIS_STATUS_NOT_SUPPORTED ((NDIS_STATUS)STATUS_NOT_SUPPORTED)
#define NDIS_STATUS_INVALID_PARAMETER ((NDIS_STATUS)STATUS_INVALID_PARAMETER)
#define NDIS_STATUS_INVALID_DEVICE_REQUEST ((NDIS_STATUS)STATUS_INVALID_DEVICE_REQUEST)
#define NDIS_STATUS_CLOSING ((NDIS_STATUS)0xC0010002L)
#define NDIS_STATUS_BAD_VERSION ((NDIS_STATUS)0xC0010004L)
#define NDIS_STATUS_BAD_CHARACTERISTICS ((NDIS_STATUS)0xC0010005L)
#define NDIS_STATUS_ADAPTER_NOT_FOUND ((NDIS_STATUS)0xC0010006L)
#define NDIS_STATUS_DEVICE_FAILED ((NDIS_STATUS)0xC0010008L)
#define NDIS_STATUS_RESOURCE_CONFLICT ((NDIS_STATUS)0xC001001EL)

#define NDIS_SUCCESS(Status) NT_SUCCESS(Status)

/* ---- NDIS_OBJECT_HEADER: every NDIS 6 structure starts with one, and NDIS checks it ---- */
typedef struct _NDIS_OBJECT_HEADER {
    UCHAR Type;     /* NDIS_OBJECT_TYPE_* */
    UCHAR Revision; /* the structure's *_REVISION_n */
    USHORT Size;    /* NDIS_SIZEOF_*_REVISION_n or more */
} NDIS_OBJECT_HEADER, *PNDIS_OBJECT_HEADER;

#define NDIS_OBJECT_TYPE_DEFAULT 0x80
#define NDIS_OBJECT_TYPE_MINIPORT_INIT_PARAMETERS 0x81
#define NDIS_OBJECT_TYPE_MINIPORT_INTERRUPT 0x84
#define NDIS_OBJECT_TYPE_MINIPORT_DRIVER_CHARACTERISTICS 0x8A
#define NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES 0x9E
#define NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES 0x9F

/* ---- Interface and halt types ---- */
typedef enum _NDIS_INTERFACE_TYPE {
    NdisInterfaceInternal = Internal,
    NdisInterfaceIsa = Isa,
    NdisInterfacePci = PCIBus,
    NdisInterfacePNPBus = PNPBus,
} NDIS_INTERFACE_TYPE,
    *PNDIS_INTERFACE_TYPE;

/* Why MiniportHaltEx is called. irqlab has one reason so far: io_device_stop (a test, a restart,
 * a driver being taken away) passes NdisHaltDeviceStopped. */
typedef enum _NDIS_HALT_ACTION {
    NdisHaltDeviceDisabled = 0,
    NdisHaltDeviceInstanceDeInitialized,
    NdisHaltDevicePoweredDown,
    NdisHaltDeviceSurpriseRemoved,
    NdisHaltDeviceFailed,
    NdisHaltDeviceInitializationFailed,
    NdisHaltDeviceStopped,
} NDIS_HALT_ACTION,
    *PNDIS_HALT_ACTION;

/* ---- MiniportInitializeEx's parameters (NDIS_MINIPORT_INIT_PARAMETERS, x64 size 0x40) ---- */
typedef union _NET_LUID_LH {
    ULONG64 Value;
    struct {
        ULONG64 Reserved : 24;
        ULONG64 NetLuidIndex : 24;
        ULONG64 IfType : 16;
    } Info;
} NET_LUID_LH, NET_LUID, *PNET_LUID;
typedef ULONG NET_IFINDEX;
struct _NDIS_PORT_AUTHENTICATION_PARAMETERS; /* irqlab: always NULL */
struct _NDIS_PCI_DEVICE_CUSTOM_PROPERTIES;   /* irqlab: always NULL (use NdisMGetBusData) */

#define NDIS_MINIPORT_INIT_PARAMETERS_REVISION_1 1

typedef struct _NDIS_MINIPORT_INIT_PARAMETERS {
    NDIS_OBJECT_HEADER Header;
    ULONG Flags;
    PNDIS_RESOURCE_LIST AllocatedResources; /* the *translated* partial list of IRP_MN_START_DEVICE */
    NDIS_HANDLE IMDeviceInstanceContext;    /* intermediate drivers only: NULL */
    NDIS_HANDLE MiniportAddDeviceContext;   /* irqlab: NULL (no MiniportAddDevice) */
    NET_IFINDEX IfIndex;                    /* irqlab: 1 + the adapter's slot */
    NET_LUID NetLuid;
    struct _NDIS_PORT_AUTHENTICATION_PARAMETERS *DefaultPortAuthStates;
    struct _NDIS_PCI_DEVICE_CUSTOM_PROPERTIES *PciDeviceCustomProperties;
} NDIS_MINIPORT_INIT_PARAMETERS, *PNDIS_MINIPORT_INIT_PARAMETERS;

#define NDIS_SIZEOF_MINIPORT_INIT_PARAMETERS_REVISION_1                                                                \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_MINIPORT_INIT_PARAMETERS, DefaultPortAuthStates)

/* ---- Miniport driver callbacks ---- */
typedef NDIS_STATUS MINIPORT_INITIALIZE(NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE MiniportDriverContext,
                                        PNDIS_MINIPORT_INIT_PARAMETERS MiniportInitParameters);
typedef MINIPORT_INITIALIZE *MINIPORT_INITIALIZE_HANDLER;
typedef VOID MINIPORT_HALT(NDIS_HANDLE MiniportAdapterContext, NDIS_HALT_ACTION HaltAction);
typedef MINIPORT_HALT *MINIPORT_HALT_HANDLER;
typedef VOID MINIPORT_UNLOAD(struct _DRIVER_OBJECT *DriverObject);
typedef MINIPORT_UNLOAD *MINIPORT_DRIVER_UNLOAD;
typedef NDIS_STATUS SET_OPTIONS(NDIS_HANDLE NdisDriverHandle, NDIS_HANDLE DriverContext);
typedef SET_OPTIONS *SET_OPTIONS_HANDLER;

/* The DriverEntry prototype (WDK wdm.h DRIVER_INITIALIZE). */
typedef NTSTATUS DRIVER_INITIALIZE(struct _DRIVER_OBJECT *DriverObject, PUNICODE_STRING RegistryPath);
typedef DRIVER_INITIALIZE *PDRIVER_INITIALIZE;

#define NDIS_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_1 1 /* NDIS 6.0 */
#define NDIS_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2 2 /* NDIS 6.1: + DirectOidRequestHandler */

/* irqlab calls InitializeHandlerEx (required), HaltHandlerEx (required), SetOptionsHandler
 * (optional, once, from NdisMRegisterMiniportDriver) and UnloadHandler (optional). The members
 * typed PVOID belong to the NET_BUFFER_LIST data path and OID requests, which irqlab does not
 * have (frames go through kernel/net/netif.h): they keep the WDK layout and are never called. */
typedef struct _NDIS_MINIPORT_DRIVER_CHARACTERISTICS {
    NDIS_OBJECT_HEADER Header;
    UCHAR MajorNdisVersion; /* 6 */
    UCHAR MinorNdisVersion; /* 0, 1, 20, ... */
    UCHAR MajorDriverVersion;
    UCHAR MinorDriverVersion;
    ULONG Flags;
    SET_OPTIONS_HANDLER SetOptionsHandler;
    MINIPORT_INITIALIZE_HANDLER InitializeHandlerEx;
    MINIPORT_HALT_HANDLER HaltHandlerEx;
    MINIPORT_DRIVER_UNLOAD UnloadHandler;
    PVOID PauseHandler;
    PVOID RestartHandler;
    PVOID OidRequestHandler;
    PVOID SendNetBufferListsHandler;
    PVOID ReturnNetBufferListsHandler;
    PVOID CancelSendHandler;
    PVOID CheckForHangHandlerEx;
    PVOID ResetHandlerEx;
    PVOID DevicePnPEventNotifyHandler;
    PVOID ShutdownHandlerEx;
    PVOID CancelOidRequestHandler;
    PVOID DirectOidRequestHandler;       /* revision 2 */
    PVOID CancelDirectOidRequestHandler; /* revision 2 */
} NDIS_MINIPORT_DRIVER_CHARACTERISTICS, *PNDIS_MINIPORT_DRIVER_CHARACTERISTICS;

#define NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_1                                                         \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_MINIPORT_DRIVER_CHARACTERISTICS, CancelOidRequestHandler)
#define NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2                                                         \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_MINIPORT_DRIVER_CHARACTERISTICS, CancelDirectOidRequestHandler)

/* From DriverEntry, PASSIVE_LEVEL. NDIS_STATUS_SUCCESS; NDIS_STATUS_BAD_CHARACTERISTICS (header,
 * size or a required handler wrong); NDIS_STATUS_BAD_VERSION (MajorNdisVersion != 6);
 * NDIS_STATUS_RESOURCES; NDIS_STATUS_INVALID_PARAMETER (NULL pointers, or this driver object
 * already registered). */
NDIS_STATUS NdisMRegisterMiniportDriver(struct _DRIVER_OBJECT *DriverObject, PUNICODE_STRING RegistryPath,
                                        NDIS_HANDLE MiniportDriverContext,
                                        PNDIS_MINIPORT_DRIVER_CHARACTERISTICS MiniportDriverCharacteristics,
                                        PNDIS_HANDLE NdisMiniportDriverHandle);
VOID NdisMDeregisterMiniportDriver(NDIS_HANDLE NdisMiniportDriverHandle);

/* ---- Adapter attributes (only the registration attributes: the context NDIS passes back) ---- */
#define NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1 1

#define NDIS_MINIPORT_ATTRIBUTES_HARDWARE_DEVICE 0x00000001
#define NDIS_MINIPORT_ATTRIBUTES_NDIS_WDM 0x00000002
#define NDIS_MINIPORT_ATTRIBUTES_SURPRISE_REMOVE_OK 0x00000004
#define NDIS_MINIPORT_ATTRIBUTES_NOT_CO_NDIS 0x00000008
#define NDIS_MINIPORT_ATTRIBUTES_DO_NOT_BIND_TO_ALL_CO 0x00000010
#define NDIS_MINIPORT_ATTRIBUTES_NO_HALT_ON_SUSPEND 0x00000020
#define NDIS_MINIPORT_ATTRIBUTES_BUS_MASTER 0x00000040
#define NDIS_MINIPORT_ATTRIBUTES_CONTROLS_DEFAULT_PORT 0x00000080

typedef struct _NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES {
    NDIS_OBJECT_HEADER Header;
    NDIS_HANDLE MiniportAdapterContext; /* what every Miniport* callback gets back */
    ULONG AttributeFlags;               /* NDIS_MINIPORT_ATTRIBUTES_* */
    UINT CheckForHangTimeInSeconds;     /* irqlab: kept, no hang checks */
    NDIS_INTERFACE_TYPE InterfaceType;
} NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES, *PNDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES;

#define NDIS_SIZEOF_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1                                                \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES, InterfaceType)

/* The WDK's union holds more attribute kinds (general, offload, ...); irqlab has only this one. */
typedef union _NDIS_MINIPORT_ADAPTER_ATTRIBUTES {
    NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES RegistrationAttributes;
} NDIS_MINIPORT_ADAPTER_ATTRIBUTES, *PNDIS_MINIPORT_ADAPTER_ATTRIBUTES;

/* From MiniportInitializeEx, PASSIVE_LEVEL; the registration attributes must come first.
 * NDIS_STATUS_SUCCESS; NDIS_STATUS_INVALID_PARAMETER (bad header, NULL context, another type
 * first); NDIS_STATUS_INVALID_DEVICE_REQUEST (outside MiniportInitializeEx, or a second time);
 * NDIS_STATUS_NOT_SUPPORTED (an attribute type irqlab does not have). */
NDIS_STATUS NdisMSetMiniportAttributes(NDIS_HANDLE NdisMiniportAdapterHandle,
                                       PNDIS_MINIPORT_ADAPTER_ATTRIBUTES MiniportAttributes);

/* ==== Interrupts (drivers/ndis/ndis_interrupt.c, ndis_dpc.c) ==================================== */
typedef enum _NDIS_INTERRUPT_TYPE {
    NDIS_CONNECT_LINE_BASED = 1,
    NDIS_CONNECT_MESSAGE_BASED = 2,
} NDIS_INTERRUPT_TYPE,
    *PNDIS_INTERRUPT_TYPE;

#define NDIS_MINIPORT_INTERRUPT_REVISION_1 1

/* The DPC's throttle (NDIS 6.20): indicate at most MaxNblsToIndicate frames, and set
 * MoreNblsPending if more are waiting - NDIS then calls the DPC again. */
typedef struct _NDIS_RECEIVE_THROTTLE_PARAMETERS {
    ULONG MaxNblsToIndicate;
    ULONG MoreNblsPending : 1;
} NDIS_RECEIVE_THROTTLE_PARAMETERS, *PNDIS_RECEIVE_THROTTLE_PARAMETERS;
#define NDIS_INDICATE_ALL_NBLS (~0ul)

/* Line-based: the ISR (DIRQL) says whether the NIC interrupted (the return value) and, separately,
 * which DPCs to queue: *QueueDefaultInterruptDpc = TRUE -> one on this CPU; else one on each CPU
 * whose bit is set in *TargetProcessors (0 = none). NDIS queues them whatever the return value. */
typedef BOOLEAN MINIPORT_ISR(NDIS_HANDLE MiniportInterruptContext, PBOOLEAN QueueDefaultInterruptDpc,
                             PULONG TargetProcessors);
typedef MINIPORT_ISR *MINIPORT_ISR_HANDLER;
typedef VOID MINIPORT_INTERRUPT_DPC(NDIS_HANDLE MiniportInterruptContext, PVOID MiniportDpcContext,
                                    PVOID ReceiveThrottleParameters, PVOID NdisReserved2);
typedef MINIPORT_INTERRUPT_DPC *MINIPORT_INTERRUPT_DPC_HANDLER;
typedef VOID MINIPORT_DISABLE_INTERRUPT(NDIS_HANDLE MiniportInterruptContext);
typedef MINIPORT_DISABLE_INTERRUPT *MINIPORT_DISABLE_INTERRUPT_HANDLER;
typedef VOID MINIPORT_ENABLE_INTERRUPT(NDIS_HANDLE MiniportInterruptContext);
typedef MINIPORT_ENABLE_INTERRUPT *MINIPORT_ENABLE_INTERRUPT_HANDLER;

/* Message-based (MSI / MSI-X): the same, per MessageId (the index into MessageInfoTable). */
typedef BOOLEAN MINIPORT_MESSAGE_INTERRUPT(NDIS_HANDLE MiniportInterruptContext, ULONG MessageId,
                                           PBOOLEAN QueueDefaultInterruptDpc, PULONG TargetProcessors);
typedef MINIPORT_MESSAGE_INTERRUPT *MINIPORT_MSI_ISR_HANDLER;
typedef VOID MINIPORT_MESSAGE_INTERRUPT_DPC(NDIS_HANDLE MiniportInterruptContext, ULONG MessageId,
                                            PVOID MiniportDpcContext, PVOID ReceiveThrottleParameters,
                                            PVOID NdisReserved2);
typedef MINIPORT_MESSAGE_INTERRUPT_DPC *MINIPORT_MSI_INTERRUPT_DPC_HANDLER;
typedef VOID MINIPORT_DISABLE_MESSAGE_INTERRUPT(NDIS_HANDLE MiniportInterruptContext, ULONG MessageId);
typedef MINIPORT_DISABLE_MESSAGE_INTERRUPT *MINIPORT_DISABLE_MSI_INTERRUPT_HANDLER;
typedef VOID MINIPORT_ENABLE_MESSAGE_INTERRUPT(NDIS_HANDLE MiniportInterruptContext, ULONG MessageId);
typedef MINIPORT_ENABLE_MESSAGE_INTERRUPT *MINIPORT_ENABLE_MSI_INTERRUPT_HANDLER;

/* What NdisMSynchronizeWithInterruptEx runs at the interrupt's DIRQL, holding its lock. */
typedef BOOLEAN MINIPORT_SYNCHRONIZE_INTERRUPT(NDIS_HANDLE SynchronizeContext);
typedef MINIPORT_SYNCHRONIZE_INTERRUPT *MINIPORT_SYNCHRONIZE_INTERRUPT_HANDLER;
typedef MINIPORT_SYNCHRONIZE_INTERRUPT MINIPORT_SYNCHRONIZE_MESSAGE_INTERRUPT;
typedef MINIPORT_SYNCHRONIZE_MESSAGE_INTERRUPT *MINIPORT_SYNCHRONIZE_MSI_INTERRUPT_HANDLER;

typedef struct _NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS {
    NDIS_OBJECT_HEADER Header;                                             /* in: 0x84, revision 1, size */
    MINIPORT_ISR_HANDLER InterruptHandler;                                 /* in, required */
    MINIPORT_INTERRUPT_DPC_HANDLER InterruptDpcHandler;                    /* in, required */
    MINIPORT_DISABLE_INTERRUPT_HANDLER DisableInterruptHandler;            /* in, required */
    MINIPORT_ENABLE_INTERRUPT_HANDLER EnableInterruptHandler;              /* in, required */
    BOOLEAN MsiSupported;                                                  /* in */
    BOOLEAN MsiSyncWithAllMessages;                                        /* in: one lock for all messages */
    MINIPORT_MSI_ISR_HANDLER MessageInterruptHandler;                      /* in, required if MsiSupported */
    MINIPORT_MSI_INTERRUPT_DPC_HANDLER MessageInterruptDpcHandler;         /* in, required if MsiSupported */
    MINIPORT_DISABLE_MSI_INTERRUPT_HANDLER DisableMessageInterruptHandler; /* in, ... */
    MINIPORT_ENABLE_MSI_INTERRUPT_HANDLER EnableMessageInterruptHandler;   /* in, ... */
    NDIS_INTERRUPT_TYPE InterruptType;                                     /* out */
    PIO_INTERRUPT_MESSAGE_INFO MessageInfoTable;                           /* out: NULL for line-based */
} NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS, *PNDIS_MINIPORT_INTERRUPT_CHARACTERISTICS;

#define NDIS_SIZEOF_MINIPORT_INTERRUPT_CHARACTERISTICS_REVISION_1                                                      \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS, MessageInfoTable)

/* From MiniportInitializeEx, after NdisMSetMiniportAttributes, PASSIVE_LEVEL (above it:
 * bugcheck 0xA as IoConnectInterruptEx). Built on IoConnectInterruptEx: MESSAGE_BASED with a
 * line fallback when MsiSupported, else LINE_BASED. The ISR may run before this returns.
 * NDIS_STATUS_SUCCESS (InterruptType and MessageInfoTable written); NDIS_STATUS_INVALID_PARAMETER
 * (NULL pointers, bad header, missing handler); NDIS_STATUS_INVALID_DEVICE_REQUEST (not in
 * MiniportInitializeEx, attributes not set, already registered); NDIS_STATUS_RESOURCES; or the
 * IoConnectInterruptEx status (e.g. STATUS_NOT_FOUND: the device has no interrupt). */
NDIS_STATUS NdisMRegisterInterruptEx(NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE MiniportInterruptContext,
                                     PNDIS_MINIPORT_INTERRUPT_CHARACTERISTICS MiniportInterruptCharacteristics,
                                     PNDIS_HANDLE NdisInterruptHandle);
/* Only from MiniportInitializeEx (its failure path) or MiniportHaltEx, PASSIVE_LEVEL; anything
 * else is bugcheck BUGCODE_NDIS_DRIVER (docs/ndis.md). On return neither the ISR nor a DPC of
 * this interrupt runs or will run, and the handle is invalid. */
VOID NdisMDeregisterInterruptEx(NDIS_HANDLE NdisInterruptHandle);
/* IRQL <= the interrupt's DIRQL. MessageId picks the message's lock and IRQL (ignored for
 * line-based, and when MsiSyncWithAllMessages made one lock for all). Returns the function's
 * value. */
BOOLEAN NdisMSynchronizeWithInterruptEx(NDIS_HANDLE NdisInterruptHandle, ULONG MessageId,
                                        MINIPORT_SYNCHRONIZE_INTERRUPT_HANDLER SynchronizeFunction,
                                        PVOID SynchronizeContext);
/* Queue the (message's) interrupt DPC on each CPU in TargetProcessors (group 0 only); returns the
 * CPUs where it was newly queued (one already pending on a CPU is not queued twice). Any IRQL. */
KAFFINITY NdisMQueueDpcEx(NDIS_HANDLE NdisInterruptHandle, ULONG MessageId, PGROUP_AFFINITY TargetProcessors,
                          PVOID MiniportDpcContext);
ULONG NdisMQueueDpc(NDIS_HANDLE NdisInterruptHandle, ULONG MessageId, ULONG TargetProcessors, PVOID MiniportDpcContext);

/* ==== Work items (drivers/ndis/ndis_work_item.c) ================================================ *
 * PASSIVE_LEVEL work from a DPC: NDIS's wrapper over IoQueueWorkItem on the adapter's device
 * object (docs/scheduling.md "Work items and threaded DPCs"). All three at IRQL <= DISPATCH_LEVEL. */
typedef VOID NDIS_IO_WORKITEM_FUNCTION(PVOID WorkItemContext, NDIS_HANDLE NdisIoWorkItemHandle);
typedef NDIS_IO_WORKITEM_FUNCTION *NDIS_IO_WORKITEM_ROUTINE;
/* NdisObjectHandle: the MiniportAdapterHandle (irqlab has no filter or protocol drivers). NULL
 * when out of memory. */
NDIS_HANDLE NdisAllocateIoWorkItem(NDIS_HANDLE NdisObjectHandle);
/* The routine runs once, at PASSIVE_LEVEL in a system worker thread, as
 * Routine(WorkItemContext, NdisIoWorkItemHandle); it may free the item or queue it again. */
VOID NdisQueueIoWorkItem(NDIS_HANDLE NdisIoWorkItemHandle, NDIS_IO_WORKITEM_ROUTINE Routine, PVOID WorkItemContext);
/* Not while queued (0xE4 WORKER_INVALID, P1 = 2). */
VOID NdisFreeIoWorkItem(NDIS_HANDLE NdisIoWorkItemHandle);

/* ==== Timer objects (drivers/ndis/ndis_timer.c) ================================================== *
 * A one-shot or periodic timer whose callback runs as a DPC (DISPATCH_LEVEL): NDIS 6's replacement
 * for NdisMInitializeTimer. A miniport uses one for what interrupts do not tell it - a link
 * watchdog, a hang check. Built on a KTIMER and a KDPC (learn.microsoft.com "NDIS Timer Functions"). */
#define NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS 0x97
#define NDIS_TIMER_CHARACTERISTICS_REVISION_1 1

/* NetTimerCallback: SystemSpecific1..3 are NDIS's (irqlab: the KDPC and the DPC's two system
 * arguments, the expiry's interrupt time low/high); FunctionContext is NdisSetTimerObject's, or the
 * characteristics' when that was NULL. DISPATCH_LEVEL. */
typedef VOID NDIS_TIMER_FUNCTION(PVOID SystemSpecific1, PVOID FunctionContext, PVOID SystemSpecific2,
                                 PVOID SystemSpecific3);
typedef NDIS_TIMER_FUNCTION *PNDIS_TIMER_FUNCTION;

typedef struct _NDIS_TIMER_CHARACTERISTICS {
    NDIS_OBJECT_HEADER Header;
    ULONG AllocationTag;
    PNDIS_TIMER_FUNCTION TimerFunction;
    PVOID FunctionContext;
} NDIS_TIMER_CHARACTERISTICS, *PNDIS_TIMER_CHARACTERISTICS;
#define NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1                                                                   \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_TIMER_CHARACTERISTICS, FunctionContext)

/* IRQL <= DISPATCH_LEVEL. NdisHandle: the miniport's driver or adapter handle. The timer is not set.
 * NDIS_STATUS_SUCCESS; NDIS_STATUS_INVALID_PARAMETER (header, no TimerFunction);
 * NDIS_STATUS_RESOURCES. */
NDIS_STATUS NdisAllocateTimerObject(NDIS_HANDLE NdisHandle, PNDIS_TIMER_CHARACTERISTICS TimerCharacteristics,
                                    PNDIS_HANDLE pTimerObject);
/* IRQL <= DISPATCH_LEVEL. (Re)sets it: the callback runs once at DueTime (100 ns units, negative =
 * relative; never early), then every MillisecondsPeriod ms if that is > 0. TRUE if it was already
 * set. */
BOOLEAN NdisSetTimerObject(NDIS_HANDLE TimerObject, LARGE_INTEGER DueTime, LONG MillisecondsPeriod,
                           PVOID FunctionContext);
/* IRQL <= DISPATCH_LEVEL; PASSIVE_LEVEL for a periodic timer. Dequeues it (and a callback queued
 * but not started). TRUE if it was set. At PASSIVE_LEVEL it also waits, as KeFlushQueuedDpcs, until
 * a callback already running has returned: afterwards none runs any more. */
BOOLEAN NdisCancelTimerObject(NDIS_HANDLE TimerObject);
/* PASSIVE_LEVEL. Cancels it as NdisCancelTimerObject, then frees it. */
VOID NdisFreeTimerObject(NDIS_HANDLE TimerObject);

/* ==== Memory, registers, bus (drivers/ndis/ndis_memory.c) ======================================= */
typedef enum _EX_POOL_PRIORITY {
    LowPoolPriority = 0,
    NormalPoolPriority = 16,
    HighPoolPriority = 32,
} EX_POOL_PRIORITY;

/* Non-paged, zeroed; NULL when out of memory. NdisFreeMemory's flags must be 0. */
PVOID NdisAllocateMemoryWithTagPriority(NDIS_HANDLE NdisHandle, UINT Length, ULONG Tag, EX_POOL_PRIORITY Priority);
VOID NdisFreeMemory(PVOID VirtualAddress, UINT Length, UINT MemoryFlags);

/* DMA memory the NIC can reach: physically contiguous, below 4 GiB, zeroed, page aligned.
 * PASSIVE_LEVEL (above it: BUGCODE_NDIS_DRIVER 0x1, as Windows). *VirtualAddress is NULL on
 * failure. Free with the same Length and addresses (a mismatch: BUGCODE_NDIS_DRIVER 0x3). */
VOID NdisMAllocateSharedMemory(NDIS_HANDLE MiniportAdapterHandle, ULONG Length, BOOLEAN Cached, PVOID *VirtualAddress,
                               PNDIS_PHYSICAL_ADDRESS PhysicalAddress);
VOID NdisMFreeSharedMemory(NDIS_HANDLE MiniportAdapterHandle, ULONG Length, BOOLEAN Cached, PVOID VirtualAddress,
                           NDIS_PHYSICAL_ADDRESS PhysicalAddress);

/* Map a memory BAR from AllocatedResources (uncached). NDIS_STATUS_SUCCESS or NDIS_STATUS_RESOURCES. */
NDIS_STATUS NdisMMapIoSpace(PVOID *VirtualAddress, NDIS_HANDLE MiniportAdapterHandle,
                            NDIS_PHYSICAL_ADDRESS PhysicalAddress, UINT Length);
VOID NdisMUnmapIoSpace(NDIS_HANDLE MiniportAdapterHandle, PVOID VirtualAddress, UINT Length);

/* Read the adapter's PCI configuration space (WhichSpace = PCI_WHICHSPACE_CONFIG); returns the
 * bytes read (0 for anything else). */
#define PCI_WHICHSPACE_CONFIG 0x0
ULONG NdisMGetBusData(NDIS_HANDLE NdisMiniportHandle, ULONG WhichSpace, ULONG Offset, PVOID Buffer, ULONG Length);

/* ---- Configuration: the miniport's keywords (NdisOpenConfigurationEx, NdisReadConfiguration) ----
 * learn.microsoft.com: "NdisOpenConfigurationEx function (ndis.h)", "NdisReadConfiguration
 * function (ndis.h)", "NDIS_CONFIGURATION_PARAMETER structure", "NDIS_CONFIGURATION_OBJECT".
 * Open with the MiniportAdapterHandle in MiniportInitializeEx (PASSIVE_LEVEL), read keywords,
 * close; what NdisReadConfiguration returns belongs to the configuration handle and is freed
 * by NdisCloseConfiguration. The values are the adapter's driver-key values: in irqlab
 * `<driver>.<Keyword>=<data>` on the kernel command line (docs/configuration.md). */
typedef UNICODE_STRING NDIS_STRING, *PNDIS_STRING;
#define NDIS_STRING_CONST(x) RTL_CONSTANT_STRING(L##x)

#define NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT 0xA9
#define NDIS_CONFIGURATION_OBJECT_REVISION_1 1

typedef struct _NDIS_CONFIGURATION_OBJECT {
    NDIS_OBJECT_HEADER Header; /* NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT, revision 1 */
    NDIS_HANDLE NdisHandle;    /* the MiniportAdapterHandle */
    ULONG Flags;               /* 0 */
} NDIS_CONFIGURATION_OBJECT, *PNDIS_CONFIGURATION_OBJECT;
#define NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1 RTL_SIZEOF_THROUGH_FIELD(NDIS_CONFIGURATION_OBJECT, Flags)

typedef enum _NDIS_PARAMETER_TYPE {
    NdisParameterInteger = 0,
    NdisParameterHexInteger = 1,
    NdisParameterString = 2,
    NdisParameterMultiString = 3,
    NdisParameterBinary = 4,
} NDIS_PARAMETER_TYPE, *PNDIS_PARAMETER_TYPE;

typedef struct {
    USHORT Length;
    PVOID Buffer;
} BINARY_DATA;

typedef struct _NDIS_CONFIGURATION_PARAMETER {
    NDIS_PARAMETER_TYPE ParameterType;
    union {
        ULONG IntegerData;
        NDIS_STRING StringData;
        BINARY_DATA BinaryData;
    } ParameterData;
} NDIS_CONFIGURATION_PARAMETER, *PNDIS_CONFIGURATION_PARAMETER;

NDIS_STATUS NdisOpenConfigurationEx(PNDIS_CONFIGURATION_OBJECT ConfigObject, PNDIS_HANDLE ConfigurationHandle);
VOID NdisReadConfiguration(PNDIS_STATUS Status, PNDIS_CONFIGURATION_PARAMETER *ParameterValue,
                           NDIS_HANDLE ConfigurationHandle, PNDIS_STRING Keyword, NDIS_PARAMETER_TYPE ParameterType);
VOID NdisCloseConfiguration(NDIS_HANDLE ConfigurationHandle);

static inline VOID NdisStallExecution(UINT MicrosecondsToStall) { KeStallExecutionProcessor(MicrosecondsToStall); }
#define NdisZeroMemory(Destination, Length) __builtin_memset((Destination), 0, (Length))
#define NdisMoveMemory(Destination, Source, Length) __builtin_memcpy((Destination), (Source), (Length))

/* ==== irqlab: binding a miniport to the driver table ============================================= *
 * On Windows the INF names the hardware and NDIS is the function driver's PnP half: it calls
 * DriverEntry once, then MiniportInitializeEx for each device and MiniportHaltEx when it stops.
 * IRQLAB_NDIS_MINIPORT is the INF line: one per PCI id, e.g.
 *
 *     IRQLAB_NDIS_MINIPORT(e1000, E1000DriverEntry, .Name = "e1000", .VendorId = 0x8086, .DeviceId = 0x100E);
 *
 * The first start of a device calls DriverEntry (which calls NdisMRegisterMiniportDriver), then
 * MiniportInitializeEx with the device's translated resources; io_device_stop calls
 * MiniportHaltEx. Each entry has its own DRIVER_OBJECT, so DriverEntry runs once per entry. */
NTSTATUS NdisIrqlabStartDevice(PDRIVER_INITIALIZE DriverEntry, struct _DRIVER_OBJECT *DriverObject,
                               PDEVICE_OBJECT PhysicalDeviceObject, PCM_RESOURCE_LIST AllocatedResources,
                               PCM_RESOURCE_LIST AllocatedResourcesTranslated);
VOID NdisIrqlabStopDevice(struct _DRIVER_OBJECT *DriverObject, PDEVICE_OBJECT PhysicalDeviceObject);
/* irqlab: the adapter's name for log lines, "<driver> <bus address>" (e.g. "e1000 00:03.0"). */
PCSTR NdisIrqlabAdapterName(NDIS_HANDLE MiniportAdapterHandle);

#define IRQLAB_NDIS_MINIPORT(id, driver_entry, ...)                                                                    \
    static NTSTATUS id##_NdisStartDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo, PCM_RESOURCE_LIST Raw,       \
                                         PCM_RESOURCE_LIST Translated)                                                 \
    {                                                                                                                  \
        return NdisIrqlabStartDevice(driver_entry, DriverObject, Pdo, Raw, Translated);                                \
    }                                                                                                                  \
    IRQLAB_DRIVER(id, .StartDevice = id##_NdisStartDevice, .StopDevice = NdisIrqlabStopDevice, __VA_ARGS__)

/* The x64 layouts of the WDK (docs/reference/NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS.md). */
_Static_assert(sizeof(NDIS_OBJECT_HEADER) == 4, "NDIS_OBJECT_HEADER");
_Static_assert(offsetof(NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS, InterruptHandler) == 0x08, "IC.InterruptHandler");
_Static_assert(offsetof(NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS, InterruptDpcHandler) == 0x10, "IC.DpcHandler");
_Static_assert(offsetof(NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS, DisableInterruptHandler) == 0x18, "IC.Disable");
_Static_assert(offsetof(NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS, EnableInterruptHandler) == 0x20, "IC.Enable");
_Static_assert(offsetof(NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS, MsiSupported) == 0x28, "IC.MsiSupported");
_Static_assert(offsetof(NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS, MsiSyncWithAllMessages) == 0x29, "IC.MsiSync");
_Static_assert(offsetof(NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS, MessageInterruptHandler) == 0x30, "IC.MsgIsr");
_Static_assert(offsetof(NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS, MessageInterruptDpcHandler) == 0x38, "IC.MsgDpc");
_Static_assert(offsetof(NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS, DisableMessageInterruptHandler) == 0x40, "IC.MsgDis");
_Static_assert(offsetof(NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS, EnableMessageInterruptHandler) == 0x48, "IC.MsgEn");
_Static_assert(offsetof(NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS, InterruptType) == 0x50, "IC.InterruptType");
_Static_assert(offsetof(NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS, MessageInfoTable) == 0x58, "IC.MessageInfoTable");
_Static_assert(NDIS_SIZEOF_MINIPORT_INTERRUPT_CHARACTERISTICS_REVISION_1 == 0x60, "IC size");
/* Revision 1 is the whole structure. irqlab's own C files write sizeof(...) where the WDK writes
 * NDIS_SIZEOF_..._REVISION_1: RTL_SIZEOF_THROUGH_FIELD over a pointer member (MessageInfoTable)
 * trips clang-tidy's bugprone-sizeof-expression in `make lint`. Same value, checked here. */
_Static_assert(sizeof(NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS) ==
                   NDIS_SIZEOF_MINIPORT_INTERRUPT_CHARACTERISTICS_REVISION_1,
               "revision 1 = the whole structure");
_Static_assert(sizeof(NDIS_MINIPORT_INIT_PARAMETERS) == 0x40, "NDIS_MINIPORT_INIT_PARAMETERS");
_Static_assert(offsetof(NDIS_MINIPORT_INIT_PARAMETERS, AllocatedResources) == 0x08, "IP.AllocatedResources");
_Static_assert(offsetof(NDIS_MINIPORT_INIT_PARAMETERS, IfIndex) == 0x20, "IP.IfIndex");
_Static_assert(offsetof(NDIS_MINIPORT_INIT_PARAMETERS, NetLuid) == 0x28, "IP.NetLuid");
_Static_assert(offsetof(NDIS_MINIPORT_DRIVER_CHARACTERISTICS, SetOptionsHandler) == 0x10, "DC.SetOptions");
_Static_assert(offsetof(NDIS_MINIPORT_DRIVER_CHARACTERISTICS, InitializeHandlerEx) == 0x18, "DC.Initialize");
_Static_assert(offsetof(NDIS_MINIPORT_DRIVER_CHARACTERISTICS, HaltHandlerEx) == 0x20, "DC.Halt");
_Static_assert(NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_1 == 0x88, "DC revision 1 size");
_Static_assert(offsetof(NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES, MiniportAdapterContext) == 0x08, "RA.Ctx");
_Static_assert(offsetof(NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES, InterfaceType) == 0x18, "RA.Interface");
_Static_assert(sizeof(NDIS_RECEIVE_THROTTLE_PARAMETERS) == 8, "NDIS_RECEIVE_THROTTLE_PARAMETERS");
_Static_assert(offsetof(NDIS_TIMER_CHARACTERISTICS, AllocationTag) == 0x04, "TC.AllocationTag");
_Static_assert(offsetof(NDIS_TIMER_CHARACTERISTICS, TimerFunction) == 0x08, "TC.TimerFunction");
_Static_assert(NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1 == 0x18, "TC revision 1 size");

#endif
