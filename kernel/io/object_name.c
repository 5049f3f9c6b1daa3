/* kernel/io/object_name.c - device names: the \Device directory of Windows' object manager, cut
 * down to one table, and RtlInitUnicodeString to spell names.
 *
 * learn.microsoft.com: IoCreateDevice (DeviceName), "Named Device Objects", "Object Names",
 * IoGetDeviceObjectPointer, RtlInitUnicodeString.
 *
 * A driver that others must find gives its device object a name when it creates it, e.g. the
 * parallel port driver's \Device\ParallelPort0; a client opens it by that name with
 * IoGetDeviceObjectPointer (file_object.c). Windows keeps names in a tree of object directories;
 * irqlab keeps one flat table of full paths (IO_MAX_NAMES entries), compared case-insensitively
 * as the object manager compares names in \Device. IoDeleteDevice removes the name at once, so a
 * deleted device cannot be opened again even while old references keep it alive.
 */
#include "kernel/io/irp.h"

#include "kernel/lib/string.h"

struct io_name {
    PDEVICE_OBJECT device; /* NULL: free slot */
    USHORT length;         /* WCHARs */
    WCHAR text[IO_NAME_MAX];
};

static struct io_name names[IO_MAX_NAMES];
static KSPIN_LOCK lock; /* zero = initialised */

VOID RtlInitUnicodeString(PUNICODE_STRING DestinationString, PCWSTR SourceString)
{
    size_t n = 0;
    if (SourceString)
        while (n < 0x7FFE && SourceString[n])
            n++;
    DestinationString->Length = (USHORT)(n * sizeof(WCHAR));
    DestinationString->MaximumLength = SourceString ? (USHORT)((n + 1) * sizeof(WCHAR)) : 0;
    DestinationString->Buffer = (WCHAR *)SourceString;
}

static WCHAR fold(WCHAR c) { return (c >= 'a' && c <= 'z') ? (WCHAR)(c - 'a' + 'A') : c; }

static bool same_name(const struct io_name *entry, const UNICODE_STRING *name)
{
    USHORT length = (USHORT)(name->Length / sizeof(WCHAR));
    if (entry->length != length)
        return false;
    for (USHORT i = 0; i < length; i++)
        if (fold(entry->text[i]) != fold(name->Buffer[i]))
            return false;
    return true;
}

static bool valid(const UNICODE_STRING *name)
{
    return name && name->Buffer && name->Length >= 2 * sizeof(WCHAR) && name->Length % sizeof(WCHAR) == 0 &&
           name->Length / sizeof(WCHAR) <= IO_NAME_MAX && name->Buffer[0] == '\\';
}

NTSTATUS io_name_insert(const UNICODE_STRING *name, PDEVICE_OBJECT device)
{
    if (!valid(name))
        return STATUS_OBJECT_NAME_INVALID;
    KIRQL old;
    KeAcquireSpinLock(&lock, &old);
    struct io_name *free_slot = NULL;
    for (unsigned i = 0; i < IO_MAX_NAMES; i++) {
        if (names[i].device && same_name(&names[i], name)) {
            KeReleaseSpinLock(&lock, old);
            return STATUS_OBJECT_NAME_COLLISION;
        }
        if (!names[i].device && !free_slot)
            free_slot = &names[i];
    }
    if (!free_slot) {
        KeReleaseSpinLock(&lock, old);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    free_slot->length = (USHORT)(name->Length / sizeof(WCHAR));
    memcpy(free_slot->text, name->Buffer, name->Length);
    free_slot->device = device;
    KeReleaseSpinLock(&lock, old);
    return STATUS_SUCCESS;
}

void io_name_remove(PDEVICE_OBJECT device)
{
    KIRQL old;
    KeAcquireSpinLock(&lock, &old);
    for (unsigned i = 0; i < IO_MAX_NAMES; i++)
        if (names[i].device == device)
            names[i].device = NULL;
    KeReleaseSpinLock(&lock, old);
}

PDEVICE_OBJECT io_name_lookup(const UNICODE_STRING *name)
{
    if (!valid(name))
        return NULL;
    PDEVICE_OBJECT found = NULL;
    KIRQL old;
    KeAcquireSpinLock(&lock, &old);
    for (unsigned i = 0; i < IO_MAX_NAMES && !found; i++)
        if (names[i].device && same_name(&names[i], name))
            found = names[i].device;
    KeReleaseSpinLock(&lock, old);
    return found;
}

bool io_name_of(PDEVICE_OBJECT device, char *buf, size_t size)
{
    bool found = false;
    KIRQL old;
    KeAcquireSpinLock(&lock, &old);
    for (unsigned i = 0; i < IO_MAX_NAMES && !found; i++) {
        if (names[i].device != device || !device)
            continue;
        size_t n = 0;
        for (; n < names[i].length && n + 1 < size; n++)
            buf[n] = names[i].text[n] < 0x80 ? (char)names[i].text[n] : '?';
        if (size)
            buf[n] = '\0';
        found = true;
    }
    KeReleaseSpinLock(&lock, old);
    return found;
}

unsigned io_name_count(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < IO_MAX_NAMES; i++)
        n += names[i].device != NULL;
    return n;
}
