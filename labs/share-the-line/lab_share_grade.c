/* tests/ktest/lab_share_grade.c - the grading suite of lab "share the line"
 * (labs/share-the-line/; handout docs/labs/share-the-line.md).
 *
 * Copied into tests/ktest/ only by scripts/grade.py, together with the student's (or the
 * reference) drivers/lab_share/. A manual suite: run only when named (ktest=lab_share_grade).
 * Needs msi=off and -device edu,addr=03.0 -device edu,addr=07.0: both edus then raise one
 * level-triggered INTx line (pc: PIRQ C -> IRQ 11; q35: PIRQ H -> GSI 23) and share one vector.
 *
 * Setup (each case does it if this boot has not yet, so a case that hangs and is resumed in a
 * fresh QEMU does not take the later cases down with it) - the grader plays the PnP manager:
 *   1. take 00:07.0 from the edu driver (io_test_take: StopDevice, resources given back, line
 *      resources assigned again, no driver started) and call LabShareStartDevice for it;
 *   2. restart the edu driver on 00:03.0, so the lab driver's ISR is FIRST in the vector's chain:
 *      it is then asked about every interrupt on the line, including the other device's, and a
 *      wrong TRUE would starve drivers/edu (chain_walk.h: a level chain stops at the first TRUE).
 * The verdicts come from the kernel, not from the driver's own counts where it matters: the
 * interrupt object's ServiceCount / DeclineCount (what the ISR returned), the edu driver's counts
 * for 00:03.0, the device's status register, ke_storm_count().
 * The points per case are in labs/share-the-line/lab.json. */
#include "drivers/edu/edu.h"
#include "drivers/lab_share/lab_share.h"
#include "include/wdm.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/storm.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"

#define ROUNDS 10

static DRIVER_OBJECT lab_driver = {.Type = IO_TYPE_DRIVER, .Size = sizeof(DRIVER_OBJECT), .Name = "lab_share"};

static struct {
    bool ready;
    NTSTATUS start_status;
    PDEVICE_OBJECT pdo3, pdo7; /* the edus at 00:03.0 (edu driver) and 00:07.0 (lab driver) */
    PDEVICE_OBJECT edu3, lab;  /* their FDOs */
    PKINTERRUPT edu_int, lab_int;
    volatile ULONG *regs7; /* the grader's own mapping of 00:07.0's BAR0 */
    uint64_t storms_at_setup;
} g;

static uint64_t sum(const uint64_t *per_cpu)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < KE_MAX_CPUS; i++)
        n += per_cpu[i];
    return n;
}

/* What the lab ISR returned, as the kernel's dispatcher counted it. */
static uint64_t lab_true(void) { return sum(g.lab_int->ServiceCount); }
static uint64_t lab_false(void) { return sum(g.lab_int->DeclineCount); }

static struct edu_counts edu3_counts(void)
{
    struct edu_counts c = {0};
    edu_get_counts(g.edu3, &c);
    return c;
}

static struct lab_share_counts lab_counts(void)
{
    struct lab_share_counts c = {0};
    lab_share_get_counts(g.lab, &c);
    return c;
}

static void raise7(ULONG bits) { WRITE_REGISTER_ULONG(&g.regs7[IO_TEST_EDU_RAISE / 4], bits); }
static ULONG status7(void) { return READ_REGISTER_ULONG(&g.regs7[IO_TEST_EDU_STATUS / 4]); }
static void raise3(ULONG bits) { (void)edu_raise(g.edu3, bits); }

/* Spin up to ~2 s until the kernel saw the lab ISR return TRUE `target` times in all. */
static bool wait_lab_true(uint64_t target)
{
    for (int i = 0; i < 20000; i++) {
        if (lab_true() >= target)
            return true;
        KeStallExecutionProcessor(100);
    }
    return false;
}

static bool wait_edu3_claimed(uint64_t target)
{
    for (int i = 0; i < 20000; i++) {
        struct edu_counts c = edu3_counts();
        if (c.isr_claimed >= target && c.dpc_calls > 0)
            return true;
        KeStallExecutionProcessor(100);
    }
    return false;
}

static bool wait_lab_dpc(uint64_t target)
{
    for (int i = 0; i < 20000; i++) {
        if (lab_counts().dpc_calls >= target)
            return true;
        KeStallExecutionProcessor(100);
    }
    return false;
}

/* Let DPCs and any late re-assertion settle before exact counts are compared. */
static void settle(void) { KeStallExecutionProcessor(20000); }

