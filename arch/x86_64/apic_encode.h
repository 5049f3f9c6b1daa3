/* arch/x86_64/apic_encode.h - bit layouts of the APIC registers, as pure functions.
 *
 * Intel SDM Vol. 3A chapter 11 ("Advanced Programmable Interrupt Controller"):
 *   section 11.4  local APIC register map (xAPIC offsets), Table 11-1
 *   section 11.5.1 local vector table (LVT) entries, Figure 11-8
 *   section 11.5.4 timer divide configuration register, Figure 11-10
 *   section 11.6.1 interrupt command register (ICR), Figure 11-12
 *   section 11.12.9 the x2APIC ICR (one 64-bit MSR, 32-bit destination)
 * Intel 82093AA I/O APIC data sheet, section 3.2.4: the I/O redirection table entry (RTE).
 *
 * Everything here only shuffles bits: no register is touched, no inline assembly is used, so
 * the same file is built into the kernel and into the host unit test
 * tests/unit/test_apic_encode.c. lapic.c and ioapic.c do the actual register accesses.
 */
#ifndef IRQLAB_ARCH_APIC_ENCODE_H
#define IRQLAB_ARCH_APIC_ENCODE_H

#include <stdbool.h>
#include <stdint.h>

/* ---- Local APIC register offsets (SDM Table 11-1) ----------------------------------------
 * These are byte offsets from the xAPIC MMIO base (normally 0xFEE00000). In x2APIC mode the
 * same register is the MSR 0x800 + offset / 16 (SDM Table 11-6), see LAPIC_X2APIC_MSR(). */
#define LAPIC_REG_ID 0x020u      /* xAPIC: id in bits 31:24. x2APIC: the full 32 bits */
#define LAPIC_REG_VERSION 0x030u /* bits 7:0 version, 23:16 max LVT index, 24 EOI-suppress */
#define LAPIC_REG_TPR 0x080u     /* task priority; CR8 is an alias of TPR[7:4] */
#define LAPIC_REG_APR 0x090u     /* arbitration priority (xAPIC only) */
#define LAPIC_REG_PPR 0x0A0u     /* processor priority = max(TPR, class of highest ISR) */
#define LAPIC_REG_EOI 0x0B0u
#define LAPIC_REG_LDR 0x0D0u  /* logical destination */
#define LAPIC_REG_DFR 0x0E0u  /* destination format (xAPIC only) */
#define LAPIC_REG_SVR 0x0F0u  /* spurious-interrupt vector register */
#define LAPIC_REG_ISR0 0x100u /* in-service: 8 registers of 32 bits, 16 bytes apart */
#define LAPIC_REG_TMR0 0x180u /* trigger mode: 1 = the vector arrived level-triggered */
#define LAPIC_REG_IRR0 0x200u /* interrupt request: accepted, not yet dispatched */
#define LAPIC_REG_ESR 0x280u  /* error status */
#define LAPIC_REG_LVT_CMCI 0x2F0u
#define LAPIC_REG_ICR_LOW 0x300u  /* x2APIC: the whole 64-bit ICR is MSR 0x830 */
#define LAPIC_REG_ICR_HIGH 0x310u /* xAPIC only: destination in bits 31:24 */
#define LAPIC_REG_LVT_TIMER 0x320u
#define LAPIC_REG_LVT_THERMAL 0x330u
#define LAPIC_REG_LVT_PERF 0x340u
#define LAPIC_REG_LVT_LINT0 0x350u
#define LAPIC_REG_LVT_LINT1 0x360u
#define LAPIC_REG_LVT_ERROR 0x370u
#define LAPIC_REG_TIMER_INITIAL 0x380u
#define LAPIC_REG_TIMER_CURRENT 0x390u
#define LAPIC_REG_TIMER_DIVIDE 0x3E0u
#define LAPIC_REG_SELF_IPI 0x3F0u /* x2APIC only (MSR 0x83F) */

