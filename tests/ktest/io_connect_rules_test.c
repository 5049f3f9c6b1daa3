/* tests/ktest/io_connect_rules_test.c - what IoConnectInterruptEx must leave alone and what it must
 * refuse:
 *   - a failed connect leaves every existing connection exactly as it was (an MSI-X message that
 *     already has a FULLY_SPECIFIED connection keeps delivering after a MESSAGE_BASED connect of
 *     the same device was refused);
 *   - a second sharer of an MSI-X message keeps the message delivering, to both sharers;
 *   - the same ISR with the same context connected twice to one interrupt is refused the same way
 *     on a message and on a line (docs/io-manager.md, "Connecting the same ISR twice").
 * Devices: the e1000e (MSI-X; the cases skip themselves without it) and the second edu (00:07.0,
 * once with MSI and once forced onto its shared INTx line).
 *
 * e1000e (82574L): IVAR (0xE4) bits 3:0 route cause RXQ0 (ICR bit 20) to an MSI-X vector (number
 * + valid bit 3); IMS (0xD0) enables causes, ICS (0xC8) sets one by software, ICR (0xC0) is
 * write-1-to-clear. QEMU 7.2's e1000e may send a message a second time, so counts are judged
 * "at least", never "exactly". */
#include "include/wdm.h"
#include "kernel/io/connect_interrupt.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/interrupt.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/io_probe.h"
#include "tests/ktest/ktest.h"

#define WAIT_MS 2000

#define E1000_ICR 0xC0
#define E1000_ICS 0xC8
#define E1000_IMS 0xD0
#define E1000_IMC 0xD8
#define E1000_EIAC 0xDC
#define E1000_IVAR 0xE4
#define E1000_CAUSE_RXQ0 (1u << 20)
#define E1000_IVAR_VALID 0x8u

struct nic_listener {
    volatile ULONG *regs;
    volatile uint64_t calls;
};

static BOOLEAN nic_isr(PKINTERRUPT interrupt, PVOID context)
{
    (void)interrupt;
    struct nic_listener *l = context;
    WRITE_REGISTER_ULONG(&l->regs[E1000_ICR / 4], E1000_CAUSE_RXQ0);
    __atomic_fetch_add(&l->calls, 1, __ATOMIC_RELEASE);
    return TRUE;
}

static BOOLEAN nic_message_isr(PKINTERRUPT interrupt, PVOID context, ULONG message_id)
{
    (void)message_id;
    return nic_isr(interrupt, context);
}

/* The e1000e with at least three MSI-X messages, taken from its driver, or NULL. */
static PDEVICE_OBJECT take_nic(volatile ULONG **regs)
{
    PDEVICE_OBJECT nic = io_pdo_find_pci(IO_TEST_E1000E_VENDOR, IO_TEST_E1000E_DEVICE, 0);
    if (!nic || io_test_interrupt_count(nic) < 3 || !io_test_take(nic, 0))
        return NULL;
    *regs = io_test_map_memory(nic, 0);
    return nic;
}

/* Cause RXQ0 sends message `message`. */
static void nic_route_rxq0(volatile ULONG *regs, unsigned message)
{
    WRITE_REGISTER_ULONG(&regs[E1000_EIAC / 4], 0); /* no auto-clear: the ISR clears */
    WRITE_REGISTER_ULONG(&regs[E1000_IVAR / 4], E1000_IVAR_VALID | message);
    WRITE_REGISTER_ULONG(&regs[E1000_ICR / 4], 0xFFFFFFFF);
    WRITE_REGISTER_ULONG(&regs[E1000_IMS / 4], E1000_CAUSE_RXQ0);
}

static void nic_fire(volatile ULONG *regs) { WRITE_REGISTER_ULONG(&regs[E1000_ICS / 4], E1000_CAUSE_RXQ0); }

static void nic_quiet(volatile ULONG *regs)
{
    WRITE_REGISTER_ULONG(&regs[E1000_IMC / 4], 0xFFFFFFFF);
    WRITE_REGISTER_ULONG(&regs[E1000_IVAR / 4], 0);
    WRITE_REGISTER_ULONG(&regs[E1000_ICR / 4], 0xFFFFFFFF);
    /* QEMU 7.2's e1000e aborts if its throttling timer (>= 128 us after a message) expires once
     * MSI-X is off; the last disconnect turns it off, so let that window pass first. */
    KeStallExecutionProcessor(10000);
}

static bool entry_masked(struct io_pdo *x, unsigned entry)
{
    bool masked = false;
    pci_msix_read_entry(x->pci, entry, NULL, NULL, &masked);
    return masked;
}

