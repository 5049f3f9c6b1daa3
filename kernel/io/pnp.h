/* kernel/io/pnp.h - the devices the kernel knows about, as physical device objects (PDOs).
 *
 * learn.microsoft.com: "Introduction to Plug and Play", "Starting a Device" (IRP_MN_START_DEVICE,
 * AllocatedResources / AllocatedResourcesTranslated), "Using Interrupt Resource Descriptors".
 *
 * On Windows the bus drivers enumerate devices and create one PDO per device; the PnP manager
 * then assigns each device its hardware resources (ports, memory, interrupts) and sends the
 * function driver IRP_MN_START_DEVICE with two resource lists. irqlab does the same at boot in
 * one place (pnp.c): one PDO per PCI function and one per legacy ISA device (COM1, LPT1);
 * resources are assigned (assign.c) - interrupt vectors are allocated and routed right then -
 * and the driver table (include/wdm.h, IRQLAB_DRIVER) is searched for a driver to start.
 *
 * A PDO's DeviceExtension is a `struct io_pdo`. Drivers never look inside; they get the PDO and
 * the resource lists. Kernel code (IoConnectInterruptEx, tests, the shell) uses this header.
 */
#ifndef IRQLAB_IO_PNP_H
#define IRQLAB_IO_PNP_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/bus/pci/pci.h"
#include "include/wdm.h"
#include "kernel/io/interrupt_policy.h"
#include "kernel/io/resource_list.h"

#define IO_MAX_PDOS (PCI_MAX_DEVICES + 4)

enum io_bus { IO_BUS_PCI, IO_BUS_ISA };

/* A device's PnP state (learn.microsoft.com "State Transitions for PnP Devices"; docs/pnp.md):
 *
 *   NotStarted --START--> Started --QUERY_STOP--> StopPending --STOP--> Stopped --START--> Started
 *                           |  ^                       |CANCEL_STOP            |
 *                           |  +-----------------------+                      |
 *                           |--QUERY_REMOVE--> RemovePending --REMOVE--> Deleted
 *                           |  ^                     |CANCEL_REMOVE
 *                           |  +---------------------+
 *                           +--SURPRISE_REMOVAL--> SurpriseRemovePending --REMOVE--> Deleted
 *
 * NotStarted is also where a device goes back to when its driver is unloaded (its FDO removed,
 * the PDO kept) and where it stays without a driver or after a failed start. */
enum io_pnp_state {
    IO_PNP_NOT_STARTED,
    IO_PNP_STARTED,
    IO_PNP_STOP_PENDING,
    IO_PNP_STOPPED,
    IO_PNP_REMOVE_PENDING,
    IO_PNP_SURPRISE_REMOVE_PENDING,
    IO_PNP_DELETED,
};

/* How to start a device (io_pnp_start_device). NULL or all zero: the default policy (the
 * command line's msi= / msix=, what the driver allows, any processor). The rebalance: stop a
 * device, start it with other options, and its driver gets other translated resources. */
struct io_pnp_start_options {
    bool no_msi;  /* line interrupt only (like MSISupported = 0) */
    bool no_msix; /* plain MSI, not MSI-X */
    int cpu;      /* >= 0 with cpu_set: aim every interrupt at this processor */
    bool cpu_set;
    KIRQL irql;   /* messages: this IRQL (0: the allocator's round-robin) */
};

/* One granted message (MSI or MSI-X) and where it goes. */
struct io_message {
    uint8_t vector;
    uint32_t cpu;     /* processor number it is aimed at */
    uint64_t address; /* MessageAddress the device writes to ... */
    uint32_t data;    /* ... and MessageData, the value it writes */
    char label[24];   /* "00:04.0 MSI-X 2": the vector's label in the `irq` table */
};

struct io_pdo {
    PDEVICE_OBJECT device; /* the PDO whose extension this is */
    enum io_bus bus;
    char name[16];          /* "00:03.0", "COM1" */
    char owner[32];         /* "edu 00:03.0": interrupt objects' OwnerName */
    struct pci_device *pci; /* IO_BUS_PCI */
    const char *isa_pnp_id; /* IO_BUS_ISA: "PNP0501", "PNP0400" */
    uint8_t isa_irq;
    uint16_t isa_port, isa_port_length;

    /* Resources (assign.c). Valid while `assigned`. */
    bool assigned;
    struct io_resources resources;
    struct io_message messages[IO_MAX_MESSAGES];
    PCM_RESOURCE_LIST raw, translated;

    /* Interrupt connections (connect_interrupt.c), under the I/O lock. */
    unsigned connections;        /* live IoConnectInterruptEx connections naming this PDO */
    unsigned connected_messages; /* message objects connected; 0 -> MSI / MSI-X is off */
    bool messages_enabled;       /* MSI / MSI-X enable bit set by us */

