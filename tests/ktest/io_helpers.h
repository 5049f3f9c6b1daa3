/* tests/ktest/io_helpers.h - borrowing devices from their drivers, and small device recipes for
 * the I/O manager's tests (io_*_test.c).
 *
 * A test that connects its own ISRs to a device must first take the device from its driver:
 * io_test_take disables it (QUERY_REMOVE + REMOVE: the driver disconnects and leaves the
 * stack, the resources are given back) and starts it
 * again without a driver, with fresh resources under `start_flags` (IO_START_NO_MSI, ...);
 * io_test_give_back stops it and restarts it with its driver, as at boot. */
#ifndef IRQLAB_TESTS_IO_HELPERS_H
#define IRQLAB_TESTS_IO_HELPERS_H

#include <stdbool.h>
#include <stdint.h>

#include "include/wdm.h"
#include "kernel/io/pnp.h"

#define IO_TEST_EDU_VENDOR 0x1234
#define IO_TEST_EDU_DEVICE 0x11E8
#define IO_TEST_E1000E_VENDOR 0x8086
#define IO_TEST_E1000E_DEVICE 0x10D3

#define IO_TEST_EDU_STATUS 0x24
#define IO_TEST_EDU_RAISE 0x60
#define IO_TEST_EDU_ACK 0x64

PDEVICE_OBJECT io_test_take(PDEVICE_OBJECT pdo, unsigned start_flags);
void io_test_give_back(PDEVICE_OBJECT pdo);
struct io_pdo *io_test_pdo(PDEVICE_OBJECT pdo);

/* The n-th interrupt descriptor (from 0) of the PDO's translated / raw list, or NULL. */
const CM_PARTIAL_RESOURCE_DESCRIPTOR *io_test_interrupt(PDEVICE_OBJECT pdo, unsigned nth, bool raw);
unsigned io_test_interrupt_count(PDEVICE_OBJECT pdo);
/* Vector / IRQL / mode of a translated interrupt descriptor, line or message. */
ULONG io_test_vector(const CM_PARTIAL_RESOURCE_DESCRIPTOR *d);
KIRQL io_test_level(const CM_PARTIAL_RESOURCE_DESCRIPTOR *d);
KINTERRUPT_MODE io_test_mode(const CM_PARTIAL_RESOURCE_DESCRIPTOR *d);
/* The first memory range of the translated list, mapped. */
volatile ULONG *io_test_map_memory(PDEVICE_OBJECT pdo, unsigned nth);

/* edu */
void io_test_edu_quiet(volatile ULONG *regs); /* acknowledge whatever is raised */
/* Bytes outstanding under a pool tag (0 if never used). */
uint64_t io_test_pool_bytes(ULONG tag);
/* Parameters filled for each version (the rest zero). */
IO_CONNECT_INTERRUPT_PARAMETERS io_test_fully(PDEVICE_OBJECT pdo, const CM_PARTIAL_RESOURCE_DESCRIPTOR *d,
                                              PKSERVICE_ROUTINE isr, PVOID context, PKINTERRUPT *out);
IO_CONNECT_INTERRUPT_PARAMETERS io_test_line(PDEVICE_OBJECT pdo, PKSERVICE_ROUTINE isr, PVOID context,
                                             PKINTERRUPT *out);
IO_CONNECT_INTERRUPT_PARAMETERS io_test_message(PDEVICE_OBJECT pdo, PKMESSAGE_SERVICE_ROUTINE isr,
                                                PKSERVICE_ROUTINE fallback, PVOID context, PVOID *out);
void io_test_disconnect(ULONG version, PVOID context);

/* Spin until *counter >= target or `ms` pass. */
bool io_test_wait(volatile uint64_t *counter, uint64_t target, unsigned ms);
/* True if the kernel command line has key=off. */
bool io_test_cmdline_off(const char *key);

#endif
