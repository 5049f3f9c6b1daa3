/* arch/x86_64/pit.c - one-shot countdowns on 8254 channel 2, polled (no interrupts).
 *
 * Intel 8254 data sheet: control word format (SC1 SC0 RW1 RW0 M2 M1 M0 BCD), mode 0
 * ("interrupt on terminal count": OUT goes low when the control word is written and high when
 * the counter reaches 0), and the GATE input (counting is enabled only while GATE is high).
 *
 * Channel 2 is special on a PC: its GATE input and its OUT output are wired to the "system
 * control port B", I/O port 0x61:
 *   bit 0 (write/read)  GATE of channel 2
 *   bit 1 (write/read)  speaker data enable: ANDs OUT2 into the speaker. Kept 0 = silent.
 *   bit 5 (read only)   OUT2, the counter's output
 * So we can start channel 2 ourselves and watch its output go high, with no interrupt line.
 */
#include "arch/x86_64/pit.h"

#include "arch/x86_64/cpu.h"
#include "kernel/ke/rawlock.h"

#define PIT_PORT_CHANNEL2 0x42
#define PIT_PORT_COMMAND 0x43
#define PC_PORT_B 0x61

#define PORTB_GATE2 0x01
#define PORTB_SPEAKER 0x02
#define PORTB_OUT2 0x20

/* Control word: channel 2 (10), access low byte then high byte (11), mode 0 (000), binary (0). */
#define PIT_CMD_CH2_LOHI_MODE0 0xB0

/* There is one channel 2 in the machine: two CPUs polling it at once would each see the
 * other's countdown. */
static raw_lock_t pit_lock = RAW_LOCK_INIT;

/* Load channel 2 with `ticks` in mode 0, all but the last step: the write of the high byte
 * (pit_arm) is what starts the countdown. Returns port B's old value for pit_finish. */
static uint8_t pit_prepare(uint16_t ticks)
{
    /* GATE high first, speaker off. In mode 0 the count starts at the next input clock after
     * the count is written, as long as GATE is high. (QEMU ignores GATE in mode 0 and starts
     * at the write too.) */
    uint8_t portb = inb(PC_PORT_B);
    outb(PC_PORT_B, (uint8_t)((portb & ~PORTB_SPEAKER) | PORTB_GATE2));

    /* Writing the control word drives OUT2 low; it stays low until the count reaches 0. */
    outb(PIT_PORT_COMMAND, PIT_CMD_CH2_LOHI_MODE0);
    outb(PIT_PORT_CHANNEL2, (uint8_t)(ticks & 0xFF));
    return portb;
}

static inline void pit_arm(uint16_t ticks) { outb(PIT_PORT_CHANNEL2, (uint8_t)(ticks >> 8)); }

static inline bool pit_out2(void) { return (inb(PC_PORT_B) & PORTB_OUT2) != 0; }

static void pit_finish(uint8_t portb)
{
    /* GATE low again: channel 2 stays stopped until the next countdown. */
    outb(PC_PORT_B, (uint8_t)(portb & ~(PORTB_SPEAKER | PORTB_GATE2)));
}

void pit_wait_us(uint32_t us)
{
    uint64_t flags = raw_lock_acquire(&pit_lock);
    while (us > 0) {
        uint32_t chunk = us > PIT_MAX_CHUNK_US ? PIT_MAX_CHUNK_US : us;
        uint16_t ticks = (uint16_t)pit_ticks_for_us(chunk);
        /* A count of 0 would mean 65536 in mode 0; a 0-tick wait needs no countdown. */
        if (ticks > 0) {
            uint8_t portb = pit_prepare(ticks);
            pit_arm(ticks);
            while (!pit_out2())
                cpu_pause();
            pit_finish(portb);
        }
        us -= chunk;
    }
    raw_lock_release(&pit_lock, flags);
}

/* One countdown of `ticks` PIT ticks (1..65535), timed with `read`. Caller holds pit_lock. */
static void pit_time_countdown(uint16_t ticks, pit_counter_fn read, struct pit_sample *out)
{
    uint8_t portb = pit_prepare(ticks);

    /* Start edge: the countdown begins between these two reads. */
    uint64_t start_before = read();
    pit_arm(ticks);
    uint64_t start_after = read();

    /* End edge: OUT2 went high after the last poll that saw it low and before the poll that
     * saw it high. Read the counter before every poll; the last such read before a "low" poll
     * and the read after the "high" poll bracket the edge. */
    uint64_t last_low = start_after;
    for (;;) {
        uint64_t now = read();
        if (pit_out2())
            break;
        last_low = now;
    }
    uint64_t end_after = read();
    pit_finish(portb);

    /* Midpoint to midpoint, computed from differences so nothing can overflow. Note that a
     * real 8254 needs one extra input clock to load the count (N + 1 ticks in mode 0); QEMU
     * counts exactly N. The difference, 1 in 11932, is below what we resolve anyway. */
    out->ticks = ticks;
    out->elapsed = ((last_low - start_before) + (end_after - start_after)) / 2;
    out->uncertainty = (start_after - start_before) + (end_after - last_low);
}

uint64_t pit_calibrate(pit_counter_fn read, struct pit_calibration *info)
{
    struct pit_sample samples[PIT_CALIBRATION_LAST_ATTEMPT];
    uint16_t ticks = (uint16_t)pit_ticks_for_us(PIT_CALIBRATION_WINDOW_US);
    unsigned n = 0, good = 0;

    uint64_t flags = raw_lock_acquire(&pit_lock);
    /* A short throw-away countdown first: under TCG the first run of any code includes
     * translating it, which would otherwise widen the first sample's brackets. */
    struct pit_sample warm_up;
    pit_time_countdown(100, read, &warm_up);
    /* On a loaded host most windows are disturbed and a good one is exact: keep trying (for
     * at most ~4 s of 55 ms windows) until there is at least one. */
    while (good < PIT_CALIBRATION_SAMPLES && n < PIT_CALIBRATION_LAST_ATTEMPT &&
           (n < PIT_CALIBRATION_MAX_ATTEMPTS || good == 0)) {
        if (n == 3 && good == 0)
            ticks = PIT_CALIBRATION_LONG_TICKS;
        pit_time_countdown(ticks, read, &samples[n]);
        if (pit_sample_is_good(&samples[n]))
            good++;
        n++;
    }
    raw_lock_release(&pit_lock, flags);

    uint64_t hz = pit_rate_from_samples(samples, n, &good);
    if (info) {
        info->hz = hz;
        info->attempts = n;
        info->good = good;
        info->best_ppm = UINT32_MAX;
        for (unsigned i = 0; i < n; i++)
            if (pit_sample_ppm(&samples[i]) < info->best_ppm)
                info->best_ppm = pit_sample_ppm(&samples[i]);
        info->long_windows = ticks == PIT_CALIBRATION_LONG_TICKS;
    }
    return hz;
}
