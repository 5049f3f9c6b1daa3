/* arch/x86_64/pic.c - remap and mask the 8259A pair; recognise its spurious interrupts.
 *
 * Reference: Intel 8259A data sheet (231468), sections "Initialization Command Words" (ICW1-4)
 * and "Operation Command Words" (OCW1-3); ELCR from the PIIX3/ICH9 data sheets. Overview and
 * the choice of vectors 0x20-0x2F: pic.h.
 */
#include "arch/x86_64/pic.h"

#include "arch/x86_64/cpu.h"
#include "kernel/console/console.h"
#include "kernel/console/log.h"
#include "kernel/ke/vectors.h"

_Static_assert(PIC_MASTER_VECTOR_BASE == KE_VECTOR_PIC_BASE, "pic.h and kernel/ke/vectors.h must agree");

/* I/O ports. A0 = 0 is the "command" port, A0 = 1 the "data" port, in the data sheet's terms. */
#define PIC_MASTER_COMMAND 0x20
#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_COMMAND 0xA0
#define PIC_SLAVE_DATA 0xA1
#define PIC_ELCR_MASTER 0x4D0
#define PIC_ELCR_SLAVE 0x4D1

/* ICW1 (command port, bit 4 set): start initialisation. Bit 0 IC4 = an ICW4 follows; bit 1
 * SNGL = 0: cascaded pair; bit 3 LTIM = 0: edge-triggered (the ELCR overrides this per IRQ on
 * PIIX/ICH chipsets, and is left alone). */
#define PIC_ICW1_INIT 0x10
#define PIC_ICW1_ICW4 0x01
/* ICW3: on the master, a bit mask of inputs with a slave; on the slave, its cascade identity. */
#define PIC_ICW3_MASTER (1u << PIC_CASCADE_IRQ)
#define PIC_ICW3_SLAVE PIC_CASCADE_IRQ
/* ICW4 bit 0 uPM = 1: 8086 mode (the 8259 supplies a vector). No auto-EOI, not buffered. */
#define PIC_ICW4_8086 0x01
/* OCW2: specific EOI for input n = 0x60 | n (R = 0, SL = 1, EOI = 1). */
#define PIC_OCW2_SPECIFIC_EOI 0x60
/* OCW3 (bit 3 set): bit 1 RR = 1 "read register" on the next read of the command port;
 * bit 0 RIS selects which: 0 = IRR, 1 = ISR. */
#define PIC_OCW3_READ_IRR 0x0A
#define PIC_OCW3_READ_ISR 0x0B

#define PIC_SPURIOUS_INPUT 7 /* the lowest-priority input: the vector an 8259 uses when in doubt */

static uint64_t pic_spurious[PIC_IRQ_COUNT];
static uint64_t pic_stray[PIC_IRQ_COUNT];

static void pic_mask_all(void)
{
    outb(PIC_MASTER_DATA, 0xFF);
    outb(PIC_SLAVE_DATA, 0xFF);
}

void pic_init(void)
{
    uint64_t flags = cpu_save_and_disable_interrupts();

    /* Mask first, so nothing new is accepted while the vector bases are half changed. */
    pic_mask_all();

    /* ICW1 starts the sequence on each chip; ICW2-ICW4 then go to the data port, in order.
     * The io_wait() between writes gives a real 8259 time to settle (it needs ~1 us). */
    outb(PIC_MASTER_COMMAND, PIC_ICW1_INIT | PIC_ICW1_ICW4);
    io_wait();
    outb(PIC_SLAVE_COMMAND, PIC_ICW1_INIT | PIC_ICW1_ICW4);
    io_wait();
    outb(PIC_MASTER_DATA, PIC_MASTER_VECTOR_BASE); /* ICW2: vector of input 0 */
    io_wait();
    outb(PIC_SLAVE_DATA, PIC_SLAVE_VECTOR_BASE);
    io_wait();
    outb(PIC_MASTER_DATA, PIC_ICW3_MASTER); /* ICW3: who is cascaded where */
    io_wait();
    outb(PIC_SLAVE_DATA, PIC_ICW3_SLAVE);
    io_wait();
    outb(PIC_MASTER_DATA, PIC_ICW4_8086); /* ICW4 */
    io_wait();
    outb(PIC_SLAVE_DATA, PIC_ICW4_8086);
    io_wait();

    /* ICW1 cleared the mask registers (data sheet: "the Interrupt Mask Register is cleared"),
     * so mask everything again - this time for good. */
    pic_mask_all();

    cpu_restore_interrupts(flags);
    log_debug("pic: 8259 pair remapped to vectors 0x%02x-0x%02x and fully masked (IMR 0x%04x, ELCR 0x%04x)",
              PIC_MASTER_VECTOR_BASE, PIC_SLAVE_VECTOR_BASE + 7, pic_read_imr(), pic_read_elcr());
}

static uint8_t pic_read_register(uint16_t command_port, uint8_t ocw3)
{
    outb(command_port, ocw3);
    return inb(command_port);
}

