/* kernel/io/pnp_driver.c - drivers: their DRIVER_OBJECTs, loading (DriverEntry) and unloading
 * (remove every device, then DriverUnload), and Driver Verifier's unload rule.
 *
 * learn.microsoft.com: "DriverEntry for WDM Drivers", "Writing an Unload Routine", "Unload
 * routine" ("the PnP manager calls Unload after the driver's devices have been removed"),
 * "Bug Check 0xCE: DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS".
 *
 * Every driver stays in the kernel image (irqlab links them in); "unloaded" means: no device of
 * it in any stack, DriverUnload called, its DRIVER_OBJECT emptied (dispatch table, AddDevice,
 * DriverUnload), and no device given to it until `drivers load` - which calls DriverEntry again
 * and starts every device it matches. Each driver-table entry has its own DRIVER_OBJECT (an
 * NDIS miniport with several PCI ids has one per id); a name names all of them.
 *
 * The unload rule, as Driver Verifier checks it on Windows: when DriverUnload returns, the driver
 * may have nothing left that the kernel could call or run - an interrupt still connected to one
 * of its devices, a device object it created and did not delete, a DPC or timer still queued -
 * else Bug Check 0xCE: P1 = the routine that would run in the unloaded driver (the ISR; 0 for
 * a device object),
 * P2 = 0 (a read: executing it), P3 = the object (the KINTERRUPT or the DEVICE_OBJECT),
 * P4 = the DRIVER_OBJECT (the stop screen names the driver). irqlab checks at unload what
 * Windows finds when the stale routine is reached. A DPC or timer the driver initialized in its
 * static data while the PnP manager was calling it (DriverEntry, AddDevice, its IRP_MJ_PNP
 * dispatch or StartDevice / StopDevice) and left queued is the same stop: P1 = its DPC routine
 * (0 for a timer without one), P3 = the KDPC or KTIMER.
 *
 * With verifier=pool (Driver Verifier's "Pool Tracking"), a driver whose code still holds pool
 * it allocated once every entry of its name is unloaded stops with 0xC4
 * DRIVER_VERIFIER_DETECTED_VIOLATION, P1 = 0x62, P2 = the driver's name (a C string here),
 * P3 = its DRIVER_OBJECT (Windows: the verifier's driver entry), P4 = the blocks not freed; the
 * stop screen names the oldest block's tag, size and call site (kernel/mm/pool_track.h says how
 * an allocation is charged to a driver).
 */
#include "kernel/io/pnp_internal.h"

#include "kernel/console/console.h"
#include "kernel/console/log.h"
#include "kernel/io/connect_interrupt.h"
#include "kernel/io/io_tags.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/object_watch.h"
#include "kernel/ke/verifier.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"
#include "kernel/mm/pool.h"
#include "kernel/mm/pool_track.h"

#define IO_MAX_DRIVERS 32
#define REGISTRY_PATH_CHARS 96
#define IO_MAX_WATCHED 8 /* DPCs and timers per driver */

struct io_driver {
    PDRIVER_OBJECT object; /* created on first use, never freed (pointers to it may remain) */
    bool unloaded;         /* `drivers unload` */
    bool named_once;       /* `drivers load|unload` named it: `unloaded` decides, not the flag */
    bool entry_called;     /* WDM: DriverEntry ran for this load */
    DRIVER_EXTENSION extension;
    WCHAR registry_path[REGISTRY_PATH_CHARS];
    /* Static DPCs and timers (in the kernel image's data) the driver initialized while the PnP
     * manager was calling it: checked at unload. */
    void *watched[IO_MAX_WATCHED];
    bool watched_timer[IO_MAX_WATCHED];
};

static struct io_driver drivers[IO_MAX_DRIVERS]; /* by driver table index */

static struct io_driver *driver_of(const IRQLAB_DRIVER *d)
{
    unsigned index = (unsigned)(d - __driver_table_start);
    return index < IO_MAX_DRIVERS ? &drivers[index] : NULL;
}

/* ---- which driver made a DPC or timer --------------------------------------------------------- */

extern char __data_start[], __bss_end[]; /* linker.ld: the image's data and bss */

static PDRIVER_OBJECT calling_driver; /* the driver the PnP manager is calling, on ... */
static PKTHREAD calling_thread;       /* ... this thread (the PnP lock's owner) */

