/* arch/x86_64/cpu.h - thin wrappers around single x86_64 instructions.
 *
 * Intel SDM Vol. 2 (instruction reference) for each instruction; Vol. 3A section 2.5
 * (control registers) and chapter 4 (paging) for CR0/CR2/CR3/CR4; Vol. 4 for MSR numbers.
 * Everything here is `static inline` so a GDB `step` goes straight through it.
 */
#ifndef IRQLAB_ARCH_CPU_H
#define IRQLAB_ARCH_CPU_H

#include <stdbool.h>
#include <stdint.h>

static inline void outb(uint16_t port, uint8_t value) { __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t value) { __asm__ volatile("outw %0, %1" : : "a"(value), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t value) { __asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port)); }

static inline uint8_t inb(uint16_t port)
{
    uint8_t value;
    __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

static inline uint16_t inw(uint16_t port)
{
    uint16_t value;
    __asm__ volatile("inw %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

static inline uint32_t inl(uint16_t port)
{
    uint32_t value;
    __asm__ volatile("inl %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

/* A write to an unused port takes about a microsecond: the classic ISA settle delay. */
static inline void io_wait(void) { outb(0x80, 0); }

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t value)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

static inline void cpuid(uint32_t leaf, uint32_t subleaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(subleaf));
}

#define DEFINE_CR_ACCESSORS(n)                                                                     \
    static inline uint64_t read_cr##n(void)                                                        \
    {                                                                                              \
        uint64_t value;                                                                            \
        __asm__ volatile("mov %%cr" #n ", %0" : "=r"(value));                                      \
        return value;                                                                              \
    }                                                                                              \
    static inline void write_cr##n(uint64_t value) { __asm__ volatile("mov %0, %%cr" #n : : "r"(value) : "memory"); }

DEFINE_CR_ACCESSORS(0)
DEFINE_CR_ACCESSORS(2)
DEFINE_CR_ACCESSORS(3)
DEFINE_CR_ACCESSORS(4)
DEFINE_CR_ACCESSORS(8)
#undef DEFINE_CR_ACCESSORS

static inline uint64_t read_rflags(void)
{
    uint64_t flags;
    __asm__ volatile("pushfq; popq %0" : "=r"(flags));
    return flags;
}

#define RFLAGS_IF (1ull << 9)

static inline bool interrupts_enabled(void) { return (read_rflags() & RFLAGS_IF) != 0; }
static inline void cpu_disable_interrupts(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void cpu_enable_interrupts(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void cpu_halt(void) { __asm__ volatile("hlt" ::: "memory"); }
static inline void cpu_pause(void) { __asm__ volatile("pause" ::: "memory"); }
static inline void invlpg(uint64_t address) { __asm__ volatile("invlpg (%0)" : : "r"(address) : "memory"); }

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t read_rbp(void)
{
    uint64_t rbp;
    __asm__ volatile("mov %%rbp, %0" : "=r"(rbp));
    return rbp;
}

/* Save RFLAGS and disable interrupts; restore with cpu_restore_interrupts(). */
static inline uint64_t cpu_save_and_disable_interrupts(void)
{
    uint64_t flags = read_rflags();
    cpu_disable_interrupts();
    return flags;
}

static inline void cpu_restore_interrupts(uint64_t flags)
{
    if (flags & RFLAGS_IF)
        cpu_enable_interrupts();
}

/* Stop this CPU for good (interrupts off). */
__attribute__((noreturn)) static inline void cpu_halt_forever(void)
{
    for (;;) {
        cpu_disable_interrupts();
        cpu_halt();
    }
}

#define MSR_EFER 0xC0000080u
#define MSR_FS_BASE 0xC0000100u
#define MSR_GS_BASE 0xC0000101u
#define MSR_KERNEL_GS_BASE 0xC0000102u
#define MSR_APIC_BASE 0x1Bu

#endif
