/* kernel/io/pnp.c - devices, their resources, their drivers (see pnp.h).
 *
 * learn.microsoft.com: "Adding a PnP Device to a Running System", "Starting a Device",
 * IRP_MN_START_DEVICE, IRP_MN_STOP_DEVICE; "Enabling Message-Signaled Interrupts in the Registry"
 * for the msi= / msix= switches (Windows reads MSISupported and MessageNumberLimit from the
 * registry; irqlab reads the command line and the driver table).
 *
 * Boot (io_pnp_init, kernel/main.c step 9):
 *   1. one PDO per PCI function (pci_init found them), one per legacy ISA device that answers
 *      at its fixed port (COM1 at 0x3F8 IRQ 4, LPT1 at 0x378 IRQ 7);
 *   2. for each PDO: find its driver in the driver table, assign its resources under the policy
 *      "command line + what that driver allows" (assign.c);
 *   3. start each matched driver: decoding and bus mastering on (as Windows' PCI bus driver does
 *      before the function driver sees IRP_MN_START_DEVICE), then StartDevice(DriverObject, PDO,
 *      raw list, translated list).
 */
#include "kernel/io/pnp.h"
#include "kernel/io/pnp_internal.h"

#include "kernel/boot/cmdline.h"
#include "kernel/console/console.h"
#include "kernel/console/log.h"
#include "kernel/io/assign.h"
#include "kernel/io/io_tags.h"
#include "kernel/io/shutdown_notify.h"
#include "kernel/ke/shutdown.h"
#include "kernel/ke/shutdown_watch.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"

CMDLINE_OPTION(msi, "on|off", "message-signalled interrupts (MSI and MSI-X) for devices that offer them (default on)");
CMDLINE_OPTION(msix, "on|off", "MSI-X for devices that offer it; off: plain MSI (default on)");
static bool nodriver_check(const char *value, char *why, size_t why_size);
CMDLINE_OPTION_CHECKED(nodriver, "name[,name...]", "drivers not to start; the next matching driver gets the device",
                       nodriver_check);

extern const IRQLAB_DRIVER __driver_table_start[], __driver_table_end[];

bool io_driver_exists(const char *name, size_t len)
{
    for (const IRQLAB_DRIVER *d = __driver_table_start; d < __driver_table_end; d++)
        if (d->Name && strlen(d->Name) == len && strncmp(d->Name, name, len) == 0)
            return true;
    return false;
}

/* A misspelt name in nodriver= would leave the driver running, silently: name it, and the
 * drivers there are, once at boot. */
static bool nodriver_check(const char *value, char *why, size_t why_size)
{
    for (const char *p = value;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len && !io_driver_exists(p, len)) {
            size_t n = ksnprintf(why, why_size, "no driver is named '%.*s'; drivers:", (int)len, p);
            for (const IRQLAB_DRIVER *d = __driver_table_start; d < __driver_table_end && n < why_size; d++)
                if (d->Name)
                    n += ksnprintf(why + n, why_size - n, " %s", d->Name);
            return false;
        }
        if (!end)
            return true;
        p = end + 1;
    }
}

/* The bus drivers that "enumerate" the PDOs: the kernel itself plays both. */
DRIVER_OBJECT io_pci_bus_driver = {.Type = IO_TYPE_DRIVER, .Size = sizeof(DRIVER_OBJECT), .Name = "pci",
                                       .MajorFunction = {[IRP_MJ_PNP] = io_pdo_dispatch_pnp}};
DRIVER_OBJECT io_isa_bus_driver = {.Type = IO_TYPE_DRIVER, .Size = sizeof(DRIVER_OBJECT), .Name = "isa",
                                       .MajorFunction = {[IRP_MJ_PNP] = io_pdo_dispatch_pnp}};

static PDEVICE_OBJECT pdos[IO_MAX_PDOS];
static unsigned pdo_count;
static KSPIN_LOCK lock;

KIRQL io_lock(void)
{
    KIRQL old;
    KeAcquireSpinLock(&lock, &old);
    return old;
}

