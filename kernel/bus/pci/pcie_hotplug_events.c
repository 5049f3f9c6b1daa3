/* kernel/bus/pci/pcie_hotplug_events.c - a hot-plug slot's state machine, on its own thread at
 * PASSIVE_LEVEL (powering a slot, waiting for its link, and starting or removing drivers all wait).
 *
 * PCI Express Base Specification 3.0 §6.7.1.5 "Attention Button": "Once the Power Indicator
 * begins blinking, a 5-second abort interval exists during which a second depression of the
 * Attention Button cancels the operation"; §6.7.1.2 power indicator (off: safe to remove; blink:
 * in transition; on: do not remove); §6.7.1.1 attention indicator (on: operational problem);
 * §6.7.3 events; learn.microsoft.com "Adding a PnP Device to a Running System", "Removing a
 * Device" (QUERY_REMOVE may be refused: then the device stays), "Handling an
 * IRP_MN_SURPRISE_REMOVAL Request".
 *
 *   OFF --button, card present--> BLINKING_ON --5 s--> power on, link, enumerate, add --> ON
 *   OFF / BLINKING_ON --presence detected--> power on, link, enumerate, add --> ON
 *   ON --button--> BLINKING_OFF --5 s--> QUERY_REMOVE + REMOVE, power off --> OFF
 *   BLINKING_x --button again within 5 s--> back (aborted)
 *   ON / BLINKING_OFF --card gone (presence or link lost, no button)--> SURPRISE_REMOVAL,
 *                                                                        power off --> OFF
 *
 * QEMU 7.2 (hw/pci/pcie.c): device_add reports Presence Detect Changed and Attention Button
 * Pressed together (handled in that order here, as Linux's pciehp does: the button starts the
 * blink, the presence change powers on at once); device_del presses the button and completes the
 * unplug when software turns power and power indicator off (pcie_cap_slot_write_config), so
 * the 5-second window is part of every device_del. `pciehp_abort_ms=` shortens it - a deviation
 * from the spec for tests and impatient demos (docs/hotplug.md); the window is measured on the
 * guest's clock (a KTIMER), never the host's.
 */
#include "kernel/bus/pci/pcie_hotplug.h"

#include "include/interlocked.h"
#include "kernel/boot/cmdline.h"
#include "kernel/console/log.h"
#include "kernel/io/pnp.h"

CMDLINE_OPTION_CHECKED(pciehp_abort_ms, "milliseconds",
                       "PCIe hot-plug: the attention button's abort window (default 5000, as the spec says)",
                       cmdline_check_number);

#define ABORT_WINDOW_DEFAULT_MS 5000

ULONG pcie_hp_abort_window_ms(void)
{
    unsigned long ms;
    const char *value = cmdline_get("pciehp_abort_ms");
    if (value && cmdline_parse_number(value, &ms))
        return (ULONG)ms;
    return ABORT_WINDOW_DEFAULT_MS;
}

VOID pcie_hp_button_timer_dpc(PKDPC dpc, PVOID context, PVOID arg1, PVOID arg2)
{
    UNREFERENCED_PARAMETER(dpc);
    UNREFERENCED_PARAMETER(arg1);
    UNREFERENCED_PARAMETER(arg2);
    struct pcie_hp_slot *s = context;
    InterlockedOr(&s->thread_events, PCIE_HP_EV_BUTTON_TIMEOUT);
    KeSetEvent(&s->wake, IO_NO_INCREMENT, FALSE);
}

static const char *label(struct pcie_hp_slot *s) { return s->slot.port->label; }
static unsigned number(struct pcie_hp_slot *s) { return (unsigned)PCIE_SLTCAP_PSN(s->slot.caps); }

static void start_abort_window(struct pcie_hp_slot *s, enum pcie_hp_state blinking)
{
    s->state = blinking;
    pcie_hp_set_indicators(s, PCIE_IND_BLINK, PCIE_IND_OFF);
    LARGE_INTEGER due;
    due.QuadPart = -(LONGLONG)pcie_hp_abort_window_ms() * 10000;
    KeSetTimer(&s->button_timer, due, &s->button_dpc);
    log_info("pciehp: slot %u (%s): button: %s in %lu ms unless pressed again", number(s), label(s),
             blinking == PCIE_HP_BLINKING_ON ? "power on" : "remove", (unsigned long)pcie_hp_abort_window_ms());
}

/* ---- enable: power, link, enumerate, hand to the PnP manager ------------------------------------ */

