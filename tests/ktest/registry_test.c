/* tests/ktest/registry_test.c - a device's configuration values the WDK way: IoOpenDeviceRegistryKey
 * + ZwQueryValueKey + ZwClose (kernel/io/device_registry_key.c, kernel/cm/registry.c) and NDIS's
 * NdisOpenConfigurationEx / NdisReadConfiguration / NdisCloseConfiguration (kernel/ndis/ndis_config.c).
 * The values are put in the store directly (cm_set_value*) and removed again by each case;
 * docs/configuration.md (a walk-through) sets them from the command line.
 * QEMU: -device edu (the WDM cases), an e1000e (the NDIS case); each skips itself without. */
#include "kernel/ndis/ndis_block.h"
#include "drivers/parport/parport.h"
#include "include/ndis.h"
#include "include/wdm.h"
#include "kernel/cm/registry.h"
#include "kernel/io/pnp.h"
#include "kernel/lib/string.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"

#define E1000E_DEVICE 0x10D3

static void set(struct ktest *t, const char *driver, const char *name, ULONG type, const char *text)
{
    char why[96];
    if (!cm_set_value_typed(driver, name, type, text, why, sizeof(why)))
        ktest_fail(t, __FILE__, __LINE__, why);
}

static NTSTATUS query(HANDLE key, PCWSTR name, KEY_VALUE_INFORMATION_CLASS cls, PVOID out, ULONG length, PULONG result)
{
    UNICODE_STRING u;
    RtlInitUnicodeString(&u, name);
    return ZwQueryValueKey(key, &u, cls, out, length, result);
}

#define EDU_PDO_OR_SKIP(t, pdo)                                                                    \
    PDEVICE_OBJECT pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 0);               \
    if (!pdo)                                                                                      \
    KTEST_SKIP(t, "no edu device (-device edu)")

static void device_key_gives_dwords_and_strings(struct ktest *t)
{
    EDU_PDO_OR_SKIP(t, pdo);
    unsigned keys = cm_open_keys();
    set(t, "edu", "Answer", REG_DWORD, "42");
    set(t, "edu", "Greeting", REG_SZ, "hello");
    HANDLE key = NULL;
    KTEST_ASSERT_EQ(t, IoOpenDeviceRegistryKey(pdo, PLUGPLAY_REGKEY_DEVICE, KEY_READ, &key), STATUS_SUCCESS);

    ULONG buffer[16], length = 0;
    PKEY_VALUE_PARTIAL_INFORMATION info = (PKEY_VALUE_PARTIAL_INFORMATION)buffer;
    KTEST_EXPECT_EQ(t, query(key, L"answer", KeyValuePartialInformation, info, sizeof(buffer), &length),
                    STATUS_SUCCESS); /* names are not case-sensitive */
    KTEST_EXPECT_EQ(t, info->Type, REG_DWORD);
    KTEST_EXPECT_EQ(t, info->DataLength, 4);
    KTEST_EXPECT_EQ(t, *(ULONG *)info->Data, 42);
    KTEST_EXPECT_EQ(t, length, 16);

    KTEST_EXPECT_EQ(t, query(key, L"Greeting", KeyValuePartialInformation, info, sizeof(buffer), &length), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, info->Type, REG_SZ);
    KTEST_EXPECT_EQ(t, info->DataLength, sizeof(L"hello"));
    KTEST_EXPECT_EQ(t, memcmp(info->Data, L"hello", sizeof(L"hello")), 0);

    KTEST_EXPECT_EQ(t, ZwClose(key), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, ZwClose(key), STATUS_INVALID_HANDLE); /* closed once only */
    KTEST_EXPECT_EQ(t, query(key, L"Answer", KeyValuePartialInformation, info, sizeof(buffer), &length),
                    STATUS_INVALID_HANDLE);
    KTEST_EXPECT_EQ(t, cm_open_keys(), keys);
    cm_delete_value("edu", "Answer");
    cm_delete_value("edu", "Greeting");
}

