/* tests/unit/test_pmm.c - host tests of the physical frame allocator's core.
 * unit-sources: kernel/mm/pmm_core.c
 *
 * The core only does arithmetic on physical addresses, so these tests describe made-up
 * machines (a PC-like map with a hole below 1 MiB, tiny maps of a few frames) and check what
 * it hands out: never frame 0, never a reserved frame, aligned runs, exact counts, and that
 * every bad free is refused without changing anything. A randomized run compares the core
 * with a simple model after every step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/mm/pmm_core.h"

#define KiB 1024ull
#define MiB (1024ull * KiB)
#define FRAME PMM_FRAME_SIZE

struct machine {
    struct pmm_core core;
    uint64_t *storage;
};

/* A core over `ranges` (all usable), nothing reserved yet. */
static void machine_init(struct machine *m, const struct pmm_range *ranges, size_t count)
{
    uint64_t limit = pmm_core_frame_limit(ranges, count);
    m->storage = calloc(pmm_core_bitmap_words(limit) + 1, sizeof(uint64_t));
    assert_non_null(m->storage);
    pmm_core_init(&m->core, m->storage, limit);
    for (size_t i = 0; i < count; i++)
        pmm_core_add_range(&m->core, ranges[i].base, ranges[i].length);
}

static void machine_free(struct machine *m) { free(m->storage); }

/* Count free frames by asking about each one: must always equal core.free_frames. */
static uint64_t count_free(const struct pmm_core *core)
{
    uint64_t n = 0;
    for (uint64_t f = 0; f < core->frame_limit; f++)
        n += pmm_core_is_free(core, f * FRAME);
    return n;
}

/* A 128 MiB PC: 639 KiB low RAM, then RAM from 1 MiB, kernel image at 1 MiB. */
static void pc_like_machine(struct machine *m)
{
    const struct pmm_range usable[] = {{0, 0x9FC00}, {1 * MiB, 127 * MiB}};
    machine_init(m, usable, 2);
    pmm_core_reserve_range(&m->core, 0, 1 * MiB);       /* low memory */
    pmm_core_reserve_range(&m->core, 1 * MiB, 0x44000); /* kernel image */
}

static void pc_map_counts_and_reservations(void **state)
{
    (void)state;
    struct machine m;
    pc_like_machine(&m);
    uint64_t expected = (128 * MiB - 1 * MiB - 0x44000) / FRAME;
    assert_int_equal(m.core.total_frames, expected);
    assert_int_equal(m.core.free_frames, expected);
    assert_int_equal(count_free(&m.core), expected);
    assert_false(pmm_core_is_managed(&m.core, 0));
    assert_false(pmm_core_is_managed(&m.core, 0x8000));  /* below 1 MiB */
    assert_false(pmm_core_is_managed(&m.core, 1 * MiB)); /* kernel */
    assert_true(pmm_core_is_managed(&m.core, 1 * MiB + 0x44000));
    /* The lowest frames handed out are just past the kernel. */
    assert_int_equal(pmm_core_alloc(&m.core), 1 * MiB + 0x44000);
    machine_free(&m);
}

static void frame_zero_is_never_handed_out(void **state)
{
    (void)state;
    struct machine m;
    const struct pmm_range usable[] = {{0, 2 * FRAME}};
    machine_init(&m, usable, 1);
    assert_int_equal(m.core.total_frames, 1);
    assert_int_equal(pmm_core_alloc(&m.core), FRAME);
    assert_int_equal(pmm_core_alloc(&m.core), 0);
    assert_int_equal(pmm_core_alloc_contiguous(&m.core, 1, FRAME, 0), 0);
    assert_int_equal(pmm_core_free(&m.core, 0, 1, NULL), PMM_ERR_NOT_MANAGED);
    machine_free(&m);
}

