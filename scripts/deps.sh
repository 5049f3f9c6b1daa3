#!/usr/bin/env bash
# scripts/deps.sh - make sure every Debian package irqlab uses is installed.
#
# One dpkg-query call checks them all (fast enough to run before every `make run`/`make test`).
# Missing packages are installed when we are root (CI, containers); otherwise the exact
# command is printed and we fail, because a half-working toolchain gives confusing errors later.
set -euo pipefail

PACKAGES=(
    gcc binutils make nasm                  # build the kernel
    grub-pc-bin grub-common xorriso mtools  # grub-mkrescue: the BIOS GRUB ISO
    grub-efi-amd64-bin                      # ...and its UEFI half: one ISO boots under BIOS and UEFI
    ovmf                                    # make run BOOT=uefi: QEMU's UEFI firmware (docs/real-hardware.md)
    qemu-system-x86                         # run it
    gdb                                     # make gdb, tests/e2e/test_gdb.py
    libcmocka-dev                           # host unit tests (tests/unit/)
    python3                                 # scripts/ and tests/e2e/
    netcat-openbsd                          # nc -u: the UDP echo walk-throughs (docs/ndis.md, docs/net.md)
    git                                     # make grade and the tests copy the tracked files
    python3-jsonschema                      # make autograder: results.json against Gradescope's schema
    yamllint                                # make classroom: the exported workflows (tests/e2e/test_classroom.py)
    cppcheck clang-tidy clang-format bear   # make lint, format-check, compile_commands.json
    gnuplot-nox                             # make bench / make trace: the PNG plots
    clang libclang-rt-14-dev                # make fuzz: clang -fsanitize=fuzzer,address,undefined
)

missing=()
# dpkg-query prints one status line per known package and complains about unknown ones.
status=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${PACKAGES[@]}" 2>/dev/null || true)
for p in "${PACKAGES[@]}"; do
    if ! grep -qE "^${p} ii" <<<"$status"; then
        missing+=("$p")
    fi
done

[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
    echo "deps: installing missing packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"
else
    echo "deps: missing Debian packages: ${missing[*]}" >&2
    echo "deps: install them with:" >&2
    echo "    sudo sh -c '$cmd'" >&2
    exit 1
fi
