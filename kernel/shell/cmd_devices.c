/* kernel/shell/cmd_devices.c - `lspci` and `devices`: what the buses found and what each device
 * was given.
 *
 * `devices` shows every PDO (kernel/io/pnp.h) with both resource lists its driver received at
 * start (learn.microsoft.com "Using Interrupt Resource Descriptors", CM_PARTIAL_RESOURCE_DESCRIPTOR):
 * the raw list in bus terms (the GSI, or a message count) and the translated list in CPU terms
 * (IDT vector, IRQL, affinity), which is what IoConnectInterruptEx takes. The field names are
 * the WDK's, so the output can be read next to a driver's StartDevice.
 */
#include "kernel/bus/pci/pci.h"
#include "include/wdm.h"
#include "kernel/console/console.h"
#include "kernel/io/pnp.h"
#include "kernel/io/resource_list.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"
#include "kernel/shell/shell.h"

static int cmd_lspci(const struct shell_args *args)
{
    if (args->argc != 1)
        return SHELL_USAGE;
    pci_print();
    return SHELL_OK;
}

SHELL_COMMAND(lspci, "lspci", "PCI functions: ids, class, BARs, interrupt pin, MSI/MSI-X", NULL, cmd_lspci);

static const char *share_name(UCHAR share)
{
    switch (share) {
    case CmResourceShareDeviceExclusive: return "exclusive";
    case CmResourceShareDriverExclusive: return "driver-exclusive";
    case CmResourceShareShared: return "shared";
    default: return "undetermined";
    }
}

static void print_interrupt(const CM_PARTIAL_RESOURCE_DESCRIPTOR *raw, const CM_PARTIAL_RESOURCE_DESCRIPTOR *tr)
{
    const char *mode = raw->Flags & CM_RESOURCE_INTERRUPT_LATCHED ? "latched" : "level-sensitive";
    if (io_descriptor_is_message(raw)) {
        console_printf("    message    raw         MessageCount %u, %s, %s\n", raw->u.MessageInterrupt.Raw.MessageCount,
                       mode, share_name(raw->ShareDisposition));
        console_printf("               translated  Vector 0x%02x, Level (IRQL) %u, Affinity 0x%llx\n",
                       (unsigned)tr->u.MessageInterrupt.Translated.Vector, tr->u.MessageInterrupt.Translated.Level,
                       (unsigned long long)tr->u.MessageInterrupt.Translated.Affinity);
    } else {
        console_printf("    interrupt  raw         Level %u, Vector %u (GSI), %s, %s\n", raw->u.Interrupt.Level,
                       (unsigned)raw->u.Interrupt.Vector, mode, share_name(raw->ShareDisposition));
        console_printf("               translated  Vector 0x%02x, Level (IRQL) %u, Affinity 0x%llx\n",
                       (unsigned)tr->u.Interrupt.Vector, tr->u.Interrupt.Level,
                       (unsigned long long)tr->u.Interrupt.Affinity);
    }
}

static void print_descriptor(const CM_PARTIAL_RESOURCE_DESCRIPTOR *raw, const CM_PARTIAL_RESOURCE_DESCRIPTOR *tr)
{
    switch (raw->Type) {
    case CmResourceTypePort:
        console_printf("    port       0x%llx, Length %u\n", (unsigned long long)raw->u.Port.Start.QuadPart,
                       raw->u.Port.Length);
        break;
    case CmResourceTypeMemory:
        console_printf("    memory     0x%llx, Length 0x%x%s\n", (unsigned long long)raw->u.Memory.Start.QuadPart,
                       raw->u.Memory.Length, raw->Flags & CM_RESOURCE_MEMORY_PREFETCHABLE ? ", prefetchable" : "");
        break;
    case CmResourceTypeInterrupt: print_interrupt(raw, tr); break;
    default: console_printf("    type %u\n", raw->Type); break;
    }
}

static void print_device(const struct io_pdo *pdo)
{
    char ids[16], state[40];
    if (pdo->bus == IO_BUS_PCI)
        ksnprintf(ids, sizeof(ids), "%04x:%04x", pdo->pci->vendor_id, pdo->pci->device_id);
    else
        ksnprintf(ids, sizeof(ids), "%s", pdo->isa_pnp_id);
    /* The PnP state (kernel/io/pnp.h); a start that failed says with what. */
    if (pdo->driver && pdo->state == IO_PNP_NOT_STARTED && !NT_SUCCESS(pdo->start_status))
        ksnprintf(state, sizeof(state), "FAILED 0x%08x", (unsigned)pdo->start_status);
    else if (!pdo->driver && pdo->state == IO_PNP_NOT_STARTED)
        ksnprintf(state, sizeof(state), "%s", pdo->assigned ? "no driver" : "no driver, no resources");
    else
        ksnprintf(state, sizeof(state), "%s", io_pnp_state_name(pdo->state));
    console_printf("%-8s %-10s %-5s %-10s %s\n", pdo->name, ids, pdo->bus == IO_BUS_PCI ? "PCI" : "ISA",
                   pdo->driver ? pdo->driver->Name : "-", state);
    if (!pdo->assigned || !pdo->raw || !pdo->translated)
        return;
    ULONG count = io_resource_count(pdo->raw);
    for (ULONG i = 0; i < count; i++) {
        const CM_PARTIAL_RESOURCE_DESCRIPTOR *raw = io_resource_at(pdo->raw, i);
        const CM_PARTIAL_RESOURCE_DESCRIPTOR *tr = io_resource_at(pdo->translated, i);
        if (raw && tr)
            print_descriptor(raw, tr);
    }
}

