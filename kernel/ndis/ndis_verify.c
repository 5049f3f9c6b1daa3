/* kernel/ndis/ndis_verify.c - see ndis_verify.h. */
#include "kernel/ndis/ndis_verify.h"

#include "kernel/console/log.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/ke/verifier.h"

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

volatile uint64_t ndis_deregistered_while_interrupting;

void ndis_report_deregister_while_interrupting(void *adapter, const char *name, void *interrupt, uint64_t claimed)
{
    __atomic_fetch_add(&ndis_deregistered_while_interrupting, 1, __ATOMIC_RELAXED);
    log_warn("ndis: %s: NdisMDeregisterInterruptEx while the NIC still interrupted: its ISR claimed %lu "
             "interrupt(s) during the deregistration (disable the NIC's interrupts first)",
             name, (unsigned long)claimed);
    if (!ke_verifier_on(KE_VERIFY_NDIS))
        return;
    ke_verifier_count(KE_VERIFY_NDIS);
    ndis_bugcheck(NDIS_BUGCHECK_DEREGISTER_WHILE_INTERRUPTING, (ULONG_PTR)adapter, (ULONG_PTR)interrupt, claimed,
                  "NdisMDeregisterInterruptEx while the NIC still interrupts");
}
