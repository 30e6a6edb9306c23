# infer-kernels: make test | make bench | make plots | make gpu | make all | make clean
#
#   make test [ARGS='-tc=*sgemm*']  build and run every test (doctest), then the forced-ISA runs
#   make test SAN=1                 the same under AddressSanitizer + UBSan (build-san/)
#   make bench [FILTER=regex]       build and run the benchmark, print the summary table,
#                                   write build/bench/{results.json,summary.csv}
#   make plots                      PNG figures from build/bench/results.json into plots/
#   make gpu                        compile every .cu for sm_80 and sm_90 (needs nvcc)
#   DEPS=dir                        use dir/include and dir/lib for doctest / Google Benchmark
#                                   (machines without a package registry); skips the apt check
#
#   make copy-check                 copy each family as a user would (its folder and what its
#                                   manifest names) into an empty folder, build it there with
#                                   the manifest's flags only, run a smoke program (in make test)
#   make check-isa-symbols          inline/template code compiled with ISA flags must not also be
#                                   defined by an object with other flags (in make test)
#   make check-manifests            the manifests against the #include graph (in copy-check)
#   make copy-files|copy-commands FAMILY=gemm_f16   what to copy, and how to build the copy
#   make readme-manifests           rewrite the README's copy tables from the manifests
#
# ISA flags go on the one source file of that ISA, as its folder's build manifest lists them
# (common/manifest.mk, reference/manifest.mk, cpu/<family>/manifest.mk, bench/manifest.mk): the
# library itself is built for baseline x86-64 and picks a path at run time from CPUID, so it
# never dies with an illegal instruction. No flag comes from a file name.

CXX      ?= g++
SAN      ?= 0
DEPS     ?=
ARGS     ?=
FILTER   ?=

ifeq ($(SAN),1)
  BUILD    ?= build-san
  OPT      := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
  SAN_ENV  := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
else
  BUILD    ?= build
  OPT      := -O3
  SAN_ENV  :=
endif

CXXFLAGS_BASE := -std=c++17 $(OPT) -Wall -Wextra -fopenmp -I.
LDFLAGS_BASE  := -fopenmp $(filter -fsanitize%,$(OPT))
ifneq ($(DEPS),)
  CXXFLAGS_BASE += -I$(DEPS)/include
  LDFLAGS_BASE  += -L$(DEPS)/lib -Wl,-rpath,$(abspath $(DEPS))/lib
endif

