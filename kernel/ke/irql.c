/* kernel/ke/irql.c - KeGetCurrentIrql, KfRaiseIrql, KeLowerIrql.
 *
 * On x64 the IRQL *is* CR8, the architectural alias of the local APIC's Task Priority Register
 * (Intel SDM Vol. 3A §11.8.3.1 "Task and Processor Priorities", §2.5 CR8). The APIC delivers a
 * fixed interrupt only if its vector's priority class (vector >> 4) is above CR8, so raising the
 * IRQL to n masks every vector 0 .. n*16+15 in hardware - no software masks to keep in sync.
 *
 * Rules (as Windows enforces them): raising to a lower IRQL is bugcheck 0x9
 * IRQL_NOT_GREATER_OR_EQUAL; lowering to a higher IRQL is bugcheck 0xA IRQL_NOT_LESS_OR_EQUAL.
 * Lowering below DISPATCH_LEVEL first runs this CPU's queued DPCs.
 */
#include "kernel/ke/irql.h"

#include "kernel/ke/bugcheck.h"
#include "kernel/ke/dpc_internal.h"
#include "kernel/ke/verifier_spinlock.h"
#include "kernel/lib/format.h"

KIRQL KeGetCurrentIrql(VOID) { return ke_get_irql(); }

KIRQL KfRaiseIrql(KIRQL NewIrql)
{
    KIRQL old = ke_get_irql();
    if (NewIrql < old || NewIrql > HIGH_LEVEL)
        /* P1 = current IRQL, P2 = requested IRQL, P3 = 0, P4 = the caller. */
        KeBugCheckEx(IRQL_NOT_GREATER_OR_EQUAL, old, NewIrql, 0, (ULONG_PTR)__builtin_return_address(0));
    ke_set_irql_unchecked(NewIrql);
    return old;
}

KIRQL KeRaiseIrqlToDpcLevel(VOID) { return KfRaiseIrql(DISPATCH_LEVEL); }
KIRQL KeRaiseIrqlToSynchLevel(VOID) { return KfRaiseIrql(SYNCH_LEVEL); }

VOID KeLowerIrql(KIRQL NewIrql)
{
    KIRQL old = ke_get_irql();
    if (NewIrql > old)
        /* P1 = current IRQL, P2 = requested IRQL, P3 = 0, P4 = the caller. */
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, old, NewIrql, 0, (ULONG_PTR)__builtin_return_address(0));
    ke_verifier_check_lower(old, NewIrql, __builtin_return_address(0)); /* verifier=spinlock */
    if (NewIrql < DISPATCH_LEVEL && old >= DISPATCH_LEVEL) {
        ke_set_irql_unchecked(DISPATCH_LEVEL);
        ke_lower_from_dispatch(NewIrql); /* drains DPCs, then writes CR8 with interrupts off */
        return;
    }
    ke_set_irql_unchecked(NewIrql);
}

const char *ke_irql_name(KIRQL irql)
{
    static char buf[16];
    switch (irql) {
    case PASSIVE_LEVEL: return "PASSIVE_LEVEL";
    case APC_LEVEL: return "APC_LEVEL";
    case DISPATCH_LEVEL: return "DISPATCH_LEVEL";
    case SYNCH_LEVEL: return "SYNCH_LEVEL";
    case CLOCK_LEVEL: return "CLOCK_LEVEL";
    case IPI_LEVEL: return "IPI_LEVEL";
    case HIGH_LEVEL: return "HIGH_LEVEL";
    default: ksnprintf(buf, sizeof(buf), "DIRQL %u", irql); return buf;
    }
}
