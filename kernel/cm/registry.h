/* kernel/cm/registry.h - the configuration manager's store: the registry values a driver reads
 * with IoOpenDeviceRegistryKey + ZwQueryValueKey or NdisOpenConfigurationEx +
 * NdisReadConfiguration.
 *
 * On Windows a device's values live in its hardware key ("Device Parameters") and its driver's
 * software key, written there by the INF and by the user in Device Manager. irqlab has no
 * registry hive: the values come from the kernel command line, one word per value,
 *
 *     <driver>.<ValueName>=<data>        e.g.  e1000.*ReceiveBuffers=64  parport.EnableConnectInterruptIoctl=0
 *
 * (a decimal or 0x-hex number is a REG_DWORD, anything else a REG_SZ), plus the short options
 * older docs use (e1000_itr=, e1000_rx_buffers=, parport_connect_interrupt=), which are the same
 * values under another name (registry_cmdline.c). Both keys of a device (PLUGPLAY_REGKEY_DEVICE
 * and _DRIVER) see the values of the driver the device matched: irqlab has one set per driver,
 * not one per device. docs/configuration.md is the student's page.
 */
#ifndef IRQLAB_CM_REGISTRY_H
#define IRQLAB_CM_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "include/wdm.h"

#define CM_MAX_VALUES 32
#define CM_NAME_MAX 32   /* characters of a driver or value name, NUL included */
#define CM_TEXT_MAX 64   /* characters of a REG_SZ value, NUL included */

struct cm_value {
    char driver[CM_NAME_MAX];
    char name[CM_NAME_MAX]; /* compared without regard to case, as registry names are */
    ULONG type;             /* REG_DWORD or REG_SZ */
    ULONG dword;
    char text[CM_TEXT_MAX];
};

/* Set (or replace) a value from its command-line text: a number is a REG_DWORD, else REG_SZ.
 * False, with the reason in `why`, when a name or the text is too long or the store is full. */
bool cm_set_value(const char *driver, const char *name, const char *text, char *why, size_t why_size);
/* The same with the type chosen: REG_SZ keeps "64" as text, as an INF writes NDIS keywords. */
bool cm_set_value_typed(const char *driver, const char *name, ULONG type, const char *text, char *why, size_t why_size);
/* Remove a value (tests); false if there was none. */
bool cm_delete_value(const char *driver, const char *name);
/* The value, or NULL. */
const struct cm_value *cm_find_value(const char *driver, const char *name);
/* Every value, in the order set (the `registry` shell command). */
unsigned cm_value_count(void);
const struct cm_value *cm_value_at(unsigned index);

/* Keys: what IoOpenDeviceRegistryKey hands out as a HANDLE and ZwClose takes back. */
HANDLE cm_open_key(const char *driver, ULONG key_type);
bool cm_is_key(HANDLE handle);
NTSTATUS cm_close_key(HANDLE handle);
unsigned cm_open_keys(void); /* keys not closed yet (tests look for leaks) */

/* Boot: fill the store from the command line (before drivers start). */
void cm_init(void);

#endif
