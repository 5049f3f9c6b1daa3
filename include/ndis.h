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
 *     NdisAllocateMemoryWithTagPriority, NdisMMapIoSpace, NdisMGetBusData, NdisStallExecution;
 *   - the NDIS 6 data path: MDL, NET_BUFFER, NET_BUFFER_LIST and their pools,
 *     NdisMIndicateReceiveNetBufferLists / MiniportReturnNetBufferLists,
 *     MiniportSendNetBufferLists / NdisMSendNetBufferListsComplete, NdisGetDataBuffer;
 *   - NdisMIndicateStatusEx (NDIS_STATUS_LINK_STATE) and OID requests (MiniportOidRequest,
 *     NdisMOidRequestComplete).
 *
 * Names, values and x64 layouts are the WDK's (learn.microsoft.com "ndis.h" reference pages;
 * one page each in docs/reference/index.md); the static asserts at the end check
 * every offset a driver could depend on. What irqlab does where the WDK is silent, and where it
 * differs (NDIS bridges the NBLs to irqlab's own stack, kernel/net), is in docs/ndis.md.
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

/* Why MiniportHaltEx is called (learn.microsoft.com MINIPORT_HALT). irqlab's NDIS passes
 * NdisHaltDeviceStopped for a PnP stop (io_device_stop, a rebalance, a test), NdisHaltDeviceDisabled
 * for a PnP remove and NdisHaltDeviceSurpriseRemoved after a surprise removal (the hardware is
 * gone: the miniport must not touch it); kernel/ndis/ndis_pnp.c. */
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

/* Why MiniportShutdownEx is called (learn.microsoft.com MINIPORT_SHUTDOWN): the system powers
 * off (PASSIVE_LEVEL), or it is stopping on a bug check (any IRQL: only register writes). */
typedef enum _NDIS_SHUTDOWN_ACTION {
    NdisShutdownPowerOff,
    NdisShutdownBugCheck,
} NDIS_SHUTDOWN_ACTION,
    *PNDIS_SHUTDOWN_ACTION;

/* MiniportDevicePnPEventNotify's events (learn.microsoft.com MINIPORT_DEVICE_PNP_EVENT_NOTIFY,
 * NET_DEVICE_PNP_EVENT). irqlab sends NdisDevicePnPEventSurpriseRemoved, before MiniportHaltEx. */
typedef enum _NDIS_DEVICE_PNP_EVENT {
    NdisDevicePnPEventQueryRemoved,
    NdisDevicePnPEventRemoved,
    NdisDevicePnPEventSurpriseRemoved,
    NdisDevicePnPEventQueryStopped,
    NdisDevicePnPEventStopped,
    NdisDevicePnPEventPowerProfileChanged,
    NdisDevicePnPEventFilterListChanged,
    NdisDevicePnPEventMaximum,
} NDIS_DEVICE_PNP_EVENT,
    *PNDIS_DEVICE_PNP_EVENT;

typedef ULONG NDIS_PORT_NUMBER;
#define NET_DEVICE_PNP_EVENT_REVISION_1 1

typedef struct _NET_DEVICE_PNP_EVENT {
    NDIS_OBJECT_HEADER Header; /* NDIS_OBJECT_TYPE_DEFAULT, revision 1 */
    NDIS_PORT_NUMBER PortNumber;
    NDIS_DEVICE_PNP_EVENT DevicePnPEvent;
    PVOID InformationBuffer; /* irqlab: NULL (only PowerProfileChanged carries data) */
    ULONG InformationBufferLength;
    UCHAR NdisReserved[2 * sizeof(PVOID)];
} NET_DEVICE_PNP_EVENT, *PNET_DEVICE_PNP_EVENT;

#define NDIS_SIZEOF_NET_DEVICE_PNP_EVENT_REVISION_1 RTL_SIZEOF_THROUGH_FIELD(NET_DEVICE_PNP_EVENT, NdisReserved)

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
/* After a surprise removal NDIS calls this first (the hardware is gone: stop touching it), then
 * MiniportHaltEx with NdisHaltDeviceSurpriseRemoved. PASSIVE_LEVEL. Optional (NULL: not called). */
typedef VOID MINIPORT_DEVICE_PNP_EVENT_NOTIFY(NDIS_HANDLE MiniportAdapterContext,
                                              PNET_DEVICE_PNP_EVENT NetDevicePnPEvent);
typedef MINIPORT_DEVICE_PNP_EVENT_NOTIFY *MINIPORT_DEVICE_PNP_EVENT_NOTIFY_HANDLER;
/* At power-off instead of MiniportHaltEx: put the NIC in a quiet, known state - no interrupts, no
 * DMA - and free nothing, wait for nothing, call no NDIS routine. Optional. */
typedef VOID MINIPORT_SHUTDOWN(NDIS_HANDLE MiniportAdapterContext, NDIS_SHUTDOWN_ACTION ShutdownAction);
typedef MINIPORT_SHUTDOWN *MINIPORT_SHUTDOWN_HANDLER;

/* The DriverEntry prototype (WDK wdm.h DRIVER_INITIALIZE). */
typedef NTSTATUS DRIVER_INITIALIZE(struct _DRIVER_OBJECT *DriverObject, PUNICODE_STRING RegistryPath);
typedef DRIVER_INITIALIZE *PDRIVER_INITIALIZE;

#define NDIS_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_1 1 /* NDIS 6.0 */
#define NDIS_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2 2 /* NDIS 6.1: + DirectOidRequestHandler */

/* irqlab calls InitializeHandlerEx, HaltHandlerEx, OidRequestHandler, SendNetBufferListsHandler,
 * ReturnNetBufferListsHandler (all required), SetOptionsHandler (optional, once, from
 * NdisMRegisterMiniportDriver), UnloadHandler, DevicePnPEventNotifyHandler and ShutdownHandlerEx
 * (optional). The members typed PVOID (pause and restart, hang checks, resets, direct OIDs) keep
 * the WDK layout and are never called. The handler types are declared with the data path and
 * OID request below. */
struct _NET_BUFFER_LIST;
struct _NDIS_OID_REQUEST;
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
    NDIS_STATUS (*OidRequestHandler)(NDIS_HANDLE, struct _NDIS_OID_REQUEST *);               /* MINIPORT_OID_REQUEST */
    VOID (*SendNetBufferListsHandler)(NDIS_HANDLE, struct _NET_BUFFER_LIST *, ULONG, ULONG); /* MINIPORT_SEND_... */
    VOID (*ReturnNetBufferListsHandler)(NDIS_HANDLE, struct _NET_BUFFER_LIST *, ULONG);      /* MINIPORT_RETURN_... */
    PVOID CancelSendHandler;
    PVOID CheckForHangHandlerEx;
    PVOID ResetHandlerEx;
    MINIPORT_DEVICE_PNP_EVENT_NOTIFY_HANDLER DevicePnPEventNotifyHandler;
    MINIPORT_SHUTDOWN_HANDLER ShutdownHandlerEx;
    PVOID CancelOidRequestHandler;       /* irqlab: never called (requests are not cancelled) */
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

/* ==== Interrupts (kernel/ndis/ndis_interrupt.c, ndis_dpc.c) ==================================== */
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

/* ==== Work items (kernel/ndis/ndis_work_item.c) ================================================ *
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

/* ==== Timer objects (kernel/ndis/ndis_timer.c) ================================================== *
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

/* ==== Memory, registers, bus (kernel/ndis/ndis_memory.c) ======================================= */
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
} NDIS_PARAMETER_TYPE,
    *PNDIS_PARAMETER_TYPE;

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