    /* The driver (pnp.c, pnp_state.c). Written under the PnP lock. */
    const IRQLAB_DRIVER *driver; /* the matching driver table entry, or NULL */
    PDRIVER_OBJECT driver_object;
    bool started;                /* state == IO_PNP_STARTED */
    NTSTATUS start_status;       /* what the start returned last */
    enum io_pnp_state state;
    bool added;                  /* WDM: AddDevice put the driver's FDO in the stack */
    struct io_pnp_start_options options; /* of the last start */
    UCHAR minor; /* the IRP_MN_ code being sent to the stack now (0xFF: none): a StopDevice called by
                  * the shim reads it to tell STOP from REMOVE from SURPRISE_REMOVAL */
    unsigned start_count, stop_count;    /* completed IRP_MN_START_DEVICE / STOP_DEVICE (tests) */
};

/* Boot (kernel/main.c step 9, after pci_init): create the PDOs, assign resources, start drivers. */
void io_pnp_init(void);

unsigned io_pdo_count(void);
PDEVICE_OBJECT io_pdo_at(unsigned index);
/* The nth PDO (from 0) of a PCI function with these ids, or of the ISA device with this id. */
PDEVICE_OBJECT io_pdo_find_pci(uint16_t vendor, uint16_t device, unsigned nth);
PDEVICE_OBJECT io_pdo_find_isa(const char *pnp_id);
/* The PDO of a PCI function from the PCI table, or NULL. */
PDEVICE_OBJECT io_pdo_for_pci(const struct pci_device *dev);
/* The PDO's extension if `device` is a PDO created here, else NULL. `device` is only compared
 * with the PDOs' addresses, never dereferenced, so any pointer may be passed. */
struct io_pdo *io_pdo_from_device(PDEVICE_OBJECT device);

/* Is there a driver (IRQLAB_DRIVER / IRQLAB_NDIS_MINIPORT) with this name? */
bool io_driver_exists(const char *name, size_t len);

/* The bus drivers' IRP_MJ_PNP dispatch routine (pdo_pnp.c): IRP_MN_QUERY_INTERFACE for
 * GUID_BUS_INTERFACE_STANDARD on PCI PDOs; every other minor code completes unchanged. */
NTSTATUS io_pdo_dispatch_pnp(PDEVICE_OBJECT DeviceObject, PIRP Irp);

/* Stop a device: its driver's StopDevice (if started), then give back its resources (vectors,
 * routes; MSI/MSI-X off, INTx Disable as the firmware left it). STATUS_DEVICE_BUSY if interrupt
 * connections still name it afterwards (nothing is released then). Since the PnP state
 * machine: io_pnp_stop_device for a started device (a WDM driver keeps its FDO, Stopped), and
 * the resources of a device without a started driver. */
NTSTATUS io_device_stop(PDEVICE_OBJECT pdo);
/* For kernel code and tests that program a PCI function directly (pci_test, storm_test): stop
 * its driver and give back its resources, leaving the function as the firmware left it (MSI and
 * MSI-X off, INTx Disable as at boot). io_device_start(pdo, IO_START_DRIVER) hands it back. */
NTSTATUS io_release_pci_device(const struct pci_device *dev);
/* Assign resources again and, with IO_START_DRIVER, start the matching driver. The other flags
 * narrow the interrupt policy for this start (like changing the INF and restarting). */
#define IO_START_DRIVER 0x1u
#define IO_START_NO_MSI 0x2u  /* no message interrupts: line only */
#define IO_START_NO_MSIX 0x4u /* MSI, not MSI-X */
NTSTATUS io_device_start(PDEVICE_OBJECT pdo, unsigned flags);

/* ---- Plug and Play (pnp_state.c; docs/pnp.md) ----
 * PASSIVE_LEVEL, serialized by the PnP lock (a KMUTEX: the callers may block, the drivers too).
 * The IRPs go to the top of the device stack (IoCallDriver) and down to the PDO, as Windows
 * sends them; a driver-table entry without DriverEntry gets them through the shim (wdm.h). */

/* IRP_MN_QUERY_STOP_DEVICE, then IRP_MN_STOP_DEVICE: the drivers disconnect their interrupts,
 * the device's resources (vectors, routes, MSI / MSI-X) are released. A driver that fails
 * QUERY_STOP: IRP_MN_CANCEL_STOP_DEVICE, the device stays started, its status is returned.
 * STATUS_INVALID_DEVICE_STATE unless Started. */
NTSTATUS io_pnp_stop_device(PDEVICE_OBJECT pdo);
/* Assign resources (with `opt`, NULL = default) and send IRP_MN_START_DEVICE with both lists;
 * loads the driver (DriverEntry) and adds the device (AddDevice) first when needed. From
 * NotStarted or Stopped; STATUS_SUCCESS if already Started. A failed start leaves NotStarted
 * (resources released, a WDM stack removed). */
