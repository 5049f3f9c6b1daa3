/* tests/ktest/pciehp_test.c - a card that leaves its PCI Express slot without the attention
 * button is surprise-removed (kernel/bus/pci/pcie_hotplug_events.c, docs/hotplug.md).
 *
 * QEMU 7.2 cannot pull a card by itself (device_del always presses the button), so the case plays
 * the person who yanks it: it writes "power off, power indicator off" into the slot's Slot Control
 * behind the controller's back. QEMU takes that as the moment to detach the card
 * (hw/pci/pcie.c pcie_cap_slot_write_config) and reports Presence Detect Changed with the slot
 * empty - to the controller, whose state says the card is on and in use, exactly a surprise
 * removal: IRP_MN_SURPRISE_REMOVAL, then REMOVE, the PDO deleted, the function marked removed.
 *
 * Run with: -global ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off
 *           -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1,addr=0x10 -device edu,bus=rp1
 * (tests/e2e/test_hotplug.py); skipped anywhere else. */
#include "kernel/bus/pci/pcie_hotplug.h"
#include "kernel/io/pnp.h"
#include "tests/ktest/ktest.h"

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11E8
#define WAIT_STEP_MS 10
#define WAIT_MAX_MS 20000 /* guest time; the controller needs a few ms */

static struct pcie_hp_slot *slot_holding_edu(void)
{
    for (unsigned i = 0; i < pcie_hp_slot_count(); i++) {
        struct pcie_hp_slot *s = pcie_hp_slot_at(i);
        if (s->state == PCIE_HP_ON && s->function_count && s->functions[0]->vendor_id == EDU_VENDOR &&
            s->functions[0]->device_id == EDU_DEVICE)
            return s;
    }
    return NULL;
}

static void card_pulled_without_button(struct ktest *t)
{
    struct pcie_hp_slot *s = slot_holding_edu();
    if (!s)
        KTEST_SKIP(t, "needs an edu in a hot-plug slot (-device pcie-root-port,id=rp1,... -device edu,bus=rp1)");
    struct pci_device *edu = s->functions[0];
    PDEVICE_OBJECT pdo = io_pdo_for_pci(edu);
    KTEST_ASSERT_NOT_NULL(t, pdo);
    ULONG surprise = s->counts.surprise_removed, removed = s->counts.removed, button = s->counts.button;

    /* Yank it: power and power indicator off in one write, as the controller never would while on. */
    uint16_t control = pcie_slot_control(&s->slot);
    control = pcie_sltctl_with(control, PCIE_SLTCTL_PCC | PCIE_SLTCTL_PIC, PCIE_SLTCTL_PCC | pcie_pic(PCIE_IND_OFF));
    pcie_slot_write_control(&s->slot, control);

    LARGE_INTEGER step;
    step.QuadPart = -(LONGLONG)WAIT_STEP_MS * 10000;
    for (unsigned waited = 0; waited < WAIT_MAX_MS && (s->state != PCIE_HP_OFF || s->counts.surprise_removed == surprise);
         waited += WAIT_STEP_MS)
        KeDelayExecutionThread(KernelMode, FALSE, &step);

    KTEST_EXPECT_FALSE(t, pcie_slot_present(&s->slot));
    KTEST_EXPECT_EQ(t, s->state, PCIE_HP_OFF);
    KTEST_EXPECT_EQ(t, s->counts.surprise_removed, surprise + 1);
    KTEST_EXPECT_EQ(t, s->counts.removed, removed); /* no QUERY_REMOVE path */
    KTEST_EXPECT_EQ(t, s->counts.button, button);   /* and no button */
    KTEST_EXPECT_NULL(t, io_pdo_for_pci(edu));      /* the PDO is gone */
    KTEST_EXPECT_TRUE(t, edu->removed);
    KTEST_EXPECT_NULL(t, pci_find_address(edu->address.bus, edu->address.device, edu->address.function));
}

KTEST_SUITE(pciehp, KTEST_CASE(card_pulled_without_button));
