"""irqlab_gdb - gdb commands that show irqlab's interrupt state (GDB 13 Python API).

Loaded by scripts/irqlab.gdb (so `make gdb` and the e2e tests have them); by hand:
    (gdb) source scripts/gdb/irqlab_gdb.py

    irql              IRQL (CR8), APIC id, nesting and "in a DPC" of every online CPU
    interrupts [vec]  the vector table: source, per-CPU counts, unclaimed, owners, flags
    kinterrupt EXPR   one KINTERRUPT (an address or expression; a number < 256 = that vector)
    dpcs              every CPU's DPC queue and the KDPCs in it
    pcidev            the PCI device table: b:d.f, ids, name, INTx GSI, MSI / MSI-X
    bugcheck          the last stop code and its four parameters
    kthreads          every kernel thread: id, name, state, priority, CPU, wait reason
    kthread-bt ID     the call chain of a thread that is not running (its saved context)
    irqlab-attach     target remote to the QEMU of `make qemu-gdb` (port from build/gdb.port)

Everything is read from guest memory through the debug information: structures by field
name (never by offset), so a new member in struct kprcb or KINTERRUPT does not break them.
When a symbol is missing (an older kernel, or before gdb has loaded an ELF) a command says
so in one line instead of printing a Python traceback. Output fits in 80 columns.

What is where: kernel/ke/kprcb.h (ke_prcbs[], per-vector counts, DPC queue),
kernel/ke/interrupt.h (KINTERRUPT, ke_vector_table[]), include/wdm.h (KDPC),
kernel/bus/pci/pci.h (the device table in kernel/bus/pci/pci.c), kernel/ke/bugcheck.c
(ke_last_bugcheck). docs/gdb.md shows each command's output and a walk-through.
"""
import os
import re

import gdb

# gdb sets __file__ only while it runs the script: remember where we are for bugcheck.h.
HERE = os.path.dirname(os.path.abspath(__file__)) if globals().get("__file__") else None
WIDTH = 80
MAX_CHAIN = 64      # objects followed in one vector chain / DPCs in one queue (loop guard)
NO_TARGET = "is gdb connected to QEMU? (target remote 127.0.0.1:PORT)"

IRQL_NAMES = {0: "PASSIVE_LEVEL", 1: "APC_LEVEL", 2: "DISPATCH_LEVEL", 12: "SYNCH_LEVEL",
              13: "CLOCK_LEVEL", 14: "IPI_LEVEL", 15: "HIGH_LEVEL"}

# Used only when kernel/ke/bugcheck.h cannot be read (the header is the source of truth).
BUGCHECK_NAMES = {
    0x09: "IRQL_NOT_GREATER_OR_EQUAL", 0x0A: "IRQL_NOT_LESS_OR_EQUAL", 0x0F: "SPIN_LOCK_ALREADY_OWNED",
    0x10: "SPIN_LOCK_NOT_OWNED", 0x19: "BAD_POOL_HEADER", 0x1E: "KMODE_EXCEPTION_NOT_HANDLED",
    0x31: "PHASE0_INITIALIZATION_FAILED", 0x4E: "PFN_LIST_CORRUPT", 0x50: "PAGE_FAULT_IN_NONPAGED_AREA",
    0x7F: "UNEXPECTED_KERNEL_MODE_TRAP", 0x80: "NMI_HARDWARE_FAILURE", 0x9C: "MACHINE_CHECK_EXCEPTION",
    0xA5: "ACPI_BIOS_ERROR", 0xBE: "ATTEMPTED_WRITE_TO_READONLY_MEMORY", 0xC2: "BAD_POOL_CALLER",
    0xC8: "IRQL_UNEXPECTED_VALUE", 0xCA: "PNP_DETECTED_FATAL_ERROR", 0xD1: "DRIVER_IRQL_NOT_LESS_OR_EQUAL",
    0xE2: "MANUALLY_INITIATED_CRASH", 0xF2: "HARDWARE_INTERRUPT_STORM",
    0xFC: "ATTEMPTED_EXECUTE_OF_NOEXECUTE_MEMORY", 0x101: "CLOCK_WATCHDOG_TIMEOUT", 0x133: "DPC_WATCHDOG_VIOLATION",
}


class UserError(Exception):
    """A problem to report in one line (missing symbol, bad argument, unreadable memory)."""


# ---- reading guest memory ------------------------------------------------------------------------

def out(text=""):
    gdb.write(text + "\n")


def symbol(name, what=None):
    """The value of a global, or UserError naming what is missing."""
    try:
        return gdb.parse_and_eval(name)
    except gdb.error:
        raise UserError(f"no symbol {name} in this kernel{' (' + what + ')' if what else ''}") from None


def static_symbol(name, file_suffix):
    """A file-static variable (`static struct pci_device devices[]` in kernel/bus/pci/pci.c):
    several files may use the same name, so pick the one from `file_suffix`."""
    try:
        candidates = gdb.lookup_static_symbols(name)
    except (AttributeError, gdb.error):
        candidates = []
    for s in candidates:
        if s.symtab and s.symtab.filename.endswith(file_suffix):
            return s.value()
    if len(candidates) == 1 and not candidates[0].symtab:
        return candidates[0].value()
    try:
        return gdb.parse_and_eval(f"'{os.path.basename(file_suffix)}'::{name}")
    except gdb.error:
        raise UserError(f"no symbol {name} ({file_suffix}) in this kernel") from None


def lookup_type(*names):
    for n in names:
        try:
            return gdb.lookup_type(n)
        except gdb.error:
            continue
    raise UserError(f"no type {names[0]} in the debug information")


def has_field(value, name):
    t = value.type.strip_typedefs()
    return t.code in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION) and any(f.name == name for f in t.fields())


def field(value, name, default=None):
    """value[name] (also a member of an anonymous struct/union inside it), or `default` if this
    kernel's struct has no such member."""
    try:
        return value[name]
    except (gdb.error, KeyError, TypeError):
        return default


def offset_of(struct_type, name):
    for f in struct_type.strip_typedefs().fields():
        if f.name == name:
            return f.bitpos // 8
    raise UserError(f"{struct_type} has no member {name}")