NTSTATUS io_pnp_start_device(PDEVICE_OBJECT pdo, const struct io_pnp_start_options *opt);
/* IRP_MN_QUERY_REMOVE_DEVICE, then IRP_MN_REMOVE_DEVICE: the drivers detach and delete their
 * device objects, the resources are released and the PDO is deleted (state Deleted; the pointer
 * is no longer valid after return). A driver that fails QUERY_REMOVE (e.g. STATUS_DEVICE_BUSY):
 * IRP_MN_CANCEL_REMOVE_DEVICE, nothing changes, its status is returned. */
NTSTATUS io_pnp_remove_device(PDEVICE_OBJECT pdo);
/* Device Manager's "Disable": QUERY_REMOVE + REMOVE down the stack, the resources released,
 * the PDO kept (NotStarted, no driver in its stack); io_pnp_start_device adds the driver again.
 * Kernel code and tests that program a function themselves take it this way. */
NTSTATUS io_pnp_disable_device(PDEVICE_OBJECT pdo);
/* The hardware is already gone: IRP_MN_SURPRISE_REMOVAL (drivers disconnect, must not touch the
 * device), the resources are released, then IRP_MN_REMOVE_DEVICE and the PDO is deleted - at
 * once, or when the last open handle to the stack closes (STATUS_PENDING then). */
NTSTATUS io_pnp_surprise_remove_device(PDEVICE_OBJECT pdo);
/* REMOVE_DEVICE for a surprise-removed device once no handle to its stack is open; STATUS_PENDING
 * while one is (called again when the last one closes). */
NTSTATUS io_pnp_finish_surprise_removal(PDEVICE_OBJECT pdo);
/* A device object's last reference went (file_object.c): a surprise-removed stack waiting for
 * its last handle gets its REMOVE_DEVICE from a work item. Any IRQL <= DISPATCH_LEVEL. */
void io_pnp_reference_released(PDEVICE_OBJECT device);
/* A PCI function found after boot (hot-plug, `devices rescan`): its PDO, resources, driver
 * started. NULL when the PDO table is full or the function already has a PDO. */
PDEVICE_OBJECT io_pnp_add_pci_function(struct pci_device *dev);
/* `devices rescan`: a PDO (and a start) for every PCI function that has none. Returns how many. */
unsigned io_pnp_rescan(void);
enum io_pnp_state io_pnp_state_of(PDEVICE_OBJECT pdo); /* IO_PNP_DELETED for an unknown pointer */
const char *io_pnp_state_name(enum io_pnp_state state); /* "Started", "StopPending", ... */
const char *io_pnp_device_state_name(PDEVICE_OBJECT pdo); /* io_pnp_state_name(io_pnp_state_of(pdo)) */
/* A PDO by name ("00:04.0", "COM1"), or NULL. */
PDEVICE_OBJECT io_pdo_find_name(const char *name);

/* Drivers (pnp_driver.c). Unload: every device of the driver is removed from its stack
 * (QUERY_REMOVE + REMOVE; the PDOs stay, NotStarted), then DriverUnload; Driver Verifier's rule:
 * an interrupt still connected, a DPC or timer still queued, or a device object not deleted
 * when DriverUnload returns is Bug Check 0xCE. STATUS_DEVICE_BUSY (nothing unloaded) if a
 * driver refuses QUERY_REMOVE. Load: DriverEntry again, then AddDevice + START for every
 * matching PDO that has no driver. STATUS_OBJECT_NAME_NOT_FOUND for an unknown name. */
NTSTATUS io_driver_unload(const char *name);
NTSTATUS io_driver_load(const char *name);
bool io_driver_is_loaded(const char *name);
/* The shell's `drivers`: one line per driver with its state and devices. */
void io_driver_print(void);

/* MmMapIoSpace mappings not yet given back with MmUnmapIoSpace (map_io_space.c). */
long io_mapping_count(void);

/* The PnP lock (a KMUTEX, recursive for its owner). */
void io_pnp_lock(void);
void io_pnp_unlock(void);

/* The I/O manager's lock: PDO state, the connection list. Raises to DISPATCH_LEVEL. */
KIRQL io_lock(void);
void io_unlock(KIRQL old);

/* "MSI x1, vector 0x40 (IRQL 4) -> CPU 0": the device's interrupt resources in one line. */
void io_pnp_describe_interrupt(const struct io_pdo *pdo, char *buf, size_t size);
/* The shell's `irq`: one line per stopped PCI device with what its hardware says now - MSI /
 * MSI-X off, MSI-X entries masked, the IOAPIC pin of its line masked (pnp_report.c). */
void io_pnp_print_stopped(void);
/* The device table for people (shell `devices`, boot log): one line per PDO. */
void io_pnp_print(void);
/* Stop every started device (drivers' StopDevice / MiniportHaltEx), last started first. */
void io_pnp_shutdown(void);
/* The shell's `poweroff`: stop every device (io_pnp_shutdown) under the shutdown watch, then
 * leave QEMU with status 33 - or, if a driver never returns, say what it waited for and exit 35
 * (kernel/ke/shutdown_watch.h). PASSIVE_LEVEL. */
__attribute__((noreturn)) void io_poweroff(void);

#endif
