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

    /* The driver (pnp.c). */
    const IRQLAB_DRIVER *driver; /* the matching driver table entry, or NULL */
    PDRIVER_OBJECT driver_object;
    bool started;
    NTSTATUS start_status; /* what StartDevice returned last */
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
 * connections still name it afterwards (nothing is released then). */
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

/* The I/O manager's lock: PDO state, the connection list. Raises to DISPATCH_LEVEL. */
KIRQL io_lock(void);
void io_unlock(KIRQL old);

/* The device table for people (shell `devices`, boot log): one line per PDO. */
void io_pnp_print(void);
/* Stop every started device (drivers' StopDevice / MiniportHaltEx), last started first. */
void io_pnp_shutdown(void);
/* The shell's `poweroff`: stop every device (io_pnp_shutdown) under the shutdown watch, then
 * leave QEMU with status 33 - or, if a driver never returns, say what it waited for and exit 35
 * (kernel/ke/shutdown_watch.h). PASSIVE_LEVEL. */
__attribute__((noreturn)) void io_poweroff(void);

#endif