static void partial_frames_round_inward_reservations_outward(void **state)
{
    (void)state;
    struct machine m;
    const struct pmm_range usable[] = {{0x1800, 0x4000}}; /* 0x1800-0x57FF: whole frames 2, 3, 4 */
    machine_init(&m, usable, 1);
    assert_int_equal(m.core.total_frames, 3);
    assert_false(pmm_core_is_managed(&m.core, 0x1000));
    assert_true(pmm_core_is_managed(&m.core, 0x2000));
    assert_true(pmm_core_is_managed(&m.core, 0x4000));
    assert_false(pmm_core_is_managed(&m.core, 0x5000));
    pmm_core_reserve_range(&m.core, 0x2FFF, 2); /* touches frames 2 and 3 */
    assert_int_equal(m.core.total_frames, 1);
    assert_int_equal(m.core.free_frames, 1);
    assert_int_equal(pmm_core_alloc(&m.core), 0x4000);
    machine_free(&m);
}

static void overlapping_ranges_count_once(void **state)
{
    (void)state;
    struct machine m;
    const struct pmm_range usable[] = {{16 * FRAME, 16 * FRAME}, {24 * FRAME, 16 * FRAME}};
    machine_init(&m, usable, 2);
    assert_int_equal(m.core.total_frames, 24);
    assert_int_equal(count_free(&m.core), 24);
    machine_free(&m);
}

static void exhaustion_and_full_recovery(void **state)
{
    (void)state;
    struct machine m;
    const struct pmm_range usable[] = {{1 * MiB, 64 * FRAME}};
    machine_init(&m, usable, 1);
    uint64_t got[64];
    for (int i = 0; i < 64; i++) {
        got[i] = pmm_core_alloc(&m.core);
        assert_true(got[i] >= 1 * MiB && got[i] < 1 * MiB + 64 * FRAME);
        assert_int_equal(got[i] % FRAME, 0);
        for (int j = 0; j < i; j++)
            assert_true(got[j] != got[i]);
    }
    assert_int_equal(m.core.free_frames, 0);
    assert_int_equal(pmm_core_alloc(&m.core), 0);
    assert_int_equal(pmm_core_alloc_contiguous(&m.core, 1, FRAME, 0), 0);
    for (int i = 0; i < 64; i++)
        assert_int_equal(pmm_core_free(&m.core, got[i], 1, NULL), PMM_OK);
    assert_int_equal(m.core.free_frames, 64);
    assert_int_equal(count_free(&m.core), 64);
    machine_free(&m);
}

static void next_fit_wraps_around(void **state)
{
    (void)state;
    struct machine m;
    const struct pmm_range usable[] = {{4 * FRAME, 4 * FRAME}};
    machine_init(&m, usable, 1);
    uint64_t a = pmm_core_alloc(&m.core), b = pmm_core_alloc(&m.core);
    assert_int_equal(a, 4 * FRAME);
    assert_int_equal(b, 5 * FRAME);
    assert_int_equal(pmm_core_free(&m.core, a, 1, NULL), PMM_OK);
    assert_int_equal(pmm_core_alloc(&m.core), 6 * FRAME); /* next fit: keeps going up */
    assert_int_equal(pmm_core_alloc(&m.core), 7 * FRAME);
    assert_int_equal(pmm_core_alloc(&m.core), 4 * FRAME); /* then wraps to the freed one */
    assert_int_equal(pmm_core_alloc(&m.core), 0);
    machine_free(&m);
}

static void bad_frees_are_refused_without_change(void **state)
{
    (void)state;
    struct machine m;
    pc_like_machine(&m);
    uint64_t run = pmm_core_alloc_contiguous(&m.core, 4, FRAME, 0);
    assert_int_not_equal(run, 0);
    uint64_t free_before = m.core.free_frames, bad = 0;

    assert_int_equal(pmm_core_free(&m.core, run + 1, 1, &bad), PMM_ERR_UNALIGNED);
    assert_int_equal(bad, run + 1);
    assert_int_equal(pmm_core_free(&m.core, 1 * MiB, 1, &bad), PMM_ERR_NOT_MANAGED);   /* the kernel */
    assert_int_equal(pmm_core_free(&m.core, 0x8000, 1, &bad), PMM_ERR_NOT_MANAGED);    /* low memory */
    assert_int_equal(pmm_core_free(&m.core, 512 * MiB, 1, &bad), PMM_ERR_NOT_MANAGED); /* past RAM */
    /* Four allocated + one free frame: the whole request is refused, the four stay allocated. */
    assert_int_equal(pmm_core_free(&m.core, run, 5, &bad), PMM_ERR_NOT_ALLOCATED);
    assert_int_equal(bad, run + 4 * FRAME);
    assert_int_equal(m.core.free_frames, free_before);
    for (int i = 0; i < 4; i++)
        assert_false(pmm_core_is_free(&m.core, run + i * FRAME));

    assert_int_equal(pmm_core_free(&m.core, run, 4, NULL), PMM_OK);
    assert_int_equal(pmm_core_free(&m.core, run, 1, &bad), PMM_ERR_NOT_ALLOCATED); /* double free */
    assert_int_equal(bad, run);
    assert_int_equal(m.core.free_frames, free_before + 4);
    machine_free(&m);
}

