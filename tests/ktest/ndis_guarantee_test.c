/* tests/ktest/ndis_guarantee_test.c - NdisMDeregisterInterruptEx's promise, tested while the NIC
 * is still interrupting: "after NdisMDeregisterInterruptEx returns, NDIS will not call the
 * miniport driver's MiniportInterrupt function or MiniportInterruptDPC function"
 * (learn.microsoft.com NdisMDeregisterInterruptEx), and the rule that a miniport must disable its
 * NIC's interrupts first - reported when broken (kernel/ndis/ndis_interrupt.c).
 *
 * The test miniport (ndis_test_miniport.c) claims every interrupt and asks for a DPC; its
 * MiniportHaltEx deregisters *without* quieting the e1000e, while ndis_raiser keeps the NIC
 * interrupting from another CPU (one CPU: from a timer DPC). After the return the NIC raises 50
 * more rounds of interrupts; the miniport's ISR and DPC counters must not move. On MSI-X, MSI,
 * the line and (pc) a line shared with another ISR (io_device_start's resource flags), 25 cycles each, and the pool the
 * interrupt blocks and connections use is the same before and after. Counts, never durations. */
#include "kernel/io/connect_interrupt.h"
#include "kernel/io/io_tags.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/verifier.h"
#include "kernel/lib/string.h"
#include "kernel/ndis/ndis_block.h"
#include "kernel/ndis/ndis_verify.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/ndis_guarantee.h"
#include "tests/ktest/ndis_raiser.h"
#include "tests/ktest/ndis_test_miniport.h"
#include "tests/ktest/thread_helpers.h"

#define CYCLES 25 /* one CPU: 5 (its raiser is a timer DPC, a tick per round) */
#define ROUNDS_AFTER_RETURN 50

static struct ndis_raiser raiser;
static struct {
    uint64_t isr_after, dpc_after; /* miniport calls after NdisMDeregisterInterruptEx returned */
    bool kept_interrupting;        /* the NIC raised ROUNDS_AFTER_RETURN rounds after it */
} g;

static uint64_t total(volatile uint64_t *counts)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < NTM_MAX_MESSAGES; i++)
        n += __atomic_load_n(&counts[i], __ATOMIC_ACQUIRE);
    return n;
}

/* The shared-line case: another driver's ISR on the NIC's line (an edu taken onto its line).
 * Until NDIS has deregistered it declines everything (the miniport's ISR silences the NIC); after
 * that it is the one left on the line, so it silences the NIC's level interrupt itself and counts
 * it - the line stays live and the NIC keeps interrupting on it, yet the miniport is not called. */
static volatile bool sharer_takes_nic;
static volatile uint64_t sharer_saw_nic;
static volatile ULONG *sharer_nic_regs; /* the case's own mapping of the NIC's BAR0 */

/* It also silences the NIC whenever no miniport ISR is registered on the line - between cycles,
 * while the NIC changes hands: an INTx the NIC raises then (its link interrupt at a restart)
 * would otherwise find nobody to lower it, and the storm check would mask the line for the rest
 * of the run (seen once in ten cycles on pc -smp 2). Only the interrupts after the deregistration
 * are counted. */
static BOOLEAN sharer_isr(PKINTERRUPT interrupt, PVOID context)
{
    UNREFERENCED_PARAMETER(interrupt);
    UNREFERENCED_PARAMETER(context);
    bool counting = __atomic_load_n(&sharer_takes_nic, __ATOMIC_ACQUIRE);
    if (!sharer_nic_regs || (!counting && __atomic_load_n(&ntm.interrupt, __ATOMIC_ACQUIRE)))
        return FALSE;
    if (!READ_REGISTER_ULONG(&sharer_nic_regs[0xC0 / 4])) /* ICR: reading clears it and drops the line */
        return FALSE;
    if (counting)
        __atomic_fetch_add(&sharer_saw_nic, 1, __ATOMIC_RELAXED);
    return TRUE;
}

