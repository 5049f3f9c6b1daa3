/* tests/ktest/nmi_callback_test.c - KeRegisterNmiCallback / KeDeregisterNmiCallback with real
 * NMIs: each case sends one through the local APIC (ICR delivery mode NMI, Intel SDM Vol. 3A
 * §11.6.1) to a CPU and waits until the callbacks have seen it. Without the NMI handler's call
 * into the callbacks (arch/x86_64/trap.c) every case stops with 0x80 NMI_HARDWARE_FAILURE.
 *
 *   nmi_callback       callbacks run at HIGH_LEVEL on the CPU that took the NMI, newest first,
 *                      with Handled as the WDK says; a claimed NMI returns; deregistered
 *                      callbacks are not called; bad handles and registrations are refused
 *   nmi_crash          (manual, tests/e2e/test_nmi.py) an NMI no callback claims: 0x80; both
 *                      routines above APC_LEVEL: 0xA
 *   nmi_external       (manual, tests/e2e/test_nmi.py) waits for an NMI from QEMU's monitor
 *                      (`nmi`) and claims it
 */
#include "arch/x86_64/lapic.h"
#include "include/wdm.h"
#include "kernel/ke/kprcb.h"
#include "kernel/ke/nmi_callback.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"

#define WAIT_MS 5000
#define MAX_SEEN 8

struct recorder {
    BOOLEAN answer; /* what the callback returns */
    volatile uint64_t calls;
    volatile BOOLEAN handled; /* the Handled it got last */
    volatile KIRQL irql;      /* the IRQL it ran at */
    volatile ULONG cpu;       /* the CPU it ran on */
    volatile unsigned order;  /* its position in the last walk (1 = first) */
};

static volatile unsigned walk_position;

static BOOLEAN record(PVOID Context, BOOLEAN Handled)
{
    struct recorder *r = Context;
    r->handled = Handled;
    r->irql = KeGetCurrentIrql();
    r->cpu = KeGetCurrentProcessorNumber();
    r->order = __atomic_add_fetch(&walk_position, 1, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&r->calls, 1, __ATOMIC_RELEASE);
    return r->answer;
}

/* One NMI to `cpu`; returns once `done` (a recorder called last in the walk) has counted it. */
static bool nmi_to(ULONG cpu, struct recorder *done)
{
    uint64_t before = done->calls;
    walk_position = 0;
    if (!lapic_send_nmi(ke_prcbs[cpu]->apic_id))
        return false;
    return io_test_wait(&done->calls, before + 1, WAIT_MS);
}

static void claimed_nmi_returns_at_high_level(struct ktest *t)
{
    struct recorder r = {.answer = TRUE};
    PVOID handle = KeRegisterNmiCallback(record, &r);
    KTEST_ASSERT_NOT_NULL(t, handle);
    ULONG self = KeGetCurrentProcessorNumber();
    KTEST_EXPECT_TRUE(t, nmi_to(self, &r));
    KTEST_EXPECT_EQ(t, r.calls, 1);
    KTEST_EXPECT_EQ(t, r.irql, HIGH_LEVEL);
    KTEST_EXPECT_FALSE(t, r.handled); /* the first callback gets FALSE */
    KTEST_EXPECT_EQ(t, r.cpu, self);
    KTEST_EXPECT_EQ(t, KeGetCurrentIrql(), PASSIVE_LEVEL); /* the NMI put it back */
    KTEST_EXPECT_EQ(t, KeDeregisterNmiCallback(handle), STATUS_SUCCESS);
}

static void newest_first_and_handled_passed_on(struct ktest *t)
{
    struct recorder oldest = {.answer = FALSE}, middle = {.answer = TRUE}, newest = {.answer = FALSE};
    PVOID h1 = KeRegisterNmiCallback(record, &oldest);
    PVOID h2 = KeRegisterNmiCallback(record, &middle);
    PVOID h3 = KeRegisterNmiCallback(record, &newest);
    KTEST_ASSERT_TRUE(t, h1 && h2 && h3);
    KTEST_EXPECT_EQ(t, ke_nmi_callback_count(), 3);
    KTEST_EXPECT_TRUE(t, nmi_to(KeGetCurrentProcessorNumber(), &oldest));
    /* "in reverse order from the order in which they were registered" */
    KTEST_EXPECT_EQ(t, newest.order, 1);
    KTEST_EXPECT_EQ(t, middle.order, 2);
    KTEST_EXPECT_EQ(t, oldest.order, 3);
    /* FALSE until one returned TRUE, then TRUE */
    KTEST_EXPECT_FALSE(t, newest.handled);
    KTEST_EXPECT_FALSE(t, middle.handled);
    KTEST_EXPECT_TRUE(t, oldest.handled);
    KTEST_EXPECT_EQ(t, KeDeregisterNmiCallback(h2), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, KeDeregisterNmiCallback(h3), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, KeDeregisterNmiCallback(h1), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, ke_nmi_callback_count(), 0);
}