void io_unlock(KIRQL old) { KeReleaseSpinLock(&lock, old); }

unsigned io_pdo_count(void) { return pdo_count; }
PDEVICE_OBJECT io_pdo_at(unsigned index) { return index < pdo_count ? pdos[index] : NULL; }

struct io_pdo *io_pdo_from_device(PDEVICE_OBJECT device)
{
    for (unsigned i = 0; i < pdo_count; i++)
        if (pdos[i] == device)
            return device->DeviceExtension;
    return NULL;
}

PDEVICE_OBJECT io_pdo_find_pci(uint16_t vendor, uint16_t device, unsigned nth)
{
    for (unsigned i = 0; i < pdo_count; i++) {
        const struct io_pdo *p = pdos[i]->DeviceExtension;
        if (p->bus == IO_BUS_PCI && p->pci->vendor_id == vendor && p->pci->device_id == device && nth-- == 0)
            return pdos[i];
    }
    return NULL;
}

PDEVICE_OBJECT io_pdo_find_isa(const char *pnp_id)
{
    for (unsigned i = 0; i < pdo_count; i++) {
        const struct io_pdo *p = pdos[i]->DeviceExtension;
        if (p->bus == IO_BUS_ISA && strcmp(p->isa_pnp_id, pnp_id) == 0)
            return pdos[i];
    }
    return NULL;
}

PDEVICE_OBJECT io_pdo_find_name(const char *name)
{
    for (unsigned i = 0; i < pdo_count; i++) {
        const struct io_pdo *p = pdos[i]->DeviceExtension;
        if (strcmp(p->name, name) == 0)
            return pdos[i];
    }
    return NULL;
}

static unsigned pci_index(const struct pci_device *dev)
{
    unsigned i = 0;
    while (i < pci_device_count() && pci_device_at(i) != dev)
        i++;
    return i;
}

static bool goes_before(const struct io_pdo *a, const struct io_pdo *b)
{
    if (a->bus != IO_BUS_PCI)
        return false;
    return b->bus != IO_BUS_PCI || pci_index(a->pci) < pci_index(b->pci);
}

void io_pnp_sort_pdo(PDEVICE_OBJECT device)
{
    KIRQL old = io_lock();
    unsigned i = 0;
    while (i < pdo_count && pdos[i] != device)
        i++;
    for (; i > 0 && i < pdo_count && goes_before(device->DeviceExtension, pdos[i - 1]->DeviceExtension); i--) {
        pdos[i] = pdos[i - 1];
        pdos[i - 1] = device;
    }
    io_unlock(old);
}

/* A removed PDO leaves the table (under the I/O lock: `devices` walks it); the caller deletes it. */
void io_pnp_forget_pdo(PDEVICE_OBJECT device)
{
    KIRQL old = io_lock();
    for (unsigned i = 0; i < pdo_count; i++) {
        if (pdos[i] == device) {
            for (unsigned j = i + 1; j < pdo_count; j++)
                pdos[j - 1] = pdos[j];
            pdos[--pdo_count] = NULL;
            break;
        }
    }
    io_unlock(old);
}

PDEVICE_OBJECT io_pdo_for_pci(const struct pci_device *dev)
{
    for (unsigned i = 0; i < pdo_count; i++) {
        const struct io_pdo *p = pdos[i]->DeviceExtension;
        if (p->bus == IO_BUS_PCI && p->pci == dev)
            return pdos[i];
    }
    return NULL;
}

NTSTATUS io_release_pci_device(const struct pci_device *dev)
{
    PDEVICE_OBJECT pdo = dev ? io_pdo_for_pci(dev) : NULL;
    return pdo ? io_device_stop(pdo) : STATUS_NO_SUCH_DEVICE;
}

/* ---- PDOs ---------------------------------------------------------------------------------- */