def num(value, default=0):
    if value is None:
        return default
    try:
        return int(value)
    except (gdb.error, ValueError, TypeError):
        try:
            return int(value.cast(lookup_type("unsigned long")))
        except gdb.error:
            return default


def cstr(value, default="?"):
    """A `const char *` or char array as text ('?' if NULL or unreadable)."""
    if value is None:
        return default
    try:
        if value.type.strip_typedefs().code == gdb.TYPE_CODE_PTR and int(value) == 0:
            return default
        return value.string(errors="replace") or default
    except (gdb.error, gdb.MemoryError, UnicodeDecodeError):
        return default


def fetch(value):
    """Read a whole structure/array in one go (one memory transfer instead of one per field)."""
    try:
        value.fetch_lazy()
    except gdb.MemoryError as e:
        raise UserError(f"cannot read memory ({e}); {NO_TARGET}") from None
    return value


def symbolize(address):
    """`info symbol`: "clock_isr", "invoke_isr+0x46", or the bare address."""
    if not address:
        return "NULL"
    try:
        text = gdb.execute(f"info symbol {address:#x}", to_string=True).strip()
    except gdb.error:
        return f"{address:#x}"
    m = re.match(r"(\S+)(?: \+ (\d+))? in section", text)
    if not m:
        return f"{address:#x}"
    offset = int(m.group(2) or 0)
    return m.group(1) + (f"+{offset:#x}" if offset else "")


def return_address_text(address):
    """A return address as the stop screen shows it: looked up at address - 1 (a call to a
    noreturn function may be the last instruction of its function), "caller+0x23"."""
    name = symbolize(address - 1)
    m = re.match(r"^(\S+?)(?:\+0x([0-9a-f]+))?$", name)
    if not m or name.startswith("0x"):
        return f"{address:#x}"
    return f"{m.group(1)}+{int(m.group(2) or '0', 16) + 1:#x}"


def irql_text(irql):
    if irql is None:
        return "?"
    name = IRQL_NAMES.get(irql, "DIRQL" if 3 <= irql <= 11 else "not an IRQL")
    return f"{irql} {name}"


def wrap(first, rest, indent):
    """Lines of at most WIDTH columns: `first` (a prefix, kept whole) followed by the words of
    `rest`; continuation lines start with `indent` spaces."""
    lines, line = [], first
    for word in rest.split(" "):
        if not word:
            continue
        sep = "" if line.endswith(" ") or not line.strip() else " "
        if len(line) + len(sep) + len(word) > WIDTH and line.strip():
            lines.append(line.rstrip())
            line = " " * indent + word
        else:
            line += sep + word
    lines.append(line.rstrip())
    return lines


# ---- CPUs ----------------------------------------------------------------------------------------

def online_prcbs():
    """[(number, struct kprcb value)] for every online CPU in ke_prcbs[]."""
    table = symbol("ke_prcbs", "kernel/ke/kprcb.h")
    length = table.type.strip_typedefs().range()[1] + 1
    try:
        pointers = [num(table[i]) for i in range(length)]
    except gdb.MemoryError as e:
        raise UserError(f"cannot read ke_prcbs ({e}); {NO_TARGET}") from None
    result = []
    prcb_ptr = table.type.strip_typedefs().target()
    for i, p in enumerate(pointers):
        if not p:
            continue
        prcb = gdb.Value(p).cast(prcb_ptr).dereference()
        try:
            if not bool(field(prcb, "online", True)):
                continue
        except gdb.MemoryError:
            continue
        result.append((num(field(prcb, "number", i), i), prcb))
    return result


def require_prcbs():
    cpus = online_prcbs()
    if not cpus:
        raise UserError("no CPU is online yet: ke_prcbs[] is empty (the kernel has not reached ke_init)")
    return cpus


def read_register(name):
    try:
        v = gdb.parse_and_eval(f"${name}")
        if v.type.code == gdb.TYPE_CODE_VOID:
            return None
        return int(v)
    except (gdb.error, ValueError):
        return None


def vcpu_states():
    """What each gdb thread (= one vCPU: QEMU's gdbstub shows CPU n as thread n+1) is doing:
    [(thread, gs_base, cr8, pc)], and a reason when there are none. GS base points at that CPU's
    struct kprcb (kprcb.h), which is how a thread is matched to a processor number."""
    inferior = gdb.selected_inferior()
    try:
        threads = list(inferior.threads()) if inferior.pid else []
    except gdb.error:
        threads = []
    if not threads:
        return [], "no target: IRQL (CR8) and PC need a running QEMU"
    states = []
    original = gdb.selected_thread()
    try:
        frame = gdb.selected_frame()
    except gdb.error:
        frame = None
    try:
        for t in sorted(threads, key=lambda t: t.num):
            t.switch()
            states.append((t, read_register("gs_base"), read_register("cr8"), read_register("pc")))
    finally:
        if original is not None and original.is_valid():
            original.switch()
            if frame is not None and frame.is_valid():
                frame.select()
    return states, None


# ---- irql ----------------------------------------------------------------------------------------

class IrqlabCommand(gdb.Command):
    """Base: turns UserError and gdb errors into one line of text."""

    name = ""

    def __init__(self):
        super().__init__(self.name, gdb.COMMAND_USER)

    def invoke(self, argument, from_tty):
        self.dont_repeat()
        if not gdb.selected_inferior().pid:
            out("(no target: these are the initial values in the ELF file, not a running kernel's)")
        try:
            self.run(argument.strip())
        except UserError as e:
            self.error(str(e))
        except gdb.MemoryError as e:
            self.error(f"cannot read memory: {e}")
        except gdb.error as e:
            self.error(str(e))

    def error(self, text):
        for line in wrap(f"{self.name}:", text, len(self.name) + 2):
            out(line)

    def run(self, argument):
        raise NotImplementedError