static void enable_slot(struct pcie_hp_slot *s)
{
    KeCancelTimer(&s->button_timer);
    pcie_hp_set_indicators(s, PCIE_IND_BLINK, PCIE_IND_OFF);
    if (!pcie_hp_power_on(s)) {
        pcie_hp_power_off(s);
        pcie_hp_set_indicators(s, PCIE_IND_OFF, PCIE_IND_ON); /* §6.7.1.1: an operational problem */
        s->state = PCIE_HP_OFF;
        return;
    }
    struct pci_device *found[PCIE_HP_MAX_FUNCTIONS];
    unsigned n = pci_scan_slot(s->slot.port, &s->windows, found);
    if (n == 0) {
        log_warn("pciehp: slot %u (%s): powered, link up, but nothing answers on bus %u", number(s), label(s),
                 s->slot.port->secondary_bus);
        pcie_hp_power_off(s);
        pcie_hp_set_indicators(s, PCIE_IND_OFF, PCIE_IND_ON);
        s->state = PCIE_HP_OFF;
        return;
    }
    s->function_count = n;
    for (unsigned i = 0; i < n; i++) {
        s->functions[i] = found[i];
        PDEVICE_OBJECT pdo = io_pnp_add_pci_function(found[i]);
        if (pdo)
            s->counts.added++;
        log_info("pciehp: slot %u (%s): %s %04x:%04x %s", number(s), label(s), found[i]->label, found[i]->vendor_id,
                 found[i]->device_id, pdo ? "added" : "found, but no PDO (table full?)");
    }
    pcie_hp_set_indicators(s, PCIE_IND_ON, PCIE_IND_OFF);
    s->state = PCIE_HP_ON;
}

/* ---- disable: remove (or surprise-remove), then power off ---------------------------------------- */

static bool remove_functions(struct pcie_hp_slot *s, bool surprise)
{
    for (unsigned i = s->function_count; i-- > 0;) {
        struct pci_device *dev = s->functions[i];
        PDEVICE_OBJECT pdo = io_pdo_for_pci(dev);
        if (pdo) {
            NTSTATUS status = surprise ? io_pnp_surprise_remove_device(pdo) : io_pnp_remove_device(pdo);
            if (!surprise && !NT_SUCCESS(status)) {
                log_warn("pciehp: slot %u (%s): %s refused removal (0x%08x); the slot stays on", number(s), label(s),
                         dev->label, (unsigned)status);
                s->counts.vetoed++;
                s->function_count = i + 1; /* the ones above were removed */
                return false;
            }
            if (surprise)
                s->counts.surprise_removed++;
            else
                s->counts.removed++;
        }
        log_info("pciehp: slot %u (%s): %s %s", number(s), label(s), dev->label,
                 surprise ? "surprise-removed" : "removed");
        pci_mark_removed(dev);
    }
    s->function_count = 0;
    return true;
}

static void disable_slot(struct pcie_hp_slot *s, bool surprise)
{
    KeCancelTimer(&s->button_timer);
    if (!remove_functions(s, surprise)) {
        pcie_hp_set_indicators(s, PCIE_IND_ON, PCIE_IND_OFF);
        s->state = PCIE_HP_ON;
        return;
    }
    pcie_hp_power_off(s); /* power and power indicator off in one command: QEMU detaches now */
    s->state = PCIE_HP_OFF;
    log_info("pciehp: slot %u (%s): power off", number(s), label(s));
}

/* ---- events ---------------------------------------------------------------------------------- */

static void button_pressed(struct pcie_hp_slot *s)
{
    switch (s->state) {
    case PCIE_HP_OFF:
        if (pcie_slot_present(&s->slot))
            start_abort_window(s, PCIE_HP_BLINKING_ON);
        break;
    case PCIE_HP_ON: start_abort_window(s, PCIE_HP_BLINKING_OFF); break;
    case PCIE_HP_BLINKING_ON:
    case PCIE_HP_BLINKING_OFF:
        /* §6.7.1.5: the second press inside the window cancels. */
        KeCancelTimer(&s->button_timer);
        s->counts.aborted++;
        s->state = s->state == PCIE_HP_BLINKING_ON ? PCIE_HP_OFF : PCIE_HP_ON;
        pcie_hp_set_indicators(s, s->state == PCIE_HP_ON ? PCIE_IND_ON : PCIE_IND_OFF, PCIE_IND_OFF);
        log_info("pciehp: slot %u (%s): button pressed again: cancelled, slot stays %s", number(s), label(s),
                 pcie_hp_state_name(s->state));
        break;
    }
}

static void button_timeout(struct pcie_hp_slot *s)
{
    if (s->state == PCIE_HP_BLINKING_ON)
        enable_slot(s);
    else if (s->state == PCIE_HP_BLINKING_OFF)
        disable_slot(s, false);
    /* else: cancelled meanwhile */
}

static bool card_answers(struct pcie_hp_slot *s)
{
    struct pci_address a = {s->slot.port->secondary_bus, 0, 0};
    return pci_config_read16(a, PCI_VENDOR_ID) != 0xFFFF;
}

