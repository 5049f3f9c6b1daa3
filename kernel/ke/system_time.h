/* kernel/ke/system_time.h - the boot-time reading of the CMOS clock behind KeQuerySystemTime. */
#ifndef IRQLAB_KE_SYSTEM_TIME_H
#define IRQLAB_KE_SYSTEM_TIME_H

#include "include/wdm.h"

/* Read the RTC once (called at the end of time_init, after the TSC is calibrated). */
void system_time_init(void);

/* A UTC date and time as Windows system time: 100-ns units since 1601-01-01 00:00:00. */
ULONG64 system_time_from_rtc(unsigned year, unsigned month, unsigned day, unsigned hour, unsigned minute,
                             unsigned second);

#endif
