/* tests/ktest/message_decline_test.c - a message-based ISR that declines its own device's
 * interrupts (kernel/ke/message_decline.h), on edu's MSI (hw/misc/edu.c: a write to the raise
 * register sends the message). The ISR acknowledges edu and returns FALSE - the mistake of an
 * ISR that reads the wrong register. One interrupt at a time: raise, wait until the ISR ran.
 *
 *   message_decline.reported_once_after_three_in_a_row   3 in a row: one console report, counted
 *                                                        on the object; more: no second report
 *   message_decline.a_claim_between_starts_over          decline, claim, decline...: never reported
 *   message_decline_crash.declining_msi_isr              manual, verifier=storm: 0xF2, P1 = the ISR,
 *                                                        P3 = the object, P4 = 1
 *                                                        (tests/e2e/test_bugcheck_message_decline.py)
 */
#include "include/wdm.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/message_decline.h"
#include "kernel/ke/verifier.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"

static volatile ULONG *regs;
static volatile uint64_t calls;
static volatile bool claim_odd; /* claim every second interrupt */
static PKINTERRUPT seen;

static BOOLEAN declining_msi_isr(PKINTERRUPT Interrupt, PVOID Context, ULONG MessageId)
{
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(MessageId);
    ULONG status = READ_REGISTER_ULONG(&regs[IO_TEST_EDU_STATUS / 4]);
    WRITE_REGISTER_ULONG(&regs[IO_TEST_EDU_ACK / 4], status); /* quiet, then "not mine" */
    seen = Interrupt;
    uint64_t n = __atomic_add_fetch(&calls, 1, __ATOMIC_RELEASE);
    return claim_odd && (n % 2) == 0;
}

/* edu without its driver, with MSI, and the ISR connected; NULL (skipped) if not possible. */
static PDEVICE_OBJECT connect_edu(struct ktest *t, PVOID *table)
{
    PDEVICE_OBJECT edu = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 0);
    if (!edu || !io_test_take(edu, 0)) {
        ktest_skip(t, "needs -device edu");
        return NULL;
    }
    if (io_test_pdo(edu)->resources.kind != IO_INTERRUPT_MSI) {
        io_test_give_back(edu);
        ktest_skip(t, "edu has no MSI here (msi=off?)");
        return NULL;
    }
    regs = io_test_map_memory(edu, 0);
    io_test_edu_quiet(regs);
    calls = 0;
    seen = NULL;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_message(edu, declining_msi_isr, NULL, NULL, table);
    if (!NT_SUCCESS(IoConnectInterruptEx(&p)) || p.Version != CONNECT_MESSAGE_BASED) {
        io_test_give_back(edu);
        ktest_fail(t, __FILE__, __LINE__, "could not connect edu's MSI");
        return NULL;
    }
    return edu;
}

/* Raise one interrupt and wait until the ISR ran for it (5 s of guest time at most). */
static bool raise_one(void)
{
    uint64_t before = __atomic_load_n(&calls, __ATOMIC_ACQUIRE);
    WRITE_REGISTER_ULONG(&regs[IO_TEST_EDU_RAISE / 4], 1);
    return io_test_wait(&calls, before + 1, 5000);
}

/* Raise one interrupt the ISR declines, and wait until the dispatcher has also accounted it -
 * that happens after the ISR returns, on the CPU the message is aimed at, which need not be
 * this one (it raced the check on pc -smp 4). `nth`: declines so far, this one included. */
static bool raise_declined(uint32_t nth)
{
    if (!raise_one())
        return false;
    for (unsigned i = 0; i < 500000; i++) { /* 5 s of guest time */
        if (seen && __atomic_load_n(&seen->DeclinedInARow, __ATOMIC_ACQUIRE) >= nth)
            return true;
        KeStallExecutionProcessor(10);
    }
    return false;
}

static void done(PDEVICE_OBJECT edu, PVOID table)
{
    io_test_disconnect(CONNECT_MESSAGE_BASED, table);
    io_test_edu_quiet(regs);
    io_test_give_back(edu);
}