struct io_pdo *io_pnp_create_pdo(PDRIVER_OBJECT bus_driver, enum io_bus bus, DEVICE_TYPE type)
{
    if (pdo_count == IO_MAX_PDOS)
        return NULL;
    PDEVICE_OBJECT device;
    if (!NT_SUCCESS(
            IoCreateDevice(bus_driver, sizeof(struct io_pdo), NULL, type, FILE_DEVICE_SECURE_OPEN, FALSE, &device)))
        return NULL;
    device->Flags = (device->Flags | DO_BUS_ENUMERATED_DEVICE) & ~(ULONG)DO_DEVICE_INITIALIZING;
    struct io_pdo *pdo = device->DeviceExtension;
    pdo->device = device;
    pdo->bus = bus;
    pdo->state = IO_PNP_NOT_STARTED;
    pdo->minor = 0xFF;
    KIRQL old = io_lock();
    pdos[pdo_count++] = device;
    io_unlock(old);
    return pdo;
}

static void create_pci_pdos(void)
{
    for (unsigned i = 0; i < pci_device_count(); i++) {
        struct pci_device *dev = pci_device_at(i);
        struct io_pdo *pdo = io_pnp_create_pdo(&io_pci_bus_driver, IO_BUS_PCI, FILE_DEVICE_UNKNOWN);
        if (!pdo) {
            log_error("io: no PDO for PCI %s (out of memory or PDO table full)", dev->label);
            return;
        }
        pdo->pci = dev;
        strlcpy(pdo->name, dev->label, sizeof(pdo->name));
    }
}

/* Legacy ISA devices cannot be enumerated: software looks at the fixed ports. A register that
 * reads back what was written has a device behind it; an empty I/O port reads 0xFF whatever is
 * written. COM1's scratch register (base + 7) and LPT1's data latch (base + 0) are such registers
 * and writing them has no side effect; the old value is put back. The IRQs are the PC/AT's. */
static bool port_echoes(uint16_t port)
{
    uint8_t saved = READ_PORT_UCHAR((PUCHAR)(uintptr_t)port);
    WRITE_PORT_UCHAR((PUCHAR)(uintptr_t)port, 0x5A);
    bool a = READ_PORT_UCHAR((PUCHAR)(uintptr_t)port) == 0x5A;
    WRITE_PORT_UCHAR((PUCHAR)(uintptr_t)port, 0xA5);
    bool b = READ_PORT_UCHAR((PUCHAR)(uintptr_t)port) == 0xA5;
    WRITE_PORT_UCHAR((PUCHAR)(uintptr_t)port, saved);
    return a && b;
}

static void create_isa_pdo(const char *name, const char *pnp_id, uint16_t port, uint16_t probe_offset, uint8_t irq,
                           DEVICE_TYPE type)
{
    if (!port_echoes((uint16_t)(port + probe_offset))) {
        log_info("io: no %s at 0x%x", name, port);
        return;
    }
    struct io_pdo *pdo = io_pnp_create_pdo(&io_isa_bus_driver, IO_BUS_ISA, type);
    if (!pdo) {
        log_error("io: no PDO for %s", name);
        return;
    }
    strlcpy(pdo->name, name, sizeof(pdo->name));
    pdo->isa_pnp_id = pnp_id;
    pdo->isa_irq = irq;
    pdo->isa_port = port;
    pdo->isa_port_length = 8;
}

/* ---- drivers ------------------------------------------------------------------------------- */

static bool driver_matches(const IRQLAB_DRIVER *d, const struct io_pdo *pdo)
{
    if (pdo->bus == IO_BUS_ISA)
        return d->IsaPnpId && strcmp(d->IsaPnpId, pdo->isa_pnp_id) == 0;
    return d->VendorId && d->VendorId == pdo->pci->vendor_id &&
           (d->DeviceId == IRQLAB_PCI_ANY_ID || d->DeviceId == pdo->pci->device_id);
}

/* `nodriver=edu,foo`: is driver `name` one the command line switched off? */
static bool driver_disabled(PCSTR name)
{
    const char *list = cmdline_get("nodriver");
    size_t len = name ? strlen(name) : 0;
    if (!list || len == 0)
        return false;
    for (const char *p = list; *p;) {
        const char *end = p;
        while (*end && *end != ',')
            end++;
        if ((size_t)(end - p) == len && strncmp(p, name, len) == 0)
            return true;
        p = *end ? end + 1 : end;
    }
    return false;
}

