/* arch/x86_64/pic.h - the legacy 8259A interrupt controller pair: remapped, masked, watched.
 *
 * Reference: Intel 8259A Programmable Interrupt Controller data sheet (order no. 231468):
 * initialization command words ICW1-ICW4, operation command words OCW1 (mask), OCW2 (EOI) and
 * OCW3 (read IRR/ISR). The ELCR is chipset-specific: Intel PIIX3 / ICH9 data sheets ("Edge/Level
 * Control Registers", I/O ports 0x4D0/0x4D1).
 *
 * Every PC still has two 8259s ("master" and "slave", 8 IRQ inputs each; the slave's output is
 * wired to master input 2, the "cascade"). irqlab does not use them - interrupts go through the
 * IOAPIC and MSI - but they cannot be left alone:
 *
 *   * The BIOS leaves them delivering IRQ 0-7 on vectors 0x08-0x0F. Those are CPU exception
 *     vectors (0x08 = double fault, 0x0D = general protection...), so one stray timer tick would
 *     look like a crash. pic_init() therefore moves ("remaps") them to vectors 0x20-0x2F.
 *   * Then it masks all 16 inputs (IMR = 0xFF on both), so no device interrupt is delivered
 *     through them again.
 *
 * Why 0x20-0x2F is harmless: in irqlab's IRQL model a vector's IRQL is vector >> 4 (see
 * kernel/ke/vectors.h). 0x20-0x2F is the DISPATCH_LEVEL class, which no device ever uses
 * (device vectors are 0x30-0xBF), so a PIC vector can never be mistaken for an exception or for
 * a real device interrupt. With every input masked, the only thing that can still arrive there is
 * a *spurious* interrupt: a request that vanished between the 8259 raising its INT output and the
 * CPU acknowledging it. The 8259 must answer the acknowledge with *some* vector, and it uses
 * its lowest-priority input's, IRQ 7 (0x27) - or IRQ 15 (0x2F) if the vanished request was on
 * the slave. pic_is_spurious() tells these apart from real IRQ 7/15 by reading the In-Service
 * Register: a real interrupt has its ISR bit set, a spurious one does not.
 */
#ifndef IRQLAB_ARCH_PIC_H
#define IRQLAB_ARCH_PIC_H

#include <stdbool.h>
#include <stdint.h>

#define PIC_IRQ_COUNT 16
#define PIC_MASTER_VECTOR_BASE 0x20 /* IRQ 0-7  -> vectors 0x20-0x27 */
#define PIC_SLAVE_VECTOR_BASE 0x28  /* IRQ 8-15 -> vectors 0x28-0x2F */
#define PIC_CASCADE_IRQ 2           /* master input the slave is wired to */

/* Remap to 0x20-0x2F and mask all 16 inputs. Leaves the ELCR as the firmware set it. */
void pic_init(void);

/* For a vector in 0x20-0x2F: true if it is a spurious IRQ 7 (0x27) or IRQ 15 (0x2F), i.e. the
 * ISR bit is clear. Then it has been counted, and for IRQ 15 the master has been sent the EOI
 * it still needs for the cascade input (it did see a request on IRQ 2). A spurious interrupt
 * must get no other EOI. Any other vector, or a real IRQ 7/15: false. */
bool pic_is_spurious(uint8_t vector);

/* The dispatcher's entry for every vector in 0x20-0x2F (kernel/ke/dispatch.c). Spurious ones
 * are handled as above. Anything else is a real 8259 interrupt that got through although the
 * PIC should be fully masked: it is counted, logged once per IRQ, ended with an EOI at the
 * 8259(s), and everything is masked again. Returns true if it was spurious. Never needs a LAPIC
 * EOI: 8259 interrupts reach the CPU as ExtINT, which the LAPIC does not track. */
bool pic_handle_stray_vector(uint8_t vector);

/* How many spurious interrupts IRQ `irq` has seen (only 7 and 15 can have any). */
uint64_t pic_spurious_count(unsigned irq);
/* How many real (not spurious) interrupts arrived on IRQ `irq` while it should have been masked. */
uint64_t pic_stray_count(unsigned irq);

/* Register reads for debugging; bit n = IRQ n (master in bits 0-7, slave in bits 8-15). */
uint16_t pic_read_imr(void);  /* Interrupt Mask Register: 1 = masked (OCW1) */
uint16_t pic_read_irr(void);  /* Interrupt Request Register: lines asking now (OCW3) */
uint16_t pic_read_isr(void);  /* In-Service Register: accepted, not yet EOI'd (OCW3) */
uint16_t pic_read_elcr(void); /* 1 = level-triggered (ports 0x4D0/0x4D1, read-only here) */

/* Print the registers and counters (for a shell command). */
void pic_print(void);

#endif