static void contiguous_runs_are_aligned_and_below_limit(void **state)
{
    (void)state;
    struct machine m;
    pc_like_machine(&m);
    const uint64_t aligns[] = {16, FRAME, 16 * KiB, 64 * KiB, 2 * MiB};
    for (size_t i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
        uint64_t a = aligns[i] < FRAME ? FRAME : aligns[i];
        uint64_t run = pmm_core_alloc_contiguous(&m.core, 3, aligns[i], 0);
        assert_int_not_equal(run, 0);
        assert_int_equal(run % a, 0);
        for (int f = 0; f < 3; f++)
            assert_false(pmm_core_is_free(&m.core, run + f * FRAME));
    }
    /* Not a power of two. */
    assert_int_equal(pmm_core_alloc_contiguous(&m.core, 1, 3 * FRAME, 0), 0);
    /* A limit: the run must end at or below it. */
    uint64_t run = pmm_core_alloc_contiguous(&m.core, 16, FRAME, 8 * MiB);
    assert_true(run != 0 && run + 16 * FRAME <= 8 * MiB);
    assert_int_equal(pmm_core_alloc_contiguous(&m.core, 16, FRAME, 1 * MiB), 0); /* nothing there */
    assert_int_equal(count_free(&m.core), m.core.free_frames);
    machine_free(&m);
}

static void contiguous_skips_used_frames_and_fails_when_fragmented(void **state)
{
    (void)state;
    struct machine m;
    const struct pmm_range usable[] = {{1 * MiB, 32 * FRAME}};
    machine_init(&m, usable, 1);
    uint64_t frames[32];
    for (int i = 0; i < 32; i++)
        frames[i] = pmm_core_alloc(&m.core);
    for (int i = 0; i < 32; i += 2) /* free every other frame: 16 free, no two adjacent */
        assert_int_equal(pmm_core_free(&m.core, frames[i], 1, NULL), PMM_OK);
    assert_int_equal(m.core.free_frames, 16);
    assert_int_equal(pmm_core_alloc_contiguous(&m.core, 2, FRAME, 0), 0);
    assert_int_equal(pmm_core_alloc_contiguous(&m.core, 1, FRAME, 0), frames[0]);
    /* Free frames 20..23 (21 and 23 were allocated): a run of 3 starts at the lowest fit. */
    assert_int_equal(pmm_core_free(&m.core, frames[21], 1, NULL), PMM_OK);
    assert_int_equal(pmm_core_free(&m.core, frames[23], 1, NULL), PMM_OK);
    assert_int_equal(pmm_core_alloc_contiguous(&m.core, 3, FRAME, 0), frames[20]);
    assert_int_equal(count_free(&m.core), m.core.free_frames);
    machine_free(&m);
}

static void find_free_space_avoids_reserved_ranges(void **state)
{
    (void)state;
    const struct pmm_range usable[] = {{0, 0x9F000}, {1 * MiB, 63 * MiB}, {4096 * MiB, 1024 * MiB}};
    const struct pmm_range reserved[] = {{0, 1 * MiB}, {1 * MiB, 0x44000}, {2 * MiB, 0x1000}};
    /* Lowest fit: right after the kernel image. */
    assert_int_equal(pmm_find_free_space(usable, 3, reserved, 3, 0x10000, 1 * MiB, 0), 1 * MiB + 0x44000);
    /* Too big for the gap before the reservation at 2 MiB: placed after it. */
    assert_int_equal(pmm_find_free_space(usable, 3, reserved, 3, 1 * MiB, 1 * MiB, 0), 2 * MiB + 0x1000);
    /* Bigger than low RAM: only the range above 4 GiB fits, unless a limit forbids it. */
    assert_int_equal(pmm_find_free_space(usable, 3, reserved, 3, 100 * MiB, 1 * MiB, 0), 4096 * MiB);
    assert_int_equal(pmm_find_free_space(usable, 3, reserved, 3, 100 * MiB, 1 * MiB, 4096 * MiB), 0);
    /* Odd sizes are rounded up to whole frames. */
    assert_int_equal(pmm_find_free_space(usable, 3, reserved, 3, 1, 1 * MiB, 0), 1 * MiB + 0x44000);
}