static void sizes_follow_zw_query_value_key(struct ktest *t)
{
    EDU_PDO_OR_SKIP(t, pdo);
    set(t, "edu", "Answer", REG_DWORD, "0x2A");
    HANDLE key;
    KTEST_ASSERT_EQ(t, IoOpenDeviceRegistryKey(pdo, PLUGPLAY_REGKEY_DRIVER, KEY_READ, &key), STATUS_SUCCESS);
    UCHAR buffer[64];
    ULONG length = 0;
    /* Not even the fixed part: TOO_SMALL, nothing written, the size needed. */
    memset(buffer, 0xAA, sizeof(buffer));
    KTEST_EXPECT_EQ(t, query(key, L"Answer", KeyValuePartialInformation, buffer, 11, &length), STATUS_BUFFER_TOO_SMALL);
    KTEST_EXPECT_EQ(t, length, 16);
    KTEST_EXPECT_EQ(t, buffer[0], 0xAA);
    /* The fixed part but not the data: OVERFLOW, the fixed part filled. */
    PKEY_VALUE_PARTIAL_INFORMATION partial = (PKEY_VALUE_PARTIAL_INFORMATION)buffer;
    KTEST_EXPECT_EQ(t, query(key, L"Answer", KeyValuePartialInformation, buffer, 12, &length), STATUS_BUFFER_OVERFLOW);
    KTEST_EXPECT_EQ(t, partial->Type, REG_DWORD);
    KTEST_EXPECT_EQ(t, partial->DataLength, 4);
    /* Full: name, then the data at DataOffset. */
    PKEY_VALUE_FULL_INFORMATION full = (PKEY_VALUE_FULL_INFORMATION)buffer;
    KTEST_ASSERT_EQ(t, query(key, L"ANSWER", KeyValueFullInformation, buffer, sizeof(buffer), &length), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, full->NameLength, sizeof(L"Answer") - sizeof(WCHAR)); /* the stored spelling, no NUL */
    KTEST_EXPECT_EQ(t, memcmp(full->Name, L"Answer", full->NameLength), 0);
    KTEST_EXPECT_EQ(t, full->DataOffset, 20 + full->NameLength);
    KTEST_EXPECT_EQ(t, *(ULONG *)(buffer + full->DataOffset), 42);
    KTEST_EXPECT_EQ(t, length, full->DataOffset + 4);
    /* Basic: the type and the name only. */
    PKEY_VALUE_BASIC_INFORMATION basic = (PKEY_VALUE_BASIC_INFORMATION)buffer;
    KTEST_ASSERT_EQ(t, query(key, L"Answer", KeyValueBasicInformation, buffer, sizeof(buffer), &length), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, basic->Type, REG_DWORD);
    KTEST_EXPECT_EQ(t, length, 12 + basic->NameLength);
    ZwClose(key);
    cm_delete_value("edu", "Answer");
}