class Irql(IrqlabCommand):
    """Current IRQL of every online CPU.

Usage: irql

One line per CPU in ke_prcbs[]: processor number, local APIC id, the gdb thread that is this
vCPU (switch with `thread N`), the IRQL (CR8 of that vCPU), interrupt nesting (> 0 while in
the dispatcher), whether a DPC routine is running, and where the CPU is. `*` marks the CPU
gdb has selected."""

    name = "irql"

    def run(self, argument):
        cpus = online_prcbs()
        states, problem = vcpu_states()
        current = gdb.selected_thread()
        by_gs = {gs: st for st in states for gs in [st[1]] if gs}
        by_apic = {}
        if states and not by_gs and cpus:
            # No gs_base register in this gdb/QEMU: use QEMU's order (thread n = APIC id n-1).
            by_apic = {st[0].num - 1: st for st in states}
            problem = "gs_base is not readable: threads matched to CPUs by APIC id"

        def row(number, apic, state, nesting, in_dpc):
            thread, _, cr8, pc = state if state else (None, None, None, None)
            mark = "*" if thread is not None and current is not None and thread.num == current.num else " "
            tid = f"{thread.num}{mark}" if thread is not None else "-"
            where = symbolize(pc) if pc is not None else "?"
            out(f"{number:>3} {apic:>4} {tid:>6}  {irql_text(cr8):<18} {nesting:>7}  {in_dpc:<6}  {where}"[:WIDTH])

        out(f"{'CPU':>3} {'APIC':>4} {'Thread':>6}  {'IRQL (CR8)':<18} {'Nesting':>7}  {'In DPC':<6}  Where")
        matched, missing = set(), []
        for number, prcb in cpus:
            apic = num(field(prcb, "apic_id"))
            state = by_gs.get(num(prcb.address)) or by_apic.get(apic)
            if state:
                matched.add(state[0].num)
            else:
                missing.append(number)
            running = field(prcb, "dpc_running")
            in_dpc = "-" if running is None else ("yes" if bool(running) else "no")
            row(number, apic, state, num(field(prcb, "interrupt_nesting")), in_dpc)
        # vCPUs that are no CPU of the kernel yet: before ke_init, or APs not started.
        for state in states:
            if state[0].num not in matched:
                row("-", "-", state, "-", "-")
        if not cpus:
            out("(ke_prcbs[] is empty: the kernel has not reached ke_init; vCPUs shown by gdb thread)")
        elif len(states) > len(cpus):
            out(f"({len(states)} vCPUs, {len(cpus)} online in ke_prcbs[]; '-' rows are not started yet)")
        if problem:
            out(f"({problem})")
        if states and missing:
            out(f"(no gdb thread found for CPU {', '.join(map(str, missing))}: IRQL unknown)")


# ---- interrupts ----------------------------------------------------------------------------------

def chain_objects(vector_entry):
    """The KINTERRUPTs linked into one ke_vector's chain (InterruptListEntry), in order."""
    kint = lookup_type("KINTERRUPT", "struct _KINTERRUPT")
    link_offset = offset_of(kint, "InterruptListEntry")
    head = vector_entry["chain"]
    head_address = num(head.address)
    objects = []
    link = num(head["Flink"])
    while link and link != head_address and len(objects) < MAX_CHAIN:
        obj = gdb.Value(link - link_offset).cast(kint.pointer())
        objects.append(obj)
        link = num(obj["InterruptListEntry"]["Flink"])
    return objects


def source_kind(src):
    """'GSI', 'MSI', 'LOCAL' or 'NONE' (from the enumerator's name, whatever its number)."""
    return str(src["kind"]).rsplit("_", 1)[-1]


def is_msix(src):
    """MSI-X sources carry the pci_msix_* mask hooks (kernel/bus/pci/pci_msix.c); MSI sources the
    pci_msi_* ones or none at all (no per-vector masking)."""
    hook = num(src["mask"])
    if hook and "msix" in symbolize(hook).lower():
        return True
    return "MSI-X" in cstr(src["label"], "")


def source_text(src, vector):
    """(what drives the vector, where it is sent), worded as the shell's `irq`
    (kernel/shell/cmd_irq.c): ('GSI 11 level/high', 'cpu0'), ('00:03.0 MSI 0', 'cpu1'),
    ('00:04.0 MSI-X 2', 'cpu1'), ('LAPIC timer', 'each')."""
    kind = source_kind(src)
    label = cstr(src["label"], "")
    if kind == "GSI":
        trigger = "level" if bool(src["level"]) else "edge"
        polarity = "low" if bool(src["active_low"]) else "high"
        return f"GSI {num(src['gsi'])} {trigger}/{polarity}", f"cpu{num(src['cpu'])}"
    if kind == "MSI":
        # MSI-X labels carry the entry ("00:04.0 MSI-X 2"); an MSI block shares one label.
        label = label or "MSI"
        if label.endswith("MSI"):
            text = f"{label} {num(src['message'])}"
        elif "MSI" in label:
            text = label
        else:
            text = f"{label} {'MSI-X' if is_msix(src) else 'MSI'} {num(src['message'])}"
        return text, f"cpu{num(src['cpu'])}"
    if kind == "LOCAL":
        return label or "local APIC", "each"
    if vector == 0xFF:
        return "LAPIC spurious", "each"
    return "-", "-"


def vector_rows(only=None):
    """One dict per vector in use (same rule as the shell's `irq`: a source, objects or counts)."""
    table = fetch(symbol("ke_vector_table", "kernel/ke/interrupt.h"))
    cpus = require_prcbs()
    for _, prcb in cpus:
        fetch(prcb)
    rows = []
    for v in range(0x20, 256) if only is None else [only]:
        entry = table[v]
        src = entry["source"]
        objects = chain_objects(entry)
        if v == 0xFF:  # never dispatched and never EOI'd: only counted (kprcb.spurious_lapic)
            taken = [num(field(prcb, "spurious_lapic")) for _, prcb in cpus]
            unclaimed = 0
        else:
            taken = [num(prcb["vector_claimed"][v]) + num(prcb["vector_unclaimed"][v]) for _, prcb in cpus]
            unclaimed = sum(num(prcb["vector_unclaimed"][v]) for _, prcb in cpus)
        kind = source_kind(src)
        if not (kind != "NONE" or objects or any(taken) or v == 0xFF or only is not None):
            continue
        if bool(entry["storm"]):
            state = "storm"
        elif bool(entry["masked"]):
            state = "masked"
        else:
            state = "on" if objects or kind == "LOCAL" else "-"
        flags = []
        per_cpu_set = len(objects) > 1 and all(num(field(o, "PerProcessor") or 0) for o in objects)
        if (len(objects) > 1 and not per_cpu_set) or (objects and bool(entry["shared"])):
            flags.append("shared")
        if objects and str(entry["mode"]).startswith("Level"):
            flags.append("level")
        # A set of per-processor objects (the clock's, the IPIs') shows its owner once, as `irq` does.
        owners = ", ".join(dict.fromkeys(cstr(o["OwnerName"]) for o in objects))
        if not owners:
            label = cstr(src["label"], "")
            owners = "(never EOI'd)" if v == 0xFF else (f"- ({label})" if label and kind == "GSI" else "-")
        text, target = source_text(src, v)
        rows.append({"vector": v, "irql": v >> 4, "source": text, "target": target, "taken": taken,
                     "unclaimed": unclaimed, "state": state, "owners": owners, "flags": flags})
    return cpus, rows


