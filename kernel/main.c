/* kernel/main.c - kernel_main: the order in which irqlab brings itself up.
 *
 * boot/entry.asm calls kernel_main(magic, info) in 64-bit mode on a small boot stack with the
 * loader's identity map. Each step below depends only on the steps above it; read it top to
 * bottom to see how a PC goes from "just loaded" to "taking interrupts".
 */
#include <stdint.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/ioapic.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/madt.h"
#include "arch/x86_64/pic.h"
#include "kernel/bus/pci/pci.h"
#include "include/wdm.h"
#include "kernel/boot/bootinfo.h"
#include "kernel/boot/cmdline.h"
#include "kernel/console/console.h"
#include "kernel/console/fb_console.h"
#include "kernel/console/log.h"
#include "kernel/cm/registry.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/ke/ke_init.h"
#include "kernel/ke/shutdown.h"
#include "kernel/ke/time.h"
#include "kernel/lib/stack_protector.h"
#include "kernel/main.h"
#include "kernel/mm/kstack.h"
#include "kernel/mm/mm.h"
#include "kernel/net/net.h"

struct boot_info boot_info;

/* The in-guest test runner (tests/ktest/ktest.c), linked into both ELFs: with `ktest=<glob>`
 * it runs the selected suites and exits QEMU (33 = all passed, 35 = a failure); without it,
 * build/kernel.elf goes on to the shell and build/ktest.elf stops with an error. The weak
 * declaration lets a kernel without tests link too. */
extern void ktest_main(const char *glob) __attribute__((weak));

static void print_cpu_identity(void)
{
    uint32_t a, b, c, d;
    char vendor[13];
    cpuid(0, 0, &a, &b, &c, &d);
    __builtin_memcpy(vendor + 0, &b, 4);
    __builtin_memcpy(vendor + 4, &d, 4);
    __builtin_memcpy(vendor + 8, &c, 4);
    vendor[12] = '\0';

    char brand[49] = "";
    cpuid(0x80000000, 0, &a, &b, &c, &d);
    if (a >= 0x80000004) {
        uint32_t *w = (uint32_t *)brand;
        for (uint32_t leaf = 0; leaf < 3; leaf++)
            cpuid(0x80000002 + leaf, 0, &w[leaf * 4 + 0], &w[leaf * 4 + 1], &w[leaf * 4 + 2], &w[leaf * 4 + 3]);
        brand[48] = '\0';
    }
    const char *trimmed = brand;
    while (*trimmed == ' ')
        trimmed++;
    console_printf("  cpu:      %s%s%s\n", vendor, *trimmed ? " - " : "", trimmed);
}

static void print_banner(void)
{
    console_printf("\nirqlab %s - an x86_64 teaching kernel for Windows-style interrupt handling\n", IRQLAB_VERSION);
    print_cpu_identity();
    console_printf("  memory:   %lu MiB usable in %u regions\n", (unsigned long)(boot_info.usable_bytes >> 20),
                   boot_info.region_count);
    console_printf("  loader:   %s (%s)\n", boot_info.loader_name, bootinfo_protocol_name(boot_info.protocol));
    if (boot_info.protocol == BOOT_PROTOCOL_MULTIBOOT2)
        console_printf("  firmware: %s; screen: %s\n", bootinfo_firmware_name(boot_info.firmware),
                       fb_console_active() ? fb_console_describe() : "none (COM1 only)");
    console_printf("  cmdline:  %s\n", boot_info.cmdline[0] ? boot_info.cmdline : "(empty)");
    console_printf("  To leave QEMU: press Ctrl-A then X (or type 'poweroff' at the prompt).\n\n");
}

