/* kernel/ke/message_decline.c - see message_decline.h. */
#include "kernel/ke/message_decline.h"

#include "kernel/console/log.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/ke/ksyms.h"
#include "kernel/ke/verifier.h"

static volatile uint64_t reports;

uint64_t ke_message_decline_reports(void) { return reports; }

static void declined(struct ke_vector *v, PKINTERRUPT o)
{
    uint32_t in_a_row = __atomic_add_fetch(&o->DeclinedInARow, 1, __ATOMIC_RELAXED);
    if (in_a_row < KE_MESSAGE_DECLINE_LIMIT || o->DeclineReported)
        return;
    if (ke_verifier_on(KE_VERIFY_STORM)) {
        ke_verifier_count(KE_VERIFY_STORM);
        KeBugCheckEx(HARDWARE_INTERRUPT_STORM, (ULONG_PTR)o->MessageServiceRoutine, (ULONG_PTR)o->ServiceContext,
                     (ULONG_PTR)o, v->object_count > 1 ? 2 : 1);
    }
    o->DeclineReported = TRUE;
    __atomic_add_fetch(&reports, 1, __ATOMIC_RELAXED);
    char isr[96];
    ksym_format((uint64_t)(uintptr_t)o->MessageServiceRoutine, isr, sizeof(isr));
    log_warn("irq: %s: message ISR %s declined %u interrupts in a row on vector 0x%02x (message %u): a message "
             "is its own device's, so the ISR does not recognise its device's interrupt (verifier=storm stops "
             "here with 0xF2)",
             o->OwnerName ? o->OwnerName : "?", isr, in_a_row, (unsigned)o->Vector,
             (unsigned)o->MessageIndex);
}

void ke_message_account(struct ke_vector *v, uint32_t cpu, bool claimed)
{
    for (PLIST_ENTRY l = v->chain.Flink; l != &v->chain; l = l->Flink) {
        PKINTERRUPT o = CONTAINING_RECORD(l, KINTERRUPT, InterruptListEntry);
        if (!o->MessageServiceRoutine || !ke_interrupt_runs_here(o, cpu))
            continue; /* not called for this interrupt (inactive, another CPU's, or a line ISR) */
        if (claimed)
            o->DeclinedInARow = 0;
        else
            declined(v, o);
    }
}
