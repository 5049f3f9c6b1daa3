/* tests/ktest/watchdog_crash_test.c - hang a CPU on purpose; the watchdogs must stop the kernel
 * with Windows' stop code and name the routine (manual suite `watchdog_crash`).
 *
 * learn.microsoft.com "Bug Check 0x133 DPC_WATCHDOG_VIOLATION" and "Bug Check 0x101
 * CLOCK_WATCHDOG_TIMEOUT"; kernel/ke/watchdog.h has irqlab's parameters. tests/e2e/test_watchdog.py
 * boots build/ktest.elf with `ktest=watchdog_crash.<case>` and short limits on the command line
 * (`dpc_watchdog=500` ...), and checks the stop screen and QEMU's exit status. By hand:
 *
 *     make run-ktest CMDLINE='ktest=watchdog_crash.stuck_dpc dpc_watchdog=500'
 *
 * Without the watchdogs every case here hangs for ever (or, -smp 2, loses a CPU silently).
 * Each hang is a named, never-inlined function so the stop screen can name it.
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pci_config.h"
#include "include/wdm.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/irq_route.h"
#include "kernel/mm/paging.h"
#include "kernel/shell/shell.h"
#include "tests/ktest/irq_helpers.h"
#include "tests/ktest/ktest.h"

#define HANG_SITE __attribute__((noipa))

static volatile bool entered;

static void wait_for_the_end(void)
{
    for (;;)
        KeStallExecutionProcessor(1000); /* a stop screen (or the shutdown watch) ends QEMU */
}

static bool last_cpu(struct ktest *t, CHAR *cpu)
{
    ULONG cpus = KeQueryActiveProcessorCountEx(0);
    if (cpus < 2) {
        ktest_fail(t, __FILE__, __LINE__, "needs QEMU -smp 2 or more");
        return false;
    }
    *cpu = (CHAR)(cpus - 1);
    return true;
}

/* ---- 0x133, P1 = 0: a DPC routine that never returns ---- */

static HANG_SITE VOID watchdog_stuck_dpc(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    entered = true;
    for (;;)
        cpu_pause();
}

static void stuck_dpc(struct ktest *t)
{
    static KDPC dpc;
    KeInitializeDpc(&dpc, watchdog_stuck_dpc, NULL);
    KeInsertQueueDpc(&dpc, NULL, NULL); /* at PASSIVE_LEVEL on this CPU: runs right here */
    ktest_fail(t, __FILE__, __LINE__, "the stuck DPC returned");
}

static void stuck_dpc_other_cpu(struct ktest *t)
{
    CHAR cpu;
    if (!last_cpu(t, &cpu))
        return;
    static KDPC dpc;
    KeInitializeDpc(&dpc, watchdog_stuck_dpc, NULL);
    KeSetTargetProcessorDpc(&dpc, cpu);
    KeInsertQueueDpc(&dpc, NULL, NULL);
    wait_for_the_end();
}

/* ---- 0x133, P1 = 0: an ISR that never returns (the clock, CLOCK_LEVEL, preempts DIRQL) ---- */

static HANG_SITE BOOLEAN watchdog_stuck_isr(PKINTERRUPT interrupt, PVOID context)
{
    for (;;)
        cpu_pause();
    return TRUE; /* never reached */
}

static void stuck_isr(struct ktest *t)
{
    static KINTERRUPT obj;
    int vector = test_vector_alloc(0);
    KTEST_ASSERT_TRUE(t, vector >= 0);
    KTEST_ASSERT_EQ(t, test_connect(&obj, vector, watchdog_stuck_isr, NULL, Latched, FALSE), KE_CONNECT_OK);
    test_fire_self(vector);
    ktest_fail(t, __FILE__, __LINE__, "the stuck ISR returned");
}

/* ---- 0x133, P1 = 1: raised to DISPATCH_LEVEL and never lowered (no DPC to blame) ---- */

static HANG_SITE void watchdog_spin_at_dispatch(void)
{
    (void)KeRaiseIrqlToDpcLevel(); /* and never KeLowerIrql */
    for (;;)
        cpu_pause();
}

static void spin_at_dispatch(struct ktest *t)
{
    watchdog_spin_at_dispatch();
    ktest_fail(t, __FILE__, __LINE__, "returned");
}

/* ---- 0x133, P1 = 1 (0xF2 with verifier=storm): an ISR that claims every interrupt of a
 * level-triggered line but never quiets its device. QEMU's edu device (QEMU docs/specs/edu.txt):
 * BAR0 + 0x60 raises INTx until the bit is written to BAR0 + 0x64, which this ISR never does.
 * To the storm counters (kernel/ke/storm.c) each interrupt looks handled. ---- */

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8
#define EDU_INTERRUPT_RAISE 0x60