def footer_lines():
    """The shell's last two lines: 8259 ghosts and storms (0 if this kernel lacks the counters)."""
    def value(name, suffix, index=None):
        try:
            v = static_symbol(name, suffix)
            return num(v[index]) if index is not None else num(v)
        except (UserError, gdb.error):
            return None
    spurious7 = value("pic_spurious", "arch/x86_64/pic.c", 7)
    spurious15 = value("pic_spurious", "arch/x86_64/pic.c", 15)
    lines = []
    if spurious7 is not None:
        try:
            stray_table = static_symbol("pic_stray", "arch/x86_64/pic.c")
            stray = sum(num(stray_table[i]) for i in range(stray_table.type.strip_typedefs().range()[1] + 1))
        except (UserError, gdb.error):
            stray = 0
        lines.append(f"8259 PIC: spurious IRQ 7 {spurious7}, IRQ 15 {spurious15}; real IRQs while masked {stray}")
    storms = value("storms_detected", "kernel/ke/storm.c")
    if storms is not None:
        lines.append(f"interrupt storms detected since boot: {storms}")
    return lines


class Interrupts(IrqlabCommand):
    """The interrupt vector table: the shell's `irq`, read from memory.

Usage: interrupts [VECTOR]

One row per vector in use (a source, interrupt objects or counts; 0xff always):
  vec       the vector;  IRQL = vector >> 4
  source    GSI n edge|level/high|low (an IOAPIC input), "00:03.0 MSI 0" / "00:04.0 MSI-X 2"
            (a PCI message), LAPIC timer, IPI, LAPIC error, LAPIC spurious
  to        the CPU the routing code sent it to ("each": every CPU's own local APIC)
  CPUn      interrupts taken on that CPU, claimed or not (more than 2 CPUs: their total, and
            a per-CPU table below)
  uncl.     interrupts no ISR claimed (every ISR in the chain returned FALSE), all CPUs
  state     on, masked (at its controller), storm (masked by the storm detector), -
  owner(s)  KINTERRUPT.OwnerName of each object in the chain, in calling order; [shared]
            more than one object may sit on the vector, [level] level-triggered chain
`kinterrupt VECTOR` shows the objects themselves."""

    name = "interrupts"

    def run(self, argument):
        only = None
        if argument:
            try:
                only = int(gdb.parse_and_eval(argument))
            except (gdb.error, ValueError):
                raise UserError(f"not a vector number: {argument}") from None
            if not 0x20 <= only < 256:
                raise UserError(f"vector {only:#x} is not in 0x20-0xff")
        cpus, rows = vector_rows(only)
        numbers = [n for n, _ in cpus]
        src_width = max([len("source")] + [len(r["source"]) for r in rows])
        src_width = min(src_width, 18)
        width = max([5] + [len(f"CPU{n}") for n in numbers] + [len(str(c)) for r in rows for c in r["taken"]])
        inline = len(numbers) <= 2  # as the shell's irq (IRQ_INLINE_CPUS): more do not fit in 80
        if not inline:
            width = max(7, max([len(str(sum(r["taken"]))) for r in rows] or [0]))
        head = f"{'vec':<4} {'IRQL':>4} {'source':<{src_width}} {'to':<4} "
        head += "".join(f"{'CPU' + str(n):>{width}} " for n in numbers) if inline else f"{'total':>{width}} "
        head += f"{'uncl.':>5} {'state':<6} "
        indent = len(head)
        out(head + "owner(s)")
        for r in rows:
            line = f"{r['vector']:#04x} {r['irql']:>4} {r['source'][:src_width]:<{src_width}} {r['target']:<4} "
            line += "".join(f"{c:>{width}} " for c in r["taken"]) if inline else f"{sum(r['taken']):>{width}} "
            line += f"{r['unclaimed']:>5} {r['state']:<6} "
            rest = r["owners"] + (" [" + " ".join(r["flags"]) + "]" if r["flags"] else "")
            for text in wrap(line, rest, indent):
                out(text)
            if len(r["source"]) > src_width:
                out(f"{'':10}source: {r['source']}"[:WIDTH])
        if not inline:
            per_block = 8
            for first in range(0, len(numbers), per_block):
                block = numbers[first:first + per_block]
                out("")
                out(f"{'vec':<4}" + "".join(f" {'CPU' + str(n):>8}" for n in block))
                for r in rows:
                    counts = r["taken"][first:first + per_block]
                    out(f"{r['vector']:#04x}" + "".join(f" {c:>8}" for c in counts))
        if only is None:
            for text in footer_lines():
                out(text)


# ---- kinterrupt ----------------------------------------------------------------------------------

def to_kinterrupt(argument):
    """A KINTERRUPT value from an expression: a pointer, a struct, or an address."""
    kint = lookup_type("KINTERRUPT", "struct _KINTERRUPT")
    try:
        v = gdb.parse_and_eval(argument)
    except gdb.error as e:
        raise UserError(f"cannot evaluate '{argument}': {e}") from None
    t = v.type.strip_typedefs()
    if t.code == gdb.TYPE_CODE_PTR:
        return v.cast(kint.pointer()).dereference()
    if t.code == gdb.TYPE_CODE_STRUCT:
        if t.name not in ("_KINTERRUPT", "KINTERRUPT") and str(t) != str(kint.strip_typedefs()):
            raise UserError(f"'{argument}' is a {v.type}, not a KINTERRUPT")
        return v
    if t.code == gdb.TYPE_CODE_INT:
        return gdb.Value(int(v)).cast(kint.pointer()).dereference()
    raise UserError(f"'{argument}' is a {v.type}: give a KINTERRUPT, a pointer to one or an address")


