# Build manifest of bench/ (the Google Benchmark harness, not a library: nothing here is copied
# into a project): every C++ source with its ISA flags, read by bench/bench.mk, so that no file
# gets flags from its name. The format is that of cpu/<family>/manifest.mk; the keys of
# bench_FLAGS are paths below bench/. bench/gpu/*.cu is built by gpu/gpu.mk.
IK_MANIFESTS += bench
bench_DIR := bench

# In link order (Google Benchmark registers, and so runs, the benchmarks in it).
bench_SRCS := $(addprefix bench/, \
  bench_common.cpp bench_main.cpp cpu/bench_binary.cpp cpu/conv_baseline.cpp cpu/bench_gemm_bf16.cpp \
  cpu/bench_gemm_f16.cpp cpu/bench_gemm_f32.cpp cpu/bench_gemm_s8.cpp cpu/bench_peak.cpp \
  cpu/bench_sparse.cpp cpu/bench_sparse_eigen_avx512.cpp cpu/peak_fma_avx2.cpp \
  cpu/peak_fma_avx512.cpp baselines/onednn_bf16.cpp baselines/onednn_s8.cpp \
  baselines/onednn_sgemm.cpp baselines/openblas_sgemm.cpp)

bench_FLAGS.cpu/bench_sparse_eigen_avx512.cpp := $(IK_FLAGS_AVX512)
bench_FLAGS.cpu/peak_fma_avx2.cpp             := $(IK_FLAGS_AVX2)
bench_FLAGS.cpu/peak_fma_avx512.cpp           := $(IK_FLAGS_AVX512)

bench_HDRS := $(addprefix bench/, \
  bench_common.h shapes.h baselines/onednn_common.h cpu/conv_baseline.h cpu/packed_gemm_bench.h \
  cpu/peak_fma.h)

bench_COMMON := \
  common/aligned_buffer.h \
  common/blas_types.h \
  common/cpu_features.cpp \
  common/cpu_features.h \
  common/error.h \
  common/gemm_driver.h \
  common/half.h \
  common/matrix.h \
  common/random.h

bench_REFERENCE :=
bench_NEEDS     := binary gemm_bf16 gemm_f16 gemm_f32 gemm_s8 sparse_24 sparse_csr
