/* include/ntdef.h - the base types of the Windows driver kit, as x64 defines them.
 * Sizes follow the LLP64 model of the WDK: LONG/ULONG are 32 bits, pointers and ULONG_PTR 64.
 * Reference: WDK ntdef.h / basetsd.h; "Windows Data Types" (learn.microsoft.com). */
#ifndef IRQLAB_NTDEF_H
#define IRQLAB_NTDEF_H

#include <stddef.h>
#include <stdint.h>

#define VOID void
typedef void *PVOID;
typedef char CHAR, *PCHAR;
typedef signed char SCHAR, *PSCHAR;
typedef const char *PCSTR, *PCCH;
typedef unsigned char UCHAR, *PUCHAR;
typedef int16_t SHORT, *PSHORT;
typedef uint16_t USHORT, *PUSHORT;
typedef int32_t LONG, *PLONG;
typedef uint32_t ULONG, *PULONG;
typedef int64_t LONGLONG, *PLONGLONG;
typedef uint64_t ULONGLONG, *PULONGLONG;
typedef int64_t LONG_PTR;
typedef uint64_t ULONG_PTR, *PULONG_PTR;
typedef ULONG_PTR SIZE_T, *PSIZE_T;
typedef uint64_t ULONG64, *PULONG64;
typedef uint32_t ULONG32;
typedef uint8_t BOOLEAN, *PBOOLEAN;
typedef LONG NTSTATUS;
typedef uint16_t WCHAR;

#define TRUE 1
#define FALSE 0
#ifndef NULL
#define NULL ((void *)0)
#endif

typedef union _LARGE_INTEGER {
    struct {
        ULONG LowPart;
        LONG HighPart;
    };
    LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

typedef union _ULARGE_INTEGER {
    struct {
        ULONG LowPart;
        ULONG HighPart;
    };
    ULONGLONG QuadPart;
} ULARGE_INTEGER, *PULARGE_INTEGER;

typedef LARGE_INTEGER PHYSICAL_ADDRESS, *PPHYSICAL_ADDRESS;

#define NT_SUCCESS(Status) (((NTSTATUS)(Status)) >= 0)

/* SAL annotations are documentation only here. */
#define _In_
#define _In_opt_
#define _Out_
#define _Out_opt_
#define _Inout_
#define _Inout_opt_

#define UNREFERENCED_PARAMETER(P) ((void)(P))
#define RTL_FIELD_SIZE(type, field) (sizeof(((type *)0)->field))
#define RTL_SIZEOF_THROUGH_FIELD(type, field) (offsetof(type, field) + RTL_FIELD_SIZE(type, field))
#define CONTAINING_RECORD(address, type, field) ((type *)((char *)(address) - offsetof(type, field)))
#define ARRAYSIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
