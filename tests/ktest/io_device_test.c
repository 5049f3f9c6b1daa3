/* tests/ktest/io_device_test.c - device objects, PDOs and their resource lists, DpcForIsr, and
 * the edu driver as the driver table started it.
 * QEMU: -device edu,addr=03.0 -device edu,addr=07.0 -device e1000e,addr=04.0,... (cases that need
 * a device skip themselves without it). Works with msi=on, msi=off and msix=off. */
#include "drivers/edu/edu.h"
#include "kernel/bus/pci/pci.h"
#include "include/wdm.h"
#include "kernel/io/connect_interrupt.h"
#include "kernel/io/io_tags.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/interrupt.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"

static bool messages_on(void) { return !io_test_cmdline_off("msi"); }

static void every_pci_function_and_legacy_port_has_a_pdo(struct ktest *t)
{
    KTEST_ASSERT_GE(t, io_pdo_count(), pci_device_count());
    for (unsigned i = 0; i < pci_device_count(); i++) {
        struct pci_device *dev = pci_device_at(i);
        unsigned nth = 0;
        for (unsigned j = 0; j < i; j++)
            nth += pci_device_at(j)->vendor_id == dev->vendor_id && pci_device_at(j)->device_id == dev->device_id;
        PDEVICE_OBJECT pdo = io_pdo_find_pci(dev->vendor_id, dev->device_id, nth);
        KTEST_ASSERT_NOT_NULL(t, pdo);
        KTEST_EXPECT_EQ(t, pdo->Type, IO_TYPE_DEVICE);
        KTEST_EXPECT_TRUE(t, pdo->Flags & DO_BUS_ENUMERATED_DEVICE);
        KTEST_EXPECT_FALSE(t, pdo->Flags & DO_DEVICE_INITIALIZING);
        KTEST_EXPECT_TRUE(t, io_test_pdo(pdo)->pci == dev);
    }
    PDEVICE_OBJECT com1 = io_pdo_find_isa("PNP0501");
    KTEST_ASSERT_NOT_NULL(t, com1); /* the console: always there */
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *irq = io_test_interrupt(com1, 0, false);
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *raw = io_test_interrupt(com1, 0, true);
    KTEST_ASSERT_NOT_NULL(t, irq);
    KTEST_EXPECT_EQ(t, raw->u.Interrupt.Level, 4); /* ISA IRQ 4 = GSI 4 */
    KTEST_EXPECT_EQ(t, irq->Flags, CM_RESOURCE_INTERRUPT_LATCHED);
    KTEST_EXPECT_EQ(t, irq->ShareDisposition, CmResourceShareDeviceExclusive);
    KTEST_EXPECT_EQ(t, irq->u.Interrupt.Level, irq->u.Interrupt.Vector >> 4);
    KTEST_EXPECT_NULL(t, io_pdo_from_device((PDEVICE_OBJECT)&irq)); /* not a PDO */
}

static void lpt1_has_port_and_irq7(struct ktest *t)
{
    PDEVICE_OBJECT lpt = io_pdo_find_isa("PNP0400");
    if (!lpt)
        KTEST_SKIP(t, "no LPT1 (QEMU was started with -parallel none or -nodefaults)");
    struct io_pdo *p = io_test_pdo(lpt);
    ULONG from = 0;
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *port = io_resource_find(p->translated, CmResourceTypePort, &from);
    KTEST_ASSERT_NOT_NULL(t, port);
    KTEST_EXPECT_EQ(t, port->u.Port.Start.QuadPart, 0x378);
    KTEST_EXPECT_EQ(t, port->u.Port.Length, 8);
    KTEST_EXPECT_TRUE(t, port->Flags & CM_RESOURCE_PORT_IO);
    KTEST_EXPECT_EQ(t, io_test_interrupt(lpt, 0, true)->u.Interrupt.Vector, 7);
    KTEST_EXPECT_EQ(t, io_test_mode(io_test_interrupt(lpt, 0, false)), Latched);
}