def yes_no(value):
    return "yes" if num(value) else "no"


def affinity_text(mask, cpus):
    if mask in (0xFFFFFFFFFFFFFFFF, (1 << 64) - 1):
        return f"{mask:#x} (all CPUs)"
    bits = [str(i) for i in range(64) if mask >> i & 1]
    return f"{mask:#x} (CPU {', '.join(bits) if bits else 'none'})"


def print_kinterrupt(obj, cpus):
    address = num(obj.address)
    out(f"KINTERRUPT at {address:#x} <{symbolize(address)}>  owner {cstr(field(obj, 'OwnerName'))}")
    kind = num(field(obj, "Type"))
    out(f"  {'Type / Size':<22}{kind:#x}{' (InterruptObject)' if kind == 0x16 else ' (not an interrupt object!)'}"
        f" / {num(field(obj, 'Size'))} bytes")
    for name in ("ServiceRoutine", "MessageServiceRoutine"):
        routine = num(field(obj, name))
        out(f"  {name:<22}{routine:#x} {symbolize(routine)}" if routine else f"  {name:<22}NULL")
    if num(field(obj, "MessageServiceRoutine")):
        out(f"  {'MessageIndex':<22}{num(field(obj, 'MessageIndex'))}")
    context = num(field(obj, "ServiceContext"))
    ctx_sym = symbolize(context) if context else ""
    out(f"  {'ServiceContext':<22}{context:#x}" + (f" <{ctx_sym}>" if ctx_sym and not ctx_sym.startswith("0x") else ""))
    vector = num(field(obj, "Vector"))
    out(f"  {'Vector':<22}{vector:#x}")
    out(f"  {'Irql':<22}{irql_text(num(field(obj, 'Irql')))}")
    out(f"  {'SynchronizeIrql':<22}{irql_text(num(field(obj, 'SynchronizeIrql')))}")
    polarity = field(obj, "Polarity")
    out(f"  {'Mode':<22}{field(obj, 'Mode')}" + (f"  (Polarity {polarity})" if polarity is not None else ""))
    out(f"  {'ShareVector':<22}{yes_no(field(obj, 'ShareVector'))}")
    out(f"  {'Connected':<22}{yes_no(field(obj, 'Connected'))}")
    out(f"  {'Affinity':<22}{affinity_text(num(field(obj, 'Affinity')), cpus)}")
    lock = num(field(obj, "ActualLock"))
    own = num(obj["SpinLock"].address) if has_field(obj, "SpinLock") else None
    held = "NULL"
    try:
        if lock:
            # A held KSPIN_LOCK is the owner's kprcb address | 1 (kernel/ke/spinlock.c).
            word = num(gdb.Value(lock).cast(lookup_type("unsigned long").pointer()).dereference())
            owner = [n for n, p in cpus if num(p.address) == word & ~1]
            held = "free" if not word else f"held by CPU {owner[0]}" if owner else f"held ({word:#x})"
    except (gdb.error, gdb.MemoryError):
        held = "unreadable"
    whose = "its own SpinLock" if lock == own else f"the driver's, <{symbolize(lock)}>"
    out(f"  {'ActualLock':<22}{lock:#x} ({whose}, {held})")
    service, decline = field(obj, "ServiceCount"), field(obj, "DeclineCount")
    if service is not None:
        numbers = [n for n, _ in cpus] or [0]
        out(f"  {'CPU':>5} {'ServiceCount':>14} {'DeclineCount':>14}")
        for n in numbers:
            out(f"  {n:>5} {num(service[n]):>14} {num(decline[n]) if decline is not None else '-':>14}")


class Kinterrupt(IrqlabCommand):
    """Pretty-print an interrupt object (KINTERRUPT).

Usage: kinterrupt EXPR
  EXPR is a KINTERRUPT, a pointer to one or an address: `kinterrupt interrupt` inside an ISR,
  `kinterrupt &clock_interrupts[0]`, `kinterrupt 0x15b9c0`. A number below 256 is taken as a vector
  and every object in its chain is shown: `kinterrupt 0xd1`.

Shows the ISR (ServiceRoutine or MessageServiceRoutine, as a symbol), its context, vector, Irql,
SynchronizeIrql, Mode, ShareVector, Connected, Affinity, the lock the ISR runs under, and per
CPU how often the ISR claimed (ServiceCount) or declined (DeclineCount) an interrupt."""

    name = "kinterrupt"

    def run(self, argument):
        if not argument:
            raise UserError("usage: kinterrupt EXPR (a KINTERRUPT, a pointer to one, or a vector)")
        try:
            cpus = online_prcbs()
        except UserError:
            cpus = []
        try:
            value = gdb.parse_and_eval(argument)
            is_vector = value.type.strip_typedefs().code == gdb.TYPE_CODE_INT and 0 <= int(value) < 256
        except gdb.error:
            is_vector = False
        if is_vector:
            vector = int(value)
            table = symbol("ke_vector_table", "kernel/ke/interrupt.h")
            objects = chain_objects(table[vector])
            if not objects:
                out(f"vector {vector:#x} has no interrupt object")
                return
            for i, obj in enumerate(objects):
                if i:
                    out("")
                print_kinterrupt(obj.dereference(), cpus)
            return
        obj = to_kinterrupt(argument)
        try:
            obj.fetch_lazy()
        except gdb.MemoryError as e:
            raise UserError(f"cannot read a KINTERRUPT at {argument}: {e}") from None
        print_kinterrupt(obj, cpus)


# ---- dpcs ----------------------------------------------------------------------------------------

IMPORTANCE = {0: "low", 1: "medium", 2: "high", 3: "medium-high"}


def queued_dpcs(prcb):
    kdpc = lookup_type("KDPC", "struct _KDPC")
    link_offset = offset_of(kdpc, "DpcListEntry")
    dpcs = []
    d = num(prcb["dpc_head"])
    while d and len(dpcs) < MAX_CHAIN:
        dpc = gdb.Value(d).cast(kdpc.pointer()).dereference()
        dpcs.append(dpc)
        nxt = num(dpc["DpcListEntry"]["Next"])
        d = nxt - link_offset if nxt else 0
    return dpcs


