/* tests/ktest/io_msi_reaim_test.c - re-aiming a live plain-MSI device loses no interrupt.
 *
 * Moving a message to another CPU rewrites its Message Address. The old code turned MSI Enable
 * off, wrote address and data and turned it on again; an interrupt the device raised in that
 * window went to its INTx pin (disabled while MSI is in use) and was never sent again - QEMU's
 * edu (hw/misc/edu.c: MSI, one vector, no per-vector masking) then keeps irq_status set and
 * stays silent. pci_msi_retarget keeps Enable on (kernel/io/message_hw.c).
 *
 * The case: one CPU raises edu interrupts one at a time, each waited for (generous timeout),
 * while this CPU re-aims the message round-robin over every CPU as fast as it can. The verdict
 * is a count - every raise got its ISR call - never a duration. Needs two CPUs (the raise must
 * land while another CPU is inside the re-aim); on one CPU the re-aim is checked without a race.
 */
#include "include/wdm.h"
#include "kernel/bus/pci/pci.h"
#include "kernel/io/message_hw.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/irq_route.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/thread_helpers.h"

#define RAISES 3000
#define WAIT_POLLS 200000 /* x 10 us of guest time: 2 s per raise */

struct reaim {
    volatile ULONG *regs;
    volatile uint64_t isr_calls;
    volatile uint64_t raised;
    volatile uint64_t lost_at; /* raise number that never got its ISR call, 0 = none */
    volatile uint64_t done;
};
static struct reaim reaim;

static BOOLEAN reaim_isr(PKINTERRUPT interrupt, PVOID context, ULONG message_id)
{
    UNREFERENCED_PARAMETER(interrupt);
    UNREFERENCED_PARAMETER(message_id);
    struct reaim *r = context;
    ULONG status = READ_REGISTER_ULONG(&r->regs[IO_TEST_EDU_STATUS / 4]);
    if (!status)
        return FALSE;
    WRITE_REGISTER_ULONG(&r->regs[IO_TEST_EDU_ACK / 4], status);
    __atomic_fetch_add(&r->isr_calls, 1, __ATOMIC_RELEASE);
    return TRUE;
}

static bool wait_isr(struct reaim *r, uint64_t target)
{
    for (unsigned i = 0; i < WAIT_POLLS; i++) {
        if (__atomic_load_n(&r->isr_calls, __ATOMIC_ACQUIRE) >= target)
            return true;
        KeStallExecutionProcessor(10);
    }
    return false;
}

static VOID raiser(PVOID context)
{
    struct reaim *r = context;
    for (uint64_t i = 1; i <= RAISES; i++) {
        WRITE_REGISTER_ULONG(&r->regs[IO_TEST_EDU_RAISE / 4], 1);
        r->raised = i;
        if (!wait_isr(r, i)) {
            r->lost_at = i;
            break;
        }
    }
    __atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
}

/* What a rebalance does for one message: route it to `cpu`, write the device. */
static void reaim_to(struct io_pdo *pdo, uint32_t cpu)
{
    struct ke_message_route route;
    if (!NT_SUCCESS(ke_route_retarget(pdo->messages[0].vector, cpu, &route)))
        return;
    pdo->messages[0].cpu = cpu;
    pdo->messages[0].address = route.address;
    io_message_retargeted(pdo, 0);
}

static struct io_pdo *take_edu_on_msi(struct ktest *t, PDEVICE_OBJECT *out)
{
    PDEVICE_OBJECT edu = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 0);
    if (!edu || !io_test_take(edu, 0))
        return NULL;
    struct io_pdo *pdo = io_test_pdo(edu);
    if (pdo->resources.kind != IO_INTERRUPT_MSI) {
        io_test_give_back(edu);
        ktest_log(t, "edu has no MSI here (msi=off?)");
        return NULL;
    }
    *out = edu;
    return pdo;
}

static void reaim_keeps_msi_enabled_and_delivers(struct ktest *t)
{
    PDEVICE_OBJECT edu;
    struct io_pdo *pdo = take_edu_on_msi(t, &edu);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu with MSI");
    reaim = (struct reaim){.regs = io_test_map_memory(edu, 0)};
    io_test_edu_quiet(reaim.regs);
    PIO_INTERRUPT_MESSAGE_INFO table;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_message(edu, reaim_isr, NULL, &reaim, (PVOID *)&table);
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    KAFFINITY active = KeQueryActiveProcessors();
    for (uint32_t cpu = 0; cpu < 64; cpu++) {
        if (!(active & ((KAFFINITY)1 << cpu)))
            continue;
        reaim_to(pdo, cpu);
        uint64_t address;
        pci_msi_read(pdo->pci, &address, NULL, NULL);
        KTEST_EXPECT_TRUE(t, pci_msi_enabled(pdo->pci));
        KTEST_EXPECT_EQ(t, address, pdo->messages[0].address);
        KTEST_EXPECT_EQ(t, ke_route_target_cpu(pdo->messages[0].vector), cpu);
        uint64_t before = reaim.isr_calls;
        WRITE_REGISTER_ULONG(&reaim.regs[IO_TEST_EDU_RAISE / 4], 1);
        KTEST_EXPECT_TRUE(t, wait_isr(&reaim, before + 1));
    }
    io_test_disconnect(CONNECT_MESSAGE_BASED, table);
    io_test_give_back(edu);
}

static void reaim_while_interrupting_loses_none(struct ktest *t)
{
    KAFFINITY active = KeQueryActiveProcessors();
    if (KeQueryActiveProcessorCount(NULL) < 2)
        KTEST_SKIP(t, "needs a second CPU to raise interrupts during the re-aim (run with SMP=4)");
    PDEVICE_OBJECT edu;
    struct io_pdo *pdo = take_edu_on_msi(t, &edu);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu with MSI");
    reaim = (struct reaim){.regs = io_test_map_memory(edu, 0)};
    io_test_edu_quiet(reaim.regs);
    PIO_INTERRUPT_MESSAGE_INFO table;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_message(edu, reaim_isr, NULL, &reaim, (PVOID *)&table);
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);

    KAFFINITY here = th_pin_here();
    PKTHREAD thread = th_start(raiser, &reaim, 8, active & ~here);
    KTEST_ASSERT_NOT_NULL(t, thread);
    uint64_t reaims = 0;
    for (uint32_t cpu = 0; !__atomic_load_n(&reaim.done, __ATOMIC_ACQUIRE); cpu = (cpu + 1) % 64) {
        if (active & ((KAFFINITY)1 << cpu)) {
            reaim_to(pdo, cpu);
            reaims++;
        }
    }
    KTEST_EXPECT_TRUE(t, th_join(thread, 60));
    th_unpin();
    ktest_log(t, "%llu raises, %llu ISR calls, %llu re-aims", (unsigned long long)reaim.raised,
              (unsigned long long)reaim.isr_calls, (unsigned long long)reaims);
    KTEST_EXPECT_EQ(t, reaim.lost_at, 0);
    KTEST_EXPECT_EQ(t, reaim.isr_calls, RAISES);
    io_test_disconnect(CONNECT_MESSAGE_BASED, table);
    io_test_give_back(edu);
}

KTEST_SUITE(io_msi_reaim, KTEST_CASE(reaim_keeps_msi_enabled_and_delivers),
            KTEST_CASE(reaim_while_interrupting_loses_none));
