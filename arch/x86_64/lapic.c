/* arch/x86_64/lapic.c - local APIC driver: xAPIC (MMIO) and x2APIC (MSR) behind one interface.
 *
 * Intel SDM Vol. 3A chapter 11:
 *   11.4   the xAPIC: IA32_APIC_BASE (11.4.4), software enable through the SVR (11.4.7)
 *   11.5   the local vector table (11.5.1), error handling (11.5.3), the APIC timer (11.5.4)
 *   11.6   issuing interprocessor interrupts: the ICR (11.6.1)
 *   11.8.5 signalling interrupt servicing completion (EOI)
 *   11.9   spurious interrupts
 *   11.12  the x2APIC: enabling it (11.12.1), MSR addresses (11.12.1.2), MSR access ordering
 *          (11.12.3), mode transitions (11.12.5), the 64-bit ICR without INIT de-assert (11.12.9)
 * QEMU specifics (QEMU 7.2 hw/intc/apic.c, apic_common.c): 1 MiB MMIO window at 0xFEE00000,
 * registers narrower than 32 bits read as 0, the ICR delivery-status bit is never set, ESR
 * writes are ignored, the timer counts at 1 GHz / divisor on the virtual clock.
 *
 * Every register access goes through lapic_read()/lapic_write() (and lapic_write_icr() for the
 * two-part ICR). Each is a plain `if` on the mode, so `step` in GDB shows which interface runs.
 */
#include "arch/x86_64/lapic.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/madt.h"
#include "arch/x86_64/pit.h"
#include "arch/x86_64/tsc_rate.h"
#include "include/wdm.h"
#include "kernel/boot/cmdline.h"
#include "kernel/console/console.h"
#include "kernel/console/log.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/ke/time.h"
#include "kernel/lib/format.h"
#include "kernel/mm/paging.h"

CMDLINE_OPTION(x2apic, "on|off", "use the x2APIC (MSR) interface when the CPU has one (default on)");

/* IA32_APIC_BASE (MSR 0x1B), SDM Figure 11-5. */
#define APIC_BASE_BSP (1ull << 8)   /* read-only: this is the bootstrap processor */
#define APIC_BASE_EXTD (1ull << 10) /* x2APIC mode */
#define APIC_BASE_EN (1ull << 11)   /* APIC globally enabled */
#define APIC_BASE_ADDRESS_MASK 0x000FFFFFFFFFF000ull

#define CPUID1_EDX_APIC (1u << 9)
#define CPUID1_ECX_X2APIC (1u << 21)

#define LAPIC_MMIO_SIZE 0x1000u
#define MSR_X2APIC_ICR 0x830u

/* How long we poll an xAPIC's delivery-status bit before giving up on an IPI. Real APICs clear
 * it within microseconds; QEMU never sets it. */
#define ICR_IDLE_SPINS 1000000u

/* PHASE0_INITIALIZATION_FAILED parameter 1 for "the local APIC failed": the IA32_APIC_BASE MSR
 * number. Parameter 2: 0 = the CPU has no APIC, 1 = its registers could not be mapped (P3 =
 * their physical address). */
#define LAPIC_BUGCHECK_P1 MSR_APIC_BASE

static enum lapic_mode mode = LAPIC_MODE_NONE;
static uint64_t mmio_phys; /* xAPIC register page (physical) */
static uintptr_t mmio;     /* ... and where we access it (virtual) */
static uint64_t timer_hz;  /* counts per second at LAPIC_TIMER_DIVISOR */

/* Registers must be mapped uncached: every read has to reach the APIC, every write has to
 * happen now and in program order. paging_map_mmio (kernel/mm/paging.h) maps them so, at the
 * same virtual address. */
static uintptr_t map_registers(uint64_t phys) { return (uintptr_t)paging_map_mmio(phys, LAPIC_MMIO_SIZE); }

/* ---- register access ---------------------------------------------------------------------- */

