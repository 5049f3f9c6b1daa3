/* drivers/e1000/e1000_config.c - the miniport's keywords, read the NDIS way in MiniportInitializeEx:
 * NdisOpenConfigurationEx, NdisReadConfiguration, NdisCloseConfiguration (docs/configuration.md).
 *
 *   *ReceiveBuffers   receive descriptors (Windows' standardized keyword; 16-256, a multiple of 8,
 *                     since RDLEN counts 128-byte units; default 256)
 *   ITR               interrupt moderation, at most this many interrupts/s per vector (Intel's
 *                     keyword; 0 = off, the default)
 *   LinkInterrupt     1: link changes come from the LSC interrupt too (default); 0: only the watchdog
 *   WatchdogPeriodMs  the link watchdog timer's period (default 2000, Intel's; 0 = no watchdog)
 *
 * On irqlab they are set on the kernel command line as e1000.<Keyword>=<n> / e1000e.<Keyword>=<n>,
 * or with the short options e1000_rx_buffers=, e1000_itr=, e1000_link_irq=, e1000_watchdog_ms=.
 * A value out of range is brought into it quietly, as Windows' INF ranges keep it; the short
 * options' checks already said so at boot.
 */
#include "e1000.h"

/* 2 s: what Intel's drivers poll at (Linux drivers/net/ethernet/intel/e1000/e1000_main.c, e1000_watchdog
 * reschedules itself with schedule_delayed_work(..., 2 * HZ)). */
#define E1000_WATCHDOG_DEFAULT_MS 2000

static ULONG read_integer(NDIS_HANDLE config, PCWSTR keyword, ULONG default_value)
{
    NDIS_STRING name;
    RtlInitUnicodeString(&name, keyword);
    PNDIS_CONFIGURATION_PARAMETER value;
    NDIS_STATUS status;
    NdisReadConfiguration(&status, &value, config, &name, NdisParameterInteger);
    return status == NDIS_STATUS_SUCCESS ? value->ParameterData.IntegerData : default_value;
}

/* RDLEN must be a multiple of 128 bytes, i.e. of 8 descriptors. */
static ULONG rx_ring_for(ULONG n)
{
    return n < E1000_RX_RING_MIN ? E1000_RX_RING_MIN : n > E1000_RX_RING_SIZE ? E1000_RX_RING_SIZE : n & ~7u;
}

/* ITR counts 256 ns units: interval = 1 s / rate = 10^9 / (256 * rate) units; 0 = off. */
static ULONG itr_units_for(ULONG rate)
{
    if (rate == 0)
        return 0;
    ULONG units = 1000000000u / (256u * rate);
    return units == 0 ? 1 : units > 0xFFFF ? 0xFFFF : units;
}

VOID E1000ReadConfiguration(PE1000_ADAPTER Adapter)
{
    ULONG rx = E1000_RX_RING_SIZE, itr = 0, link_irq = 1, watchdog = E1000_WATCHDOG_DEFAULT_MS;
    NDIS_CONFIGURATION_OBJECT object = {
        .Header = {.Type = NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT,
                   .Revision = NDIS_CONFIGURATION_OBJECT_REVISION_1,
                   .Size = NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1},
        .NdisHandle = Adapter->AdapterHandle,
        .Flags = 0,
    };
    NDIS_HANDLE config;
    if (NdisOpenConfigurationEx(&object, &config) == NDIS_STATUS_SUCCESS) {
        rx = read_integer(config, L"*ReceiveBuffers", rx);
        itr = read_integer(config, L"ITR", itr);
        link_irq = read_integer(config, L"LinkInterrupt", link_irq);
        watchdog = read_integer(config, L"WatchdogPeriodMs", watchdog);
        NdisCloseConfiguration(config);
    }
    Adapter->RxRingSize = rx_ring_for(rx);
    Adapter->ItrInterval = itr_units_for(itr);
    Adapter->LinkInterrupt = link_irq != 0;
    Adapter->WatchdogPeriodMs = watchdog;
}