/* ==== The data path: MDL, NET_BUFFER, NET_BUFFER_LIST (kernel/ndis/ndis_nbl.c, ndis_mdl.c) ===== *
 * learn.microsoft.com: "NET_BUFFER_LIST structure (nbl.h)", "NET_BUFFER structure (nbl.h)",
 * "NET_BUFFER Architecture", "MDL structure (wdm.h)", "Using MDLs", NdisAllocateNetBufferListPool,
 * NdisAllocateNetBufferAndNetBufferList, NdisGetDataBuffer, NdisAllocateMdl.
 * A frame is a NET_BUFFER (NB): DataLength bytes starting DataOffset bytes into the memory its
 * MDL chain describes. NBs hang off a NET_BUFFER_LIST (NBL); NBLs are chained through Next.
 * irqlab keeps the WDK's x64 layouts (static asserts at the end); what the subset leaves out is
 * in docs/differences.md. */

/* MDL (WDK: wdm.h). In irqlab every kernel address is mapped at virtual == physical, so an MDL
 * for non-paged memory is always "mapped" and its page array holds va >> PAGE_SHIFT. */
typedef ULONG_PTR PFN_NUMBER, *PPFN_NUMBER;
typedef enum _MM_PAGE_PRIORITY { LowPagePriority = 0, NormalPagePriority = 16, HighPagePriority = 32 } MM_PAGE_PRIORITY;
typedef struct _MDL {
    struct _MDL *Next; /* the next MDL of a chain (NDIS_MDL_LINKAGE) */
    CSHORT Size;       /* sizeof(MDL) + the page array */
    CSHORT MdlFlags;   /* MDL_* */
    struct _EPROCESS *Process;
    PVOID MappedSystemVa; /* valid when MDL_MAPPED_TO_SYSTEM_VA or MDL_SOURCE_IS_NONPAGED_POOL */
    PVOID StartVa;        /* page-aligned start of the buffer */
    ULONG ByteCount;      /* bytes described */
    ULONG ByteOffset;     /* offset of the buffer into the page StartVa */
} MDL, *PMDL;             /* followed by PFN_NUMBER[pages] */

#define MDL_MAPPED_TO_SYSTEM_VA 0x0001
#define MDL_PAGES_LOCKED 0x0002
#define MDL_SOURCE_IS_NONPAGED_POOL 0x0004
#define MDL_ALLOCATED_FIXED_SIZE 0x0008
#define MDL_PARTIAL 0x0010