uint32_t lapic_read(uint32_t reg)
{
    if (mode == LAPIC_MODE_X2APIC)
        return (uint32_t)rdmsr(LAPIC_X2APIC_MSR(reg));
    return *(volatile uint32_t *)(mmio + reg);
}

void lapic_write(uint32_t reg, uint32_t value)
{
    if (mode == LAPIC_MODE_X2APIC)
        wrmsr(LAPIC_X2APIC_MSR(reg), value);
    else
        *(volatile uint32_t *)(mmio + reg) = value;
}

/* Wait until the xAPIC has accepted the last IPI (ICR bit 12 "send pending" clears). */
static bool icr_wait_idle(void)
{
    for (uint32_t i = 0; i < ICR_IDLE_SPINS; i++) {
        if (!(lapic_read(LAPIC_REG_ICR_LOW) & APIC_DELIVERY_PENDING))
            return true;
        cpu_pause();
    }
    return false;
}

/* Send an IPI described by a 64-bit ICR value (apic_encode.h). */
static bool lapic_write_icr(uint64_t icr)
{
    if (icr == APIC_ICR_INVALID)
        return false;

    if (mode == LAPIC_MODE_X2APIC) {
        /* WRMSR to the x2APIC registers is not serializing (SDM 11.12.3), so the IPI could
         * overtake our earlier stores to memory, and the target would read stale data ("DPC
         * queued for you" before the DPC is in the queue). The fences order them. */
        __asm__ volatile("mfence; lfence" ::: "memory");
        wrmsr(MSR_X2APIC_ICR, icr);
        return true;
    }

    /* xAPIC: the ICR is two 32-bit registers and the write of the low half sends the IPI. If
     * an interrupt handler on this CPU sent an IPI between our two writes, it would replace
     * our destination, so interrupts stay off for the pair. (The ICR is per CPU: other CPUs
     * cannot interfere, so no lock is needed.) */
    uint64_t flags = cpu_save_and_disable_interrupts();
    lapic_write(LAPIC_REG_ICR_HIGH, (uint32_t)(icr >> 32));
    lapic_write(LAPIC_REG_ICR_LOW, (uint32_t)icr);
    bool idle = icr_wait_idle();
    cpu_restore_interrupts(flags);
    if (!idle)
        log_warn("lapic: IPI 0x%llx still pending after %u polls", (unsigned long long)icr, ICR_IDLE_SPINS);
    return idle;
}

/* ---- identity ----------------------------------------------------------------------------- */

enum lapic_mode lapic_mode(void) { return mode; }

const char *lapic_mode_name(enum lapic_mode m)
{
    switch (m) {
    case LAPIC_MODE_XAPIC: return "xAPIC";
    case LAPIC_MODE_X2APIC: return "x2APIC";
    default: return "off";
    }
}

static uint32_t cpuid_initial_apic_id(void)
{
    uint32_t a, b, c, d;
    cpuid(0, 0, &a, &b, &c, &d);
    if (a >= 0xB) {
        /* Leaf 0xB gives the full 32-bit x2APIC id in EDX (if the leaf is implemented). */
        cpuid(0xB, 0, &a, &b, &c, &d);
        if (b != 0)
            return d;
    }
    cpuid(1, 0, &a, &b, &c, &d);
    return b >> 24;
}

uint32_t lapic_id(void)
{
    switch (mode) {
    case LAPIC_MODE_X2APIC: return lapic_read(LAPIC_REG_ID);
    case LAPIC_MODE_XAPIC: return lapic_read(LAPIC_REG_ID) >> 24;
    default: return cpuid_initial_apic_id();
    }
}

uint8_t lapic_version(void) { return (uint8_t)(lapic_read(LAPIC_REG_VERSION) & 0xFF); }

unsigned lapic_lvt_count(void) { return ((lapic_read(LAPIC_REG_VERSION) >> 16) & 0xFF) + 1; }

void lapic_eoi(void)
{
    /* Any write works on an xAPIC; x2APIC requires 0 (anything else raises #GP). */
    lapic_write(LAPIC_REG_EOI, 0);
}

/* ---- IPIs --------------------------------------------------------------------------------- */

