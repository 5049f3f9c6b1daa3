# irqlab - build, run, debug and test.       `make help` lists every target and variable.
#
# Sources are found by wildcard: a new .c file under arch/, kernel/ or drivers/ (or a new
# .asm under boot/ or arch/) is built into the kernel with no edit here; a new .c under
# tests/ktest/ goes into both kernels (the shell's `ktest` runs it); a new tests/unit/test_*.c or
# tests/e2e/test_*.py is picked up by `make test`.

.DEFAULT_GOAL := all
SHELL := /bin/bash

# ---- user-facing variables (comments after values would become part of them) ------------
BUILD      ?= build
MACHINE    ?= pc
SMP        ?= 1
BOOT       ?= kernel
ACCEL      ?= tcg
MEM        ?= 256M
CMDLINE    ?=
QEMU_EXTRA ?=
OPT        ?= -Og
TIMEOUT    ?= 0
GLOB       ?= *
JOBS       ?= 2
V          ?= 0
NIC        ?= e1000
HOTPLUG    ?= 0
MONITOR    ?=
BREAK      ?=

MACHINE := $(strip $(MACHINE))
SMP     := $(strip $(SMP))
BOOT    := $(strip $(BOOT))
ACCEL   := $(strip $(ACCEL))
TIMEOUT := $(strip $(TIMEOUT))
NIC     := $(strip $(NIC))

# Quiet by default ("  CC      kernel/main.c"); V=1 prints every command in full.
ifeq ($(V),1)
Q :=
say = @:
else
Q := @
say = @printf '  %-7s %s\n' '$(1)' '$(2)'
endif

# ---- tools and flags ----------------------------------------------------------------------
CC     := gcc
NASM   := nasm
LD     := ld
PYTHON := python3

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
GIT_REV := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

KERNEL_CFLAGS := -m64 -std=gnu11 -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
    -fno-asynchronous-unwind-tables -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer \
    -mno-red-zone -mgeneral-regs-only -mcmodel=small -fno-common -fno-builtin-printf \
    $(OPT) -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
    -Wno-unused-parameter -fshort-wchar -Wno-multichar -I. -Iinclude \
    -DIRQLAB_VERSION='"$(VERSION) ($(GIT_REV))"' -MMD -MP
NASMFLAGS := -f elf64 -g -F dwarf -w+all
LDFLAGS   := -nostdlib -static -z max-page-size=0x1000 -z noexecstack -T linker.ld

# ---- the sanitizer test build (issue 14; docs/testing.md "The sanitizer build") ---------------
# make SANITIZE=1 builds both kernels into $(BUILD)/san/ with GCC's undefined-behaviour checks
# (runtime: kernel/lib/ubsan.c, stop 0x1E) and -fstack-protector-strong with a global guard
# (kernel/lib/stack_protector.c, stop 0xF7). `make test` runs the in-guest suites on it too.
# The runtime's own two files are built without either: a check in them would call itself.
SANITIZE ?= 0
ifeq ($(strip $(SANITIZE)),1)
override BUILD := $(BUILD)/san
SANITIZE_CFLAGS := -fsanitize=undefined -fstack-protector-strong -mstack-protector-guard=global \
    -DIRQLAB_SANITIZE=1
KERNEL_CFLAGS := $(filter-out -fno-stack-protector,$(KERNEL_CFLAGS)) $(SANITIZE_CFLAGS)
SANITIZE_RUNTIME_OBJS := $(BUILD)/obj/kernel/lib/ubsan.o $(BUILD)/obj/kernel/lib/stack_protector.o
$(SANITIZE_RUNTIME_OBJS): KERNEL_CFLAGS := $(filter-out $(SANITIZE_CFLAGS),$(KERNEL_CFLAGS)) \
    -fno-stack-protector -DIRQLAB_SANITIZE=1
endif
# libFuzzer targets for the host-testable parsers (tests/fuzz/, scripts/fuzz.py, docs/testing.md
# "Fuzzing"): make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="net_frame acpi"]. make test runs a short,
# count-bounded pass of every target (tests/e2e/test_fuzz.py).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
.PHONY: fuzz
fuzz:
	$(Q)bash scripts/deps.sh
	$(Q)$(PYTHON) scripts/fuzz.py --build $(BUILD) --seconds $(FUZZ_SECONDS) $(FUZZ_TARGETS)
# ---- end of the sanitizer and fuzzing block ------------------------------------------------------