#define MmGetMdlByteCount(Mdl) ((Mdl)->ByteCount)
#define MmGetMdlByteOffset(Mdl) ((Mdl)->ByteOffset)
#define MmGetMdlVirtualAddress(Mdl) ((PVOID)((PCHAR)((Mdl)->StartVa) + (Mdl)->ByteOffset))
#define MmGetMdlPfnArray(Mdl) ((PPFN_NUMBER)((Mdl) + 1))
/* irqlab: every MDL describes mapped non-paged memory, so this never maps and never fails. */
#define MmGetSystemAddressForMdlSafe(Mdl, Priority)                                                                    \
    (((Mdl)->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL)) ? (Mdl)->MappedSystemVa : NULL)
#define NDIS_MDL_LINKAGE(Mdl) ((Mdl)->Next)
#define NdisGetNextMdl(CurrentMdl, NextMdl) ((*(NextMdl)) = (CurrentMdl)->Next)
/* NdisQueryMdl: the MDL's system address (NULL if it cannot be mapped) and byte count. */
#define NdisQueryMdl(Mdl, VirtualAddress, Length, Priority)                                                            \
    do {                                                                                                               \
        if ((VirtualAddress) != NULL)                                                                                  \
            *(PVOID *)(VirtualAddress) = MmGetSystemAddressForMdlSafe((Mdl), (Priority));                              \
        *(Length) = MmGetMdlByteCount(Mdl);                                                                            \
    } while (0)

/* IRQL <= DISPATCH_LEVEL. An MDL for Length bytes of non-paged memory at VirtualAddress (the page
 * array filled in), or NULL. NdisHandle: the adapter (or driver) handle. */
PMDL NdisAllocateMdl(NDIS_HANDLE NdisHandle, PVOID VirtualAddress, UINT Length);
VOID NdisFreeMdl(PMDL Mdl); /* only what NdisAllocateMdl returned */

/* NET_BUFFER (WDK: nbl.h). The members a driver reads are the first six. */
struct _NET_BUFFER_LIST;
typedef struct _NET_BUFFER NET_BUFFER, *PNET_BUFFER;
typedef struct _NET_BUFFER_LIST NET_BUFFER_LIST, *PNET_BUFFER_LIST;
typedef struct _NET_BUFFER_LIST_CONTEXT NET_BUFFER_LIST_CONTEXT, *PNET_BUFFER_LIST_CONTEXT;

#define MEMORY_ALLOCATION_ALIGNMENT 16
/* irqlab: the size and alignment of the x64 SLIST_HEADER the WDK overlays on NBLs (unused). */
typedef struct __attribute__((aligned(16))) {
    ULONGLONG Alignment;
    ULONGLONG Region;
} NDIS_SLIST_HEADER_IRQLAB;

typedef struct _NET_BUFFER_DATA {
    PNET_BUFFER Next;       /* the next NB of the same NBL */
    PMDL CurrentMdl;        /* the MDL where the data starts */
    ULONG CurrentMdlOffset; /* ... and the offset into it */
    union {
        ULONG DataLength; /* bytes of data (the frame) */
        SIZE_T stDataLength;
    };
    PMDL MdlChain;    /* the first MDL of the chain */
    ULONG DataOffset; /* bytes from the chain's start to the data ("used data space" ends there) */
} NET_BUFFER_DATA;

struct _NET_BUFFER {
    union {
        struct {
            PNET_BUFFER Next;
            PMDL CurrentMdl;
            ULONG CurrentMdlOffset;
            union {
                ULONG DataLength;
                SIZE_T stDataLength;
            };
            PMDL MdlChain;
            ULONG DataOffset;
        };
        NET_BUFFER_DATA NetBufferHeader;
    } __attribute__((aligned(16)));
    USHORT ChecksumBias;
    USHORT Reserved;
    NDIS_HANDLE NdisPoolHandle;
    PVOID NdisReserved[2] __attribute__((aligned(MEMORY_ALLOCATION_ALIGNMENT)));
    PVOID ProtocolReserved[6] __attribute__((aligned(MEMORY_ALLOCATION_ALIGNMENT)));
    PVOID MiniportReserved[4] __attribute__((aligned(MEMORY_ALLOCATION_ALIGNMENT)));
    NDIS_PHYSICAL_ADDRESS DataPhysicalAddress;
    PVOID SharedMemoryInfo; /* irqlab: unused (no NET_BUFFER_SHARED_MEMORY) */
};

/* The NBL's per-packet information slots (WDK NDIS_NET_BUFFER_LIST_INFO, NDIS 6.0's first ones;
 * irqlab fills none of them). */
typedef enum _NDIS_NET_BUFFER_LIST_INFO {
    TcpIpChecksumNetBufferListInfo,
    IPsecOffloadV1NetBufferListInfo,
    TcpLargeSendNetBufferListInfo,
    ClassificationHandleNetBufferListInfo,
    Ieee8021QNetBufferListInfo,
    NetBufferListCancelId,
    MediaSpecificInformation,
    NetBufferListFrameType,
    NetBufferListHashValue,
    NetBufferListHashInfo,
    WfpNetBufferListInfo,
    MaxNetBufferListInfo
} NDIS_NET_BUFFER_LIST_INFO;

