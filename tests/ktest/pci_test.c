/* tests/ktest/pci_test.c - the PCI bus driver against QEMU's real devices: enumeration, BARs,
 * capabilities, INTx wiring on pc and q35, MSI and MSI-X programming, and interrupts delivered
 * end to end through all three mechanisms (PCI 3.0 §6.2, §6.7, §6.8; PCIe 3.0 §7.7;
 * QEMU 7.2 hw/net/e1000e.c, hw/misc/edu.c, hw/isa/piix3.c, lpc_ich9.c, hw/intc/apic.c).
 *
 * Run with: -device edu,addr=03.0 -device edu,addr=07.0
 *           -device e1000e,addr=04.0,netdev=n0 -netdev user,id=n0
 * Cases that need a device that is not there are skipped and say which. Every case puts the
 * devices back the way it found them (MSI/MSI-X off, INTx Disable as the firmware left it),
 * because other suites (storm) use edu's INTx afterwards.
 *
 * edu (QEMU docs/specs/edu.txt): BAR0 + 0x60 "raise" sets bits in the interrupt status
 * (+0x24) and signals - INTx level while status != 0, or one MSI per raise write; + 0x64 "ack"
 * clears them. e1000e (82574L): in MSI-X mode the IVAR register maps causes to table entries;
 * writing a cause to ICS fakes the event. */
#include "kernel/bus/pci/pci.h"
#include "include/wdm.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/irq_route.h"
#include "kernel/ke/kprcb.h"
#include "tests/ktest/irq_helpers.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/msix_helpers.h"

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8
#define EDU_INTERRUPT_STATUS 0x24
#define EDU_INTERRUPT_RAISE 0x60
#define EDU_INTERRUPT_ACK 0x64

#define E1000E_VENDOR 0x8086
#define E1000E_DEVICE 0x10d3
#define E1000_DEVICE 0x100e
#define E1000E_ICR 0xC0
#define E1000E_ICS 0xC8
#define E1000E_IMS 0xD0
#define E1000E_IMC 0xD8
#define E1000E_EIAC 0xDC
#define E1000E_IVAR 0xE4
#define E1000E_ICR_LSC (1u << 2)
#define E1000E_ICR_RXQ0 (1u << 20)
#define E1000E_ICR_TXQ0 (1u << 22)
#define E1000E_ICR_OTHER (1u << 24)
#define E1000E_IVAR_VALID 0x8u

/* ---- helpers ------------------------------------------------------------------------------------ */

/* The edus of the command line above: edu(0) at 00:03.0, edu(1) at 00:07.0 (found by address,
 * so extra edus behind bridges do not change which is which). */
static struct pci_device *edu(unsigned nth)
{
    struct pci_device *d = pci_find_address(0, nth == 0 ? 3 : 7, 0);
    if (!d || d->vendor_id != EDU_VENDOR || d->device_id != EDU_DEVICE)
        return NULL;
    (void)io_release_pci_device(d); /* the edu driver started on it at boot: this suite programs it itself */
    return d;
}

/* The e1000e, taken from its driver (the NDIS e1000 miniport) so that this suite can program it. */
static struct pci_device *e1000e(void)
{
    struct pci_device *n = pci_find(E1000E_VENDOR, E1000E_DEVICE, 0);
    if (n)
        (void)io_release_pci_device(n);
    return n;
}

static volatile uint32_t *regs_of(struct pci_device *dev) { return (volatile uint32_t *)pci_map_bar(dev, 0); }

/* Leave a device as the firmware did: no MSI / MSI-X, INTx Disable as at boot. */
static void restore(struct pci_device *dev)
{
    if (!dev)
        return;
    pci_msi_disable(dev);
    pci_msix_disable(dev);
    pci_set_intx_disabled(dev, (dev->command_at_boot & PCI_COMMAND_INTX_DISABLE) != 0);
}

static void edu_quiet(volatile uint32_t *regs) { regs[EDU_INTERRUPT_ACK / 4] = regs[EDU_INTERRUPT_STATUS / 4]; }

struct edu_ctx {
    volatile uint32_t *regs;
    volatile uint64_t calls;    /* claimed interrupts */
    volatile uint64_t declined; /* "not mine" */
    volatile uint32_t cpu;      /* where the last claimed one ran */
    volatile bool intx_seen;    /* PCI Status bit 3 was set when the ISR looked */
    struct pci_device *dev;
};

/* A well-behaved edu ISR: is it ours (status != 0)? Then acknowledge and claim it. */
static BOOLEAN edu_isr(PKINTERRUPT interrupt, PVOID context)
{
    struct edu_ctx *c = context;
    uint32_t status = c->regs[EDU_INTERRUPT_STATUS / 4];
    if (!status) {
        c->declined++;
        return FALSE;
    }
    c->intx_seen = pci_intx_asserted(c->dev);
    c->regs[EDU_INTERRUPT_ACK / 4] = status;
    c->cpu = KeGetCurrentProcessorNumber();
    __atomic_add_fetch(&c->calls, 1, __ATOMIC_RELEASE);
    return TRUE;
}