class Dpcs(IrqlabCommand):
    """Every CPU's DPC queue.

Usage: dpcs

Per CPU: queue depth, the deepest it has been, DPCs queued and executed since boot, and whether
a DPC routine is running right now; then each queued KDPC in the order it will run: its address,
DeferredRoutine (as a symbol), DeferredContext, SystemArgument1/2 and importance."""

    name = "dpcs"

    def run(self, argument):
        cpus = require_prcbs()
        out(f"{'CPU':>3} {'Depth':>6} {'Max':>6} {'Queued':>10} {'Executed':>10}  Running")
        for number, prcb in cpus:
            fetch(prcb)
            running = "yes" if bool(prcb["dpc_running"]) else "no"
            out(f"{number:>3} {num(prcb['dpc_depth']):>6} {num(prcb['dpc_max_depth']):>6} "
                f"{num(prcb['dpc_queued']):>10} {num(prcb['dpc_executed']):>10}  {running}")
            for i, dpc in enumerate(queued_dpcs(prcb)):
                routine = num(dpc["DeferredRoutine"])
                first = f"    {i + 1}. KDPC {num(dpc.address):#x} {symbolize(routine)}"
                importance = IMPORTANCE.get(num(field(dpc, "Importance")), "?")
                target = num(field(dpc, "Number"))
                rest = (f"context {num(dpc['DeferredContext']):#x} args {num(dpc['SystemArgument1']):#x}"
                        f" {num(dpc['SystemArgument2']):#x} [{importance}"
                        + (f", for CPU {target - 64}]" if target >= 64 else "]"))
                for line in wrap(first, rest, 9):
                    out(line)
            if num(prcb["dpc_head"]) and num(prcb["dpc_depth"]) == 0:
                out("    (queue head set but depth 0: caught in the middle of an insert/remove)")


# ---- pcidev --------------------------------------------------------------------------------------

def name_table(table_name, key_fields):
    """{key: name} from the constant tables in kernel/bus/pci/pci_names.c (read from the ELF)."""
    try:
        table = static_symbol(table_name, "kernel/bus/pci/pci_names.c")
        count = table.type.strip_typedefs().range()[1] + 1
        return [(tuple(num(table[i][k]) for k in key_fields), cstr(table[i]["name"])) for i in range(count)]
    except (UserError, gdb.error):
        return []


def pci_name(dev, device_names, class_names):
    ids = (num(dev["vendor_id"]), num(dev["device_id"]))
    for key, name in device_names:
        if key == ids:
            return name
    cls, sub = num(dev["class_code"]), num(dev["subclass"])
    for (c, s), name in class_names:
        if c == cls and (s == sub or s == -1 or s == 0xFFFFFFFF):
            return name
    return f"class {cls:02x}.{sub:02x}"


def device_vectors(table, dev_address, dev):
    """Vectors whose source is this function: its MSI/MSI-X messages, or its INTx GSI."""
    found = []
    for v in range(0x30, 0xC0):
        e = table[v]
        src = e["source"]
        kind = source_kind(src)
        if kind == "MSI" and num(src["controller_context"]) == dev_address:
            what = "MSI-X" if is_msix(src) else "MSI"
            found.append((v, what, num(src["cpu"]), e))
        elif kind == "GSI" and bool(dev["has_gsi"]) and num(src["gsi"]) == num(dev["gsi"]):
            found.append((v, "INTx", num(src["cpu"]), e))
    return found


class Pcidev(IrqlabCommand):
    """The PCI device table (kernel/bus/pci/pci.c).

Usage: pcidev

One line per function found at boot: bus:device.function, vendor:device id, class, name, the
INTx pin and the GSI it arrives on (trigger/polarity), and the MSI / MSI-X capability (message
count; "on" when the I/O manager routed messages to vectors). A second line lists the vectors
routed for the function, with their target CPU and owners."""

    name = "pcidev"

    def run(self, argument):
        devices = static_symbol("devices", "kernel/bus/pci/pci.c")
        count = num(static_symbol("device_count", "kernel/bus/pci/pci.c"))
        if count == 0:
            out("no PCI functions in the table (pci_init has not run yet?)")
            return
        try:
            table = fetch(symbol("ke_vector_table"))
        except UserError:
            table = None
        device_names = name_table("device_names", ("vendor", "device"))
        class_names = name_table("class_names", ("class_code", "subclass"))
        out(f"{'B:D.F':<7} {'Vend:Dev':<9} {'Class':<5} {'Name':<18} {'INTx':<22} {'MSI':<6} MSI-X")
        for i in range(min(count, devices.type.strip_typedefs().range()[1] + 1)):
            dev = fetch(devices[i])
            a = dev["address"]
            bdf = cstr(field(dev, "label"), "") or f"{num(a['bus']):02x}:{num(a['device']):02x}.{num(a['function'])}"
            ids = f"{num(dev['vendor_id']):04x}:{num(dev['device_id']):04x}"
            cls = f"{num(dev['class_code']):02x}{num(dev['subclass']):02x}"
            name = pci_name(dev, device_names, class_names)
            pin = num(dev["interrupt_pin"])
            if not pin:
                intx = "-"
            elif bool(dev["has_gsi"]):
                trig = ("level" if bool(dev["gsi_level"]) else "edge") + ("/low" if bool(dev["gsi_active_low"]) else "/high")
                intx = f"INT{'ABCD'[pin - 1] if pin <= 4 else '?'} GSI {num(dev['gsi'])} {trig}"
            else:
                intx = f"INT{'ABCD'[pin - 1] if pin <= 4 else '?'} (no GSI)"
            vectors = device_vectors(table, num(dev.address), dev) if table is not None else []
            msi = dev["msi"]
            msix = dev["msix"]
            msi_text = f"x{num(msi['max_messages'])}" if bool(msi["present"]) else "-"
            if any(w == "MSI" for _, w, _, _ in vectors):
                msi_text += " on"
            msix_text = f"x{num(msix['table_size'])}" if bool(msix["present"]) else "-"
            if any(w == "MSI-X" for _, w, _, _ in vectors):
                msix_text += " on"
            out(f"{bdf:<7} {ids:<9} {cls:<5} {name[:18]:<18} {intx:<22} {msi_text:<6} {msix_text}"[:WIDTH])
            if vectors:
                parts, connected = [], False
                for v, what, cpu, e in vectors:
                    owners = ", ".join(cstr(o["OwnerName"]) for o in chain_objects(e))
                    connected = connected or bool(owners)
                    parts.append(f"{v:#04x} {what} cpu{cpu}" + (f" ({owners})" if owners else "") + ";")
                parts[-1] = parts[-1].rstrip(";")
                if not connected:
                    parts.append("- no ISR connected")
                for line in wrap(f"{'':8}vectors:", " ".join(parts), 17):
                    out(line)


