/* drivers/e1000/e1000_hw.c - bringing the chip up: reset, the EEPROM's MAC address, receive
 * filters, link state, interrupt moderation.
 *
 * 8254x SDM: "Device Control Register" (RST, SLU), "Device Status Register" (LU, SPEED),
 * "EEPROM Read Register", "EEPROM Address Map", "Receive Address Low/High", "Multicast Table
 * Array", "Interrupt Throttling Register", "Missed Packets Count"; 82574 datasheet: "Interrupt
 * Vector Allocation Registers" (IVAR), "Extended Interrupt Throttle" (EITR).
 * QEMU 7.2 (hw/net/e1000.c, e1000e_core.c): CTRL.RST does not really reset either model, so the
 * driver puts every register it relies on into a known state itself; ITR/EITR below 500 (128 us)
 * behave as 500; MPC counts up and is never cleared by reading.
 */
#include "drivers/e1000/e1000.h"

#define E1000_RESET_POLL_US 10
#define E1000_RESET_TIMEOUT_US 10000
#define E1000_EERD_TIMEOUT_US 10000

VOID E1000ResetHardware(PE1000_ADAPTER Adapter)
{
    /* Quiet first: no interrupt may be raised while the rings are not set up. */
    E1000Write(Adapter, E1000_IMC, 0xFFFFFFFF);
    E1000Write(Adapter, E1000_RCTL, 0);
    E1000Write(Adapter, E1000_TCTL, 0);
    (void)E1000Read(Adapter, E1000_STATUS); /* flush the posted writes */
    NdisStallExecution(10);

    E1000Write(Adapter, E1000_CTRL, E1000Read(Adapter, E1000_CTRL) | E1000_CTRL_RST);
    NdisStallExecution(5); /* the manual: wait before touching the device again */
    for (ULONG waited = 0; (E1000Read(Adapter, E1000_CTRL) & E1000_CTRL_RST) && waited < E1000_RESET_TIMEOUT_US;
         waited += E1000_RESET_POLL_US)
        NdisStallExecution(E1000_RESET_POLL_US);

    /* A reset re-enables nothing, but a model that does not reset (QEMU) may still hold old
     * state: mask and clear again. Then link up, auto speed, no PHY reset, no VLANs. */
    E1000Write(Adapter, E1000_IMC, 0xFFFFFFFF);
    E1000Write(Adapter, E1000_ICR, 0xFFFFFFFF);
    (void)E1000Read(Adapter, E1000_ICR);
    ULONG ctrl = E1000Read(Adapter, E1000_CTRL);
    ctrl &= ~(E1000_CTRL_LRST | E1000_CTRL_PHY_RST | E1000_CTRL_ILOS | E1000_CTRL_VME);
    ctrl |= E1000_CTRL_SLU | E1000_CTRL_ASDE;
    E1000Write(Adapter, E1000_CTRL, ctrl);
    if (Adapter->Chip == E1000_CHIP_82574L) {
        E1000Write(Adapter, E1000_IVAR, 0);
        E1000Write(Adapter, E1000_EIAC, 0);
    }
}

/* One 16-bit EEPROM word through EERD, or false if the read never completes. */
static bool read_eeprom_word(PE1000_ADAPTER Adapter, ULONG address, USHORT *value)
{
    bool is_82574 = Adapter->Chip == E1000_CHIP_82574L;
    ULONG shift = is_82574 ? E1000_82574_EERD_ADDR_SHIFT : E1000_82540_EERD_ADDR_SHIFT;
    ULONG done = is_82574 ? E1000_82574_EERD_DONE : E1000_82540_EERD_DONE;
    E1000Write(Adapter, E1000_EERD, (address << shift) | E1000_EERD_START);
    for (ULONG waited = 0; waited < E1000_EERD_TIMEOUT_US; waited += 5) {
        ULONG eerd = E1000Read(Adapter, E1000_EERD);
        if (eerd & done) {
            *value = (USHORT)(eerd >> E1000_EERD_DATA_SHIFT);
            return true;
        }
        NdisStallExecution(5);
    }
    return false;
}

