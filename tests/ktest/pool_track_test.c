/* tests/ktest/pool_track_test.c - verifier=pool, Driver Verifier's "Pool Tracking"
 * (kernel/mm/pool_track.h): a driver unloaded with pool its code allocated still outstanding
 * stops with 0xC4 DRIVER_VERIFIER_DETECTED_VIOLATION, P1 = 0x62. The driver is poolleaky
 * (tests/ktest/pool_leaky_driver.c, demand start, edu's ids): a case unloads edu, loads poolleaky
 * (one 200-byte block, tag 'Leak', per device at START) and unloads it.
 *
 *   pool_track.*                              ordinary: attribution and a clean unload
 *   pool_track_crash.unload_with_pool_leaked  manual: REMOVE keeps its block -> 0xC4, P1 = 0x62,
 *                                             P2 = the name, P3 = the DRIVER_OBJECT, P4 = blocks
 *                                             (tests/e2e/test_bugcheck_pool_track.py)
 *
 *     make run-ktest QEMU_EXTRA='-device edu' CMDLINE='ktest=pool_track_crash.unload_with_pool_leaked'
 */
#include "include/wdm.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/ksyms.h"
#include "kernel/ke/verifier.h"
#include "kernel/lib/string.h"
#include "kernel/mm/pool_track.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/pool_leaky_driver.h"

static unsigned edu_devices(void)
{
    unsigned n = 0;
    while (io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, n))
        n++;
    return n;
}

static int leaky_unit(void) { return pool_track_unit_of((const void *)pool_leaky_driver_entry()); }

static unsigned leaked_blocks(void)
{
    struct pool_track_leaks l;
    return pool_track_leaks_of(leaky_unit(), &l) ? l.count : 0;
}

/* edu's devices to poolleaky. False (and a failure) if that did not happen. */
static bool give_edu_to_leaky(struct ktest *t, PDEVICE_OBJECT pdo)
{
    if (!NT_SUCCESS(io_driver_unload("edu")) || !NT_SUCCESS(io_driver_load("poolleaky")) || !pdo->AttachedDevice ||
        strcmp(pdo->AttachedDevice->DriverObject->Name, "poolleaky") != 0) {
        ktest_fail(t, __FILE__, __LINE__, "poolleaky did not get the edu device");
        return false;
    }
    return true;
}

/* The build's code units: the driver's file is a unit of its own, the test's another. */
static void units_tell_the_driver_from_the_test(struct ktest *t)
{
    int unit = leaky_unit();
    KTEST_ASSERT_TRUE(t, unit >= 0);
    KTEST_EXPECT_STREQ(t, ksym_unit_name(unit), "tests/ktest/pool_leaky_driver");
    KTEST_EXPECT_NE(t, ksym_unit_of((uint64_t)(uintptr_t)units_tell_the_driver_from_the_test), unit);
    KTEST_EXPECT_STREQ(t, ksym_unit_name(ksym_unit_of((uint64_t)(uintptr_t)ExAllocatePool2)), "kernel/mm/pool");
}

/* Its START allocation is charged to it, IoCreateDevice's device object (the kernel's) and the
 * test's own blocks are not; a clean unload is quiet and edu gets its device back. */
static void a_clean_unload_is_quiet(struct ktest *t)
{
    PDEVICE_OBJECT pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 0);
    if (!pdo)
        KTEST_SKIP(t, "needs an edu device");
    bool was_on = ke_verifier_set(KE_VERIFY_POOL, true);
    pool_leaky_leaks = false;
    void *mine = ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, 'tseT');
    KTEST_ASSERT_NOT_NULL(t, mine);
    unsigned before = pool_track_live();
    KTEST_EXPECT_EQ(t, leaked_blocks(), 0u);
    if (give_edu_to_leaky(t, pdo)) {
        struct pool_track_leaks l;
        KTEST_EXPECT_TRUE(t, pool_track_leaks_of(leaky_unit(), &l));
        unsigned devices = edu_devices();
        KTEST_EXPECT_EQ(t, l.count, devices); /* one block per device: not the FDOs (the kernel's) */
        KTEST_EXPECT_EQ(t, l.bytes, (size_t)POOL_LEAKY_BYTES * devices);
        KTEST_EXPECT_EQ(t, l.first_tag, (uint32_t)POOL_LEAKY_TAG);
        KTEST_EXPECT_EQ(t, ksym_unit_of((uint64_t)(uintptr_t)l.first_caller), leaky_unit());
        KTEST_EXPECT_EQ(t, pool_track_live(), before + devices);
        KTEST_EXPECT_EQ(t, io_driver_unload("poolleaky"), STATUS_SUCCESS); /* no stop */
        KTEST_EXPECT_EQ(t, leaked_blocks(), 0u);
        KTEST_EXPECT_EQ(t, pool_track_live(), before);
    }
    KTEST_EXPECT_EQ(t, io_driver_load("edu"), STATUS_SUCCESS);
    KTEST_EXPECT_STREQ(t, pdo->AttachedDevice->DriverObject->Name, "edu");
    ExFreePoolWithTag(mine, 'tseT');
    ke_verifier_set(KE_VERIFY_POOL, was_on);
}

/* Without verifier=pool the driver's blocks are not tracked. */
static void off_means_untracked(struct ktest *t)
{
    PDEVICE_OBJECT pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 0);
    if (!pdo)
        KTEST_SKIP(t, "needs an edu device");
    bool was_on = ke_verifier_set(KE_VERIFY_POOL, false);
    pool_leaky_leaks = false;
    if (give_edu_to_leaky(t, pdo)) {
        KTEST_EXPECT_EQ(t, leaked_blocks(), 0u);
        KTEST_EXPECT_EQ(t, io_driver_unload("poolleaky"), STATUS_SUCCESS);
    }
    KTEST_EXPECT_EQ(t, io_driver_load("edu"), STATUS_SUCCESS);
    ke_verifier_set(KE_VERIFY_POOL, was_on);
}

static __attribute__((noipa)) void unload_with_pool_leaked(struct ktest *t)
{
    PDEVICE_OBJECT pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 0);
    if (!pdo) {
        ktest_fail(t, __FILE__, __LINE__, "needs an edu device (QEMU -device edu)");
        return;
    }
    ke_verifier_set(KE_VERIFY_POOL, true);
    pool_leaky_leaks = true;
    if (give_edu_to_leaky(t, pdo)) {
        (void)io_driver_unload("poolleaky");
        ktest_fail(t, __FILE__, __LINE__, "the unload returned");
    }
}

KTEST_SUITE(pool_track, KTEST_CASE(units_tell_the_driver_from_the_test), KTEST_CASE(a_clean_unload_is_quiet),
            KTEST_CASE(off_means_untracked));
KTEST_MANUAL_SUITE(pool_track_crash, KTEST_CASE(unload_with_pool_leaked));
