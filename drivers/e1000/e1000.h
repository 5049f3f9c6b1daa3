/* drivers/e1000/e1000.h - the e1000/e1000e NDIS miniport: its adapter context, and how its files
 * call each other. Tests (tests/ktest/e1000_*.c) read the context and the counters through the
 * small API at the end.
 *
 * One driver source for two chips, as on Windows (Intel's e1g/e1r drivers cover many):
 *   82540EM (QEMU e1000)   INTx only                  -> NDIS falls back to a line interrupt
 *   82574L  (QEMU e1000e)  MSI-X, MSI, INTx           -> MSI-X: RX, TX and "other" are three
 *                                                         messages (IVAR) with their own DPCs;
 *                                                         msix=off: MSI; msi=off: INTx
 * The driver always says MsiSupported and copes with whatever NdisMRegisterInterruptEx granted.
 *
 * Files: e1000_miniport.c (DriverEntry, MiniportInitializeEx / MiniportHaltEx), e1000_hw.c
 * (reset, EEPROM, MAC, link and its NDIS_STATUS_LINK_STATE indication, ITR), e1000_rx.c (the
 * receive ring, indicated as NET_BUFFER_LISTs), e1000_tx.c (the transmit ring,
 * MiniportSendNetBufferLists), e1000_oid.c (MiniportOidRequest), e1000_interrupt.c (the eight NDIS
 * interrupt handlers), e1000_watchdog.c (the periodic link check, an NDIS timer object),
 * e1000_stats.c (counters for tests and people).
 *
 * The driver includes only include/ndis.h: it talks to NDIS, and NDIS to irqlab's network stack.
 */
#ifndef IRQLAB_E1000_H
#define IRQLAB_E1000_H

#include <stdbool.h>
#include <stdint.h>

#include "e1000_regs.h"
#include <ndis.h>

#define E1000_RX_RING_SIZE 256 /* descriptors allocated; 256 x 16 bytes = one page */
#define E1000_RX_RING_MIN 16   /* e1000_rx_buffers= may use fewer: a multiple of 8 (RDLEN: 128 bytes) */
#define E1000_TX_RING_SIZE 128
#define E1000_RX_BUFFER_SIZE 1024 /* RCTL.BSIZE: a full-size frame takes two descriptors */
#define E1000_TX_BUFFER_SIZE 2048
#define E1000_MAX_FRAME 1514     /* without the CRC the NIC adds (IFCS) or strips (SECRC) */
#define E1000_RX_RETURN_BATCH 32 /* give buffers back to the NIC (RDT) at least this often */
#define E1000_MAX_ADAPTERS 8
#define E1000_ETH_ADDR_LEN 6
#define E1000_MAX_PAYLOAD 1500 /* OID_GEN_MAXIMUM_FRAME_SIZE: the frame without its 14-byte header */
#define E1000_TAG_NBL IRQLAB_POOL_TAG("E1kN")

enum e1000_chip { E1000_CHIP_82540EM, E1000_CHIP_82574L };
enum e1000_irq_mode { E1000_IRQ_LINE, E1000_IRQ_MSI, E1000_IRQ_MSIX };

/* MSI-X: which message each cause is mapped to (IVAR). Messages 3 and 4 exist but stay unused. */
#define E1000_MSG_RX 0
#define E1000_MSG_TX 1
#define E1000_MSG_OTHER 2
#define E1000_MSIX_MESSAGES_USED 3

/* The causes this driver enables. */
#define E1000_LINE_CAUSES (E1000_ICR_RXT0 | E1000_ICR_RXO | E1000_ICR_RXDMT0 | E1000_ICR_TXDW | E1000_ICR_LSC)
#define E1000_OTHER_CAUSES (E1000_ICR_OTHER | E1000_ICR_LSC | E1000_ICR_RXO)

/* The interrupt-cause counters `net` shows (NdisIrqlabNameInterruptCauses), by index. */
enum e1000_cause_counter {
    E1000_COUNT_RXT0,
    E1000_COUNT_RXO,
    E1000_COUNT_RXDMT0,
    E1000_COUNT_TXDW,
    E1000_COUNT_LSC,
    E1000_COUNT_RXQ0,
    E1000_COUNT_TXQ0,
    E1000_COUNT_OTHER,
    E1000_COUNT_CAUSES
};