static void presence_or_link_changed(struct pcie_hp_slot *s)
{
    bool present = pcie_slot_present(&s->slot) || (s->slot.link_reporting && pcie_slot_link_active(&s->slot));
    switch (s->state) {
    case PCIE_HP_ON:
    case PCIE_HP_BLINKING_OFF:
        if (present && card_answers(s))
            return; /* a bounce: the card is still there and talking */
        log_info("pciehp: slot %u (%s): card gone without the button: surprise removal", number(s), label(s));
        disable_slot(s, true);
        break;
    case PCIE_HP_OFF:
    case PCIE_HP_BLINKING_ON:
        if (present) {
            log_info("pciehp: slot %u (%s): card present", number(s), label(s));
            enable_slot(s);
        } else if (s->state == PCIE_HP_BLINKING_ON) {
            KeCancelTimer(&s->button_timer);
            pcie_hp_set_indicators(s, PCIE_IND_OFF, PCIE_IND_OFF);
            s->state = PCIE_HP_OFF;
        }
        break;
    }
}

static void handle(struct pcie_hp_slot *s, LONG events)
{
    if (events & PCIE_SLTSTA_ABP)
        s->counts.button++;
    if (events & PCIE_SLTSTA_PDC)
        s->counts.presence++;
    if (events & PCIE_SLTSTA_DLLSC)
        s->counts.link++;
    if (events & PCIE_SLTSTA_PFD) {
        s->counts.power_fault++;
        log_warn("pciehp: slot %u (%s): power fault", number(s), label(s));
    }
    /* Linux's order (its pciehp driver, pciehp_ctrl.c): the button first, then presence. */
    if (events & PCIE_SLTSTA_ABP)
        button_pressed(s);
    if (events & (PCIE_SLTSTA_PDC | PCIE_SLTSTA_DLLSC))
        presence_or_link_changed(s);
    if (events & PCIE_HP_EV_BUTTON_TIMEOUT)
        button_timeout(s);
}

/* What the slot holds at start: a card plugged in before boot was enumerated by pci_init and
 * got its PDO from io_pnp_init; an empty slot is powered off, as §6.7.1.8 allows. */
static void take_over(struct pcie_hp_slot *s)
{
    int port = -1;
    for (unsigned i = 0; i < pci_device_count(); i++)
        if (pci_device_at(i) == s->slot.port)
            port = (int)i;
    s->function_count = 0;
    for (unsigned i = 0; i < pci_device_count() && s->function_count < PCIE_HP_MAX_FUNCTIONS; i++) {
        struct pci_device *d = pci_device_at(i);
        if (d->parent == port && !d->removed)
            s->functions[s->function_count++] = d;
    }
    if (s->function_count) {
        s->state = PCIE_HP_ON;
        pcie_hp_set_indicators(s, PCIE_IND_ON, PCIE_IND_OFF);
    } else if (pcie_slot_present(&s->slot)) {
        s->state = PCIE_HP_OFF;
        enable_slot(s); /* present but not enumerated: the firmware left it off */
    } else {
        s->state = PCIE_HP_OFF;
        pcie_hp_power_off(s);
        pcie_hp_set_indicators(s, PCIE_IND_OFF, PCIE_IND_OFF);
    }
}

VOID pcie_hp_thread(PVOID context)
{
    struct pcie_hp_slot *s = context;
    uint16_t enable = PCIE_SLTCTL_ABPE | PCIE_SLTCTL_PDCE | PCIE_SLTCTL_CCIE | PCIE_SLTCTL_HPIE;
    if (s->slot.caps & PCIE_SLTCAP_PCP)
        enable |= PCIE_SLTCTL_PFDE;
    if (s->slot.link_reporting)
        enable |= PCIE_SLTCTL_DLLSCE;
    /* This command's own Command Completed already arrives as an interrupt (CCIE and HPIE are in
     * it), so the wait is on the event from the start. */
    s->command_irq = !(s->slot.caps & PCIE_SLTCAP_NCCS);
    pcie_hp_command(s, enable, enable);
    uint16_t control = pcie_slot_control(&s->slot);
    if ((control & enable) != enable)
        log_info("pciehp: %s: Slot Control 0x%04x: events 0x%04x cannot be enabled (not emulated)", label(s), control,
                 (unsigned)(enable & ~control));
    take_over(s);
    log_info("pciehp: slot %u (%s): %s, %s", number(s), label(s), pcie_slot_present(&s->slot) ? "occupied" : "empty",
             pcie_hp_state_name(s->state));
    while (!s->exiting) {
        KeWaitForSingleObject(&s->wake, Executive, KernelMode, FALSE, NULL);
        if (s->exiting)
            break;
        LONG events = InterlockedExchange(&s->thread_events, 0);
        if (events)
            handle(s, events);
    }
    PsTerminateSystemThread(STATUS_SUCCESS);
}
