/* kernel/ke/shutdown.h - leaving QEMU (and, on real hardware, halting).
 *
 * QEMU's isa-debug-exit device (iobase 0xf4, iosize 4) turns a 32-bit write of v into the
 * process exit status (v << 1) | 1. irqlab uses two values everywhere:
 *   KE_EXIT_SUCCESS 0x10 -> QEMU exits 33 (all tests passed / clean poweroff)
 *   KE_EXIT_FAILURE 0x11 -> QEMU exits 35 (a test failed or the kernel bugchecked)
 * A triple fault with -no-reboot exits 0, which the test runner therefore counts as failure.
 */
#ifndef IRQLAB_KE_SHUTDOWN_H
#define IRQLAB_KE_SHUTDOWN_H

#include <stdint.h>

#define KE_DEBUG_EXIT_PORT 0xF4
#define KE_EXIT_SUCCESS 0x10u
#define KE_EXIT_FAILURE 0x11u

/* Exit QEMU with the given isa-debug-exit value; if there is no such device, power off
 * through ACPI (QEMU's PM1a control port), and if that fails too, halt this CPU forever. */
__attribute__((noreturn)) void ke_exit(uint32_t code);

#endif