# ---- bugcheck ------------------------------------------------------------------------------------

def bugcheck_names():
    """Stop code -> name, from kernel/ke/bugcheck.h next to this script (falls back to a copy)."""
    names = dict(BUGCHECK_NAMES)
    header = os.path.join(HERE or "scripts/gdb", "..", "..", "kernel", "ke", "bugcheck.h")
    try:
        with open(header) as f:
            for m in re.finditer(r"^#define\s+([A-Z0-9_]+)\s+0x([0-9A-Fa-f]+)u?\b", f.read(), re.M):
                names[int(m.group(2), 16)] = m.group(1)
    except OSError:
        pass
    return names


class Bugcheck(IrqlabCommand):
    """The last stop code (KeBugCheckEx) with its name and four parameters.

Usage: bugcheck

Reads ke_last_bugcheck (kernel/ke/bugcheck.c), which the stop screen fills in before it prints
anything: break on ke_exit (or anywhere after the STOP line) to look at a crash in gdb."""

    name = "bugcheck"

    def run(self, argument):
        last = symbol("ke_last_bugcheck", "kernel/ke/bugcheck.c; rebuild the kernel")
        fetch(last)
        code = num(last["code"])
        try:
            depth = num(static_symbol("bugcheck_depth", "kernel/ke/bugcheck.c"))
        except UserError:
            depth = None
        if code == 0 and not depth:
            out("no bugcheck has happened")
            return
        if code == 0:
            out(f"a bugcheck is starting: its stop code is not recorded yet (bugcheck_depth {depth})")
            return
        name = bugcheck_names().get(code, "UNKNOWN_BUGCHECK")
        out(f"STOP 0x{code:08X} {name}")
        where = f"  on CPU {num(last['cpu'])}"
        irql = field(last, "irql")
        if irql is not None:
            where += f", IRQL {irql_text(num(irql))}"
        pc = num(field(last, "pc"))
        if pc:
            where += f", RIP {pc:#x} {return_address_text(pc) if num(field(last, 'pc_is_return_address')) else symbolize(pc)}"
        out(where[:WIDTH])
        params = last["params"]
        for i in range(4):
            p = num(params[i])
            sym = symbolize(p) if p > 0xFFFF else ""
            hint = f"  <{sym}>" if sym and not sym.startswith("0x") else ""
            out(f"  P{i + 1} = 0x{p:016X}{hint}")
        if depth and depth > 1:
            out(f"  (the stop screen itself faulted, bugcheck_depth {depth}: this was the first stop)")


# ---- irqlab-attach -------------------------------------------------------------------------------

def port_file_candidates(argument):
    """Where `make qemu-gdb` wrote its gdb.port (scripts/qemu_gdb.py): the argument, else
    $IRQLAB_GDB_STATE, else next to the loaded ELF, else ./build."""
    if argument:
        return [argument]
    places = []
    if os.environ.get("IRQLAB_GDB_STATE"):
        places.append(os.path.join(os.environ["IRQLAB_GDB_STATE"], "gdb.port"))
    for o in gdb.objfiles():
        if o.filename:
            places.append(os.path.join(os.path.dirname(os.path.abspath(o.filename)), "gdb.port"))
    places.append(os.path.join(os.getcwd(), "build", "gdb.port"))
    return places


class IrqlabAttach(IrqlabCommand):
    """Connect to the QEMU that `make qemu-gdb` started (its port is in build/gdb.port).

Usage: irqlab-attach [PORT-FILE]

Reads the port `make qemu-gdb` wrote (default: gdb.port next to the loaded ELF, or
./build/gdb.port) and runs `target remote 127.0.0.1:PORT`. Used by .vscode/launch.json, whose
port cannot be fixed in advance: every QEMU gets a free port at run time."""

    name = "irqlab-attach"

    def invoke(self, argument, from_tty):
        # Not IrqlabCommand.invoke: a failure here must be a gdb error, so that an editor (or a
        # command list) sees that the connection failed.
        self.dont_repeat()
        for path in port_file_candidates(argument.strip()):
            try:
                with open(path) as f:
                    words = f.read().split()
            except OSError:
                continue
            if len(words) < 2 or not pid_alive(words[1], f"tcp:127.0.0.1:{words[0]}"):
                raise gdb.GdbError(f"irqlab-attach: {path} is stale (its QEMU has ended): start `make qemu-gdb`")
            gdb.execute(f"target remote 127.0.0.1:{int(words[0])}", True)
            return
        raise gdb.GdbError("irqlab-attach: no gdb.port found: start `make qemu-gdb` first (it writes build/gdb.port)")


def pid_alive(pid, needle):
    try:
        with open(f"/proc/{int(pid)}/cmdline", "rb") as f:
            return needle.encode() in f.read()
    except (OSError, ValueError):
        return False


# ---- kthreads, kthread-bt ------------------------------------------------------------------------

THREAD_STATES = {0: "Initialized", 1: "Ready", 2: "Running", 3: "Standby", 4: "Terminated", 5: "Waiting",
                 6: "Transition", 7: "DeferredReady"}
WAIT_REASONS = {0: "Executive", 4: "DelayExecution", 6: "UserRequest", 7: "WrExecutive"}
# ke_swap_context (arch/x86_64/context_switch.asm) pushes RBP RBX R12 R13 R14 R15, then saves RSP
# in KTHREAD.KernelStack: from there up, R15 R14 R13 R12 RBX RBP and the return address.
SAVED_REGISTERS = ("r15", "r14", "r13", "r12", "rbx", "rbp")
MAX_THREADS = 256
MAX_FRAMES = 32


