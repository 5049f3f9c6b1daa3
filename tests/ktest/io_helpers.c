/* tests/ktest/io_helpers.c - see io_helpers.h. */
#include "tests/ktest/io_helpers.h"

#include "kernel/boot/cmdline.h"
#include "kernel/io/resource_list.h"
#include "kernel/mm/pool.h"

struct io_pdo *io_test_pdo(PDEVICE_OBJECT pdo) { return io_pdo_from_device(pdo); }

PDEVICE_OBJECT io_test_take(PDEVICE_OBJECT pdo, unsigned start_flags)
{
    /* Like Device Manager's Disable: the driver leaves the stack (QUERY_REMOVE + REMOVE). */
    if (!pdo || !NT_SUCCESS(io_pnp_disable_device(pdo)))
        return NULL;
    if (!NT_SUCCESS(io_device_start(pdo, start_flags & ~IO_START_DRIVER)))
        return NULL;
    return pdo;
}

void io_test_give_back(PDEVICE_OBJECT pdo)
{
    if (!pdo)
        return;
    (void)io_device_stop(pdo);
    (void)io_device_start(pdo, IO_START_DRIVER);
}

const CM_PARTIAL_RESOURCE_DESCRIPTOR *io_test_interrupt(PDEVICE_OBJECT pdo, unsigned nth, bool raw)
{
    struct io_pdo *p = io_pdo_from_device(pdo);
    if (!p || !p->assigned)
        return NULL;
    const CM_RESOURCE_LIST *list = raw ? p->raw : p->translated;
    ULONG from = 0;
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d;
    while ((d = io_resource_find(list, CmResourceTypeInterrupt, &from)) != NULL)
        if (nth-- == 0)
            return d;
    return NULL;
}

unsigned io_test_interrupt_count(PDEVICE_OBJECT pdo)
{
    unsigned n = 0;
    while (io_test_interrupt(pdo, n, false))
        n++;
    return n;
}

ULONG io_test_vector(const CM_PARTIAL_RESOURCE_DESCRIPTOR *d)
{
    return io_descriptor_is_message(d) ? d->u.MessageInterrupt.Translated.Vector : d->u.Interrupt.Vector;
}

KIRQL io_test_level(const CM_PARTIAL_RESOURCE_DESCRIPTOR *d)
{
    return (KIRQL)(io_descriptor_is_message(d) ? d->u.MessageInterrupt.Translated.Level : d->u.Interrupt.Level);
}

KINTERRUPT_MODE io_test_mode(const CM_PARTIAL_RESOURCE_DESCRIPTOR *d)
{
    return (d->Flags & CM_RESOURCE_INTERRUPT_LATCHED) ? Latched : LevelSensitive;
}

volatile ULONG *io_test_map_memory(PDEVICE_OBJECT pdo, unsigned nth)
{
    struct io_pdo *p = io_pdo_from_device(pdo);
    if (!p || !p->assigned)
        return NULL;
    ULONG from = 0;
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d;
    while ((d = io_resource_find(p->translated, CmResourceTypeMemory, &from)) != NULL) {
        if (nth-- == 0) {
            pci_enable_memory(p->pci);
            pci_enable_bus_master(p->pci);
            return MmMapIoSpace(d->u.Memory.Start, d->u.Memory.Length, MmNonCached);
        }
    }
    return NULL;
}

void io_test_edu_quiet(volatile ULONG *regs)
{
    WRITE_REGISTER_ULONG(&regs[IO_TEST_EDU_ACK / 4], READ_REGISTER_ULONG(&regs[IO_TEST_EDU_STATUS / 4]));
}

uint64_t io_test_pool_bytes(ULONG tag)
{
    struct pool_stats s;
    return pool_tag_stats(tag, &s) ? s.bytes_outstanding : 0;
}

IO_CONNECT_INTERRUPT_PARAMETERS io_test_fully(PDEVICE_OBJECT pdo, const CM_PARTIAL_RESOURCE_DESCRIPTOR *d,
                                              PKSERVICE_ROUTINE isr, PVOID context, PKINTERRUPT *out)
{
    IO_CONNECT_INTERRUPT_PARAMETERS p = {0};
    p.Version = CONNECT_FULLY_SPECIFIED;
    p.FullySpecified.PhysicalDeviceObject = pdo;
    p.FullySpecified.InterruptObject = out;
    p.FullySpecified.ServiceRoutine = isr;
    p.FullySpecified.ServiceContext = context;
    if (d) {
        p.FullySpecified.Vector = io_test_vector(d);
        p.FullySpecified.Irql = io_test_level(d);
        p.FullySpecified.SynchronizeIrql = io_test_level(d);
        p.FullySpecified.InterruptMode = io_test_mode(d);
        p.FullySpecified.ShareVector = d->ShareDisposition == CmResourceShareShared;
        p.FullySpecified.ProcessorEnableMask =
            io_descriptor_is_message(d) ? d->u.MessageInterrupt.Translated.Affinity : d->u.Interrupt.Affinity;
    }
    return p;
}

IO_CONNECT_INTERRUPT_PARAMETERS io_test_line(PDEVICE_OBJECT pdo, PKSERVICE_ROUTINE isr, PVOID context, PKINTERRUPT *out)
{
    IO_CONNECT_INTERRUPT_PARAMETERS p = {0};
    p.Version = CONNECT_LINE_BASED;
    p.LineBased.PhysicalDeviceObject = pdo;
    p.LineBased.InterruptObject = out;
    p.LineBased.ServiceRoutine = isr;
    p.LineBased.ServiceContext = context;
    return p;
}

IO_CONNECT_INTERRUPT_PARAMETERS io_test_message(PDEVICE_OBJECT pdo, PKMESSAGE_SERVICE_ROUTINE isr,
                                                PKSERVICE_ROUTINE fallback, PVOID context, PVOID *out)
{
    IO_CONNECT_INTERRUPT_PARAMETERS p = {0};
    p.Version = CONNECT_MESSAGE_BASED;
    p.MessageBased.PhysicalDeviceObject = pdo;
    p.MessageBased.ConnectionContext.Generic = out;
    p.MessageBased.MessageServiceRoutine = isr;
    p.MessageBased.ServiceContext = context;
    p.MessageBased.FallBackServiceRoutine = fallback;
    return p;
}

void io_test_disconnect(ULONG version, PVOID context)
{
    IO_DISCONNECT_INTERRUPT_PARAMETERS d = {0};
    d.Version = version;
    d.ConnectionContext.Generic = context;
    IoDisconnectInterruptEx(&d);
}

bool io_test_wait(volatile uint64_t *counter, uint64_t target, unsigned ms)
{
    for (unsigned i = 0; i < ms * 10; i++) {
        if (__atomic_load_n(counter, __ATOMIC_ACQUIRE) >= target)
            return true;
        KeStallExecutionProcessor(100);
    }
    return __atomic_load_n(counter, __ATOMIC_ACQUIRE) >= target;
}

bool io_test_cmdline_off(const char *key)
{
    const char *v = cmdline_get(key);
    return v && (v[0] == 'o' && v[1] == 'f' && v[2] == 'f' && v[3] == '\0');
}