static void halt_while_interrupting(struct ntm_state *s)
{
    NdisMDeregisterInterruptEx(s->interrupt); /* the NIC was not told to stop */
    s->interrupt = NULL;
    __atomic_store_n(&sharer_takes_nic, true, __ATOMIC_RELEASE);
    uint64_t isr = total(ntm.isr_calls), dpc = total(ntm.dpc_calls);
    g.kept_interrupting = ndis_raiser_wait_more(&raiser, ROUNDS_AFTER_RETURN);
    KeFlushQueuedDpcs(); /* a DPC wrongly queued meanwhile would have run by now */
    g.isr_after += total(ntm.isr_calls) - isr;
    g.dpc_after += total(ntm.dpc_calls) - dpc;
    ndis_raiser_stop(&raiser);
    ntm_quiet();
    __atomic_store_n(&sharer_takes_nic, false, __ATOMIC_RELEASE);
}

static ULONG granted_messages(void)
{
    return ntm.granted.InterruptType == NDIS_CONNECT_MESSAGE_BASED ? ntm.granted.MessageInfoTable->MessageCount : 1;
}

/* `want` 0: line, 1: one message (MSI), >1: MSI-X. `shared`: the line case with a sharer that
 * silences the NIC after the deregistration (nothing_after_deregister_on_a_shared_line). */
static void guarantee_on(struct ktest *t, unsigned start_flags, ULONG want, bool shared)
{
    g.isr_after = g.dpc_after = 0;
    uint64_t ndis_pool = io_test_pool_bytes(NDIS_TAG_INTERRUPT), io_pool = io_test_pool_bytes(IO_TAG_INTERRUPT);
    uint64_t reports = ndis_deregistered_while_interrupting;
    unsigned cycles = 0, not_kept = 0;
    unsigned want_cycles = KeQueryActiveProcessorCount(NULL) > 1 ? CYCLES : 5;
    for (unsigned c = 0; c < want_cycles; c++) {
        memset(&ntm, 0, sizeof(ntm));
        ntm.on_halt = halt_while_interrupting;
        ntm.answer = (struct ntm_answer){.claim = TRUE, .queue_default = TRUE};
        NDIS_STATUS init;
        PDEVICE_OBJECT nic = ntm_start_with(t, start_flags, &init);
        if (!nic)
            return;
        if (init != NDIS_STATUS_SUCCESS) {
            ntm_stop(nic);
            ktest_fail(t, __FILE__, __LINE__, "MiniportInitializeEx failed: 0x%08x", (unsigned)init);
            return;
        }
        bool line = ntm.granted.InterruptType == NDIS_CONNECT_LINE_BASED;
        ULONG got = line ? 0 : granted_messages();
        if ((want == 0) != line || (want == 1) != (got == 1)) {
            ntm_stop(nic);
            KTEST_SKIP(t, "the e1000e did not get this kind of interrupt here (msi=/msix= off?)");
        }
        /* After the deregistration the NIC keeps its level line asserted. Alone on the line, the
         * last disconnect masks it; with other drivers' ISRs on it (msi=off puts the edus on the
         * e1000e's IRQ 11 on pc) nobody silences the NIC: an unclaimed storm that masks the line
         * for every later test. That case is the shared-line one, with a sharer that does. */
        if (line && !shared && c == 0) {
            const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(nic, 0, false);
            if (d && ke_vector_table[io_test_vector(d)].object_count > 1) {
                ntm_stop(nic);
                KTEST_SKIP(t, "the NIC's line is shared with other drivers here (msi=off?): "
                              "nothing_after_deregister_on_a_shared_line covers it");
            }
        }
        KTEST_ASSERT_TRUE(t, ndis_raiser_start(&raiser, line ? 1 : got, 0));
        uint64_t isr0 = total(ntm.isr_calls);
        KTEST_EXPECT_TRUE(t, ndis_raiser_wait_more(&raiser, 5));
        for (unsigned i = 0; i < 200000 && total(ntm.isr_calls) < isr0 + 3; i++)
            KeStallExecutionProcessor(10);
        KTEST_EXPECT_GE(t, total(ntm.isr_calls), isr0 + 3); /* it is interrupting */
        ndis_adapter_stop(nic);                             /* MiniportHaltEx -> halt_while_interrupting */
        not_kept += !g.kept_interrupting;
        ntm_stop(nic);
        cycles++;
    }
    ktest_log(t, "%u cycles, %llu deregistrations reported as made while interrupting", cycles,
              (unsigned long long)(ndis_deregistered_while_interrupting - reports));
    KTEST_EXPECT_EQ(t, not_kept, 0);
    KTEST_EXPECT_EQ(t, g.isr_after, 0);
    KTEST_EXPECT_EQ(t, g.dpc_after, 0);
    KTEST_EXPECT_EQ(t, io_test_pool_bytes(NDIS_TAG_INTERRUPT), ndis_pool);
    KTEST_EXPECT_EQ(t, io_test_pool_bytes(IO_TAG_INTERRUPT), io_pool);
}