# ---- build manifests ------------------------------------------------------------------------
# One per library folder, make syntax (the format: cpu/gemm_f32/manifest.mk). Each adds its name
# to IK_MANIFESTS and lists <name>_SRCS with <name>_FLAGS.<path below its folder> per source,
# <name>_HDRS, and what it needs from outside its folder (<name>_COMMON, _REFERENCE, _NEEDS).
IK_MANIFESTS :=
include common/manifest.mk reference/manifest.mk $(sort $(wildcard cpu/*/manifest.mk))
IK_LIB_MANIFESTS := $(IK_MANIFESTS)
-include bench/manifest.mk

# The manifest that lists each source, and its ISA flags (by path: $(call isa_flags,cpu/x/y.cpp)).
# A source of tests/ has none (tests are baseline code); any other unlisted source is an error.
$(foreach m,$(IK_MANIFESTS),$(foreach s,$($m_SRCS),\
  $(if $(IK_MANIFEST_OF.$s),$(error $s is listed by two manifests: $(IK_MANIFEST_OF.$s) and $m))\
  $(eval IK_MANIFEST_OF.$s := $m)))
ik_flags_key = $(IK_MANIFEST_OF.$1)_FLAGS.$(patsubst $($(IK_MANIFEST_OF.$1)_DIR)/%,%,$1)
isa_flags = $(if $(IK_MANIFEST_OF.$1),$($(ik_flags_key)),$(if $(filter tests/%,$1),,\
  $(error $1 is in no build manifest, so it has no ISA flags: list it in its folder's manifest.mk)))

# The manifests must describe the tree: every source listed (a source without a flags line is
# baseline x86-64 code; one that needs ISA flags and lacks them fails to compile, "target specific
# option mismatch"), no flags line for a file that is not listed, every cpu/ folder with a manifest.
IK_TREE_SRCS := $(wildcard common/*.cpp reference/*.cpp cpu/*/*.cpp \
  $(if $(filter bench,$(IK_MANIFESTS)),bench/*.cpp bench/cpu/*.cpp bench/baselines/*.cpp))
$(foreach s,$(filter-out $(foreach m,$(IK_MANIFESTS),$($m_SRCS)),$(IK_TREE_SRCS)),\
  $(error $s is not in $(dir $s)manifest.mk (add it to the _SRCS list, and a _FLAGS line if it needs ISA flags)))
$(foreach m,$(IK_MANIFESTS),$(foreach s,$($m_SRCS),\
  $(if $(wildcard $s),,$(error $($m_DIR)/manifest.mk lists $s, which does not exist))))
$(foreach m,$(IK_MANIFESTS),$(foreach v,$(filter $m_FLAGS.%,$(.VARIABLES)),\
  $(if $(filter $($m_DIR)/$(v:$m_FLAGS.%=%),$($m_SRCS)),,\
    $(error $($m_DIR)/manifest.mk: $v is set but $($m_DIR)/$(v:$m_FLAGS.%=%) is not in $m_SRCS))))
$(foreach d,$(filter-out $(foreach m,$(IK_MANIFESTS),$($m_DIR)/),$(sort $(dir $(wildcard cpu/*/*.cpp)))),\
  $(error $(d)manifest.mk is missing: every cpu/ folder has one (copy cpu/gemm_f32/manifest.mk)))

# The manifests in one normalized file, one entry a line, for the tools (check_manifests.py,
# copy_check.sh): "<name> dir|src|hdr|uses|needs <path or name> [ISA flags of a src]".
define IK_NL


endef
IK_DUMP      := $(BUILD)/manifests.txt
IK_DUMP_TEXT  = $(foreach m,$(IK_MANIFESTS),$m dir $($m_DIR)$(IK_NL)\
  $(foreach s,$($m_SRCS),$m src $s $(call isa_flags,$s)$(IK_NL))\
  $(foreach h,$($m_HDRS),$m hdr $h$(IK_NL))\
  $(foreach u,$($m_COMMON) $($m_REFERENCE),$m uses $u$(IK_NL))\
  $(foreach n,$($m_NEEDS),$m needs $n$(IK_NL)))

# cblas_sgemm.cpp exports cblas_sgemm: its own library, linked only by who asks for it.
CBLAS_SRCS := $(gemm_f32_CBLAS_SRCS)
# (In the order the old wildcard gave: the archive's member order, and so the link, is unchanged.)
LIB_SRCS   := $(filter-out $(CBLAS_SRCS),$(sort $(common_SRCS)) $(sort $(reference_SRCS)) \
                $(sort $(foreach m,$(filter-out common reference,$(IK_LIB_MANIFESTS)),$($m_SRCS))))