uint16_t pic_read_imr(void) { return (uint16_t)(inb(PIC_MASTER_DATA) | inb(PIC_SLAVE_DATA) << 8); }

uint16_t pic_read_irr(void)
{
    return (uint16_t)(pic_read_register(PIC_MASTER_COMMAND, PIC_OCW3_READ_IRR) |
                      pic_read_register(PIC_SLAVE_COMMAND, PIC_OCW3_READ_IRR) << 8);
}

uint16_t pic_read_isr(void)
{
    return (uint16_t)(pic_read_register(PIC_MASTER_COMMAND, PIC_OCW3_READ_ISR) |
                      pic_read_register(PIC_SLAVE_COMMAND, PIC_OCW3_READ_ISR) << 8);
}

uint16_t pic_read_elcr(void) { return (uint16_t)(inb(PIC_ELCR_MASTER) | inb(PIC_ELCR_SLAVE) << 8); }

bool pic_is_spurious(uint8_t vector)
{
    if (vector == PIC_MASTER_VECTOR_BASE + PIC_SPURIOUS_INPUT) {
        if (pic_read_register(PIC_MASTER_COMMAND, PIC_OCW3_READ_ISR) & (1u << PIC_SPURIOUS_INPUT))
            return false; /* IRQ 7 really is in service */
        __atomic_fetch_add(&pic_spurious[7], 1, __ATOMIC_RELAXED);
        return true; /* nothing in service: no EOI at all */
    }
    if (vector == PIC_SLAVE_VECTOR_BASE + PIC_SPURIOUS_INPUT) {
        if (pic_read_register(PIC_SLAVE_COMMAND, PIC_OCW3_READ_ISR) & (1u << PIC_SPURIOUS_INPUT))
            return false; /* IRQ 15 really is in service */
        __atomic_fetch_add(&pic_spurious[15], 1, __ATOMIC_RELAXED);
        /* The slave's request was real when the master saw it, so the master accepted IRQ 2 and
         * set its ISR bit 2. Only the slave's part was spurious: end the master's cascade
         * input, by number, so no other in-service IRQ is ended by mistake. */
        outb(PIC_MASTER_COMMAND, PIC_OCW2_SPECIFIC_EOI | PIC_CASCADE_IRQ);
        return true;
    }
    return false;
}

bool pic_handle_stray_vector(uint8_t vector)
{
    if (vector < PIC_MASTER_VECTOR_BASE || vector >= PIC_MASTER_VECTOR_BASE + PIC_IRQ_COUNT)
        return false;
    if (pic_is_spurious(vector))
        return true;

    unsigned irq = vector - PIC_MASTER_VECTOR_BASE;
    if (__atomic_fetch_add(&pic_stray[irq], 1, __ATOMIC_RELAXED) == 0)
        log_warn("pic: IRQ %u arrived through the 8259 (vector 0x%02x) although it should be masked", irq, vector);
    /* End it at the chip(s) that accepted it, or that input - and every lower-priority one -
     * stays blocked; then make sure everything is masked again. */
    if (irq >= 8) {
        outb(PIC_SLAVE_COMMAND, PIC_OCW2_SPECIFIC_EOI | (irq - 8));
        outb(PIC_MASTER_COMMAND, PIC_OCW2_SPECIFIC_EOI | PIC_CASCADE_IRQ);
    } else {
        outb(PIC_MASTER_COMMAND, PIC_OCW2_SPECIFIC_EOI | irq);
    }
    pic_mask_all();
    return false;
}

uint64_t pic_spurious_count(unsigned irq)
{
    return irq < PIC_IRQ_COUNT ? __atomic_load_n(&pic_spurious[irq], __ATOMIC_RELAXED) : 0;
}

uint64_t pic_stray_count(unsigned irq)
{
    return irq < PIC_IRQ_COUNT ? __atomic_load_n(&pic_stray[irq], __ATOMIC_RELAXED) : 0;
}

void pic_print(void)
{
    console_printf("8259 pair: vectors 0x%02x-0x%02x, bit n = IRQ n\n", PIC_MASTER_VECTOR_BASE,
                   PIC_SLAVE_VECTOR_BASE + 7);
    console_printf("  IMR  0x%04x  (1 = masked)\n", pic_read_imr());
    console_printf("  IRR  0x%04x  (requesting)\n", pic_read_irr());
    console_printf("  ISR  0x%04x  (in service)\n", pic_read_isr());
    console_printf("  ELCR 0x%04x  (1 = level-triggered, as the firmware set it)\n", pic_read_elcr());
    console_printf("  spurious: IRQ 7 %llu, IRQ 15 %llu\n", (unsigned long long)pic_spurious_count(7),
                   (unsigned long long)pic_spurious_count(15));
    for (unsigned irq = 0; irq < PIC_IRQ_COUNT; irq++)
        if (pic_stray_count(irq))
            console_printf("  IRQ %u arrived %llu times while masked\n", irq, (unsigned long long)pic_stray_count(irq));
}
