/* include/wdm.h - the driver-facing kernel API of irqlab, named and shaped as in the WDK's wdm.h.
 *
 * A driver includes only this header (plus ndis.h / parallel.h when it needs them). Every
 * routine here behaves as its page on learn.microsoft.com describes; docs/reference/ lists
 * where irqlab differs. This file grows with each subsystem: IRQL, spin locks, DPCs, interrupt
 * objects, IoConnectInterruptEx and friends are added by the interrupt-core and I/O issues.
 */
#ifndef IRQLAB_WDM_H
#define IRQLAB_WDM_H

#include "ntdef.h"
#include "ntstatus.h"

/* ---- Debug output (DbgPrint, DbgPrintEx) ---- */
#define DPFLTR_ERROR_LEVEL 0
#define DPFLTR_WARNING_LEVEL 1
#define DPFLTR_TRACE_LEVEL 2
#define DPFLTR_INFO_LEVEL 3
#define DPFLTR_IHVDRIVER_ID 77

ULONG DbgPrint(PCSTR Format, ...) __attribute__((format(printf, 1, 2)));
ULONG DbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, ...) __attribute__((format(printf, 3, 4)));

/* ---- Bug checks ---- */
/* Stop the system: print the stop screen (code, parameters, registers, backtrace) on COM1 and
 * end QEMU with the failure status. Never returns. Stop codes: kernel/ke/bugcheck.h. */
__attribute__((noreturn)) VOID KeBugCheckEx(ULONG BugCheckCode, ULONG_PTR BugCheckParameter1,
                                            ULONG_PTR BugCheckParameter2, ULONG_PTR BugCheckParameter3,
                                            ULONG_PTR BugCheckParameter4);
__attribute__((noreturn)) VOID KeBugCheck(ULONG BugCheckCode);

#endif
