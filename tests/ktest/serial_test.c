/* tests/ktest/serial_test.c - the COM1 driver (drivers/serial/) receives by interrupt.
 *
 * What typing proves from the outside (tests/e2e/test_shell.py), this proves from the inside
 * without anyone typing: the driver started on COM1's PDO, connected IRQ 4 (GSI 4, edge, active
 * high on pc and q35) with IoConnectInterruptEx, and programmed the UART (IER, MCR OUT2); and an
 * interrupt the UART raises travels IOAPIC -> vector -> ISR -> DPC. For the last part the test
 * turns on the UART's transmitter-empty interrupt, which fires at once because the transmitter
 * is idle (PC16550D data sheet, "8.6 Interrupt Identification Register", priority 3). Stopping
 * the driver must undo everything and leave the console polling; starting it again restores it.
 */
#include "arch/x86_64/cpu.h"
#include "drivers/serial/serial_rx.h"
#include "arch/x86_64/uart16550.h"
#include "drivers/serial/uart16550_regs.h"
#include "include/wdm.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/kprcb.h"
#include "kernel/mm/pool.h"
#include "tests/ktest/ktest.h"

static uint64_t vector_count(ULONG vector)
{
    uint64_t total = 0;
    for (unsigned i = 0; i < KE_MAX_CPUS; i++)
        if (ke_prcbs[i])
            total += ke_prcbs[i]->vector_claimed[vector] + ke_prcbs[i]->vector_unclaimed[vector];
    return total;
}

static void driver_started_on_com1(struct ktest *t)
{
    PDEVICE_OBJECT pdo = io_pdo_find_isa("PNP0501");
    KTEST_ASSERT_NOT_NULL(t, pdo);
    const struct io_pdo *p = io_pdo_from_device(pdo);
    KTEST_ASSERT_NOT_NULL(t, p);
    KTEST_ASSERT_NOT_NULL(t, p->driver);
    KTEST_EXPECT_STREQ(t, p->driver->Name, "serial");
    KTEST_EXPECT_TRUE(t, p->started);
    KTEST_EXPECT_NOT_NULL(t, pdo->AttachedDevice); /* the driver's FDO */
    KTEST_EXPECT_TRUE(t, serial_rx_interrupt_driven());
}

static void irq4_is_connected_edge_triggered(struct ktest *t)
{
    struct serial_rx_stats s = {0};
    serial_rx_get_stats(&s);
    KTEST_ASSERT_TRUE(t, s.interrupt_driven);
    KTEST_ASSERT_GE(t, s.vector, 0x30);
    KTEST_ASSERT_LE(t, s.vector, 0xBF);
    KTEST_EXPECT_EQ(t, s.irql, s.vector >> 4);
    const struct ke_vector *v = &ke_vector_table[s.vector];
    KTEST_EXPECT_EQ(t, v->object_count, 1);
    KTEST_EXPECT_EQ(t, v->source.kind, KE_SOURCE_GSI);
    KTEST_EXPECT_EQ(t, v->source.gsi, 4); /* no MADT override moves ISA IRQ 4 on QEMU */
    KTEST_EXPECT_FALSE(t, v->source.level);
    KTEST_EXPECT_FALSE(t, v->source.active_low);
    KTEST_EXPECT_FALSE(t, v->masked);
    KTEST_EXPECT_EQ(t, v->mode, Latched);
    const KINTERRUPT *object = CONTAINING_RECORD(v->chain.Flink, KINTERRUPT, InterruptListEntry);
    KTEST_EXPECT_STREQ(t, object->OwnerName, "serial COM1");
}

static void uart_interrupts_are_enabled(struct ktest *t)
{
    uint8_t ier = inb(COM1_PORT + UART_IER);
    KTEST_EXPECT_EQ(t, ier & (IER_RX_DATA | IER_LINE_STATUS), IER_RX_DATA | IER_LINE_STATUS);
    KTEST_EXPECT_EQ(t, ier & IER_THR_EMPTY, 0); /* output is polled: no interrupt per byte sent */
    KTEST_EXPECT_TRUE(t, inb(COM1_PORT + UART_MCR) & MCR_OUT2);
}

