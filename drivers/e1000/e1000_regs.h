/* drivers/e1000/e1000_regs.h - registers, bits and descriptors of the Intel 82540EM (QEMU
 * `e1000`) and 82574L (QEMU `e1000e`) that this driver uses.
 *
 * Sources: Intel "PCI/PCI-X Family of Gigabit Ethernet Controllers Software Developer's Manual"
 * (8254x, document 317453): chapter "Register Descriptions" (CTRL, STATUS, EERD, ICR, ITR, ICS,
 * IMS, IMC, RCTL, TCTL, TIPG, RDBAL..RDT, TDBAL..TDT, MTA, RAL/RAH, MPC), "Receive Descriptor
 * Format", "Legacy Transmit Descriptor Format", "EEPROM Address Map" (words 0-2: the MAC);
 * Intel "82574 GbE Controller Family Datasheet" (document 317694): "Interrupts" (MSI-X, IVAR,
 * EIAC, the OTHER cause), register summary (IVAR, EITR, CTRL_EXT). What QEMU 7.2 really
 * implements - and where it differs - is in QEMU 7.2 hw/net/e1000.c (e1000) and
 * hw/net/e1000e_core.c (e1000e); the differences that matter are noted next to the register.
 * All registers are 32 bits wide, in BAR0 (memory), little endian.
 */
#ifndef IRQLAB_E1000_REGS_H
#define IRQLAB_E1000_REGS_H

#include <stdint.h>

/* ---- PCI identity ---- */
#define E1000_VENDOR_INTEL 0x8086
#define E1000_DEVICE_82540EM 0x100E /* QEMU -device e1000: INTx only (no MSI capability) */
#define E1000_DEVICE_82574L 0x10D3  /* QEMU -device e1000e: MSI-X (5 vectors), MSI (1), INTx */

/* ---- General ---- */
#define E1000_CTRL 0x0000 /* Device Control */
#define E1000_CTRL_FD (1u << 0)
#define E1000_CTRL_LRST (1u << 3) /* link reset */
#define E1000_CTRL_ASDE (1u << 5) /* auto-speed detection */
#define E1000_CTRL_SLU (1u << 6)  /* set link up */
#define E1000_CTRL_ILOS (1u << 7) /* invert loss-of-signal */
#define E1000_CTRL_RST (1u << 26) /* software reset; self-clearing (QEMU: resets little, §1/§2) */
#define E1000_CTRL_VME (1u << 30) /* VLAN mode */
#define E1000_CTRL_PHY_RST (1u << 31)

#define E1000_STATUS 0x0008 /* Device Status */
#define E1000_STATUS_FD (1u << 0)
#define E1000_STATUS_LU (1u << 1) /* link up */
#define E1000_STATUS_SPEED_SHIFT 6
#define E1000_STATUS_SPEED_MASK (3u << 6) /* 00 10 Mb/s, 01 100 Mb/s, 1x 1000 Mb/s */

/* EEPROM Read: write the word address with START, poll DONE, data in bits 31:16. The two chips
 * place the fields differently (QEMU implements both, §1 and §2). */
#define E1000_EERD 0x0014
#define E1000_EERD_START (1u << 0)
#define E1000_EERD_DATA_SHIFT 16
#define E1000_82540_EERD_DONE (1u << 4)
#define E1000_82540_EERD_ADDR_SHIFT 8
#define E1000_82574_EERD_DONE (1u << 1)
#define E1000_82574_EERD_ADDR_SHIFT 2
#define E1000_EEPROM_MAC_WORDS 3 /* words 0, 1, 2: the Ethernet address, low byte first */

#define E1000_CTRL_EXT 0x0018 /* 82574: IAME bit 27 (see EIAC) - left at 0 here */

/* ---- Interrupts ---- */
#define E1000_ICR 0x00C0                 /* Interrupt Cause Read: INTx/MSI mode - reading clears it */
#define E1000_ITR 0x00C4                 /* Interrupt Throttling: minimum interval, in 256 ns units */
#define E1000_ICS 0x00C8                 /* Interrupt Cause Set: software raises causes (tests) */
#define E1000_IMS 0x00D0                 /* Interrupt Mask Set/Read: writing 1s enables those causes */
#define E1000_IMC 0x00D8                 /* Interrupt Mask Clear: writing 1s disables those causes */
#define E1000_EIAC 0x00DC                /* 82574: Extended Interrupt Auto Clear (left at 0: the ISR clears) */
#define E1000_IVAR 0x00E4                /* 82574: Interrupt Vector Allocation: cause -> MSI-X vector */
#define E1000_EITR(n) (0x00E8 + 4 * (n)) /* 82574: per-MSI-X-vector throttling, 256 ns units */

