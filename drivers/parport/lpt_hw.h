/* drivers/parport/lpt_hw.h - the PC parallel port's registers and the few register sequences the
 * port driver and its clients share.
 *
 * Registers of a standard (SPP) port at `base` (0x378 for LPT1): DATA (base+0), STATUS (base+1,
 * read-only), CONTROL (base+2). How QEMU 7.2's port behaves (QEMU 7.2 hw/char/parallel.c):
 *   - a CONTROL write with STROBE set (nInit and SelectIn set) sends DATA to the printer (the
 *     -parallel backend) if the previous CONTROL value had STROBE clear: one byte per strobe;
 *   - a CONTROL write with STROBE clear (nInit and SelectIn set) raises the IRQ if the *previous*
 *     CONTROL value had INTEN set: the interrupt follows the falling edge of STROBE;
 *   - a CONTROL write with SelectIn clear does neither, whatever INTEN was;
 *   - reading STATUS lowers the IRQ (the acknowledge) and, after a strobe, steps a 3-read
 *     BUSY/ACK handshake: busy+ACK, busy+nACK pulse, then idle (not busy).
 * A driver must own the port (IOCTL_INTERNAL_PARALLEL_PORT_ALLOCATE or TryAllocatePort) before
 * it touches these registers: on a shared port the owner is the only one allowed to. */
#ifndef IRQLAB_DRIVERS_LPT_HW_H
#define IRQLAB_DRIVERS_LPT_HW_H

#include <wdm.h>

#define LPT_DATA 0
#define LPT_STATUS 1
#define LPT_CONTROL 2
#define LPT_REGISTER_SPAN 8 /* QEMU decodes base+0..base+7 */

#define LPT_STATUS_NOT_BUSY 0x80 /* 1 = ready for the next byte */
#define LPT_STATUS_NOT_ACK 0x40  /* 0 during the acknowledge pulse */
#define LPT_STATUS_PAPER_OUT 0x20
#define LPT_STATUS_SELECTED 0x10
#define LPT_STATUS_NOT_ERROR 0x08

#define LPT_CONTROL_STROBE 0x01
#define LPT_CONTROL_AUTOFEED 0x02
#define LPT_CONTROL_NOT_INIT 0x04 /* 0 = reset the printer */
#define LPT_CONTROL_SELECT_IN 0x08
#define LPT_CONTROL_INTEN 0x10
#define LPT_CONTROL_IDLE (LPT_CONTROL_NOT_INIT | LPT_CONTROL_SELECT_IN) /* 0x0C */

#define LPT_HANDSHAKE_READS 3

static inline PUCHAR LptRegister(PUCHAR Base, ULONG Offset) { return Base + Offset; }

/* Read STATUS until the printer is ready (at most the 3 reads of the handshake). The first read
 * also acknowledges the interrupt. Returns the last value read. */
static inline UCHAR LptAcknowledge(PUCHAR Base)
{
    UCHAR status = 0;
    for (int i = 0; i < LPT_HANDSHAKE_READS; i++) {
        status = READ_PORT_UCHAR(LptRegister(Base, LPT_STATUS));
        if (status & LPT_STATUS_NOT_BUSY)
            break;
    }
    return status;
}

/* Enable the port interrupt. The previous CONTROL value had INTEN clear, so this raises nothing. */
static inline VOID LptInterruptsOn(PUCHAR Base)
{
    WRITE_PORT_UCHAR(LptRegister(Base, LPT_CONTROL), LPT_CONTROL_IDLE | LPT_CONTROL_INTEN);
}

/* Disable it without raising one: dropping INTEN in a write with SelectIn clear takes neither
 * branch of the strobe logic; the next write (idle) then sees INTEN clear. */
static inline VOID LptInterruptsOff(PUCHAR Base)
{
    WRITE_PORT_UCHAR(LptRegister(Base, LPT_CONTROL), LPT_CONTROL_NOT_INIT);
    WRITE_PORT_UCHAR(LptRegister(Base, LPT_CONTROL), LPT_CONTROL_IDLE);
}

/* Send one byte: DATA, STROBE up (the byte goes out), STROBE down (the IRQ, if INTEN is on). */
static inline VOID LptStrobeByte(PUCHAR Base, UCHAR Byte, BOOLEAN Interrupt)
{
    UCHAR control = LPT_CONTROL_IDLE | (Interrupt ? LPT_CONTROL_INTEN : 0);
    WRITE_PORT_UCHAR(LptRegister(Base, LPT_DATA), Byte);
    WRITE_PORT_UCHAR(LptRegister(Base, LPT_CONTROL), control | LPT_CONTROL_STROBE);
    WRITE_PORT_UCHAR(LptRegister(Base, LPT_CONTROL), control);
}

#endif