static void runs_on_the_cpu_that_took_it(struct ktest *t)
{
    struct recorder r = {.answer = TRUE};
    PVOID handle = KeRegisterNmiCallback(record, &r);
    KTEST_ASSERT_NOT_NULL(t, handle);
    ULONG cpus = KeQueryActiveProcessorCount(NULL);
    for (ULONG cpu = 0; cpu < cpus; cpu++) {
        KTEST_EXPECT_TRUE(t, nmi_to(cpu, &r));
        KTEST_EXPECT_EQ(t, r.cpu, cpu);
        KTEST_EXPECT_EQ(t, r.irql, HIGH_LEVEL);
    }
    KTEST_EXPECT_EQ(t, r.calls, cpus);
    KTEST_EXPECT_EQ(t, KeDeregisterNmiCallback(handle), STATUS_SUCCESS);
}

static void deregistered_callback_is_not_called(struct ktest *t)
{
    struct recorder stays = {.answer = TRUE}, goes = {.answer = TRUE};
    PVOID keep = KeRegisterNmiCallback(record, &stays);
    PVOID drop = KeRegisterNmiCallback(record, &goes);
    KTEST_ASSERT_TRUE(t, keep && drop);
    KTEST_EXPECT_TRUE(t, nmi_to(KeGetCurrentProcessorNumber(), &stays));
    KTEST_EXPECT_EQ(t, goes.calls, 1);
    KTEST_EXPECT_EQ(t, KeDeregisterNmiCallback(drop), STATUS_SUCCESS);
    /* `stays` runs last in every walk: once it counted the second NMI, the walk is over. */
    KTEST_EXPECT_TRUE(t, nmi_to(KeGetCurrentProcessorNumber(), &stays));
    KTEST_EXPECT_EQ(t, stays.calls, 2);
    KTEST_EXPECT_EQ(t, goes.calls, 1);
    KTEST_EXPECT_EQ(t, KeDeregisterNmiCallback(keep), STATUS_SUCCESS);
}

static void bad_handles_and_registrations(struct ktest *t)
{
    int not_a_handle;
    KTEST_EXPECT_EQ(t, KeDeregisterNmiCallback(NULL), STATUS_INVALID_HANDLE);
    KTEST_EXPECT_EQ(t, KeDeregisterNmiCallback(&not_a_handle), STATUS_INVALID_HANDLE);
    struct recorder r = {.answer = TRUE};
    PVOID handle = KeRegisterNmiCallback(record, &r);
    KTEST_ASSERT_NOT_NULL(t, handle);
    KTEST_EXPECT_EQ(t, KeDeregisterNmiCallback(handle), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, KeDeregisterNmiCallback(handle), STATUS_INVALID_HANDLE); /* taken back already */
    KTEST_EXPECT_NULL(t, KeRegisterNmiCallback(NULL, &r));                      /* nothing to call */
    ke_nmi_fail_next_registrations(1);
    KTEST_EXPECT_NULL(t, KeRegisterNmiCallback(record, &r)); /* no pool */
    KTEST_EXPECT_EQ(t, ke_nmi_callback_count(), 0);
    /* The same routine and context twice are two registrations. */
    PVOID a = KeRegisterNmiCallback(record, &r), b = KeRegisterNmiCallback(record, &r);
    KTEST_ASSERT_TRUE(t, a && b && a != b);
    KTEST_EXPECT_EQ(t, KeDeregisterNmiCallback(a), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, KeDeregisterNmiCallback(b), STATUS_SUCCESS);
}

