/* kernel/io/disconnect_check.c - see disconnect_check.h. */
#include "kernel/io/disconnect_check.h"

bool io_disconnect_version_matches(ULONG passed, const struct io_disconnect_target *c, const void *context)
{
    switch (passed) {
    case CONNECT_FULLY_SPECIFIED:
    case CONNECT_FULLY_SPECIFIED_GROUP:
        return (c->version == CONNECT_FULLY_SPECIFIED || c->version == CONNECT_FULLY_SPECIFIED_GROUP) &&
               context == c->first_object;
    case CONNECT_LINE_BASED: return c->version == CONNECT_LINE_BASED && context == c->first_object;
    case CONNECT_MESSAGE_BASED: return c->version == CONNECT_MESSAGE_BASED && c->table && context == c->table;
    default: return false;
    }
}

int io_disconnect_find(const struct io_disconnect_target *targets, unsigned n, const void *context)
{
    for (unsigned i = 0; context && i < n; i++)
        if (context == targets[i].first_object || (targets[i].table && context == targets[i].table))
            return (int)i;
    return -1;
}

struct io_disconnect_verdict io_disconnect_check(const IO_DISCONNECT_INTERRUPT_PARAMETERS *parameters,
                                                 const struct io_disconnect_target *found)
{
    struct io_disconnect_verdict v = {0};
    if (!parameters)
        return v; /* invalid, P2 = P3 = P4 = 0 */
    const void *context = parameters->ConnectionContext.Generic;
    if (context && found && io_disconnect_version_matches(parameters->Version, found, context)) {
        v.valid = true;
        return v;
    }
    v.p2 = parameters->Version;
    v.p3 = (ULONG_PTR)context;
    v.p4 = found ? found->version : 0;
    return v;
}