# ---- sources -----------------------------------------------------------------------------
KERNEL_C   := $(shell find arch kernel drivers -name '*.c' 2>/dev/null | sort)
KERNEL_ASM := $(shell find boot arch -name '*.asm' 2>/dev/null | sort)
KTEST_C    := $(shell find tests/ktest -name '*.c' 2>/dev/null | sort)
KTEST_ASM  := $(shell find tests/ktest -name '*.asm' 2>/dev/null | sort)

OBJ := $(BUILD)/obj
KERNEL_OBJS := $(KERNEL_C:%.c=$(OBJ)/%.o) $(KERNEL_ASM:%.asm=$(OBJ)/%.asm.o)
KTEST_OBJS  := $(KTEST_C:%.c=$(OBJ)/%.o) $(KTEST_ASM:%.asm=$(OBJ)/%.asm.o)

# -fshort-wchar and -Wno-multichar: L"..." is 16-bit and a pool tag is written 'gaTx', as in the
# WDK (GCC and MSVC give a multi-character constant the same value).
# WDK-style fragments (tests/wdk_samples/, issue 12): built against include/ ONLY, as a driver
# outside the tree would be (-I include, no -I .), with the kernel's -Wall -Werror, and linked
# into both kernels for the wdk_samples ktest suite.
WDK_SAMPLES_C := $(shell find tests/wdk_samples -name '*.c' 2>/dev/null | sort)
WDK_SAMPLE_CFLAGS := $(filter-out -I. -Iinclude,$(KERNEL_CFLAGS)) -I include
KTEST_OBJS += $(WDK_SAMPLES_C:%.c=$(OBJ)/wdk/%.o)

# Drivers are built the same way (issue 12): include/ is their whole contract, so a driver that
# includes a kernel header does not compile, and scripts/check_exports.py (make test) fails when
# one calls a kernel routine that include/exports.txt does not list. NDIS itself is part of the
# kernel (kernel/ndis/, like Windows' ndis.sys); the e1000 miniport is a driver like the others.
DRIVER_C := $(filter drivers/%,$(KERNEL_C))
$(DRIVER_C:%.c=$(OBJ)/%.o): KERNEL_CFLAGS := $(WDK_SAMPLE_CFLAGS)
# The labs' drivers (labs/<lab>/{skeleton,solution}/) likewise, compiled but not linked (make grade
# links one into a scratch copy), so that both build against include/ alone and are checked too.
# The lab's shared header (labs/<lab>/*.h) sits next to the driver in that copy: -iquote the lab.
LAB_DRIVER_C := $(filter-out labs/e1000-rx/%,$(shell find labs -path '*/skeleton/*.c' -o -path '*/solution/*.c' \
    2>/dev/null | sort)) # e1000-rx's file is one of drivers/e1000's: built in place by make grade
LAB_DRIVER_OBJS := $(LAB_DRIVER_C:%.c=$(OBJ)/%.o)

$(OBJ)/labs/%.o: labs/%.c
	@mkdir -p $(dir $@)
	$(call say,CC-LAB,$<)
	$(Q)$(CC) $(WDK_SAMPLE_CFLAGS) -iquote $(dir $<).. -c $< -o $@

-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)

$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(OBJ)/wdk/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC-WDK,$<)
	$(Q)$(CC) $(WDK_SAMPLE_CFLAGS) -c $< -o $@

$(OBJ)/%.asm.o: %.asm
	@mkdir -p $(dir $@)
	$(call say,NASM,$<)
	$(Q)$(NASM) $(NASMFLAGS) $< -o $@

# ---- linking with a symbol table (two passes) ----------------------------------------------
# Pass 1 links with an empty .ksyms; scripts/gen_ksyms.py turns `nm` of that into a C table;
# pass 2 links the table in, with the code units of pass 1's link map (-Map: which object file
# each piece of .text came from; pool tracking charges allocations to them). .ksyms is the last section, so no other address moves, and
# gen_ksyms.py --check proves it.
$(OBJ)/ksyms_empty.c:
	@mkdir -p $(dir $@)
	$(Q)$(PYTHON) scripts/gen_ksyms.py --empty -o $@