static void allowed_at_apc_level(struct ktest *t)
{
    struct recorder r = {.answer = TRUE};
    KIRQL old;
    KeRaiseIrql(APC_LEVEL, &old);
    PVOID handle = KeRegisterNmiCallback(record, &r);
    NTSTATUS status = handle ? KeDeregisterNmiCallback(handle) : STATUS_UNSUCCESSFUL;
    KeLowerIrql(old);
    KTEST_EXPECT_NOT_NULL(t, handle);
    KTEST_EXPECT_EQ(t, status, STATUS_SUCCESS);
}

KTEST_SUITE(nmi_callback, KTEST_CASE(claimed_nmi_returns_at_high_level), KTEST_CASE(newest_first_and_handled_passed_on),
            KTEST_CASE(runs_on_the_cpu_that_took_it), KTEST_CASE(deregistered_callback_is_not_called),
            KTEST_CASE(bad_handles_and_registrations), KTEST_CASE(allowed_at_apc_level));

/* ---- nmi_crash: what ends the kernel (tests/e2e/test_nmi.py reads the stop screens) ---- */

#define CRASH_SITE __attribute__((noipa))

static struct recorder declines = {.answer = FALSE};

static CRASH_SITE void unclaimed_nmi(struct ktest *t)
{
    KTEST_ASSERT_NOT_NULL(t, KeRegisterNmiCallback(record, &declines));
    lapic_send_nmi(ke_current_prcb()->apic_id); /* asked, declined: 0x80 */
    io_test_wait(&declines.calls, 2, WAIT_MS);
    ktest_fail(t, __FILE__, __LINE__, "an NMI no callback claimed did not stop the system");
}

static CRASH_SITE void register_at_dispatch(struct ktest *t)
{
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    (void)KeRegisterNmiCallback(record, &declines); /* IRQL <= APC_LEVEL */
    KeLowerIrql(old);
    ktest_fail(t, __FILE__, __LINE__, "KeRegisterNmiCallback at DISPATCH_LEVEL returned");
}

static CRASH_SITE void deregister_at_dispatch(struct ktest *t)
{
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    (void)KeDeregisterNmiCallback(NULL); /* IRQL <= APC_LEVEL, checked before the handle */
    KeLowerIrql(old);
    ktest_fail(t, __FILE__, __LINE__, "KeDeregisterNmiCallback at DISPATCH_LEVEL returned");
}

KTEST_MANUAL_SUITE(nmi_crash, KTEST_CASE(unclaimed_nmi), KTEST_CASE(register_at_dispatch),
                   KTEST_CASE(deregister_at_dispatch));

/* ---- nmi_external: an NMI from outside (QEMU's monitor `nmi`, every CPU) is claimed ---- */

/* QEMU 7.2's `nmi` sends one NMI to every CPU (hw/i386/x86.c, x86_nmi): wait until each has
 * taken its own before deregistering, or a late one would find no callback and stop with 0x80. */
static BOOLEAN count_per_cpu(PVOID Context, BOOLEAN Handled)
{
    (void)Handled;
    volatile uint64_t *per_cpu = Context;
    __atomic_add_fetch(&per_cpu[KeGetCurrentProcessorNumber()], 1, __ATOMIC_RELEASE);
    return TRUE;
}

static volatile uint64_t external_per_cpu[KE_MAX_CPUS];

static void claims_an_nmi_from_the_monitor(struct ktest *t)
{
    struct recorder r = {.answer = TRUE};
    PVOID handle = KeRegisterNmiCallback(record, &r);
    PVOID counter = KeRegisterNmiCallback(count_per_cpu, (PVOID)external_per_cpu);
    KTEST_ASSERT_TRUE(t, handle && counter);
    ktest_log(t, "waiting for an NMI (QEMU monitor: nmi)");
    bool seen = true;
    for (ULONG cpu = 0; cpu < KeQueryActiveProcessorCount(NULL); cpu++)
        seen = io_test_wait(&external_per_cpu[cpu], 1, 120000) && seen;
    KTEST_EXPECT_TRUE(t, seen);
    KTEST_EXPECT_EQ(t, KeDeregisterNmiCallback(counter), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, r.irql, HIGH_LEVEL);
    KTEST_EXPECT_EQ(t, KeDeregisterNmiCallback(handle), STATUS_SUCCESS);
}

KTEST_MANUAL_SUITE(nmi_external, KTEST_CASE(claims_an_nmi_from_the_monitor));