static void bad_requests_get_the_documented_status(struct ktest *t)
{
    EDU_PDO_OR_SKIP(t, pdo);
    unsigned keys = cm_open_keys();
    HANDLE key = NULL;
    KTEST_EXPECT_EQ(t, IoOpenDeviceRegistryKey(pdo, 0, KEY_READ, &key), STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_EQ(t, IoOpenDeviceRegistryKey(pdo, PLUGPLAY_REGKEY_DEVICE | PLUGPLAY_REGKEY_DRIVER, KEY_READ, &key),
                    STATUS_INVALID_PARAMETER);
    static DRIVER_OBJECT driver = {.Type = IO_TYPE_DRIVER, .Size = sizeof(DRIVER_OBJECT), .Name = "registry"};
    PDEVICE_OBJECT fdo;
    KTEST_ASSERT_EQ(t, IoCreateDevice(&driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &fdo), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, IoOpenDeviceRegistryKey(fdo, PLUGPLAY_REGKEY_DEVICE, KEY_READ, &key),
                    STATUS_INVALID_DEVICE_REQUEST);
    IoDeleteDevice(fdo);

    KTEST_ASSERT_EQ(t, IoOpenDeviceRegistryKey(pdo, PLUGPLAY_REGKEY_DEVICE | PLUGPLAY_REGKEY_CURRENT_HWPROFILE, KEY_READ,
                                               &key),
                    STATUS_SUCCESS);
    ULONG buffer[8], length;
    KTEST_EXPECT_EQ(t, query(key, L"NoSuchValue", KeyValuePartialInformation, buffer, sizeof(buffer), &length),
                    STATUS_OBJECT_NAME_NOT_FOUND);
    KTEST_EXPECT_EQ(t, query(key, L"Answer", KeyValueLayerInformation, buffer, sizeof(buffer), &length),
                    STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_EQ(t, query(&length, L"Answer", KeyValuePartialInformation, buffer, sizeof(buffer), &length),
                    STATUS_INVALID_HANDLE); /* any pointer that is not an open key */
    KTEST_EXPECT_EQ(t, ZwClose(&length), STATUS_INVALID_HANDLE);
    ZwClose(key);
    KTEST_EXPECT_EQ(t, cm_open_keys(), keys);
}

static void values_belong_to_their_driver(struct ktest *t)
{
    EDU_PDO_OR_SKIP(t, pdo);
    set(t, "edu", "Answer", REG_DWORD, "42");
    HANDLE key;
    KTEST_ASSERT_EQ(t, IoOpenDeviceRegistryKey(io_pdo_find_isa("PNP0501"), PLUGPLAY_REGKEY_DEVICE, KEY_READ, &key),
                    STATUS_SUCCESS); /* COM1: the serial driver's key */
    ULONG buffer[8], length;
    KTEST_EXPECT_EQ(t, query(key, L"Answer", KeyValuePartialInformation, buffer, sizeof(buffer), &length),
                    STATUS_OBJECT_NAME_NOT_FOUND);
    ZwClose(key);
    cm_delete_value("edu", "Answer");
    KTEST_EXPECT_NULL(t, cm_find_value("edu", "Answer"));
}

static void parport_reads_its_switch_from_the_registry(struct ktest *t)
{
    PDEVICE_OBJECT lpt = io_pdo_find_isa("PNP0400");
    if (!lpt)
        KTEST_SKIP(t, "no LPT1");
    KTEST_EXPECT_TRUE(t, ParportReadConnectSwitch(lpt)); /* absent: irqlab's default, on */
    set(t, "parport", "EnableConnectInterruptIoctl", REG_DWORD, "0");
    KTEST_EXPECT_FALSE(t, ParportReadConnectSwitch(lpt));
    set(t, "parport", "enableconnectinterruptioctl", REG_DWORD, "1"); /* the same value, another spelling */
    KTEST_EXPECT_TRUE(t, ParportReadConnectSwitch(lpt));
    set(t, "parport", "EnableConnectInterruptIoctl", REG_SZ, "off"); /* not a REG_DWORD: ignored */
    KTEST_EXPECT_TRUE(t, ParportReadConnectSwitch(lpt));
    cm_delete_value("parport", "EnableConnectInterruptIoctl");
    KTEST_EXPECT_NULL(t, cm_find_value("parport", "EnableConnectInterruptIoctl"));
}

/* ---- NDIS ---- */

static NDIS_STATUS open_config(NDIS_HANDLE adapter, PNDIS_HANDLE handle)
{
    NDIS_CONFIGURATION_OBJECT object = {
        .Header = {.Type = NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT,
                   .Revision = NDIS_CONFIGURATION_OBJECT_REVISION_1,
                   .Size = NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1},
        .NdisHandle = adapter,
        .Flags = 0,
    };
    return NdisOpenConfigurationEx(&object, handle);
}

static void ndis_reads_keywords_as_miniports_expect(struct ktest *t)
{
    PDEVICE_OBJECT pdo = io_pdo_find_pci(0x8086, E1000E_DEVICE, 0);
    struct ndis_adapter *adapter = pdo ? ndis_adapter_for_pdo(pdo) : NULL;
    if (!adapter)
        KTEST_SKIP(t, "no e1000e adapter running");
    const char *driver = io_test_pdo(pdo)->driver->Name;
    uint64_t pool = io_test_pool_bytes(IRQLAB_POOL_TAG("NdCf"));
    unsigned keys = cm_open_keys();
    set(t, driver, "*TestDword", REG_DWORD, "7");
    set(t, driver, "*TestDecimal", REG_SZ, "1234"); /* as an INF writes a keyword: text */
    set(t, driver, "*TestHex", REG_SZ, "ff");
    set(t, driver, "*TestText", REG_SZ, "fast");

    NDIS_HANDLE config;
    KTEST_ASSERT_EQ(t, open_config(adapter, &config), NDIS_STATUS_SUCCESS);
    NDIS_STATUS status;
    PNDIS_CONFIGURATION_PARAMETER p;
    NDIS_STRING dword = NDIS_STRING_CONST("*TestDword"), decimal = NDIS_STRING_CONST("*TestDecimal"),
                hex = NDIS_STRING_CONST("*TestHex"), text = NDIS_STRING_CONST("*TestText"),
                missing = NDIS_STRING_CONST("*NoSuchKeyword");
    NdisReadConfiguration(&status, &p, config, &dword, NdisParameterInteger);
    KTEST_ASSERT_EQ(t, status, NDIS_STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, p->ParameterType, NdisParameterInteger);
    KTEST_EXPECT_EQ(t, p->ParameterData.IntegerData, 7);
    NdisReadConfiguration(&status, &p, config, &decimal, NdisParameterInteger);
    KTEST_ASSERT_EQ(t, status, NDIS_STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, p->ParameterData.IntegerData, 1234);
    NdisReadConfiguration(&status, &p, config, &hex, NdisParameterHexInteger);
    KTEST_ASSERT_EQ(t, status, NDIS_STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, p->ParameterType, NdisParameterHexInteger);
    KTEST_EXPECT_EQ(t, p->ParameterData.IntegerData, 255);
    NdisReadConfiguration(&status, &p, config, &hex, NdisParameterInteger); /* "ff" is not decimal */
    KTEST_EXPECT_EQ(t, status, NDIS_STATUS_FAILURE);
    NdisReadConfiguration(&status, &p, config, &text, NdisParameterString);
    KTEST_ASSERT_EQ(t, status, NDIS_STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, p->ParameterType, NdisParameterString);
    KTEST_EXPECT_EQ(t, p->ParameterData.StringData.Length, sizeof(L"fast") - sizeof(WCHAR));
    KTEST_EXPECT_EQ(t, memcmp(p->ParameterData.StringData.Buffer, L"fast", sizeof(L"fast")), 0);
    NdisReadConfiguration(&status, &p, config, &missing, NdisParameterInteger);
    KTEST_EXPECT_EQ(t, status, NDIS_STATUS_FAILURE);
    KTEST_EXPECT_GT(t, io_test_pool_bytes(IRQLAB_POOL_TAG("NdCf")), pool); /* the answers, held by the handle */
    NdisCloseConfiguration(config);
    KTEST_EXPECT_EQ(t, io_test_pool_bytes(IRQLAB_POOL_TAG("NdCf")), pool); /* ... freed with it */
    KTEST_EXPECT_EQ(t, cm_open_keys(), keys);

    NdisReadConfiguration(&status, &p, config, &dword, NdisParameterInteger); /* a closed handle */
    KTEST_EXPECT_EQ(t, status, NDIS_STATUS_FAILURE);
    NDIS_CONFIGURATION_OBJECT bad = {.Header = {.Type = NDIS_OBJECT_TYPE_DEFAULT, .Revision = 1, .Size = sizeof(bad)},
                                     .NdisHandle = adapter};
    KTEST_EXPECT_EQ(t, NdisOpenConfigurationEx(&bad, &config), NDIS_STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_EQ(t, open_config(&bad, &config), NDIS_STATUS_INVALID_PARAMETER); /* not an adapter handle */
    static const char *const names[] = {"*TestDword", "*TestDecimal", "*TestHex", "*TestText"};
    for (unsigned i = 0; i < ARRAYSIZE(names); i++)
        cm_delete_value(driver, names[i]);
}

KTEST_SUITE(registry, KTEST_CASE(device_key_gives_dwords_and_strings), KTEST_CASE(sizes_follow_zw_query_value_key),
            KTEST_CASE(bad_requests_get_the_documented_status), KTEST_CASE(values_belong_to_their_driver),
            KTEST_CASE(parport_reads_its_switch_from_the_registry),
            KTEST_CASE(ndis_reads_keywords_as_miniports_expect));
