/* drivers/parport/parport_rules.c - the request table of the parallel port (see parport_rules.h).
 *
 * learn.microsoft.com: IOCTL_INTERNAL_PARALLEL_PORT_ALLOCATE, _PORT_FREE,
 * IOCTL_INTERNAL_GET_PARALLEL_PORT_INFO, _GET_MORE_PARALLEL_PORT_INFO, _RELEASE_PARALLEL_PORT_INFO,
 * IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT, _DISCONNECT_INTERRUPT; "Connecting an Interrupt
 * Service Routine to a ParallelPort" (EnableConnectInterruptIoctl).
 *
 * IRQLs: every request may be sent at <= DISPATCH_LEVEL (IoCallDriver's limit) except CONNECT and
 * DISCONNECT_INTERRUPT, which connect and disconnect the port interrupt with IoConnectInterruptEx
 * and IoDisconnectInterruptEx - PASSIVE_LEVEL routines - and so are PASSIVE_LEVEL themselves.
 */
#include "parport_rules.h"

static const struct parport_request_rule rules[] = {
    {IOCTL_INTERNAL_PARALLEL_PORT_ALLOCATE, "PORT_ALLOCATE", 0, 0, DISPATCH_LEVEL, 0},
    {IOCTL_INTERNAL_PARALLEL_PORT_FREE, "PORT_FREE", 0, 0, DISPATCH_LEVEL, 0},
    {IOCTL_INTERNAL_GET_PARALLEL_PORT_INFO, "GET_PARALLEL_PORT_INFO", 0, sizeof(PARALLEL_PORT_INFORMATION),
     DISPATCH_LEVEL, sizeof(PARALLEL_PORT_INFORMATION)},
    {IOCTL_INTERNAL_GET_MORE_PARALLEL_PORT_INFO, "GET_MORE_PARALLEL_PORT_INFO", 0,
     sizeof(MORE_PARALLEL_PORT_INFORMATION), DISPATCH_LEVEL, sizeof(MORE_PARALLEL_PORT_INFORMATION)},
    {IOCTL_INTERNAL_RELEASE_PARALLEL_PORT_INFO, "RELEASE_PARALLEL_PORT_INFO", 0, 0, DISPATCH_LEVEL, 0},
    {IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT, "CONNECT_INTERRUPT", sizeof(PARALLEL_INTERRUPT_SERVICE_ROUTINE),
     sizeof(PARALLEL_INTERRUPT_INFORMATION), PASSIVE_LEVEL, sizeof(PARALLEL_INTERRUPT_INFORMATION)},
    {IOCTL_INTERNAL_PARALLEL_DISCONNECT_INTERRUPT, "DISCONNECT_INTERRUPT", sizeof(PARALLEL_INTERRUPT_SERVICE_ROUTINE),
     0, PASSIVE_LEVEL, 0},
};

const struct parport_request_rule *parport_rules(unsigned *count)
{
    *count = sizeof(rules) / sizeof(rules[0]);
    return rules;
}

const struct parport_request_rule *parport_rule_for(ULONG code)
{
    for (unsigned i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
        if (rules[i].code == code)
            return &rules[i];
    return NULL;
}

NTSTATUS parport_check_request(ULONG code, ULONG input_length, ULONG output_length, BOOLEAN connect_enabled)
{
    const struct parport_request_rule *rule = parport_rule_for(code);
    if (!rule)
        return STATUS_INVALID_DEVICE_REQUEST;
    /* Windows checks the registry switch first, then the buffers (reference §8.4). */
    if (code == IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT && !connect_enabled)
        return STATUS_UNSUCCESSFUL;
    if (input_length < rule->min_input || output_length < rule->min_output)
        return STATUS_BUFFER_TOO_SMALL;
    return STATUS_SUCCESS;
}

NTSTATUS parport_check_query_remove(BOOLEAN allocated, ULONG waiters, ULONG connected_clients)
{
    return allocated || waiters || connected_clients ? STATUS_DEVICE_BUSY : STATUS_SUCCESS;
}