/* What the driver counts (the stack has its own view, through NDIS). All only grow; written with
 * atomic adds (ISRs of different messages run at once on different CPUs). */
struct e1000_stats {
    uint64_t isr_calls;        /* the miniport's ISR ran (any message) */
    uint64_t isr_claimed;      /* ... and its NIC had interrupted */
    uint64_t isr_declined;     /* ... and it had not: another device on a shared line */
    uint64_t dpc_runs;         /* interrupt DPC calls */
    uint64_t rx_frames;        /* frames handed to the stack */
    uint64_t rx_multi_buffer;  /* ... of them spread over more than one descriptor */
    uint64_t rx_errors;        /* frames the NIC marked bad, or too long */
    uint64_t rx_budget_hits;   /* DPC runs that stopped at the receive budget (MoreNblsPending) */
    uint64_t rx_overruns;      /* RXO interrupts: a frame found the ring too full */
    uint64_t rx_missed;        /* frames the NIC dropped (MPC) - OID_GEN_RCV_NO_BUFFER */
    uint64_t tx_frames;        /* frames queued to the NIC */
    uint64_t tx_nbls;          /* NBLs MiniportSendNetBufferLists got (each completed at once) */
    uint64_t tx_completed;     /* descriptors the NIC wrote back */
    uint64_t tx_ring_full;     /* transmit refused: no free descriptor */
    uint64_t link_changes;     /* link went up or down (LSC interrupt or watchdog) */
    uint64_t watchdog_polls;   /* the watchdog timer's callback ran */
    uint64_t watchdog_links;   /* ... and found the link changed (the interrupt had not told) */
    uint64_t link_indications; /* NDIS_STATUS_LINK_STATE indications made */
    uint64_t oid_requests;     /* MiniportOidRequest calls */
    uint64_t causes[8];        /* per enum e1000_cause_counter */
};

typedef struct _E1000_ADAPTER {
    NDIS_HANDLE AdapterHandle;   /* NDIS's handle for this adapter */
    NDIS_HANDLE InterruptHandle; /* from NdisMRegisterInterruptEx */
    PCSTR Name;                  /* "e1000 00:03.0" (NdisIrqlabAdapterName) */
    unsigned Slot;               /* in the driver's adapter table */
    enum e1000_chip Chip;

    volatile ULONG *Registers; /* BAR0, mapped */
    UINT RegistersLength;
    /* NdisDevicePnPEventSurpriseRemoved came: the NIC is gone, its registers are not touched
     * again (E1000Read returns all-ones, as a read of an absent PCI function does). */
    volatile bool SurpriseRemoved;
    volatile bool ShutDown; /* MiniportShutdownEx quieted the NIC */
    UCHAR Mac[E1000_ETH_ADDR_LEN];
    ULONG PacketFilter; /* OID_GEN_CURRENT_PACKET_FILTER: NDIS_PACKET_TYPE_*; 0 = indicate nothing */

    /* Interrupts. */
    enum e1000_irq_mode Mode;
    ULONG MessageCount; /* granted (message-based) */
    ULONG ItrInterval;  /* ITR/EITR value, 256 ns units; 0 = no moderation asked for */
    /* Causes enabled in IMS, as this driver last wrote them - read by the ISR, which must not
     * read ICR while they are all off (see e1000_interrupt.c). Changed under the interrupt lock. */
    volatile ULONG EnabledMask;
    /* The causes this adapter uses: E1000_LINE_CAUSES / E1000_OTHER_CAUSES, without LSC when
     * e1000_link_irq=off (the watchdog alone then sees link changes). Set before the interrupt. */
    ULONG LineCauses;
    ULONG OtherCauses;
    /* Causes the ISR saw and the DPC has not handled yet (under the interrupt lock). */
    ULONG PendingCauses;
    ULONG MissedSeen; /* MPC value last read */

    /* Receive ring: descriptors and one buffer per descriptor. */
    e1000_rx_desc_t *RxRing;
    NDIS_PHYSICAL_ADDRESS RxRingPhysical;
    UCHAR *RxBuffers;
    NDIS_PHYSICAL_ADDRESS RxBuffersPhysical;
    ULONG RxRingSize; /* descriptors in use (e1000_rx_buffers=, "*ReceiveBuffers" on Windows) */
    ULONG RxNext;     /* next descriptor the NIC will complete */
    KSPIN_LOCK RxLock;
    ULONG RxFrameLength; /* a frame spread over several descriptors is gathered here */
    bool RxFrameBad;
    UCHAR RxFrame[E1000_TX_BUFFER_SIZE];
    /* What a frame is indicated in: one NBL (one NB, one MDL over the descriptor's buffer) per
     * descriptor, and one over RxFrame. Indicated with NDIS_RECEIVE_FLAGS_RESOURCES, so they are
     * the driver's again as soon as NdisMIndicateReceiveNetBufferLists returns. */
    NDIS_HANDLE RxNblPool;
    PNET_BUFFER_LIST RxNbl[E1000_RX_RING_SIZE];
    PMDL RxMdl[E1000_RX_RING_SIZE];
    PNET_BUFFER_LIST RxFrameNbl;
    PMDL RxFrameMdl;

    /* Transmit ring. */
    e1000_tx_desc_t *TxRing;
    NDIS_PHYSICAL_ADDRESS TxRingPhysical;
    UCHAR *TxBuffers;
    NDIS_PHYSICAL_ADDRESS TxBuffersPhysical;
    ULONG TxTail;  /* next descriptor to fill (TDT) */
    ULONG TxClean; /* oldest descriptor not yet written back */
    ULONG TxInUse;
    KSPIN_LOCK TxLock;
    bool TxStopped; /* halting: transmit refuses everything */

    bool LinkUp;
    ULONG LinkSpeedMbps;
    KSPIN_LOCK LinkLock;       /* LinkUp/LinkSpeedMbps: the interrupt DPC and the watchdog update them */
    NDIS_HANDLE WatchdogTimer; /* NdisAllocateTimerObject; NULL when e1000_watchdog_ms=0 */
    ULONG WatchdogPeriodMs;
    bool LinkInterrupt;  /* keyword LinkInterrupt: the LSC interrupt reports link changes too */
    ULONG LinkIndicated; /* an NDIS_STATUS_LINK_STATE has been indicated (under LinkLock) */

    struct e1000_stats Stats;
} E1000_ADAPTER, *PE1000_ADAPTER;