static void parse_boot_info(uint32_t magic, uint32_t info)
{
    enum boot_error error = bootinfo_parse(magic, info, &boot_info);
    if (error == BOOT_ERR_UNKNOWN_LOADER && bootinfo_recover_pvh_overrun(magic, info, &boot_info) == BOOT_OK) {
        error = BOOT_OK;
        log_warn("boot: QEMU's PVH option ROM copied the %u-byte -append into its %u-byte buffer and overwrote "
                 "start_info; memory map taken from fw_cfg etc/e820",
                 boot_info.pvh_rom_overrun, QEMU_PVH_ROM_CMDLINE_BUFSIZE);
    }
    if (error != BOOT_OK) {
        log_error("boot: %s (magic 0x%08x, info 0x%08x)", bootinfo_error_text(error), magic, info);
        KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, 1, error, magic, info);
    }
    if (boot_info.cmdline_truncated)
        log_warn("boot: the command line is longer than %d bytes; the rest was ignored", BOOT_CMDLINE_MAX - 1);
    if (boot_info.regions_truncated)
        log_warn("boot: more than %d memory regions; the rest are ignored", BOOT_MAX_MEMORY_REGIONS);
    if (!boot_info.rsdp_address) {
        boot_info.rsdp_address = bootinfo_scan_rsdp(0);
        boot_info.rsdp_source = boot_info.rsdp_address ? RSDP_FROM_BIOS_SCAN : RSDP_NONE;
    }
}

/* The boot CPU's #DF / NMI / #MC stacks start out in .bss (there is no allocator in step 2);
 * now that there is one, move them to guarded kernel stacks like every other CPU's. */
static void guard_bsp_ist_stacks(void)
{
    for (unsigned ist = GDT_IST_DOUBLE_FAULT; ist <= GDT_IST_MACHINE_CHECK; ist++) {
        uint64_t top = kstack_alloc(KSTACK_DEFAULT_PAGES);
        if (top)
            gdt_set_ist(gdt_bsp_tables(), ist, top);
    }
}

/* Steps 5 onwards, on the guarded kernel stack (step 4). */
__attribute__((noreturn)) static void kernel_main_guarded(void);

/* No stack cookie here: the guard changes while this frame is live (stack_protector.h). */
__attribute__((no_stack_protector)) void kernel_main(uint32_t magic, uint32_t info)
{
    /* 0. The stack cookie's value (make SANITIZE=1 checks it), before anything can use it. */
    stack_protector_init();

    /* 1. A console first, so that everything after can explain itself. */
    console_init();

    /* 2. Exception handlers before anything can fault: this CPU's GDT and TSS (with the IST
     *    stacks for #DF, NMI and #MC), then the shared IDT. From here on a fault prints a stop
     *    screen instead of resetting the machine. */
    gdt_init_bsp();
    idt_init();
    idt_load();

    /* 3. What did the loader give us? */
    parse_boot_info(magic, info);
    cmdline_init(boot_info.cmdline);
    fb_console_attach(&boot_info.framebuffer); /* text is kept from here, drawn once mapped (step 4) */

    /* 4. Memory: frames, the kernel's own page tables, the heap. [mm] Then leave the boot
     *    stack for a kernel stack with an unmapped guard page below it (kernel/mm/kstack.h), so
     *    an overflow faults: the rest of bring-up runs in kernel_main_guarded(). */
    mm_init(&boot_info);
    fb_console_map();
    guard_bsp_ist_stacks();
    mm_run_on_guarded_stack(kernel_main_guarded);
}

static void kernel_main_guarded(void)
{
    /* 5. Firmware tables and the legacy PIC (masked). */
    pic_init();
    acpi_init();

    /* 6. Interrupt controllers and the time base (all lines masked, CPU interrupts still off). */
    time_init();
    lapic_init_bsp(madt_system()->lapic_address);
    ioapic_init();

    /* 7. The interrupt core: per-CPU block, vector table, clock and IPI interrupts, the other
     *    CPUs; then interrupts on. From here on the clock ticks and devices may interrupt. */
    ke_init();

    /* 8. PCI: find every device and how its interrupts are wired. */
    pci_init();

    /* 9. Devices: the registry values drivers will read (from the command line), then objects,
     *    resources, drivers. */
    cm_init();
    io_pnp_init();
    net_config_report_unused();

    print_banner();

    if (ktest_main)
        ktest_main(cmdline_get("ktest"));

    kernel_idle_prompt();
}