struct _NET_BUFFER_LIST {
    union {
        struct {
            PNET_BUFFER_LIST Next;      /* the next NBL of a chain */
            PNET_BUFFER FirstNetBuffer; /* its NBs */
        };
        NDIS_SLIST_HEADER_IRQLAB Link;
    };
    PNET_BUFFER_LIST_CONTEXT Context;
    PNET_BUFFER_LIST ParentNetBufferList;
    NDIS_HANDLE NdisPoolHandle;
    PVOID NdisReserved[2] __attribute__((aligned(MEMORY_ALLOCATION_ALIGNMENT)));
    PVOID ProtocolReserved[4] __attribute__((aligned(MEMORY_ALLOCATION_ALIGNMENT)));
    PVOID MiniportReserved[2] __attribute__((aligned(MEMORY_ALLOCATION_ALIGNMENT))); /* the miniport's own */
    PVOID Scratch;
    NDIS_HANDLE SourceHandle; /* receive: the MiniportAdapterHandle that indicated it */
    ULONG NblFlags;
    LONG ChildRefCount;
    ULONG Flags;
    union {
        NDIS_STATUS Status; /* send completion: the result; receive: NDIS_STATUS_SUCCESS */
        ULONG NdisReserved2;
    };
    PVOID NetBufferListInfo[MaxNetBufferListInfo];
};

#define NET_BUFFER_NEXT_NB(Nb) ((Nb)->Next)
#define NET_BUFFER_FIRST_MDL(Nb) ((Nb)->MdlChain)
#define NET_BUFFER_DATA_LENGTH(Nb) ((Nb)->DataLength)
#define NET_BUFFER_DATA_OFFSET(Nb) ((Nb)->DataOffset)
#define NET_BUFFER_CURRENT_MDL(Nb) ((Nb)->CurrentMdl)
#define NET_BUFFER_CURRENT_MDL_OFFSET(Nb) ((Nb)->CurrentMdlOffset)
#define NET_BUFFER_MINIPORT_RESERVED(Nb) ((Nb)->MiniportReserved)
#define NET_BUFFER_LIST_NEXT_NBL(Nbl) ((Nbl)->Next)
#define NET_BUFFER_LIST_FIRST_NB(Nbl) ((Nbl)->FirstNetBuffer)
#define NET_BUFFER_LIST_STATUS(Nbl) ((Nbl)->Status)
#define NET_BUFFER_LIST_FLAGS(Nbl) ((Nbl)->Flags)
#define NET_BUFFER_LIST_MINIPORT_RESERVED(Nbl) ((Nbl)->MiniportReserved)
#define NET_BUFFER_LIST_INFO(Nbl, Id) ((Nbl)->NetBufferListInfo[(Id)])

/* ---- Pools (WDK: nblapi.h) ---- */
#define NDIS_PROTOCOL_ID_DEFAULT 0x00
#define NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1 1
typedef struct _NET_BUFFER_LIST_POOL_PARAMETERS {
    NDIS_OBJECT_HEADER Header;  /* NDIS_OBJECT_TYPE_DEFAULT, revision 1 */
    UCHAR ProtocolId;           /* miniports: NDIS_PROTOCOL_ID_DEFAULT */
    BOOLEAN fAllocateNetBuffer; /* TRUE: each NBL comes with one NB */
    USHORT ContextSize;         /* irqlab: must be 0 (no NET_BUFFER_LIST_CONTEXT) */
    ULONG PoolTag;
    ULONG DataSize; /* irqlab: must be 0 (the caller brings its own MDLs) */
} NET_BUFFER_LIST_POOL_PARAMETERS, *PNET_BUFFER_LIST_POOL_PARAMETERS;
#define NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1                                                         \
    RTL_SIZEOF_THROUGH_FIELD(NET_BUFFER_LIST_POOL_PARAMETERS, DataSize)

/* IRQL <= DISPATCH_LEVEL. NULL for a bad header, ContextSize or DataSize != 0, or no memory. */
NDIS_HANDLE NdisAllocateNetBufferListPool(NDIS_HANDLE NdisHandle, PNET_BUFFER_LIST_POOL_PARAMETERS Parameters);
/* Every NBL of the pool must have been freed (else BUGCODE_NDIS_DRIVER 0x100B). */
VOID NdisFreeNetBufferListPool(NDIS_HANDLE PoolHandle);
/* An NBL with one NB whose data is DataLength bytes at DataOffset into MdlChain (which may be
 * NULL, with both 0). Pool made with fAllocateNetBuffer = TRUE. IRQL <= DISPATCH_LEVEL. */
PNET_BUFFER_LIST NdisAllocateNetBufferAndNetBufferList(NDIS_HANDLE PoolHandle, USHORT ContextSize,
                                                       USHORT ContextBackFill, PMDL MdlChain, ULONG DataOffset,
                                                       SIZE_T DataLength);
/* Not while NDIS or the miniport still owns it (indicated and not returned, sent and not
 * completed): BUGCODE_NDIS_DRIVER 0x1009. Does not free the MDLs. */
VOID NdisFreeNetBufferList(PNET_BUFFER_LIST NetBufferList);