static BOOLEAN edu_msi_isr(PKINTERRUPT interrupt, PVOID context, ULONG message) { return edu_isr(interrupt, context); }

/* ---- enumeration ------------------------------------------------------------------------------- */

static void host_bridge_and_board(struct ktest *t)
{
    KTEST_ASSERT_GT(t, pci_device_count(), 0);
    struct pci_device *host = pci_find_address(0, 0, 0);
    KTEST_ASSERT_NOT_NULL(t, host);
    KTEST_EXPECT_EQ(t, host->class_code, 0x06); /* bridge */
    KTEST_EXPECT_EQ(t, host->subclass, 0x00);   /* host bridge */
    KTEST_EXPECT_EQ(t, host->vendor_id, 0x8086);
    if (host->device_id == 0x1237) {
        KTEST_EXPECT_EQ(t, pci_board(), PCI_BOARD_PC);
        KTEST_EXPECT_NOT_NULL(t, pci_find(0x8086, 0x7000, 0)); /* PIIX3 */
    } else {
        KTEST_EXPECT_EQ(t, host->device_id, 0x29c0); /* Q35 MCH */
        KTEST_EXPECT_EQ(t, pci_board(), PCI_BOARD_Q35);
        struct pci_device *lpc = pci_find_address(0, 0x1f, 0);
        KTEST_ASSERT_NOT_NULL(t, lpc);
        KTEST_EXPECT_EQ(t, lpc->device_id, 0x2918);
    }
    KTEST_EXPECT_GE(t, pci_bus_count(), 1);
    KTEST_EXPECT_EQ(t, pci_find(0xFFFF, 0xFFFF, 0), NULL);
    ktest_log(t, "%u functions on %u bus(es), board %s", pci_device_count(), pci_bus_count(), pci_board_name());
}

static void listing(struct ktest *t)
{
    pci_print(); /* for the log; the content is checked by the other cases */
    KTEST_EXPECT_GT(t, pci_device_count(), 0);
}

static void edu_functions_have_1mib_bar0(struct ktest *t)
{
    struct pci_device *a = edu(0), *b = edu(1);
    if (!a || !b)
        KTEST_SKIP(t, "needs -device edu,addr=03.0 -device edu,addr=07.0");
    KTEST_EXPECT_EQ(t, a->address.device, 3);
    KTEST_EXPECT_EQ(t, b->address.device, 7);
    struct pci_device *both[] = {a, b};
    for (unsigned i = 0; i < 2; i++) {
        struct pci_device *d = both[i];
        KTEST_EXPECT_EQ(t, d->bars[0].kind, PCI_BAR_MEM32);
        KTEST_EXPECT_EQ(t, d->bars[0].size, 1u << 20);
        KTEST_EXPECT_NE(t, d->bars[0].base, 0);
        KTEST_EXPECT_EQ(t, d->bars[0].base & ((1u << 20) - 1), 0); /* naturally aligned */
        for (unsigned bar = 1; bar < PCI_BAR_COUNT; bar++)
            KTEST_EXPECT_EQ(t, d->bars[bar].kind, PCI_BAR_NONE);
        /* Sizing put the BAR back: the device still answers at its address. */
        volatile uint32_t *regs = regs_of(d);
        KTEST_ASSERT_NOT_NULL(t, regs);
        KTEST_EXPECT_EQ(t, regs[0], 0x010000ED); /* edu's identification register */
        KTEST_EXPECT_EQ(t, d->interrupt_pin, 1);
    }
    KTEST_EXPECT_NE(t, a->bars[0].base, b->bars[0].base);
}

