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
# ISA flags go on the one source file of that ISA, chosen by its name (foo_avx2.cpp,
# foo_avx512.cpp, foo_avx512vnni.cpp ...): the library itself is built for baseline x86-64
# and picks a path at run time from CPUID, so it never dies with an illegal instruction.

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

AVX2_FLAGS   := -mavx2 -mfma -mf16c
AVX512_FLAGS := $(AVX2_FLAGS) -mavx512f -mavx512bw -mavx512vl -mavx512dq
# Per-file ISA flags from the file name; the extensions ride on the avx512 bundle (and AVX-VNNI,
# foo_avx2vnni.cpp, on the avx2 one).
isa_flags = $(strip \
  $(if $(findstring _avx512,$1),$(AVX512_FLAGS) \
      $(if $(findstring vnni,$1),-mavx512vnni) \
      $(if $(findstring bf16,$1),-mavx512bf16) \
      $(if $(findstring vpopcnt,$1),-mavx512vpopcntdq -mavx512bitalg), \
    $(if $(findstring _avx2,$1),$(AVX2_FLAGS) $(if $(findstring vnni,$1),-mavxvnni))))

LIB_SRCS   := $(filter-out %/cblas_sgemm.cpp,$(wildcard common/*.cpp reference/*.cpp cpu/*/*.cpp))
CBLAS_SRCS := $(wildcard cpu/gemm_f32/cblas_sgemm.cpp)
TEST_SRCS  := $(wildcard tests/*.cpp tests/cpu/*.cpp)

obj = $(patsubst %.cpp,$(BUILD)/obj/%.o,$1)
LIB        := $(BUILD)/libik.a
CBLAS_LIB  := $(BUILD)/libik_cblas.a
TEST_BIN   := $(BUILD)/ik_tests

.PHONY: all test test-build bench plots gpu clean deps-test deps-bench deps-plots
.DEFAULT_GOAL := all

all: $(LIB) $(CBLAS_LIB)

$(BUILD)/obj/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS_BASE) $(call isa_flags,$(notdir $<)) -MMD -MP -c $< -o $@

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

# The forced-ISA runs prove that IK_ISA picks the variant that then runs (see tests/cpu/test_dispatch.cpp).
test: deps-test
	@$(MAKE) --no-print-directory test-build
	@echo "== $(TEST_BIN) $(ARGS)"
	$(SAN_ENV) $(TEST_BIN) $(ARGS)
ifeq ($(ARGS),)
	@for isa in scalar avx2 avx512; do \
	  echo "== IK_ISA=$$isa: dispatch check"; \
	  IK_ISA=$$isa $(SAN_ENV) $(TEST_BIN) -tc='*IK_ISA*' || exit 1; \
	done
endif
	@$(MAKE) --no-print-directory gpu-test

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
