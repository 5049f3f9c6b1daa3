/* drivers/parport/parport_rules.h - what each internal request of the parallel port needs, and
 * the checks made before any is carried out. Pure (no hardware, no locks): tests/unit/
 * test_par_rules.c runs it on the host.
 *
 * learn.microsoft.com: the ni-parallel-ioctl_internal_* pages (buffers, Information, status);
 * docs/reference/IOCTL_INTERNAL_PARALLEL_PORT_ALLOCATE.md and its neighbours. */
#ifndef IRQLAB_DRIVERS_PARPORT_RULES_H
#define IRQLAB_DRIVERS_PARPORT_RULES_H

#include <parallel.h>

struct parport_request_rule {
    ULONG code;        /* IOCTL_INTERNAL_* */
    const char *name;  /* "CONNECT_INTERRUPT" */
    ULONG min_input;   /* InputBufferLength must be at least this ... */
    ULONG min_output;  /* ... and OutputBufferLength this, else STATUS_BUFFER_TOO_SMALL */
    KIRQL max_irql;    /* the highest IRQL the request may be sent at */
    ULONG information; /* IoStatus.Information on success */
};

/* The rule for an internal device-control code, or NULL if the port does not know it. */
const struct parport_request_rule *parport_rule_for(ULONG code);

/* In this order:
 *   an unknown code                                  STATUS_INVALID_DEVICE_REQUEST
 *   CONNECT_INTERRUPT while connect requests are off STATUS_UNSUCCESSFUL (Windows'
 *                                                    EnableConnectInterruptIoctl = 0)
 *   InputBufferLength < min_input, or
 *   OutputBufferLength < min_output                  STATUS_BUFFER_TOO_SMALL
 *   otherwise                                        STATUS_SUCCESS (go ahead)
 * The IRQL rule (max_irql) is checked by the caller before this, because breaking it is a
 * bugcheck, not a status. */
NTSTATUS parport_check_request(ULONG code, ULONG input_length, ULONG output_length, BOOLEAN connect_enabled);

/* May the port be stopped or removed now (IRP_MN_QUERY_STOP_DEVICE / IRP_MN_QUERY_REMOVE_DEVICE)?
 * Windows' parport refuses while the port is in use: allocated to a client, clients waiting for
 * it, or client ISRs connected to its interrupt -> STATUS_DEVICE_BUSY; idle -> STATUS_SUCCESS. */
NTSTATUS parport_check_query_remove(BOOLEAN allocated, ULONG waiters, ULONG connected_clients);

/* Every rule, for listings and tests. */
const struct parport_request_rule *parport_rules(unsigned *count);

#endif
