/* include/irqlab.h - irqlab's teaching hooks: NOT part of the WDK.
 *
 * Everything else under include/ is the Windows driver API with the WDK's names and layouts. This
 * header holds the few things an irqlab driver may use that have no WDK counterpart, because they
 * exist only to make the kernel teachable: a driver adding a command to the irqlab> prompt, a
 * driver feeding the prompt's keyboard input, and two diagnostic look-ups a debugger would do on
 * Windows. Like the WDK routines, these are contract: they are in include/exports.txt, and a
 * driver that calls anything else inside the kernel fails `make test` (scripts/check_exports.py).
 * A driver meant to be ported to Windows keeps its use of this header in one file (parport's is
 * lpt_shell.c, serial's serial_command.c) - the WinDbg extension or test tool it would become.
 *
 * The driver table (IRQLAB_DRIVER in wdm.h, IRQLAB_NDIS_MINIPORT in ndis.h) is also irqlab's own,
 * but it stays next to the WDK types it is made of: it stands in for the INF file and AddDevice,
 * which every Windows driver has, rather than adding something Windows drivers do not have.
 * docs/reference/index.md ("irqlab hooks") has a page for each.
 */
#ifndef IRQLAB_IRQLAB_H
#define IRQLAB_IRQLAB_H

#include <wdm.h>

/* ---- a shell command (the irqlab> prompt, docs/shell.md) --------------------------------------
 * Declared once, anywhere in a driver; `help` lists it. The routine runs at PASSIVE_LEVEL in the
 * shell's thread, one command at a time, and prints with IrqlabShellPrint (at most 80 columns).
 *
 *     static int LptCommand(const IRQLAB_SHELL_ARGS *Args) { IrqlabShellPrint("...\n"); return IRQLAB_SHELL_OK; }
 *     IRQLAB_SHELL_COMMAND(lpt, "lpt <text>", "print on the parallel port", NULL, LptCommand);
 */
#define IRQLAB_SHELL_OK 0
#define IRQLAB_SHELL_ERROR 1 /* the command said what went wrong */
#define IRQLAB_SHELL_USAGE 2 /* wrong arguments: the shell prints "usage: <usage>" */

typedef struct shell_args {
    int argc;         /* words on the line, the command's name included */
    char **argv;      /* argv[0] is the name; argv[argc] is NULL */
    const char *text; /* everything after the name as typed, leading blanks skipped (`lpt <text>`) */
} IRQLAB_SHELL_ARGS;

typedef int IRQLAB_SHELL_ROUTINE(const IRQLAB_SHELL_ARGS *Args);

typedef struct shell_command {
    const char *name;
    const char *usage;   /* "lpt <text> | lpt status" */
    const char *summary; /* one line for `help`, under 60 characters */
    /* More for `help <name>` (may be NULL); `help` fills it to the screen width. "\n" starts a
     * new paragraph; a paragraph "term   description" wraps under its description. */
    const char *help;
    IRQLAB_SHELL_ROUTINE *run;
} IRQLAB_SHELL_COMMAND_ENTRY;

/* The entry lands in the linker section .shell_commands (linker.ld), as drivers land in
 * .driver_table: the shell finds it without being edited. */
#define IRQLAB_SHELL_COMMAND(id, usage_, summary_, help_, routine_)                                                    \
    __attribute__((section(".shell_commands"), used,                                                                   \
                   aligned(8))) static const IRQLAB_SHELL_COMMAND_ENTRY shell_command_##id = {#id, usage_, summary_,   \
                                                                                              help_, routine_}

/* Print on the console for a shell command. C's printf formats, checked by the compiler (%lu is
 * an unsigned long, %llu 64-bit) - unlike DbgPrint, whose formats are Windows' (%lu a ULONG). */
VOID IrqlabShellPrint(PCSTR Format, ...) __attribute__((format(printf, 1, 2)));

/* ---- the prompt's keyboard input ---------------------------------------------------------------
 * The console prints by polling the UART (the kernel's, kernel/console/), so output works before
 * interrupts and after a crash. Input can come from a driver instead: the serial driver registers
 * an IRQLAB_CONSOLE_INPUT when it starts and calls IrqlabConsoleInputArrived from its DPC. While
 * no input is registered, or InterruptDriven returns FALSE, the shell polls the UART itself. */
typedef struct _IRQLAB_CONSOLE_INPUT {
    /* Take up to Size received bytes; returns how many. IRQL <= DISPATCH_LEVEL, one caller at a
     * time (the shell serialises its calls). Must keep working after the driver stopped. */
    ULONG (*Read)(PCHAR Buffer, ULONG Size);
    /* TRUE while the driver's ISR receives (the shell then waits instead of polling). */
    BOOLEAN (*InterruptDriven)(VOID);
} IRQLAB_CONSOLE_INPUT, *PIRQLAB_CONSOLE_INPUT;

/* Register (or with NULL withdraw) the input source. PASSIVE_LEVEL. The structure must stay
 * valid while registered. One source at a time: a second registration replaces the first. */
VOID IrqlabRegisterConsoleInput(const IRQLAB_CONSOLE_INPUT *Input);
/* Bytes arrived: the shell takes them now (through Read). DISPATCH_LEVEL, from the driver's DPC. */
VOID IrqlabConsoleInputArrived(VOID);

/* ---- diagnostics a debugger would give on Windows ----------------------------------------------
 * "name+0xoffset" of a code address in the kernel image (WinDbg's `ln`), e.g. to show which ISRs
 * a driver calls. Returns Buffer; "0x<address>" when no symbol covers it. Any IRQL. */
PCHAR IrqlabFormatSymbol(PVOID Address, PCHAR Buffer, ULONG Size);

/* The interrupt controller's view of a device's line interrupt (WinDbg's !ioapic): the GSI its
 * resources name and whether that IOAPIC pin is masked now. STATUS_NOT_FOUND when the device has
 * no line interrupt assigned (or no IOAPIC pin). PASSIVE_LEVEL. */
typedef struct _IRQLAB_INTERRUPT_LINE_STATE {
    ULONG Gsi;
    BOOLEAN Masked;
} IRQLAB_INTERRUPT_LINE_STATE, *PIRQLAB_INTERRUPT_LINE_STATE;

NTSTATUS IrqlabQueryInterruptLine(PDEVICE_OBJECT PhysicalDeviceObject, PIRQLAB_INTERRUPT_LINE_STATE State);

#endif
