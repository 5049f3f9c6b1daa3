/* tests/ktest/bench_test.c - what irqlab's interrupt path costs, next to a bare stub.
 *
 * Both vectors are raised by a self-IPI and taken at once. "full" goes the whole way (stub,
 * trap frame, trap_dispatch, ke_dispatch_interrupt, chain walk, an empty ISR returning TRUE,
 * EOI, statistics, DPC check); "bare" is tests/ktest/bench_stub.asm (save scratch registers,
 * EOI, iretq). Run it under `-icount shift=0` (make check-ktest GLOB=bench QEMU_EXTRA='-icount
 * shift=0') to turn TSC ticks into deterministic instruction counts. A manual suite: timing is
 * reported, never asserted. */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/lapic.h"
#include "include/wdm.h"
#include "kernel/ke/time.h"
#include "tests/ktest/irq_helpers.h"
#include "tests/ktest/ktest.h"

#define BENCH_ROUNDS 2000

extern void bench_bare_stub(void);

static BOOLEAN empty_isr(PKINTERRUPT interrupt, PVOID context) { return TRUE; }

/* Average TSC ticks for "send a self-IPI on `vector` and come back from its handler". */
static uint64_t round_trip_ticks(int vector)
{
    uint64_t total = 0;
    for (int i = 0; i < BENCH_ROUNDS; i++) {
        uint64_t start = rdtsc();
        lapic_send_ipi_self((uint8_t)vector);
        __asm__ volatile("nop" ::: "memory"); /* the interrupt is taken here, before rdtsc */
        total += rdtsc() - start;
    }
    return total / BENCH_ROUNDS;
}

static void dispatch_path(struct ktest *t)
{
    static KINTERRUPT obj;
    int full = test_vector_alloc(0), bare = test_vector_alloc(0);
    KTEST_ASSERT_GE(t, full, 0x30);
    KTEST_ASSERT_GE(t, bare, 0x30);
    KTEST_ASSERT_EQ(t, test_connect(&obj, full, empty_isr, NULL, Latched, FALSE), KE_CONNECT_OK);
    uint64_t old = idt_replace_handler((unsigned)bare, (uint64_t)(uintptr_t)bench_bare_stub);

    round_trip_ticks(full); /* warm up: TCG translates each code path once */
    round_trip_ticks(bare);
    uint64_t full_ticks = round_trip_ticks(full);
    uint64_t bare_ticks = round_trip_ticks(bare);

    idt_replace_handler((unsigned)bare, old);
    ke_interrupt_disconnect(&obj);
    test_vector_free(full);
    test_vector_free(bare);

    uint64_t mhz = time_tsc_frequency() / 1000000;
    ktest_log(t, "bench: TSC %lu MHz, %d rounds each", (unsigned long)mhz, BENCH_ROUNDS);
    ktest_log(t, "bench: full dispatch path  %lu TSC ticks per interrupt", (unsigned long)full_ticks);
    ktest_log(t, "bench: bare EOI stub       %lu TSC ticks per interrupt", (unsigned long)bare_ticks);
    ktest_log(t, "bench: dispatch overhead   %lu TSC ticks", (unsigned long)(full_ticks - bare_ticks));
    KTEST_EXPECT_GT(t, full_ticks, bare_ticks);
    KTEST_EXPECT_EQ(t, obj.ServiceCount[KeGetCurrentProcessorNumber()], 2 * BENCH_ROUNDS);
}

KTEST_MANUAL_SUITE(bench, KTEST_CASE(dispatch_path));