# $(call link_kernel,output,objects[,extra ld flags])
define link_kernel
	$(call say,LD,$(1))
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $(OBJ)/ksyms_empty.c -o $(OBJ)/ksyms_empty.o
	$(Q)$(LD) $(LDFLAGS) $(3) -Map=$(1).map -o $(1).pass1 $(2) $(OBJ)/ksyms_empty.o
	$(Q)nm -n -S $(1).pass1 | $(PYTHON) scripts/gen_ksyms.py --map $(1).map -o $(1).ksyms.c
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $(1).ksyms.c -o $(1).ksyms.o
	$(Q)$(LD) $(LDFLAGS) $(3) -o $(1) $(2) $(1).ksyms.o
	$(Q)$(PYTHON) scripts/gen_ksyms.py --check $(1).pass1 $(1)
	$(Q)grub-file --is-x86-multiboot2 $(1)
endef

# Both kernels carry the in-guest suites, so `ktest <glob>` works at the prompt of `make run`
# and `ktest=<glob>` works on either. ktest.elf is marked with the symbol irqlab_ktest_elf: booted
# without ktest= it says so and fails (tests/ktest/ktest.c), where kernel.elf goes to the prompt.
$(BUILD)/kernel.elf: $(KERNEL_OBJS) $(KTEST_OBJS) $(OBJ)/ksyms_empty.c linker.ld scripts/gen_ksyms.py
	$(call link_kernel,$@,$(KERNEL_OBJS) $(KTEST_OBJS))

$(BUILD)/ktest.elf: $(KERNEL_OBJS) $(KTEST_OBJS) $(OBJ)/ksyms_empty.c linker.ld scripts/gen_ksyms.py
	$(call link_kernel,$@,$(KERNEL_OBJS) $(KTEST_OBJS),--defsym=irqlab_ktest_elf=1)

# ---- GRUB ISOs ---------------------------------------------------------------------------
# grub.cfg inside the ISO carries CMDLINE, so the ISOs are rebuilt when CMDLINE changes: the
# value of the last build is kept in $(BUILD)/iso.cmdline.
ISO_CMDLINE := $(BUILD)/iso.cmdline
ifeq ($(filter clean help,$(MAKECMDGOALS)),)
ifneq ($(file <$(ISO_CMDLINE)),$(CMDLINE))
$(shell mkdir -p $(BUILD))
$(file >$(ISO_CMDLINE),$(CMDLINE))
endif
endif

# Likewise which firmwares' GRUB is installed (grub-pc-bin, grub-efi-amd64-bin): grub-mkrescue puts
# each into the ISO, so installing the UEFI half rebuilds it (BOOT=uefi, scripts/irqlab_uefi.py).
ISO_PLATFORMS := $(BUILD)/iso.platforms
GRUB_PLATFORMS := $(notdir $(patsubst %/kernel.img,%,$(wildcard /usr/lib/grub/i386-pc/kernel.img /usr/lib/grub/x86_64-efi/kernel.img)))
ifeq ($(filter clean help,$(MAKECMDGOALS)),)
ifneq ($(file <$(ISO_PLATFORMS)),$(GRUB_PLATFORMS))
$(shell mkdir -p $(BUILD))
$(file >$(ISO_PLATFORMS),$(GRUB_PLATFORMS))
endif
endif

$(BUILD)/irqlab.iso: $(BUILD)/kernel.elf boot/grub.cfg $(ISO_CMDLINE) $(ISO_PLATFORMS) scripts/irqlab_qemu.py
$(BUILD)/ktest.iso: $(BUILD)/ktest.elf boot/grub.cfg $(ISO_CMDLINE) $(ISO_PLATFORMS) scripts/irqlab_qemu.py
$(BUILD)/irqlab.iso $(BUILD)/ktest.iso:
	$(call say,ISO,$@)
	$(Q)$(PYTHON) scripts/qemu.py mkiso --elf $< --cmdline "$(CMDLINE)" -o $@

$(ISO_CMDLINE) $(ISO_PLATFORMS):
	@mkdir -p $(dir $@) && touch $@

.PHONY: all kernel ktest iso
all: $(BUILD)/kernel.elf $(BUILD)/ktest.elf $(BUILD)/irqlab.iso $(LAB_DRIVER_OBJS)
kernel: $(BUILD)/kernel.elf
ktest: $(BUILD)/ktest.elf
iso: $(BUILD)/irqlab.iso

