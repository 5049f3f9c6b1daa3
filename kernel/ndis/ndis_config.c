/* kernel/ndis/ndis_config.c - a miniport's keywords: NdisOpenConfigurationEx,
 * NdisReadConfiguration, NdisCloseConfiguration.
 *
 * learn.microsoft.com: "NdisOpenConfigurationEx function (ndis.h)", "NdisReadConfiguration
 * function (ndis.h)" ("If the value is a string and ParameterType is NdisParameterInteger or
 * NdisParameterHexInteger, NDIS converts it"; NDIS_STATUS_FAILURE when the keyword is not there),
 * "NDIS_CONFIGURATION_PARAMETER structure", "Standardized INF Keywords for Network Devices".
 *
 * NDIS keeps a miniport's keywords in the adapter's software (driver) key; this is that key read
 * through the WDM routines (IoOpenDeviceRegistryKey on the adapter's PDO, ZwQueryValueKey).
 * Everything NdisReadConfiguration returns is allocated under the configuration handle and freed
 * by NdisCloseConfiguration, so a miniport never frees it. A handle is accepted back only if
 * NdisOpenConfigurationEx handed it out and it is not closed (a table, not a dereference).
 * All three run at PASSIVE_LEVEL (above it: 0xA, as irqlab's other PASSIVE_LEVEL routines).
 */
#include "include/ndis.h"

#include "kernel/ndis/ndis_block.h"
#include "kernel/ndis/ndis_rules.h"
#include "kernel/ndis/ndis_verify.h"
#include "kernel/io/io_tags.h"

#define NDIS_CONFIG_MAX 16
#define NDIS_CONFIG_TAG IRQLAB_POOL_TAG("NdCf")
#define KEYWORD_DATA_MAX 160 /* bytes of value data read at once (64 WCHARs + header) */

struct ndis_config_parameter {
    struct ndis_config_parameter *next;
    NDIS_CONFIGURATION_PARAMETER parameter;
    WCHAR text[]; /* StringData.Buffer */
};

struct ndis_config {
    bool open;
    HANDLE key;
    struct ndis_config_parameter *parameters; /* returned so far: freed on close */
};

static struct ndis_config configs[NDIS_CONFIG_MAX];
static KSPIN_LOCK configs_lock;

NDIS_STATUS NdisOpenConfigurationEx(PNDIS_CONFIGURATION_OBJECT ConfigObject, PNDIS_HANDLE ConfigurationHandle)
{
    ndis_require_passive((void *)NdisOpenConfigurationEx, __builtin_return_address(0));
    if (!ConfigObject || !ConfigurationHandle ||
        ndis_check_header(&ConfigObject->Header, NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT,
                          NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1) != NDIS_CHECK_OK)
        return NDIS_STATUS_INVALID_PARAMETER;
    struct ndis_adapter *adapter = ndis_adapter_from_handle(ConfigObject->NdisHandle);
    if (!adapter)
        return NDIS_STATUS_INVALID_PARAMETER; /* irqlab: only a MiniportAdapterHandle has keywords */
    HANDLE key;
    NTSTATUS status = IoOpenDeviceRegistryKey(adapter->pdo, PLUGPLAY_REGKEY_DRIVER, KEY_READ, &key);
    if (!NT_SUCCESS(status))
        return NDIS_STATUS_FAILURE;

    struct ndis_config *config = NULL;
    KIRQL old;
    KeAcquireSpinLock(&configs_lock, &old);
    for (unsigned i = 0; i < NDIS_CONFIG_MAX && !config; i++)
        if (!configs[i].open)
            config = &configs[i];
    if (config) {
        config->open = true;
        config->key = key;
        config->parameters = NULL;
    }
    KeReleaseSpinLock(&configs_lock, old);
    if (!config) {
        ZwClose(key);
        return NDIS_STATUS_RESOURCES;
    }
    *ConfigurationHandle = config;
    return NDIS_STATUS_SUCCESS;
}

static struct ndis_config *config_from_handle(NDIS_HANDLE handle)
{
    for (unsigned i = 0; i < NDIS_CONFIG_MAX; i++)
        if (handle == &configs[i] && configs[i].open)
            return &configs[i];
    return NULL;
}