static void transmitter_empty_interrupt_reaches_isr_and_dpc(struct ktest *t)
{
    struct serial_rx_stats before = {0}, after = {0};
    serial_rx_get_stats(&before);
    uint64_t vector_before = vector_count(before.vector);
    KTEST_ASSERT_EQ(t, serial_rx_test_thr_interrupt(TRUE), STATUS_SUCCESS);
    /* Nothing is printed while the interrupt is on: every byte sent would raise it again. */
    for (unsigned ms = 0; ms < 2000; ms++) {
        serial_rx_get_stats(&after);
        if (after.thr_interrupts > before.thr_interrupts && after.dpc_runs > before.dpc_runs)
            break;
        KeStallExecutionProcessor(1000);
    }
    KTEST_EXPECT_EQ(t, serial_rx_test_thr_interrupt(FALSE), STATUS_SUCCESS);
    KTEST_EXPECT_GT(t, after.thr_interrupts, before.thr_interrupts);
    KTEST_EXPECT_GT(t, after.isr_claimed, before.isr_claimed);
    KTEST_EXPECT_GT(t, after.dpc_runs, before.dpc_runs);
    KTEST_EXPECT_GT(t, vector_count(before.vector), vector_before);
    KTEST_EXPECT_EQ(t, inb(COM1_PORT + UART_IER) & IER_THR_EMPTY, 0);
}

/* Pool bytes outstanding under a tag (kernel/io/io_tags.h: IoDv device objects, IoIn connections). */
static uint64_t pool_bytes(const char *tag)
{
    struct pool_stats stats;
    return pool_tag_stats(IRQLAB_POOL_TAG(tag), &stats) ? stats.bytes_outstanding : 0;
}

/* Stop the driver: it must disable the UART's interrupt, disconnect, delete its device object -
 * leaking nothing - and the console must fall back to polling; started again, it is back. */
static void stop_and_start_again(struct ktest *t)
{
    PDEVICE_OBJECT com1 = io_pdo_find_isa("PNP0501");
    KTEST_ASSERT_NOT_NULL(t, com1);
    KTEST_ASSERT_TRUE(t, serial_rx_interrupt_driven());
    uint64_t devices = pool_bytes("IoDv"), connections = pool_bytes("IoIn");

    KTEST_ASSERT_EQ(t, io_device_stop(com1), STATUS_SUCCESS);
    bool polled = !serial_rx_interrupt_driven();
    uint8_t ier = inb(COM1_PORT + UART_IER);
    bool detached = com1->AttachedDevice == NULL;
    uint64_t devices_stopped = pool_bytes("IoDv"), connections_stopped = pool_bytes("IoIn");
    NTSTATUS restarted = io_device_start(com1, IO_START_DRIVER);

    KTEST_EXPECT_TRUE(t, polled);
    KTEST_EXPECT_EQ(t, ier, 0);
    KTEST_EXPECT_TRUE(t, detached);
    KTEST_EXPECT_LT(t, devices_stopped, devices);
    KTEST_EXPECT_LT(t, connections_stopped, connections);
    KTEST_ASSERT_EQ(t, restarted, STATUS_SUCCESS);
    KTEST_EXPECT_TRUE(t, serial_rx_interrupt_driven());
    KTEST_EXPECT_EQ(t, pool_bytes("IoDv"), devices);
    KTEST_EXPECT_EQ(t, pool_bytes("IoIn"), connections);
}

KTEST_SUITE(serial, KTEST_CASE(driver_started_on_com1), KTEST_CASE(irq4_is_connected_edge_triggered),
            KTEST_CASE(uart_interrupts_are_enabled), KTEST_CASE(transmitter_empty_interrupt_reaches_isr_and_dpc),
            KTEST_CASE(stop_and_start_again));

/* For tests/e2e/test_shell.py, from the prompt: `ktest serial_polled.stop` leaves the driver
 * stopped, so the shell must read the UART itself (the fallback every boot has until the driver
 * starts); `ktest serial_polled.start` starts it again. Manual: they change the machine's state. */
static void stop(struct ktest *t)
{
    PDEVICE_OBJECT com1 = io_pdo_find_isa("PNP0501");
    KTEST_ASSERT_NOT_NULL(t, com1);
    KTEST_EXPECT_EQ(t, io_device_stop(com1), STATUS_SUCCESS);
    KTEST_EXPECT_FALSE(t, serial_rx_interrupt_driven());
}

static void start(struct ktest *t)
{
    PDEVICE_OBJECT com1 = io_pdo_find_isa("PNP0501");
    KTEST_ASSERT_NOT_NULL(t, com1);
    KTEST_EXPECT_EQ(t, io_device_start(com1, IO_START_DRIVER), STATUS_SUCCESS);
    KTEST_EXPECT_TRUE(t, serial_rx_interrupt_driven());
}

KTEST_MANUAL_SUITE(serial_polled, KTEST_CASE(stop), KTEST_CASE(start));
