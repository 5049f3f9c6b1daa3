/* kernel/ke/bugcheck.c - KeBugCheckEx: the stop screen. (Minimal first version; the exception
 * issue extends it with registers and a symbolised backtrace.) */
#include "kernel/ke/bugcheck.h"

#include "include/wdm.h"
#include "kernel/console/console.h"
#include "kernel/ke/shutdown.h"

const char *bugcheck_name(unsigned long code)
{
    switch (code) {
    case IRQL_NOT_GREATER_OR_EQUAL: return "IRQL_NOT_GREATER_OR_EQUAL";
    case IRQL_NOT_LESS_OR_EQUAL: return "IRQL_NOT_LESS_OR_EQUAL";
    case KMODE_EXCEPTION_NOT_HANDLED: return "KMODE_EXCEPTION_NOT_HANDLED";
    case PHASE0_INITIALIZATION_FAILED: return "PHASE0_INITIALIZATION_FAILED";
    case PAGE_FAULT_IN_NONPAGED_AREA: return "PAGE_FAULT_IN_NONPAGED_AREA";
    case UNEXPECTED_KERNEL_MODE_TRAP: return "UNEXPECTED_KERNEL_MODE_TRAP";
    case NMI_HARDWARE_FAILURE: return "NMI_HARDWARE_FAILURE";
    case MACHINE_CHECK_EXCEPTION: return "MACHINE_CHECK_EXCEPTION";
    case ACPI_BIOS_ERROR: return "ACPI_BIOS_ERROR";
    case PNP_DETECTED_FATAL_ERROR: return "PNP_DETECTED_FATAL_ERROR";
    case DRIVER_IRQL_NOT_LESS_OR_EQUAL: return "DRIVER_IRQL_NOT_LESS_OR_EQUAL";
    case HARDWARE_INTERRUPT_STORM: return "HARDWARE_INTERRUPT_STORM";
    case MANUALLY_INITIATED_CRASH: return "MANUALLY_INITIATED_CRASH";
    default: return "UNKNOWN_BUGCHECK";
    }
}

VOID KeBugCheckEx(ULONG BugCheckCode, ULONG_PTR P1, ULONG_PTR P2, ULONG_PTR P3, ULONG_PTR P4)
{
    console_enter_panic_mode();
    console_printf("\n*** STOP: 0x%08X (0x%016lX, 0x%016lX, 0x%016lX, 0x%016lX)\n%s\n", BugCheckCode, P1, P2, P3,
                   P4, bugcheck_name(BugCheckCode));
    ke_exit(KE_EXIT_FAILURE);
}

VOID KeBugCheck(ULONG BugCheckCode) { KeBugCheckEx(BugCheckCode, 0, 0, 0, 0); }