/* Register accesses attempted after a surprise removal (none should be: the paths that run then
 * check SurpriseRemoved first); counted and not made. For tests. */
extern volatile uint64_t e1000_absent_register_accesses;
/* The HaltAction of the last MiniportHaltEx (-1: none yet). For tests. */
extern volatile int e1000_last_halt_action;
static inline ULONG E1000Read(PE1000_ADAPTER Adapter, ULONG Register)
{
    if (__builtin_expect(Adapter->SurpriseRemoved, 0)) {
        __atomic_fetch_add(&e1000_absent_register_accesses, 1, __ATOMIC_RELAXED);
        return 0xFFFFFFFF;
    }
    return READ_REGISTER_ULONG(&Adapter->Registers[Register / 4]);
}
static inline VOID E1000Write(PE1000_ADAPTER Adapter, ULONG Register, ULONG Value)
{
    if (__builtin_expect(Adapter->SurpriseRemoved, 0)) {
        __atomic_fetch_add(&e1000_absent_register_accesses, 1, __ATOMIC_RELAXED);
        return;
    }
    WRITE_REGISTER_ULONG(&Adapter->Registers[Register / 4], Value);
}
static inline void e1000_count(uint64_t *counter, uint64_t n) { __atomic_fetch_add(counter, n, __ATOMIC_RELAXED); }

/* ---- e1000_hw.c ---- */
VOID E1000ResetHardware(PE1000_ADAPTER Adapter);                   /* quiet and reset; every interrupt masked */
VOID E1000ReadMacAddress(PE1000_ADAPTER Adapter);                  /* EEPROM words 0-2 (or RAL/RAH), into Mac */
VOID E1000ProgramFilters(PE1000_ADAPTER Adapter);                  /* RAL/RAH = Mac, multicast table empty */
VOID E1000ProgramModeration(PE1000_ADAPTER Adapter);               /* ITR, or EITR per MSI-X vector */
VOID E1000ProgramMsixVectors(PE1000_ADAPTER Adapter, bool enable); /* IVAR */
/* Read STATUS (any IRQL <= DISPATCH_LEVEL); true if the link changed - then log it, saying who noticed (`Who`). */
bool E1000UpdateLink(PE1000_ADAPTER Adapter, PCSTR Who);
VOID E1000CountMissed(PE1000_ADAPTER Adapter); /* MPC -> Stats.rx_missed (OID_GEN_RCV_NO_BUFFER) */
/* Tell NDIS the current link state (NdisMIndicateStatusEx, NDIS_STATUS_LINK_STATE); and fill one. */
VOID E1000FillLinkState(PE1000_ADAPTER Adapter, PNDIS_LINK_STATE Link);
/* RCTL for the packet filter (unicast/multicast promiscuity, broadcast). */
VOID E1000ProgramPacketFilter(PE1000_ADAPTER Adapter);

