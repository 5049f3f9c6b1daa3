/* tests/ktest/irq_helpers.h - interrupt objects on a private vector, fired by IPIs.
 * A vector with a "local" source (no IOAPIC pin, no device) can only be raised by an IPI, which
 * makes it a precise tool for testing the dispatcher: we decide exactly when and where it fires. */
#ifndef IRQLAB_TESTS_IRQ_HELPERS_H
#define IRQLAB_TESTS_IRQ_HELPERS_H

#include <stdbool.h>
#include <stdint.h>

#include "include/wdm.h"
#include "arch/x86_64/ioapic.h"
#include "kernel/ke/interrupt.h"

/* Allocate a device vector (irql 0 = any DIRQL) for IPI-driven tests; returns -1 if none. */
int test_vector_alloc(KIRQL irql);
void test_vector_free(int vector);
/* Initialise + connect an object on `vector`; returns the connect result. */
enum ke_connect_result test_connect(PKINTERRUPT interrupt, int vector, PKSERVICE_ROUTINE isr, void *context,
                                    KINTERRUPT_MODE mode, BOOLEAN share);
/* Send the vector to ourselves and give it time to arrive (interrupts must be enabled). */
void test_fire_self(int vector);
/* Sum of an object's ServiceCount / DeclineCount over all CPUs. */
uint64_t test_calls(PKINTERRUPT interrupt);
/* Spin until *counter >= target or `ms` milliseconds pass; returns whether it got there. */
bool test_wait_for(volatile uint64_t *counter, uint64_t target, unsigned ms);

/* The decoded IOAPIC redirection entry of `gsi` (all zero if there is no such pin). */
struct ioapic_rte test_rte(uint32_t gsi);

#endif
