/* kernel/lib/rtl_memory.c - RtlCompareMemory, the one Rtl memory routine that is a function in
 * the WDK (the others are macros in include/ntrtl.h). Reference: "RtlCompareMemory function". */
#include "include/wdm.h"

SIZE_T RtlCompareMemory(const VOID *Source1, const VOID *Source2, SIZE_T Length)
{
    const UCHAR *a = Source1, *b = Source2;
    SIZE_T i = 0;
    while (i < Length && a[i] == b[i])
        i++;
    return i;
}