# ---- running and debugging ------------------------------------------------------------------
QEMU_ARGS = --machine $(MACHINE) --smp $(SMP) --boot $(BOOT) --accel $(ACCEL) --mem $(MEM) \
            --timeout $(TIMEOUT) --cmdline "$(CMDLINE)" --extra "$(QEMU_EXTRA)" --nic $(NIC) \
            --hotplug $(HOTPLUG) --monitor "$(MONITOR)"
SUBMAKE = $(MAKE) --no-print-directory

.PHONY: deps run run-ktest gdb qemu-gdb console
deps:
	$(Q)bash scripts/deps.sh

# deps.sh runs first (before any compiler is needed), hence the recursive make.
run:
	$(Q)bash scripts/deps.sh
	$(Q)$(SUBMAKE) $(BUILD)/kernel.elf $(if $(filter iso uefi,$(BOOT)),$(BUILD)/irqlab.iso)
	$(Q)$(PYTHON) scripts/qemu.py run $(QEMU_ARGS) --elf $(BUILD)/kernel.elf --iso $(BUILD)/irqlab.iso

# Run the test kernel by hand: make run-ktest CMDLINE='ktest=*'
run-ktest: $(BUILD)/ktest.elf $(if $(filter iso uefi,$(BOOT)),$(BUILD)/ktest.iso)
	$(Q)$(PYTHON) scripts/qemu.py run $(QEMU_ARGS) --elf $(BUILD)/ktest.elf --iso $(BUILD)/ktest.iso

# Debugging in two terminals (scripts/qemu_gdb.py, docs/gdb.md): `make qemu-gdb` (QEMU paused,
# the guest console on that terminal) and `make gdb` (attaches). `make gdb` alone starts its own
# QEMU; `make console` in a second terminal then types at the guest.
gdb: $(BUILD)/kernel.elf $(if $(filter iso uefi,$(BOOT)),$(BUILD)/irqlab.iso)
	$(Q)$(PYTHON) scripts/qemu.py gdb $(QEMU_ARGS) --elf $(BUILD)/kernel.elf --iso $(BUILD)/irqlab.iso \
	    --break '$(BREAK)'

qemu-gdb: $(BUILD)/kernel.elf $(if $(filter iso uefi,$(BOOT)),$(BUILD)/irqlab.iso)
	$(Q)$(PYTHON) scripts/qemu.py qemu-gdb $(QEMU_ARGS) --elf $(BUILD)/kernel.elf --iso $(BUILD)/irqlab.iso

console:
	$(Q)$(PYTHON) scripts/qemu.py console --elf $(BUILD)/kernel.elf

# Time travel (scripts/timetravel.py, docs/time-travel.md): `make record` runs like `make run` while
# QEMU records it into REC; `make replay` replays it exactly, GDB=1 under gdb (reverse-* work),
# GDB_SCRIPT=<file> runs a gdb command file in batch mode.
REC    ?= $(BUILD)/rr/last
RR_MAX ?= 256M
.PHONY: record replay
record:
	$(Q)bash scripts/deps.sh
	$(Q)$(SUBMAKE) $(BUILD)/kernel.elf
	$(Q)$(PYTHON) scripts/timetravel.py record $(QEMU_ARGS) --elf $(BUILD)/kernel.elf --rec '$(REC)' --max '$(RR_MAX)'

replay:
	$(Q)$(PYTHON) scripts/timetravel.py replay --rec '$(REC)' --elf $(BUILD)/kernel.elf --timeout $(TIMEOUT) \
	    $(if $(GDB),--gdb) $(if $(GDB_SCRIPT),--gdb-script '$(GDB_SCRIPT)') --break '$(BREAK)' \
	    $(if $(ANY_KERNEL),--any-kernel)

# ---- tests -------------------------------------------------------------------------------
RUN_TESTS = $(PYTHON) scripts/run_tests.py --build $(BUILD) --jobs $(JOBS)

.PHONY: test unit check-ktest e2e
test:
	$(Q)bash scripts/deps.sh
	$(Q)$(SUBMAKE) all
	$(Q)$(SUBMAKE) -j$(NPROC) SANITIZE=1 ktest
	$(Q)$(RUN_TESTS) $(if $(JUNIT),--junit '$(JUNIT)')

# Host unit tests (cmocka); the compile rule is in scripts/run_tests.py (unit_command).
unit:
	$(Q)$(RUN_TESTS) --only unit

