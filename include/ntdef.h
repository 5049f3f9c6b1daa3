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
typedef uint16_t WCHAR, *PWCHAR, *PWSTR;
typedef const WCHAR *PCWSTR;

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

/* SAL annotations (_In_, _IRQL_requires_max_(...), ...) are documentation only: sal.h. */
#include "driverspecs.h"

#define UNREFERENCED_PARAMETER(P) ((void)(P))
#define RTL_FIELD_SIZE(type, field) (sizeof(((type *)0)->field))
#define RTL_SIZEOF_THROUGH_FIELD(type, field) (offsetof(type, field) + RTL_FIELD_SIZE(type, field))
#define CONTAINING_RECORD(address, type, field) ((type *)((char *)(address) - offsetof(type, field)))
#define RTL_NUMBER_OF(a) (sizeof(a) / sizeof((a)[0]))
#define ARRAYSIZE(a) RTL_NUMBER_OF(a)

/* ---- WDK vocabulary (issue 12): what every WDK source spells and irqlab's gcc ignores ----
 * Reference: WDK ntdef.h, minwindef.h, basetsd.h. */

/* Calling conventions: on x64 there is one (the Microsoft x64 ABI), so the WDK defines NTAPI
 * and FASTCALL as __stdcall/__fastcall, which the x64 compiler ignores. irqlab uses the System V
 * ABI throughout (driver and kernel are built by the same gcc), so they are empty as well. */
#define NTAPI
#define NTSYSAPI
#define NTKERNELAPI
#define FASTCALL
#define DECLSPEC_NOINLINE __attribute__((noinline))
#define FORCEINLINE static inline __attribute__((always_inline))
#define CONST const

/* The pre-SAL parameter markers: documentation only, as in the WDK. */
#define IN
#define OUT
#define OPTIONAL

/* Anonymous unions and structs: the WDK names them DUMMYUNIONNAME etc. for compilers without
 * them; gcc (C11) has them, so the names expand to nothing and members are reached directly. */
#define DUMMYUNIONNAME
#define DUMMYUNIONNAME2
#define DUMMYUNIONNAME3
#define DUMMYSTRUCTNAME
#define DUMMYSTRUCTNAME2

typedef CHAR CCHAR;
typedef int INT;
typedef unsigned int UINT;
typedef SHORT CSHORT;
typedef int64_t LONG64, *PLONG64;
typedef ULONG LOGICAL, *PLOGICAL;

#ifndef min
#define min(a, b) (((a) < (b)) ? (a) : (b))
#endif
#ifndef max
#define max(a, b) (((a) > (b)) ? (a) : (b))
#endif

/* A counted 8-bit string (DbgPrint's %Z prints one). Length in bytes, no terminator. */
typedef struct _STRING {
    USHORT Length;
    USHORT MaximumLength;
    PCHAR Buffer;
} STRING, *PSTRING, ANSI_STRING, *PANSI_STRING, OEM_STRING, *POEM_STRING;
typedef const STRING *PCANSI_STRING;

/* L"..." must be 16-bit, as in the WDK: the Makefile builds everything with -fshort-wchar. */
_Static_assert(sizeof(L'x') == sizeof(WCHAR), "build with -fshort-wchar: WCHAR and L\"...\" are 16-bit");
/* ---- end of WDK vocabulary ---- */

#endif
