# irqlab - build, run, debug and test.       `make help` lists every target and variable.
#
# Sources are found by wildcard: a new .c file under arch/, kernel/ or drivers/ (or a new
# .asm under boot/ or arch/) is built into the kernel with no edit here; a new .c under
# tests/ktest/ goes into the test kernel build/ktest.elf.

.DEFAULT_GOAL := all
SHELL := /bin/bash

# ---- user-facing variables --------------------------------------------------------------
BUILD      ?= build
MACHINE    ?= pc          # pc | q35
SMP        ?= 1           # number of CPUs
BOOT       ?= kernel      # kernel (qemu -kernel, PVH) | iso (GRUB, Multiboot2)
ACCEL      ?= tcg         # tcg | kvm
MEM        ?= 256M
CMDLINE    ?=
QEMU_EXTRA ?=
OPT        ?= -Og
TIMEOUT    ?= 0           # make run: seconds before QEMU is killed (0 = never)

MACHINE := $(strip $(MACHINE))
SMP     := $(strip $(SMP))
BOOT    := $(strip $(BOOT))
ACCEL   := $(strip $(ACCEL))
TIMEOUT := $(strip $(TIMEOUT))

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
    -Wno-unused-parameter -I. -Iinclude \
    -DIRQLAB_VERSION='"$(VERSION) ($(GIT_REV))"' -MMD -MP
NASMFLAGS := -f elf64 -g -F dwarf -w+all
LDFLAGS   := -nostdlib -static -z max-page-size=0x1000 -z noexecstack -T linker.ld

# ---- sources -----------------------------------------------------------------------------
KERNEL_C   := $(shell find arch kernel drivers -name '*.c' 2>/dev/null | sort)
KERNEL_ASM := $(shell find boot arch -name '*.asm' 2>/dev/null | sort)
KTEST_C    := $(shell find tests/ktest -name '*.c' 2>/dev/null | sort)

OBJ := $(BUILD)/obj
KERNEL_OBJS := $(KERNEL_C:%.c=$(OBJ)/%.o) $(KERNEL_ASM:%.asm=$(OBJ)/%.asm.o)
KTEST_OBJS  := $(KTEST_C:%.c=$(OBJ)/%.o)

-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)

$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(OBJ)/%.asm.o: %.asm
	@mkdir -p $(dir $@)
	$(NASM) $(NASMFLAGS) $< -o $@

# ---- linking with a symbol table (two passes) ----------------------------------------------
# Pass 1 links with an empty .ksyms; scripts/gen_ksyms.py turns `nm` of that into a C table;
# pass 2 links the table in. .ksyms is the last section, so no other address moves, and
# gen_ksyms.py --check proves it.
$(OBJ)/ksyms_empty.c:
	@mkdir -p $(dir $@)
	$(PYTHON) scripts/gen_ksyms.py --empty -o $@

# $(call link_kernel,output,objects)
define link_kernel
	$(CC) $(KERNEL_CFLAGS) -c $(OBJ)/ksyms_empty.c -o $(OBJ)/ksyms_empty.o
	$(LD) $(LDFLAGS) -o $(1).pass1 $(2) $(OBJ)/ksyms_empty.o
	nm -n -S $(1).pass1 | $(PYTHON) scripts/gen_ksyms.py -o $(1).ksyms.c
	$(CC) $(KERNEL_CFLAGS) -c $(1).ksyms.c -o $(1).ksyms.o
	$(LD) $(LDFLAGS) -o $(1) $(2) $(1).ksyms.o
	$(PYTHON) scripts/gen_ksyms.py --check $(1).pass1 $(1)
	grub-file --is-x86-multiboot2 $(1)
endef

$(BUILD)/kernel.elf: $(KERNEL_OBJS) $(OBJ)/ksyms_empty.c linker.ld scripts/gen_ksyms.py
	$(call link_kernel,$@,$(KERNEL_OBJS))

$(BUILD)/ktest.elf: $(KERNEL_OBJS) $(KTEST_OBJS) $(OBJ)/ksyms_empty.c linker.ld scripts/gen_ksyms.py
	$(call link_kernel,$@,$(KERNEL_OBJS) $(KTEST_OBJS))

# ---- GRUB ISOs ---------------------------------------------------------------------------
# $(call make_iso,elf,iso,cmdline)
define make_iso
	rm -rf $(2).d && mkdir -p $(2).d/boot/grub
	cp $(1) $(2).d/boot/kernel.elf
	sed 's|@CMDLINE@|$(3)|' boot/grub.cfg > $(2).d/boot/grub/grub.cfg
	grub-mkrescue -o $(2) $(2).d 2>/dev/null || grub-mkrescue -o $(2) $(2).d
endef

$(BUILD)/irqlab.iso: $(BUILD)/kernel.elf boot/grub.cfg
	$(call make_iso,$<,$@,$(CMDLINE))

$(BUILD)/ktest.iso: $(BUILD)/ktest.elf boot/grub.cfg
	$(call make_iso,$<,$@,$(CMDLINE))

.PHONY: all kernel ktest iso
all: $(BUILD)/kernel.elf $(BUILD)/ktest.elf $(BUILD)/irqlab.iso
kernel: $(BUILD)/kernel.elf
ktest: $(BUILD)/ktest.elf
iso: $(BUILD)/irqlab.iso

# ---- running ----------------------------------------------------------------------------
QEMU_ARGS = --machine $(MACHINE) --smp $(SMP) --boot $(BOOT) --accel $(ACCEL) --mem $(MEM) \
            --timeout $(TIMEOUT) --cmdline "$(CMDLINE)" --extra "$(QEMU_EXTRA)"

.PHONY: deps run run-ktest
deps:
	@bash scripts/deps.sh

run: deps $(BUILD)/kernel.elf $(if $(filter iso,$(BOOT)),$(BUILD)/irqlab.iso)
	$(PYTHON) scripts/qemu.py run $(QEMU_ARGS) --elf $(BUILD)/kernel.elf --iso $(BUILD)/irqlab.iso

# Run the test kernel by hand: make run-ktest CMDLINE='ktest=*'
run-ktest: $(BUILD)/ktest.elf $(if $(filter iso,$(BOOT)),$(BUILD)/ktest.iso)
	$(PYTHON) scripts/qemu.py run $(QEMU_ARGS) --elf $(BUILD)/ktest.elf --iso $(BUILD)/ktest.iso

.PHONY: clean
clean:
	rm -rf $(BUILD)
