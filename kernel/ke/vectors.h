/* kernel/ke/vectors.h - irqlab's map of the 256 interrupt vectors.
 *
 * On x64 Windows (and here) a vector's IRQL is its priority class: IRQL = vector >> 4, because
 * CR8 (the IRQL) masks whole classes of 16 vectors (Intel SDM Vol. 3A §11.8.3). So:
 *
 *   0x00-0x1F  CPU exceptions (IRQL n/a)
 *   0x20-0x2F  legacy 8259 PIC, remapped here and fully masked; only spurious IRQ 7/15 arrive
 *   0x30-0xBF  device interrupts: DIRQL 3 .. 11, 16 vectors per IRQL (ke_vector_alloc)
 *   0xD1       clock: each CPU's LAPIC timer            CLOCK_LEVEL (13)
 *   0xE1       inter-processor interrupts               IPI_LEVEL (14)
 *   0xFE       LAPIC error                              HIGH_LEVEL (15)
 *   0xFF       LAPIC spurious (never EOI'd)             HIGH_LEVEL (15)
 */
#ifndef IRQLAB_KE_VECTORS_H
#define IRQLAB_KE_VECTORS_H

#define KE_VECTOR_PIC_BASE 0x20
#define KE_VECTOR_DEVICE_FIRST 0x30
#define KE_VECTOR_DEVICE_LAST 0xBF
#define KE_VECTOR_CLOCK 0xD1
#define KE_VECTOR_IPI 0xE1
#define KE_VECTOR_LAPIC_ERROR 0xFE
#define KE_VECTOR_SPURIOUS 0xFF

#define KE_DEVICE_IRQL_MIN 3
#define KE_DEVICE_IRQL_MAX 11

#define KE_VECTOR_TO_IRQL(v) ((v) >> 4)

#endif