static void edu_resources_follow_the_policy(struct ktest *t)
{
    PDEVICE_OBJECT a = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 0);
    PDEVICE_OBJECT b = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 1);
    if (!a || !b)
        KTEST_SKIP(t, "needs -device edu,addr=03.0 -device edu,addr=07.0");
    struct io_pdo *p = io_test_pdo(a);
    ULONG from = 0;
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *bar0 = io_resource_find(p->translated, CmResourceTypeMemory, &from);
    KTEST_ASSERT_NOT_NULL(t, bar0);
    KTEST_EXPECT_EQ(t, bar0->u.Memory.Length, 0x100000); /* 1 MiB */
    KTEST_EXPECT_EQ(t, (uint64_t)bar0->u.Memory.Start.QuadPart, p->pci->bars[0].base);
    KTEST_ASSERT_EQ(t, io_test_interrupt_count(a), 1);
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *tr = io_test_interrupt(a, 0, false), *raw = io_test_interrupt(a, 0, true);
    KTEST_EXPECT_EQ(t, io_test_level(tr), io_test_vector(tr) >> 4); /* x64: IRQL = vector >> 4 */
    KTEST_EXPECT_EQ(t, tr->u.Interrupt.Affinity, KeQueryActiveProcessors());
    if (messages_on()) {
        KTEST_EXPECT_EQ(t, tr->Flags, CM_RESOURCE_INTERRUPT_MESSAGE | CM_RESOURCE_INTERRUPT_LATCHED);
        KTEST_EXPECT_EQ(t, raw->u.MessageInterrupt.Raw.MessageCount, 1); /* edu: one MSI message */
        KTEST_EXPECT_EQ(t, raw->u.MessageInterrupt.Raw.Vector, CM_RESOURCE_INTERRUPT_MESSAGE_TOKEN);
        KTEST_EXPECT_EQ(t, tr->ShareDisposition, CmResourceShareDeviceExclusive);
        KTEST_EXPECT_NE(t, io_test_vector(tr), io_test_vector(io_test_interrupt(b, 0, false)));
        KTEST_EXPECT_TRUE(t, pci_config_read16(p->pci->address, PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE);
    } else {
        /* msi=off: the line, level-triggered and shared; both edus sit on one GSI, so one vector. */
        KTEST_EXPECT_EQ(t, tr->Flags, CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE);
        KTEST_EXPECT_EQ(t, tr->ShareDisposition, CmResourceShareShared);
        KTEST_EXPECT_EQ(t, raw->u.Interrupt.Vector, p->pci->gsi);
        KTEST_EXPECT_EQ(t, io_test_vector(tr), io_test_vector(io_test_interrupt(b, 0, false)));
        KTEST_EXPECT_FALSE(t, pci_config_read16(p->pci->address, PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE);
    }
}

static void e1000e_resources_follow_the_policy(struct ktest *t)
{
    PDEVICE_OBJECT nic = io_pdo_find_pci(IO_TEST_E1000E_VENDOR, IO_TEST_E1000E_DEVICE, 0);
    if (!nic)
        KTEST_SKIP(t, "needs -device e1000e");
    unsigned n = io_test_interrupt_count(nic);
    if (!messages_on()) {
        KTEST_EXPECT_EQ(t, n, 1);
        KTEST_EXPECT_FALSE(t, io_descriptor_is_message(io_test_interrupt(nic, 0, false)));
    } else if (io_test_cmdline_off("msix")) {
        KTEST_EXPECT_EQ(t, n, 1); /* e1000e's MSI: one message */
        KTEST_EXPECT_EQ(t, io_test_interrupt(nic, 0, true)->u.MessageInterrupt.Raw.MessageCount, 1);
    } else {
        KTEST_EXPECT_EQ(t, n, 5); /* MSI-X: one descriptor per table entry */
        for (unsigned i = 0; i < n; i++) {
            const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(nic, i, false);
            KTEST_EXPECT_TRUE(t, io_descriptor_is_message(d));
            KTEST_EXPECT_EQ(t, io_test_interrupt(nic, i, true)->u.MessageInterrupt.Raw.MessageCount, 1);
            KTEST_EXPECT_EQ(t, io_test_level(d), io_test_vector(d) >> 4);
        }
    }
}

static void edu_driver_runs_and_counts(struct ktest *t)
{
    PDEVICE_OBJECT edu = edu_device(0);
    if (!edu)
        KTEST_SKIP(t, "needs -device edu (the edu driver starts on it at boot)");
    KTEST_EXPECT_EQ(t, edu_connection_version(edu), messages_on() ? CONNECT_MESSAGE_BASED : CONNECT_LINE_BASED);
    struct edu_counts before = {0}, after = {0};
    edu_get_counts(edu, &before);
    KTEST_ASSERT_EQ(t, edu_raise(edu, 0x40), STATUS_SUCCESS);
    for (int i = 0; i < 2000; i++) {
        edu_get_counts(edu, &after);
        if (after.dpc_calls > before.dpc_calls)
            break;
        KeStallExecutionProcessor(100);
    }
    KTEST_EXPECT_EQ(t, after.isr_claimed, before.isr_claimed + 1);
    KTEST_EXPECT_EQ(t, after.dpc_calls, before.dpc_calls + 1);
    KTEST_EXPECT_TRUE(t, after.status_seen & 0x40);
    KTEST_EXPECT_EQ(t, edu_raise(edu, 0), STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_EQ(t, edu_raise(NULL, 1), STATUS_INVALID_PARAMETER);
    /* The driver is attached on top of its PDO, as a function driver's FDO is. */
    PDEVICE_OBJECT pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 0);
    KTEST_EXPECT_TRUE(t, pdo->AttachedDevice == edu);
    KTEST_EXPECT_STREQ(t, edu->DriverObject->Name, "edu");
}

static void stop_gives_vectors_back_and_start_reconnects(struct ktest *t)
{
    PDEVICE_OBJECT pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 1);
    if (!pdo || !edu_device(1))
        KTEST_SKIP(t, "needs two edu devices");
    unsigned free_before = ke_vector_free_count();
    uint64_t lists_before = io_test_pool_bytes(IO_TAG_RESOURCES), devices_before = io_test_pool_bytes(IO_TAG_DEVICE);
    KTEST_ASSERT_EQ(t, io_device_stop(pdo), STATUS_SUCCESS);
    KTEST_EXPECT_NULL(t, edu_device(1));
    /* IRP_MN_STOP_DEVICE: edu (a WDM driver) disconnects and unmaps but keeps its FDO in the
     * stack for the next START; only REMOVE deletes it. */
    KTEST_EXPECT_NOT_NULL(t, pdo->AttachedDevice);
    KTEST_EXPECT_EQ(t, io_pnp_state_of(pdo), IO_PNP_STOPPED);
    KTEST_EXPECT_FALSE(t, io_test_pdo(pdo)->assigned);
    KTEST_EXPECT_EQ(t, io_connections_of(pdo), 0);
    /* A message vector is the device's own: stopped, it is free. A shared line's vector stays
     * while the other edu still routes the GSI. */
    KTEST_EXPECT_EQ(t, ke_vector_free_count(), free_before + (messages_on() ? 1u : 0u));
    KTEST_EXPECT_LT(t, io_test_pool_bytes(IO_TAG_RESOURCES), lists_before);
    KTEST_EXPECT_EQ(t, io_test_pool_bytes(IO_TAG_DEVICE), devices_before); /* the FDO stays */
    KTEST_ASSERT_EQ(t, io_device_start(pdo, IO_START_DRIVER), STATUS_SUCCESS);
    KTEST_ASSERT_NOT_NULL(t, edu_device(1));
    KTEST_EXPECT_EQ(t, ke_vector_free_count(), free_before);
    KTEST_EXPECT_EQ(t, io_test_pool_bytes(IO_TAG_RESOURCES), lists_before);
    KTEST_EXPECT_EQ(t, io_test_pool_bytes(IO_TAG_DEVICE), devices_before);
    struct edu_counts before = {0}, after = {0};
    edu_get_counts(edu_device(1), &before);
    edu_raise(edu_device(1), 1);
    for (int i = 0; i < 2000 && (edu_get_counts(edu_device(1), &after), after.dpc_calls == before.dpc_calls); i++)
        KeStallExecutionProcessor(100);
    KTEST_EXPECT_EQ(t, after.isr_claimed, before.isr_claimed + 1);
}

