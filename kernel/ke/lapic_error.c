/* kernel/ke/lapic_error.c - Intel SDM Vol. 3A §11.5.3 "Error Handling" (ESR bits). */
#include "kernel/ke/lapic_error.h"

#include "arch/x86_64/lapic.h"
#include "kernel/console/log.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/vectors.h"

static KINTERRUPT error_interrupt;

static BOOLEAN lapic_error_isr(PKINTERRUPT interrupt, PVOID context)
{
    uint32_t esr = lapic_esr_read();
    log_error("lapic: error interrupt on CPU %u, ESR 0x%02x%s%s%s", KeGetCurrentProcessorNumber(), esr,
              esr & 0x20 ? " (send illegal vector)" : "", esr & 0x40 ? " (received illegal vector)" : "",
              esr & 0x80 ? " (illegal register address)" : "");
    return TRUE;
}

void ke_lapic_error_init(void)
{
    ke_interrupt_init(&error_interrupt, lapic_error_isr, NULL, 0, NULL, NULL, KE_VECTOR_LAPIC_ERROR, HIGH_LEVEL,
                      HIGH_LEVEL, Latched, FALSE, (KAFFINITY)-1, "kernel:lapic-error");
    struct ke_source source = {.kind = KE_SOURCE_LOCAL, .label = "LAPIC error"};
    ke_vector_set_source(KE_VECTOR_LAPIC_ERROR, &source);
    ke_interrupt_connect(&error_interrupt);
}