/* The first entry in the driver table (link order: sorted source paths) that matches and is not
 * switched off with nodriver=. So two drivers for one device (edu and a driver made from
 * scripts/driver_template) do not fight: `nodriver=edu` hands the device to the next one. */
const IRQLAB_DRIVER *io_pnp_find_driver(const struct io_pdo *pdo)
{
    for (const IRQLAB_DRIVER *d = __driver_table_start; d < __driver_table_end; d++)
        if ((d->StartDevice || d->DriverEntry) && driver_matches(d, pdo) && !driver_disabled(d->Name) &&
            !io_driver_entry_unloaded(d))
            return d;
    return NULL;
}

struct io_interrupt_policy io_pnp_policy_for(const struct io_pdo *pdo)
{
    struct io_interrupt_policy p = {
        .msi_enabled = cmdline_get_bool("msi", true) && !pdo->options.no_msi,
        .msix_enabled = cmdline_get_bool("msix", true) && !pdo->options.no_msix,
    };
    if (pdo->driver) {
        p.driver_no_msi = (pdo->driver->Flags & IRQLAB_DRIVER_NO_MSI) != 0;
        p.driver_no_msix = (pdo->driver->Flags & IRQLAB_DRIVER_NO_MSIX) != 0;
        p.message_limit = pdo->driver->MessageNumberLimit;
    }
    return p;
}

/* What Windows' PCI bus driver does before the function driver starts: let the device answer
 * its BARs and master the bus (DMA, and MSI, which is a memory write the device makes). */
void io_pnp_enable_decoding(struct io_pdo *pdo)
{
    if (pdo->bus != IO_BUS_PCI)
        return;
    bool io = false, memory = false;
    for (unsigned b = 0; b < PCI_BAR_COUNT; b++) {
        io |= pdo->pci->bars[b].kind == PCI_BAR_IO && pdo->pci->bars[b].base;
        memory |= (pdo->pci->bars[b].kind == PCI_BAR_MEM32 || pdo->pci->bars[b].kind == PCI_BAR_MEM64) &&
                  pdo->pci->bars[b].base;
    }
    if (io)
        pci_enable_io(pdo->pci);
    if (memory)
        pci_enable_memory(pdo->pci);
    pci_enable_bus_master(pdo->pci);
}

void io_pnp_describe_interrupt(const struct io_pdo *pdo, char *buf, size_t size)
{
    const struct io_resources *r = &pdo->resources;
    switch (r->kind) {
    case IO_INTERRUPT_LINE:
        ksnprintf(buf, size, "line GSI %u %s, vector 0x%02x (IRQL %u)", r->gsi, r->line_level ? "level" : "edge",
                  r->line_vector, r->line_vector >> 4);
        break;
    case IO_INTERRUPT_MSI:
        ksnprintf(buf, size, "MSI x%u, vector 0x%02x (IRQL %u) -> CPU %u", r->message_count, r->message_vectors[0],
                  r->message_vectors[0] >> 4, pdo->messages[0].cpu);
        break;
    case IO_INTERRUPT_MSIX:
        ksnprintf(buf, size, "MSI-X x%u, vectors 0x%02x..", r->message_count, r->message_vectors[0]);
        break;
    case IO_INTERRUPT_NONE: ksnprintf(buf, size, "no interrupt"); break;
    }
}

/* ---- boot ---------------------------------------------------------------------------------- */

