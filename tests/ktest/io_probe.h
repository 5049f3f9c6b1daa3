/* tests/ktest/io_probe.h - one ISR for every IoConnectInterruptEx test: it services an edu (read
 * status, acknowledge) or LPT1 (read STATUS), and records who called it, where and how. */
#ifndef IRQLAB_TESTS_IO_PROBE_H
#define IRQLAB_TESTS_IO_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "include/wdm.h"
#include "kernel/ke/kprcb.h"

struct probe {
    volatile ULONG *edu;     /* edu registers, or NULL */
    USHORT lpt;              /* LPT1 base port, or 0 */
    bool rearm;              /* edu: raise again from the ISR (an endless stream) */
    volatile uint64_t calls; /* claimed calls */
    volatile uint64_t declined;
    volatile uint64_t per_cpu[KE_MAX_CPUS];
    volatile ULONG last_message;
    PKINTERRUPT last_interrupt;
    KIRQL irql;     /* IRQL the ISR ran at */
    bool lock_held; /* the object's spin lock was held during the call */
};

BOOLEAN probe_isr(PKINTERRUPT interrupt, PVOID context);
BOOLEAN probe_message_isr(PKINTERRUPT interrupt, PVOID context, ULONG message_id);

/* Make the device interrupt once. */
void probe_edu_raise(volatile ULONG *edu, ULONG value);
void probe_lpt_raise(USHORT base);
void probe_lpt_quiet(USHORT base);

#endif
