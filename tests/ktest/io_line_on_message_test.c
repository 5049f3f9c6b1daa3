/* tests/ktest/io_line_on_message_test.c - IoConnectInterruptEx(CONNECT_LINE_BASED) on a device
 * that was assigned messages: the WDK documents STATUS_INVALID_DEVICE_REQUEST when the system
 * "has assigned multiple interrupt messages to the device"; with a single message the
 * KSERVICE_ROUTINE is connected to that message. Devices: the second edu (one MSI message) and
 * the e1000e (several MSI-X messages). Skips itself with msi=off / msix=off. */
#include "kernel/bus/pci/pci.h"
#include "include/wdm.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/interrupt.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/io_probe.h"
#include "tests/ktest/ktest.h"

#define WAIT_MS 10000

static struct probe probe;

static unsigned message_descriptors(PDEVICE_OBJECT pdo)
{
    unsigned n = 0;
    for (unsigned i = 0; i < io_test_interrupt_count(pdo); i++) {
        const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(pdo, i, true);
        if (d && io_descriptor_is_message(d))
            n += d->u.MessageInterrupt.Raw.MessageCount > 1 ? d->u.MessageInterrupt.Raw.MessageCount : 1;
    }
    return n;
}

static void line_based_on_one_message_connects_that_message(struct ktest *t)
{
    PDEVICE_OBJECT pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 1);
    if (!pdo || !io_test_take(pdo, 0))
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    probe = (struct probe){.edu = io_test_map_memory(pdo, 0)};
    io_test_edu_quiet(probe.edu);
    if (message_descriptors(pdo) != 1) {
        io_test_give_back(pdo);
        KTEST_SKIP(t, "the edu has no message resource (msi=off)");
    }
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(pdo, 0, false);
    struct io_pdo *x = io_test_pdo(pdo);
    PKINTERRUPT object = NULL;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_line(pdo, probe_isr, &probe, &object);
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, p.Version, CONNECT_LINE_BASED);
    KTEST_ASSERT_NOT_NULL(t, object);
    KTEST_EXPECT_EQ(t, object->Vector, io_test_vector(d)); /* the message's vector */
    KTEST_EXPECT_EQ(t, object->Mode, Latched);             /* a message is an edge */
    KTEST_EXPECT_TRUE(t, pci_msi_enabled(x->pci));

    probe_edu_raise(probe.edu, 3);
    KTEST_EXPECT_TRUE(t, io_test_wait(&probe.calls, 1, WAIT_MS));
    KTEST_EXPECT_TRUE(t, probe.last_interrupt == object);
    KTEST_EXPECT_EQ(t, probe.irql, io_test_level(d));

    io_test_disconnect(CONNECT_LINE_BASED, object);
    KTEST_EXPECT_FALSE(t, pci_msi_enabled(x->pci));
    io_test_give_back(pdo);
}

static void line_based_on_several_messages_is_refused(struct ktest *t)
{
    PDEVICE_OBJECT nic = io_pdo_find_pci(IO_TEST_E1000E_VENDOR, IO_TEST_E1000E_DEVICE, 0);
    if (!nic || message_descriptors(nic) < 2)
        KTEST_SKIP(t, "needs -device e1000e with MSI-X");
    KTEST_ASSERT_NOT_NULL(t, io_test_take(nic, 0)); /* from the e1000 driver */
    PKINTERRUPT object = (PKINTERRUPT)0x2222;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_line(nic, probe_isr, &probe, &object);
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_DEVICE_REQUEST);
    KTEST_EXPECT_TRUE(t, object == (PKINTERRUPT)0x2222); /* nothing written */
    io_test_give_back(nic);
}

KTEST_SUITE(io_line_on_message, KTEST_CASE(line_based_on_one_message_connects_that_message),
            KTEST_CASE(line_based_on_several_messages_is_refused));
