/* include/ntrtl.h - the run-time library's memory routines (Rtl*Memory), as the WDK's wdm.h
 * defines them. Included by wdm.h; kept in its own file so wdm.h stays easy to merge.
 *
 * As in the WDK, five of them are macros over the C library's memset/memcpy/memmove/memcmp
 * (the kernel provides those: kernel/lib/string.c); gcc's builtins are used so a driver needs
 * no <string.h>, and gcc may inline small constant sizes exactly as MSVC does.
 * Reference: "RtlZeroMemory macro", "RtlCopyMemory macro", "RtlMoveMemory macro",
 * "RtlFillMemory macro", "RtlEqualMemory macro", "RtlCompareMemory function" (learn.microsoft.com).
 */
#ifndef IRQLAB_NTRTL_H
#define IRQLAB_NTRTL_H

#include "ntdef.h"

/* Fills Length bytes at Destination with zeros. */
#define RtlZeroMemory(Destination, Length) __builtin_memset((Destination), 0, (Length))

/* Fills Length bytes at Destination with the byte Fill. */
#define RtlFillMemory(Destination, Length, Fill) __builtin_memset((Destination), (Fill), (Length))

/* Copies Length bytes; the two blocks must not overlap (use RtlMoveMemory if they may). */
#define RtlCopyMemory(Destination, Source, Length) __builtin_memcpy((Destination), (Source), (Length))

/* Copies Length bytes; the blocks may overlap (the copy is as if through a temporary buffer). */
#define RtlMoveMemory(Destination, Source, Length) __builtin_memmove((Destination), (Source), (Length))

/* TRUE (nonzero) if the two blocks hold the same Length bytes. */
#define RtlEqualMemory(Destination, Source, Length) (!__builtin_memcmp((Destination), (Source), (Length)))

/* The number of leading bytes that match: Length if the blocks are equal, else the index of
 * the first difference (kernel/lib/rtl_memory.c). Any IRQL if both blocks are non-paged. */
SIZE_T RtlCompareMemory(const VOID *Source1, const VOID *Source2, SIZE_T Length);

#endif
