/* kernel/ke/system_time.c - KeQuerySystemTime(Precise), KeQueryInterruptTime(Precise).
 *
 * Windows keeps two 100-ns clocks: interrupt time (since boot) and system time (since January
 * 1, 1601 UTC, the FILETIME epoch). Both come from one source here, the TSC-based performance
 * counter (kernel/ke/time.c), so they never disagree: the Precise forms are the counter
 * converted to 100-ns units, the plain forms the same value rounded down to a whole clock
 * period (KeQueryTimeIncrement), which is how often Windows updates them. System time is the
 * CMOS real-time clock, read once at boot, plus the interrupt time since.
 * Reference: "KeQuerySystemTimePrecise", "KeQueryInterruptTimePrecise" (learn.microsoft.com);
 * the MC146818 RTC registers as QEMU's hw/rtc/mc146818rtc.c implements them.
 */
#include "kernel/ke/system_time.h"
#include "arch/x86_64/cpu.h"
#include "include/wdm.h"
#include "kernel/ke/time.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define RTC_STATUS_A 0x0A /* bit 7: update in progress */
#define RTC_STATUS_B 0x0B /* bit 2: binary (else BCD), bit 1: 24-hour */

static ULONG64 boot_system_time; /* 100-ns units since 1601 at interrupt time 0 */

static uint8_t cmos_read(uint8_t reg)
{
    outb(CMOS_INDEX, reg);
    return inb(CMOS_DATA);
}

struct rtc_time {
    uint8_t sec, min, hour, day, month, year, century;
};

static void rtc_read_raw(struct rtc_time *t)
{
    /* An update lasts at most 2 ms after UIP rises; bounded so a missing RTC cannot hang boot. */
    for (int i = 0; i < 100000 && (cmos_read(RTC_STATUS_A) & 0x80); i++)
        cpu_pause();
    t->sec = cmos_read(0x00);
    t->min = cmos_read(0x02);
    t->hour = cmos_read(0x04);
    t->day = cmos_read(0x07);
    t->month = cmos_read(0x08);
    t->year = cmos_read(0x09);
    t->century = cmos_read(0x32); /* the ACPI FADT's usual century register; QEMU fills it */
}

static unsigned from_bcd(uint8_t v) { return (v & 0x0F) + (v >> 4) * 10u; }

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

ULONG64 system_time_from_rtc(unsigned year, unsigned month, unsigned day, unsigned hour, unsigned minute,
                             unsigned second)
{
    int64_t days = days_from_civil(year, month, day) + 134774; /* 1601-01-01 .. 1970-01-01 */
    uint64_t seconds = (uint64_t)days * 86400u + hour * 3600u + minute * 60u + second;
    return seconds * 10000000ull;
}

void system_time_init(void)
{
    struct rtc_time a, b;
    rtc_read_raw(&a);
    for (int tries = 0; tries < 5; tries++) { /* read until two reads agree: no update between */
        rtc_read_raw(&b);
        if (__builtin_memcmp(&a, &b, sizeof(a)) == 0)
            break;
        a = b;
    }
    uint8_t status_b = cmos_read(RTC_STATUS_B);
    bool bcd = !(status_b & 0x04);
    unsigned sec = bcd ? from_bcd(a.sec) : a.sec, min = bcd ? from_bcd(a.min) : a.min;
    unsigned pm = a.hour & 0x80, hour = bcd ? from_bcd(a.hour & 0x7F) : (a.hour & 0x7Fu);
    if (!(status_b & 0x02)) /* 12-hour mode: 12 AM is 0, PM adds 12 */
        hour = hour % 12 + (pm ? 12 : 0);
    unsigned day = bcd ? from_bcd(a.day) : a.day, month = bcd ? from_bcd(a.month) : a.month;
    unsigned year = bcd ? from_bcd(a.year) : a.year, century = bcd ? from_bcd(a.century) : a.century;
    year += (century >= 19 && century <= 30) ? century * 100 : 2000;
    if (month < 1 || month > 12 || day < 1 || day > 31) /* no RTC: start at 2000-01-01 */
        year = 2000, month = 1, day = 1, hour = min = sec = 0;
    boot_system_time = system_time_from_rtc(year, month, day, hour, min, sec) - KeQueryInterruptTimePrecise(NULL);
}

ULONGLONG KeQueryInterruptTimePrecise(PULONG64 QpcTimeStamp)
{
    LARGE_INTEGER hz;
    ULONG64 counter = (ULONG64)KeQueryPerformanceCounter(&hz).QuadPart;
    if (QpcTimeStamp)
        *QpcTimeStamp = counter;
    ULONG64 f = (ULONG64)hz.QuadPart;
    if (!f)
        return 0;
    /* counter * 10^7 / f without 128-bit division: whole seconds, then the remainder. */
    return counter / f * 10000000ull + counter % f * 10000000ull / f;
}

VOID KeQuerySystemTimePrecise(PLARGE_INTEGER CurrentTime)
{
    CurrentTime->QuadPart = (LONGLONG)(boot_system_time + KeQueryInterruptTimePrecise(NULL));
}

VOID KeQuerySystemTime(PLARGE_INTEGER CurrentTime)
{
    ULONG64 now = boot_system_time + KeQueryInterruptTimePrecise(NULL);
    CurrentTime->QuadPart = (LONGLONG)(now - now % KeQueryTimeIncrement());
}