static void reported_once_after_three_in_a_row(struct ktest *t)
{
    bool was_on = ke_verifier_set(KE_VERIFY_STORM, false);
    claim_odd = false;
    PVOID table;
    PDEVICE_OBJECT edu = connect_edu(t, &table);
    if (edu) {
        uint64_t reports = ke_message_decline_reports();
        uint32_t n = 0;
        for (unsigned i = 0; i < KE_MESSAGE_DECLINE_LIMIT - 1; i++)
            KTEST_EXPECT_TRUE(t, raise_declined(++n));
        KTEST_EXPECT_EQ(t, ke_message_decline_reports(), reports); /* two in a row: not yet */
        KTEST_EXPECT_TRUE(t, raise_declined(++n));
        for (unsigned i = 0; i < 500000 && ke_message_decline_reports() == reports; i++)
            KeStallExecutionProcessor(10); /* the report follows the count, on the message's CPU */
        KTEST_EXPECT_EQ(t, ke_message_decline_reports(), reports + 1);
        for (unsigned i = 0; i < 5; i++)
            KTEST_EXPECT_TRUE(t, raise_declined(++n));
        for (unsigned i = 0; i < 500000 && ke_message_decline_reports() == reports; i++)
            KeStallExecutionProcessor(10); /* the report follows the count, on the message's CPU */
        KTEST_EXPECT_EQ(t, ke_message_decline_reports(), reports + 1); /* once per object */
        KTEST_ASSERT_NOT_NULL(t, seen);
        KTEST_EXPECT_TRUE(t, seen->DeclineReported);
        KTEST_EXPECT_EQ(t, seen->DeclinedInARow, KE_MESSAGE_DECLINE_LIMIT + 5);
        uint64_t declined = 0;
        for (unsigned c = 0; c < KE_MAX_CPUS; c++)
            declined += seen->DeclineCount[c];
        KTEST_EXPECT_EQ(t, declined, KE_MESSAGE_DECLINE_LIMIT + 5);
        done(edu, table);
    }
    ke_verifier_set(KE_VERIFY_STORM, was_on);
}

/* A declined message between claimed ones can be a coalesced interrupt: not a mistake. */
static void a_claim_between_starts_over(struct ktest *t)
{
    bool was_on = ke_verifier_set(KE_VERIFY_STORM, true); /* would stop if it counted */
    claim_odd = true;
    PVOID table;
    PDEVICE_OBJECT edu = connect_edu(t, &table);
    if (edu) {
        uint64_t reports = ke_message_decline_reports();
        for (unsigned i = 0; i < 4 * KE_MESSAGE_DECLINE_LIMIT; i++)
            KTEST_EXPECT_TRUE(t, raise_one());
        KTEST_EXPECT_EQ(t, ke_message_decline_reports(), reports);
        KTEST_ASSERT_NOT_NULL(t, seen);
        KTEST_EXPECT_FALSE(t, seen->DeclineReported);
        KTEST_EXPECT_LE(t, seen->DeclinedInARow, 1u);
        done(edu, table);
    }
    ke_verifier_set(KE_VERIFY_STORM, was_on);
}

static void declining_msi_isr_case(struct ktest *t)
{
    ke_verifier_set(KE_VERIFY_STORM, true);
    claim_odd = false;
    PVOID table;
    PDEVICE_OBJECT edu = connect_edu(t, &table);
    if (!edu)
        return;
    for (unsigned i = 0; i < KE_MESSAGE_DECLINE_LIMIT; i++)
        (void)raise_one(); /* the third stops the machine */
    ktest_fail(t, __FILE__, __LINE__, "no stop after three declined messages");
}

KTEST_SUITE(message_decline, KTEST_CASE(reported_once_after_three_in_a_row), KTEST_CASE(a_claim_between_starts_over));
KTEST_MANUAL_SUITE(message_decline_crash, {"declining_msi_isr", declining_msi_isr_case});