TEST_SRCS  := $(wildcard tests/*.cpp tests/cpu/*.cpp)

obj = $(patsubst %.cpp,$(BUILD)/obj/%.o,$1)
LIB        := $(BUILD)/libik.a
CBLAS_LIB  := $(BUILD)/libik_cblas.a
TEST_BIN   := $(BUILD)/ik_tests

.PHONY: all test test-build bench plots gpu clean deps-test deps-bench deps-plots \
        manifest-dump check-manifests copy-check check-isa-symbols ik-force copy-files \
        copy-commands readme-manifests
.DEFAULT_GOAL := all

all: $(LIB) $(CBLAS_LIB)

$(BUILD)/obj/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS_BASE) $(call isa_flags,$<) -MMD -MP -c $< -o $@

# A manifest edit (flags above all) rebuilds the objects of its folder.
$(foreach m,$(IK_LIB_MANIFESTS),$(eval $(call obj,$($m_SRCS)): $($m_DIR)/manifest.mk))

$(LIB): $(call obj,$(LIB_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(CBLAS_LIB): $(call obj,$(CBLAS_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(TEST_BIN): $(call obj,$(TEST_SRCS)) $(CBLAS_LIB) $(LIB)
	$(CXX) $(call obj,$(TEST_SRCS)) $(CBLAS_LIB) $(LIB) $(LDFLAGS_BASE) -o $@

deps-test:
	@DEPS='$(DEPS)' ./tools/ensure_deps.sh test
deps-bench:
	@DEPS='$(DEPS)' ./tools/ensure_deps.sh bench
deps-plots:
	@DEPS='$(DEPS)' ./tools/ensure_deps.sh plots

test-build: $(TEST_BIN)

# Before the tests: the ISA symbol check and (without ARGS) copy-check. After them, the forced-ISA
# runs prove that IK_ISA picks the variant that then runs (see tests/cpu/test_dispatch.cpp).
test: deps-test
	@$(MAKE) --no-print-directory test-build
ifeq ($(ARGS),)
	@$(MAKE) --no-print-directory check-isa-symbols copy-check
else
	@$(MAKE) --no-print-directory check-isa-symbols
	@echo "== copy-check: skipped (ARGS is set; make copy-check runs it)"
endif
	@echo "== $(TEST_BIN) $(ARGS)"
	$(SAN_ENV) $(TEST_BIN) $(ARGS)
ifeq ($(ARGS),)
	@for isa in scalar avx2 avx512; do \
	  echo "== IK_ISA=$$isa: dispatch check"; \
	  IK_ISA=$$isa $(SAN_ENV) $(TEST_BIN) -tc='*IK_ISA*' || exit 1; \
	done
endif
	@$(MAKE) --no-print-directory gpu-test

# Rewritten only when a manifest changed what it says.
$(IK_DUMP): ik-force
	$(shell mkdir -p $(dir $@))$(file >$@.new,$(IK_DUMP_TEXT))
	@cmp -s $@.new $@ && rm -f $@.new || mv -f $@.new $@

manifest-dump: $(IK_DUMP)
	@echo "$(IK_DUMP): $(words $(IK_MANIFESTS)) manifests"

# The manifests against the #include graph (every file a family reaches is listed), and the
# README's copy tables against the manifests.
check-manifests: $(IK_DUMP)
	@echo "== manifests vs #include graph, README copy tables vs manifests"
	@if command -v python3 >/dev/null; then python3 tools/check_manifests.py $(IK_DUMP) && \
	  python3 tools/manifest_readme.py $(IK_DUMP) README.md --check; \
	else echo "check-manifests: skipped: python3 not found"; fi

# The README's copy tables (between the copy-tables markers), from the manifests.
readme-manifests: $(IK_DUMP)
	python3 tools/manifest_readme.py $(IK_DUMP) README.md

# ---- make copy-check ----------------------------------------------------------------------
# Each family (and reference/) copied on its own into an empty folder, as the README says, built
# there with `-std=c++17 $(COPY_CHECK_OPT) -fopenmp -I.` plus each file's manifest flags, and its
# smoke program (tools/copy_check/smoke_<family>.cpp) linked and run: tools/copy_check.sh.
# -O0: the check is about what to copy and which flags, not speed (-O2: 1.6x the compile time).
COPY_CHECK_OPT      ?= -O0
# Objects by preprocessed text + compiler + flags: the common/ files all families copy compile
# once, and a rerun with nothing changed only preprocesses. COPY_CHECK_CACHE= turns it off.
COPY_CHECK_CACHE    ?= $(BUILD)/copy-check-cache
COPY_CHECK_FAMILIES := $(filter-out common bench,$(IK_MANIFESTS))
COPY_CHECK_TARGETS  := $(addprefix copy-check-,$(COPY_CHECK_FAMILIES))
.PHONY: $(COPY_CHECK_TARGETS)

copy-check: check-manifests $(COPY_CHECK_TARGETS)
	@echo "copy-check: ok: $(COPY_CHECK_FAMILIES)"

$(COPY_CHECK_TARGETS): copy-check-%: $(IK_DUMP)
	@CXX='$(CXX)' COPY_CHECK_OPT='$(COPY_CHECK_OPT)' COPY_CHECK_CACHE='$(COPY_CHECK_CACHE)' \
	  ./tools/copy_check.sh $* $(IK_DUMP) $(BUILD)/obj

# The README's copy recipe: the files to copy for FAMILY (its folder, the folders of the families
# it needs, the files their manifests name), and the commands that build them there (each file
# with its own flags; cblas_sgemm.cpp into its own archive, as here).
ik_closure_ = $(if $1,$(call ik_closure_,$(filter-out $2 $1,$(sort $(foreach f,$1,$($f_NEEDS)))),$(sort $2 $1)),$2)
ik_closure  = $(call ik_closure_,$1,)
COPY_CXXFLAGS ?= -std=c++17 -O3 -fopenmp -I.
ik_copy_srcs  = $(foreach f,$(call ik_closure,$1),$($f_SRCS) $(filter %.cpp,$($f_COMMON) $($f_REFERENCE)))

copy-files:
	$(if $(filter $(FAMILY),$(COPY_CHECK_FAMILIES)),,$(error FAMILY=$(FAMILY): one of $(COPY_CHECK_FAMILIES)))
	@printf '%s\n' $(sort $(foreach f,$(call ik_closure,$(FAMILY)),\
	  $(shell find $($f_DIR) -type f) $($f_COMMON) $($f_REFERENCE)))

copy-commands:
	$(if $(filter $(FAMILY),$(COPY_CHECK_FAMILIES)),,$(error FAMILY=$(FAMILY): one of $(COPY_CHECK_FAMILIES)))
	@$(foreach s,$(sort $(call ik_copy_srcs,$(FAMILY))),\
	  echo '$(strip $(CXX) $(COPY_CXXFLAGS) $(call isa_flags,$s) -c $s -o $(s:.cpp=.o))';)
	@echo 'ar rcs libik_$(FAMILY).a $(patsubst %.cpp,%.o,$(sort $(filter-out $(CBLAS_SRCS),$(call ik_copy_srcs,$(FAMILY)))))'
	$(if $(filter $(CBLAS_SRCS),$(call ik_copy_srcs,$(FAMILY))),@echo 'ar rcs libik_cblas.a $(patsubst %.cpp,%.o,$(filter $(CBLAS_SRCS),$(call ik_copy_srcs,$(FAMILY))))')

# ---- make check-isa-symbols ---------------------------------------------------------------
# Every object of the libraries and the tests, with its ISA flags, for tools/check_isa_symbols.sh
# (known offenders: tools/isa_symbols_known.txt).
IK_ISA_OBJECTS := $(BUILD)/isa_objects.txt

check-isa-symbols: $(LIB) $(CBLAS_LIB) $(call obj,$(TEST_SRCS))
	$(file >$(IK_ISA_OBJECTS),$(foreach s,$(LIB_SRCS) $(CBLAS_SRCS) $(TEST_SRCS),$(call obj,$s) $s $(call isa_flags,$s)$(IK_NL)))
	@echo "== ISA symbol check"
	@./tools/check_isa_symbols.sh --self-test
	@./tools/check_isa_symbols.sh $(IK_ISA_OBJECTS)

ik-force:

clean:
	rm -rf build build-san

-include bench/bench.mk
-include gpu/gpu.mk

# Without gpu/gpu.mk there is no CUDA code to build yet.
ifndef IK_GPU_MK
gpu:
	@echo "gpu: no CUDA sources in this checkout"
gpu-test:
	@true
endif

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