/* ICR/ICS/IMS/IMC bits, both chips (INTx and MSI mode). */
#define E1000_ICR_TXDW (1u << 0)   /* a transmit descriptor with RS was written back */
#define E1000_ICR_TXQE (1u << 1)   /* transmit queue empty (QEMU: on every TDT write, §1) */
#define E1000_ICR_LSC (1u << 2)    /* link status change */
#define E1000_ICR_RXDMT0 (1u << 4) /* receive descriptors below the minimum threshold */
#define E1000_ICR_RXO (1u << 6)    /* receiver overrun: a frame did not fit in the free ring */
#define E1000_ICR_RXT0 (1u << 7)   /* receiver timer: frames were received */
/* 82574 in MSI-X mode: the RX/TX causes are per queue, the rest collapse into OTHER (§2). */
#define E1000_ICR_RXQ0 (1u << 20)
#define E1000_ICR_TXQ0 (1u << 22)
#define E1000_ICR_OTHER (1u << 24)
#define E1000_ICR_INT_ASSERTED (1u << 31) /* 82574: some cause is set */

/* IVAR: one 4-bit field per cause, 3-bit vector + valid bit 3 (82574 "IVAR", §2). */
#define E1000_IVAR_VALID 0x8u
#define E1000_IVAR_RXQ0_SHIFT 0
#define E1000_IVAR_TXQ0_SHIFT 8
#define E1000_IVAR_OTHER_SHIFT 16

/* ---- Receive ---- */
#define E1000_RCTL 0x0100
#define E1000_RCTL_EN (1u << 1)
#define E1000_RCTL_UPE (1u << 3)         /* unicast promiscuous */
#define E1000_RCTL_MPE (1u << 4)         /* multicast promiscuous */
#define E1000_RCTL_RDMTS_HALF (0u << 8)  /* RXDMT0 when half the ring is left */
#define E1000_RCTL_BAM (1u << 15)        /* accept broadcast: ARP requests are broadcast */
#define E1000_RCTL_BSIZE_1024 (1u << 16) /* BSIZE=01, BSEX=0: 1024-byte buffers */
#define E1000_RCTL_SECRC (1u << 26)      /* strip the Ethernet CRC */
#define E1000_RDBAL 0x2800
#define E1000_RDBAH 0x2804
#define E1000_RDLEN 0x2808 /* bytes; a multiple of 128 (QEMU masks the rest away, §1) */
#define E1000_RDH 0x2810
#define E1000_RDT 0x2818
#define E1000_RDTR 0x2820 /* receive delay timer: 0 = interrupt at once */

/* ---- Transmit ---- */
#define E1000_TCTL 0x0400
#define E1000_TCTL_EN (1u << 1)
#define E1000_TCTL_PSP (1u << 3)         /* pad short packets */
#define E1000_TCTL_CT (0x0Fu << 4)       /* collision threshold (the manual's value) */
#define E1000_TCTL_COLD_FD (0x40u << 12) /* collision distance, full duplex */
#define E1000_TIPG 0x0410
#define E1000_TIPG_82540 (10u | (8u << 10) | (6u << 20)) /* IPGT 10, IPGR1 8, IPGR2 6 (copper) */
#define E1000_TDBAL 0x3800
#define E1000_TDBAH 0x3804
#define E1000_TDLEN 0x3808
#define E1000_TDH 0x3810
#define E1000_TDT 0x3818
#define E1000_TIDV 0x3820

/* ---- Filters and statistics ---- */
#define E1000_MTA 0x5200 /* multicast table: 128 registers */
#define E1000_MTA_ENTRIES 128
#define E1000_RAL0 0x5400
#define E1000_RAH0 0x5404
#define E1000_RAH_AV (1u << 31) /* address valid */
#define E1000_MPC 0x4010        /* Missed Packets Count (frames dropped for lack of buffers) */

/* ---- Descriptors (16 bytes each, in rings of DMA memory) ---- */
/* Legacy receive descriptor ("Receive Descriptor Format"; the 82574 uses it while RFCTL.EXTEN = 0). */
typedef struct e1000_rx_desc {
    uint64_t buffer_address; /* where the NIC writes the frame */
    uint16_t length;         /* bytes written to this buffer */
    uint16_t checksum;
    uint8_t status; /* DD, EOP, ... */
    uint8_t errors;
    uint16_t special;
} e1000_rx_desc_t;
#define E1000_RXD_STATUS_DD (1u << 0)  /* descriptor done: written back by the NIC */
#define E1000_RXD_STATUS_EOP (1u << 1) /* end of packet: the frame's last buffer */
#define E1000_RXD_ERRORS_FATAL 0x97u   /* CE, SE, SEQ, CXE, RXE: a bad frame (IPE/TCPE are checksums) */

/* Legacy transmit descriptor ("Legacy Transmit Descriptor Format"). */
typedef struct e1000_tx_desc {
    uint64_t buffer_address;
    uint16_t length;
    uint8_t cso;
    uint8_t cmd;    /* EOP, IFCS, RS */
    uint8_t status; /* DD */
    uint8_t css;
    uint16_t special;
} e1000_tx_desc_t;
#define E1000_TXD_CMD_EOP (1u << 0)  /* last descriptor of the frame */
#define E1000_TXD_CMD_IFCS (1u << 1) /* insert the Ethernet CRC */
#define E1000_TXD_CMD_RS (1u << 3)   /* report status: write back DD (and raise TXDW) */
#define E1000_TXD_STATUS_DD (1u << 0)

_Static_assert(sizeof(e1000_rx_desc_t) == 16, "legacy receive descriptor is 16 bytes");
_Static_assert(sizeof(e1000_tx_desc_t) == 16, "legacy transmit descriptor is 16 bytes");

#endif
