/* kernel/ndis/ndis_verify.c - see ndis_verify.h. */
#include "kernel/ndis/ndis_verify.h"

#include "kernel/console/log.h"
#include "kernel/ke/bugcheck.h"

void ndis_bugcheck(ULONG_PTR p1, ULONG_PTR p2, ULONG_PTR p3, ULONG_PTR p4, const char *why)
{
    /* The stop screen shows the code and parameters; this line says in words which rule broke. */
    log_error("ndis: BUGCODE_NDIS_DRIVER (0x7C) 0x%lx: %s", (unsigned long)p1, why);
    KeBugCheckEx(BUGCODE_NDIS_DRIVER, p1, p2, p3, p4);
}

void ndis_require_passive(void *routine, void *caller)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql != PASSIVE_LEVEL)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)routine, irql, 0, (ULONG_PTR)caller);
}