/* ---- e1000_config.c ---- */
/* The keywords (*ReceiveBuffers, ITR, LinkInterrupt, WatchdogPeriodMs) into RxRingSize,
 * ItrInterval, LinkInterrupt, WatchdogPeriodMs; defaults for what is not set. PASSIVE_LEVEL. */
VOID E1000ReadConfiguration(PE1000_ADAPTER Adapter);

/* ---- e1000_rx.c ---- */
NDIS_STATUS E1000RxAllocate(PE1000_ADAPTER Adapter); /* ring, buffers, and their NBLs and MDLs */
VOID E1000RxFree(PE1000_ADAPTER Adapter);
VOID E1000RxStart(PE1000_ADAPTER Adapter); /* rings into the NIC, RCTL.EN */
VOID E1000RxStop(PE1000_ADAPTER Adapter);
/* Indicate up to `budget` frames to NDIS (DISPATCH_LEVEL); true if more are waiting. */
bool E1000RxProcess(PE1000_ADAPTER Adapter, ULONG budget);

/* ---- e1000_tx.c ---- */
NDIS_STATUS E1000TxAllocate(PE1000_ADAPTER Adapter);
VOID E1000TxFree(PE1000_ADAPTER Adapter);
VOID E1000TxStart(PE1000_ADAPTER Adapter);
VOID E1000TxStop(PE1000_ADAPTER Adapter);    /* transmit refuses from now on */
VOID E1000TxReclaim(PE1000_ADAPTER Adapter); /* take back written-back descriptors (DISPATCH_LEVEL) */
MINIPORT_SEND_NET_BUFFER_LISTS E1000SendNetBufferLists;
MINIPORT_RETURN_NET_BUFFER_LISTS E1000ReturnNetBufferLists;

/* ---- e1000_oid.c ---- */
MINIPORT_OID_REQUEST E1000OidRequest;

/* ---- e1000_interrupt.c ---- */
/* Fill the characteristics with the eight handlers (MsiSupported = TRUE). */
VOID E1000InterruptCharacteristics(PNDIS_MINIPORT_INTERRUPT_CHARACTERISTICS Chars);
/* After NdisMRegisterInterruptEx: work out the mode from what was granted, program IVAR and
 * moderation, then enable the causes (under the interrupt lock). */
VOID E1000StartInterrupts(PE1000_ADAPTER Adapter, const NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS *Granted);
/* Mask every cause (under the interrupt lock) and clear what is pending. */
VOID E1000StopInterrupts(PE1000_ADAPTER Adapter);
PCSTR E1000ModeName(enum e1000_irq_mode Mode);

/* ---- e1000_watchdog.c ---- */
/* From MiniportInitializeEx, PASSIVE_LEVEL: allocate and set the periodic timer. */
NDIS_STATUS E1000WatchdogStart(PE1000_ADAPTER Adapter);
/* From MiniportHaltEx (and a failed initialization), PASSIVE_LEVEL: cancel it - when this returns
 * no callback is queued or running - and free it. */
VOID E1000WatchdogStop(PE1000_ADAPTER Adapter);
/* The NetTimerCallback (exported by name for tests and the `timers` listing). */
NDIS_TIMER_FUNCTION E1000WatchdogTimer;

/* ---- e1000_stats.c: for tests and people ---- */
/* The running adapters, by slot (NULL if none). */
PE1000_ADAPTER e1000_adapter(unsigned slot);
unsigned e1000_adapter_count(void);
VOID e1000_remember(PE1000_ADAPTER Adapter); /* MiniportInitializeEx succeeded */
VOID e1000_forget(PE1000_ADAPTER Adapter);   /* MiniportHaltEx */
/* A copy of the counters. */
struct e1000_stats e1000_stats_of(PE1000_ADAPTER Adapter);

#endif