void io_pnp_init(void)
{
    KeInitializeSpinLock(&lock);
    io_pnp_lock_init();
    create_pci_pdos();
    create_isa_pdo("COM1", "PNP0501", 0x3F8, 7, 4, FILE_DEVICE_SERIAL_PORT);   /* 16550 scratch register */
    create_isa_pdo("LPT1", "PNP0400", 0x378, 0, 7, FILE_DEVICE_PARALLEL_PORT); /* data latch */

    unsigned started = 0, drivers = 0;
    for (unsigned i = 0; i < pdo_count; i++) {
        struct io_pdo *pdo = pdos[i]->DeviceExtension;
        NTSTATUS status = io_pnp_start_device(pdos[i], NULL);
        char what[64];
        io_pnp_describe_interrupt(pdo, what, sizeof(what));
        if (pdo->driver) {
            drivers++;
            started += pdo->started;
            log_info("io: %s: %s; driver %s %s", pdo->name, what, pdo->driver->Name,
                     pdo->started ? "started" : "FAILED");
        } else if (NT_SUCCESS(status) && pdo->resources.kind != IO_INTERRUPT_NONE) {
            log_debug("io: %s: %s; no driver", pdo->name, what);
        }
    }
    log_info("io: %u device%s, %u with a driver, %u started (msi=%s msix=%s)", pdo_count, pdo_count == 1 ? "" : "s",
             drivers, started, cmdline_get_bool("msi", true) ? "on" : "off",
             cmdline_get_bool("msix", true) ? "on" : "off");
}

void io_pnp_print(void)
{
    console_printf("device   ids        interrupt                                   driver (state)\n");
    for (unsigned i = 0; i < pdo_count; i++) {
        const struct io_pdo *pdo = pdos[i]->DeviceExtension;
        char ids[16], what[64];
        if (pdo->bus == IO_BUS_PCI)
            ksnprintf(ids, sizeof(ids), "%04x:%04x", pdo->pci->vendor_id, pdo->pci->device_id);
        else
            ksnprintf(ids, sizeof(ids), "%s", pdo->isa_pnp_id);
        io_pnp_describe_interrupt(pdo, what, sizeof(what));
        console_printf("%-8s %-10s %-43s %s (%s)\n", pdo->name, ids, pdo->assigned ? what : "(no resources)",
                       pdo->driver ? pdo->driver->Name : "-", io_pnp_state_name(pdo->state));
    }
}

/* Was a device of this PDO's stack sent IRP_MJ_SHUTDOWN (IoRegisterShutdownNotification)? */
static bool stack_told_of_shutdown(PDEVICE_OBJECT pdo)
{
    for (PDEVICE_OBJECT d = pdo; d; d = d->AttachedDevice)
        if (io_shutdown_was_notified(d))
            return true;
    return false;
}

/* An orderly shutdown (the shell's `poweroff`): first every device registered with
 * IoRegisterShutdownNotification gets IRP_MJ_SHUTDOWN (NDIS miniports: MiniportShutdownEx, and
 * the adapter stays as it is, as on Windows); then every other started device is stopped, last
 * started first, so each driver's StopDevice runs and every interrupt is disconnected before the
 * machine goes away. Devices still busy stay as they are; nothing here can fail the shutdown,
 * and a driver that never returns is reported by the shutdown watch
 * (kernel/ke/shutdown_watch.h). PASSIVE_LEVEL. */
void io_pnp_shutdown(void)
{
    io_shutdown_notify_all(); /* IRP_MJ_SHUTDOWN first (NDIS: MiniportShutdownEx) */
    for (unsigned i = pdo_count; i-- > 0;) {
        struct io_pdo *pdo = pdos[i]->DeviceExtension;
        if (!pdo->started || stack_told_of_shutdown(pdos[i]))
            continue;
        char what[96];
        ksnprintf(what, sizeof(what), "driver %s to stop %s", pdo->driver ? pdo->driver->Name : "?", pdo->name);
        ke_shutdown_waiting_for(what); /* named if it never returns (kernel/ke/shutdown_watch.h) */
        (void)io_pnp_stop_for_shutdown(pdos[i]);
    }
}

void io_poweroff(void)
{
    console_printf("powering off: stopping devices\n");
    ke_shutdown_watch_begin();
    io_pnp_shutdown(); /* IRP_MJ_SHUTDOWN (NDIS: MiniportShutdownEx), then the other drivers stop */
    console_printf("powering off\n");
    ke_exit(KE_EXIT_SUCCESS);
}