static bool x2(void) { return mode == LAPIC_MODE_X2APIC; }

bool lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
    return lapic_write_icr(apic_icr_encode(APIC_IPI_FIXED, vector, apic_id, APIC_SHORTHAND_NONE, x2()));
}

bool lapic_send_ipi_self(uint8_t vector)
{
    return lapic_write_icr(apic_icr_encode(APIC_IPI_FIXED, vector, 0, APIC_SHORTHAND_SELF, x2()));
}

bool lapic_send_ipi_all_but_self(uint8_t vector)
{
    return lapic_write_icr(apic_icr_encode(APIC_IPI_FIXED, vector, 0, APIC_SHORTHAND_ALL_BUT_SELF, x2()));
}

bool lapic_send_nmi(uint32_t apic_id)
{
    return lapic_write_icr(apic_icr_encode(APIC_IPI_NMI, 0, apic_id, APIC_SHORTHAND_NONE, x2()));
}

bool lapic_send_init(uint32_t apic_id)
{
    return lapic_write_icr(apic_icr_encode(APIC_IPI_INIT, 0, apic_id, APIC_SHORTHAND_NONE, x2()));
}

bool lapic_send_sipi(uint32_t apic_id, uint8_t page)
{
    return lapic_write_icr(apic_icr_encode(APIC_IPI_STARTUP, page, apic_id, APIC_SHORTHAND_NONE, x2()));
}

bool lapic_irr_pending(uint8_t vector)
{
    return (lapic_read(lapic_vector_reg(LAPIC_REG_IRR0, vector)) & lapic_vector_bit(vector)) != 0;
}

bool lapic_isr_active(uint8_t vector)
{
    return (lapic_read(lapic_vector_reg(LAPIC_REG_ISR0, vector)) & lapic_vector_bit(vector)) != 0;
}

uint32_t lapic_esr_read(void)
{
    /* The ESR shows errors only after a write "latches" them (SDM 11.5.3); the write also
     * clears the errors for next time. x2APIC insists on writing 0. (QEMU ignores the write
     * and clears nothing, so errors stay visible there.) */
    lapic_write(LAPIC_REG_ESR, 0);
    return lapic_read(LAPIC_REG_ESR);
}

/* ---- local vector table ----------------------------------------------------------------- */

void lapic_set_lint_nmi(unsigned lint, bool active_low)
{
    /* NMI delivery is always edge-triggered (SDM 11.5.1: the trigger bit only matters for
     * fixed delivery), so only the polarity comes from the firmware. */
    uint32_t value = APIC_DELIVERY_NMI << APIC_DELIVERY_SHIFT;
    if (active_low)
        value |= APIC_ACTIVE_LOW;
    lapic_write(lint == 0 ? LAPIC_REG_LVT_LINT0 : LAPIC_REG_LVT_LINT1, value);
}

/* The ACPI processor UID of this CPU, which the MADT's LAPIC NMI entries are keyed on. */
static bool this_cpu_acpi_uid(const struct madt_info *madt, uint32_t *uid)
{
    const struct madt_lapic *entry = madt_find_lapic(madt, lapic_id());
    if (!entry)
        return false;
    *uid = entry->acpi_uid;
    return true;
}

static void setup_lint_pins(void)
{
    /* LINT0: the BIOS leaves it as ExtINT, unmasked, so that the 8259 could interrupt the BSP
     * "virtual wire" style. irqlab uses the IOAPIC instead; an unmasked ExtINT would let a
     * stray 8259 interrupt in with a vector the 8259 chooses. Masked, delivery mode kept. */
    lapic_write(LAPIC_REG_LVT_LINT0, APIC_MASKED | (APIC_DELIVERY_EXTINT << APIC_DELIVERY_SHIFT));

    /* LINT1: the chipset's NMI line on every PC. The MADT says so explicitly (type 4 entries);
     * if it has none that match this CPU, use the PC default: LINT1 = NMI, active high. */
    const struct madt_info *madt = madt_system();
    bool configured = false;
    uint32_t uid;
    if (madt->valid && this_cpu_acpi_uid(madt, &uid)) {
        for (unsigned i = 0; i < madt->lapic_nmi_count; i++) {
            const struct madt_lapic_nmi *nmi = &madt->lapic_nmis[i];
            if (!nmi->all_processors && nmi->acpi_uid != uid)
                continue;
            if (nmi->lint > 1) {
                log_warn("lapic: MADT LAPIC NMI entry names LINT%u; ignored", nmi->lint);
                continue;
            }
            lapic_set_lint_nmi(nmi->lint, nmi->flags.active_low);
            configured = configured || nmi->lint == 1;
        }
    }
    if (!configured)
        lapic_set_lint_nmi(1, false);
}

