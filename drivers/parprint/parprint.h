/* drivers/parprint/parprint.h - the printer class driver's interface for the rest of the kernel
 * (the shell's `lpt <text>`, tests).
 *
 * parprint is a client of the parallel port driver: it opens \Device\ParallelPort0, connects its
 * ISR to the port interrupt (IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT), allocates the port for
 * each job (IOCTL_INTERNAL_PARALLEL_PORT_ALLOCATE, which pends while another client owns the port;
 * parprint cancels it after its allocate timeout) and sends one byte per strobe from its own
 * system thread: ISR (acknowledge) -> DPC (set the event) -> thread (strobe the next byte). A byte
 * whose interrupt does not come within the ACK timeout is acknowledged by the thread itself
 * (counted in `timeouts`), so a lost interrupt costs time, never the job. If the port refuses the
 * interrupt (connect requests off, no interrupt resource) parprint prints polled. Everything here
 * is PASSIVE_LEVEL. */
#ifndef IRQLAB_DRIVERS_PARPRINT_H
#define IRQLAB_DRIVERS_PARPRINT_H

#include <stdbool.h>
#include <stdint.h>

#include <wdm.h>

#define PARPRINT_DEFAULT_ACK_TIMEOUT_MS 50
#define PARPRINT_DEFAULT_ALLOCATE_TIMEOUT_MS 1000 /* then parprint cancels its ALLOCATE */

struct parprint_counts {
    uint64_t isr_calls;  /* the port called our ISR (also for interrupts that were not ours) */
    uint64_t interrupts; /* ... that were ours: an acknowledge of a byte we sent */
    uint64_t timeouts;   /* bytes moved on by the ACK-timeout poll instead of an interrupt */
    uint64_t jobs, polled_jobs, bytes;
    ULONG last_job_bytes, last_job_interrupts, last_job_timeouts;
    NTSTATUS last_status;
    uint64_t revocations; /* the port told parprint to close (it was stopping or being removed) */
};

/* Open the port, start the print thread and connect the ISR (no-op if open). The interrupt is
 * connected only if the port driver accepted it: parprint_interrupt_driven() says which. */
NTSTATUS parprint_open(void);
/* Disconnect, end the print thread and close (waits for a running job first). */
void parprint_close(void);
bool parprint_is_open(void);
bool parprint_interrupt_driven(void);

/* Allocate the port (waits while another client owns it; STATUS_CANCELLED if parprint cancelled
 * its request after the allocate timeout) and start sending a copy of `data`. Returns at once for
 * an interrupt-driven job; parprint_wait() waits for its end. STATUS_DEVICE_BUSY if a job runs. */
NTSTATUS parprint_start(const void *data, ULONG length);
/* Wait for the running job (on its event); STATUS_SUCCESS when all bytes are out,
 * STATUS_UNSUCCESSFUL if it took longer than timeout_ms (the job is stopped and the port freed).
 * STATUS_SUCCESS at once if no job runs. */
NTSTATUS parprint_wait(ULONG timeout_ms);
/* open (if needed), start, wait, close (if it opened). */
NTSTATUS parprint_print(const void *data, ULONG length);

bool parprint_owns_port(void);
void parprint_get_counts(struct parprint_counts *counts);
void parprint_reset_counts(void);
void parprint_set_ack_timeout(ULONG ms);
/* How long parprint lets its ALLOCATE pend before it cancels it (0: cancel at once if busy). */
void parprint_set_allocate_timeout(ULONG ms);
/* The ISR routine and its context, as connected (to name the client in `lpt status`). */
PKSERVICE_ROUTINE parprint_isr(void);

#endif