static bool setup(struct ktest *t)
{
    if (g.ready)
        return true;
    if (!io_test_cmdline_off("msi")) {
        ktest_fail(t, __FILE__, __LINE__, "boot with msi=off: the lab is about a shared INTx line");
        return false;
    }
    g.pdo3 = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 0);
    g.pdo7 = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 1);
    if (!g.pdo3 || !g.pdo7) {
        ktest_fail(t, __FILE__, __LINE__, "needs -device edu,addr=03.0 -device edu,addr=07.0");
        return false;
    }
    g.storms_at_setup = ke_storm_count();

    /* 1. 00:07.0 goes to the lab driver. */
    if (!io_test_take(g.pdo7, IO_START_NO_MSI)) {
        ktest_fail(t, __FILE__, __LINE__, "could not take 00:07.0 from the edu driver");
        return false;
    }
    struct io_pdo *x = io_test_pdo(g.pdo7);
    g.start_status = LabShareStartDevice(&lab_driver, g.pdo7, x->raw, x->translated);
    if (!NT_SUCCESS(g.start_status)) {
        ktest_fail(t, __FILE__, __LINE__, "LabShareStartDevice failed: 0x%08x", (unsigned)g.start_status);
        return false;
    }
    g.lab = lab_share_device();
    if (!g.lab || !lab_share_interrupt(g.lab)) {
        ktest_fail(t, __FILE__, __LINE__, "lab_share_device() / lab_share_interrupt() is NULL after a start");
        return false;
    }
    g.lab_int = lab_share_interrupt(g.lab);
    g.regs7 = io_test_map_memory(g.pdo7, 0);

    /* 2. The edu driver on 00:03.0 reconnects, behind the lab driver in the chain. */
    io_test_give_back(g.pdo3);
    g.edu3 = g.pdo3->AttachedDevice;
    if (!g.edu3 || !g.regs7) {
        ktest_fail(t, __FILE__, __LINE__, "the edu driver did not restart on 00:03.0");
        return false;
    }
    g.edu_int = edu_interrupt(g.edu3);
    g.ready = true;
    return true;
}

/* 1 point: the driver starts and shares the vector, first in the chain. Given code, but it shows
 * the lab's situation in the log. */
static void starts_on_the_shared_line(struct ktest *t)
{
    if (!setup(t))
        return;
    KTEST_EXPECT_EQ(t, g.lab_int->Vector, g.edu_int->Vector);
    KTEST_EXPECT_EQ(t, g.lab_int->Mode, LevelSensitive);
    KTEST_EXPECT_TRUE(t, g.lab_int->ShareVector && g.edu_int->ShareVector);
    KTEST_EXPECT_EQ(t, edu_connection_version(g.edu3), CONNECT_LINE_BASED);
    struct ke_vector *v = &ke_vector_table[g.lab_int->Vector];
    KTEST_EXPECT_EQ(t, v->object_count, 2);
    KTEST_EXPECT_TRUE(t, v->chain.Flink == &g.lab_int->InterruptListEntry); /* asked first */
    ktest_log(t, "vector 0x%02x: lab_share (00:07.0) first, edu (00:03.0) second", (unsigned)g.lab_int->Vector);
}

/* 2 points: only the other device interrupts; the lab ISR must say FALSE every time. */
static void declines_when_quiet(struct ktest *t)
{
    if (!setup(t))
        return;
    uint64_t storms = ke_storm_count(), t0 = lab_true(), f0 = lab_false();
    struct edu_counts e0 = edu3_counts();
    for (unsigned i = 0; i < ROUNDS; i++) {
        raise3(1u << (i % 8));
        if (!wait_edu3_claimed(e0.isr_claimed + i + 1)) {
            ktest_fail(t, __FILE__, __LINE__, "raise %u of 00:03.0 never reached the edu driver", i + 1);
            break;
        }
    }
    settle();
    struct edu_counts e1 = edu3_counts();
    KTEST_EXPECT_EQ(t, lab_true() - t0, 0);                      /* claimed none of the other device's */
    KTEST_EXPECT_GE(t, lab_false() - f0, ROUNDS);                /* was asked, said "not mine" */
    KTEST_EXPECT_EQ(t, e1.isr_claimed - e0.isr_claimed, ROUNDS); /* the other driver got all */
    KTEST_EXPECT_EQ(t, ke_storm_count(), storms);
}

/* 2 points: only our device interrupts; the lab ISR must claim each exactly once, acknowledge it,
 * and the edu driver must not see it. */