/* Everything lapic_init_bsp and lapic_init_ap do once the mode is set. */
static void setup_this_cpu(void)
{
    /* 1. Software-enable the APIC with spurious vector 0xFF (SDM 11.9). While it is
     *    software-disabled every LVT mask bit is stuck at 1, so this comes first. 0xFF also
     *    suits old APICs that hard-wire the low 4 bits of this vector to 1. Focus checking
     *    (bit 9) and EOI-broadcast suppression (bit 12) stay 0. */
    lapic_write(LAPIC_REG_SVR, LAPIC_SVR_ENABLE | LAPIC_SPURIOUS_VECTOR);

    /* 2. Every LVT to a known state. The timer stays masked until the clock starts it. */
    unsigned lvts = lapic_lvt_count();
    lapic_write(LAPIC_REG_LVT_TIMER, APIC_MASKED | LAPIC_SPURIOUS_VECTOR);
    if (lvts >= 5)
        lapic_write(LAPIC_REG_LVT_PERF, APIC_MASKED | LAPIC_SPURIOUS_VECTOR);
    if (lvts >= 6)
        lapic_write(LAPIC_REG_LVT_THERMAL, APIC_MASKED | LAPIC_SPURIOUS_VECTOR);
    if (lvts >= 7)
        lapic_write(LAPIC_REG_LVT_CMCI, APIC_MASKED | LAPIC_SPURIOUS_VECTOR);
    setup_lint_pins();
    lapic_write(LAPIC_REG_LVT_ERROR, LAPIC_ERROR_VECTOR);

    /* 3. Forget errors from before us: write, then read (SDM 11.5.3). */
    (void)lapic_esr_read();
    (void)lapic_esr_read();

    /* 4. If the firmware left a vector in service (it was interrupted and never sent an EOI),
     *    that vector and everything below its class would stay blocked forever. One EOI
     *    retires the highest in-service vector; repeat until the ISR is clear. */
    for (unsigned n = 0; n < 256; n++) {
        bool any = false;
        for (unsigned r = 0; r < 8; r++)
            any = any || lapic_read(LAPIC_REG_ISR0 + 0x10u * r) != 0;
        if (!any)
            break;
        if (n == 0)
            log_warn("lapic: CPU with APIC id %u had vectors in service from the firmware; sending EOIs", lapic_id());
        lapic_eoi();
    }
    /* TPR: not touched here. It is CR8, the IRQL, and belongs to kernel/ke/irql.c. */
}

static bool cpu_has_x2apic(void)
{
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    return (c & CPUID1_ECX_X2APIC) != 0;
}

