/* kernel/io/pnp_internal.h - what the PnP files share among themselves (pnp.c: the PDO table and
 * the driver table; pnp_state.c: the state machine and its IRPs; pnp_driver.c: loading and
 * unloading drivers). Nothing outside kernel/io/pnp*.c includes it. */
#ifndef IRQLAB_IO_PNP_INTERNAL_H
#define IRQLAB_IO_PNP_INTERNAL_H

#include "kernel/io/pnp.h"

extern const IRQLAB_DRIVER __driver_table_start[], __driver_table_end[];
extern DRIVER_OBJECT io_pci_bus_driver, io_isa_bus_driver;

/* pnp.c */
struct io_pdo *io_pnp_create_pdo(PDRIVER_OBJECT bus_driver, enum io_bus bus, DEVICE_TYPE type);
void io_pnp_forget_pdo(PDEVICE_OBJECT device);
/* Move a PCI PDO added after boot to where boot would have put it (PCI table order, ISA last). */
void io_pnp_sort_pdo(PDEVICE_OBJECT device);
const IRQLAB_DRIVER *io_pnp_find_driver(const struct io_pdo *pdo);
struct io_interrupt_policy io_pnp_policy_for(const struct io_pdo *pdo); /* uses pdo->options */
void io_pnp_enable_decoding(struct io_pdo *pdo);
void io_pnp_describe_interrupt(const struct io_pdo *pdo, char *buf, size_t size);

/* pnp_state.c */
void io_pnp_lock_init(void);
/* The shutdown's stop: IRP_MN_STOP_DEVICE without asking (the machine is going away). */
NTSTATUS io_pnp_stop_for_shutdown(PDEVICE_OBJECT pdo);
/* QUERY_REMOVE + REMOVE down the stack; the PDO stays (NotStarted) unless delete_pdo. Under the
 * PnP lock. */
NTSTATUS io_pnp_remove_stack(struct io_pdo *pdo, bool delete_pdo);
/* The driver's own FDO in this PDO's stack, or NULL. */
PDEVICE_OBJECT io_pnp_driver_fdo(const struct io_pdo *pdo);

/* pnp_driver.c */
/* The entry's driver object, loaded (DriverEntry called) if it is a WDM driver; NULL and
 * *status on failure. Under the PnP lock. */
PDRIVER_OBJECT io_driver_object_for(const IRQLAB_DRIVER *d, NTSTATUS *status);
/* The PnP manager is about to call into `driver` (NULL: done); returns the previous one, to be
 * given back. DPCs and timers the driver initializes meanwhile are watched at its unload. */
PDRIVER_OBJECT io_driver_calling(PDRIVER_OBJECT driver);
/* `drivers unload` took this entry away (and `drivers load` has not given it back). */
bool io_driver_entry_unloaded(const IRQLAB_DRIVER *d);

#endif
