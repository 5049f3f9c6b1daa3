/* tests/ktest/io_probe.c - see io_probe.h. LPT1: QEMU 7.2 hw/char/parallel.c (a CONTROL write with
 * strobe low after one with INTEN raises IRQ 7; reading STATUS lowers it). edu: hw/misc/edu.c. */
#include "tests/ktest/io_probe.h"

#include "kernel/ke/interrupt.h"
#include "tests/ktest/io_helpers.h"

#define LPT_STATUS 1
#define LPT_CONTROL 2
#define LPT_CONTROL_INIT_SELECT 0x0C /* nInit high, Select: idle */
#define LPT_CONTROL_INTEN 0x10

static BOOLEAN service(PKINTERRUPT interrupt, struct probe *p, ULONG message_id)
{
    if (p->edu) {
        ULONG status = READ_REGISTER_ULONG(&p->edu[IO_TEST_EDU_STATUS / 4]);
        if (!status) {
            p->declined++;
            return FALSE;
        }
        WRITE_REGISTER_ULONG(&p->edu[IO_TEST_EDU_ACK / 4], status);
        if (p->rearm)
            WRITE_REGISTER_ULONG(&p->edu[IO_TEST_EDU_RAISE / 4], 1);
    }
    if (p->lpt)
        (void)READ_PORT_UCHAR((PUCHAR)(uintptr_t)(p->lpt + LPT_STATUS));
    p->irql = KeGetCurrentIrql();
    p->lock_held = interrupt && *interrupt->ActualLock != 0;
    p->last_message = message_id;
    p->last_interrupt = interrupt;
    p->per_cpu[KeGetCurrentProcessorNumber()]++;
    __atomic_fetch_add(&p->calls, 1, __ATOMIC_RELEASE);
    return TRUE;
}

BOOLEAN probe_isr(PKINTERRUPT interrupt, PVOID context) { return service(interrupt, context, 0xFFFFFFFF); }

BOOLEAN probe_message_isr(PKINTERRUPT interrupt, PVOID context, ULONG message_id)
{
    return service(interrupt, context, message_id);
}

void probe_edu_raise(volatile ULONG *edu, ULONG value) { WRITE_REGISTER_ULONG(&edu[IO_TEST_EDU_RAISE / 4], value); }

void probe_lpt_raise(USHORT base)
{
    PUCHAR control = (PUCHAR)(uintptr_t)(base + LPT_CONTROL);
    /* QEMU raises IRQ 7 on every CONTROL write (with STROBE=0) whose *previous* value had INTEN
     * (QEMU 7.2 hw/char/parallel.c). So: INTEN on (no IRQ: the old value had none), then INTEN
     * off (one IRQ). Leaving INTEN off means no later write can raise a second, unexpected edge - which
     * it would, racing with an ISR on another CPU that has not read STATUS yet. */
    WRITE_PORT_UCHAR(control, LPT_CONTROL_INIT_SELECT | LPT_CONTROL_INTEN);
    WRITE_PORT_UCHAR(control, LPT_CONTROL_INIT_SELECT); /* old value had INTEN: exactly one IRQ */
}

void probe_lpt_quiet(USHORT base)
{
    WRITE_PORT_UCHAR((PUCHAR)(uintptr_t)(base + LPT_CONTROL), LPT_CONTROL_INIT_SELECT);
    (void)READ_PORT_UCHAR((PUCHAR)(uintptr_t)(base + LPT_STATUS));
}
