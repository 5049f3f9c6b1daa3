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
    if (!pdo->assigned)
        ksnprintf(state, sizeof(state), "stopped");
    else if (!pdo->driver)
        ksnprintf(state, sizeof(state), "no driver");
    else if (pdo->started)
        ksnprintf(state, sizeof(state), "started");
    else
        ksnprintf(state, sizeof(state), "FAILED 0x%08x", (unsigned)pdo->start_status);
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

static int cmd_devices(const struct shell_args *args)
{
    if (args->argc != 1)
        return SHELL_USAGE;
    console_printf("device   ids        bus   driver     state\n");
    for (unsigned i = 0; i < io_pdo_count(); i++) {
        /* Under the I/O lock: a device's lists are replaced when it is stopped or started. */
        KIRQL old = io_lock();
        const struct io_pdo *pdo = io_pdo_from_device(io_pdo_at(i));
        if (pdo)
            print_device(pdo);
        io_unlock(old);
    }
    return SHELL_OK;
}

SHELL_COMMAND(devices, "devices", "device objects with their raw and translated resources",
              "One block per physical device object (PDO): PCI functions and the legacy ISA devices "
              "COM1 and LPT1. Under it, each resource its driver got at start, as the "
              "CM_PARTIAL_RESOURCE_DESCRIPTORs of the raw list (bus terms: the GSI) and of the "
              "translated list (CPU terms: the IDT vector, the IRQL, the processors). The same list "
              "without resources: 'io' in the boot log.",
              cmd_devices);