# The same devices as `make test` (KTEST_DEVICES=none: without them) and the same CMDLINE, so a
# failure's `make check-ktest ...` line reruns exactly that configuration.
KTEST_DEVICES ?=
check-ktest: $(BUILD)/ktest.elf
	$(Q)$(PYTHON) scripts/ktest_runner.py --elf $(BUILD)/ktest.elf --glob '$(GLOB)' --machine $(MACHINE) \
	    --smp $(SMP) --boot $(BOOT) --accel $(ACCEL) --mem $(MEM) --extra "$(QEMU_EXTRA)" \
	    --cmdline "$(CMDLINE)" $(if $(filter none,$(KTEST_DEVICES)),--no-devices) \
	    --log $(BUILD)/test-logs/check-ktest.serial.log

e2e: $(BUILD)/kernel.elf $(BUILD)/ktest.elf
	$(Q)$(RUN_TESTS) --only e2e

# A test's verdict must not depend on host speed: run LOAD_TARGET with every core kept busy
# (LOAD_SPINNERS busy loops) and more QEMUs than cores, LOAD_RUNS times (docs/testing.md).
# E.g. make test-loaded LOAD_TARGET=check-ktest GLOB='pci.*' LOAD_RUNS=20
NPROC        := $(shell nproc 2>/dev/null || echo 2)
LOAD_TARGET  ?= test
LOAD_RUNS    ?= 1
LOAD_SPINNERS ?= $(shell echo $$(($(NPROC) * 2)))
LOAD_JOBS    ?= $(shell echo $$(($(NPROC) + 2)))
LOAD_NICE    ?= 0
.PHONY: test-loaded
test-loaded:
	$(Q)bash scripts/load.sh -n $(LOAD_SPINNERS) -r $(LOAD_RUNS) -N $(LOAD_NICE) -k $(BUILD)/test-logs \
	    -o $(BUILD)/load-logs -- $(SUBMAKE) $(LOAD_TARGET) JOBS=$(LOAD_JOBS)

# ---- bench and trace (issue 15; docs/performance.md) ------------------------------------------
# make bench: deterministic instruction counts (-icount) and wall-clock figures, a table,
# $(BUILD)/bench/results.json and PNG plots (scripts/bench.py; BENCH_ARGS=--short for a quick one).
# make trace: boot with trace=on, run a short interrupt workload, export the per-CPU trace as
# Chrome trace-event JSON and histograms in $(BUILD)/trace/ (scripts/trace.py).
# BENCH_CFLAGS: extra compiler flags (bench.py builds a copy with -DIRQLAB_NO_TRACE).
BENCH_CFLAGS ?=
KERNEL_CFLAGS += $(BENCH_CFLAGS)
BENCH_ARGS ?=
TRACE_ARGS ?=
.PHONY: bench trace
bench:
	$(Q)bash scripts/deps.sh
	$(Q)$(SUBMAKE) all
	$(Q)IRQLAB_BUILD=$(abspath $(BUILD)) $(PYTHON) scripts/bench.py --build $(BUILD) $(BENCH_ARGS)

trace:
	$(Q)bash scripts/deps.sh
	$(Q)$(SUBMAKE) $(BUILD)/kernel.elf $(BUILD)/ktest.elf
	$(Q)IRQLAB_BUILD=$(abspath $(BUILD)) $(PYTHON) scripts/trace.py --build $(BUILD) --machine $(MACHINE) \
	    --smp $(SMP) $(TRACE_ARGS)

# ---- a new driver from scripts/driver_template (docs/tutorial-first-driver.md) ---------------
NAME   ?=
VENDOR ?= 0x1234
DEVICE ?= 0x11e8
.PHONY: new-driver
new-driver:
	$(Q)$(PYTHON) scripts/new_driver.py '$(NAME)' --vendor '$(VENDOR)' --device '$(DEVICE)'

# Course labs (labs/<lab>/, docs/labs/): build a scratch copy with the lab's driver and score it.
# make grade LAB=share-the-line grades labs/<lab>/skeleton/ (the student's work); SOLUTION=1 the
# reference solution. The copy and its build live in a temp dir; serial logs in $(BUILD)/grade-logs/.
# make grade-all LAB=<lab> SUBMISSIONS=<dir> grades a class (docs/labs/index.md "Grading a whole
# class"); make autograder LAB=<lab> packages the lab for Gradescope.
.PHONY: grade-all autograder classroom
grade-all:
	$(Q)$(PYTHON) scripts/grade_all.py '$(LAB)' '$(SUBMISSIONS)' $(if $(OUT),--out '$(OUT)') \
	    $(if $(filter command line environment,$(origin JOBS)),--jobs $(JOBS)) \
	    $(if $(GRADE_MACHINES),--machines $(GRADE_MACHINES)) $(if $(HIDDEN),--hidden '$(HIDDEN)') \
	    $(if $(filter 1,$(REGRADE)),--regrade)