/* Random allocations and frees against a model that records which frames each allocation
 * owns. After every step: counts agree, and nothing is handed out twice. */
static void randomized_against_a_model(void **state)
{
    (void)state;
    struct machine m;
    const struct pmm_range usable[] = {{1 * MiB, 256 * FRAME}, {2 * MiB, 512 * FRAME}};
    machine_init(&m, usable, 2);
    pmm_core_reserve_range(&m.core, 2 * MiB + 100 * FRAME, 3 * FRAME);
    const uint64_t total = m.core.total_frames;
    enum { SLOTS = 96 };
    struct {
        uint64_t phys, pages;
    } live[SLOTS] = {{0, 0}};
    uint8_t *owner = calloc(m.core.frame_limit, 1); /* 1 = allocated per the model */
    assert_non_null(owner);
    uint64_t model_free = total;
    srand(12345);

    for (int step = 0; step < 20000; step++) {
        int slot = rand() % SLOTS;
        if (live[slot].pages) {
            assert_int_equal(pmm_core_free(&m.core, live[slot].phys, live[slot].pages, NULL), PMM_OK);
            for (uint64_t i = 0; i < live[slot].pages; i++)
                owner[(live[slot].phys >> PMM_FRAME_SHIFT) + i] = 0;
            model_free += live[slot].pages;
            live[slot].pages = 0;
        } else {
            uint64_t pages = 1, phys;
            if (rand() % 3) {
                phys = pmm_core_alloc(&m.core);
            } else {
                pages = 1 + (uint64_t)(rand() % 8);
                uint64_t align = FRAME << (rand() % 4);
                phys = pmm_core_alloc_contiguous(&m.core, pages, align, 0);
                if (phys)
                    assert_int_equal(phys % align, 0);
            }
            if (!phys) {
                assert_true(model_free < pages + 8 * SLOTS); /* only fails when memory is short */
                continue;
            }
            for (uint64_t i = 0; i < pages; i++) {
                uint64_t f = (phys >> PMM_FRAME_SHIFT) + i;
                assert_true(pmm_core_is_managed(&m.core, f << PMM_FRAME_SHIFT));
                assert_int_equal(owner[f], 0); /* never handed out twice */
                owner[f] = 1;
            }
            model_free -= pages;
            live[slot].phys = phys;
            live[slot].pages = pages;
        }
        assert_int_equal(m.core.free_frames, model_free);
        if (step % 1000 == 0)
            assert_int_equal(count_free(&m.core), model_free);
    }
    for (int slot = 0; slot < SLOTS; slot++)
        if (live[slot].pages)
            assert_int_equal(pmm_core_free(&m.core, live[slot].phys, live[slot].pages, NULL), PMM_OK);
    assert_int_equal(m.core.free_frames, total);
    assert_int_equal(count_free(&m.core), total);
    free(owner);
    machine_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pc_map_counts_and_reservations),
        cmocka_unit_test(frame_zero_is_never_handed_out),
        cmocka_unit_test(partial_frames_round_inward_reservations_outward),
        cmocka_unit_test(overlapping_ranges_count_once),
        cmocka_unit_test(exhaustion_and_full_recovery),
        cmocka_unit_test(next_fit_wraps_around),
        cmocka_unit_test(bad_frees_are_refused_without_change),
        cmocka_unit_test(contiguous_runs_are_aligned_and_below_limit),
        cmocka_unit_test(contiguous_skips_used_frames_and_fails_when_fragmented),
        cmocka_unit_test(find_free_space_avoids_reserved_ranges),
        cmocka_unit_test(randomized_against_a_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