#define LAPIC_X2APIC_MSR(reg) (0x800u + ((uint32_t)(reg) >> 4))

/* The IRR/ISR/TMR bit of `vector`: register base + 16 * (vector / 32), bit vector % 32. */
static inline uint32_t lapic_vector_reg(uint32_t base, uint8_t vector) { return base + 0x10u * (vector >> 5); }
static inline uint32_t lapic_vector_bit(uint8_t vector) { return 1u << (vector & 31u); }

/* ---- Fields shared by LVT entries, the ICR and IOAPIC RTEs -------------------------------- */
enum apic_delivery_mode {
    APIC_DELIVERY_FIXED = 0,
    APIC_DELIVERY_LOWEST = 1, /* lowest priority (ICR / RTE / MSI only) */
    APIC_DELIVERY_SMI = 2,
    APIC_DELIVERY_NMI = 4,
    APIC_DELIVERY_INIT = 5,
    APIC_DELIVERY_STARTUP = 6, /* ICR only: SIPI */
    APIC_DELIVERY_EXTINT = 7,  /* "ask the 8259 for the vector" (LINT0, RTE) */
};

const char *apic_delivery_mode_name(unsigned mode);

#define APIC_VECTOR_MASK 0xFFu
#define APIC_DELIVERY_SHIFT 8
#define APIC_DEST_LOGICAL (1u << 11)     /* ICR, RTE */
#define APIC_DELIVERY_PENDING (1u << 12) /* ICR, LVT, RTE: read-only "send pending" */
#define APIC_ACTIVE_LOW (1u << 13)       /* LVT LINT0/1, RTE */
#define APIC_REMOTE_IRR (1u << 14)       /* LVT LINT0/1, RTE: read-only */
#define APIC_ICR_LEVEL_ASSERT (1u << 14) /* ICR: same bit, other meaning */
#define APIC_LEVEL_TRIGGERED (1u << 15)  /* LVT LINT0/1, ICR, RTE */
#define APIC_MASKED (1u << 16)           /* LVT, RTE */

/* ---- Local vector table entries (SDM section 11.5.1) ------------------------------------- */
#define LAPIC_LVT_TIMER_ONESHOT (0u << 17)
#define LAPIC_LVT_TIMER_PERIODIC (1u << 17)
#define LAPIC_LVT_TIMER_TSC_DEADLINE (2u << 17)
#define LAPIC_LVT_TIMER_MODE_MASK (3u << 17)

struct lapic_lvt {
    uint8_t vector;
    uint8_t delivery_mode; /* enum apic_delivery_mode */
    bool pending;
    bool active_low;
    bool remote_irr;
    bool level_triggered;
    bool masked;
    uint8_t timer_mode; /* 0 one-shot, 1 periodic, 2 TSC-deadline (timer LVT only) */
};

struct lapic_lvt lapic_lvt_decode(uint32_t value);

/* SVR (SDM section 11.9): bit 8 = APIC software enable, bits 7:0 = spurious vector. */
#define LAPIC_SVR_ENABLE (1u << 8)
#define LAPIC_SVR_FOCUS_DISABLE (1u << 9)
#define LAPIC_SVR_EOI_BROADCAST_SUPPRESS (1u << 12)

/* ---- Timer divide configuration (SDM section 11.5.4, Figure 11-10) ------------------------
 * The divisor is coded in bits 0, 1 and 3 (bit 2 is reserved):
 *   bits 3,1,0 = 000 -> /2, 001 -> /4, 010 -> /8, 011 -> /16, 100 -> /32, 101 -> /64,
 *                110 -> /128, 111 -> /1.
 * Returns the DCR value, or LAPIC_TIMER_DIVIDE_INVALID for a divisor that is not 1,2,4,...,128. */
#define LAPIC_TIMER_DIVIDE_INVALID 0xFFFFFFFFu
uint32_t lapic_timer_divide_encode(uint32_t divisor);
uint32_t lapic_timer_divide_decode(uint32_t dcr);

