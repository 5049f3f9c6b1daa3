/* tests/ktest/verifier_crash_test.c - verifier checks that stop the machine (run one case per
 * boot; tests/e2e/test_bugcheck_verifier.py checks each stop screen):
 *   spinlock_released_out_of_order  verifier=spinlock: 0xC4, P1 = 0x31, the call site named
 *   claimed_storm_without_watchdog   verifier=storm, DPC watchdog off: 0xF2 from the claimed-storm
 *                                    check alone, naming the ISR
 *   special_pool_overrun             verifier=special verifier_special_tag=VfOv: 0xD6, naming the
 *                                    112-byte allocation and the function that wrote past it
 *   set_event_in_isr_context         verifier=irql: KeSetEvent at a device IRQL -> 0xA naming it
 *   create_device_at_dispatch        verifier=irql: IoCreateDevice at DISPATCH_LEVEL -> 0xA */
#include "arch/x86_64/pci_config.h"
#include "include/wdm.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/irq_route.h"
#include "kernel/mm/paging.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"

/* The classic: two nested locks released outer first - KeReleaseSpinLock(&outer, PASSIVE_LEVEL)
 * goes below DISPATCH_LEVEL while `inner` is still held. */
__attribute__((noinline)) static void verifier_release_out_of_order(void)
{
    static KSPIN_LOCK outer, inner;
    KIRQL old_outer, old_inner;
    KeAcquireSpinLock(&outer, &old_outer);
    KeAcquireSpinLock(&inner, &old_inner);
    KeReleaseSpinLock(&outer, old_outer); /* wrong: inner first */
    KeReleaseSpinLock(&inner, old_inner);
}

static void spinlock_released_out_of_order(struct ktest *t)
{
    verifier_release_out_of_order();
    ktest_fail(t, __FILE__, __LINE__, "returned (booted without verifier=spinlock?)");
}

static BOOLEAN verifier_claiming_isr(PKINTERRUPT interrupt, PVOID context)
{
    return TRUE; /* "mine" - and the device is never told to lower its line */
}

static void claimed_storm_without_watchdog(struct ktest *t)
{
    struct pci_address edu;
    if (!pci_find_device(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 0, &edu)) {
        ktest_fail(t, __FILE__, __LINE__, "no QEMU edu device");
        return;
    }
    (void)io_release_pci_device(pci_find_address(edu.bus, edu.device, edu.function));
    uint32_t bar0 = pci_config_read32(edu, PCI_BAR0) & ~0xFu;
    volatile uint32_t *regs = (volatile uint32_t *)(uintptr_t)paging_map_mmio(bar0, 4096);
    KTEST_ASSERT_NOT_NULL(t, regs);
    pci_config_write16(edu, PCI_COMMAND, (uint16_t)(pci_config_read16(edu, PCI_COMMAND) | PCI_COMMAND_MEMORY));
    uint8_t line = pci_config_read8(edu, PCI_INTERRUPT_LINE);
    static KINTERRUPT obj;
    uint8_t vector;
    KAFFINITY cpu0 = 1; /* the stop screen names CPU 0 */
    KTEST_ASSERT_EQ(t, ke_route_gsi(line, true, false, cpu0, "ktest:edu", &vector), STATUS_SUCCESS);
    KIRQL irql = (KIRQL)(vector >> 4);
    ke_interrupt_init(&obj, verifier_claiming_isr, NULL, 0, NULL, NULL, vector, irql, irql, LevelSensitive, FALSE, cpu0,
                      "ktest:edu-claimer");
    KTEST_ASSERT_EQ(t, ke_interrupt_connect(&obj), KE_CONNECT_OK);
    regs[IO_TEST_EDU_RAISE / 4] = 1;
    for (int i = 0; i < 600; i++)
        KeStallExecutionProcessor(50000);
    ktest_fail(t, __FILE__, __LINE__, "no stop (booted without verifier=storm?)");
}

/* One element too far: the classic off-by-one of `for (i = 0; i <= n; i++)`. */
__attribute__((noinline)) static void verifier_overrun(volatile uint64_t *array, unsigned n)
{
    for (unsigned i = 0; i <= n; i++)
        array[i] = i;
}

static void special_pool_overrun(struct ktest *t)
{
    volatile uint64_t *array = ExAllocatePool2(POOL_FLAG_NON_PAGED, 14 * sizeof(uint64_t), IRQLAB_POOL_TAG("VfOv"));
    KTEST_ASSERT_NOT_NULL(t, array);
    verifier_overrun(array, 14);
    ktest_fail(t, __FILE__, __LINE__, "no stop (booted without verifier=special verifier_special_tag=VfOv?)");
}

/* An ISR's classic: signal the waiting thread straight from DIRQL instead of from the DPC. */
__attribute__((noinline)) static void verifier_set_event_at_dirql(void)
{
    static KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    KIRQL old = KfRaiseIrql(5);
    KeSetEvent(&event, 0, FALSE);
    KeLowerIrql(old);
}

static void set_event_in_isr_context(struct ktest *t)
{
    verifier_set_event_at_dirql();
    ktest_fail(t, __FILE__, __LINE__, "no stop (booted without verifier=irql?)");
}

__attribute__((noinline)) static void verifier_create_device_at_dispatch(void)
{
    PDEVICE_OBJECT device;
    KIRQL old = KeRaiseIrqlToDpcLevel();
    (void)IoCreateDevice(NULL, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &device);
    KeLowerIrql(old);
}

static void create_device_at_dispatch(struct ktest *t)
{
    verifier_create_device_at_dispatch();
    ktest_fail(t, __FILE__, __LINE__, "no stop (booted without verifier=irql?)");
}

KTEST_MANUAL_SUITE(verifier_crash, KTEST_CASE(spinlock_released_out_of_order),
                   KTEST_CASE(claimed_storm_without_watchdog), KTEST_CASE(special_pool_overrun),
                   KTEST_CASE(set_event_in_isr_context), KTEST_CASE(create_device_at_dispatch));