def kernel_threads():
    """[(KTHREAD value)] from ke_thread_list (kernel/ke/thread.h), in list order."""
    head = symbol("ke_thread_list", "kernel/ke/thread.c: the scheduler")
    kthread = lookup_type("struct _KTHREAD")
    link = offset_of(kthread, "ThreadListEntry")
    head_address = num(head.address)
    threads, e = [], num(head["Flink"])
    if not e:
        raise UserError("ke_thread_list is empty: the scheduler has not started yet")
    while e and e != head_address and len(threads) < MAX_THREADS:
        t = gdb.Value(e - link).cast(kthread.pointer()).dereference()
        threads.append(t)
        e = num(t["ThreadListEntry"]["Flink"])
    return threads


def current_threads():
    """{KTHREAD address: CPU} of the threads running right now (ke_sched_cpus[n].current)."""
    running = {}
    cpus = symbol("ke_sched_cpus", "kernel/ke/thread.c: the scheduler")
    for number, _ in online_prcbs():
        cur = num(cpus[number]["current"])
        if cur:
            running[cur] = number
    return running


def read_u64(address):
    return int(gdb.Value(address).cast(lookup_type("unsigned long").pointer()).dereference())


def saved_frames(stack_pointer):
    """The call chain of a thread that is not running, from its saved KernelStack: the return
    address ke_swap_context will `ret` to, then the frame-pointer chain (the kernel is built with
    -fno-omit-frame-pointer: [rbp] = the caller's rbp, [rbp + 8] = the return address)."""
    saved = {name: read_u64(stack_pointer + 8 * i) for i, name in enumerate(SAVED_REGISTERS)}
    frames = [read_u64(stack_pointer + 8 * len(SAVED_REGISTERS))]
    rbp = saved["rbp"]
    while rbp and len(frames) < MAX_FRAMES:
        ret = read_u64(rbp + 8)
        if not ret:
            break
        frames.append(ret)
        rbp = read_u64(rbp)
    return frames, saved


def where(address, exact=False):
    """"function+0x12 at file.c:NN" for a return address (its line is that of the call), or for
    an exact code address (`exact`: a thread that never ran starts at the start of a function)."""
    if exact:
        text, sal = symbolize(address), gdb.find_pc_line(address)
        return text + (f" at {sal.symtab.filename}:{sal.line}" if sal and sal.symtab else "")
    text = return_address_text(address) if address else "0x0"
    sal = gdb.find_pc_line(address - 1) if address else None
    if sal and sal.symtab:
        text += f" at {sal.symtab.filename}:{sal.line}"
    return text


def find_thread(argument):
    if not argument:
        raise UserError("which thread? give its id (the first column of `kthreads`)")
    try:
        wanted = int(argument, 0)
    except ValueError:
        wanted = None
    for t in kernel_threads():
        if (wanted is not None and num(t["ThreadId"]) == wanted) or cstr(t["Name"]) == argument:
            return t
    raise UserError(f"no thread {argument} in ke_thread_list (see `kthreads`)")


class Kthreads(IrqlabCommand):
    """Every kernel thread, from the scheduler's ke_thread_list.

Usage: kthreads

One row per KTHREAD (kernel/ke/thread.h): its id, name, state, current and base priority, the
CPU it runs on or is queued for (`*` = running there now), what a waiting thread waits for, and
how often it was switched to. Not gdb's "threads": those are the CPUs (`info threads`)."""

    name = "kthreads"

    def run(self, argument):
        require_prcbs()
        threads = kernel_threads()
        running = current_threads()
        out(f"{'id':>4}  {'name':<14}{'state':<12}{'pri':>3} {'base':>4} {'CPU':>4}  {'waits':<16}{'switches':>9}")
        for t in threads:
            fetch(t)
            state = num(t["State"])
            cpu = f"{num(t['NextProcessor'])}{'*' if num(t.address) in running else ' '}"
            waits = WAIT_REASONS.get(num(t["WaitReason"]), "other") if state == 5 else "-"
            out(f"{num(t['ThreadId']):>4}  {cstr(t['Name'])[:13]:<14}{THREAD_STATES.get(state, str(state)):<12}"
                f"{num(t['Priority']):>3} {num(t['BasePriority']):>4} {cpu:>4}  {waits:<16}{num(t['ContextSwitches']):>9}")
        out(f"{len(threads)} threads; * = running on that CPU now. kthread-bt ID: a thread's call chain.")


class KthreadBt(IrqlabCommand):
    """The call chain of a kernel thread that is not running, from its saved context.

Usage: kthread-bt ID      (ID: the thread id of `kthreads`, or its name)

A thread that is not running stopped inside ke_swap_context (arch/x86_64/context_switch.asm):
its KTHREAD.KernelStack points at the registers that pushed (R15 R14 R13 R12 RBX RBP) and the
return address into switch_to. This walks from there through the saved frame pointers. For a
running thread, select its CPU (`thread N`, N = CPU + 1) and use `bt`."""

    name = "kthread-bt"

    def run(self, argument):
        require_prcbs()
        t = find_thread(argument)
        fetch(t)
        ident, name = num(t["ThreadId"]), cstr(t["Name"])
        running = current_threads()
        if num(t.address) in running:
            cpu = running[num(t.address)]
            out(f"thread {ident} ({name}) is running on CPU {cpu}: `thread {cpu + 1}` then `bt`")
            return
        stack = num(t["KernelStack"])
        state = THREAD_STATES.get(num(t["State"]), "?")
        out(f"thread {ident} ({name}), {state}, KernelStack {stack:#x} "
            f"(stack {num(t['StackLimit']):#x}-{num(t['StackBase']):#x})")
        if not stack:
            raise UserError("no saved stack pointer (the thread never ran or has been reaped)")
        never_ran = num(t["ContextSwitches"]) == 0
        if never_ran:
            out("  (it has never run: #0 is where its first switch will take it)")
        frames, saved = saved_frames(stack)
        out("  saved by ke_swap_context: " + " ".join(f"{r}={v:#x}" for r, v in saved.items() if r in ("rbp", "rbx")))
        for i, address in enumerate(frames):
            out(f"#{i:<2} {where(address, exact=never_ran and i == 0)}")


def register():
    for cls in (Irql, Interrupts, Kinterrupt, Dpcs, Pcidev, Bugcheck, Kthreads, KthreadBt, IrqlabAttach):
        cls()


register()
