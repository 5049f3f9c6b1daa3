/* tests/ktest/edu_registry_test.c - the edu driver reads its passive-ISR switch the WDK way.
 *
 * edu used to ask the kernel's command-line parser (an internal routine) whether edu_passive=on
 * was given. It now reads the REG_DWORD value PassiveInterrupt of its device key with
 * IoOpenDeviceRegistryKey / ZwQueryValueKey, which `edu_passive=on` or `edu.PassiveInterrupt=1`
 * fills (kernel/cm/registry_cmdline.c, docs/configuration.md). The test sets the value in the
 * registry, restarts the second edu device and sees the driver connect its passive-level ISR;
 * without the value it connects the DIRQL one again. On its MSI message: with msi=off its line is
 * shared with the other edu, where a passive ISR cannot connect (passive_interrupt frees the line).
 */
#include "drivers/edu/edu.h"
#include "include/wdm.h"
#include "kernel/cm/registry.h"
#include "kernel/io/pnp.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"

static PDEVICE_OBJECT restarted_edu(PDEVICE_OBJECT pdo)
{
    io_test_give_back(pdo); /* stop, then start with its driver: StartDevice reads the value */
    return pdo->AttachedDevice;
}

static void passive_interrupt_value_selects_the_passive_isr(struct ktest *t)
{
    PDEVICE_OBJECT pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 1);
    if (!pdo)
        KTEST_SKIP(t, "needs a second edu device (make check-ktest adds two)");
    if (io_test_pdo(pdo)->resources.kind == IO_INTERRUPT_LINE) /* msi=off: a line shared with the other edu */
        KTEST_SKIP(t, "a passive ISR needs a message or a line of its own (passive_interrupt covers the line)");
    edu_set_passive_mode(-1); /* the registry decides */
    char why[96];
    KTEST_ASSERT_TRUE(t, cm_set_value("edu", "PassiveInterrupt", "1", why, sizeof(why)));
    PDEVICE_OBJECT fdo = restarted_edu(pdo);
    KTEST_EXPECT_NOT_NULL(t, fdo);
    if (fdo)
        KTEST_EXPECT_TRUE(t, edu_is_passive(fdo));

    KTEST_EXPECT_TRUE(t, cm_delete_value("edu", "PassiveInterrupt"));
    fdo = restarted_edu(pdo);
    KTEST_EXPECT_NOT_NULL(t, fdo);
    if (fdo)
        KTEST_EXPECT_FALSE(t, edu_is_passive(fdo));
}

KTEST_SUITE(edu_registry, KTEST_CASE(passive_interrupt_value_selects_the_passive_isr));