classroom:
	$(Q)$(PYTHON) scripts/classroom.py '$(LAB)' '$(OUT)'

autograder:
	$(Q)$(PYTHON) scripts/autograder.py '$(LAB)' --out $(BUILD)/autograder $(if $(HIDDEN),--hidden '$(HIDDEN)') \
	    $(if $(GRADE_MACHINES),--machines $(GRADE_MACHINES))

.PHONY: grade
grade:
	$(Q)$(PYTHON) scripts/grade.py '$(LAB)' $(if $(filter 1,$(SOLUTION)),--solution) --boot $(BOOT) \
	    --logs $(BUILD)/grade-logs $(if $(GRADE_MACHINES),--machines $(GRADE_MACHINES)) \
	    $(if $(JUNIT),--junit '$(JUNIT)') $(if $(HIDDEN),--hidden '$(HIDDEN)')

# ---- static checks -------------------------------------------------------------------------
LINT_SOURCES := $(KERNEL_C) $(KTEST_C)
# FORMAT_FILES="a.c b.h" checks (or formats) only those, e.g. the files you changed.
FORMAT_FILES ?= $(shell find arch kernel drivers include tests -name '*.[ch]' 2>/dev/null | sort)
# crash_test.c dereferences NULL and divides by zero on purpose; the analyzer would only say so.
TIDY_EXCLUDE := tests/ktest/crash_test.c
# clang does not know every gcc flag; these are the ones that change how the code parses.
TIDY_FLAGS := --target=x86_64-unknown-none-elf -std=gnu11 -ffreestanding -mno-red-zone -fshort-wchar -I. -Iinclude \
    -DIRQLAB_VERSION='"lint"'

# cppcheck: errors, warnings, performance and portability findings fail the build; its "style"
# class (const-ness, unread variables, ...) is left out because it is mostly taste. Accepted
# findings and their reasons: scripts/cppcheck.supp. clang-tidy's checks: .clang-tidy.
.PHONY: lint format-check format
lint:
	$(call say,CPPCHECK,kernel)
	$(Q)cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,performance,portability \
	    --inline-suppr --suppressions-list=scripts/cppcheck.supp -I. -Iinclude \
	    -DIRQLAB_VERSION='"lint"' -D__x86_64__ -U IRQLAB_HOST_TEST $(LINT_SOURCES)
	$(call say,TIDY,kernel)
	$(Q)printf '%s\n' $(filter-out $(TIDY_EXCLUDE),$(LINT_SOURCES)) \
	    | xargs -P $(JOBS) -I{} clang-tidy --quiet --warnings-as-errors='*' {} -- $(TIDY_FLAGS) 2>&1 \
	    | grep -v -E '^[0-9]+ warnings? generated\.$$|^Suppressed [0-9]+ warnings|^Use -header-filter' ; \
	    exit $${PIPESTATUS[1]}

format-check:
	$(Q)clang-format --dry-run --Werror $(FORMAT_FILES)

format:
	$(Q)clang-format -i $(FORMAT_FILES)

# compile_commands.json for clangd/clang-tidy: bear watches a full rebuild in a scratch dir.
.PHONY: compile_commands.json
compile_commands.json:
	$(Q)rm -rf $(BUILD)/bear
	$(Q)bear --output $@ -- $(SUBMAKE) BUILD=$(BUILD)/bear kernel ktest
	$(Q)bear --append --output $@ -- $(PYTHON) scripts/run_tests.py --build $(BUILD)/bear --only unit --build-only

.PHONY: clean
clean:
	rm -rf $(BUILD)

