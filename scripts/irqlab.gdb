# scripts/irqlab.gdb - irqlab's GDB setup (GDB 13, QEMU 7.2 gdbstub).
#
# Loaded by `make gdb` and tests/e2e/test_gdb.py as
#     gdb -q -nx -ex 'file build/kernel.elf' -x scripts/irqlab.gdb -ex 'target remote 127.0.0.1:PORT'
# The ELF64 is loaded first so gdb settles on i386:x86-64 before it talks to QEMU (connecting
# with a 32-bit idea of the target gives "Remote 'g' packet reply is too long").

set pagination off
set confirm off
set print pretty on

# Read code and constants from the ELF, not from guest RAM: on the GRUB path the kernel is not
# loaded yet when gdb connects, and prologue analysis of zeros would put breakpoints on the
# wrong instruction (and show wrong arguments).
set trust-readonly-sections on

# Mark .text read-only: gdb then turns every breakpoint there into a hardware breakpoint. Those
# survive GRUB copying the kernel over them, and they are the only kind that work under KVM.
# (Only .text: marking data read-only would make `set var` fail.)
set mem inaccessible-by-default off
mem __text_start __text_end ro

# irqlab-help: what to type.
define irqlab-help
  echo continue (c)         run to the next breakpoint\n
  echo next (n) / step (s)  one source line, over / into calls;  finish: to the caller\n
  echo bt                   backtrace;  info locals;  print boot_info;  print/x magic\n
  echo break print_banner   another breakpoint (hbreak = hardware);  info breakpoints\n
  echo kill                 stop the guest;  quit leaves gdb (and make gdb stops QEMU)\n
end
document irqlab-help
Print the handful of gdb commands needed to debug irqlab.
end
