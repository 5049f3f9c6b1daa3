/* kernel/io/disconnect_check.h - IoDisconnectInterruptEx's parameter check, without touching the
 * machine: pure, so tests/fuzz/fuzz_io_disconnect.c can throw any parameters and any set of
 * live connections at it on the host.
 *
 * learn.microsoft.com: IoDisconnectInterruptEx, IO_DISCONNECT_INTERRUPT_PARAMETERS ("Version
 * ... must be the value that IoConnectInterruptEx wrote", "ConnectionContext ... the value
 * IoConnectInterruptEx returned"), "Bug Check 0xCA: PNP_DETECTED_FATAL_ERROR" (P1 = 0x9, "the
 * connection type passed does not match"). connect_interrupt.c's header lists the rule. */
#ifndef IRQLAB_IO_DISCONNECT_CHECK_H
#define IRQLAB_IO_DISCONNECT_CHECK_H

#include <stdbool.h>

#include "include/wdm.h"

/* A live connection as IoConnectInterruptEx handed it out. */
struct io_disconnect_target {
    ULONG version;            /* CONNECT_* it is (LINE_BASED after a message-based fallback) */
    const void *first_object; /* its first KINTERRUPT: the context of a fully specified or line-based one */
    const void *table;        /* its IO_INTERRUPT_MESSAGE_INFO (message-based), else NULL */
};

/* Does `context`, passed with Version `passed`, name connection `c` the way it was connected?
 * FULLY_SPECIFIED and _GROUP are one kind; LINE_BASED and MESSAGE_BASED each their own. */
bool io_disconnect_version_matches(ULONG passed, const struct io_disconnect_target *c, const void *context);

/* Which of `targets` (n of them) `context` names (compared, never dereferenced): its index, -1. */
int io_disconnect_find(const struct io_disconnect_target *targets, unsigned n, const void *context);

/* The verdict on a disconnect: valid, or Bug Check 0xCA with P1 = 0x9 and these P2..P4: the
 * Version passed, the context passed, the Version the connection was made with (0: unknown to
 * this kernel). NULL Parameters: P2 = P3 = P4 = 0. `found` is the connection the context names
 * (io_disconnect_find), NULL if none. */
struct io_disconnect_verdict {
    bool valid;
    ULONG_PTR p2, p3, p4;
};
struct io_disconnect_verdict io_disconnect_check(const IO_DISCONNECT_INTERRUPT_PARAMETERS *parameters,
                                                 const struct io_disconnect_target *found);

#endif
