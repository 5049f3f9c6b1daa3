/* include/wdmguid.h - the system GUIDs a WDM driver uses: bus interfaces asked for with
 * IRP_MN_QUERY_INTERFACE and the bus types IoGetDeviceProperty(DevicePropertyBusTypeGuid) returns.
 *
 * learn.microsoft.com: "IRP_MN_QUERY_INTERFACE", "BUS_INTERFACE_STANDARD structure (wdm.h)",
 * "Obtaining Device Configuration Information at IRQL = PASSIVE_LEVEL", "Defining and Exporting
 * New GUIDs". Values as the WDK's wdmguid.h defines them. The kernel defines them
 * (kernel/io/guids.c); a driver only includes this header.
 */
#if !defined(IRQLAB_WDMGUID_H) || (defined(INITGUID) && !defined(IRQLAB_WDMGUID_INIT))
#ifndef IRQLAB_WDMGUID_H
#define IRQLAB_WDMGUID_H
#elif defined(INITGUID)
#define IRQLAB_WDMGUID_INIT
#endif
#ifdef INITGUID
#define IRQLAB_WDMGUID_INIT
#endif

#include "guiddef.h"

/* The PCI bus driver's configuration-space interface: BUS_INTERFACE_STANDARD (wdm.h). */
DEFINE_GUID(GUID_BUS_INTERFACE_STANDARD, 0x496B8280, 0x6F25, 0x11D0, 0xBE, 0xAF, 0x08, 0x00, 0x2B, 0xE2, 0x09, 0x2F);

/* Target device changes (TARGET_DEVICE_REMOVAL_NOTIFICATION): sent by the PnP manager only. */
DEFINE_GUID(GUID_TARGET_DEVICE_QUERY_REMOVE, 0xCB3A4006, 0x46F0, 0x11D0, 0xB0, 0x8F, 0x00, 0x60, 0x97, 0x13, 0x05,
            0x3F);
DEFINE_GUID(GUID_TARGET_DEVICE_REMOVE_CANCELLED, 0xCB3A4007, 0x46F0, 0x11D0, 0xB0, 0x8F, 0x00, 0x60, 0x97, 0x13, 0x05,
            0x3F);
DEFINE_GUID(GUID_TARGET_DEVICE_REMOVE_COMPLETE, 0xCB3A4008, 0x46F0, 0x11D0, 0xB0, 0x8F, 0x00, 0x60, 0x97, 0x13, 0x05,
            0x3F);

/* Bus types (DevicePropertyBusTypeGuid). */
DEFINE_GUID(GUID_BUS_TYPE_PCI, 0xC8EBDFB0, 0xB510, 0x11D0, 0x80, 0xE9, 0x00, 0x00, 0xF8, 0x1E, 0x1B, 0x30);
DEFINE_GUID(GUID_BUS_TYPE_ACPI, 0xD7B46895, 0x001A, 0x4942, 0x89, 0x1F, 0xA7, 0xD4, 0x66, 0x10, 0xA8, 0x43);

#endif
