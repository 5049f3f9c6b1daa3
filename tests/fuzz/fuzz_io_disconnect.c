/* tests/fuzz/fuzz_io_disconnect.c - IoDisconnectInterruptEx's parameter check
 * (kernel/io/disconnect_check.c): IO_DISCONNECT_INTERRUPT_PARAMETERS of any Version (or NULL),
 * whose context is a live connection's first interrupt object, its message table, or any
 * other value, against up to 8 live connections of any Version, with or without a table. The
 * check must agree with the rule as IoDisconnectInterruptEx's page states it (a model written
 * here independently): valid only for a context IoConnectInterruptEx handed out, with the
 * Version that connection was made with (FULLY_SPECIFIED and _GROUP alike); otherwise the
 * Bug Check 0xCA parameters are exactly the Version passed, the context passed and the
 * connection's Version (0 when the context names none). The context is only compared, never
 * dereferenced, so any value is safe.
 * fuzz-sources: kernel/io/disconnect_check.c
 */
#include "tests/fuzz/fuzz.h"

#include "kernel/io/disconnect_check.h"

#define TARGETS 8

static uint8_t objects[TARGETS][64]; /* stand-ins for each connection's first KINTERRUPT ... */
static uint8_t tables[TARGETS][64];  /* ... and its IO_INTERRUPT_MESSAGE_INFO */

static bool fully(ULONG v) { return v == CONNECT_FULLY_SPECIFIED || v == CONNECT_FULLY_SPECIFIED_GROUP; }

/* The rule, as the WDK states it, for the connection `c` (NULL: none) the context names. */
static bool model_valid(const IO_DISCONNECT_INTERRUPT_PARAMETERS *p, const struct io_disconnect_target *c)
{
    if (!p || !c || !p->ConnectionContext.Generic)
        return false;
    const void *context = p->ConnectionContext.Generic;
    if (fully(p->Version))
        return fully(c->version) && context == c->first_object;
    if (p->Version == CONNECT_LINE_BASED)
        return c->version == CONNECT_LINE_BASED && context == c->first_object;
    if (p->Version == CONNECT_MESSAGE_BASED)
        return c->version == CONNECT_MESSAGE_BASED && context == c->table;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = {data, size};
    struct io_disconnect_target targets[TARGETS];
    unsigned n = (unsigned)(fuzz_take(&in, 1) % (TARGETS + 1));
    for (unsigned i = 0; i < n; i++) {
        targets[i].version = (ULONG)(fuzz_take(&in, 1) % 8); /* the five versions and a few that are not */
        targets[i].first_object = objects[i];
        targets[i].table = fuzz_take(&in, 1) & 1 ? tables[i] : NULL;
    }
    uint8_t flags = (uint8_t)fuzz_take(&in, 1);
    IO_DISCONNECT_INTERRUPT_PARAMETERS parameters;
    memset(&parameters, 0, sizeof(parameters));
    parameters.Version = (ULONG)fuzz_take(&in, 1) % 8;
    unsigned choice = (unsigned)(fuzz_take(&in, 1) % (2 * n + 2));
    if (choice < n)
        parameters.ConnectionContext.Generic = (PVOID)targets[choice].first_object;
    else if (choice < 2 * n)
        parameters.ConnectionContext.Generic = (PVOID)targets[choice - n].table; /* may be NULL */
    else if (choice == 2 * n)
        parameters.ConnectionContext.Generic = NULL;
    else
        parameters.ConnectionContext.Generic = (PVOID)(uintptr_t)fuzz_take(&in, 8);
    const IO_DISCONNECT_INTERRUPT_PARAMETERS *p = flags & 1 ? NULL : &parameters;

    const void *context = p ? p->ConnectionContext.Generic : NULL;
    int found = p ? io_disconnect_find(targets, n, context) : -1;
    /* find: the first connection the context names, or none. */
    for (unsigned i = 0; i < n; i++) {
        bool names = context && (context == targets[i].first_object || (targets[i].table && context == targets[i].table));
        if (found < 0 || i < (unsigned)found)
            FUZZ_CHECK(!names);
        if (found >= 0 && i == (unsigned)found)
            FUZZ_CHECK(names);
    }
    const struct io_disconnect_target *c = found >= 0 ? &targets[found] : NULL;
    struct io_disconnect_verdict v = io_disconnect_check(p, c);
    FUZZ_CHECK(v.valid == model_valid(p, c));
    if (v.valid) {
        FUZZ_CHECK(v.p2 == 0 && v.p3 == 0 && v.p4 == 0);
    } else {
        FUZZ_CHECK(v.p2 == (p ? p->Version : 0));
        FUZZ_CHECK(v.p3 == (ULONG_PTR)context);
        FUZZ_CHECK(v.p4 == (p && c ? c->version : 0));
    }
    return 0;
}
