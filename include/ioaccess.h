/* include/ioaccess.h - device register access: READ_REGISTER_* / WRITE_REGISTER_* for
 * memory-mapped registers (a BAR mapped with MmMapIoSpace), READ_PORT_* / WRITE_PORT_* for I/O
 * ports, each for UCHAR, USHORT and ULONG, and their _BUFFER_ forms. Included by wdm.h.
 *
 * Each single access is exactly one access of that width, never merged, split or reordered by
 * the compiler, as on x64 Windows: reads are preceded by a compiler barrier, and register
 * writes are followed by a store fence (the WDK's FastFence, a locked OR to the stack), so the
 * write reaches the device before later memory operations. Port I/O (IN/OUT) is serializing
 * for memory by itself on x86 (Intel SDM Vol. 3A 9.3 / 11.6 "I/O instructions ... are
 * serializing"), no fence is needed.
 *
 * _BUFFER_ forms, as the WDK documents them:
 *   READ_PORT_BUFFER_X / WRITE_PORT_BUFFER_X read or write Count values at the SAME port
 *     (a FIFO register), with REP INS / REP OUTS.
 *   READ_REGISTER_BUFFER_X / WRITE_REGISTER_BUFFER_X copy Count values between the buffer and
 *     Count CONSECUTIVE registers (REP MOVS), the register address advancing by the width.
 * Reference: "READ_PORT_BUFFER_UCHAR", "READ_REGISTER_BUFFER_ULONG", "WRITE_REGISTER_ULONG"
 * (learn.microsoft.com); Intel SDM Vol. 2 INS/OUTS/MOVS.
 */
#ifndef IRQLAB_IOACCESS_H
#define IRQLAB_IOACCESS_H

#include "ntdef.h"

#define IRQLAB_IO_COMPILER_BARRIER() __asm__ volatile("" ::: "memory")
#define IRQLAB_IO_STORE_FENCE() __asm__ volatile("lock orl $0, (%%rsp)" ::: "memory", "cc")

/* ---- memory-mapped registers ---- */
static inline UCHAR READ_REGISTER_UCHAR(volatile UCHAR *Register)
{
    IRQLAB_IO_COMPILER_BARRIER();
    return *Register;
}
static inline USHORT READ_REGISTER_USHORT(volatile USHORT *Register)
{
    IRQLAB_IO_COMPILER_BARRIER();
    return *Register;
}
static inline ULONG READ_REGISTER_ULONG(volatile ULONG *Register)
{
    IRQLAB_IO_COMPILER_BARRIER();
    return *Register;
}
static inline VOID WRITE_REGISTER_UCHAR(volatile UCHAR *Register, UCHAR Value)
{
    *Register = Value;
    IRQLAB_IO_STORE_FENCE();
}
static inline VOID WRITE_REGISTER_USHORT(volatile USHORT *Register, USHORT Value)
{
    *Register = Value;
    IRQLAB_IO_STORE_FENCE();
}
static inline VOID WRITE_REGISTER_ULONG(volatile ULONG *Register, ULONG Value)
{
    *Register = Value;
    IRQLAB_IO_STORE_FENCE();
}

/* REP MOVS of Count elements of `size` bytes (1, 2 or 4), forward. */
#define IRQLAB_IO_REP_MOVS(suffix, dst, src, count)                                                                    \
    do {                                                                                                               \
        void *d_ = (void *)(dst);                                                                                      \
        const void *s_ = (const void *)(src);                                                                          \
        ULONG_PTR c_ = (count);                                                                                        \
        __asm__ volatile("cld; rep movs" suffix : "+D"(d_), "+S"(s_), "+c"(c_) : : "memory");                          \
    } while (0)

static inline VOID READ_REGISTER_BUFFER_UCHAR(volatile UCHAR *Register, PUCHAR Buffer, ULONG Count)
{
    IRQLAB_IO_REP_MOVS("b", Buffer, Register, Count);
}
static inline VOID READ_REGISTER_BUFFER_USHORT(volatile USHORT *Register, PUSHORT Buffer, ULONG Count)
{
    IRQLAB_IO_REP_MOVS("w", Buffer, Register, Count);
}
static inline VOID READ_REGISTER_BUFFER_ULONG(volatile ULONG *Register, PULONG Buffer, ULONG Count)
{
    IRQLAB_IO_REP_MOVS("l", Buffer, Register, Count);
}
static inline VOID WRITE_REGISTER_BUFFER_UCHAR(volatile UCHAR *Register, PUCHAR Buffer, ULONG Count)
{
    IRQLAB_IO_REP_MOVS("b", Register, Buffer, Count);
    IRQLAB_IO_STORE_FENCE();
}
static inline VOID WRITE_REGISTER_BUFFER_USHORT(volatile USHORT *Register, PUSHORT Buffer, ULONG Count)
{
    IRQLAB_IO_REP_MOVS("w", Register, Buffer, Count);
    IRQLAB_IO_STORE_FENCE();
}
static inline VOID WRITE_REGISTER_BUFFER_ULONG(volatile ULONG *Register, PULONG Buffer, ULONG Count)
{
    IRQLAB_IO_REP_MOVS("l", Register, Buffer, Count);
    IRQLAB_IO_STORE_FENCE();
}