/* ---- a failed connect leaves the others alone ---- */

static void failed_connect_leaves_a_live_message_delivering(struct ktest *t)
{
    static struct nic_listener live;
    volatile ULONG *regs = NULL;
    PDEVICE_OBJECT nic = take_nic(&regs);
    if (!nic)
        KTEST_SKIP(t, "needs -device e1000e with MSI-X");
    struct io_pdo *x = io_test_pdo(nic);
    live = (struct nic_listener){.regs = regs};
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d2 = io_test_interrupt(nic, 2, false);
    ULONG v2 = io_test_vector(d2);

    /* Message 2 has a FULLY_SPECIFIED connection of its own, and it works. */
    PKINTERRUPT object = NULL;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_fully(nic, d2, nic_isr, &live, &object);
    p.FullySpecified.ShareVector = FALSE;
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    nic_route_rxq0(regs, 2);
    nic_fire(regs);
    KTEST_EXPECT_TRUE(t, io_test_wait(&live.calls, 1, WAIT_MS));

    /* MESSAGE_BASED wants every message, message 2 included: refused, and nothing half-done. */
    PVOID context = (PVOID)0x6666;
    static struct nic_listener refused;
    refused = (struct nic_listener){.regs = regs};
    p = io_test_message(nic, nic_message_isr, NULL, &refused, &context);
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_TRUE(t, context == (PVOID)0x6666);
    KTEST_EXPECT_EQ(t, io_connections_of(nic), 1);
    KTEST_EXPECT_EQ(t, x->connected_messages, 1);
    KTEST_EXPECT_TRUE(t, pci_msix_enabled(x->pci));
    /* Message 2 exactly as it was: one object, unmasked in the vector table and in the device ... */
    KTEST_EXPECT_EQ(t, ke_vector_table[v2].object_count, 1);
    KTEST_EXPECT_FALSE(t, ke_vector_table[v2].masked);
    KTEST_EXPECT_FALSE(t, entry_masked(x, 2));
    /* ... the messages the attempt touched masked again ... */
    for (unsigned i = 0; i < 2; i++) {
        KTEST_EXPECT_EQ(t, ke_vector_table[io_test_vector(io_test_interrupt(nic, i, false))].object_count, 0);
        KTEST_EXPECT_TRUE(t, entry_masked(x, i));
    }
    /* ... and it still hears its device. */
    uint64_t before = live.calls;
    nic_fire(regs);
    KTEST_EXPECT_TRUE(t, io_test_wait(&live.calls, before + 1, WAIT_MS));
    KTEST_EXPECT_EQ(t, refused.calls, 0);

    nic_quiet(regs);
    io_test_disconnect(CONNECT_FULLY_SPECIFIED, object);
    KTEST_EXPECT_FALSE(t, pci_msix_enabled(x->pci));
    io_test_give_back(nic);
}

/* ---- sharing an MSI-X message ---- */

static void two_sharers_of_a_message_both_hear_it(struct ktest *t)
{
    static struct nic_listener first, second;
    volatile ULONG *regs = NULL;
    PDEVICE_OBJECT nic = take_nic(&regs);
    if (!nic)
        KTEST_SKIP(t, "needs -device e1000e with MSI-X");
    struct io_pdo *x = io_test_pdo(nic);
    first = (struct nic_listener){.regs = regs};
    second = (struct nic_listener){.regs = regs};
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d1 = io_test_interrupt(nic, 1, false);
    ULONG v1 = io_test_vector(d1);

    PKINTERRUPT a = NULL, b = NULL;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_fully(nic, d1, nic_isr, &first, &a);
    p.FullySpecified.ShareVector = TRUE;
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    p = io_test_fully(nic, d1, nic_isr, &second, &b);
    p.FullySpecified.ShareVector = TRUE;
    NTSTATUS status = IoConnectInterruptEx(&p);
    KTEST_EXPECT_EQ(t, status, STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, ke_vector_table[v1].object_count, NT_SUCCESS(status) ? 2u : 1u);
    KTEST_EXPECT_FALSE(t, ke_vector_table[v1].masked);
    KTEST_EXPECT_FALSE(t, entry_masked(x, 1)); /* the second connect must not silence the first */

    nic_route_rxq0(regs, 1);
    nic_fire(regs);
    KTEST_EXPECT_TRUE(t, io_test_wait(&first.calls, 1, WAIT_MS));
    KTEST_EXPECT_TRUE(t, io_test_wait(&second.calls, 1, WAIT_MS)); /* latched: every sharer is called */

    /* The first leaves: the message keeps delivering to the second. */
    nic_quiet(regs);
    io_test_disconnect(CONNECT_FULLY_SPECIFIED, a);
    KTEST_EXPECT_FALSE(t, entry_masked(x, 1));
    uint64_t before = second.calls, first_calls = first.calls;
    nic_route_rxq0(regs, 1);
    nic_fire(regs);
    KTEST_EXPECT_TRUE(t, io_test_wait(&second.calls, before + 1, WAIT_MS));
    KTEST_EXPECT_EQ(t, first.calls, first_calls);

    nic_quiet(regs);
    if (NT_SUCCESS(status))
        io_test_disconnect(CONNECT_FULLY_SPECIFIED, b);
    KTEST_EXPECT_TRUE(t, entry_masked(x, 1));
    KTEST_EXPECT_FALSE(t, pci_msix_enabled(x->pci));
    io_test_give_back(nic);
}

