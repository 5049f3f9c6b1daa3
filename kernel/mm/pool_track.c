/* kernel/mm/pool_track.c - see pool_track.h. A fixed table of live driver allocations, searched
 * linearly: only with verifier=pool on, and a driver holds a few dozen blocks. */
#include "kernel/mm/pool_track.h"

#include "include/wdm.h"
#include "kernel/ke/ksyms.h"
#include "kernel/ke/rawlock.h"
#include "kernel/ke/verifier.h"

extern const IRQLAB_DRIVER __driver_table_start[], __driver_table_end[]; /* linker.ld */

#define MAX_UNITS 2048

struct tracked {
    void *p; /* NULL: a free slot */
    size_t bytes;
    uint32_t tag;
    int unit;
    void *caller;
    uint64_t sequence; /* allocation order: the oldest leak is named */
};

static struct tracked table[POOL_TRACK_MAX];
static unsigned live;
static uint64_t untracked, sequence;
static uint64_t driver_units[MAX_UNITS / 64]; /* bit set: the unit is a driver's */
static bool driver_units_known;
static struct pool_track_leaks last;
static bool have_last;
static raw_lock_t lock = RAW_LOCK_INIT;

int pool_track_unit_of(const void *routine) { return routine ? ksym_unit_of((uint64_t)(uintptr_t)routine) : -1; }

static int driver_unit(const IRQLAB_DRIVER *d)
{
    return pool_track_unit_of(d->DriverEntry ? (const void *)d->DriverEntry : (const void *)d->StartDevice);
}

/* Called with the lock held: the driver table does not change after the link. */
static bool is_driver_unit(int unit)
{
    if (!driver_units_known) {
        for (const IRQLAB_DRIVER *d = __driver_table_start; d < __driver_table_end; d++) {
            int u = driver_unit(d);
            if (u >= 0 && u < MAX_UNITS)
                driver_units[u / 64] |= 1ull << (u % 64);
        }
        driver_units_known = true;
    }
    return unit >= 0 && unit < MAX_UNITS && (driver_units[unit / 64] >> (unit % 64)) & 1;
}

bool pool_track_is_driver_code(uint64_t address)
{
    int unit = ksym_unit_of(address);
    uint64_t flags = raw_lock_acquire(&lock);
    bool driver = is_driver_unit(unit);
    raw_lock_release(&lock, flags);
    return driver;
}

void pool_track_alloc(void *p, size_t bytes, uint32_t tag, void *caller)
{
    if (!p || !ke_verifier_on(KE_VERIFY_POOL))
        return;
    int unit = ksym_unit_of((uint64_t)(uintptr_t)caller);
    uint64_t flags = raw_lock_acquire(&lock);
    if (is_driver_unit(unit)) {
        unsigned i = 0;
        while (i < POOL_TRACK_MAX && table[i].p)
            i++;
        if (i < POOL_TRACK_MAX) {
            table[i] = (struct tracked){p, bytes, tag, unit, caller, ++sequence};
            live++;
        } else {
            untracked++;
        }
    }
    raw_lock_release(&lock, flags);
}

void pool_track_free(void *p)
{
    if (!live) /* also when verifier=pool was switched off: blocks tracked before still leave */
        return;
    uint64_t flags = raw_lock_acquire(&lock);
    for (unsigned i = 0; i < POOL_TRACK_MAX && live; i++) {
        if (table[i].p == p) {
            table[i].p = NULL;
            live--;
            break;
        }
    }
    raw_lock_release(&lock, flags);
}

bool pool_track_leaks_of(int unit, struct pool_track_leaks *leaks)
{
    struct pool_track_leaks l = {.unit = unit};
    uint64_t oldest = UINT64_MAX;
    uint64_t flags = raw_lock_acquire(&lock);
    for (unsigned i = 0; unit >= 0 && i < POOL_TRACK_MAX; i++) {
        const struct tracked *t = &table[i];
        if (!t->p || t->unit != unit)
            continue;
        l.count++;
        l.bytes += t->bytes;
        if (t->sequence < oldest) {
            oldest = t->sequence;
            l.first = (uint64_t)(uintptr_t)t->p;
            l.first_bytes = t->bytes;
            l.first_tag = t->tag;
            l.first_caller = t->caller;
        }
    }
    if (l.count) {
        last = l;
        have_last = true;
    }
    raw_lock_release(&lock, flags);
    *leaks = l;
    return l.count != 0;
}

bool pool_track_last_leaks(struct pool_track_leaks *leaks)
{
    *leaks = last;
    return have_last;
}

unsigned pool_track_live(void) { return live; }

uint64_t pool_track_untracked(void) { return untracked; }
