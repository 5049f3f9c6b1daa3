/* kernel/shell/cmd_slots.c - `slots`: the PCI Express hot-plug slots (kernel/bus/pci/pcie_hotplug.h,
 * docs/hotplug.md). */
#include "kernel/bus/pci/pcie_hotplug.h"
#include "kernel/shell/shell.h"

static int cmd_slots(const struct shell_args *args)
{
    if (args->argc != 1)
        return SHELL_USAGE;
    pcie_hp_print();
    return SHELL_OK;
}

SHELL_COMMAND(slots, "slots", "PCIe hot-plug slots: power, presence, link, indicators", NULL, cmd_slots);
