/* kernel/io/irqlab_diagnostics.c - the two diagnostic look-ups of include/irqlab.h, for drivers'
 * shell commands: what WinDbg's `ln` and `!ioapic` would show on Windows. A driver gets them
 * through these routines instead of reading the symbol table or the IOAPIC itself. */
#include "include/irqlab.h"

#include "arch/x86_64/ioapic.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/ksyms.h"

PCHAR IrqlabFormatSymbol(PVOID Address, PCHAR Buffer, ULONG Size)
{
    return ksym_format((uint64_t)(uintptr_t)Address, Buffer, Size);
}

NTSTATUS IrqlabQueryInterruptLine(PDEVICE_OBJECT PhysicalDeviceObject, PIRQLAB_INTERRUPT_LINE_STATE State)
{
    struct io_pdo *pdo = io_pdo_from_device(PhysicalDeviceObject);
    struct ioapic_rte rte;
    if (!pdo || !pdo->assigned || pdo->resources.kind != IO_INTERRUPT_LINE ||
        !ioapic_read_rte(pdo->resources.gsi, &rte))
        return STATUS_NOT_FOUND;
    State->Gsi = pdo->resources.gsi;
    State->Masked = rte.masked ? TRUE : FALSE;
    return STATUS_SUCCESS;
}