/* BytesNeeded contiguous bytes at the NB's current data: a pointer into the MDL's memory if they
 * are contiguous there, else copied to Storage (NULL if Storage is NULL or the NB is shorter).
 * AlignMultiple 1 (no alignment) or a power of two; AlignOffset < AlignMultiple. */
PVOID NdisGetDataBuffer(PNET_BUFFER NetBuffer, ULONG BytesNeeded, PVOID Storage, UINT AlignMultiple, UINT AlignOffset);

/* ---- Receive (learn.microsoft.com "Indicating Received Ethernet Packets") ----
 * From the miniport's DPC (DISPATCH_LEVEL). Without NDIS_RECEIVE_FLAGS_RESOURCES, NDIS owns the
 * NBLs until it hands them back through MiniportReturnNetBufferLists (later, from a DPC); with
 * it, the miniport owns them again as soon as the call returns. NumberOfNetBufferLists must be the
 * chain's length; each NBL's SourceHandle the MiniportAdapterHandle. */
#define NDIS_DEFAULT_PORT_NUMBER ((NDIS_PORT_NUMBER)0)
typedef ULONG NDIS_PORT_NUMBER, *PNDIS_PORT_NUMBER;
#define NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL 0x00000001
#define NDIS_RECEIVE_FLAGS_RESOURCES 0x00000002
#define NDIS_RECEIVE_FLAGS_SINGLE_ETHER_TYPE 0x00000100
#define NDIS_RETURN_FLAGS_DISPATCH_LEVEL 0x00000001
VOID NdisMIndicateReceiveNetBufferLists(NDIS_HANDLE MiniportAdapterHandle, PNET_BUFFER_LIST NetBufferLists,
                                        NDIS_PORT_NUMBER PortNumber, ULONG NumberOfNetBufferLists, ULONG ReceiveFlags);
typedef VOID MINIPORT_RETURN_NET_BUFFER_LISTS(NDIS_HANDLE MiniportAdapterContext, PNET_BUFFER_LIST NetBufferLists,
                                              ULONG ReturnFlags);
typedef MINIPORT_RETURN_NET_BUFFER_LISTS *MINIPORT_RETURN_NET_BUFFER_LISTS_HANDLER;

/* ---- Send ----
 * NDIS calls MiniportSendNetBufferLists at IRQL <= DISPATCH_LEVEL (irqlab: always DISPATCH_LEVEL,
 * with NDIS_SEND_FLAGS_DISPATCH_LEVEL); the miniport owns the NBLs until it gives each back,
 * once, with NdisMSendNetBufferListsComplete (NET_BUFFER_LIST_STATUS set), possibly from inside
 * the send call. */
#define NDIS_SEND_FLAGS_DISPATCH_LEVEL 0x00000001
#define NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL 0x00000001
typedef VOID MINIPORT_SEND_NET_BUFFER_LISTS(NDIS_HANDLE MiniportAdapterContext, PNET_BUFFER_LIST NetBufferList,
                                            NDIS_PORT_NUMBER PortNumber, ULONG SendFlags);
typedef MINIPORT_SEND_NET_BUFFER_LISTS *MINIPORT_SEND_NET_BUFFER_LISTS_HANDLER;
VOID NdisMSendNetBufferListsComplete(NDIS_HANDLE MiniportAdapterHandle, PNET_BUFFER_LIST NetBufferList,
                                     ULONG SendCompleteFlags);
typedef VOID MINIPORT_CANCEL_SEND(NDIS_HANDLE MiniportAdapterContext, PVOID CancelId);
typedef MINIPORT_CANCEL_SEND *MINIPORT_CANCEL_SEND_HANDLER;

/* ==== Status indications: link state (kernel/ndis/ndis_status.c) ============================== *
 * learn.microsoft.com: NdisMIndicateStatusEx, NDIS_STATUS_INDICATION, "NDIS_STATUS_LINK_STATE",
 * NDIS_LINK_STATE. IRQL <= DISPATCH_LEVEL. */
#define NDIS_STATUS_MEDIA_CONNECT ((NDIS_STATUS)0x4001000BL)
#define NDIS_STATUS_MEDIA_DISCONNECT ((NDIS_STATUS)0x4001000CL)
#define NDIS_STATUS_LINK_STATE ((NDIS_STATUS)0x40010017L)
#define NDIS_OBJECT_TYPE_STATUS_INDICATION 0x98
#define NDIS_STATUS_INDICATION_REVISION_1 1
#define NDIS_LINK_STATE_REVISION_1 1
#define NDIS_LINK_SPEED_UNKNOWN ((ULONG64)-1)

typedef enum _NET_IF_MEDIA_CONNECT_STATE {
    MediaConnectStateUnknown,
    MediaConnectStateConnected,
    MediaConnectStateDisconnected
} NET_IF_MEDIA_CONNECT_STATE;
typedef enum _NET_IF_MEDIA_DUPLEX_STATE {
    MediaDuplexStateUnknown,
    MediaDuplexStateHalf,
    MediaDuplexStateFull
} NET_IF_MEDIA_DUPLEX_STATE;
typedef enum _NDIS_SUPPORTED_PAUSE_FUNCTIONS {
    NdisPauseFunctionsUnsupported,
    NdisPauseFunctionsSendOnly,
    NdisPauseFunctionsReceiveOnly,
    NdisPauseFunctionsSendAndReceive,
    NdisPauseFunctionsUnknown
} NDIS_SUPPORTED_PAUSE_FUNCTIONS;