static void claims_its_own(struct ktest *t)
{
    if (!setup(t))
        return;
    uint64_t storms = ke_storm_count(), t0 = lab_true();
    struct edu_counts e0 = edu3_counts();
    for (unsigned i = 0; i < ROUNDS; i++) {
        raise7(1u << (i % 8));
        if (!wait_lab_true(t0 + i + 1)) {
            ktest_fail(t, __FILE__, __LINE__, "raise %u of 00:07.0: the lab ISR never returned TRUE", i + 1);
            break;
        }
    }
    settle();
    struct edu_counts e1 = edu3_counts();
    KTEST_EXPECT_EQ(t, lab_true() - t0, ROUNDS);
    KTEST_EXPECT_EQ(t, e1.isr_claimed, e0.isr_claimed); /* the edu driver saw none of ours */
    KTEST_EXPECT_EQ(t, status7(), 0);                   /* acknowledged: the line is down */
    KTEST_EXPECT_EQ(t, ke_storm_count(), storms);
}

/* 1 point: the ISR queued its DPC, and the DPC ran at DISPATCH_LEVEL with what the ISR saw. */
static void dpc_runs_at_dispatch_level(struct ktest *t)
{
    if (!setup(t))
        return;
    struct lab_share_counts c0 = lab_counts();
    raise7(0x100);
    KTEST_ASSERT_TRUE(t, wait_lab_dpc(c0.dpc_calls + 1));
    settle();
    struct lab_share_counts c1 = lab_counts();
    KTEST_EXPECT_EQ(t, c1.dpc_irql, DISPATCH_LEVEL);
    KTEST_EXPECT_TRUE(t, (c1.status_seen & 0x100) != 0);
    KTEST_EXPECT_LE(t, c1.dpc_calls, c1.isr_claimed); /* one queued DPC per claim at most */
}

/* ROUNDS rounds: raise 00:07.0 and wait for the lab ISR's claim, then 00:03.0 and wait for the
 * edu driver's. `lab0` / `edu0`: the claim counts before. FALSE (the case failed) at the first
 * interrupt nobody claimed. */
static bool interleaved_rounds(struct ktest *t, const char *when, uint64_t lab0, uint64_t edu0)
{
    for (unsigned i = 0; i < ROUNDS; i++) {
        raise7(0x10000u << (i % 4));
        if (!wait_lab_true(lab0 + i + 1)) {
            ktest_fail(t, __FILE__, __LINE__, "%sround %u: 00:07.0 not claimed", when, i + 1);
            return false;
        }
        raise3(0x10000u << (i % 4));
        if (!wait_edu3_claimed(edu0 + i + 1)) {
            ktest_fail(t, __FILE__, __LINE__, "%sround %u: 00:03.0 not claimed by the edu driver", when, i + 1);
            return false;
        }
    }
    return true;
}

/* 2 points: the two devices in turn; every count exact. */
static void counts_exact_interleaved(struct ktest *t)
{
    if (!setup(t))
        return;
    uint64_t storms = ke_storm_count(), t0 = lab_true();
    struct edu_counts e0 = edu3_counts();
    struct lab_share_counts c0 = lab_counts();
    (void)interleaved_rounds(t, "", t0, e0.isr_claimed);
    settle();
    struct edu_counts e1 = edu3_counts();
    struct lab_share_counts c1 = lab_counts();
    KTEST_EXPECT_EQ(t, lab_true() - t0, ROUNDS);
    KTEST_EXPECT_EQ(t, c1.isr_claimed - c0.isr_claimed, ROUNDS); /* its own count agrees */
    KTEST_EXPECT_EQ(t, e1.isr_claimed - e0.isr_claimed, ROUNDS);
    KTEST_EXPECT_TRUE(t, (c1.status_seen & 0xF0000u) == 0xF0000u);
    KTEST_EXPECT_TRUE(t, (e1.status_seen & 0xF0000u) == 0xF0000u);
    KTEST_EXPECT_EQ(t, ke_storm_count(), storms);
}

/* 2 points: both devices raise before either ISR runs; each is served exactly once per round. */
static void both_at_once(struct ktest *t)
{
    if (!setup(t))
        return;
    uint64_t storms = ke_storm_count(), t0 = lab_true();
    struct edu_counts e0 = edu3_counts();
    for (unsigned i = 0; i < ROUNDS; i++) {
        KIRQL old;
        KeRaiseIrql(HIGH_LEVEL, &old); /* both raised while no ISR can run */
        raise7(0x1000000u << (i % 4));
        raise3(0x1000000u << (i % 4));
        KeLowerIrql(old);
        bool lab_ok = wait_lab_true(t0 + i + 1);
        bool edu_ok = wait_edu3_claimed(e0.isr_claimed + i + 1);
        if (!lab_ok || !edu_ok) {
            ktest_fail(t, __FILE__, __LINE__, "round %u: %s not served", i + 1,
                       !lab_ok ? (!edu_ok ? "neither device" : "00:07.0 (lab)") : "00:03.0 (edu)");
            break;
        }
    }
    settle();
    struct edu_counts e1 = edu3_counts();
    KTEST_EXPECT_EQ(t, lab_true() - t0, ROUNDS);
    KTEST_EXPECT_EQ(t, e1.isr_claimed - e0.isr_claimed, ROUNDS);
    KTEST_EXPECT_EQ(t, status7(), 0);
    KTEST_EXPECT_EQ(t, ke_storm_count(), storms);
}

