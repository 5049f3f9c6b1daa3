/* arch/x86_64/lapic.h - the local APIC: every CPU's own interrupt controller and timer.
 *
 * Intel SDM Vol. 3A chapter 11: section 11.4 (xAPIC: enabling, the MMIO register page),
 * 11.5 (local vector table; 11.5.4 the APIC timer), 11.6 (issuing IPIs: the ICR), 11.8.5
 * (EOI), 11.9 (spurious interrupts), 11.12 (x2APIC: the same registers as MSRs 0x800+).
 *
 * What it is, in one paragraph: each CPU has a local APIC. It receives interrupt messages (from
 * IOAPICs, from MSI-capable devices, from other CPUs' APICs), keeps the accepted ones in its
 * IRR (requested) and ISR (in service) bitmaps, and hands the CPU the highest-priority vector
 * whose priority class (vector >> 4) is above the task-priority class (CR8 = the IRQL). It also
 * has a few interrupt sources of its own (its timer, the LINT0/LINT1 pins, errors), each
 * described by a local vector table (LVT) entry, and it sends IPIs through its ICR.
 *
 * This module is mechanism only: it programs what the caller asks for. Which vector, IRQL and
 * CPU to use is decided by the interrupt core (kernel/ke/vectors.h).
 *
 * Two register interfaces, one API: xAPIC (a 4 KiB MMIO page, normally at 0xFEE00000) and
 * x2APIC (MSRs 0x800-0x8FF; 32-bit APIC ids, a 64-bit ICR). x2APIC is used when CPUID offers it
 * and the command line does not say `x2apic=off`. QEMU 7.2 TCG offers no x2APIC; KVM does.
 * lapic_read()/lapic_write() take the xAPIC register offset in both modes.
 */
#ifndef IRQLAB_ARCH_LAPIC_H
#define IRQLAB_ARCH_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/apic_encode.h"

/* The vectors the local APIC itself needs before any driver runs (kernel/ke/vectors.h agrees):
 * the spurious vector goes into the SVR, the error vector into the error LVT. Both are in
 * priority class 15, so only HIGH_LEVEL masks them. */
#define LAPIC_SPURIOUS_VECTOR 0xFFu
#define LAPIC_ERROR_VECTOR 0xFEu

/* The timer counts the bus/core-crystal clock divided by this. /16 is the classic choice:
 * fine enough (16 ns per count on QEMU's 1 GHz APIC clock) and slow enough that the 32-bit
 * counter lasts over a minute, so one-shot calibration windows never run out. */
#define LAPIC_TIMER_DIVISOR 16u

enum lapic_mode { LAPIC_MODE_NONE = 0, LAPIC_MODE_XAPIC, LAPIC_MODE_X2APIC };

/* ---- bring-up ------------------------------------------------------------------------------ */

/* On the BSP, interrupts off: choose xAPIC or x2APIC, map the registers (xAPIC), enable the
 * APIC (SVR: spurious vector 0xFF), error LVT -> 0xFE, LINT0 masked, LINT1 = NMI (from the
 * MADT's LAPIC NMI entries when present), timer masked, errors cleared; calibrate the timer
 * against the PIT. `madt_lapic_address` is the MADT's LAPIC address (0 = use IA32_APIC_BASE).
 * Leaves TPR alone: the IRQL code owns CR8. Logs one line. */
void lapic_init_bsp(uint64_t madt_lapic_address);
/* The same on an AP (after lapic_init_bsp ran on the BSP), in the mode the BSP chose. */
void lapic_init_ap(void);

enum lapic_mode lapic_mode(void);
const char *lapic_mode_name(enum lapic_mode mode);

/* Raw access by xAPIC offset (LAPIC_REG_*), in either mode. Registers that x2APIC does not have
 * (DFR, ICR high, APR) must not be used in x2APIC mode: the MSR access would fault. */
uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t value);

/* This CPU's APIC id. x2APIC: the full 32-bit id; xAPIC: bits 31:24 of the ID register.
 * Before lapic_init_* it falls back to CPUID's initial APIC id. */
uint32_t lapic_id(void);
uint8_t lapic_version(void);    /* 0x1X = integrated APIC (QEMU 0x14) */
unsigned lapic_lvt_count(void); /* max LVT index + 1 (QEMU 6) */

/* End of interrupt (SDM 11.8.5): retire the highest in-service vector. For a vector that came
 * level-triggered (its TMR bit is set) the APIC also broadcasts the EOI to the IOAPICs, which
 * clears the matching redirection entry's Remote IRR. Never for the spurious vector. */
void lapic_eoi(void);

/* ---- IPIs (SDM 11.6) -----------------------------------------------------------------------
 * All return false if the request cannot be expressed (fixed vector < 16, xAPIC id > 255) or
 * if an xAPIC reports the previous IPI still pending after a bounded wait. */
bool lapic_send_ipi(uint32_t apic_id, uint8_t vector);
bool lapic_send_ipi_self(uint8_t vector);
bool lapic_send_ipi_all_but_self(uint8_t vector);
bool lapic_send_nmi(uint32_t apic_id);
/* INIT (assert) resets the target into wait-for-SIPI. The caller waits ~10 ms, then sends
 * SIPIs (usually two, 200 us apart). `page` is the physical 4 KiB page (below 1 MiB) where the
 * AP starts in real mode: CS = page << 8, IP = 0. */
bool lapic_send_init(uint32_t apic_id);
bool lapic_send_sipi(uint32_t apic_id, uint8_t page);

/* Is `vector` requested (IRR) / in service (ISR) on this CPU? For tests and spurious checks. */
bool lapic_irr_pending(uint8_t vector);
bool lapic_isr_active(uint8_t vector);

/* Latch and read the error status register (SDM 11.5.3): bits 2 send accept error, 3 receive
 * accept error, 5 send illegal vector, 6 receive illegal vector, 7 illegal register address. */
uint32_t lapic_esr_read(void);

/* ---- the APIC timer (SDM 11.5.4) --------------------------------------------------------- */

/* Measure the timer rate at LAPIC_TIMER_DIVISOR against the PIT (median of three 10 ms
 * windows); stores and returns it in counts per second. Leaves the timer stopped and masked. */
uint64_t lapic_timer_calibrate(void);
/* This CPU's timer: periodic, `hz` interrupts per second on `vector`. False if not calibrated or
 * hz is impossible at LAPIC_TIMER_DIVISOR. */
bool lapic_timer_start_periodic(uint8_t vector, uint32_t hz);
/* Stop and mask this CPU's timer. */
void lapic_timer_stop(void);
/* Counts per second at LAPIC_TIMER_DIVISOR (QEMU: 1 GHz / 16 = 62500000); 0 before calibration. */
uint64_t lapic_timer_frequency(void);

/* For the LAPIC NMI entries of the MADT: program LINT0/LINT1 (`lint` 0 or 1) as NMI. */
void lapic_set_lint_nmi(unsigned lint, bool active_low);

/* Everything about this CPU's local APIC, at most 80 columns a line (for the shell). */
void lapic_print(void);

#endif