typedef struct _NDIS_LINK_STATE {
    NDIS_OBJECT_HEADER Header; /* NDIS_OBJECT_TYPE_DEFAULT, NDIS_LINK_STATE_REVISION_1 */
    NET_IF_MEDIA_CONNECT_STATE MediaConnectState;
    NET_IF_MEDIA_DUPLEX_STATE MediaDuplexState;
    ULONG64 XmitLinkSpeed; /* bits per second */
    ULONG64 RcvLinkSpeed;
    NDIS_SUPPORTED_PAUSE_FUNCTIONS PauseFunctions;
    ULONG AutoNegotiationFlags;
} NDIS_LINK_STATE, *PNDIS_LINK_STATE;
#define NDIS_SIZEOF_LINK_STATE_REVISION_1 RTL_SIZEOF_THROUGH_FIELD(NDIS_LINK_STATE, AutoNegotiationFlags)

typedef struct _NDIS_STATUS_INDICATION {
    NDIS_OBJECT_HEADER Header; /* NDIS_OBJECT_TYPE_STATUS_INDICATION, revision 1 */
    NDIS_HANDLE SourceHandle;  /* the MiniportAdapterHandle */
    NDIS_PORT_NUMBER PortNumber;
    NDIS_STATUS StatusCode; /* e.g. NDIS_STATUS_LINK_STATE */
    ULONG Flags;
    NDIS_HANDLE DestinationHandle;
    PVOID RequestId;
    PVOID StatusBuffer; /* NDIS_STATUS_LINK_STATE: an NDIS_LINK_STATE */
    ULONG StatusBufferSize;
    GUID Guid;
    PVOID NdisReserved[4];
} NDIS_STATUS_INDICATION, *PNDIS_STATUS_INDICATION;
#define NDIS_SIZEOF_STATUS_INDICATION_REVISION_1 RTL_SIZEOF_THROUGH_FIELD(NDIS_STATUS_INDICATION, NdisReserved)

/* NDIS_STATUS_LINK_STATE with a bad header, SourceHandle or buffer size is ignored (and logged). */
VOID NdisMIndicateStatusEx(NDIS_HANDLE MiniportAdapterHandle, PNDIS_STATUS_INDICATION StatusIndication);

/* ==== OID requests (kernel/ndis/ndis_oid.c) ====================================================== *
 * learn.microsoft.com: MiniportOidRequest, NDIS_OID_REQUEST, NdisMOidRequestComplete, "OID_GEN_..."
 * and "OID_802_3_..." pages. NDIS (irqlab: the bridge to kernel/net) asks the miniport what it
 * needs - the MAC address, the link state - and sets the packet filter, one request at a time,
 * at PASSIVE_LEVEL. The miniport answers in place (returning the status) or returns
 * NDIS_STATUS_PENDING and calls NdisMOidRequestComplete later, exactly once. */
typedef ULONG NDIS_OID, *PNDIS_OID;
#define NDIS_STATUS_INVALID_LENGTH ((NDIS_STATUS)0xC0010014L)
#define NDIS_STATUS_BUFFER_TOO_SHORT ((NDIS_STATUS)0xC0010016L)
#define NDIS_STATUS_INVALID_OID ((NDIS_STATUS)0xC0010017L)

#define OID_GEN_MAXIMUM_FRAME_SIZE 0x00010106    /* ULONG: bytes after the Ethernet header (1500) */
#define OID_GEN_LINK_SPEED 0x00010107            /* ULONG: 100 bps units */
#define OID_GEN_CURRENT_PACKET_FILTER 0x0001010E /* ULONG: NDIS_PACKET_TYPE_* (query and set) */
#define OID_GEN_MEDIA_CONNECT_STATUS 0x00010114
#define OID_GEN_LINK_STATE 0x00010207 /* NDIS_LINK_STATE */
#define OID_GEN_XMIT_OK 0x00020101    /* ULONG64 counters (a ULONG if the buffer has only 4 bytes) */
#define OID_GEN_RCV_OK 0x00020102
#define OID_GEN_XMIT_ERROR 0x00020103
#define OID_GEN_RCV_ERROR 0x00020104
#define OID_GEN_RCV_NO_BUFFER 0x00020105
#define OID_802_3_PERMANENT_ADDRESS 0x01010101 /* 6 bytes */
#define OID_802_3_CURRENT_ADDRESS 0x01010102   /* 6 bytes */

#define NDIS_PACKET_TYPE_DIRECTED 0x00000001
#define NDIS_PACKET_TYPE_MULTICAST 0x00000002
#define NDIS_PACKET_TYPE_ALL_MULTICAST 0x00000004
#define NDIS_PACKET_TYPE_BROADCAST 0x00000008
#define NDIS_PACKET_TYPE_PROMISCUOUS 0x00000020

