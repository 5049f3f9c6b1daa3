/* kernel/shell/shell_input.c - see shell_input.h.
 *
 * Who runs where:
 *   the serial DPC (DISPATCH_LEVEL, the CPU IRQ 4 is routed to) -> input_ready() -> the editor
 *   the shell loop (PASSIVE_LEVEL, CPU 0)                       -> shell_input_read_line()
 * Both take input_lock, a KSPIN_LOCK, around the editor; the DPC acquires it at DISPATCH_LEVEL,
 * the loop raises to DISPATCH_LEVEL with it (so a DPC can never interrupt the loop while the
 * loop holds it on the same CPU). The driver's ISR never takes it: it only fills the driver's
 * lock-free ring, so no ISR ever waits for the shell.
 *
 * Waking the loop: it halts with `sti; hlt` (interrupts enabled and halt in one step - the
 * instruction after STI runs before any interrupt is taken, Intel SDM Vol. 2B "STI" - so an
 * interrupt cannot slip in between "no line yet" and "halt" and leave us asleep). Any interrupt
 * on its CPU wakes it. When the line is finished on another CPU, a DPC aimed at the loop's CPU
 * (KeSetTargetProcessorDpc) sends the IPI that wakes it, as KeSetEvent would wake a thread.
 */
#include "kernel/shell/shell_input.h"

#include "arch/x86_64/cpu.h"
#include "drivers/serial/serial_rx.h"
#include "drivers/serial/uart16550.h"
#include "include/wdm.h"
#include "kernel/console/console.h"
#include "kernel/ke/kprcb.h"
#include "kernel/lib/string.h"
#include "kernel/shell/line_edit.h"

static KSPIN_LOCK input_lock;
static struct line_edit editor; /* under input_lock */
static char ready_line[LINE_EDIT_MAX + 1];
static volatile bool line_ready; /* written under input_lock; the idle loop peeks at it */
static ULONG shell_cpu;
static KDPC wake_dpc;

static void echo(const char *text, size_t len, void *context)
{
    (void)context;
    console_write(text, len);
}

/* Nothing to do: the IPI that brought this DPC has already woken the loop from `hlt`. */
static VOID wake_shell(PKDPC dpc, PVOID context, PVOID arg1, PVOID arg2)
{
    (void)dpc;
    (void)context;
    (void)arg1;
    (void)arg2;
}

/* One byte into the editor. Caller holds input_lock. */
static void accept(char c)
{
    enum line_edit_result result = line_edit_feed(&editor, c);
    if (result == LINE_EDIT_MORE)
        return;
    strlcpy(ready_line, result == LINE_EDIT_DONE ? line_edit_line(&editor) : "", sizeof(ready_line));
    __atomic_store_n(&line_ready, true, __ATOMIC_RELEASE);
    if (KeGetCurrentProcessorNumber() != shell_cpu)
        (void)KeInsertQueueDpc(&wake_dpc, NULL, NULL);
}

/* Feed what has arrived, up to the end of one line: bytes after it stay where they are until the
 * command has run and the next prompt is out. Caller holds input_lock. */
static void pump(void)
{
    while (!line_ready) {
        char c;
        if (serial_rx_read(&c, 1) == 1) {
            accept(c);
            continue;
        }
        /* The ring is empty. Without the driver, the UART is ours to poll. */
        if (serial_rx_interrupt_driven() || !uart_try_getc(COM1_PORT, &c))
            break;
        accept(c);
    }
}

/* The serial driver's DPC calls this at DISPATCH_LEVEL. */
static void input_ready(void *context)
{
    (void)context;
    KeAcquireSpinLockAtDpcLevel(&input_lock);
    pump();
    KeReleaseSpinLockFromDpcLevel(&input_lock);
}

void shell_input_init(void)
{
    KeInitializeSpinLock(&input_lock);
    line_edit_init(&editor, echo, NULL);
    line_ready = true; /* the editor starts when the first prompt is out */
    shell_cpu = KeGetCurrentProcessorNumber();
    KeInitializeDpc(&wake_dpc, wake_shell, NULL);
    KeSetTargetProcessorDpc(&wake_dpc, (CHAR)shell_cpu);
    serial_rx_set_notify(input_ready, NULL);
}

/* Sleep until something happens. With the driver, input arrives by interrupt; without it the
 * clock's tick (100 Hz) is what wakes us to poll - unless the clock is not ticking either, in
 * which case we poll without halting so that the prompt still works. */
static void idle(void)
{
    cpu_disable_interrupts();
    if (__atomic_load_n(&line_ready, __ATOMIC_ACQUIRE)) {
        cpu_enable_interrupts();
        return;
    }
    if (serial_rx_interrupt_driven() || ke_current_prcb()->clock_ticks) {
        __asm__ volatile("sti; hlt" ::: "memory");
    } else {
        cpu_enable_interrupts();
        cpu_pause();
    }
}

void shell_input_read_line(char *line, size_t size)
{
    KIRQL old;
    KeAcquireSpinLock(&input_lock, &old);
    line_ready = false; /* the editor takes keys again: first whatever was typed ahead */
    pump();
    while (!line_ready) {
        KeReleaseSpinLock(&input_lock, old);
        idle();
        KeAcquireSpinLock(&input_lock, &old);
        if (!serial_rx_interrupt_driven())
            pump(); /* no driver (or it stopped): poll */
    }
    strlcpy(line, ready_line, size);
    KeReleaseSpinLock(&input_lock, old);
}

const char *shell_input_history(unsigned n) { return line_edit_history(&editor, n); }
