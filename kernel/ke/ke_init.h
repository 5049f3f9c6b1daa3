/* kernel/ke/ke_init.h - bringing up the interrupt core on the boot CPU. */
#ifndef IRQLAB_KE_KE_INIT_H
#define IRQLAB_KE_KE_INIT_H

/* Per-CPU block, vector table, system interrupt objects (clock, IPI, LAPIC error), the clock on
 * this CPU, the other CPUs, and finally `sti`: from here on interrupts are live. Requires the
 * exception handlers, memory, ACPI tables, LAPIC and IOAPIC. */
void ke_init(void);

#endif
