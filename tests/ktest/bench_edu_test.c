/* tests/ktest/bench_edu_test.c - how many MSI interrupts a second a real PCI device gets through
 * irqlab (manual suite `bench_edu`, run by `make bench` under plain TCG: a wall-clock figure).
 *
 * The edu device (QEMU hw/misc/edu.c) is taken from its driver and connected MESSAGE_BASED with
 * IoConnectInterruptEx. The test thread raises an interrupt (a write to edu's raise register), waits
 * until the ISR has acknowledged it, and raises the next, for RUN_MS of guest time: one interrupt
 * in flight at a time, so the CPU the MSI is aimed at always gets back to the thread (an ISR that
 * raised the next one itself would keep a single CPU in interrupts for ever). Reported: ISR calls
 * per second of guest time (TSC).
 * Under plain TCG the TSC follows the host clock, so this is a wall-clock rate that varies with
 * the host's load; `make bench` repeats it and reports the spread. Never asserted. */
#include "arch/x86_64/cpu.h"
#include "include/wdm.h"
#include "kernel/ke/time.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/io_probe.h"
#include "tests/ktest/ktest.h"

#define RUN_MS 300

static volatile ULONG *edu;
static volatile uint64_t calls;

static BOOLEAN counting_isr(PKINTERRUPT interrupt, PVOID context, ULONG message)
{
    ULONG status = READ_REGISTER_ULONG(&edu[IO_TEST_EDU_STATUS / 4]);
    WRITE_REGISTER_ULONG(&edu[IO_TEST_EDU_ACK / 4], status ? status : 1);
    __atomic_add_fetch(&calls, 1, __ATOMIC_RELEASE);
    return TRUE;
}

static void msi_rate(struct ktest *t)
{
    PDEVICE_OBJECT pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 1);
    if (!pdo)
        pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 0);
    if (!pdo || !io_test_take(pdo, 0))
        KTEST_SKIP(t, "needs -device edu");
    edu = io_test_map_memory(pdo, 0);
    io_test_edu_quiet(edu);
    PIO_INTERRUPT_MESSAGE_INFO table = NULL;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_message(pdo, counting_isr, NULL, NULL, (PVOID *)&table);
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    KTEST_ASSERT_EQ(t, p.Version, CONNECT_MESSAGE_BASED);

    KAFFINITY target = table->MessageInfo[0].TargetProcessorSet;
    uint64_t hz = time_tsc_frequency();
    calls = 0;
    uint64_t start = rdtsc(), n = 0, lost = 0;
    while (rdtsc() - start < hz / 1000 * RUN_MS) {
        probe_edu_raise(edu, 1);
        uint64_t sent = rdtsc();
        while (__atomic_load_n(&calls, __ATOMIC_ACQUIRE) < n + 1 && rdtsc() - sent < hz)
            cpu_pause(); /* the MSI may be aimed at another CPU: spin, do not sleep */
        if (__atomic_load_n(&calls, __ATOMIC_ACQUIRE) >= n + 1)
            n++;
        else
            lost++; /* not expected; counted so that a hang cannot pass as a rate */
    }
    uint64_t ticks = rdtsc() - start;
    io_test_disconnect(CONNECT_MESSAGE_BASED, table);
    io_test_edu_quiet(edu);
    io_test_give_back(pdo);

    uint64_t per_second = ticks ? n * hz / ticks : 0;
    ktest_log(t, "bench_edu: %lu MSI interrupts in %lu ms of guest time; MSI aimed at CPU set 0x%lx, thread on CPU %u",
              (unsigned long)n, (unsigned long)(ticks * 1000 / hz), (unsigned long)target,
              (unsigned)KeGetCurrentProcessorNumber());
    ktest_log(t, "bench-figure edu_msi_per_second_%ucpu %lu -", (unsigned)KeNumberProcessors,
              (unsigned long)per_second);
    KTEST_EXPECT_GT(t, n, 0);
    KTEST_EXPECT_EQ(t, lost, 0);
}

KTEST_MANUAL_SUITE(bench_edu, KTEST_CASE(msi_rate));