/* 1 point: after all that, no storm was detected and the line is still live for both. */
static void no_storm_line_still_live(struct ktest *t)
{
    if (!setup(t))
        return;
    struct ke_vector *v = &ke_vector_table[g.lab_int->Vector];
    KTEST_EXPECT_EQ(t, ke_storm_count(), g.storms_at_setup);
    KTEST_EXPECT_FALSE(t, v->storm);
    KTEST_EXPECT_FALSE(t, v->masked);
    uint64_t t0 = lab_true();
    struct edu_counts e0 = edu3_counts();
    raise7(1);
    raise3(1);
    KTEST_EXPECT_TRUE(t, wait_lab_true(t0 + 1));
    KTEST_EXPECT_TRUE(t, wait_edu3_claimed(e0.isr_claimed + 1));
}

/* 1 point: what `drivers unload` + `drivers load` do to a driver of the table (docs/pnp.md): its
 * StopDevice, then its StartDevice again with the same resources. After the stop nothing of it may
 * be left on the line (the edu driver alone on the vector gets every interrupt of its device);
 * after the restart the driver shares the line again and every count is exact - a driver that
 * keeps state across a stop in globals, or does not disconnect, loses this point. Last case: it
 * replaces the lab's device object and interrupt object. */
static void survives_stop_and_restart(struct ktest *t)
{
    if (!setup(t))
        return;
    uint64_t storms = ke_storm_count();
    uint8_t vector = (uint8_t)g.lab_int->Vector;
    struct ke_vector *v = &ke_vector_table[vector];
    LabShareStopDevice(&lab_driver, g.lab);
    g.lab = NULL;
    g.lab_int = NULL; /* freed with the connection: not to be touched again */
    KTEST_EXPECT_TRUE(t, lab_share_device() == NULL);
    KTEST_EXPECT_EQ(t, v->object_count, 1); /* only the edu driver's ISR is left */

    struct edu_counts e0 = edu3_counts();
    for (unsigned i = 0; i < ROUNDS; i++) {
        raise3(1u << (i % 8));
        if (!wait_edu3_claimed(e0.isr_claimed + i + 1)) {
            ktest_fail(t, __FILE__, __LINE__, "stopped: raise %u of 00:03.0 never reached the edu driver", i + 1);
            return;
        }
    }

    struct io_pdo *x = io_test_pdo(g.pdo7);
    NTSTATUS status = LabShareStartDevice(&lab_driver, g.pdo7, x->raw, x->translated);
    if (!NT_SUCCESS(status) || !lab_share_device() || !lab_share_interrupt(lab_share_device())) {
        ktest_fail(t, __FILE__, __LINE__, "LabShareStartDevice after LabShareStopDevice: 0x%08x, device %p",
                   (unsigned)status, (void *)lab_share_device());
        return;
    }
    g.lab = lab_share_device();
    g.lab_int = lab_share_interrupt(g.lab);
    KTEST_EXPECT_EQ(t, g.lab_int->Vector, vector);
    KTEST_EXPECT_EQ(t, v->object_count, 2);

    uint64_t t0 = lab_true();
    e0 = edu3_counts();
    if (!interleaved_rounds(t, "restarted: ", t0, e0.isr_claimed))
        return;
    settle();
    struct edu_counts e1 = edu3_counts();
    KTEST_EXPECT_EQ(t, lab_true() - t0, ROUNDS);
    KTEST_EXPECT_EQ(t, e1.isr_claimed - e0.isr_claimed, ROUNDS);
    KTEST_EXPECT_EQ(t, status7(), 0);
    KTEST_EXPECT_EQ(t, ke_storm_count(), storms);
}

KTEST_MANUAL_SUITE(lab_share_grade, KTEST_CASE(starts_on_the_shared_line), KTEST_CASE(declines_when_quiet),
                   KTEST_CASE(claims_its_own), KTEST_CASE(dpc_runs_at_dispatch_level),
                   KTEST_CASE(counts_exact_interleaved), KTEST_CASE(both_at_once), KTEST_CASE(no_storm_line_still_live),
                   KTEST_CASE(survives_stop_and_restart));