static void capabilities_match_qemu(struct ktest *t)
{
    struct pci_device *e = edu(0);
    if (e) {
        KTEST_EXPECT_TRUE(t, e->msi.present);
        KTEST_EXPECT_EQ(t, e->msi.offset, 0x40);
        KTEST_EXPECT_EQ(t, e->msi.max_messages, 1);
        KTEST_EXPECT_TRUE(t, e->msi.address_64);
        KTEST_EXPECT_FALSE(t, e->msi.per_vector_masking);
        KTEST_EXPECT_FALSE(t, e->msix.present);
    }
    struct pci_device *n = pci_find(E1000E_VENDOR, E1000E_DEVICE, 0);
    if (n) {
        KTEST_EXPECT_TRUE(t, n->msi.present);
        KTEST_EXPECT_EQ(t, n->msi.offset, 0xD0);
        KTEST_EXPECT_EQ(t, n->msi.max_messages, 1);
        KTEST_EXPECT_TRUE(t, n->msix.present);
        KTEST_EXPECT_EQ(t, n->msix.offset, 0xA0);
        KTEST_EXPECT_EQ(t, n->msix.table_size, 5);
        KTEST_EXPECT_EQ(t, n->msix.table_bar, 3);
        KTEST_EXPECT_EQ(t, n->msix.table_offset, 0);
        KTEST_EXPECT_EQ(t, n->msix.pba_bar, 3);
        KTEST_EXPECT_EQ(t, n->msix.pba_offset, 0x2000);
        KTEST_EXPECT_EQ(t, n->bars[3].kind, PCI_BAR_MEM32);
        KTEST_EXPECT_EQ(t, n->bars[3].size, 16u << 10);
        KTEST_EXPECT_EQ(t, n->bars[2].kind, PCI_BAR_IO);
        KTEST_EXPECT_EQ(t, n->bars[2].size, 32);
        KTEST_EXPECT_EQ(t, n->cap_count, 4); /* PM, MSI, PCIe, MSI-X */
    }
    struct pci_device *old = pci_find(E1000E_VENDOR, E1000_DEVICE, 0);
    if (old) {
        KTEST_EXPECT_FALSE(t, old->msi.present); /* the 82540EM model is INTx-only */
        KTEST_EXPECT_FALSE(t, old->msix.present);
    }
    if (!e && !n && !old)
        KTEST_SKIP(t, "needs -device edu and/or -device e1000e");
    ktest_log(t, "edu %s, e1000e %s, e1000 %s", e ? "checked" : "absent", n ? "checked" : "absent",
              old ? "checked" : "absent");
}

static void edus_share_one_gsi(struct ktest *t)
{
    struct pci_device *a = edu(0), *b = edu(1);
    if (!a || !b)
        KTEST_SKIP(t, "needs -device edu,addr=03.0 -device edu,addr=07.0");
    KTEST_ASSERT_TRUE(t, a->has_gsi);
    KTEST_ASSERT_TRUE(t, b->has_gsi);
    KTEST_EXPECT_EQ(t, a->gsi, b->gsi); /* slots 3 and 7, pin A: the same PIRQ on both boards */
    KTEST_EXPECT_TRUE(t, a->has_pirq);
    KTEST_EXPECT_EQ(t, a->pirq, b->pirq);
    struct pci_device *n = pci_find(E1000E_VENDOR, E1000E_DEVICE, 0);
    if (pci_board() == PCI_BOARD_PC) {
        KTEST_EXPECT_EQ(t, a->gsi, 11); /* PIRQC -> ISA IRQ 11 */
        KTEST_EXPECT_EQ(t, a->pirq, 2);
        KTEST_EXPECT_TRUE(t, a->gsi_level);
        KTEST_EXPECT_FALSE(t, a->gsi_active_low);
        if (n && n->address.device == 4)
            KTEST_EXPECT_EQ(t, n->gsi, 11); /* PIRQD -> 11 as well */
    } else if (pci_board() == PCI_BOARD_Q35) {
        KTEST_EXPECT_EQ(t, a->gsi, 23); /* PIRQH -> GSI 23 */
        KTEST_EXPECT_EQ(t, a->pirq, 7);
        KTEST_EXPECT_TRUE(t, a->gsi_level);
        KTEST_EXPECT_TRUE(t, a->gsi_active_low);
        if (n && n->address.device == 4)
            KTEST_EXPECT_EQ(t, n->gsi, 20); /* PIRQE */
        /* SeaBIOS's Interrupt Line is the ISA mirror, not the GSI we use. */
        KTEST_EXPECT_NE(t, a->interrupt_line, a->gsi);
    } else {
        KTEST_SKIP(t, "unknown board");
    }
}

/* ---- MSI and MSI-X programming ------------------------------------------------------------------ */

