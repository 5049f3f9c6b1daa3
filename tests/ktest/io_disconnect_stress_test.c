/* tests/ktest/io_disconnect_stress_test.c - the SMP disconnect race, as a stress test.
 *
 * One sharer (A) stays connected to the edu's level line, which is routed to another CPU. This CPU
 * connects a second sharer (B) to the same line, raises the device - the interrupt arrives at the
 * other CPU while this one is already in IoDisconnectInterruptEx - and disconnects B, then waits
 * for A to have handled it: IO_DISCONNECT_STRESS_CYCLES times. (One interrupt per cycle, not an
 * endless stream: under TCG a stream's share of the host decides how far the loop gets, and the
 * verdict must not depend on host speed.)
 * Each B carries its cycle number as its context; the moment IoDisconnectInterruptEx returns, that
 * number is published, and a B call that sees its own number published is a call after
 * disconnect. (A returns FALSE every other time, having handled its device, so that the walk of
 * the level chain reaches B.) Judged by counts only:
 *   - zero B calls after IoDisconnectInterruptEx returned;
 *   - A lost nothing and got nothing twice: every raise came back as exactly one call that found
 *     the device raised (A never found it idle);
 *   - no leak: pool under IO_TAG_INTERRUPT, free vectors and connections as before.
 * A line is one IOAPIC entry aimed at one CPU, so "the other CPUs" means the one the line is
 * routed to; B's ProcessorEnableMask and A's leave out this CPU. Needs 2+ CPUs and
 * -device edu,addr=07.0. 10,000 cycles take a few seconds of TCG time on pc and q35. */
#include "include/wdm.h"
#include "kernel/io/connect_interrupt.h"
#include "kernel/io/io_tags.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/interrupt.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"

#define IO_DISCONNECT_STRESS_CYCLES 10000u

static volatile ULONG *edu;
static volatile uint64_t a_claimed, a_idle, a_raised;
static volatile uint64_t b_calls, b_calls_after_disconnect, b_disconnected; /* highest cycle disconnected */

static BOOLEAN sharer_a(PKINTERRUPT interrupt, PVOID context)
{
    ULONG status = READ_REGISTER_ULONG(&edu[IO_TEST_EDU_STATUS / 4]);
    if (!status) {
        a_idle++; /* called with nothing raised: a doubled interrupt */
        return FALSE;
    }
    WRITE_REGISTER_ULONG(&edu[IO_TEST_EDU_ACK / 4], status);
    uint64_t n = __atomic_add_fetch(&a_claimed, 1, __ATOMIC_RELEASE);
    /* A level chain stops at the first ISR that returns TRUE, and B is always behind A: every
     * other time A lets the walk go on so B is called too (half unclaimed is far from a storm). */
    return (n & 1) ? TRUE : FALSE;
}

static BOOLEAN sharer_b(PKINTERRUPT interrupt, PVOID context)
{
    uint64_t cycle = (uint64_t)(uintptr_t)context;
    __atomic_fetch_add(&b_calls, 1, __ATOMIC_RELAXED);
    if (cycle <= __atomic_load_n(&b_disconnected, __ATOMIC_ACQUIRE))
        __atomic_fetch_add(&b_calls_after_disconnect, 1, __ATOMIC_RELAXED);
    return FALSE; /* not B's device */
}

static void connect_disconnect_under_fire(struct ktest *t)
{
    ULONG cpus = KeQueryActiveProcessorCountEx(0);
    if (cpus < 2)
        KTEST_SKIP(t, "needs 2 or more CPUs");
    PDEVICE_OBJECT pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 1);
    if (!pdo || !io_test_take(pdo, IO_START_NO_MSI))
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    KAFFINITY old_affinity = KeSetSystemAffinityThreadEx((KAFFINITY)1 << KeGetCurrentProcessorNumber());
    ULONG me = KeGetCurrentProcessorNumber();
    KAFFINITY others = KeQueryActiveProcessors() & ~((KAFFINITY)1 << me);
    edu = io_test_map_memory(pdo, 0);
    io_test_edu_quiet(edu);
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(pdo, 0, false);
    a_claimed = a_idle = a_raised = b_calls = b_calls_after_disconnect = b_disconnected = 0;

    uint64_t bytes = io_test_pool_bytes(IO_TAG_INTERRUPT);
    unsigned free_vectors = ke_vector_free_count(), connections = io_connection_count();
    PKINTERRUPT a = NULL;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_fully(pdo, d, sharer_a, NULL, &a);
    p.FullySpecified.ProcessorEnableMask = others;
    p.FullySpecified.ShareVector = TRUE;
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);

    unsigned cycles = 0, stalls = 0;
    NTSTATUS failed = STATUS_SUCCESS;
    for (; cycles < IO_DISCONNECT_STRESS_CYCLES; cycles++) {
        uint64_t progress = a_claimed;
        PKINTERRUPT b = NULL;
        p = io_test_fully(pdo, d, sharer_b, (PVOID)(uintptr_t)(cycles + 1), &b);
        p.FullySpecified.ProcessorEnableMask = others;
        p.FullySpecified.ShareVector = TRUE;
        failed = IoConnectInterruptEx(&p);
        if (!NT_SUCCESS(failed))
            break;
        a_raised++;
        WRITE_REGISTER_ULONG(&edu[IO_TEST_EDU_RAISE / 4], 1); /* lands on the other CPU while B goes */
        IO_DISCONNECT_INTERRUPT_PARAMETERS dp = {.Version = CONNECT_FULLY_SPECIFIED};
        dp.ConnectionContext.InterruptObject = b;
        IoDisconnectInterruptEx(&dp);
        __atomic_store_n(&b_disconnected, cycles + 1, __ATOMIC_RELEASE);
        /* The interrupt reaches A whatever the disconnect did (it may take a while on a loaded host). */
        if (!io_test_wait(&a_claimed, progress + 1, 5000)) {
            stalls++;
            break;
        }
    }
    KeStallExecutionProcessor(10000); /* anything doubled would arrive now */
    IO_DISCONNECT_INTERRUPT_PARAMETERS dp = {.Version = CONNECT_FULLY_SPECIFIED};
    dp.ConnectionContext.InterruptObject = a;
    IoDisconnectInterruptEx(&dp);
    io_test_edu_quiet(edu);
    KeRevertToUserAffinityThreadEx(old_affinity);

    KTEST_EXPECT_EQ(t, failed, STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, cycles, IO_DISCONNECT_STRESS_CYCLES);
    KTEST_EXPECT_EQ(t, stalls, 0);
    KTEST_EXPECT_EQ(t, b_calls_after_disconnect, 0);
    KTEST_EXPECT_GT(t, b_calls, 0);          /* the race was really run: B was called while connected */
    KTEST_EXPECT_EQ(t, a_claimed, a_raised); /* no lost interrupt ... */
    KTEST_EXPECT_EQ(t, a_idle, 0);           /* ... and none twice */
    KTEST_EXPECT_EQ(t, io_test_pool_bytes(IO_TAG_INTERRUPT), bytes);
    KTEST_EXPECT_EQ(t, ke_vector_free_count(), free_vectors);
    KTEST_EXPECT_EQ(t, io_connection_count(), connections);
    ktest_log(t, "%u cycles on CPU %lu; A claimed %lu interrupts, B was called %lu times", cycles, (unsigned long)me,
              (unsigned long)a_claimed, (unsigned long)b_calls);
    io_test_give_back(pdo);
}

KTEST_SUITE(io_disconnect_stress, KTEST_CASE(connect_disconnect_under_fire));