/* A REG_SZ's digits in `base`; false if it is not a number. */
static bool text_to_ulong(const WCHAR *text, ULONG base, ULONG *out)
{
    uint64_t v = 0;
    if (base == 16 && text[0] == L'0' && (text[1] == L'x' || text[1] == L'X'))
        text += 2;
    if (!*text)
        return false;
    for (; *text; text++) {
        unsigned d;
        if (*text >= L'0' && *text <= L'9')
            d = (unsigned)(*text - L'0');
        else if (base == 16 && (*text | 32) >= L'a' && (*text | 32) <= L'f')
            d = (unsigned)((*text | 32) - L'a' + 10);
        else
            return false;
        v = v * base + d;
        if (v > 0xFFFFFFFFull)
            return false;
    }
    *out = (ULONG)v;
    return true;
}

VOID NdisReadConfiguration(PNDIS_STATUS Status, PNDIS_CONFIGURATION_PARAMETER *ParameterValue,
                           NDIS_HANDLE ConfigurationHandle, PNDIS_STRING Keyword, NDIS_PARAMETER_TYPE ParameterType)
{
    ndis_require_passive((void *)NdisReadConfiguration, __builtin_return_address(0));
    *Status = NDIS_STATUS_FAILURE;
    struct ndis_config *config = config_from_handle(ConfigurationHandle);
    if (!config || !Keyword || !ParameterValue)
        return;
    ULONG raw[KEYWORD_DATA_MAX / sizeof(ULONG)];
    PKEY_VALUE_PARTIAL_INFORMATION info = (PKEY_VALUE_PARTIAL_INFORMATION)raw;
    ULONG length;
    if (ZwQueryValueKey(config->key, Keyword, KeyValuePartialInformation, info, sizeof(raw), &length) != STATUS_SUCCESS)
        return; /* not there (or longer than irqlab's values are) */

    size_t text_bytes = info->Type == REG_SZ ? info->DataLength : 0;
    struct ndis_config_parameter *p =
        ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*p) + text_bytes + sizeof(WCHAR), NDIS_CONFIG_TAG);
    if (!p) {
        *Status = NDIS_STATUS_RESOURCES;
        return;
    }
    if (info->Type == REG_DWORD) {
        p->parameter.ParameterType = NdisParameterInteger;
        RtlCopyMemory(&p->parameter.ParameterData.IntegerData, info->Data, sizeof(ULONG));
    } else {
        RtlCopyMemory(p->text, info->Data, text_bytes);
        p->text[text_bytes / sizeof(WCHAR)] = 0;
        ULONG base = ParameterType == NdisParameterHexInteger ? 16 : 10;
        if ((ParameterType == NdisParameterInteger || ParameterType == NdisParameterHexInteger) &&
            text_to_ulong(p->text, base, &p->parameter.ParameterData.IntegerData)) {
            p->parameter.ParameterType = ParameterType;
        } else if (ParameterType == NdisParameterInteger || ParameterType == NdisParameterHexInteger) {
            ExFreePoolWithTag(p, NDIS_CONFIG_TAG); /* text that is not a number of that base */
            return;
        } else {
            p->parameter.ParameterType = NdisParameterString;
            RtlInitUnicodeString(&p->parameter.ParameterData.StringData, p->text);
        }
    }
    p->next = config->parameters;
    config->parameters = p;
    *ParameterValue = &p->parameter;
    *Status = NDIS_STATUS_SUCCESS;
}

VOID NdisCloseConfiguration(NDIS_HANDLE ConfigurationHandle)
{
    ndis_require_passive((void *)NdisCloseConfiguration, __builtin_return_address(0));
    KIRQL old;
    KeAcquireSpinLock(&configs_lock, &old);
    struct ndis_config *config = config_from_handle(ConfigurationHandle);
    struct ndis_config copy = config ? *config : (struct ndis_config){0};
    if (config)
        config->open = false;
    KeReleaseSpinLock(&configs_lock, old);
    if (!config)
        return; /* not a handle NdisOpenConfigurationEx gave out (or closed already): nothing to do */
    ZwClose(copy.key);
    for (struct ndis_config_parameter *p = copy.parameters, *next; p; p = next) {
        next = p->next;
        ExFreePoolWithTag(p, NDIS_CONFIG_TAG);
    }
}
