# gpu/gpu.mk: the CUDA part of the build, included by the top-level Makefile.
#
#   make gpu          compile every gpu/**/*.cu for sm_80 and sm_90 (SASS + PTX for each), warnings
#                     are errors; ptxas -v (registers, spills) goes to $(BUILD)/gpu/log/*.ptxas.log,
#                     PTX for the instruction check to $(BUILD)/gpu/ptx/*.sm{80,90}.ptx
#   make gpu-test     build and run $(BUILD)/gpu/ik_gpu_tests (device tests print
#                     "skipped: no CUDA device" without a GPU; host tests always run), then
#                     tools/check_gpu_instructions.sh (its --self-test first, to prove it can fail)
#   make bench-gpu    build and run $(BUILD)/gpu/ik_bench_gpu (Google Benchmark, CUDA events);
#                     FILTER=regex, JSON to $(BUILD)/bench/gpu_results.json; cuBLAS/cuBLASLt are
#                     linked into the benchmark only, when found
#   make bench-gpu-build   build it only
#
# Without nvcc every GPU target prints "skipped: nvcc not found" and succeeds.
# SAN=1: the GPU tests are built and run WITHOUT sanitizers (their host objects are compiled here
# with their own flags): nvcc-generated host code and the CUDA runtime under ASan are fragile, and
# ASan needs protect_shadow_gap=0 to coexist with the driver. The message says so.

IK_GPU_MK := 1

NVCC ?= $(or $(shell command -v nvcc 2>/dev/null),$(wildcard /usr/local/cuda/bin/nvcc))

GPU_OUT        := $(BUILD)/gpu
GPU_LIB        := $(GPU_OUT)/libik_gpu.a
GPU_TEST_BIN   := $(GPU_OUT)/ik_gpu_tests
GPU_BENCH_BIN  := $(GPU_OUT)/ik_bench_gpu
GPU_ARGS       ?= $(ARGS)

# Real SASS for sm_80 and sm_90 plus PTX for each (JIT for later cards). Quoted: [..] is a glob.
GPU_ARCH := -gencode 'arch=compute_80,code=[sm_80,compute_80]' \
            -gencode 'arch=compute_90,code=[sm_90,compute_90]'
GPU_INC  := -I. $(if $(DEPS),-I$(DEPS)/include)
# -Werror all-warnings covers nvcc, cudafe and ptxas; the host compiler gets -Wall -Wextra -Werror.
GPU_NVCCFLAGS := -std=c++17 -O3 -lineinfo $(GPU_INC) -Werror all-warnings \
                 -Xcompiler -Wall,-Wextra,-Werror
GPU_HOSTFLAGS := -std=c++17 -O2 -Wall -Wextra -fopenmp $(GPU_INC)

GPU_SRCS      := $(sort $(shell find gpu -name '*.cu' 2>/dev/null))
GPU_OBJS      := $(patsubst %.cu,$(GPU_OUT)/obj/%.o,$(GPU_SRCS))
GPU_PTX       := $(patsubst %.cu,$(GPU_OUT)/ptx/%.sm80.ptx,$(GPU_SRCS)) \
                 $(patsubst %.cu,$(GPU_OUT)/ptx/%.sm90.ptx,$(GPU_SRCS))
GPU_TEST_SRCS := $(sort $(wildcard tests/gpu/*.cu))
GPU_TEST_OBJS := $(patsubst %.cu,$(GPU_OUT)/obj/%.o,$(GPU_TEST_SRCS))
# The few host sources the GPU tests need, compiled here without sanitizer flags so that the GPU
# test binary does not depend on the rest of libik.a building (or on SAN=1).
GPU_HOST_SRCS := tests/test_main.cpp common/cpu_features.cpp reference/gemm_f32.cpp
GPU_HOST_OBJS := $(patsubst %.cpp,$(GPU_OUT)/host/%.o,$(GPU_HOST_SRCS))
GPU_BENCH_SRCS := $(sort $(wildcard bench/gpu/*.cu))
GPU_BENCH_OBJS := $(patsubst %.cu,$(GPU_OUT)/obj/%.o,$(GPU_BENCH_SRCS))

# cuBLAS / cuBLASLt: an optional baseline for bench/gpu only, never linked into kernels or tests.
GPU_CUDA_HOME := $(patsubst %/bin/nvcc,%,$(realpath $(NVCC)))
GPU_CUBLAS    := $(if $(wildcard $(GPU_CUDA_HOME)/include/cublasLt.h $(GPU_CUDA_HOME)/targets/*/include/cublasLt.h),1,)
GPU_BENCH_DEFS := $(if $(GPU_CUBLAS),-DIK_HAVE_CUBLAS=1)
GPU_BENCH_LIBS := $(if $(GPU_CUBLAS),-lcublasLt -lcublas) -lbenchmark -lpthread \
                  $(if $(DEPS),-L$(DEPS)/lib -Xlinker -rpath -Xlinker $(abspath $(DEPS))/lib)

