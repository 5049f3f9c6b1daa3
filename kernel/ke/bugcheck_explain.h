/* kernel/ke/bugcheck_explain.h - one plain-English sentence about a stop code and its parameters.
 *
 * Intel SDM Vol. 3A §6.15 "Exception and Interrupt Reference" (what each exception means) and
 * §4.7 "Page-Fault Exceptions"; learn.microsoft.com "Bug Check Code Reference".
 *
 * The four parameters of a stop code mean something different for every code (see the
 * "Bug Check Code Reference" on learn.microsoft.com); what WinDbg's !analyze prints as prose,
 * irqlab's stop screen prints as one sentence, e.g.
 *     "A write to 0x0000000000000000 (a NULL pointer), which is not mapped, by
 *      crash_page_fault+0x8."
 */
#ifndef IRQLAB_KE_BUGCHECK_EXPLAIN_H
#define IRQLAB_KE_BUGCHECK_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>

struct trap_frame;

struct bugcheck_report {
    unsigned long code;
    uint64_t param[4];
    const struct trap_frame *frame; /* NULL when KeBugCheckEx was called directly */
    uint64_t cr2;
    uint64_t pc;                    /* the faulting RIP, or the return address into the caller */
    int pc_is_return_address;       /* 1 for a direct call: look pc up at pc - 1 */
};

/* Write the sentence (no trailing newline) into buf; always NUL-terminated. */
void bugcheck_explain(const struct bugcheck_report *report, char *buf, size_t size);

/* "PASSIVE_LEVEL", "DISPATCH_LEVEL", "DIRQL", "HIGH_LEVEL", ... (x64 numbering). */
const char *bugcheck_irql_name(uint64_t irql);

#endif
