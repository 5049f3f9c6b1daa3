/* kernel/shell/shell_print.c - IrqlabShellPrint (include/irqlab.h): a driver's shell command
 * prints like the kernel's own commands (console_printf), with C's formats. */
#include "include/irqlab.h"
#include "kernel/console/console.h"

VOID IrqlabShellPrint(PCSTR Format, ...)
{
    va_list args;
    va_start(args, Format);
    console_vprintf(Format, args);
    va_end(args);
}