static struct io_driver *driver_of_object(PDRIVER_OBJECT object)
{
    for (unsigned i = 0; object && i < IO_MAX_DRIVERS; i++)
        if (drivers[i].object == object)
            return &drivers[i];
    return NULL;
}

/* KeInitializeDpc / KeInitializeTimerEx (kernel/ke/object_watch.h). Only objects in the image's
 * data are kept: they outlive the driver's devices, so reading them at unload is safe. A DPC or
 * timer in pool (a device extension) is not tracked. */
static void note_object(void *object, bool timer)
{
    if (!calling_driver || KeGetCurrentThread() != calling_thread || (char *)object < __data_start ||
        (char *)object >= __bss_end)
        return;
    struct io_driver *s = driver_of_object(calling_driver);
    for (unsigned i = 0; s && i < IO_MAX_WATCHED; i++) {
        if (s->watched[i] == object || !s->watched[i]) {
            s->watched[i] = object;
            s->watched_timer[i] = timer;
            return;
        }
    }
}

PDRIVER_OBJECT io_driver_calling(PDRIVER_OBJECT driver)
{
    PDRIVER_OBJECT previous = calling_driver;
    ke_object_init_hook = note_object;
    calling_thread = KeGetCurrentThread();
    calling_driver = driver;
    return previous;
}

bool io_driver_entry_unloaded(const IRQLAB_DRIVER *d)
{
    struct io_driver *s = driver_of(d);
    if (s && !s->named_once) /* as at boot: a demand-start driver waits for `drivers load` */
        return (d->Flags & IRQLAB_DRIVER_DEMAND_START) != 0;
    return s && s->unloaded;
}

/* "\Registry\Machine\System\CurrentControlSet\Services\<name>", as DriverEntry gets it. */
static void make_registry_path(struct io_driver *s, PCSTR name, UNICODE_STRING *out)
{
    static const char prefix[] = "\\Registry\\Machine\\System\\CurrentControlSet\\Services\\";
    size_t n = 0;
    for (const char *p = prefix; *p && n < REGISTRY_PATH_CHARS - 1; p++)
        s->registry_path[n++] = (WCHAR)*p;
    for (const char *p = name ? name : ""; *p && n < REGISTRY_PATH_CHARS - 1; p++)
        s->registry_path[n++] = (WCHAR)*p;
    s->registry_path[n] = 0;
    out->Buffer = s->registry_path;
    out->Length = (USHORT)(n * sizeof(WCHAR));
    out->MaximumLength = (USHORT)(REGISTRY_PATH_CHARS * sizeof(WCHAR));
}

PDRIVER_OBJECT io_driver_object_for(const IRQLAB_DRIVER *d, NTSTATUS *status)
{
    struct io_driver *s = driver_of(d);
    *status = STATUS_INSUFFICIENT_RESOURCES;
    if (!s)
        return NULL;
    if (!s->object) {
        PDRIVER_OBJECT object = ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(DRIVER_OBJECT), IO_TAG_DEVICE);
        if (!object)
            return NULL;
        object->Type = IO_TYPE_DRIVER;
        object->Size = sizeof(DRIVER_OBJECT);
        object->Name = d->Name;
        s->object = object;
    }
    if (d->DriverEntry && !s->entry_called) {
        PDRIVER_OBJECT object = s->object;
        memset(&s->extension, 0, sizeof(s->extension));
        s->extension.DriverObject = object;
        object->DriverExtension = &s->extension;
        object->DriverInit = d->DriverEntry;
        UNICODE_STRING path;
        make_registry_path(s, d->Name, &path);
        PDRIVER_OBJECT previous = io_driver_calling(object);
        NTSTATUS entry = d->DriverEntry(object, &path);
        io_driver_calling(previous);
        if (!NT_SUCCESS(entry)) {
            log_error("io: %s: DriverEntry failed: 0x%08x", d->Name, (unsigned)entry);
            *status = entry;
            return NULL;
        }
        s->entry_called = true;
    }
    *status = STATUS_SUCCESS;
    return s->object;
}

static bool named(const IRQLAB_DRIVER *d, const char *name) { return d->Name && strcmp(d->Name, name) == 0; }

static bool driver_name_exists(const char *name) { return io_driver_exists(name, strlen(name)); }

