# scripts/irqlab.gdb - irqlab's GDB setup (GDB 13, QEMU 7.2 gdbstub).
#
# Loaded by `make gdb` and tests/e2e/test_gdb.py as
#     gdb -q -nx -ex 'file build/kernel.elf' -x scripts/irqlab.gdb -ex 'target remote 127.0.0.1:PORT'
# The ELF64 is loaded first so gdb settles on i386:x86-64 before it talks to QEMU (connecting
# with a 32-bit idea of the target gives "Remote 'g' packet reply is too long").

set pagination off
set confirm off
set print pretty on

# A kernel has no shared libraries to load later: `break no_such_function` is an error (and
# stops a command list such as irqlab-run-to) instead of a pending breakpoint that never hits.
set breakpoint pending off

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
  echo irql / interrupts    IRQL of each CPU / the vector table;  dpcs: DPC queues\n
  echo kinterrupt EXPR      one KINTERRUPT;  pcidev: PCI devices;  bugcheck (docs/gdb.md)\n
  echo kthreads            kernel threads;  kthread-bt ID: a waiting thread's call chain\n
end
document irqlab-help
Print the handful of gdb commands needed to debug irqlab.
end

# irqlab-run-to FUNCTION: what `make gdb BREAK=FUNCTION` does after attaching. A gdb error
# ends a user-defined command, so a misspelt name stops here instead of running the guest on.
define irqlab-run-to
  break $arg0
  continue
end
document irqlab-run-to
Set a breakpoint on FUNCTION and continue to it (make gdb BREAK=FUNCTION).
end

# The helper commands (irql, interrupts, kinterrupt, dpcs, pcidev, bugcheck; docs/gdb.md) are
# Python: gdb/irqlab_gdb.py next to this file. gdb's `source` resolves a relative name against
# the current directory, not against this script, so find this script's directory first: from
# gdb's own command line (-x .../irqlab.gdb, as `make gdb` and the e2e tests start it), else
# relative to the current directory or the loaded ELF (build/kernel.elf -> scripts/).
python
import os
def _irqlab_helpers():
    here = []
    try:
        with open("/proc/self/cmdline", "rb") as f:
            argv = f.read().decode(errors="replace").split("\0")
        for i, a in enumerate(argv[:-1]):
            if a in ("-x", "-command", "--command", "-ix", "-init-command", "--init-command"):
                if os.path.basename(argv[i + 1]) == "irqlab.gdb":
                    here.append(os.path.dirname(os.path.abspath(argv[i + 1])))
            elif a.startswith(("--command=", "-command=")) and a.endswith("irqlab.gdb"):
                here.append(os.path.dirname(os.path.abspath(a.split("=", 1)[1])))
    except OSError:
        pass
    here.append(os.path.join(os.getcwd(), "scripts"))
    for o in gdb.objfiles():
        if o.filename:
            here.append(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(o.filename))), "scripts"))
    for d in here:
        path = os.path.join(d, "gdb", "irqlab_gdb.py")
        if os.path.exists(path):
            return path
    return None
_path = _irqlab_helpers()
if _path:
    gdb.execute("source " + _path)
else:
    gdb.write("irqlab.gdb: scripts/gdb/irqlab_gdb.py not found; `source` it by hand for irql, interrupts, ...\n")
del _path, _irqlab_helpers
end
