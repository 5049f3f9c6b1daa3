#!/usr/bin/env python3
"""make_seeds.py - write the seed corpora tests/fuzz/corpus/<target>/seed-*.bin: small, valid
inputs for each target (what QEMU, GRUB and a user really produce), so fuzzing starts deep
inside each parser instead of at its first check. Rerun after changing a layout:

    python3 tests/fuzz/make_seeds.py

Regression seeds (regression-*.bin, inputs that once crashed a target) are kept as they are.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"seed-{name}.bin"), "wb") as f:
        f.write(data)


def csum16(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


US, GW = bytes([10, 0, 2, 15]), bytes([10, 0, 2, 2])
MAC_US, MAC_GW = bytes.fromhex("525400123456"), bytes.fromhex("525500000202")


def eth(dst, src, kind, payload):
    frame = dst + src + struct.pack("!H", kind) + payload
    return frame + b"\0" * max(0, 60 - len(frame))


def ipv4(proto, payload, src=GW, dst=US, options=b""):
    ihl = 5 + len(options) // 4
    header = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, 4 * ihl + len(payload), 1, 0x4000, 64, proto, 0, src, dst)
    header += options
    header = header[:10] + struct.pack("!H", csum16(header)) + header[12:]
    return header + payload


def udp(sport, dport, data, src=GW, dst=US):
    length = 8 + len(data)
    pseudo = src + dst + struct.pack("!BBH", 0, 17, length)
    body = struct.pack("!HHHH", sport, dport, length, 0) + data
    return body[:6] + struct.pack("!H", csum16(pseudo + body) or 0xFFFF) + body[8:]


def icmp_echo(ident, seq, data):
    body = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    return body[:2] + struct.pack("!H", csum16(body)) + body[4:]


def net_frame():
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, MAC_GW, GW, b"\0" * 6, US)
    frames = {
        "arp-request": eth(b"\xff" * 6, MAC_GW, 0x0806, arp),
        "icmp-echo": eth(MAC_US, MAC_GW, 0x0800, ipv4(1, icmp_echo(0x1234, 1, b"ping" * 8))),
        "udp-echo": eth(MAC_US, MAC_GW, 0x0800, ipv4(17, udp(40000, 7, b"hello irqlab"))),
        "udp-options": eth(MAC_US, MAC_GW, 0x0800, ipv4(17, udp(40000, 7, b"x" * 100), options=b"\x01" * 8)),
    }
    for name, frame in frames.items():
        write("net_frame", name, b"\0" + frame)
        write("net_frame", name + "-repair", b"\1" + frame)


def sdt(signature, body, revision=1):
    length = 36 + len(body)
    header = struct.pack("<4sIBB6s8sI4sI", signature, length, revision, 0, b"IRQLAB", b"FUZZTBL ", 1, b"IRQL", 1)
    table = bytearray(header + body)
    table[9] = (0x100 - sum(table) % 256) % 256
    return bytes(table)


def madt():
    entries = struct.pack("<BBBBI", 0, 8, 0, 0, 1) + struct.pack("<BBBBI", 0, 8, 1, 1, 1)   # two LAPICs
    entries += struct.pack("<BBBBII", 1, 12, 0, 0, 0xFEC00000, 0)                          # an IOAPIC
    entries += struct.pack("<BBBBIH", 2, 10, 0, 0, 2, 0)                                   # IRQ0 -> GSI 2
    entries += struct.pack("<BBBBIH", 2, 10, 0, 9, 9, 0xD)                                 # SCI level high
    entries += struct.pack("<BBHBBBB", 4, 6, 0xFF, 5, 0, 1, 0)[:6]                         # LAPIC NMI
    entries += struct.pack("<BBHI", 5, 12, 0, 0xFEE00000) + b"\0" * 4                      # LAPIC override
    entries += struct.pack("<BBHIII", 9, 16, 0, 2, 1, 2)                                   # an x2APIC
    return sdt(b"APIC", struct.pack("<II", 0xFEE00000, 1) + entries, revision=3)


def mcfg():
    return sdt(b"MCFG", b"\0" * 8 + struct.pack("<QHBBI", 0xB0000000, 0, 0, 255, 0))


def acpi_memory(use_xsdt=True):
    """Physical memory from 0: RSDP at 0x10, root table at 0x40, MADT at 0x100, MCFG at 0x200."""
    mem = bytearray(0x240)
    tables = {0x100: madt(), 0x200: mcfg()}
    if use_xsdt:
        root = sdt(b"XSDT", struct.pack("<QQ", 0x100, 0x200))
    else:
        root = sdt(b"RSDT", struct.pack("<II", 0x100, 0x200))
    rsdp = bytearray(struct.pack("<8sB6sBIIQB3s", b"RSD PTR ", 0, b"BOCHS ", 2 if use_xsdt else 0,
                                 0 if use_xsdt else 0x40, 36, 0x40 if use_xsdt else 0, 0, b"\0\0\0"))
    rsdp[8] = (0x100 - sum(rsdp[:20]) % 256) % 256
    rsdp[32] = (0x100 - sum(rsdp[:36]) % 256) % 256
    mem[0x10:0x10 + 36] = rsdp
    mem[0x40:0x40 + len(root)] = root
    for at, t in tables.items():
        mem[at:at + len(t)] = t
    return bytes(mem[:0x200 + len(tables[0x200])])


def acpi():
    for mode in (0, 1):
        write("acpi", f"xsdt-mode{mode}", bytes([mode]) + acpi_memory(True))
        write("acpi", f"rsdt-mode{mode}", bytes([mode]) + acpi_memory(False))
    write("madt_mcfg", "madt", b"\0" + madt())
    write("madt_mcfg", "mcfg", b"\1" + mcfg())


def mb2_tag(kind, payload):
    tag = struct.pack("<II", kind, 8 + len(payload)) + payload
    return tag + b"\0" * (-len(tag) % 8)


def multiboot2():
    mmap = struct.pack("<II", 24, 0) + b"".join(struct.pack("<QQII", b, l, t, 0) for b, l, t in
                                                [(0, 0x9FC00, 1), (0x9FC00, 0x400, 2), (0x100000, 0xFEE0000, 1)])
    rsdp = struct.pack("<8sB6sBI", b"RSD PTR ", 0, b"BOCHS ", 0, 0xE1000)
    block = (mb2_tag(1, b"ktest=* msi=off\0") + mb2_tag(2, b"GRUB 2.06\0") + mb2_tag(6, mmap) +
             mb2_tag(14, rsdp) + mb2_tag(0, b""))
    write("multiboot2", "grub", struct.pack("<II", 8 + len(block), 0) + block)


def pvh():
    entries = [(0, 0x9FC00, 1), (0x100000, 0xFEE0000, 1), (0xFFFC0000, 0x40000, 2)]
    start = struct.pack("<IIIIQQQQII", 0x336EC578, 1, 0, 0, 0, 1, 0xF5A20, 1, len(entries), 0)
    cmdline = b"ktest=* loglevel=debug".ljust(256, b"\0")
    memmap = b"".join(struct.pack("<QQII", b, l, t, 0) for b, l, t in entries)
    write("pvh", "qemu", start + cmdline + memmap)


def text_seeds():
    for i, line in enumerate([b"ktest=* msi=off cpus=4 nosmp", b"ip=10.0.2.15/24 ip1=192.168.7.2/24 gw=10.0.2.2",
                              b"verifier=storm loglevel=debug threaded_dpcs=off msix=off"]):
        write("cmdline", f"line{i}", line)
    for i, keys in enumerate([b"help\r", b"irq\r\nirq\x1b[A\x1b[A\r", b"abc\x1b[D\x1b[D\x7fX\x1b[3~\x1b[H\x1b[F\x15\r",
                              b"x" * 300 + b"\x1b[1~\x1b[4~\x01\x05\x03", b"lpt hello\x1bOH\x1bOF\r\n"]):
        write("line_edit", f"keys{i}", keys)
    for i, line in enumerate([b"\x05lpt hello world", b"\x0f  irq   \t 3  ", b"\x02a b c d e f"]):
        write("shell_args", f"line{i}", line)


def validators():
    """IO_CONNECT_INTERRUPT_PARAMETERS: Version, then the union's pointers (non-NULL) and scalars;
    the resources after it. NDIS: headers of the right type and revision, handlers non-NULL."""
    ptr = struct.pack("<Q", 0x1000)
    line = struct.pack("<I4x", 2) + ptr * 5 + bytes([0, 0]) + b"\0" * 14
    fully = struct.pack("<I4x", 1) + ptr * 5 + bytes([5, 0, 1, 0]) + struct.pack("<IBxxxIxxxxQH", 0x52, 5, 0, 1, 0)
    message = struct.pack("<I4x", 3) + ptr * 4 + b"\0" * 8 + bytes([0, 0]) + b"\0" * 6 + ptr
    resources = bytes([1, 2, 0xFF, 11, 0x42, 3, 3, 0x31, 0x52, 0x43])
    for name, params in (("line", line), ("fully", fully), ("message", message)):
        write("io_connect", name, params.ljust(88, b"\0") + resources)
    header = lambda kind, rev, size: struct.pack("<BBH", kind, rev, size)  # noqa: E731
    interrupt = header(0x99, 1, 0x40).ljust(8, b"\0") + ptr * 8
    write("ndis_interrupt", "interrupt", interrupt)
    # IoDisconnectInterruptEx: n connections (Version, has a table), then NULL-flag, Version, choice.
    connections = bytes([3, 2, 0, 3, 1, 1, 0])  # line-based, message-based, fully specified
    write("io_disconnect", "line", connections + bytes([0, 2, 0]))      # the line-based one's object
    write("io_disconnect", "message", connections + bytes([0, 3, 4]))   # the message table
    write("io_disconnect", "mismatch", connections + bytes([0, 3, 0]))  # MESSAGE_BASED for a line


def parport():
    codes = [0x0016002C, 0x00160030, 0x00160034, 0x00160038, 0x0016003C, 0x00160044, 0x001600A0]
    data = b"".join(struct.pack("<IBIIB", c, 0, 32, 32, 1) for c in codes)
    write("parport_ioctl", "every-code", data)


if __name__ == "__main__":
    net_frame()
    acpi()
    multiboot2()
    pvh()
    text_seeds()
    validators()
    parport()