VOID E1000ReadMacAddress(PE1000_ADAPTER Adapter)
{
    USHORT words[E1000_EEPROM_MAC_WORDS];
    bool ok = true;
    for (ULONG i = 0; i < E1000_EEPROM_MAC_WORDS && ok; i++)
        ok = read_eeprom_word(Adapter, i, &words[i]);
    if (ok) {
        for (ULONG i = 0; i < E1000_EEPROM_MAC_WORDS; i++) {
            Adapter->Mac[2 * i] = (UCHAR)(words[i] & 0xFF); /* low byte first */
            Adapter->Mac[2 * i + 1] = (UCHAR)(words[i] >> 8);
        }
        return;
    }
    /* No EEPROM answer: the NIC loaded the address into receive address 0 at power-up. */
    DbgPrint("e1000: %s: EEPROM read timed out, using RAL0/RAH0\n", Adapter->Name);
    ULONG ral = E1000Read(Adapter, E1000_RAL0), rah = E1000Read(Adapter, E1000_RAH0);
    for (ULONG i = 0; i < 4; i++)
        Adapter->Mac[i] = (UCHAR)(ral >> (8 * i));
    Adapter->Mac[4] = (UCHAR)rah;
    Adapter->Mac[5] = (UCHAR)(rah >> 8);
}

VOID E1000ProgramFilters(PE1000_ADAPTER Adapter)
{
    const UCHAR *m = Adapter->Mac;
    E1000Write(Adapter, E1000_RAL0, (ULONG)m[0] | (ULONG)m[1] << 8 | (ULONG)m[2] << 16 | (ULONG)m[3] << 24);
    E1000Write(Adapter, E1000_RAH0, (ULONG)m[4] | (ULONG)m[5] << 8 | E1000_RAH_AV);
    for (ULONG i = 0; i < E1000_MTA_ENTRIES; i++) /* no multicast groups */
        E1000Write(Adapter, E1000_MTA + 4 * i, 0);
}

VOID E1000ProgramModeration(PE1000_ADAPTER Adapter)
{
    E1000Write(Adapter, E1000_RDTR, 0); /* no receive delay: moderation is ITR's job */
    /* Off means "leave ITR/EITR alone": after a reset they are 0, no throttling. Writing 0 would
     * be the same on real silicon, but QEMU 7.2's e1000e stores any write as at least 500
     * (128 us) and from then on throttles that vector - and its throttle timer can send a
     * message a second time (QEMU hw/net/e1000e_core.c) - for every later user of the device too. */
    if (!Adapter->ItrInterval)
        return;
    /* The 82574's MSI-X vectors each have their own throttle (EITR); ITR covers INTx and MSI. */
    E1000Write(Adapter, E1000_ITR, Adapter->ItrInterval);
    if (Adapter->Mode == E1000_IRQ_MSIX)
        for (ULONG v = 0; v < E1000_MSIX_MESSAGES_USED; v++)
            E1000Write(Adapter, E1000_EITR(v), Adapter->ItrInterval);
}

VOID E1000ProgramMsixVectors(PE1000_ADAPTER Adapter, bool enable)
{
    ULONG ivar = 0;
    if (enable)
        ivar = (E1000_IVAR_VALID | E1000_MSG_RX) << E1000_IVAR_RXQ0_SHIFT |
               (E1000_IVAR_VALID | E1000_MSG_TX) << E1000_IVAR_TXQ0_SHIFT |
               (E1000_IVAR_VALID | E1000_MSG_OTHER) << E1000_IVAR_OTHER_SHIFT;
    /* EIAC stays 0: no auto-clear (and so no auto-mask); each ISR masks and clears its causes. */
    E1000Write(Adapter, E1000_EIAC, 0);
    E1000Write(Adapter, E1000_IVAR, ivar);
}