static void print_devices(void)
{
    console_printf("device   ids        bus   driver     state\n");
    for (unsigned i = 0; i < io_pdo_count(); i++) {
        /* Under the I/O lock: a device's lists are replaced when it is stopped or started. */
        KIRQL old = io_lock();
        const struct io_pdo *pdo = io_pdo_from_device(io_pdo_at(i));
        if (pdo)
            print_device(pdo);
        io_unlock(old);
    }
}

static bool parse_uint(const char *text, unsigned *out)
{
    unsigned v = 0;
    if (!*text)
        return false;
    for (; *text; text++) {
        if (*text < '0' || *text > '9' || v > 1000)
            return false;
        v = v * 10 + (unsigned)(*text - '0');
    }
    *out = v;
    return true;
}

/* `devices start <dev> msi=off msix=off cpu=N irql=N`: the rebalance options. */
static bool parse_start_options(const struct shell_args *args, struct io_pnp_start_options *opt)
{
    for (int i = 3; i < args->argc; i++) {
        const char *a = args->argv[i];
        unsigned n;
        if (strcmp(a, "msi=off") == 0)
            opt->no_msi = true;
        else if (strcmp(a, "msix=off") == 0)
            opt->no_msix = true;
        else if (strncmp(a, "cpu=", 4) == 0 && parse_uint(a + 4, &n)) {
            opt->cpu = (int)n;
            opt->cpu_set = true;
        } else if (strncmp(a, "irql=", 5) == 0 && parse_uint(a + 5, &n) && n >= 3 && n <= 11)
            opt->irql = (KIRQL)n;
        else {
            console_printf("devices: unknown start option '%s' (msi=off msix=off cpu=N irql=3..11)\n", a);
            return false;
        }
    }
    return true;
}

static int report(const char *what, const char *name, NTSTATUS status)
{
    PDEVICE_OBJECT pdo = io_pdo_find_name(name);
    if (NT_SUCCESS(status)) {
        console_printf("%s: %s\n", name, pdo ? io_pnp_state_name(io_pnp_state_of(pdo)) : "removed");
        return SHELL_OK;
    }
    console_printf("devices %s %s: status 0x%08x%s\n", what, name, (unsigned)status,
                   status == STATUS_DEVICE_BUSY ? " (a driver refused: cancelled)" : "");
    return SHELL_ERROR;
}

static int cmd_devices(const struct shell_args *args)
{
    if (args->argc == 1) {
        print_devices();
        return SHELL_OK;
    }
    const char *verb = args->argv[1];
    if (strcmp(verb, "rescan") == 0 && args->argc == 2) {
        console_printf("rescan: %u new device%s\n", io_pnp_rescan(), "(s)");
        return SHELL_OK;
    }
    if (args->argc < 3)
        return SHELL_USAGE;
    const char *name = args->argv[2];
    PDEVICE_OBJECT pdo = io_pdo_find_name(name);
    if (!pdo) {
        console_printf("devices: no device %s (see `devices`)\n", name);
        return SHELL_ERROR;
    }
    if (strcmp(verb, "stop") == 0 && args->argc == 3)
        return report(verb, name, io_pnp_stop_device(pdo));
    if (strcmp(verb, "remove") == 0 && args->argc == 3)
        return report(verb, name, io_pnp_remove_device(pdo));
    if (strcmp(verb, "start") == 0) {
        struct io_pnp_start_options opt = {0};
        if (!parse_start_options(args, &opt))
            return SHELL_USAGE;
        NTSTATUS status = io_pnp_start_device(pdo, &opt);
        if (NT_SUCCESS(status)) {
            char what[64];
            KIRQL old = io_lock();
            io_pnp_describe_interrupt(io_pdo_from_device(pdo), what, sizeof(what));
            io_unlock(old);
            console_printf("%s: %s; %s\n", name, io_pnp_state_name(io_pnp_state_of(pdo)), what);
            return SHELL_OK;
        }
        return report(verb, name, status);
    }
    return SHELL_USAGE;
}

SHELL_COMMAND(devices, "devices [stop|start|remove <dev> | rescan]",
              "device objects: resources and PnP state; stop/start them",
              "One block per physical device object (PDO): PCI functions and the legacy ISA devices "
              "COM1 and LPT1, with the PnP state (NotStarted, Started, StopPending, Stopped, "
              "RemovePending, SurpriseRemovePending). Under it, each resource its driver got at start, "
              "as the CM_PARTIAL_RESOURCE_DESCRIPTORs of the raw list (bus terms: the GSI) and of the "
              "translated list (CPU terms: the IDT vector, the IRQL, the processors).\n"
              "devices stop <dev>: IRP_MN_QUERY_STOP_DEVICE then STOP_DEVICE (CANCEL_STOP if a driver "
              "refuses); the driver disconnects, the vectors are freed.\n"
              "devices start <dev> [msi=off] [msix=off] [cpu=N] [irql=N]: new resources (the "
              "rebalance) and IRP_MN_START_DEVICE.\n"
              "devices remove <dev>: QUERY_REMOVE then REMOVE_DEVICE; the PDO is deleted.\n"
              "devices rescan: a PDO for every PCI function without one (a removed one comes back).",
              cmd_devices);
