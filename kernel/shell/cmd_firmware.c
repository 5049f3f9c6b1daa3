/* kernel/shell/cmd_firmware.c - `acpi`, `madt`, `ioapic`, `lapic`: the firmware's description of
 * the interrupt hardware, and the controllers as programmed now. The printing is done by the
 * modules that own the data (each cites its specification: ACPI 6.5 §5.2, the 82093AA IOAPIC data
 * sheet, Intel SDM Vol. 3A chapter 11); these commands only make them reachable. */
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/ioapic.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/madt.h"
#include "kernel/shell/shell.h"

static int cmd_acpi(const struct shell_args *args)
{
    if (args->argc != 1)
        return SHELL_USAGE;
    acpi_print();
    return SHELL_OK;
}

SHELL_COMMAND(acpi, "acpi", "ACPI tables the firmware provides (RSDP, RSDT/XSDT, ...)", NULL, cmd_acpi);

static int cmd_madt(const struct shell_args *args)
{
    if (args->argc != 1)
        return SHELL_USAGE;
    madt_print();
    return SHELL_OK;
}

SHELL_COMMAND(madt, "madt", "MADT: CPUs, IOAPICs, interrupt source overrides, NMIs",
              "The ACPI table that says which local APICs (CPUs) and IOAPICs exist and how the 16 ISA "
              "IRQs reach the IOAPIC inputs (GSIs): an override such as IRQ 0 -> GSI 2 changes the "
              "wiring, trigger or polarity.",
              cmd_madt);

static int cmd_ioapic(const struct shell_args *args)
{
    if (args->argc != 1)
        return SHELL_USAGE;
    ioapic_print();
    return SHELL_OK;
}

SHELL_COMMAND(ioapic, "ioapic", "each IOAPIC pin's redirection entry as programmed now", NULL, cmd_ioapic);

static int cmd_lapic(const struct shell_args *args)
{
    if (args->argc != 1)
        return SHELL_USAGE;
    lapic_print();
    return SHELL_OK;
}

SHELL_COMMAND(lapic, "lapic", "this CPU's local APIC: id, SVR, TPR, LVT entries, timer", NULL, cmd_lapic);