typedef enum _NDIS_REQUEST_TYPE {
    NdisRequestQueryInformation = 0,
    NdisRequestSetInformation = 1,
    NdisRequestQueryStatistics = 2,
    NdisRequestMethod = 12,
} NDIS_REQUEST_TYPE,
    *PNDIS_REQUEST_TYPE;

#define NDIS_OBJECT_TYPE_OID_REQUEST 0x96
#define NDIS_OID_REQUEST_REVISION_1 1
#define NDIS_OID_REQUEST_NDIS_RESERVED_SIZE 16

typedef struct _NDIS_OID_REQUEST {
    NDIS_OBJECT_HEADER Header; /* NDIS_OBJECT_TYPE_OID_REQUEST, revision 1 */
    NDIS_REQUEST_TYPE RequestType;
    NDIS_PORT_NUMBER PortNumber;
    UINT Timeout; /* seconds */
    PVOID RequestId;
    NDIS_HANDLE RequestHandle;
    union _REQUEST_DATA {
        struct _QUERY {
            NDIS_OID Oid;
            PVOID InformationBuffer;
            UINT InformationBufferLength;
            UINT BytesWritten; /* out */
            UINT BytesNeeded;  /* out: with NDIS_STATUS_BUFFER_TOO_SHORT / INVALID_LENGTH */
        } QUERY_INFORMATION;
        struct _SET {
            NDIS_OID Oid;
            PVOID InformationBuffer;
            UINT InformationBufferLength;
            UINT BytesRead;   /* out */
            UINT BytesNeeded; /* out */
        } SET_INFORMATION;
        struct _METHOD {
            NDIS_OID Oid;
            PVOID InformationBuffer;
            ULONG InputBufferLength;
            ULONG OutputBufferLength;
            ULONG MethodId;
            UINT BytesWritten;
            UINT BytesRead;
            UINT BytesNeeded;
        } METHOD_INFORMATION; /* irqlab: never sent */
    } DATA;
    UCHAR NdisReserved[NDIS_OID_REQUEST_NDIS_RESERVED_SIZE * sizeof(PVOID)];
    UCHAR MiniportReserved[2 * sizeof(PVOID)];
    UCHAR SourceReserved[2 * sizeof(PVOID)];
    UCHAR SupportedRevision;
    UCHAR Reserved1;
    USHORT Reserved2;
} NDIS_OID_REQUEST, *PNDIS_OID_REQUEST;
#define NDIS_SIZEOF_OID_REQUEST_REVISION_1 RTL_SIZEOF_THROUGH_FIELD(NDIS_OID_REQUEST, Reserved2)

/* PASSIVE_LEVEL (irqlab; Windows: <= DISPATCH_LEVEL). */
typedef NDIS_STATUS MINIPORT_OID_REQUEST(NDIS_HANDLE MiniportAdapterContext, PNDIS_OID_REQUEST OidRequest);
typedef MINIPORT_OID_REQUEST *MINIPORT_OID_REQUEST_HANDLER;
typedef VOID MINIPORT_CANCEL_OID_REQUEST(NDIS_HANDLE MiniportAdapterContext, PVOID RequestId);
typedef MINIPORT_CANCEL_OID_REQUEST *MINIPORT_CANCEL_OID_REQUEST_HANDLER;
/* For a request the miniport returned NDIS_STATUS_PENDING for, once; anything else is
 * BUGCODE_NDIS_DRIVER 0x100C. IRQL <= DISPATCH_LEVEL. */
VOID NdisMOidRequestComplete(NDIS_HANDLE MiniportAdapterHandle, PNDIS_OID_REQUEST OidRequest, NDIS_STATUS Status);

/* ==== irqlab: binding a miniport to the driver table ============================================= *
 * On Windows the INF names the hardware and NDIS is the function driver's PnP half: it calls
 * DriverEntry once, then MiniportInitializeEx for each device and MiniportHaltEx when it stops.
 * IRQLAB_NDIS_MINIPORT is the INF line: one per PCI id, e.g.
 *
 *     IRQLAB_NDIS_MINIPORT(e1000, E1000DriverEntry, .Name = "e1000", .VendorId = 0x8086, .DeviceId = 0x100E);
 *
 * The PnP manager calls DriverEntry (which calls NdisMRegisterMiniportDriver); as ndis.sys does,
 * that installs NDIS's AddDevice, IRP_MJ_PNP dispatch and DriverUnload in the DRIVER_OBJECT, so
 * IRP_MN_START_DEVICE becomes MiniportInitializeEx with the translated resources and STOP /
 * REMOVE / SURPRISE_REMOVAL become MiniportHaltEx with their HaltAction (kernel/ndis/ndis_pnp.c).
 * Each entry has its own DRIVER_OBJECT, so DriverEntry runs once per entry. NdisIrqlabStartDevice
 * / NdisIrqlabStopDevice are the older StartDevice / StopDevice pair (still exported). */
NTSTATUS NdisIrqlabStartDevice(PDRIVER_INITIALIZE DriverEntry, struct _DRIVER_OBJECT *DriverObject,
                               PDEVICE_OBJECT PhysicalDeviceObject, PCM_RESOURCE_LIST AllocatedResources,
                               PCM_RESOURCE_LIST AllocatedResourcesTranslated);
