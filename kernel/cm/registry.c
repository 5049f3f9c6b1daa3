/* kernel/cm/registry.c - the value store and its keys (see registry.h), and ZwQueryValueKey.
 *
 * learn.microsoft.com: "ZwQueryValueKey function (wdm.h)" (return values: STATUS_BUFFER_TOO_SMALL
 * when not even the fixed part fits, STATUS_BUFFER_OVERFLOW when the fixed part fits but not all
 * of the rest - the fixed part is filled -, *ResultLength the size needed either way;
 * STATUS_OBJECT_NAME_NOT_FOUND for a missing value; STATUS_INVALID_PARAMETER for an unknown
 * class), "KEY_VALUE_BASIC_INFORMATION", "KEY_VALUE_FULL_INFORMATION",
 * "KEY_VALUE_PARTIAL_INFORMATION", "Registry Value Types" (REG_SZ data is a NUL-terminated WCHAR
 * string, REG_DWORD 4 little-endian bytes).
 *
 * One lock (a spin lock: values are tiny and copied under it) protects the values and the table
 * of open keys. A key handle is the address of its struct cm_key, accepted back only if it is
 * in the table: a stale or made-up handle is STATUS_INVALID_HANDLE, never dereferenced.
 */
#include "kernel/cm/registry.h"

#include "kernel/ke/bugcheck.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"

#define CM_MAX_KEYS 32

struct cm_key {
    char driver[CM_NAME_MAX];
    ULONG key_type;
};

static struct cm_value values[CM_MAX_VALUES];
static unsigned value_count;
static struct cm_key keys[CM_MAX_KEYS];
static bool key_used[CM_MAX_KEYS];
static KSPIN_LOCK lock;

static bool same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a + 32) : *a;
        char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b + 32) : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}

static struct cm_value *find_locked(const char *driver, const char *name)
{
    for (unsigned i = 0; i < value_count; i++)
        if (same_name(values[i].driver, driver) && same_name(values[i].name, name))
            return &values[i];
    return NULL;
}

/* "42", "0x2A": REG_DWORD; anything else (or a number past 32 bits) is text. */
static bool parse_dword(const char *text, ULONG *out)
{
    uint64_t v = 0;
    unsigned base = 10;
    const char *p = text;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && p[2]) {
        base = 16;
        p += 2;
    }
    if (!*p)
        return false;
    for (; *p; p++) {
        unsigned d;
        if (*p >= '0' && *p <= '9')
            d = (unsigned)(*p - '0');
        else if (base == 16 && ((*p | 32) >= 'a' && (*p | 32) <= 'f'))
            d = (unsigned)((*p | 32) - 'a' + 10);
        else
            return false;
        v = v * base + d;
        if (v > 0xFFFFFFFFull)
            return false;
    }
    *out = (ULONG)v;
    return true;
}

bool cm_set_value(const char *driver, const char *name, const char *text, char *why, size_t why_size)
{
    ULONG ignored;
    return cm_set_value_typed(driver, name, parse_dword(text, &ignored) ? REG_DWORD : REG_SZ, text, why, why_size);
}

bool cm_set_value_typed(const char *driver, const char *name, ULONG type, const char *text, char *why, size_t why_size)
{
    if (!*driver || !*name || strlen(driver) >= CM_NAME_MAX || strlen(name) >= CM_NAME_MAX) {
        ksnprintf(why, why_size, "a driver and a value name of 1-%d characters are needed", CM_NAME_MAX - 1);
        return false;
    }
    if (strlen(text) >= CM_TEXT_MAX) {
        ksnprintf(why, why_size, "the value is longer than %d characters", CM_TEXT_MAX - 1);
        return false;
    }
    KIRQL old;
    KeAcquireSpinLock(&lock, &old);
    struct cm_value *v = find_locked(driver, name);
    if (!v && value_count < CM_MAX_VALUES)
        v = &values[value_count++];
    if (v) {
        memset(v, 0, sizeof(*v));
        strlcpy(v->driver, driver, sizeof(v->driver));
        strlcpy(v->name, name, sizeof(v->name));
        v->type = type == REG_DWORD && parse_dword(text, &v->dword) ? REG_DWORD : REG_SZ;
        strlcpy(v->text, text, sizeof(v->text));
    }
    KeReleaseSpinLock(&lock, old);
    if (!v)
        ksnprintf(why, why_size, "more than %d registry values", CM_MAX_VALUES);
    return v != NULL;
}