# ---- help --------------------------------------------------------------------------------
.PHONY: help
help:
	@echo 'irqlab make targets:'
	@echo '  make / make all       build $(BUILD)/kernel.elf, $(BUILD)/ktest.elf and $(BUILD)/irqlab.iso'
	@echo '  make run              boot irqlab in QEMU, console on this terminal (Ctrl-A X or poweroff to leave)'
	@echo '  make qemu-gdb         boot paused with a gdb stub; this terminal is the guest console'
	@echo '  make gdb [BREAK=fn]   in a 2nd terminal: attach gdb to make qemu-gdb (alone: own QEMU,'
	@echo '                        then make console in a 2nd terminal types at the guest; docs/gdb.md)'
	@echo '  make record [REC=dir] run like make run, recorded (SMP=1; RR_MAX=256M caps the log)'
	@echo '  make replay [GDB=1|GDB_SCRIPT=f]  replay it exactly; GDB=1: under gdb, reverse-* work'
	@echo '  make test             everything: unit tests, in-guest ktests on the machine matrix, e2e tests,'
	@echo '                        the docs as written (docs/writing-docs.md); totals: $(BUILD)/test-summary.txt'
	@echo '  make unit             host unit tests only (tests/unit/test_*.c, cmocka)'
	@echo '  make ktest            build the test kernel $(BUILD)/ktest.elf'
	@echo '  make check-ktest GLOB=mm.*   run selected in-guest suites on MACHINE/SMP/BOOT'
	@echo '  make e2e              end-to-end tests only (tests/e2e/test_*.py)'
	@echo '  make bench [BENCH_ARGS=--short]   what an interrupt costs: table, $(BUILD)/bench/results.json, plots'
	@echo '  make trace [SMP=4]    per-CPU ISR/DPC trace of a short workload: Chrome JSON + histograms'
	@echo '  make SANITIZE=1 ktest  the test kernel with UBSan and -fstack-protector-strong, in $(BUILD)/san/'
	@echo '  make fuzz [FUZZ_SECONDS=60]   libFuzzer on the parsers and validators (tests/fuzz/)'
	@echo '  make test-loaded [LOAD_TARGET=test LOAD_RUNS=1]   the same with every core busy (host-speed check)'
	@echo '  make grade LAB=share-the-line [SOLUTION=1] [BOOT=uefi]   score a course lab (labs/, docs/labs/)'
	@echo '  make grade-all LAB=<lab> SUBMISSIONS=<dir>   grade a class: grades.csv, report.html [OUT= JOBS= HIDDEN= REGRADE=1]'
	@echo '  make autograder LAB=<lab>                    Gradescope autograder zip (build/autograder/)'
	@echo '  make classroom LAB=<lab> OUT=<dir>           starter repo with GitHub Actions / GitLab CI grading'
	@echo '  make run-ktest CMDLINE=ktest=...   boot the test kernel interactively'
	@echo '  make iso              build $(BUILD)/irqlab.iso (GRUB, Multiboot2) with CMDLINE'
	@echo '  make kernel           build $(BUILD)/kernel.elf only'
	@echo '  make lint             cppcheck + clang-tidy on the kernel sources (warnings are errors)'
	@echo '  make format-check     clang-format --dry-run against .clang-format;  make format fixes'
	@echo '  make compile_commands.json   for clangd and editors (uses bear)'
	@echo '  make new-driver NAME=foo VENDOR=0x1234 DEVICE=0x11e8   drivers/foo/foo.c from the template'
	@echo '  make deps             check (and as root install) the Debian packages'
	@echo '  make clean            remove $(BUILD)/'
	@echo 'variables (make VAR=value ...):'
	@echo '  MACHINE=pc|q35  SMP=1  BOOT=kernel|iso|uefi  ACCEL=tcg|kvm  MEM=256M  TIMEOUT=0 (s, run/gdb/qemu-gdb)'
	@echo '  BREAK=E1000Isr (gdb: break there and continue to it)'
	@echo '  CMDLINE="loglevel=debug ..."  QEMU_EXTRA="-device edu ..."  OPT=-Og (or -O0, -O2)'
	@echo '  NIC=e1000|e1000e|2xe1000|none|default (run/gdb: NICs with a host UDP port forwarded to the'
	@echo '      guest echo port 7, printed at start: nc -u 127.0.0.1 <port>; default = QEMU'"'"'s own NIC)'
	@echo '  HOTPLUG=N (q35: N PCIe root ports rp1..rpN to device_add e1000e/edu into; docs/hotplug.md)'
	@echo '  MONITOR=path (the QEMU monitor on a UNIX socket; default: Ctrl-A C on the console)'
	@echo '  GLOB="*" (check-ktest)  JOBS=2 (QEMUs at once in make test)  BUILD=build  V=1 (show commands)'
	@echo '  FORMAT_FILES="a.c b.h" (format-check / format: only these files)'