/* ---- device objects and DpcForIsr ---- */

static DRIVER_OBJECT test_driver = {.Type = IO_TYPE_DRIVER, .Size = sizeof(DRIVER_OBJECT), .Name = "ktest"};

struct dpc_seen {
    volatile uint64_t runs;
    PKDPC dpc;
    PDEVICE_OBJECT device;
    PIRP irp;
    PVOID context;
    KIRQL irql;
};
static struct dpc_seen seen;

static VOID test_dpc_for_isr(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    seen.dpc = Dpc;
    seen.device = DeviceObject;
    seen.irp = Irp;
    seen.context = Context;
    seen.irql = KeGetCurrentIrql();
    __atomic_fetch_add(&seen.runs, 1, __ATOMIC_RELEASE);
}

static void create_device_and_request_dpc(struct ktest *t)
{
    uint64_t bytes = io_test_pool_bytes(IO_TAG_DEVICE);
    PDEVICE_OBJECT a = NULL, b = NULL;
    KTEST_ASSERT_EQ(t, IoCreateDevice(&test_driver, 100, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &a), STATUS_SUCCESS);
    KTEST_ASSERT_EQ(t, IoCreateDevice(&test_driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &b), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, a->Type, IO_TYPE_DEVICE);
    KTEST_EXPECT_TRUE(t, a->Flags & DO_DEVICE_INITIALIZING);
    KTEST_EXPECT_TRUE(t, a->DriverObject == &test_driver);
    KTEST_EXPECT_EQ(t, (uintptr_t)a->DeviceExtension % 16, 0);
    KTEST_EXPECT_NULL(t, b->DeviceExtension);
    const UCHAR *ext = a->DeviceExtension;
    bool zero = true;
    for (int i = 0; i < 100; i++)
        zero &= ext[i] == 0;
    KTEST_EXPECT_TRUE(t, zero);
    KTEST_EXPECT_TRUE(t, test_driver.DeviceObject == b && b->NextDevice == a); /* newest first */
    KTEST_EXPECT_EQ(t, IoCreateDevice(&test_driver, 0, NULL, 0, 0, FALSE, NULL), STATUS_INVALID_PARAMETER);

    KTEST_EXPECT_TRUE(t, IoAttachDeviceToDeviceStack(b, a) == a);
    KTEST_EXPECT_TRUE(t, a->AttachedDevice == b);
    IoDetachDevice(a);
    KTEST_EXPECT_NULL(t, a->AttachedDevice);

    /* IoRequestDpc = KeInsertQueueDpc(&DeviceObject->Dpc, Irp, Context): the routine gets them
     * back at DISPATCH_LEVEL; a second request while queued is dropped. */
    seen = (struct dpc_seen){0};
    IoInitializeDpcRequest(a, test_dpc_for_isr);
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL + 3, &old); /* a DIRQL, where IoRequestDpc is documented */
    IoRequestDpc(a, (PIRP)0x1234, (PVOID)0x5678);
    IoRequestDpc(a, (PIRP)0x9999, (PVOID)0x9999);
    KTEST_EXPECT_EQ(t, seen.runs, 0); /* not below DISPATCH_LEVEL yet */
    KeLowerIrql(old);
    KTEST_EXPECT_EQ(t, seen.runs, 1);
    KTEST_EXPECT_TRUE(t, seen.dpc == &a->Dpc);
    KTEST_EXPECT_TRUE(t, seen.device == a);
    KTEST_EXPECT_TRUE(t, seen.irp == (PIRP)0x1234);
    KTEST_EXPECT_TRUE(t, seen.context == (PVOID)0x5678);
    KTEST_EXPECT_EQ(t, seen.irql, DISPATCH_LEVEL);

    IoDeleteDevice(a);
    KTEST_EXPECT_TRUE(t, test_driver.DeviceObject == b && b->NextDevice == NULL);
    IoDeleteDevice(b);
    KTEST_EXPECT_NULL(t, test_driver.DeviceObject);
    KTEST_EXPECT_EQ(t, io_test_pool_bytes(IO_TAG_DEVICE), bytes);
}