/* Initial count for a periodic timer of `hz` interrupts per second when the timer counts
 * `counts_per_second` (already divided). Rounded to nearest. 0 if impossible (hz = 0, a count
 * of 0, or more than 32 bits). */
uint32_t lapic_timer_initial_count(uint64_t counts_per_second, uint32_t hz);

/* Counts per second from a calibration sample: the timer went down by `elapsed_counts`
 * during `window_us` microseconds. 0 if window_us is 0. */
uint64_t lapic_timer_rate(uint64_t elapsed_counts, uint32_t window_us);

/* ---- The interrupt command register (SDM section 11.6.1) ---------------------------------
 * A 64-bit value in both modes:
 *   bits 7:0 vector, 10:8 delivery mode, 11 logical destination, 12 delivery status (xAPIC,
 *   read-only), 14 level (1 = assert), 15 trigger (1 = level), 19:18 destination shorthand,
 *   xAPIC: destination in bits 63:56 (= ICR high register bits 31:24);
 *   x2APIC: destination in bits 63:32 (the full 32-bit APIC id).
 */
enum apic_shorthand {
    APIC_SHORTHAND_NONE = 0, /* use the destination field */
    APIC_SHORTHAND_SELF = 1,
    APIC_SHORTHAND_ALL = 2, /* including self */
    APIC_SHORTHAND_ALL_BUT_SELF = 3,
};

enum apic_ipi_kind {
    APIC_IPI_FIXED,   /* an ordinary interrupt on `vector` */
    APIC_IPI_NMI,     /* vector ignored */
    APIC_IPI_INIT,    /* INIT, level assert: resets the target into wait-for-SIPI */
    APIC_IPI_STARTUP, /* SIPI: `vector` is the 4 KiB page (below 1 MiB) where the AP starts */
};

#define APIC_ICR_SHORTHAND_SHIFT 18
#define APIC_ICR_INVALID 0u /* never a value we send: fixed vector 0 to APIC id 0 is illegal */

/* Build an ICR value, or APIC_ICR_INVALID if the request cannot be expressed: a fixed vector
 * below 16, or (xAPIC) a destination above 0xFF. `dest` is ignored with a shorthand. */
uint64_t apic_icr_encode(enum apic_ipi_kind kind, uint8_t vector, uint32_t dest, enum apic_shorthand shorthand,
                         bool x2apic);

struct apic_icr {
    uint8_t vector;
    uint8_t delivery_mode;
    bool logical;
    bool pending;
    bool level_assert;
    bool level_triggered;
    uint8_t shorthand;
    uint32_t dest;
};

struct apic_icr apic_icr_decode(uint64_t value, bool x2apic);

/* ---- IOAPIC redirection table entry (82093AA data sheet section 3.2.4) -------------------
 *   bits 7:0 vector, 10:8 delivery mode, 11 destination mode (0 physical), 12 delivery status
 *   (RO), 13 polarity (1 = active low), 14 remote IRR (RO), 15 trigger (1 = level), 16 mask,
 *   63:56 destination (physical mode: an APIC id 0..255). Bits 55:17 are reserved: keep 0. */
struct ioapic_rte {
    uint8_t vector;
    uint8_t delivery_mode; /* enum apic_delivery_mode */
    bool dest_logical;
    bool delivery_pending; /* read-only */
    bool active_low;
    bool remote_irr; /* read-only: a level interrupt was delivered and is not yet EOI'd */
    bool level_triggered;
    bool masked;
    uint8_t dest;
};

#define IOAPIC_RTE_DEST_SHIFT 56

/* Encode ignores the read-only fields (delivery_pending, remote_irr). */
uint64_t ioapic_rte_encode(const struct ioapic_rte *rte);
struct ioapic_rte ioapic_rte_decode(uint64_t value);

#endif
