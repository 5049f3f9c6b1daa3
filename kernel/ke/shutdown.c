/* kernel/ke/shutdown.c - isa-debug-exit first, ACPI soft-off second, halt last.
 * ACPI 6.5 section 4.8.3.2.1 (PM1 control: SLP_TYP, SLP_EN bit 13). QEMU's pc and q35 both put
 * PM1a_CNT at I/O port 0x604 and accept SLP_TYP 0 for S5, so no AML is needed. */
#include "kernel/ke/shutdown.h"

#include "arch/x86_64/cpu.h"

#define QEMU_PM1A_CNT 0x604
#define PM1_SLP_EN (1u << 13)

void ke_exit(uint32_t code)
{
    outl(KE_DEBUG_EXIT_PORT, code);
    outw(QEMU_PM1A_CNT, PM1_SLP_EN);
    cpu_halt_forever();
}
