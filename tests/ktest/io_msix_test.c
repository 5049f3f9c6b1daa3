/* tests/ktest/io_msix_test.c - an MSI-X device with several messages (QEMU's e1000e, 5 vectors):
 * one CONNECT_MESSAGE_BASED connection, and each cause arrives as its own MessageID, at its own
 * IRQL, on the CPU the message table names.
 *
 * e1000e (82574L; QEMU hw/net/e1000e_core.c): IVAR (0xE4) maps each interrupt cause to an MSI-X vector -
 * 4 bits per cause, vector number + valid bit 3: RXQ0 bits 3:0, RXQ1 7:4, TXQ0 11:8, TXQ1 15:12,
 * OTHER 19:16. IMS (0xD0) enables causes, ICS (0xC8) sets causes by software, ICR (0xC0) is
 * write-1-to-clear. With MSI-X on, a cause set in ICS sends its vector's message. */
#include "include/wdm.h"
#include "kernel/io/connect_interrupt.h"
#include "kernel/io/pnp.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/irq_helpers.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/msix_helpers.h"

#define E1000_ICR 0xC0
#define E1000_ICS 0xC8
#define E1000_IMS 0xD0
#define E1000_IMC 0xD8
#define E1000_EIAC 0xDC
#define E1000_IVAR 0xE4
#define E1000_CAUSE_RXQ0 (1u << 20) /* RXQ0, RXQ1, TXQ0, TXQ1, OTHER: bits 20..24 */
#define MESSAGES 5

struct nic_probe {
    volatile ULONG *regs;
    volatile uint64_t calls[MESSAGES];
    KIRQL irql[MESSAGES];
    ULONG cpu[MESSAGES];
    PKINTERRUPT interrupt[MESSAGES];
};
static struct nic_probe nic_probe;

static BOOLEAN nic_message_isr(PKINTERRUPT interrupt, PVOID context, ULONG message_id)
{
    struct nic_probe *p = context;
    if (message_id >= MESSAGES)
        return FALSE;
    /* Message k carries cause 20 + k (the IVAR below): clear it so the next one fires again. */
    WRITE_REGISTER_ULONG(&p->regs[E1000_ICR / 4], E1000_CAUSE_RXQ0 << message_id);
    p->irql[message_id] = KeGetCurrentIrql();
    p->cpu[message_id] = KeGetCurrentProcessorNumber();
    p->interrupt[message_id] = interrupt;
    __atomic_fetch_add(&p->calls[message_id], 1, __ATOMIC_RELEASE);
    return TRUE;
}