static void nothing_after_deregister_on_msix(struct ktest *t) { guarantee_on(t, 0, 5, false); }
static void nothing_after_deregister_on_msi(struct ktest *t) { guarantee_on(t, IO_START_NO_MSIX, 1, false); }
static void nothing_after_deregister_on_the_line(struct ktest *t)
{
    /* QUARANTINED with more than one CPU, like the shared-line case below: on q35 -smp 4 one CI
     * run hung in a hand-over between cycles (no output until the case timeout); cause not found
     * yet - see the issue 13 note. One CPU passes. */
    if (KeQueryActiveProcessorCount(NULL) > 1)
        KTEST_SKIP(t, "quarantined on SMP > 1: a hand-over between cycles hung once (cause not found yet)");
    guarantee_on(t, IO_START_NO_MSI, 0, false);
}

/* pc: the e1000e (04.0) and the edus (03.0, 07.0) all reach IRQ 11 (hw/isa/piix3.c). */
static void nothing_after_deregister_on_a_shared_line(struct ktest *t)
{
    /* QUARANTINED with more than one CPU: on pc -smp 2/4 the shared line storms (nobody claims
     * the NIC's INTx at some hand-over between cycles) and is masked for the rest of the run;
     * cause not found yet - see the issue 13 note. One CPU (make test's pc msi=off run) passes. */
    if (KeQueryActiveProcessorCount(NULL) > 1)
        KTEST_SKIP(t, "quarantined on SMP > 1: the shared line storms between cycles (cause not found yet)");
    PDEVICE_OBJECT nic = io_pdo_find_pci(IO_TEST_E1000E_VENDOR, IO_TEST_E1000E_DEVICE, 0);
    PDEVICE_OBJECT edu = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 0);
    if (!nic || !edu)
        KTEST_SKIP(t, "needs -device e1000e and -device edu");
    if (!io_test_take(edu, IO_START_NO_MSI))
        KTEST_SKIP(t, "could not take the edu onto its line");
    PKINTERRUPT sharer = NULL;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_line(edu, sharer_isr, NULL, &sharer);
    if (!NT_SUCCESS(IoConnectInterruptEx(&p))) {
        io_test_give_back(edu);
        KTEST_SKIP(t, "no line for the edu");
    }
    /* Same line as the NIC's? Its line vector is in the NIC's resources once it is on the line. */
    if (!io_test_take(nic, IO_START_NO_MSI) || io_test_vector(io_test_interrupt(nic, 0, false)) != sharer->Vector) {
        io_test_disconnect(CONNECT_LINE_BASED, sharer);
        io_test_give_back(nic);
        io_test_give_back(edu);
        KTEST_SKIP(t, "the e1000e and the edu are on different lines here (pc shares IRQ 11)");
    }
    io_test_give_back(nic);
    sharer_saw_nic = 0;
    sharer_nic_regs = io_test_map_memory(nic, 0);
    guarantee_on(t, IO_START_NO_MSI, 0, true);
    ktest_log(t, "after the deregistrations the other ISR on the line took %llu NIC interrupts",
              (unsigned long long)sharer_saw_nic);
    KTEST_EXPECT_GT(t, sharer_saw_nic, 0); /* the shared line stayed live, the NIC interrupting */
    io_test_disconnect(CONNECT_LINE_BASED, sharer);
    sharer_nic_regs = NULL;
    io_test_give_back(edu);
}