bool cm_delete_value(const char *driver, const char *name)
{
    KIRQL old;
    KeAcquireSpinLock(&lock, &old);
    struct cm_value *v = find_locked(driver, name);
    if (v) {
        unsigned i = (unsigned)(v - values);
        memmove(&values[i], &values[i + 1], (value_count - i - 1) * sizeof(values[0]));
        value_count--;
    }
    KeReleaseSpinLock(&lock, old);
    return v != NULL;
}

const struct cm_value *cm_find_value(const char *driver, const char *name)
{
    KIRQL old;
    KeAcquireSpinLock(&lock, &old);
    const struct cm_value *v = find_locked(driver, name);
    KeReleaseSpinLock(&lock, old);
    return v;
}

unsigned cm_value_count(void) { return value_count; }
const struct cm_value *cm_value_at(unsigned index) { return index < value_count ? &values[index] : NULL; }

/* ---- keys ---- */

HANDLE cm_open_key(const char *driver, ULONG key_type)
{
    HANDLE h = NULL;
    KIRQL old;
    KeAcquireSpinLock(&lock, &old);
    for (unsigned i = 0; i < CM_MAX_KEYS && !h; i++) {
        if (!key_used[i]) {
            key_used[i] = true;
            strlcpy(keys[i].driver, driver ? driver : "", sizeof(keys[i].driver));
            keys[i].key_type = key_type;
            h = &keys[i];
        }
    }
    KeReleaseSpinLock(&lock, old);
    return h;
}

/* The key's slot, or -1 when `handle` is not an open key. Lock held. */
static int key_slot(HANDLE handle)
{
    for (unsigned i = 0; i < CM_MAX_KEYS; i++)
        if (handle == &keys[i] && key_used[i])
            return (int)i;
    return -1;
}

bool cm_is_key(HANDLE handle)
{
    KIRQL old;
    KeAcquireSpinLock(&lock, &old);
    bool open = key_slot(handle) >= 0;
    KeReleaseSpinLock(&lock, old);
    return open;
}

NTSTATUS cm_close_key(HANDLE handle)
{
    KIRQL old;
    KeAcquireSpinLock(&lock, &old);
    int slot = key_slot(handle);
    if (slot >= 0)
        key_used[slot] = false;
    KeReleaseSpinLock(&lock, old);
    return slot >= 0 ? STATUS_SUCCESS : STATUS_INVALID_HANDLE;
}

unsigned cm_open_keys(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < CM_MAX_KEYS; i++)
        n += key_used[i];
    return n;
}

/* ---- ZwQueryValueKey ---- */

/* A UNICODE_STRING value name as ASCII; false if it does not fit or is not ASCII. */
static bool name_from_unicode(const UNICODE_STRING *u, char *out, size_t size)
{
    size_t n = u->Length / sizeof(WCHAR);
    if (n >= size || (n && !u->Buffer))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (u->Buffer[i] == 0 || u->Buffer[i] > 0x7F)
            return false;
        out[i] = (char)u->Buffer[i];
    }
    out[n] = '\0';
    return true;
}

/* The value's data as the registry stores it: 4 bytes, or WCHARs with the NUL. */
static ULONG data_of(const struct cm_value *v, UCHAR *out, ULONG room)
{
    if (v->type == REG_DWORD) {
        if (room >= sizeof(ULONG))
            memcpy(out, &v->dword, sizeof(ULONG));
        return sizeof(ULONG);
    }
    ULONG len = (ULONG)(strlen(v->text) + 1) * sizeof(WCHAR);
    for (ULONG i = 0; i * sizeof(WCHAR) + 1 < room && i * sizeof(WCHAR) < len; i++) {
        WCHAR c = (WCHAR)(unsigned char)v->text[i];
        memcpy(out + i * sizeof(WCHAR), &c, sizeof(c));
    }
    return len;
}