/* ---- the same ISR and context twice ---- */

static struct probe probe;

static PDEVICE_OBJECT take_edu(unsigned flags)
{
    PDEVICE_OBJECT pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 1);
    if (!pdo || !io_test_take(pdo, flags))
        return NULL;
    probe = (struct probe){.edu = io_test_map_memory(pdo, 0)};
    io_test_edu_quiet(probe.edu);
    return pdo;
}

/* MESSAGE_BASED (with a fallback) twice with one ISR and one context: the second is refused with
 * STATUS_INVALID_PARAMETER, whether the first got a message or the line; the refusal writes no
 * output, and once the first is disconnected nothing of either is left on the vector. */
static void check_second_identical_connect_refused(struct ktest *t, PDEVICE_OBJECT pdo)
{
    ULONG vector = io_test_vector(io_test_interrupt(pdo, 0, false));
    uint32_t others = ke_vector_table[vector].object_count; /* the other edu's driver, on a line */
    unsigned connections = io_connection_count();
    PVOID first = NULL, second = (PVOID)0x7777;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_message(pdo, probe_message_isr, probe_isr, &probe, &first);
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    ULONG version = p.Version;
    p = io_test_message(pdo, probe_message_isr, probe_isr, &probe, &second);
    NTSTATUS status = IoConnectInterruptEx(&p);
    KTEST_EXPECT_EQ(t, status, STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_TRUE(t, second == (PVOID)0x7777);
    KTEST_EXPECT_EQ(t, ke_vector_table[vector].object_count, others + 1);
    KTEST_EXPECT_EQ(t, io_connection_count(), connections + 1);

    /* The one connection delivers, once per interrupt. */
    probe_edu_raise(probe.edu, 1);
    KTEST_EXPECT_TRUE(t, io_test_wait(&probe.calls, 1, WAIT_MS));

    if (NT_SUCCESS(status))
        io_test_disconnect(p.Version, second);
    io_test_disconnect(version, first);
    KTEST_EXPECT_EQ(t, ke_vector_table[vector].object_count, others);
    KTEST_EXPECT_EQ(t, io_connection_count(), connections);
}

static void same_isr_and_context_twice_is_refused_on_a_message_and_on_a_line(struct ktest *t)
{
    PDEVICE_OBJECT pdo = take_edu(0);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    check_second_identical_connect_refused(t, pdo); /* MSI, or the line with msi=off */
    io_test_give_back(pdo);

    pdo = take_edu(IO_START_NO_MSI); /* the shared INTx line: sharing is allowed there */
    KTEST_ASSERT_NOT_NULL(t, pdo);
    check_second_identical_connect_refused(t, pdo);

    /* LINE_BASED and FULLY_SPECIFIED: the same rule. */
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(pdo, 0, false);
    PKINTERRUPT first = NULL, second = (PKINTERRUPT)0x8888, other = NULL;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_line(pdo, probe_isr, &probe, &first);
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    p = io_test_line(pdo, probe_isr, &probe, &second);
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER);
    p = io_test_fully(pdo, d, probe_isr, &probe, &second);
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_TRUE(t, second == (PKINTERRUPT)0x8888);
    /* Sharing itself is not refused: the same ISR with another context joins the line. */
    static struct probe another;
    p = io_test_line(pdo, probe_isr, &another, &other);
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    if (other)
        io_test_disconnect(CONNECT_LINE_BASED, other);
    io_test_disconnect(CONNECT_LINE_BASED, first);
    io_test_give_back(pdo);
}

KTEST_SUITE(io_connect_rules, KTEST_CASE(failed_connect_leaves_a_live_message_delivering),
            KTEST_CASE(two_sharers_of_a_message_both_hear_it),
            KTEST_CASE(same_isr_and_context_twice_is_refused_on_a_message_and_on_a_line));