static volatile uint64_t claimed_calls;

static HANG_SITE BOOLEAN watchdog_claiming_isr(PKINTERRUPT interrupt, PVOID context)
{
    claimed_calls++;
    return TRUE; /* "mine" - without telling the device to lower the line */
}

static void claimed_storm(struct ktest *t)
{
    struct pci_address edu;
    if (!pci_find_device(EDU_VENDOR, EDU_DEVICE, 0, &edu)) {
        ktest_fail(t, __FILE__, __LINE__, "no QEMU edu device (start QEMU with -device edu)");
        return;
    }
    (void)io_release_pci_device(pci_find_address(edu.bus, edu.device, edu.function));
    uint32_t bar0 = pci_config_read32(edu, PCI_BAR0) & ~0xFu;
    volatile uint32_t *regs = (volatile uint32_t *)(uintptr_t)paging_map_mmio(bar0, 4096);
    KTEST_ASSERT_NOT_NULL(t, regs);
    pci_config_write16(edu, PCI_COMMAND, (uint16_t)(pci_config_read16(edu, PCI_COMMAND) | PCI_COMMAND_MEMORY));
    uint8_t line = pci_config_read8(edu, PCI_INTERRUPT_LINE);

    /* The last CPU takes the storm: with -smp 2 the CPU running this test stays free. */
    ULONG cpus = KeQueryActiveProcessorCountEx(0);
    KAFFINITY target = (KAFFINITY)1 << (cpus - 1);
    static KINTERRUPT obj;
    uint8_t vector;
    KTEST_ASSERT_EQ(t, ke_route_gsi(line, true, false, target, "ktest:edu", &vector), STATUS_SUCCESS);
    KIRQL irql = (KIRQL)(vector >> 4);
    ke_interrupt_init(&obj, watchdog_claiming_isr, NULL, 0, NULL, NULL, vector, irql, irql, LevelSensitive, FALSE,
                      target, "ktest:edu-claimer");
    KTEST_ASSERT_EQ(t, ke_interrupt_connect(&obj), KE_CONNECT_OK);
    regs[EDU_INTERRUPT_RAISE / 4] = 1; /* assert INTx for good */
    wait_for_the_end();
}

/* ---- 0x101: a CPU that disables interrupts and spins; another CPU's clock notices ---- */

static HANG_SITE VOID watchdog_cli_forever(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    cpu_disable_interrupts();
    entered = true;
    for (;;)
        cpu_pause();
}

static void cli_forever(struct ktest *t)
{
    CHAR cpu;
    if (!last_cpu(t, &cpu))
        return;
    static KDPC dpc;
    KeInitializeDpc(&dpc, watchdog_cli_forever, NULL);
    KeSetTargetProcessorDpc(&dpc, cpu);
    KeInsertQueueDpc(&dpc, NULL, NULL);
    wait_for_the_end();
}

/* ---- poweroff while a DPC never returns on another CPU (watchdogs off): drivers' StopDevice
 * waits for it in KeFlushQueuedDpcs. `poweroff` must say so and leave, not hang. ---- */

static HANG_SITE VOID watchdog_forever_dpc(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    entered = true;
    for (;;)
        cpu_pause();
}

static void poweroff_stuck_dpc(struct ktest *t)
{
    CHAR cpu;
    if (!last_cpu(t, &cpu))
        return;
    static KDPC dpc;
    KeInitializeDpc(&dpc, watchdog_forever_dpc, NULL);
    KeSetTargetProcessorDpc(&dpc, cpu);
    entered = false;
    KeInsertQueueDpc(&dpc, NULL, NULL);
    for (int i = 0; i < 10000 && !entered; i++)
        KeStallExecutionProcessor(1000);
    KTEST_ASSERT_TRUE(t, entered);
    char command[] = "poweroff";
    shell_execute(command); /* exactly what typing it at the prompt does */
    ktest_fail(t, __FILE__, __LINE__, "poweroff returned");
}

KTEST_MANUAL_SUITE(watchdog_crash, KTEST_CASE(stuck_dpc), KTEST_CASE(stuck_dpc_other_cpu), KTEST_CASE(stuck_isr),
                   KTEST_CASE(spin_at_dispatch), KTEST_CASE(claimed_storm), KTEST_CASE(cli_forever),
                   KTEST_CASE(poweroff_stuck_dpc));
