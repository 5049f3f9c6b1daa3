/* kernel/shell/cmd_registry.c - `registry`: the values drivers read with IoOpenDeviceRegistryKey /
 * ZwQueryValueKey or NdisReadConfiguration, as the command line set them (kernel/cm/registry.h). */
#include "kernel/cm/registry.h"
#include "kernel/console/console.h"
#include "kernel/shell/shell.h"

static int cmd_registry(const struct shell_args *args)
{
    if (args->argc != 1)
        return SHELL_USAGE;
    unsigned n = cm_value_count();
    if (n == 0) {
        console_printf("no registry values (set one with <driver>.<Value>=<data> on the command line)\n");
        return SHELL_OK;
    }
    console_printf("%-10s %-28s %-9s %s\n", "driver", "value", "type", "data");
    for (unsigned i = 0; i < n; i++) {
        const struct cm_value *v = cm_value_at(i);
        if (v->type == REG_DWORD)
            console_printf("%-10s %-28s %-9s %u (0x%x)\n", v->driver, v->name, "REG_DWORD", v->dword, v->dword);
        else
            console_printf("%-10s %-28s %-9s \"%s\"\n", v->driver, v->name, "REG_SZ", v->text);
    }
    return SHELL_OK;
}

SHELL_COMMAND(registry, "registry", "registry values drivers read (docs/configuration.md)",
              "Set them on the command line: make run CMDLINE='e1000.*ReceiveBuffers=64 edu.Answer=42'.", cmd_registry);