bool io_driver_is_loaded(const char *name)
{
    for (const IRQLAB_DRIVER *d = __driver_table_start; d < __driver_table_end; d++)
        if (named(d, name) && !io_driver_entry_unloaded(d))
            return true;
    return false;
}

/* ---- unload --------------------------------------------------------------------------------- */

__attribute__((noreturn)) static void unloaded_with(PDRIVER_OBJECT object, const char *what, ULONG_PTR routine,
                                                    ULONG_PTR pending)
{
    console_printf("\nio: driver %s unloaded with %s 0x%016lx still there\n", object->Name ? object->Name : "?", what,
                   (unsigned long)pending);
    KeBugCheckEx(DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS, routine, 0, pending, (ULONG_PTR)object);
}

/* Driver Verifier's unload rule (the header comment). */
static void verify_unloaded(PDRIVER_OBJECT object)
{
    for (unsigned i = 0; i < io_pdo_count(); i++) {
        struct io_pdo *pdo = io_pdo_from_device(io_pdo_at(i));
        if (!pdo || pdo->driver_object != object || !pdo->connections)
            continue;
        KIRQL old = io_lock();
        PKINTERRUPT interrupt = io_connection_first_object(pdo->device);
        io_unlock(old);
        if (interrupt) {
            ULONG_PTR isr = interrupt->MessageServiceRoutine ? (ULONG_PTR)interrupt->MessageServiceRoutine
                                                             : (ULONG_PTR)interrupt->ServiceRoutine;
            unloaded_with(object, "interrupt object", isr, (ULONG_PTR)interrupt);
        }
    }
    if (object->DeviceObject)
        unloaded_with(object, "device object", 0, (ULONG_PTR)object->DeviceObject);
    struct io_driver *s = driver_of_object(object);
    for (unsigned i = 0; s && i < IO_MAX_WATCHED && s->watched[i]; i++) {
        if (s->watched_timer[i]) {
            PKTIMER timer = s->watched[i];
            if (timer->Header.Inserted)
                unloaded_with(object, "timer", timer->Dpc ? (ULONG_PTR)timer->Dpc->DeferredRoutine : 0,
                              (ULONG_PTR)timer);
        } else {
            PKDPC dpc = s->watched[i];
            if (__atomic_load_n(&dpc->DpcData, __ATOMIC_ACQUIRE))
                unloaded_with(object, "DPC", (ULONG_PTR)dpc->DeferredRoutine, (ULONG_PTR)dpc);
        }
    }
    if (s)
        memset(s->watched, 0, sizeof(s->watched)); /* DriverEntry starts a new list */
}

static NTSTATUS unload_entry(const IRQLAB_DRIVER *d)
{
    struct io_driver *s = driver_of(d);
    if (!s || io_driver_entry_unloaded(d))
        return STATUS_SUCCESS;
    /* Every device of it leaves its stack first: QUERY_REMOVE + REMOVE, the PDO stays. */
    for (unsigned i = 0; i < io_pdo_count(); i++) {
        struct io_pdo *pdo = io_pdo_from_device(io_pdo_at(i));
        if (!pdo || pdo->driver != d || !s->object || pdo->driver_object != s->object)
            continue;
        if (pdo->added || pdo->state == IO_PNP_STARTED || pdo->state == IO_PNP_STOPPED) {
            NTSTATUS status = io_pnp_remove_stack(pdo, false);
            if (!NT_SUCCESS(status)) {
                log_info("io: driver %s stays: %s refused removal (0x%08x)", d->Name, pdo->name, (unsigned)status);
                return status;
            }
        }
        pdo->driver = NULL;
    }
    s->unloaded = s->named_once = true;
    if (s->object) {
        PDRIVER_OBJECT object = s->object;
        if (object->DriverUnload) {
            PDRIVER_OBJECT previous = io_driver_calling(object);
            object->DriverUnload(object);
            io_driver_calling(previous);
        }
        verify_unloaded(object);
        /* What is left of the load: DriverEntry fills it again. */
        memset(object->MajorFunction, 0, sizeof(object->MajorFunction));
        object->DriverUnload = NULL;
        if (d->DriverEntry) {
            object->DriverExtension = NULL;
            s->entry_called = false;
        }
    }
    log_info("io: driver %s unloaded", d->Name);
    return STATUS_SUCCESS;
}

/* verifier=pool: nothing the driver's code allocated may be left (the header comment). Checked
 * once all entries of the name are unloaded: they share their code, so their pool too. */