void lapic_init_bsp(uint64_t madt_lapic_address)
{
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    if (!(d & CPUID1_EDX_APIC)) {
        log_error("lapic: this CPU has no local APIC (CPUID.1:EDX[9] = 0); irqlab needs one");
        KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, LAPIC_BUGCHECK_P1, 0, 0, 0);
    }

    uint64_t base = rdmsr(MSR_APIC_BASE);
    mmio_phys = base & APIC_BASE_ADDRESS_MASK;
    if (madt_lapic_address && madt_lapic_address != mmio_phys)
        log_warn("lapic: the MADT says 0x%llx but IA32_APIC_BASE says 0x%llx; using the MSR",
                 (unsigned long long)madt_lapic_address, (unsigned long long)mmio_phys);

    /* Which interface? Once in x2APIC mode, the only way back is to disable the APIC
     * completely (SDM 11.12.5 state diagram), so if the firmware already switched we stay. */
    bool already_x2 = (base & (APIC_BASE_EN | APIC_BASE_EXTD)) == (APIC_BASE_EN | APIC_BASE_EXTD);
    bool want_x2 = cmdline_get_bool("x2apic", true);
    if (already_x2) {
        if (!want_x2)
            log_warn("lapic: the firmware left the APIC in x2APIC mode; x2apic=off is ignored");
        mode = LAPIC_MODE_X2APIC;
    } else if (want_x2 && cpu_has_x2apic()) {
        /* xAPIC -> x2APIC: set EXTD while EN is set (both in one write is allowed). */
        wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
        mode = LAPIC_MODE_X2APIC;
    } else {
        if (!(base & APIC_BASE_EN))
            wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN);
        mmio = map_registers(mmio_phys);
        if (!mmio) {
            log_error("lapic: cannot map the registers at 0x%llx", (unsigned long long)mmio_phys);
            KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, LAPIC_BUGCHECK_P1, 1, mmio_phys, 0);
        }
        mode = LAPIC_MODE_XAPIC;
    }

    setup_this_cpu();
    lapic_timer_calibrate();

    char where[24] = "MSRs";
    if (mode == LAPIC_MODE_XAPIC)
        ksnprintf(where, sizeof(where), "0x%llx", (unsigned long long)mmio_phys);
    log_info("lapic: %s at %s, id %u, version 0x%02x, timer %lu.%03lu MHz (/%u)", lapic_mode_name(mode), where,
             lapic_id(), lapic_version(), (unsigned long)(timer_hz / 1000000u),
             (unsigned long)(timer_hz / 1000u % 1000u), LAPIC_TIMER_DIVISOR);
    if (!want_x2 && cpu_has_x2apic())
        log_info("lapic: x2APIC available but x2apic=off: using the xAPIC interface");
}

void lapic_init_ap(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);
    if (mode == LAPIC_MODE_X2APIC) {
        if ((base & (APIC_BASE_EN | APIC_BASE_EXTD)) != (APIC_BASE_EN | APIC_BASE_EXTD))
            wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
    } else {
        /* All CPUs see their own APIC at the same address; the mapping is shared. */
        if ((base & APIC_BASE_ADDRESS_MASK) != mmio_phys)
            log_warn("lapic: AP IA32_APIC_BASE 0x%llx differs from the BSP's 0x%llx",
                     (unsigned long long)(base & APIC_BASE_ADDRESS_MASK), (unsigned long long)mmio_phys);
        if (!(base & APIC_BASE_EN))
            wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN);
    }
    setup_this_cpu();
    log_debug("lapic: AP with APIC id %u enabled (%s)", lapic_id(), lapic_mode_name(mode));
}

/* ---- timer ---------------------------------------------------------------------------------- */

/* The timer counts down; pit_calibrate wants a counter that goes up. */
static uint64_t timer_counted(void) { return 0xFFFFFFFFu - lapic_read(LAPIC_REG_TIMER_CURRENT); }

#define TSC_CALIBRATION_WINDOWS 40u /* at most; it stops after TSC_CALIBRATION_GOOD good ones */
#define TSC_CALIBRATION_GOOD 3u

/* The timer against the (already calibrated) TSC: read TSC, timer, TSC at the start of a window
 * and again at its end, with nothing but TSC reads in between. One undisturbed window gives
 * the rate to a few ppm (tsc_rate.h). */
