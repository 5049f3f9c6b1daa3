/* include/interlocked.h - the Interlocked* family of the WDK: atomic read-modify-write on LONG,
 * LONG64 and pointers. Included by wdm.h.
 *
 * As on x64 Windows each one is a single LOCK-prefixed instruction (or XCHG, locked by itself)
 * and a full memory barrier: gcc's __atomic builtins with __ATOMIC_SEQ_CST compile to exactly
 * that. Any IRQL; the target must be naturally aligned (Intel SDM Vol. 3A 9.1.2.2: a locked
 * access that splits a cache line is slow, and a split lock may fault on newer CPUs).
 * Return values, as documented (learn.microsoft.com, "InterlockedIncrement" etc.):
 *   Increment, Decrement, Add:                  the NEW value;
 *   Exchange, ExchangeAdd, And, Or, Xor:        the ORIGINAL value;
 *   CompareExchange:                            the ORIGINAL value (the swap happened iff it
 *                                               equals Comperand).
 */
#ifndef IRQLAB_INTERLOCKED_H
#define IRQLAB_INTERLOCKED_H

#include "ntdef.h"

#define IRQLAB_SEQ __ATOMIC_SEQ_CST

/* ---- LONG (32-bit) ---- */
static inline LONG InterlockedIncrement(LONG volatile *Addend) { return __atomic_add_fetch(Addend, 1, IRQLAB_SEQ); }
static inline LONG InterlockedDecrement(LONG volatile *Addend) { return __atomic_sub_fetch(Addend, 1, IRQLAB_SEQ); }
static inline LONG InterlockedExchange(LONG volatile *Target, LONG Value)
{
    return __atomic_exchange_n(Target, Value, IRQLAB_SEQ);
}
static inline LONG InterlockedCompareExchange(LONG volatile *Destination, LONG ExChange, LONG Comperand)
{
    __atomic_compare_exchange_n(Destination, &Comperand, ExChange, 0, IRQLAB_SEQ, IRQLAB_SEQ);
    return Comperand; /* on failure the builtin stored the value it found */
}
static inline LONG InterlockedExchangeAdd(LONG volatile *Addend, LONG Value)
{
    return __atomic_fetch_add(Addend, Value, IRQLAB_SEQ);
}
static inline LONG InterlockedAdd(LONG volatile *Addend, LONG Value)
{
    return __atomic_add_fetch(Addend, Value, IRQLAB_SEQ);
}
static inline LONG InterlockedAnd(LONG volatile *Destination, LONG Value)
{
    return __atomic_fetch_and(Destination, Value, IRQLAB_SEQ);
}
static inline LONG InterlockedOr(LONG volatile *Destination, LONG Value)
{
    return __atomic_fetch_or(Destination, Value, IRQLAB_SEQ);
}
static inline LONG InterlockedXor(LONG volatile *Destination, LONG Value)
{
    return __atomic_fetch_xor(Destination, Value, IRQLAB_SEQ);
}

/* ---- LONG64 ---- */
static inline LONG64 InterlockedIncrement64(LONG64 volatile *Addend)
{
    return __atomic_add_fetch(Addend, 1, IRQLAB_SEQ);
}
static inline LONG64 InterlockedDecrement64(LONG64 volatile *Addend)
{
    return __atomic_sub_fetch(Addend, 1, IRQLAB_SEQ);
}
static inline LONG64 InterlockedExchange64(LONG64 volatile *Target, LONG64 Value)
{
    return __atomic_exchange_n(Target, Value, IRQLAB_SEQ);
}
static inline LONG64 InterlockedCompareExchange64(LONG64 volatile *Destination, LONG64 ExChange, LONG64 Comperand)
{
    __atomic_compare_exchange_n(Destination, &Comperand, ExChange, 0, IRQLAB_SEQ, IRQLAB_SEQ);
    return Comperand;
}
static inline LONG64 InterlockedExchangeAdd64(LONG64 volatile *Addend, LONG64 Value)
{
    return __atomic_fetch_add(Addend, Value, IRQLAB_SEQ);
}
static inline LONG64 InterlockedAdd64(LONG64 volatile *Addend, LONG64 Value)
{
    return __atomic_add_fetch(Addend, Value, IRQLAB_SEQ);
}
static inline LONG64 InterlockedAnd64(LONG64 volatile *Destination, LONG64 Value)
{
    return __atomic_fetch_and(Destination, Value, IRQLAB_SEQ);
}
static inline LONG64 InterlockedOr64(LONG64 volatile *Destination, LONG64 Value)
{
    return __atomic_fetch_or(Destination, Value, IRQLAB_SEQ);
}
static inline LONG64 InterlockedXor64(LONG64 volatile *Destination, LONG64 Value)
{
    return __atomic_fetch_xor(Destination, Value, IRQLAB_SEQ);
}

/* ---- pointers ---- */
static inline PVOID InterlockedExchangePointer(PVOID volatile *Target, PVOID Value)
{
    return __atomic_exchange_n(Target, Value, IRQLAB_SEQ);
}
static inline PVOID InterlockedCompareExchangePointer(PVOID volatile *Destination, PVOID ExChange, PVOID Comperand)
{
    __atomic_compare_exchange_n(Destination, &Comperand, ExChange, 0, IRQLAB_SEQ, IRQLAB_SEQ);
    return Comperand;
}

#endif