static void each_message_arrives_on_its_own(struct ktest *t)
{
    PDEVICE_OBJECT nic = io_pdo_find_pci(IO_TEST_E1000E_VENDOR, IO_TEST_E1000E_DEVICE, 0);
    if (!nic)
        KTEST_SKIP(t, "needs -device e1000e");
    if (io_test_interrupt_count(nic) < MESSAGES)
        KTEST_SKIP(t, "the e1000e was not given MSI-X (msi=off or msix=off)");
    KTEST_ASSERT_NOT_NULL(t, io_test_take(nic, 0)); /* from the e1000 driver: this suite programs it */
    struct io_pdo *x = io_test_pdo(nic);
    nic_probe = (struct nic_probe){.regs = io_test_map_memory(nic, 0)};
    KTEST_ASSERT_NOT_NULL(t, nic_probe.regs);
    volatile ULONG *regs = nic_probe.regs;

    PIO_INTERRUPT_MESSAGE_INFO table = NULL;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_message(nic, nic_message_isr, NULL, &nic_probe, (PVOID *)&table);
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    KTEST_ASSERT_EQ(t, table->MessageCount, MESSAGES);
    KTEST_EXPECT_TRUE(t, pci_msix_enabled(x->pci));
    KIRQL highest = 0;
    for (ULONG i = 0; i < MESSAGES; i++) {
        /* The table entry in the device holds exactly the table's address and data, unmasked. */
        uint64_t address;
        uint32_t data;
        bool masked = true;
        KTEST_EXPECT_TRUE(t, pci_msix_read_entry(x->pci, i, &address, &data, &masked));
        KTEST_EXPECT_EQ(t, address, (uint64_t)table->MessageInfo[i].MessageAddress.QuadPart);
        KTEST_EXPECT_EQ(t, data, table->MessageInfo[i].MessageData);
        KTEST_EXPECT_FALSE(t, masked);
        highest = table->MessageInfo[i].Irql > highest ? table->MessageInfo[i].Irql : highest;
    }
    KTEST_EXPECT_EQ(t, table->UnifiedIrql, highest);

    WRITE_REGISTER_ULONG(&regs[E1000_EIAC / 4], 0);          /* no auto-clear: the ISR clears */
    WRITE_REGISTER_ULONG(&regs[E1000_IVAR / 4], 0x000CBA98); /* cause 20 + k -> vector k, valid */
    WRITE_REGISTER_ULONG(&regs[E1000_ICR / 4], 0xFFFFFFFF);
    WRITE_REGISTER_ULONG(&regs[E1000_IMS / 4], 0x1Fu << 20);
    /* QEMU's e1000e may send a message a second time on its own, after its throttle timer
     * (msix_helpers.h): count "at least once", and "never before its cause was raised". */
    for (ULONG k = 0; k < MESSAGES; k++) {
        WRITE_REGISTER_ULONG(&regs[E1000_ICS / 4], E1000_CAUSE_RXQ0 << k);
        KTEST_EXPECT_TRUE(t, test_wait_for(&nic_probe.calls[k], 1, 5000));
        for (ULONG other = 0; other < MESSAGES; other++) {
            if (other <= k)
                KTEST_EXPECT_GE(t, nic_probe.calls[other], 1);
            else
                KTEST_EXPECT_EQ(t, nic_probe.calls[other], 0);
        }
        KTEST_EXPECT_EQ(t, nic_probe.irql[k], table->MessageInfo[k].Irql);
        KTEST_EXPECT_EQ(t, (KAFFINITY)1 << nic_probe.cpu[k], table->MessageInfo[k].TargetProcessorSet);
        KTEST_EXPECT_TRUE(t, nic_probe.interrupt[k] == table->MessageInfo[k].InterruptObject);
    }
    /* Again, in reverse: each cause brings its message again. */
    for (ULONG k = MESSAGES; k-- > 0;) {
        uint64_t before = nic_probe.calls[k];
        WRITE_REGISTER_ULONG(&regs[E1000_ICS / 4], E1000_CAUSE_RXQ0 << k);
        KTEST_EXPECT_TRUE(t, test_wait_for(&nic_probe.calls[k], before + 1, 5000));
        KTEST_EXPECT_GE(t, nic_probe.calls[k], 2);
    }

    /* Disconnecting turns MSI-X off, which waits for the e1000e's throttle timers first
     * (kernel/bus/pci/pci_quirk_e1000e.c): no delay needed here. */
    WRITE_REGISTER_ULONG(&regs[E1000_IMC / 4], 0xFFFFFFFF);
    WRITE_REGISTER_ULONG(&regs[E1000_IVAR / 4], 0);
    WRITE_REGISTER_ULONG(&regs[E1000_ICR / 4], 0xFFFFFFFF);
    io_test_disconnect(CONNECT_MESSAGE_BASED, table);
    KTEST_EXPECT_FALSE(t, pci_msix_enabled(x->pci));
    for (ULONG i = 0; i < MESSAGES; i++) {
        bool masked = false;
        pci_msix_read_entry(x->pci, i, NULL, NULL, &masked);
        KTEST_EXPECT_TRUE(t, masked);
    }
    io_test_give_back(nic);
}

static void fully_specified_takes_one_message(struct ktest *t)
{
    PDEVICE_OBJECT nic = io_pdo_find_pci(IO_TEST_E1000E_VENDOR, IO_TEST_E1000E_DEVICE, 0);
    if (!nic || io_test_interrupt_count(nic) < MESSAGES)
        KTEST_SKIP(t, "needs -device e1000e with MSI-X");
    KTEST_ASSERT_NOT_NULL(t, io_test_take(nic, 0));
    struct io_pdo *x = io_test_pdo(nic);
    /* Message 3 alone, with a plain ISR: only its table entry is unmasked. */
    PKINTERRUPT object;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_fully(
        nic, io_test_interrupt(nic, 3, false), (PKSERVICE_ROUTINE)(void (*)(void))nic_message_isr, &nic_probe, &object);
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    for (ULONG i = 0; i < MESSAGES; i++) {
        bool masked = false;
        pci_msix_read_entry(x->pci, i, NULL, NULL, &masked);
        KTEST_EXPECT_EQ(t, masked, i != 3);
    }
    KTEST_EXPECT_EQ(t, x->connected_messages, 1);
    io_test_disconnect(CONNECT_FULLY_SPECIFIED, object);
    KTEST_EXPECT_EQ(t, x->connected_messages, 0);
    KTEST_EXPECT_FALSE(t, pci_msix_enabled(x->pci));
    io_test_give_back(nic);
}

KTEST_SUITE(io_msix, KTEST_CASE(each_message_arrives_on_its_own), KTEST_CASE(fully_specified_takes_one_message));