VOID NdisIrqlabStopDevice(struct _DRIVER_OBJECT *DriverObject, PDEVICE_OBJECT PhysicalDeviceObject);
/* irqlab: the adapter's name for log lines, "<driver> <bus address>" (e.g. "e1000 00:03.0"). */
PCSTR NdisIrqlabAdapterName(NDIS_HANDLE MiniportAdapterHandle);
/* irqlab: name the interrupt causes the miniport counts (at most 8; `net` lists them per adapter)
 * - from MiniportInitializeEx - and count one (any IRQL, the ISR's included). No WDK counterpart:
 * Windows has no per-cause counters; irqlab's shell shows them to teach what interrupted. */
VOID NdisIrqlabNameInterruptCauses(NDIS_HANDLE MiniportAdapterHandle, const PCSTR *Names, ULONG Count);
VOID NdisIrqlabCountInterruptCause(NDIS_HANDLE MiniportAdapterHandle, ULONG Cause);

#define IRQLAB_NDIS_MINIPORT(id, driver_entry, ...) IRQLAB_DRIVER(id, .DriverEntry = driver_entry, __VA_ARGS__)

/* The x64 layouts of the WDK (docs/reference/NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS.md). */
_Static_assert(sizeof(NDIS_OBJECT_HEADER) == 4, "NDIS_OBJECT_HEADER");
_Static_assert(offsetof(NDIS_MINIPORT_DRIVER_CHARACTERISTICS, HaltHandlerEx) == 0x20, "DC.HaltHandlerEx");
_Static_assert(offsetof(NDIS_MINIPORT_DRIVER_CHARACTERISTICS, DevicePnPEventNotifyHandler) == 0x70, "DC.PnPEvent");
_Static_assert(offsetof(NDIS_MINIPORT_DRIVER_CHARACTERISTICS, ShutdownHandlerEx) == 0x78, "DC.ShutdownHandlerEx");
_Static_assert(offsetof(NET_DEVICE_PNP_EVENT, DevicePnPEvent) == 0x08, "NET_DEVICE_PNP_EVENT.DevicePnPEvent");
_Static_assert(offsetof(NET_DEVICE_PNP_EVENT, InformationBuffer) == 0x10, "NET_DEVICE_PNP_EVENT.InformationBuffer");
_Static_assert(sizeof(NET_DEVICE_PNP_EVENT) == 0x30, "NET_DEVICE_PNP_EVENT");
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

_Static_assert(sizeof(MDL) == 0x30, "MDL");
_Static_assert(offsetof(MDL, MappedSystemVa) == 0x18 && offsetof(MDL, ByteCount) == 0x28, "MDL fields");
_Static_assert(offsetof(NET_BUFFER, CurrentMdl) == 0x08 && offsetof(NET_BUFFER, DataLength) == 0x18, "NB");
_Static_assert(offsetof(NET_BUFFER, MdlChain) == 0x20 && offsetof(NET_BUFFER, DataOffset) == 0x28, "NB data");
_Static_assert(offsetof(NET_BUFFER, NdisPoolHandle) == 0x38 && offsetof(NET_BUFFER, MiniportReserved) == 0x80, "NB");
_Static_assert(sizeof(NET_BUFFER) == 0xB0, "NET_BUFFER");
_Static_assert(offsetof(NET_BUFFER_LIST, Context) == 0x10 && offsetof(NET_BUFFER_LIST, NdisPoolHandle) == 0x20, "NBL");
_Static_assert(offsetof(NET_BUFFER_LIST, MiniportReserved) == 0x60 && offsetof(NET_BUFFER_LIST, SourceHandle) == 0x78,
               "NBL reserved");
_Static_assert(offsetof(NET_BUFFER_LIST, Status) == 0x8C && offsetof(NET_BUFFER_LIST, NetBufferListInfo) == 0x90,
               "NBL status");
_Static_assert(NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1 == 0x10, "pool parameters");
_Static_assert(NDIS_SIZEOF_LINK_STATE_REVISION_1 == 0x28, "NDIS_LINK_STATE");
_Static_assert(offsetof(NDIS_STATUS_INDICATION, StatusBuffer) == 0x30 && offsetof(NDIS_STATUS_INDICATION, Guid) == 0x3C,
               "NDIS_STATUS_INDICATION");
_Static_assert(offsetof(NDIS_OID_REQUEST, DATA) == 0x20 && offsetof(NDIS_OID_REQUEST, NdisReserved) == 0x48, "OID");
_Static_assert(offsetof(NDIS_OID_REQUEST, DATA.QUERY_INFORMATION.BytesNeeded) == 0x38, "OID query");
_Static_assert(NDIS_SIZEOF_OID_REQUEST_REVISION_1 == 0xEC, "NDIS_OID_REQUEST revision 1");
_Static_assert(offsetof(NDIS_MINIPORT_DRIVER_CHARACTERISTICS, OidRequestHandler) == 0x40, "DC.OidRequest");
_Static_assert(offsetof(NDIS_MINIPORT_DRIVER_CHARACTERISTICS, ReturnNetBufferListsHandler) == 0x50, "DC.Return");

#endif