bool E1000UpdateLink(PE1000_ADAPTER Adapter, PCSTR Who)
{
    /* The interrupt DPC and the watchdog may run at once on two CPUs: one of them reports. */
    KIRQL irql;
    KeAcquireSpinLock(&Adapter->LinkLock, &irql);
    ULONG status = E1000Read(Adapter, E1000_STATUS);
    bool up = (status & E1000_STATUS_LU) != 0;
    static const ULONG speeds[4] = {10, 100, 1000, 1000};
    ULONG speed = speeds[(status & E1000_STATUS_SPEED_MASK) >> E1000_STATUS_SPEED_SHIFT];
    bool changed = up != Adapter->LinkUp;
    Adapter->LinkUp = up;
    Adapter->LinkSpeedMbps = up ? speed : 0;
    if (changed || Adapter->LinkIndicated == 0) {
        /* learn.microsoft.com "NDIS_STATUS_LINK_STATE": a miniport indicates every change (and
         * irqlab's one at initialization, so NDIS starts from the hardware's word). Under the
         * lock, so the interrupt DPC's and the watchdog's indications cannot overtake each other. */
        NDIS_LINK_STATE link;
        E1000FillLinkState(Adapter, &link);
        NDIS_STATUS_INDICATION indication;
        NdisZeroMemory(&indication, sizeof(indication));
        indication.Header.Type = NDIS_OBJECT_TYPE_STATUS_INDICATION;
        indication.Header.Revision = NDIS_STATUS_INDICATION_REVISION_1;
        indication.Header.Size = NDIS_SIZEOF_STATUS_INDICATION_REVISION_1;
        indication.SourceHandle = Adapter->AdapterHandle;
        indication.StatusCode = NDIS_STATUS_LINK_STATE;
        indication.StatusBuffer = &link;
        indication.StatusBufferSize = sizeof(link);
        NdisMIndicateStatusEx(Adapter->AdapterHandle, &indication);
        Adapter->LinkIndicated = 1;
        e1000_count(&Adapter->Stats.link_indications, 1);
    }
    if (changed) {
        e1000_count(&Adapter->Stats.link_changes, 1);
        if (up)
            DbgPrint("e1000: %s: link up, %u Mb/s %s duplex (%s)\n", Adapter->Name, (unsigned)speed,
                     (status & E1000_STATUS_FD) ? "full" : "half", Who);
        else
            DbgPrint("e1000: %s: link down (%s)\n", Adapter->Name, Who);
    }
    KeReleaseSpinLock(&Adapter->LinkLock, irql);
    return changed;
}

VOID E1000CountMissed(PE1000_ADAPTER Adapter)
{
    /* The manual's MPC clears when read; QEMU 7.2's only ever counts up (and survives a driver
     * restart, hence MissedSeen starts at the value found at initialization). Count the growth;
     * a smaller value means a read cleared it. Exact on QEMU; on real hardware a later, larger
     * value would be undercounted - a driver for real silicon would add every value it reads. */
    ULONG now = E1000Read(Adapter, E1000_MPC);
    ULONG missed = now >= Adapter->MissedSeen ? now - Adapter->MissedSeen : now;
    Adapter->MissedSeen = now;
    if (missed)
        e1000_count(&Adapter->Stats.rx_missed, missed); /* NDIS reads it: OID_GEN_RCV_NO_BUFFER */
}

VOID E1000FillLinkState(PE1000_ADAPTER Adapter, PNDIS_LINK_STATE Link)
{
    NdisZeroMemory(Link, sizeof(*Link));
    Link->Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
    Link->Header.Revision = NDIS_LINK_STATE_REVISION_1;
    Link->Header.Size = NDIS_SIZEOF_LINK_STATE_REVISION_1;
    bool up = Adapter->LinkUp;
    Link->MediaConnectState = up ? MediaConnectStateConnected : MediaConnectStateDisconnected;
    Link->MediaDuplexState =
        up ? ((E1000Read(Adapter, E1000_STATUS) & E1000_STATUS_FD) ? MediaDuplexStateFull : MediaDuplexStateHalf)
           : MediaDuplexStateUnknown;
    Link->XmitLinkSpeed = Link->RcvLinkSpeed = up ? (ULONG64)Adapter->LinkSpeedMbps * 1000000 : NDIS_LINK_SPEED_UNKNOWN;
    Link->PauseFunctions = NdisPauseFunctionsUnsupported;
}

VOID E1000ProgramPacketFilter(PE1000_ADAPTER Adapter)
{
    /* 8254x SDM "Receive Control Register": UPE/MPE = unicast/multicast promiscuous, BAM =
     * accept broadcast. The multicast table stays empty, so MULTICAST alone adds nothing.
     * Written only when it changes: every RCTL write makes QEMU hold frames back for a while
     * (e1000_rx.c). Filter 0 leaves the receiver on; e1000_rx.c then indicates nothing. */
    ULONG filter = Adapter->PacketFilter;
    ULONG rctl = E1000Read(Adapter, E1000_RCTL);
    ULONG want = rctl & ~(E1000_RCTL_UPE | E1000_RCTL_MPE | E1000_RCTL_BAM);
    if (filter & (NDIS_PACKET_TYPE_PROMISCUOUS))
        want |= E1000_RCTL_UPE | E1000_RCTL_MPE;
    if (filter & NDIS_PACKET_TYPE_ALL_MULTICAST)
        want |= E1000_RCTL_MPE;
    if (filter & (NDIS_PACKET_TYPE_BROADCAST | NDIS_PACKET_TYPE_PROMISCUOUS))
        want |= E1000_RCTL_BAM;
    if (want != rctl)
        E1000Write(Adapter, E1000_RCTL, want);
}
