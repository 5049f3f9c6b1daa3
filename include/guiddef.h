/* include/guiddef.h - GUID, DEFINE_GUID, IsEqualGUID, as the WDK's (and SDK's) guiddef.h.
 *
 * learn.microsoft.com: "GUID structure (guiddef.h)", "Defining and Exporting New GUIDs",
 * "Including GUIDs in Driver Code" (DEFINE_GUID declares the GUID; after <initguid.h> it also
 * defines it, once per driver).
 *
 * A GUID is 16 bytes: Data1 (32-bit), Data2, Data3 (16-bit), Data4[8], compared byte for byte.
 * Without INITGUID, DEFINE_GUID only declares `extern const GUID name`; with it (include
 * <initguid.h> first) it defines the value. irqlab links every driver into one image, so the
 * definition is weak: two drivers that both define GUID_X (as Windows drivers each do, in their
 * own .sys) get one copy, like MSVC's __declspec(selectany).
 */
#ifndef IRQLAB_GUIDDEF_H
#define IRQLAB_GUIDDEF_H

#include "ntdef.h"
#include "ntrtl.h"

#ifndef GUID_DEFINED
#define GUID_DEFINED
typedef struct _GUID {
    ULONG Data1;
    USHORT Data2;
    USHORT Data3;
    UCHAR Data4[8];
} GUID;
#endif
typedef GUID *LPGUID, *PGUID;
typedef const GUID *LPCGUID, *PCGUID;
#define REFGUID const GUID *

_Static_assert(sizeof(GUID) == 16, "GUID is 16 bytes");

#ifdef INITGUID
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8)                                                   \
    __attribute__((weak)) const GUID name = {l, w1, w2, {b1, b2, b3, b4, b5, b6, b7, b8}}
#else
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) extern const GUID name
#endif

/* C has no references: the WDK's C form takes pointers, IsEqualGUID(&a, &b). */
static inline BOOLEAN InlineIsEqualGUID(const GUID *a, const GUID *b)
{
    return RtlCompareMemory(a, b, sizeof(GUID)) == sizeof(GUID);
}
#define IsEqualGUID(a, b) InlineIsEqualGUID(a, b)

#endif