.PHONY: gpu gpu-test gpu-test-build bench-gpu bench-gpu-build

ifeq ($(NVCC),)

gpu gpu-test gpu-test-build bench-gpu bench-gpu-build:
	@echo "$@: skipped: nvcc not found"

else

gpu: $(GPU_LIB) $(GPU_PTX)
	@./tools/check_gpu_instructions.sh --summary $(GPU_OUT)

# One object per .cu; ptxas -v goes to the log (kept), warnings fail the build (and are shown).
$(GPU_OUT)/obj/%.o: %.cu
	@mkdir -p $(dir $@) $(dir $(GPU_OUT)/log/$*)
	@echo "nvcc $<"
	@$(NVCC) $(GPU_NVCCFLAGS) $(GPU_ARCH) $(if $(filter bench/%,$<),$(GPU_BENCH_DEFS)) \
	  -Xptxas -v -MMD -MP -c $< -o $@ 2> $(GPU_OUT)/log/$*.ptxas.log \
	  || { cat $(GPU_OUT)/log/$*.ptxas.log; rm -f $@; exit 1; }
	@if grep -i 'warning' $(GPU_OUT)/log/$*.ptxas.log; then \
	  echo "error: $< compiled with warnings (see above)"; rm -f $@; exit 1; fi

# PTX for the instruction check (tools/check_gpu_instructions.sh), one file per virtual arch.
# It depends on the object too, whose .d file tracks the headers, so a header edit refreshes it.
$(GPU_OUT)/ptx/%.sm80.ptx: %.cu $(GPU_OUT)/obj/%.o
	@mkdir -p $(dir $@)
	@$(NVCC) -std=c++17 -O3 $(GPU_INC) -arch=compute_80 --ptx $< -o $@
$(GPU_OUT)/ptx/%.sm90.ptx: %.cu $(GPU_OUT)/obj/%.o
	@mkdir -p $(dir $@)
	@$(NVCC) -std=c++17 -O3 $(GPU_INC) -arch=compute_90 --ptx $< -o $@

$(GPU_LIB): $(GPU_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@ && ar rcs $@ $^

$(GPU_OUT)/host/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(GPU_HOSTFLAGS) -MMD -MP -c $< -o $@

$(GPU_TEST_BIN): $(GPU_TEST_OBJS) $(GPU_HOST_OBJS) $(GPU_LIB)
	$(NVCC) $(GPU_TEST_OBJS) $(GPU_HOST_OBJS) $(GPU_LIB) -Xcompiler -fopenmp -o $@

gpu-test-build: $(GPU_TEST_BIN) $(GPU_PTX)

gpu-test: deps-test
	@$(MAKE) --no-print-directory gpu-test-build
ifeq ($(SAN),1)
	@echo "gpu-test: SAN=1: the GPU tests run without sanitizers (nvcc host code and the CUDA runtime under ASan are fragile)"
endif
	@echo "== $(GPU_TEST_BIN) $(GPU_ARGS)"
	$(GPU_TEST_BIN) $(GPU_ARGS)
	@echo "== instruction check: self-test (must detect a missing instruction and a spill)"
	./tools/check_gpu_instructions.sh --self-test $(GPU_OUT)
	@echo "== instruction check"
	./tools/check_gpu_instructions.sh $(GPU_OUT)

$(GPU_BENCH_BIN): $(GPU_BENCH_OBJS) $(GPU_LIB)
	$(NVCC) $(GPU_BENCH_OBJS) $(GPU_LIB) $(GPU_BENCH_LIBS) -o $@

bench-gpu-build: $(GPU_BENCH_BIN)

bench-gpu: deps-bench
	@$(MAKE) --no-print-directory bench-gpu-build
	@mkdir -p $(BUILD)/bench
	$(GPU_BENCH_BIN) $(if $(FILTER),--benchmark_filter='$(FILTER)') \
	  --benchmark_out=$(BUILD)/bench/gpu_results.json --benchmark_out_format=json

-include $(shell find $(GPU_OUT) -name '*.d' 2>/dev/null)

endif