static void map_io_space_and_registers(struct ktest *t)
{
    PDEVICE_OBJECT pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 0);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu");
    volatile ULONG *regs = io_test_map_memory(pdo, 0);
    KTEST_ASSERT_NOT_NULL(t, regs);
    KTEST_EXPECT_EQ(t, READ_REGISTER_ULONG(&regs[0]), 0x010000ED); /* edu's identification register */
    WRITE_REGISTER_ULONG(&regs[1], 0x12345678);                    /* liveness: reads back inverted */
    KTEST_EXPECT_EQ(t, READ_REGISTER_ULONG(&regs[1]), ~0x12345678u);
    PHYSICAL_ADDRESS zero = {.QuadPart = 0};
    KTEST_EXPECT_NULL(t, MmMapIoSpace(zero, 4096, MmNonCached));
}

KTEST_SUITE(io_device, KTEST_CASE(every_pci_function_and_legacy_port_has_a_pdo), KTEST_CASE(lpt1_has_port_and_irq7),
            KTEST_CASE(edu_resources_follow_the_policy), KTEST_CASE(e1000e_resources_follow_the_policy),
            KTEST_CASE(edu_driver_runs_and_counts), KTEST_CASE(stop_gives_vectors_back_and_start_reconnects),
            KTEST_CASE(create_device_and_request_dpc), KTEST_CASE(map_io_space_and_registers));