static void msi_programming_reads_back(struct ktest *t)
{
    struct pci_device *d = edu(0);
    if (!d)
        KTEST_SKIP(t, "needs -device edu");
    KTEST_EXPECT_FALSE(t, pci_msi_enabled(d));
    KTEST_EXPECT_FALSE(t, pci_msi_enable(d, 0xFEE00000, 0x48, 2)); /* edu offers 1 message */
    KTEST_EXPECT_FALSE(t, pci_msi_enable(d, 0xFEE00000, 0x48, 3)); /* not a power of two */
    KTEST_EXPECT_FALSE(t, pci_msi_enabled(d));

    KTEST_ASSERT_TRUE(t, pci_msi_enable(d, 0x00000001FEE01000ull, 0x4A, 1)); /* high half: 64-bit */
    uint64_t address = 0;
    uint32_t data = 0;
    unsigned count = 0;
    KTEST_EXPECT_TRUE(t, pci_msi_read(d, &address, &data, &count));
    KTEST_EXPECT_TRUE(t, pci_msi_enabled(d));
    KTEST_EXPECT_EQ(t, address, 0x00000001FEE01000ull);
    KTEST_EXPECT_EQ(t, data, 0x4A);
    KTEST_EXPECT_EQ(t, count, 1);
    /* Raw config space agrees (edu: address 0x44/0x48, data 0x4C, control 0x42). */
    KTEST_EXPECT_EQ(t, pci_config_read32(d->address, 0x44), 0xFEE01000u);
    KTEST_EXPECT_EQ(t, pci_config_read32(d->address, 0x48), 1u);
    KTEST_EXPECT_EQ(t, pci_config_read16(d->address, 0x4C), 0x4A);
    KTEST_EXPECT_EQ(t, pci_config_read16(d->address, 0x42) & 1, 1);
    KTEST_EXPECT_TRUE(t, pci_config_read16(d->address, PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE);
    KTEST_EXPECT_FALSE(t, pci_msi_mask(d, 0, true)); /* no per-vector masking on edu */

    pci_msi_disable(d);
    KTEST_EXPECT_FALSE(t, pci_msi_enabled(d));
    /* Documented choice: disabling MSI leaves INTx off until someone turns it on. */
    KTEST_EXPECT_TRUE(t, pci_config_read16(d->address, PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE);
    restore(d);
    KTEST_EXPECT_EQ(t, pci_config_read16(d->address, PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE,
                    d->command_at_boot & PCI_COMMAND_INTX_DISABLE);
}

static void msix_entry_reads_back_masked_then_unmasked(struct ktest *t)
{
    struct pci_device *n = e1000e();
    if (!n)
        KTEST_SKIP(t, "needs -device e1000e");
    KTEST_ASSERT_TRUE(t, pci_msix_map(n));
    KTEST_ASSERT_NOT_NULL(t, n->msix.table);
    uint64_t address;
    uint32_t data;
    bool masked;
    for (unsigned i = 0; i < n->msix.table_size; i++) { /* QEMU resets every entry masked */
        KTEST_ASSERT_TRUE(t, pci_msix_read_entry(n, i, NULL, NULL, &masked));
        KTEST_EXPECT_TRUE(t, masked);
    }
    KTEST_ASSERT_TRUE(t, pci_msix_set_entry(n, 2, 0xFEE03000, 0x5C));
    KTEST_ASSERT_TRUE(t, pci_msix_read_entry(n, 2, &address, &data, &masked));
    KTEST_EXPECT_EQ(t, address, 0xFEE03000);
    KTEST_EXPECT_EQ(t, data, 0x5C);
    KTEST_EXPECT_TRUE(t, masked);
    KTEST_EXPECT_TRUE(t, pci_msix_mask(n, 2, false));
    KTEST_ASSERT_TRUE(t, pci_msix_read_entry(n, 2, NULL, NULL, &masked));
    KTEST_EXPECT_FALSE(t, masked);
    KTEST_EXPECT_TRUE(t, pci_msix_mask(n, 2, true));
    KTEST_ASSERT_TRUE(t, pci_msix_read_entry(n, 2, NULL, NULL, &masked));
    KTEST_EXPECT_TRUE(t, masked);
    KTEST_EXPECT_FALSE(t, pci_msix_set_entry(n, 5, 0xFEE00000, 0x30)); /* past the table */
    KTEST_EXPECT_FALSE(t, pci_msix_mask(n, 5, true));

    /* Enable / disable, and MSI refuses while MSI-X is on. */
    pci_msix_enable(n);
    KTEST_EXPECT_TRUE(t, pci_msix_enabled(n));
    uint16_t control = pci_config_read16(n->address, (uint8_t)(n->msix.offset + 2));
    KTEST_EXPECT_EQ(t, control & 0xC000, 0x8000); /* Enable on, Function Mask off */
    KTEST_EXPECT_FALSE(t, pci_msi_enable(n, 0xFEE00000, 0x30, 1));
    pci_msix_disable(n);
    KTEST_EXPECT_FALSE(t, pci_msix_enabled(n));
    restore(n);
}

/* ---- interrupts, end to end --------------------------------------------------------------------- */

/* One MSI from edu, aimed at `cpu`, must arrive there. Also: without Bus Master it is lost. */
static void msi_to_cpu(struct ktest *t, struct pci_device *d, volatile uint32_t *regs, uint32_t cpu)
{
    static KINTERRUPT obj;
    static struct edu_ctx ctx;
    ctx = (struct edu_ctx){.regs = regs, .dev = d, .cpu = 0xFFFFFFFFu};
    struct ke_source source;
    pci_msi_source(d, 0, "ktest:edu-msi", &source);
    KTEST_EXPECT_NULL(t, source.mask); /* edu cannot mask its message */
    struct ke_message_route route;
    KAFFINITY affinity = (KAFFINITY)1 << cpu;
    KTEST_ASSERT_EQ(t, ke_route_message(affinity, 0, &source, &route), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, route.cpu, cpu);
    KIRQL irql = (KIRQL)(route.vector >> 4);
    ke_interrupt_init(&obj, NULL, edu_msi_isr, 0, &ctx, NULL, route.vector, irql, irql, Latched, FALSE, affinity,
                      "ktest:edu-msi");
    if (ke_interrupt_connect(&obj) != KE_CONNECT_OK) {
        ke_unroute_message(route.vector);
        KTEST_ASSERT_TRUE(t, false);
    }

    /* Bus Master off: the message is a DMA write, so the device may not send it. */
    pci_config_write16(d->address, PCI_COMMAND,
                       (uint16_t)(pci_config_read16(d->address, PCI_COMMAND) & ~PCI_COMMAND_BUS_MASTER));
    bool programmed = pci_msi_enable(d, route.address, route.data, 1);
    regs[EDU_INTERRUPT_RAISE / 4] = 1;
    KeStallExecutionProcessor(20000);
    uint64_t without_bme = ctx.calls;
    edu_quiet(regs);

    pci_enable_bus_master(d);
    regs[EDU_INTERRUPT_RAISE / 4] = 1;
    bool arrived = test_wait_for(&ctx.calls, 1, 2000);
    KeStallExecutionProcessor(2000);

    pci_msi_disable(d);
    ke_interrupt_disconnect(&obj);
    ke_unroute_message(route.vector);
    edu_quiet(regs);

    KTEST_EXPECT_TRUE(t, programmed);
    KTEST_EXPECT_EQ(t, without_bme, 0);
    KTEST_EXPECT_TRUE(t, arrived);
    KTEST_EXPECT_EQ(t, ctx.calls, 1);
    KTEST_EXPECT_EQ(t, ctx.cpu, cpu);
    KTEST_EXPECT_EQ(t, obj.ServiceCount[cpu], 1);
}

static void msi_delivered_to_route_cpu(struct ktest *t)
{
    struct pci_device *d = edu(0);
    if (!d)
        KTEST_SKIP(t, "needs -device edu");
    volatile uint32_t *regs = regs_of(d);
    KTEST_ASSERT_NOT_NULL(t, regs);
    edu_quiet(regs);
    ULONG cpus = KeQueryActiveProcessorCountEx(0);
    for (uint32_t cpu = 0; cpu < cpus && cpu < 4; cpu++)
        msi_to_cpu(t, d, regs, cpu);
    restore(d);
    ktest_log(t, "one MSI delivered to each of %u CPU(s)", cpus < 4 ? (unsigned)cpus : 4u);
}

/* Both edus on their shared INTx line: one vector, two objects; each ISR claims only its own. */
static void intx_delivered_on_shared_line(struct ktest *t)
{
    struct pci_device *d[2] = {edu(0), edu(1)};
    if (!d[0] || !d[1])
        KTEST_SKIP(t, "needs -device edu,addr=03.0 -device edu,addr=07.0");
    KTEST_ASSERT_TRUE(t, d[0]->has_gsi && d[1]->has_gsi);
    KTEST_ASSERT_EQ(t, d[0]->gsi, d[1]->gsi);
    uint32_t gsi = d[0]->gsi;
    struct pci_device *nic = pci_find(E1000E_VENDOR, E1000E_DEVICE, 0);
    if (nic && nic->has_gsi && nic->gsi == gsi)
        (void)e1000e(); /* on pc with msi=off its driver's ISR shares the line: take it away */
    /* Other devices may already use this line - at the prompt, the edu driver's own ISRs for
     * every further edu on the same PIRQ (e.g. 8 edus with msi=off): we only add to the chain. */
    const struct ke_gsi_route *existing = ke_gsi_route_get(gsi);
    uint32_t others = existing ? existing->refcount : 0;
    static KINTERRUPT obj[2];
    static struct edu_ctx ctx[2];
    uint8_t vector[2];
    for (unsigned i = 0; i < 2; i++) {
        volatile uint32_t *regs = regs_of(d[i]);
        KTEST_ASSERT_NOT_NULL(t, regs);
        pci_msi_disable(d[i]);
        edu_quiet(regs);
        ctx[i] = (struct edu_ctx){.regs = regs, .dev = d[i], .cpu = 0xFFFFFFFFu};
        KTEST_ASSERT_EQ(t,
                        ke_route_gsi(gsi, d[i]->gsi_level, d[i]->gsi_active_low, KeQueryActiveProcessors(),
                                     "ktest:edu-intx", &vector[i]),
                        STATUS_SUCCESS);
    }
    KTEST_EXPECT_EQ(t, vector[0], vector[1]); /* one pin, one vector */
    struct ioapic_rte rte = test_rte(gsi);
    KTEST_EXPECT_TRUE(t, rte.level_triggered);
    KTEST_EXPECT_EQ(t, rte.vector, vector[0]);
    KIRQL irql = (KIRQL)(vector[0] >> 4);
    for (unsigned i = 0; i < 2; i++) {
        ke_interrupt_init(&obj[i], edu_isr, NULL, 0, &ctx[i], NULL, vector[i], irql, irql, LevelSensitive, TRUE,
                          KeQueryActiveProcessors(), "ktest:edu-intx");
        KTEST_EXPECT_EQ(t, ke_interrupt_connect(&obj[i]), KE_CONNECT_OK);
        pci_set_intx_disabled(d[i], false); /* only now that someone listens */
    }
    uint32_t route_cpu = ke_gsi_route_get(gsi)->cpu;
    /* q35: the ISA mirror pin (Interrupt Line) must stay masked, or each INTx would come twice. */
    bool mirror_masked = pci_board() != PCI_BOARD_Q35 || test_rte(d[0]->interrupt_line).masked;

    /* The second edu first: the first object on the chain must decline it. */
    ctx[1].regs[EDU_INTERRUPT_RAISE / 4] = 1;
    bool got1 = test_wait_for(&ctx[1].calls, 1, 2000);
    ctx[0].regs[EDU_INTERRUPT_RAISE / 4] = 1;
    bool got0 = test_wait_for(&ctx[0].calls, 1, 2000);
    KeStallExecutionProcessor(5000);
    bool line_low = !pci_intx_asserted(d[0]) && !pci_intx_asserted(d[1]);

    for (unsigned i = 0; i < 2; i++) {
        ke_interrupt_disconnect(&obj[i]);
        ke_unroute_gsi(gsi);
        edu_quiet(ctx[i].regs);
        restore(d[i]);
    }
    /* Our routes are gone; the pin is masked only if nobody else had it. */
    const struct ke_gsi_route *after = ke_gsi_route_get(gsi);
    KTEST_EXPECT_EQ(t, after ? after->refcount : 0, others);
    KTEST_EXPECT_EQ(t, test_rte(gsi).masked, others == 0);
    KTEST_EXPECT_TRUE(t, got1);
    KTEST_EXPECT_TRUE(t, got0);
    KTEST_EXPECT_EQ(t, ctx[0].calls, 1);
    KTEST_EXPECT_EQ(t, ctx[1].calls, 1);
    KTEST_EXPECT_TRUE(t, ctx[0].intx_seen); /* PCI Status bit 3 showed who was asserting */
    KTEST_EXPECT_TRUE(t, ctx[1].intx_seen);
    KTEST_EXPECT_EQ(t, ctx[0].cpu, route_cpu);
    KTEST_EXPECT_EQ(t, ctx[1].cpu, route_cpu);
    KTEST_EXPECT_TRUE(t, line_low);
    KTEST_EXPECT_TRUE(t, mirror_masked);
    ktest_log(t, "GSI %u vector 0x%x on CPU %u (%u other route(s)); declines: %lu / %lu", gsi, vector[0], route_cpu,
              (unsigned)others, (unsigned long)ctx[0].declined, (unsigned long)ctx[1].declined);
}

/* One INTx from `d` (MSI off) must arrive at the GSI pci_intx.c computed for it. */
static void intx_roundtrip(struct ktest *t, struct pci_device *d)
{
    static KINTERRUPT obj;
    static struct edu_ctx ctx;
    volatile uint32_t *regs = regs_of(d);
    KTEST_ASSERT_NOT_NULL(t, regs);
    KTEST_ASSERT_TRUE(t, d->has_gsi);
    pci_msi_disable(d);
    edu_quiet(regs);
    ctx = (struct edu_ctx){.regs = regs, .dev = d, .cpu = 0xFFFFFFFFu};
    uint8_t vector;
    KTEST_ASSERT_EQ(
        t, ke_route_gsi(d->gsi, d->gsi_level, d->gsi_active_low, KeQueryActiveProcessors(), "ktest:edu-intx", &vector),
        STATUS_SUCCESS);
    KIRQL irql = (KIRQL)(vector >> 4);
    ke_interrupt_init(&obj, edu_isr, NULL, 0, &ctx, NULL, vector, irql, irql, LevelSensitive, TRUE,
                      KeQueryActiveProcessors(), "ktest:edu-intx");
    enum ke_connect_result connected = ke_interrupt_connect(&obj);
    bool got = false;
    if (connected == KE_CONNECT_OK) {
        pci_set_intx_disabled(d, false);
        regs[EDU_INTERRUPT_RAISE / 4] = 1;
        got = test_wait_for(&ctx.calls, 1, 2000);
        ke_interrupt_disconnect(&obj);
    }
    ke_unroute_gsi(d->gsi);
    edu_quiet(regs);
    restore(d);
    KTEST_EXPECT_EQ(t, connected, KE_CONNECT_OK);
    KTEST_EXPECT_TRUE(t, got);
    ktest_log(t, "%s (behind a bridge, arrives as slot %u INT%c) -> GSI %u: %s", d->label, d->root_slot,
              'A' + d->root_pin - 1, d->gsi, got ? "delivered" : "LOST");
}

/* Every edu behind a PCI-to-PCI bridge: its pin, swizzled bridge by bridge up to bus 0, must
 * arrive where we computed. Run with e.g. -device pci-bridge,id=br1,chassis_nr=1,addr=06.0
 * -device edu,bus=br1,addr=02.0 (and a bridge behind that bridge for the nested case). */
static void bridged_intx_arrives(struct ktest *t)
{
    unsigned tested = 0;
    for (unsigned i = 0; i < pci_device_count(); i++) {
        struct pci_device *d = pci_device_at(i);
        if (d->vendor_id != EDU_VENDOR || d->device_id != EDU_DEVICE || d->address.bus == 0)
            continue;
        KTEST_EXPECT_GE(t, d->parent, 0);
        /* On pc SeaBIOS did the same swizzle on its own when it filled Interrupt Line. */
        if (pci_board() == PCI_BOARD_PC)
            KTEST_EXPECT_EQ(t, d->gsi, d->interrupt_line);
        intx_roundtrip(t, d);
        tested++;
    }
    if (!tested)
        KTEST_SKIP(t, "no edu behind a bridge (-device pci-bridge,id=br1,chassis_nr=1 -device edu,bus=br1)");
}

/* e1000e MSI-X: three table entries, three vectors (spread over the CPUs), three causes. */
struct nic_ctx {
    volatile uint32_t *regs;
    volatile uint64_t calls[3];
    volatile uint32_t cpu[3];
};

static const uint32_t entry_cause[3] = {E1000E_ICR_RXQ0, E1000E_ICR_TXQ0, E1000E_ICR_OTHER | E1000E_ICR_LSC};

static BOOLEAN nic_msix_isr(PKINTERRUPT interrupt, PVOID context, ULONG message)
{
    struct nic_ctx *c = context;
    c->regs[E1000E_ICR / 4] = entry_cause[message]; /* write-1-to-clear: the next one fires again */
    c->cpu[message] = KeGetCurrentProcessorNumber();
    __atomic_add_fetch(&c->calls[message], 1, __ATOMIC_RELEASE);
    return TRUE;
}

static void e1000e_msix_three_vectors(struct ktest *t)
{
    struct pci_device *n = e1000e();
    if (!n)
        KTEST_SKIP(t, "needs -device e1000e,netdev=n0 -netdev user,id=n0");
    static struct nic_ctx ctx;
    static KINTERRUPT obj[3];
    static const char *const labels[3] = {"ktest:e1000e-rx", "ktest:e1000e-tx", "ktest:e1000e-other"};
    struct ke_message_route route[3];
    ctx = (struct nic_ctx){.regs = regs_of(n)};
    KTEST_ASSERT_NOT_NULL(t, ctx.regs);
    KTEST_ASSERT_TRUE(t, pci_msix_map(n));
    ctx.regs[E1000E_IMC / 4] = 0xFFFFFFFFu; /* quiet while we set up */
    ctx.regs[E1000E_ICR / 4] = 0xFFFFFFFFu;

    unsigned connected = 0;
    for (unsigned i = 0; i < 3; i++) {
        struct ke_source source;
        pci_msix_source(n, i, labels[i], &source);
        if (ke_route_message(KeQueryActiveProcessors(), 0, &source, &route[i]) != STATUS_SUCCESS)
            break;
        pci_msix_set_entry(n, i, route[i].address, route[i].data);
        KIRQL irql = (KIRQL)(route[i].vector >> 4);
        ke_interrupt_init(&obj[i], NULL, nic_msix_isr, i, &ctx, NULL, route[i].vector, irql, irql, Latched, FALSE,
                          KeQueryActiveProcessors(), labels[i]);
        if (ke_interrupt_connect(&obj[i]) != KE_CONNECT_OK) {
            ke_unroute_message(route[i].vector);
            break;
        }
        connected++;
    }
    bool unmasked_by_connect = true;
    for (unsigned i = 0; i < connected; i++) {
        bool masked = true;
        pci_msix_read_entry(n, i, NULL, NULL, &masked);
        unmasked_by_connect = unmasked_by_connect && !masked;
    }

    bool delivered[3] = {false, false, false};
    bool drained = false, held_while_masked = false, pending_seen = false, released_on_unmask = false;
    bool pending_cleared = false, primed = false;
    uint64_t before_mask = 0;
    if (connected == 3) {
        pci_enable_bus_master(n);
        pci_msix_enable(n);
        /* IVAR: RXQ0 -> entry 0, TXQ0 -> entry 1, OTHER -> entry 2 (4 bits each, bit 3 = valid). */
        ctx.regs[E1000E_EIAC / 4] = 0;
        ctx.regs[E1000E_IVAR / 4] =
            (E1000E_IVAR_VALID | 0) | ((E1000E_IVAR_VALID | 1) << 8) | ((E1000E_IVAR_VALID | 2) << 16);
        /* Make entry 0 re-send on its own, as QEMU's e1000e does after any earlier user had two
         * RX events within one throttle window (masked meanwhile: only its PBA sees this).
         * Whether or not that worked, every check below must hold. */
        pci_msix_mask(n, 0, true);
        ctx.regs[E1000E_IMS / 4] = E1000E_ICR_RXQ0;
        primed = e1000e_test_make_resend(n, ctx.regs, 0, 10000);
        pci_msix_mask(n, 0, false);
        ctx.regs[E1000E_IMS / 4] = E1000E_ICR_RXQ0 | E1000E_ICR_TXQ0 | E1000E_ICR_OTHER | E1000E_ICR_LSC;
        for (unsigned i = 0; i < 3; i++) {
            ctx.regs[E1000E_ICS / 4] = i == 2 ? E1000E_ICR_LSC : entry_cause[i];
            delivered[i] = test_wait_for(&ctx.calls[i], 1, 5000);
        }
        /* A masked entry holds its message in the Pending Bit Array until unmasked. The e1000e
         * may send a message again on its own (msix_helpers.h), so "held" means: once the mask
         * is on and whatever was already on its way has arrived, no call until the unmask. */
        pci_msix_mask(n, 0, true);
        drained = test_drain_vector(route[0].cpu, (uint8_t)route[0].vector, 5000);
        before_mask = ctx.calls[0];
        ctx.regs[E1000E_ICS / 4] = E1000E_ICR_RXQ0;
        /* The message may wait for the vector's throttle timer (a QEMU timer): poll the pending
         * bit with a generous bound rather than waiting a fixed time. */
        for (int i = 0; i < 10000 && !pending_seen; i++) {
            pending_seen = pci_msix_pending(n, 0);
            if (!pending_seen)
                KeStallExecutionProcessor(1000);
        }
        held_while_masked = ctx.calls[0] == before_mask;
        pci_msix_mask(n, 0, false);
        released_on_unmask = test_wait_for(&ctx.calls[0], before_mask + 1, 5000);
        /* Delivered, so the pending bit is gone - unless a re-send found the entry masked, which
         * it no longer is: nothing can set it again now. */
        pending_cleared = !pci_msix_pending(n, 0);
        ctx.regs[E1000E_IMC / 4] = 0xFFFFFFFFu;
        ctx.regs[E1000E_ICR / 4] = 0xFFFFFFFFu;
        for (unsigned i = 0; i < 3; i++)
            (void)test_drain_vector(route[i].cpu, (uint8_t)route[i].vector, 5000);
    }
    pci_msix_disable(n); /* waits for the throttle timers (kernel/bus/pci/pci_quirk_e1000e.c) */
    bool masked_by_disconnect = true;
    for (unsigned i = 0; i < connected; i++) {
        ke_interrupt_disconnect(&obj[i]);
        bool masked = false;
        pci_msix_read_entry(n, i, NULL, NULL, &masked);
        masked_by_disconnect = masked_by_disconnect && masked;
        ke_unroute_message(route[i].vector);
    }
    restore(n);

    KTEST_ASSERT_EQ(t, connected, 3);
    KTEST_EXPECT_TRUE(t, unmasked_by_connect);
    KTEST_EXPECT_TRUE(t, masked_by_disconnect);
    KTEST_EXPECT_TRUE(t, primed);
    for (unsigned i = 0; i < 3; i++) {
        KTEST_EXPECT_TRUE(t, delivered[i]);
        KTEST_EXPECT_EQ(t, ctx.cpu[i], route[i].cpu);
        /* Every call the ISR counted went through this object on the route's CPU; re-sends
         * by the device make the number itself vary (at least 1, and at least 2 on entry 0). */
        KTEST_EXPECT_EQ(t, obj[i].ServiceCount[route[i].cpu], ctx.calls[i]);
    }
    KTEST_EXPECT_GE(t, ctx.calls[0], 2);
    KTEST_EXPECT_GE(t, ctx.calls[1], 1);
    KTEST_EXPECT_GE(t, ctx.calls[2], 1);
    KTEST_EXPECT_TRUE(t, drained);
    KTEST_EXPECT_TRUE(t, pending_seen);
    KTEST_EXPECT_TRUE(t, held_while_masked);
    KTEST_EXPECT_TRUE(t, released_on_unmask);
    KTEST_EXPECT_TRUE(t, pending_cleared);
    ktest_log(t, "calls %lu/%lu/%lu (%lu before the mask)", (unsigned long)ctx.calls[0], (unsigned long)ctx.calls[1],
              (unsigned long)ctx.calls[2], (unsigned long)before_mask);
    ktest_log(t, "vectors 0x%x/0x%x/0x%x on CPUs %u/%u/%u", route[0].vector, route[1].vector, route[2].vector,
              route[0].cpu, route[1].cpu, route[2].cpu);
}

KTEST_SUITE(pci, KTEST_CASE(host_bridge_and_board), KTEST_CASE(listing), KTEST_CASE(edu_functions_have_1mib_bar0),
            KTEST_CASE(capabilities_match_qemu), KTEST_CASE(edus_share_one_gsi), KTEST_CASE(msi_programming_reads_back),
            KTEST_CASE(msix_entry_reads_back_masked_then_unmasked), KTEST_CASE(msi_delivered_to_route_cpu),
            KTEST_CASE(intx_delivered_on_shared_line), KTEST_CASE(bridged_intx_arrives),
            KTEST_CASE(e1000e_msix_three_vectors));
