/* tests/ktest/io_disconnect_msi_test.c - IoDisconnectInterruptEx's promise on a message (MSI)
 * while the device keeps interrupting from another CPU: once it returns, the ISR is never called
 * again. (The level-line case with a sharer is io_disconnect_stress_test.c.)
 *
 * edu with MSI (hw/misc/edu.c: one message, no per-vector mask): a thread on another CPU writes
 * the raise register in a loop; this CPU connects a message-based ISR, waits until it has been
 * called, disconnects, then lets the device raise 200 more times and checks the ISR count did not
 * move. Many cycles; the interrupt pool and the free vectors are the same before and after.
 * Counts only. Needs 2+ CPUs (one CPU: skipped - nothing can raise during the disconnect). */
#include "include/wdm.h"
#include "kernel/io/connect_interrupt.h"
#include "kernel/io/io_tags.h"
#include "kernel/io/pnp.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/thread_helpers.h"

#define CYCLES 200
#define RAISES_AFTER 200

static volatile ULONG *regs;
static volatile uint64_t isr_calls, raises;
static volatile bool raising;

static BOOLEAN msi_isr(PKINTERRUPT interrupt, PVOID context, ULONG message_id)
{
    UNREFERENCED_PARAMETER(interrupt);
    UNREFERENCED_PARAMETER(context);
    UNREFERENCED_PARAMETER(message_id);
    ULONG status = READ_REGISTER_ULONG(&regs[IO_TEST_EDU_STATUS / 4]);
    WRITE_REGISTER_ULONG(&regs[IO_TEST_EDU_ACK / 4], status);
    __atomic_fetch_add(&isr_calls, 1, __ATOMIC_RELEASE);
    return TRUE;
}

static VOID raiser(PVOID context)
{
    UNREFERENCED_PARAMETER(context);
    while (__atomic_load_n(&raising, __ATOMIC_ACQUIRE)) {
        WRITE_REGISTER_ULONG(&regs[IO_TEST_EDU_RAISE / 4], 1);
        __atomic_fetch_add(&raises, 1, __ATOMIC_RELEASE);
        KeStallExecutionProcessor(20);
    }
}

static bool wait_for(volatile uint64_t *counter, uint64_t target)
{
    for (unsigned i = 0; i < 500000; i++) { /* 5 s of guest time */
        if (__atomic_load_n(counter, __ATOMIC_ACQUIRE) >= target)
            return true;
        KeStallExecutionProcessor(10);
    }
    return false;
}

static void no_isr_after_disconnect_while_interrupting(struct ktest *t)
{
    if (KeQueryActiveProcessorCount(NULL) < 2)
        KTEST_SKIP(t, "needs a second CPU to raise during the disconnect (SMP=4)");
    PDEVICE_OBJECT edu = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 0);
    if (!edu || !io_test_take(edu, 0))
        KTEST_SKIP(t, "needs -device edu");
    if (io_test_pdo(edu)->resources.kind != IO_INTERRUPT_MSI) {
        io_test_give_back(edu);
        KTEST_SKIP(t, "edu has no MSI here (msi=off?)");
    }
    regs = io_test_map_memory(edu, 0);
    io_test_edu_quiet(regs);
    uint64_t pool = io_test_pool_bytes(IO_TAG_INTERRUPT);
    KAFFINITY here = th_pin_here();
    raising = true;
    PKTHREAD thread = th_start(raiser, NULL, 8, KeQueryActiveProcessors() & ~here);
    KTEST_ASSERT_NOT_NULL(t, thread);
    uint64_t after_return = 0, cycles = 0, not_called = 0;
    for (unsigned c = 0; c < CYCLES; c++) {
        PIO_INTERRUPT_MESSAGE_INFO table;
        IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_message(edu, msi_isr, NULL, NULL, (PVOID *)&table);
        if (!NT_SUCCESS(IoConnectInterruptEx(&p)))
            break;
        not_called += !wait_for(&isr_calls, isr_calls + 1); /* it is interrupting */
        io_test_disconnect(CONNECT_MESSAGE_BASED, table);
        uint64_t at_return = __atomic_load_n(&isr_calls, __ATOMIC_ACQUIRE);
        (void)wait_for(&raises, raises + RAISES_AFTER); /* the device goes on raising */
        after_return += __atomic_load_n(&isr_calls, __ATOMIC_ACQUIRE) - at_return;
        cycles++;
    }
    raising = false;
    KTEST_EXPECT_TRUE(t, th_join(thread, 30));
    th_unpin();
    ktest_log(t, "%llu cycles, %llu ISR calls, %llu raises", (unsigned long long)cycles, (unsigned long long)isr_calls,
              (unsigned long long)raises);
    KTEST_EXPECT_EQ(t, cycles, CYCLES);
    KTEST_EXPECT_EQ(t, not_called, 0);
    KTEST_EXPECT_EQ(t, after_return, 0);
    KTEST_EXPECT_EQ(t, io_test_pool_bytes(IO_TAG_INTERRUPT), pool);
    io_test_edu_quiet(regs);
    io_test_give_back(edu);
}

KTEST_SUITE(io_disconnect_msi, KTEST_CASE(no_isr_after_disconnect_while_interrupting));