/* ---- the rule: disable the NIC's interrupts before deregistering ---- */

static bool claimed_during_deregistration(void)
{
    struct ndis_interrupt *i = ndis_interrupt_from_handle(ntm.interrupt);
    return i && __atomic_load_n(&i->claimed_while_deregistering, __ATOMIC_ACQUIRE) > 0;
}

static void deregister_only(struct ntm_state *s)
{
    NdisMDeregisterInterruptEx(s->interrupt);
    s->interrupt = NULL;
    ndis_raiser_stop(&raiser);
    ntm_quiet();
}

/* Deterministic: a DPC held on CPU b keeps NDIS's deregistration waiting (it waits for running
 * DPCs before it disconnects) until the ISR has claimed an interrupt the NIC raised meanwhile -
 * the raiser runs on a third CPU. Needs three CPUs. */
bool ndis_test_deregister_while_interrupting(struct ktest *t)
{
    if (KeQueryActiveProcessorCount(NULL) < 3) {
        ktest_skip(t, "needs three CPUs: the halt, a running DPC, the NIC's interrupts (SMP=4)");
        return false;
    }
    KAFFINITY here = th_pin_here();
    ULONG b = 0;
    while (((KAFFINITY)1 << b) & here)
        b++;
    memset(&ntm, 0, sizeof(ntm));
    ntm.on_halt = deregister_only;
    ntm.answer = (struct ntm_answer){.claim = TRUE, .targets = 1u << b};
    NDIS_STATUS init;
    PDEVICE_OBJECT nic = ntm_start(t, &init);
    if (!nic || init != NDIS_STATUS_SUCCESS) {
        th_unpin();
        ntm_stop(nic);
        return false;
    }
    ntm.hold_until = claimed_during_deregistration;
    ntm.hold_dpc = true;
    bool started = ndis_raiser_start(&raiser, granted_messages(), here | ((KAFFINITY)1 << b));
    for (unsigned i = 0; i < 500000 && !__atomic_load_n(&ntm.dpc_holding, __ATOMIC_ACQUIRE); i++)
        KeStallExecutionProcessor(10);
    bool holding = ntm.dpc_holding;
    ndis_adapter_stop(nic); /* NdisMDeregisterInterruptEx waits for the held DPC */
    th_unpin();
    ntm_stop(nic);
    return started && holding;
}

static void deregister_while_interrupting_is_reported(struct ktest *t)
{
    uint64_t reports = ndis_deregistered_while_interrupting;
    bool was_on = ke_verifier_set(KE_VERIFY_NDIS, false); /* a report, not a stop */
    bool ran = ndis_test_deregister_while_interrupting(t);
    ke_verifier_set(KE_VERIFY_NDIS, was_on);
    if (!ran)
        return;
    KTEST_EXPECT_EQ(t, ndis_deregistered_while_interrupting, reports + 1);
}

KTEST_SUITE(ndis_guarantee, KTEST_CASE(nothing_after_deregister_on_msix), KTEST_CASE(nothing_after_deregister_on_msi),
            KTEST_CASE(nothing_after_deregister_on_the_line), KTEST_CASE(nothing_after_deregister_on_a_shared_line),
            KTEST_CASE(deregister_while_interrupting_is_reported));