static void name_to(const char *name, UCHAR *out, ULONG room)
{
    for (ULONG i = 0; name[i] && (i + 1) * sizeof(WCHAR) <= room; i++) {
        WCHAR c = (WCHAR)(unsigned char)name[i];
        memcpy(out + i * sizeof(WCHAR), &c, sizeof(c));
    }
}

NTSTATUS ZwQueryValueKey(HANDLE KeyHandle, PUNICODE_STRING ValueName,
                         KEY_VALUE_INFORMATION_CLASS KeyValueInformationClass, PVOID KeyValueInformation, ULONG Length,
                         PULONG ResultLength)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql != PASSIVE_LEVEL)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)ZwQueryValueKey, irql, 0, (ULONG_PTR)__builtin_return_address(0));
    if (KeyValueInformationClass != KeyValueBasicInformation && KeyValueInformationClass != KeyValueFullInformation &&
        KeyValueInformationClass != KeyValuePartialInformation)
        return STATUS_INVALID_PARAMETER;
    if (!ResultLength || !ValueName)
        return STATUS_INVALID_PARAMETER;
    char name[CM_NAME_MAX];
    if (!name_from_unicode(ValueName, name, sizeof(name)))
        return STATUS_OBJECT_NAME_NOT_FOUND;

    struct cm_value v;
    KIRQL old;
    KeAcquireSpinLock(&lock, &old);
    int slot = key_slot(KeyHandle);
    const struct cm_value *found = slot >= 0 ? find_locked(keys[slot].driver, name) : NULL;
    if (found)
        v = *found; /* copied: the value may change once the lock is dropped */
    KeReleaseSpinLock(&lock, old);
    if (slot < 0)
        return STATUS_INVALID_HANDLE;
    if (!found)
        return STATUS_OBJECT_NAME_NOT_FOUND;

    UCHAR *out = KeyValueInformation;
    ULONG name_bytes = (ULONG)strlen(v.name) * sizeof(WCHAR);
    ULONG data_bytes = data_of(&v, NULL, 0);
    ULONG fixed, needed, data_at = 0;
    switch (KeyValueInformationClass) {
    case KeyValueBasicInformation:
        fixed = offsetof(KEY_VALUE_BASIC_INFORMATION, Name);
        needed = fixed + name_bytes;
        break;
    case KeyValueFullInformation:
        fixed = offsetof(KEY_VALUE_FULL_INFORMATION, Name);
        data_at = fixed + name_bytes;
        needed = data_at + data_bytes;
        break;
    default:
        fixed = offsetof(KEY_VALUE_PARTIAL_INFORMATION, Data);
        needed = fixed + data_bytes;
        break;
    }
    *ResultLength = needed;
    if (!out || Length < fixed)
        return STATUS_BUFFER_TOO_SMALL;

    memset(out, 0, fixed);
    if (KeyValueInformationClass == KeyValueBasicInformation) {
        PKEY_VALUE_BASIC_INFORMATION b = KeyValueInformation;
        b->Type = v.type;
        b->NameLength = name_bytes;
        name_to(v.name, out + fixed, Length - fixed);
    } else if (KeyValueInformationClass == KeyValueFullInformation) {
        PKEY_VALUE_FULL_INFORMATION f = KeyValueInformation;
        f->Type = v.type;
        f->DataOffset = data_at;
        f->DataLength = data_bytes;
        f->NameLength = name_bytes;
        name_to(v.name, out + fixed, Length - fixed);
        if (Length > data_at)
            data_of(&v, out + data_at, Length - data_at);
    } else {
        PKEY_VALUE_PARTIAL_INFORMATION p = KeyValueInformation;
        p->Type = v.type;
        p->DataLength = data_bytes;
        data_of(&v, out + fixed, Length - fixed);
    }
    return Length < needed ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}
