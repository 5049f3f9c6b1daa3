/* kernel/mm/pool_track.h - verifier=pool: Driver Verifier's "Pool Tracking" for irqlab.
 *
 * learn.microsoft.com "Pool Tracking": "At the time that the driver is unloaded, Driver Verifier
 * ensures that all allocations made by the driver have been freed", else Bug Check 0xC4
 * DRIVER_VERIFIER_DETECTED_VIOLATION with P1 = 0x62 ("Bug Check 0xC4": P2 = the driver's name,
 * P3 = the verifier's structure with driver information, P4 = the number of allocations not
 * freed).
 *
 * Which driver made an allocation: every driver is linked into the one kernel image, so there is
 * no image range per driver as on Windows. The build records instead which object file each piece
 * of .text came from (the linker map; scripts/gen_ksyms.py, kernel/ke/ksyms.h): a "unit" is one
 * drivers/<name>/ directory or one other object file. ExAllocatePool2 / ExAllocatePoolWithTag
 * charge the block to the unit of their return address; a driver is the unit holding its
 * driver-table routines (DriverEntry, else StartDevice). Only calls from a driver's own code
 * are charged: pool a kernel routine allocates for it (IoCreateDevice's device object, NDIS'
 * NdisAllocateMemoryWithTagPriority) is the kernel's, as Windows' verifier charges only the
 * verified image's own calls. Blocks allocated before verifier=pool was switched on are not
 * tracked. */
#ifndef IRQLAB_MM_POOL_TRACK_H
#define IRQLAB_MM_POOL_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POOL_TRACK_MAX 1024 /* tracked blocks at once; more are counted as untracked */

struct pool_track_leaks {
    int unit;            /* the driver's code unit (ksym_unit_name) */
    unsigned count;      /* blocks not freed */
    size_t bytes;        /* their bytes */
    uint64_t first;      /* the oldest one: its address, */
    size_t first_bytes;  /* size, */
    uint32_t first_tag;  /* tag */
    void *first_caller;  /* and the call site that allocated it */
};

/* pool.c, after a successful allocation / before a free. Cheap when verifier=pool is off. */
void pool_track_alloc(void *p, size_t bytes, uint32_t tag, void *caller);
void pool_track_free(void *p);
/* The code unit of a driver: the unit of `routine` (one of its routines), -1 if none. */
int pool_track_unit_of(const void *routine);
/* Is `address` in a driver's code (a unit holding a driver-table routine)? The page-fault handler
 * tells a driver's use after free (0xD5) from the kernel's (0xCC) with it. */
bool pool_track_is_driver_code(uint64_t address);
/* Blocks the unit still holds; false if none. Also kept for the stop screen (last_leaks). */
bool pool_track_leaks_of(int unit, struct pool_track_leaks *leaks);
/* The last report pool_track_leaks_of made (the stop screen's explanation reads it). */
bool pool_track_last_leaks(struct pool_track_leaks *leaks);
/* Blocks tracked now, and allocations not tracked because the table was full (`verifier`). */
unsigned pool_track_live(void);
uint64_t pool_track_untracked(void);

#endif
