/* kernel/console/prompt.c - a tiny polled prompt on COM1.
 * Interrupts are still off at this stage, so it polls the UART's line-status register.
 * The interrupt-driven shell (kernel/shell/) replaces it once the interrupt core exists. */
#include <stdbool.h>

#include "arch/x86_64/cpu.h"
#include "drivers/serial/uart16550.h"
#include "kernel/boot/cmdline.h"
#include "kernel/console/console.h"
#include "kernel/ke/shutdown.h"
#include "kernel/lib/string.h"
#include "kernel/main.h"

static void run_command(const char *line)
{
    if (!line[0])
        return;
    if (!strcmp(line, "help")) {
        console_printf("commands: help, mem, cmdline, poweroff\n");
    } else if (!strcmp(line, "mem")) {
        for (unsigned i = 0; i < boot_info.region_count; i++) {
            const struct memory_region *r = &boot_info.regions[i];
            console_printf("  %016lx-%016lx  %s\n", (unsigned long)r->base, (unsigned long)(r->base + r->length - 1),
                           r->type == MEMORY_USABLE ? "usable" : r->type == MEMORY_ACPI_RECLAIMABLE ? "ACPI" : "reserved");
        }
    } else if (!strcmp(line, "cmdline")) {
        size_t count;
        const struct cmdline_option *options = cmdline_options(&count);
        console_printf("current: %s\nknown options:\n", cmdline_text()[0] ? cmdline_text() : "(empty)");
        for (size_t i = 0; i < count; i++)
            console_printf("  %-10s %-22s %s\n", options[i].name, options[i].values, options[i].help);
    } else if (!strcmp(line, "poweroff")) {
        console_printf("powering off\n");
        ke_exit(KE_EXIT_SUCCESS);
    } else {
        console_printf("unknown command '%s' (try 'help')\n", line);
    }
}

void kernel_idle_prompt(void)
{
    char line[128];
    unsigned len = 0;
    console_printf("irqlab> ");
    for (;;) {
        char c;
        if (!uart_try_getc(COM1_PORT, &c)) {
            cpu_pause();
            continue;
        }
        if (c == '\r' || c == '\n') {
            console_printf("\n");
            line[len] = '\0';
            run_command(line);
            len = 0;
            console_printf("irqlab> ");
        } else if ((c == 0x7F || c == '\b') && len > 0) {
            len--;
            console_printf("\b \b");
        } else if (c >= ' ' && c < 0x7F && len < sizeof(line) - 1) {
            line[len++] = c;
            console_write(&c, 1);
        }
    }
}