static void verify_pool_freed(const IRQLAB_DRIVER *d)
{
    struct io_driver *s = driver_of(d);
    int unit = pool_track_unit_of(d->DriverEntry ? (const void *)d->DriverEntry : (const void *)d->StartDevice);
    struct pool_track_leaks leaks;
    if (!s || !s->object || !pool_track_leaks_of(unit, &leaks))
        return;
    char tag[5];
    console_printf("\nverifier: pool: driver %s unloaded with %u allocations (%lu bytes) not freed, the oldest "
                   "0x%016lx: %lu bytes, tag '%s'\n",
                   d->Name, leaks.count, (unsigned long)leaks.bytes, (unsigned long)leaks.first,
                   (unsigned long)leaks.first_bytes, pool_tag_text(leaks.first_tag, tag));
    ke_verifier_count(KE_VERIFY_POOL);
    KeBugCheckEx(DRIVER_VERIFIER_DETECTED_VIOLATION, 0x62, (ULONG_PTR)d->Name, (ULONG_PTR)s->object, leaks.count);
}

NTSTATUS io_driver_unload(const char *name)
{
    if (!name || !driver_name_exists(name))
        return STATUS_OBJECT_NAME_NOT_FOUND;
    io_pnp_lock();
    NTSTATUS status = STATUS_SUCCESS;
    const IRQLAB_DRIVER *unloaded = NULL;
    for (const IRQLAB_DRIVER *d = __driver_table_start; d < __driver_table_end && NT_SUCCESS(status); d++) {
        if (named(d, name)) {
            status = unload_entry(d);
            unloaded = unloaded ? unloaded : d;
        }
    }
    if (NT_SUCCESS(status) && unloaded)
        verify_pool_freed(unloaded);
    io_pnp_unlock();
    return status;
}

/* ---- load ----------------------------------------------------------------------------------- */

NTSTATUS io_driver_load(const char *name)
{
    if (!name || !driver_name_exists(name))
        return STATUS_OBJECT_NAME_NOT_FOUND;
    io_pnp_lock();
    for (const IRQLAB_DRIVER *d = __driver_table_start; d < __driver_table_end; d++) {
        struct io_driver *s = driver_of(d);
        if (named(d, name) && s) {
            s->unloaded = false;
            s->named_once = true;
        }
    }
    NTSTATUS status = STATUS_SUCCESS;
    for (unsigned i = 0; i < io_pdo_count(); i++) {
        struct io_pdo *pdo = io_pdo_from_device(io_pdo_at(i));
        if (!pdo || pdo->state != IO_PNP_NOT_STARTED || pdo->added || pdo->connections)
            continue;
        const IRQLAB_DRIVER *d = io_pnp_find_driver(pdo);
        if (!d || !named(d, name))
            continue;
        /* Resources a device without a driver kept are re-assigned with the start. */
        NTSTATUS started = io_pnp_start_device(pdo->device, NULL);
        if (!NT_SUCCESS(started))
            status = started;
    }
    io_pnp_unlock();
    return status;
}

/* ---- the shell's `drivers` ------------------------------------------------------------------ */

void io_driver_print(void)
{
    console_printf("driver       kind  state     devices\n");
    for (const IRQLAB_DRIVER *d = __driver_table_start; d < __driver_table_end; d++) {
        if (!d->Name)
            continue;
        bool first = true;
        for (const IRQLAB_DRIVER *e = __driver_table_start; e < d; e++)
            first &= !named(e, d->Name);
        if (!first)
            continue; /* one line per name: an NDIS miniport has an entry per PCI id */
        char devices[96] = "";
        size_t n = 0;
        for (unsigned i = 0; i < io_pdo_count(); i++) {
            const struct io_pdo *pdo = io_pdo_from_device(io_pdo_at(i));
            if (pdo && pdo->driver && named(pdo->driver, d->Name) && n < sizeof(devices))
                n += ksnprintf(devices + n, sizeof(devices) - n, "%s%s (%s)", n ? ", " : "", pdo->name,
                               io_pnp_state_name(pdo->state));
        }
        console_printf("%-12s %-5s %-9s %s\n", d->Name, d->DriverEntry ? "WDM" : "table",
                       io_driver_is_loaded(d->Name) ? "loaded" : "unloaded", n ? devices : "-");
    }
}
