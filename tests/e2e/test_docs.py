#!/usr/bin/env python3
"""tests/e2e/test_docs.py - the API reference (docs/reference/) cannot drift from the code.

Fast, no QEMU, Python stdlib only; prints TAP. Checks:
  1. every routine/structure of the minimum set below has docs/reference/<name>.md with all seven
     WDK-style sections (Syntax, Parameters, Return value, Remarks, IRQL, Example, See also);
  2. every relative link in docs/*.md and docs/reference/*.md names an existing file;
  3. every identifier in a page's Syntax block appears in the header the page names
     (its "Header:" line; headers it #includes count too), and the Syntax block itself appears in
     that header word for word (whitespace and line continuations aside).
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCS = os.path.join(ROOT, "docs")
REF = os.path.join(DOCS, "reference")

# The minimum set of the "teaching surface" issue, by family. A name here without a page fails.
REQUIRED = {
    "connect/disconnect": [
        "IoConnectInterruptEx", "IoDisconnectInterruptEx", "IO_CONNECT_INTERRUPT_PARAMETERS",
        "IO_DISCONNECT_INTERRUPT_PARAMETERS", "IO_INTERRUPT_MESSAGE_INFO", "IO_INTERRUPT_MESSAGE_INFO_ENTRY",
        "KSERVICE_ROUTINE", "KMESSAGE_SERVICE_ROUTINE",
    ],
    "sync": [
        "KeSynchronizeExecution", "KeAcquireInterruptSpinLock", "KeReleaseInterruptSpinLock",
        "KeInitializeSpinLock", "KeAcquireSpinLock", "KeReleaseSpinLock", "KeAcquireSpinLockAtDpcLevel",
        "KeReleaseSpinLockFromDpcLevel",
    ],
    "DPC": [
        "KeInitializeDpc", "KeInsertQueueDpc", "KeRemoveQueueDpc", "KeSetTargetProcessorDpc", "KeSetImportanceDpc",
        "KeFlushQueuedDpcs", "IoInitializeDpcRequest", "IoRequestDpc", "KDPC", "KDEFERRED_ROUTINE",
    ],
    "work items": [
        "ExInitializeWorkItem", "ExQueueWorkItem", "WORK_QUEUE_ITEM", "WORK_QUEUE_TYPE", "IoAllocateWorkItem",
        "IoQueueWorkItem", "IoQueueWorkItemEx", "IoFreeWorkItem", "IoSizeofWorkItem", "IoInitializeWorkItem",
        "IoUninitializeWorkItem", "IO_WORKITEM_ROUTINE", "IO_WORKITEM_ROUTINE_EX", "NdisAllocateIoWorkItem",
        "NdisQueueIoWorkItem", "NdisFreeIoWorkItem", "NDIS_IO_WORKITEM_FUNCTION", "KeInitializeThreadedDpc",
    ],
    "IRQL": ["KeGetCurrentIrql", "KeRaiseIrql", "KeLowerIrql", "KeRaiseIrqlToDpcLevel", "KIRQL"],
    "threads and waits": [
        "PsCreateSystemThread", "PsTerminateSystemThread", "KeGetCurrentThread", "PsGetCurrentThreadId",
        "KeSetPriorityThread", "KeSetSystemAffinityThreadEx", "KeRevertToUserAffinityThreadEx", "KeInitializeEvent",
        "KeSetEvent", "KeResetEvent", "KeInitializeSemaphore", "KeReleaseSemaphore", "KeInitializeMutex",
        "KeReleaseMutex", "ExInitializeFastMutex", "ExAcquireFastMutex", "ExTryToAcquireFastMutex",
        "ExReleaseFastMutex", "KeWaitForSingleObject", "KeWaitForMultipleObjects", "KeDelayExecutionThread",
        "KeInitializeTimer", "KeInitializeTimerEx", "KeSetTimer", "KeSetTimerEx", "KeCancelTimer", "KeReadStateTimer",
        "KeQueryInterruptTime",
    ],
    "NDIS": [
        "NdisMRegisterInterruptEx", "NdisMDeregisterInterruptEx", "NdisMSynchronizeWithInterruptEx",
        "NdisMQueueDpcEx", "NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS", "MINIPORT_ISR", "MINIPORT_INTERRUPT_DPC",
        "MINIPORT_MESSAGE_INTERRUPT", "MINIPORT_MESSAGE_INTERRUPT_DPC", "MINIPORT_ENABLE_INTERRUPT",
        "MINIPORT_DISABLE_INTERRUPT", "MINIPORT_ENABLE_MESSAGE_INTERRUPT", "MINIPORT_DISABLE_MESSAGE_INTERRUPT",
        "NdisAllocateTimerObject", "NdisSetTimerObject", "NdisCancelTimerObject", "NdisFreeTimerObject",
        "NDIS_TIMER_CHARACTERISTICS", "NDIS_TIMER_FUNCTION", "MINIPORT_DEVICE_PNP_EVENT_NOTIFY", "MINIPORT_SHUTDOWN",
    ],
    "NDIS data path, status and OIDs": [
        "MDL", "NdisAllocateMdl", "NdisFreeMdl", "NET_BUFFER", "NET_BUFFER_LIST", "NET_BUFFER_LIST_POOL_PARAMETERS",
        "NdisAllocateNetBufferListPool", "NdisFreeNetBufferListPool", "NdisAllocateNetBufferAndNetBufferList",
        "NdisFreeNetBufferList", "NdisGetDataBuffer", "NdisMIndicateReceiveNetBufferLists",
        "MINIPORT_RETURN_NET_BUFFER_LISTS", "MINIPORT_SEND_NET_BUFFER_LISTS", "NdisMSendNetBufferListsComplete",
        "NDIS_LINK_STATE", "NDIS_STATUS_INDICATION", "NdisMIndicateStatusEx", "NDIS_OID_REQUEST",
        "MINIPORT_OID_REQUEST", "NdisMOidRequestComplete",
    ],
    "pending IRPs and cancellation": [
        "IoMarkIrpPending", "IoSetCancelRoutine", "DRIVER_CANCEL", "IoCancelIrp", "IoAcquireCancelSpinLock",
        "IoReleaseCancelSpinLock", "IO_CSQ", "IO_CSQ_IRP_CONTEXT", "IoCsqInitialize", "IoCsqInsertIrp",
        "IoCsqRemoveNextIrp", "IoCsqRemoveIrp",
    ],
    "parallel port": [
        "IOCTL_INTERNAL_PARALLEL_CONNECT_INTERRUPT", "IOCTL_INTERNAL_PARALLEL_DISCONNECT_INTERRUPT",
        "IOCTL_INTERNAL_PARALLEL_PORT_ALLOCATE", "IOCTL_INTERNAL_PARALLEL_PORT_FREE",
        "IOCTL_INTERNAL_GET_PARALLEL_PORT_INFO", "PARALLEL_INTERRUPT_SERVICE_ROUTINE",
        "PARALLEL_INTERRUPT_INFORMATION", "PARALLEL_PORT_INFORMATION", "IoRegisterPlugPlayNotification",
        "IoUnregisterPlugPlayNotificationEx", "IoReportTargetDeviceChange",
    ],
    "Plug and Play (docs/pnp.md)": ["IoForwardIrpSynchronously", "DRIVER_ADD_DEVICE", "DRIVER_UNLOAD",
                                    "IoRegisterShutdownNotification", "IoUnregisterShutdownNotification"],
    "legacy connect, active state, NMI": [
        "IoConnectInterrupt", "IoDisconnectInterrupt", "IoGetAffinityInterrupt", "IoReportInterruptActive",
        "IoReportInterruptInactive", "IO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS", "KeRegisterNmiCallback",
        "KeDeregisterNmiCallback",
    ],
    "irqlab hooks (include/irqlab.h, not WDK)": [
        "IRQLAB_SHELL_COMMAND", "IrqlabShellPrint", "IrqlabRegisterConsoleInput", "IrqlabConsoleInputArrived",
        "IrqlabFormatSymbol", "IrqlabQueryInterruptLine",
    ],
}

SECTIONS = ["Syntax", "Parameters", "Return value", "Remarks", "IRQL", "Example", "See also"]
HEADERS = ("include/wdm.h", "include/ndis.h", "include/parallel.h", "include/irqlab.h")
C_WORDS = {
    "typedef", "struct", "union", "enum", "const", "volatile", "void", "char", "short", "int", "long",
    "unsigned", "signed", "static", "inline", "return", "define", "if", "else", "sizeof", "__attribute__",
    "aligned", "noreturn",
}

results = []


def ok(cond, name, diag=None):
    results.append((bool(cond), name, diag if not cond else None))


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def header_text(rel, seen=None):
    """The header and, recursively, the irqlab headers it includes."""
    seen = set() if seen is None else seen
    if rel in seen:
        return ""
    seen.add(rel)
    text = read(os.path.join(ROOT, rel))
    out = text
    for inc in re.findall(r'#include\s+"([^"]+)"', text):
        path = inc if inc.startswith("include/") else "include/" + inc
        if os.path.exists(os.path.join(ROOT, path)):
            out += "\n" + header_text(path, seen)
    return out


def normalize(code):
    code = code.replace("\\\n", " ")
    return " ".join(code.split())


def sections_of(text):
    return re.findall(r"^## (.+?)\s*$", text, re.M)


def syntax_block(text):
    m = re.search(r"^## Syntax\s*$(.*?)^## ", text, re.M | re.S)
    if not m:
        return None
    block = re.search(r"```c\n(.*?)```", m.group(1), re.S)
    return block.group(1) if block else None


def check_pages():
    for family, names in REQUIRED.items():
        for name in names:
            path = os.path.join(REF, name + ".md")
            exists = os.path.isfile(path)
            ok(exists, f"{family}: docs/reference/{name}.md exists")
            if not exists:
                continue
            found = sections_of(read(path))
            missing = [s for s in SECTIONS if s not in found]
            ok(not missing, f"{family}: {name}.md has all seven sections", f"missing: {missing}")
            in_order = [s for s in found if s in SECTIONS] == SECTIONS
            ok(in_order, f"{family}: {name}.md sections in WDK order", f"found: {found}")


def check_syntax():
    pages = sorted(p for p in os.listdir(REF) if p.endswith(".md") and p != "index.md")
    for page in pages:
        text = read(os.path.join(REF, page))
        m = re.search(r"^Header: `([^`]+)`", text, re.M)
        ok(m and m.group(1) in HEADERS, f"{page}: names its header", f"Header line: {m.group(1) if m else None}")
        if not m or m.group(1) not in HEADERS:
            continue
        header = header_text(m.group(1))
        block = syntax_block(text)
        ok(block is not None, f"{page}: has a ```c block under Syntax")
        if block is None:
            continue
        code = re.sub(r"/\*.*?\*/", " ", block, flags=re.S)
        words = set(re.findall(r"\b[A-Za-z_][A-Za-z0-9_]*\b", code)) - C_WORDS
        unknown = sorted(w for w in words if not re.search(r"\b" + re.escape(w) + r"\b", header))
        ok(not unknown, f"{page}: every Syntax identifier is in {m.group(1)}", f"not in the header: {unknown}")
        chunks = [c for c in re.split(r"\n\s*\n", block) if c.strip()]
        differ = [c.split("\n")[0] for c in chunks if normalize(c) not in normalize(header)]
        ok(not differ, f"{page}: the Syntax block is the header's text", f"not in the header as written: {differ}")


def check_links():
    files = [os.path.join(DOCS, f) for f in sorted(os.listdir(DOCS)) if f.endswith(".md")]
    files += [os.path.join(REF, f) for f in sorted(os.listdir(REF)) if f.endswith(".md")]
    for path in files:
        text = re.sub(r"```.*?```", "", read(path), flags=re.S)
        broken = []
        for target in re.findall(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", text):
            if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                continue
            file_part = target.split("#", 1)[0]
            if not os.path.exists(os.path.normpath(os.path.join(os.path.dirname(path), file_part))):
                broken.append(target)
        ok(not broken, f"links in {os.path.relpath(path, ROOT)} resolve", f"broken: {broken}")


def main():
    ok(os.path.isfile(os.path.join(REF, "index.md")), "docs/reference/index.md exists")
    if os.path.isdir(REF):
        check_pages()
        check_syntax()
    check_links()
    print("TAP version 13")
    print(f"1..{len(results)}")
    failed = 0
    for i, (passed, name, diag) in enumerate(results, 1):
        print(f"{'ok' if passed else 'not ok'} {i} - {name}")
        if not passed:
            failed += 1
            if diag:
                print(f"  # {diag}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
