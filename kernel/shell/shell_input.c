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
 * Waking the loop: the shell is a thread (the boot thread "main"); it waits in
 * KeWaitForSingleObject on line_event, a SynchronizationEvent the DPC sets when a line is
 * complete - on whichever CPU the DPC runs; the dispatcher makes the shell ready and switches to
 * it (docs/scheduling.md). While it waits, its CPU runs other threads or its idle thread.
 * Without the serial driver nothing would set the event, so the wait has a one-tick timeout and
 * the loop polls the UART.
 */
#include "kernel/shell/shell_input.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/uart16550.h"
#include "include/wdm.h"
#include "kernel/console/console.h"
#include "kernel/console/console_input.h"
#include "kernel/ke/kprcb.h"
#include "kernel/lib/string.h"
#include "kernel/shell/line_edit.h"

static KSPIN_LOCK input_lock;
static struct line_edit editor; /* under input_lock */
static char ready_line[LINE_EDIT_MAX + 1];
static volatile bool line_ready; /* written under input_lock; the idle loop peeks at it */
static KEVENT line_event; /* set when line_ready becomes true */

static void echo(const char *text, size_t len, void *context)
{
    (void)context;
    console_write(text, len);
}

/* One byte into the editor. Caller holds input_lock. */
static void accept(char c)
{
    enum line_edit_result result = line_edit_feed(&editor, c);
    if (result == LINE_EDIT_MORE)
        return;
    strlcpy(ready_line, result == LINE_EDIT_DONE ? line_edit_line(&editor) : "", sizeof(ready_line));
    __atomic_store_n(&line_ready, true, __ATOMIC_RELEASE);
    (void)KeSetEvent(&line_event, IO_NO_INCREMENT, FALSE);
}

/* Feed what has arrived, up to the end of one line: bytes after it stay where they are until the
 * command has run and the next prompt is out. Caller holds input_lock. */
static void pump(void)
{
    while (!line_ready) {
        char c;
        if (console_input_read(&c, 1) == 1) {
            accept(c);
            continue;
        }
        /* The ring is empty. Without the driver, the UART is ours to poll. */
        if (console_input_interrupt_driven() || !uart_try_getc(COM1_PORT, &c))
            break;
        accept(c);
    }
}

/* The serial driver's DPC calls this at DISPATCH_LEVEL (IrqlabConsoleInputArrived). */
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
    KeInitializeEvent(&line_event, SynchronizationEvent, FALSE);
    console_input_set_notify(input_ready, NULL);
}

/* Sleep until a line is ready. With the driver, its DPC sets line_event; without it, wake once
 * a clock tick (10 ms) to poll - or, if the clock is not ticking either, poll without waiting so
 * that the prompt still works. */
static void idle(void)
{
    if (__atomic_load_n(&line_ready, __ATOMIC_ACQUIRE))
        return;
    if (console_input_interrupt_driven()) {
        (void)KeWaitForSingleObject(&line_event, UserRequest, KernelMode, FALSE, NULL);
    } else if (ke_current_prcb()->clock_ticks) {
        LARGE_INTEGER one_tick = {.QuadPart = -(LONGLONG)KeQueryTimeIncrement()};
        (void)KeWaitForSingleObject(&line_event, UserRequest, KernelMode, FALSE, &one_tick);
    } else {
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
        if (!console_input_interrupt_driven())
            pump(); /* no driver (or it stopped): poll */
    }
    strlcpy(line, ready_line, size);
    KeReleaseSpinLock(&input_lock, old);
}

bool shell_input_key_pressed(void)
{
    KIRQL old;
    char c;
    KeAcquireSpinLock(&input_lock, &old);
    bool got = console_input_read(&c, 1) == 1 || (!console_input_interrupt_driven() && uart_try_getc(COM1_PORT, &c));
    KeReleaseSpinLock(&input_lock, old);
    return got;
}

const char *shell_input_history(unsigned n) { return line_edit_history(&editor, n); }