/* ---- I/O ports (the Port "address" is the 16-bit port number, as x64 Windows takes it) ---- */
static inline UCHAR READ_PORT_UCHAR(PUCHAR Port)
{
    UCHAR value;
    __asm__ volatile("inb %w1, %0" : "=a"(value) : "Nd"((USHORT)(ULONG_PTR)Port) : "memory");
    return value;
}
static inline USHORT READ_PORT_USHORT(PUSHORT Port)
{
    USHORT value;
    __asm__ volatile("inw %w1, %0" : "=a"(value) : "Nd"((USHORT)(ULONG_PTR)Port) : "memory");
    return value;
}
static inline ULONG READ_PORT_ULONG(PULONG Port)
{
    ULONG value;
    __asm__ volatile("inl %w1, %0" : "=a"(value) : "Nd"((USHORT)(ULONG_PTR)Port) : "memory");
    return value;
}
static inline VOID WRITE_PORT_UCHAR(PUCHAR Port, UCHAR Value)
{
    __asm__ volatile("outb %0, %w1" : : "a"(Value), "Nd"((USHORT)(ULONG_PTR)Port) : "memory");
}
static inline VOID WRITE_PORT_USHORT(PUSHORT Port, USHORT Value)
{
    __asm__ volatile("outw %0, %w1" : : "a"(Value), "Nd"((USHORT)(ULONG_PTR)Port) : "memory");
}
static inline VOID WRITE_PORT_ULONG(PULONG Port, ULONG Value)
{
    __asm__ volatile("outl %0, %w1" : : "a"(Value), "Nd"((USHORT)(ULONG_PTR)Port) : "memory");
}

/* REP INS / REP OUTS: Count transfers between one port and consecutive buffer elements. */
#define IRQLAB_IO_REP_INS(suffix, port, buffer, count)                                                                 \
    do {                                                                                                               \
        void *d_ = (void *)(buffer);                                                                                   \
        ULONG_PTR c_ = (count);                                                                                        \
        __asm__ volatile("cld; rep ins" suffix : "+D"(d_), "+c"(c_) : "d"((USHORT)(ULONG_PTR)(port)) : "memory");      \
    } while (0)
#define IRQLAB_IO_REP_OUTS(suffix, port, buffer, count)                                                                \
    do {                                                                                                               \
        const void *s_ = (const void *)(buffer);                                                                       \
        ULONG_PTR c_ = (count);                                                                                        \
        __asm__ volatile("cld; rep outs" suffix : "+S"(s_), "+c"(c_) : "d"((USHORT)(ULONG_PTR)(port)) : "memory");     \
    } while (0)

static inline VOID READ_PORT_BUFFER_UCHAR(PUCHAR Port, PUCHAR Buffer, ULONG Count)
{
    IRQLAB_IO_REP_INS("b", Port, Buffer, Count);
}
static inline VOID READ_PORT_BUFFER_USHORT(PUSHORT Port, PUSHORT Buffer, ULONG Count)
{
    IRQLAB_IO_REP_INS("w", Port, Buffer, Count);
}
static inline VOID READ_PORT_BUFFER_ULONG(PULONG Port, PULONG Buffer, ULONG Count)
{
    IRQLAB_IO_REP_INS("l", Port, Buffer, Count);
}
static inline VOID WRITE_PORT_BUFFER_UCHAR(PUCHAR Port, PUCHAR Buffer, ULONG Count)
{
    IRQLAB_IO_REP_OUTS("b", Port, Buffer, Count);
}
static inline VOID WRITE_PORT_BUFFER_USHORT(PUSHORT Port, PUSHORT Buffer, ULONG Count)
{
    IRQLAB_IO_REP_OUTS("w", Port, Buffer, Count);
}
static inline VOID WRITE_PORT_BUFFER_ULONG(PULONG Port, PULONG Buffer, ULONG Count)
{
    IRQLAB_IO_REP_OUTS("l", Port, Buffer, Count);
}

#endif
