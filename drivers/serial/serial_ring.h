/* drivers/serial/serial_ring.h - a lock-free byte ring for exactly one producer and one consumer.
 *
 * The serial ISR (the producer) runs at device IRQL and must never wait for a lock the consumer
 * could hold at a lower IRQL on the same CPU - that would deadlock. A single-producer,
 * single-consumer ring needs no lock at all: the producer alone writes `head`, the consumer alone
 * writes `tail`, and each publishes its index with a release store after touching the data, which
 * the other side reads with an acquire load (C11 memory model, ISO/IEC 9899:2011 §5.1.2.4; on
 * x86 these compile to plain moves, and only keep the compiler from reordering).
 *
 * The indices run freely (uint32_t wraps) and are masked on use, so head - tail is always the
 * fill level and a full ring is told apart from an empty one without a wasted slot.
 * Who serialises callers: the interrupt spin lock for the producer (one ISR at a time), the
 * consumer's own lock for the consumer. Pure code: tests/unit/test_serial_ring.c.
 */
#ifndef IRQLAB_SERIAL_SERIAL_RING_H
#define IRQLAB_SERIAL_SERIAL_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SERIAL_RING_SIZE 256u /* a power of two: typing ahead while a command runs fits */

_Static_assert((SERIAL_RING_SIZE & (SERIAL_RING_SIZE - 1)) == 0, "SERIAL_RING_SIZE must be a power of two");

struct serial_ring {
    uint32_t head; /* next slot to fill; written only by the producer */
    uint32_t tail; /* next slot to empty; written only by the consumer */
    uint8_t data[SERIAL_RING_SIZE];
};

static inline void serial_ring_init(struct serial_ring *ring) { ring->head = ring->tail = 0; }

/* Bytes waiting (a snapshot: may grow if the producer runs meanwhile). */
static inline uint32_t serial_ring_count(const struct serial_ring *ring)
{
    return __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE) - __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
}

/* Free slots (a snapshot: may grow if the consumer runs meanwhile). */
static inline uint32_t serial_ring_free(const struct serial_ring *ring)
{
    return SERIAL_RING_SIZE - serial_ring_count(ring);
}

/* Producer: add one byte; false (and nothing stored) when the ring is full. */
static inline bool serial_ring_put(struct serial_ring *ring, uint8_t byte)
{
    uint32_t head = ring->head; /* our own index: no ordering needed */
    uint32_t tail = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
    if (head - tail == SERIAL_RING_SIZE)
        return false;
    ring->data[head & (SERIAL_RING_SIZE - 1)] = byte;
    __atomic_store_n(&ring->head, head + 1, __ATOMIC_RELEASE); /* the byte is visible first */
    return true;
}

/* Consumer: take one byte; false when the ring is empty. */
static inline bool serial_ring_get(struct serial_ring *ring, uint8_t *byte)
{
    uint32_t tail = ring->tail;
    uint32_t head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);
    if (head == tail)
        return false;
    *byte = ring->data[tail & (SERIAL_RING_SIZE - 1)];
    __atomic_store_n(&ring->tail, tail + 1, __ATOMIC_RELEASE); /* the slot may be reused after */
    return true;
}

#endif
