/* tests/ktest/par_helpers.h - what the parallel-port suites (par_*_test.c) share: sending one
 * internal request the way a client driver does, the LPT1 IOAPIC pin, pool totals, and putting
 * the port back the way the suites found it. */
#ifndef IRQLAB_TESTS_PAR_HELPERS_H
#define IRQLAB_TESTS_PAR_HELPERS_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/parport/parport.h"
#include "include/parallel.h"

/* \Device\ParallelPort0 opened like a client opens it (NULL, with *file NULL, if there is none). */
PDEVICE_OBJECT par_test_open(PFILE_OBJECT *file);
void par_test_close(PFILE_OBJECT file);

/* Build with IoBuildDeviceIoControlRequest (internal or not), tag it with `file`, send it; if it
 * pends (an ALLOCATE of a busy port), wait for it and return its final status. *information (may
 * be NULL) gets IoStatus.Information. Checks that the event was set and the status block matches
 * the returned status. */
NTSTATUS par_test_request(PDEVICE_OBJECT port, PFILE_OBJECT file, ULONG code, PVOID in, ULONG in_length, PVOID out,
                          ULONG out_length, BOOLEAN internal, ULONG_PTR *information);
static inline NTSTATUS par_test_ioctl(PDEVICE_OBJECT port, PFILE_OBJECT file, ULONG code, PVOID in, ULONG in_length,
                                      PVOID out, ULONG out_length, ULONG_PTR *information)
{
    return par_test_request(port, file, code, in, in_length, out, out_length, TRUE, information);
}
/* An IOCTL_INTERNAL_PARALLEL_PORT_ALLOCATE the test owns, as a client that may cancel it does:
 * IoAllocateIrp, a completion routine that hands it back (STATUS_MORE_PROCESSING_REQUIRED) and
 * sets `done`. par_test_allocate_send returns what IoCallDriver returned (STATUS_PENDING while the
 * port is busy); the IRP stays valid for IoCancelIrp until par_test_allocate_finish, which waits
 * for completion (generously), returns the final status (0x7EADBEEF if it never completed) and
 * frees the IRP. Any IRQL <= DISPATCH_LEVEL for send; finish is PASSIVE_LEVEL. */
struct par_test_allocate {
    PIRP irp;
    KEVENT done;
    volatile uint64_t completed; /* the order it completed in (par_test_completion_sequence) */
    volatile LONG completions;   /* times it was completed (1, or the port got it wrong) */
};
NTSTATUS par_test_allocate_send(PDEVICE_OBJECT port, PFILE_OBJECT file, struct par_test_allocate *a);
NTSTATUS par_test_allocate_finish(struct par_test_allocate *a);
extern volatile uint64_t par_test_completion_sequence;

/* Set by par_test_request when an event or status block did not match (the test fails on it). */
extern bool par_test_request_mismatch;

/* The LPT1 pin in the IOAPIC: true if masked (false also when it cannot be read). */
bool par_test_pin_masked(PDEVICE_OBJECT port);
struct parport_status par_test_status(PDEVICE_OBJECT port);

/* Bytes outstanding under every tag the port stack allocates with (driver, IRPs, buffers, files). */
uint64_t par_test_pool_bytes(void);

/* What a device on the port does when it wants service: raise the port interrupt once, with no
 * byte (INTEN on, then the same CONTROL value again), wait for the port's ISR if the interrupt is
 * connected, and turn INTEN off again without a second one. Only for a port nobody is using, or
 * one the test owns. */
void par_test_raise_unsolicited(PDEVICE_OBJECT port);

/* The suites leave LPT1 as they found it: parprint closed, parwatch stopped, no client left
 * connected, the port free, connect requests on, parprint's default timeouts. */
void par_test_restore(PDEVICE_OBJECT port);

/* The test text: byte i = (7 * i + i / 256) mod 256, so every block of 256 bytes holds every
 * byte value once (tests/e2e/test_parport.py computes the same). */
#define PAR_TEST_PATTERN_BYTES 4608
void par_test_pattern(UCHAR *buffer, ULONG length);

/* Microseconds since boot. */
uint64_t par_test_now_us(void);

#endif