static uint64_t calibrate_against_tsc(uint64_t tsc_hz, unsigned *windows, unsigned *good)
{
    struct tsc_sample samples[TSC_CALIBRATION_WINDOWS];
    unsigned n = 0;
    uint64_t window = tsc_hz / 50; /* 20 ms */
    for (*good = 0; n < TSC_CALIBRATION_WINDOWS && *good < TSC_CALIBRATION_GOOD; n++) {
        uint64_t t0 = rdtsc(), c0 = timer_counted(), t1 = rdtsc();
        while (rdtsc() - t1 < window)
            cpu_pause();
        uint64_t t2 = rdtsc(), c1 = timer_counted(), t3 = rdtsc();
        samples[n] = (struct tsc_sample){
            .counted = c1 - c0, .tsc_elapsed = ((t2 - t0) + (t3 - t1)) / 2, .tsc_uncertainty = (t1 - t0) + (t3 - t2)};
        *good += tsc_sample_is_good(&samples[n]);
    }
    *windows = n;
    return tsc_rate_from_samples(samples, n, tsc_hz, good);
}

uint64_t lapic_timer_calibrate(void)
{
    uint64_t flags = cpu_save_and_disable_interrupts();

    /* One-shot, masked: it counts down but never interrupts. Writing the initial count starts
     * it; the current count is what is left. At 1 GHz / 16 the full 32 bits last 68 s, far
     * longer than the calibration (at most 80 PIT windows, about 4.4 s on a very loaded host). */
    lapic_write(LAPIC_REG_LVT_TIMER, APIC_MASKED | LAPIC_LVT_TIMER_ONESHOT | LAPIC_SPURIOUS_VECTOR);
    lapic_write(LAPIC_REG_TIMER_DIVIDE, lapic_timer_divide_encode(LAPIC_TIMER_DIVISOR));
    lapic_write(LAPIC_REG_TIMER_INITIAL, 0xFFFFFFFFu);
    /* Against the TSC when its rate is known (time_init ran first): each window's brackets
     * hold one timer read instead of PIT port polls, so a busy host disturbs far fewer of them.
     * The PIT is the fallback (and the TSC's own reference). */
    uint64_t tsc_hz = time_tsc_frequency();
    unsigned windows = 0, good = 0;
    uint64_t hz = tsc_hz ? calibrate_against_tsc(tsc_hz, &windows, &good) : 0;
    const char *against = "TSC";
    if (!hz || !good) {
        struct pit_calibration cal;
        uint64_t pit_hz = pit_calibrate(timer_counted, &cal);
        if (!hz || cal.good) {
            hz = pit_hz;
            windows = cal.attempts;
            good = cal.good;
            against = "PIT";
        }
    }
    lapic_write(LAPIC_REG_TIMER_INITIAL, 0);
    cpu_restore_interrupts(flags);

    timer_hz = hz;
    if (good == 0) /* one undisturbed window is exact to a few ppm: then the rate is good */
        log_warn("lapic: none of %u timer calibration windows was undisturbed; the rate may be off", windows);
    log_debug("lapic: timer calibration against the %s: %u windows, %u undisturbed", against, windows, good);
    return timer_hz;
}

bool lapic_timer_start_periodic(uint8_t vector, uint32_t hz)
{
    uint32_t count = lapic_timer_initial_count(timer_hz, hz);
    if (count == 0 || vector < 16)
        return false;
    /* Mode and vector first, then the divider; the write of the initial count starts it. */
    lapic_write(LAPIC_REG_LVT_TIMER, LAPIC_LVT_TIMER_PERIODIC | vector);
    lapic_write(LAPIC_REG_TIMER_DIVIDE, lapic_timer_divide_encode(LAPIC_TIMER_DIVISOR));
    lapic_write(LAPIC_REG_TIMER_INITIAL, count);
    return true;
}

void lapic_timer_stop(void)
{
    /* An initial count of 0 stops the timer (SDM 11.5.4); the mask makes sure nothing that was
     * already counting down can still fire. */
    lapic_write(LAPIC_REG_LVT_TIMER, APIC_MASKED | (lapic_read(LAPIC_REG_LVT_TIMER) & 0xFFu));
    lapic_write(LAPIC_REG_TIMER_INITIAL, 0);
}

uint64_t lapic_timer_frequency(void) { return timer_hz; }

/* ---- lapic_print ---------------------------------------------------------------------------- */

