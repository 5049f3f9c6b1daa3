/* include/initguid.h - include it before a header of DEFINE_GUIDs to define them, not only
 * declare them (learn.microsoft.com: "Including GUIDs in Driver Code"). */
#ifdef DEFINE_GUID
#undef DEFINE_GUID
#endif
#define INITGUID
#include "guiddef.h"
#ifndef IRQLAB_GUIDDEF_H
#error "guiddef.h did not define DEFINE_GUID"
#endif
#undef DEFINE_GUID
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8)                                                   \
    __attribute__((weak)) const GUID name = {l, w1, w2, {b1, b2, b3, b4, b5, b6, b7, b8}}
