/* kernel/bus/pci/pcie_hotplug.h - PCI Express native hot-plug: the controller in a root port
 * that turns slot events into PnP devices appearing and disappearing.
 *
 * References: PCI Express Base Specification 3.0 §6.7 "PCI Express Hot-Plug Support"
 * (§6.7.1 elements: indicators, attention button, power controller; §6.7.3 events and their
 * interrupt; §6.7.3.2 Command Completed), §6.6.1 (100 ms after the link is up before the first
 * configuration request); learn.microsoft.com "Adding a PnP Device to a Running System",
 * "Handling an IRP_MN_SURPRISE_REMOVAL Request"; QEMU 7.2 hw/pci/pcie.c (slot emulation:
 * device_add presses nothing but reports Presence Detect Changed + Attention Button Pressed,
 * device_del presses the Attention Button and waits until software powers the slot off) and
 * hw/pci-bridge/pcie_root_port.c (the port's MSI).
 *
 * Who does what. The root port is a PCI function like any other, with its own PDO; this
 * controller is its function driver (as Windows' pci.sys is the FDO of a root port), named
 * "pcieport" in the driver table. Its start connects the port's interrupt with
 * IoConnectInterruptEx (MSI, or the line), then:
 *
 *   ISR (DIRQL)      read Slot Status, clear exactly the events read (RW1C), accumulate them,
 *                    queue the DPC                                     (pcie_hotplug_driver.c)
 *   DPC (DISPATCH)   Command Completed wakes a waiting command; the other events wake the slot
 *                    thread                                            (pcie_hotplug_driver.c)
 *   thread (PASSIVE) the slot's state machine: power, indicators, link, enumeration, and the PnP
 *                    manager's add / remove / surprise removal, all of which may block
 *                                                                      (pcie_hotplug_events.c)
 */
#ifndef IRQLAB_PCI_PCIE_HOTPLUG_H
#define IRQLAB_PCI_PCIE_HOTPLUG_H

#include "include/wdm.h"
#include "kernel/bus/pci/pci_hotplug_scan.h"
#include "kernel/bus/pci/pcie_slot.h"

#define PCIE_HP_MAX_SLOTS 8
#define PCIE_HP_MAX_FUNCTIONS 8

/* Slot states, as PCI Express Base 3.0 §6.7.1.5 and §6.7.1.1-2 describe them with the indicators:
 * power indicator off = slot off (safe to pull), blinking = "in transition, do not pull",
 * on = powered and in use. */
enum pcie_hp_state {
    PCIE_HP_OFF,          /* power off (or no power controller) and nothing enumerated */
    PCIE_HP_BLINKING_ON,  /* the button asked for power-on; 5 s to change one's mind */
    PCIE_HP_ON,           /* powered, device enumerated and handed to the PnP manager */
    PCIE_HP_BLINKING_OFF, /* the button asked for removal; 5 s to change one's mind */
};

struct pcie_hp_counts {
    ULONG interrupts;                                   /* ISR calls that found an event */
    ULONG button, presence, command, link, power_fault; /* events seen, by kind */
    ULONG power_on, power_off;
    ULONG added, removed, surprise_removed; /* functions handed to / taken from the PnP manager */
    ULONG aborted;                          /* second button press inside the abort window */
    ULONG vetoed;                           /* a driver refused QUERY_REMOVE: the slot stays on */
    ULONG command_timeouts;                 /* no Command Completed within 1 s (§6.7.3.2) */
};

struct pcie_hp_slot {
    struct pcie_slot slot;
    PDEVICE_OBJECT fdo; /* ours, attached over ... */
    PDEVICE_OBJECT pdo; /* ... the port's PDO */
    enum pcie_hp_state state;
    struct pci_bridge_windows windows;

    /* The interrupt (pcie_hotplug_driver.c). */
    ULONG connect_version;
    PVOID connection;
    PKINTERRUPT interrupt;
    volatile LONG isr_events;    /* written by the ISR, taken by the DPC under the interrupt lock */
    volatile LONG thread_events; /* what the thread has to handle (DPC and button timer add to it) */
    KEVENT wake;                 /* synchronization event: the thread has work */
    KEVENT command_done;         /* synchronization event: Command Completed arrived */
    BOOLEAN command_irq;         /* CCIE is on and the interrupt connected: wait for the event */

    /* The slot thread (pcie_hotplug_events.c). */
    PKTHREAD thread;
    volatile BOOLEAN exiting;
    KTIMER button_timer; /* the 5-second abort window */
    KDPC button_dpc;

    /* What the slot holds, while ON. */
    struct pci_device *functions[PCIE_HP_MAX_FUNCTIONS];
    PDEVICE_OBJECT pdos[PCIE_HP_MAX_FUNCTIONS];
    unsigned function_count;

    struct pcie_hp_counts counts;
};

/* Events the thread handles besides the Slot Status bits (bits above 15). */
#define PCIE_HP_EV_BUTTON_TIMEOUT 0x10000

/* pcie_hotplug_command.c: one Slot Control command (a write of the bits in `mask`), then wait
 * for Command Completed (up to 1 s, §6.7.3.2) unless the port has No Command Completed Support. */
void pcie_hp_command(struct pcie_hp_slot *s, uint16_t mask, uint16_t value);
void pcie_hp_set_indicators(struct pcie_hp_slot *s, enum pcie_indicator power, enum pcie_indicator attention);
/* Power on and wait for the link (§6.7.1.8, §6.6.1); false when the link never came up. */
bool pcie_hp_power_on(struct pcie_hp_slot *s);
void pcie_hp_power_off(struct pcie_hp_slot *s);

/* pcie_hotplug_events.c */
VOID pcie_hp_thread(PVOID context);
VOID pcie_hp_button_timer_dpc(PKDPC dpc, PVOID context, PVOID arg1, PVOID arg2);
/* The abort window in milliseconds: 5000 as the spec says, or pciehp_abort_ms= (docs/hotplug.md). */
ULONG pcie_hp_abort_window_ms(void);

/* pcie_hotplug_driver.c: the slots with a started controller, for the shell and tests. */
unsigned pcie_hp_slot_count(void);
struct pcie_hp_slot *pcie_hp_slot_at(unsigned index);
const char *pcie_hp_state_name(enum pcie_hp_state state);
/* The shell's `slots`. */
void pcie_hp_print(void);

#endif