static void print_lvt(const char *name, uint32_t reg, bool is_timer, bool is_lint)
{
    uint32_t value = lapic_read(reg);
    struct lapic_lvt lvt = lapic_lvt_decode(value);
    static const char *const timer_modes[] = {" one-shot", " periodic", " tsc-deadline", " reserved"};
    console_printf("  LVT %-8s 0x%08x  vector 0x%02x  %s%s%s%s%s\n", name, value, lvt.vector,
                   apic_delivery_mode_name(lvt.delivery_mode), lvt.masked ? " masked" : "",
                   is_timer ? timer_modes[lvt.timer_mode & 3] : "",
                   is_lint ? (lvt.level_triggered ? " level" : " edge") : "",
                   is_lint ? (lvt.active_low ? " active-low" : " active-high") : "");
}

void lapic_print(void)
{
    if (mode == LAPIC_MODE_NONE) {
        console_printf("LAPIC: not initialized\n");
        return;
    }
    uint64_t base = rdmsr(MSR_APIC_BASE);
    uint32_t svr = lapic_read(LAPIC_REG_SVR);
    console_printf("LAPIC id %u (%s), version 0x%02x, %u LVTs, %s, IA32_APIC_BASE 0x%llx\n", lapic_id(),
                   (base & APIC_BASE_BSP) ? "BSP" : "AP", lapic_version(), lapic_lvt_count(), lapic_mode_name(mode),
                   (unsigned long long)base);
    console_printf("  SVR 0x%08x (%s, spurious 0x%02x)  TPR 0x%02x  PPR 0x%02x  ESR 0x%02x\n", svr,
                   (svr & LAPIC_SVR_ENABLE) ? "enabled" : "disabled", svr & 0xFF, lapic_read(LAPIC_REG_TPR) & 0xFF,
                   lapic_read(LAPIC_REG_PPR) & 0xFF, lapic_esr_read());
    unsigned lvts = lapic_lvt_count();
    print_lvt("timer", LAPIC_REG_LVT_TIMER, true, false);
    if (lvts >= 6)
        print_lvt("thermal", LAPIC_REG_LVT_THERMAL, false, false);
    if (lvts >= 5)
        print_lvt("perf", LAPIC_REG_LVT_PERF, false, false);
    print_lvt("LINT0", LAPIC_REG_LVT_LINT0, false, true);
    print_lvt("LINT1", LAPIC_REG_LVT_LINT1, false, true);
    print_lvt("error", LAPIC_REG_LVT_ERROR, false, false);
    if (lvts >= 7)
        print_lvt("CMCI", LAPIC_REG_LVT_CMCI, false, false);
    console_printf("  timer: divide /%u, initial %u, current %u, %lu Hz at /%u\n",
                   lapic_timer_divide_decode(lapic_read(LAPIC_REG_TIMER_DIVIDE)), lapic_read(LAPIC_REG_TIMER_INITIAL),
                   lapic_read(LAPIC_REG_TIMER_CURRENT), (unsigned long)timer_hz, LAPIC_TIMER_DIVISOR);

    /* Pending and in-service vectors, as a list ("IRR: 0x31 0xd1"). */
    for (unsigned which = 0; which < 2; which++) {
        uint32_t base_reg = which == 0 ? LAPIC_REG_IRR0 : LAPIC_REG_ISR0;
        char line[81];
        size_t n = ksnprintf(line, sizeof(line), "  %s:", which == 0 ? "IRR" : "ISR");
        unsigned shown = 0;
        for (unsigned v = 16; v < 256; v++) {
            if (!(lapic_read(lapic_vector_reg(base_reg, (uint8_t)v)) & lapic_vector_bit((uint8_t)v)))
                continue;
            if (n + 6 >= sizeof(line)) {
                n += ksnprintf(line + n, sizeof(line) - n, " ...");
                break;
            }
            n += ksnprintf(line + n, sizeof(line) - n, " 0x%02x", v);
            shown++;
        }
        console_printf("%.*s%s\n", (int)n, line, shown ? "" : " none");
    }
}
