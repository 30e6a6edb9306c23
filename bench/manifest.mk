# Build manifest of bench/ (the Google Benchmark harness, not a library: nothing here is copied
# into a project): every C++ source with its ISA flags, read by bench/bench.mk, so that no file
# gets flags from its name. The format is that of cpu/<family>/manifest.mk; the keys of
# bench_FLAGS are paths below bench/. bench/gpu/*.cu is built by gpu/gpu.mk.
IK_MANIFESTS += bench
bench_DIR := bench

# In link order (Google Benchmark registers, and so runs, the benchmarks in it).
bench_SRCS := \
  bench/bench_common.cpp \
  bench/bench_main.cpp \
  bench/cpu/bench_binary.cpp \
  bench/cpu/conv_baseline.cpp \
  bench/cpu/bench_gemm_bf16.cpp \
  bench/cpu/bench_gemm_f16.cpp \
  bench/cpu/bench_gemm_f32.cpp \
  bench/cpu/bench_gemm_s8.cpp \
  bench/cpu/bench_peak.cpp \
  bench/cpu/bench_sparse.cpp \
  bench/cpu/bench_sparse_eigen_avx512.cpp \
  bench/cpu/peak_fma_avx2.cpp \
  bench/cpu/peak_fma_avx512.cpp \
  bench/baselines/onednn_bf16.cpp \
  bench/baselines/onednn_s8.cpp \
  bench/baselines/onednn_sgemm.cpp \
  bench/baselines/openblas_sgemm.cpp

bench_FLAGS.bench_common.cpp                  :=
bench_FLAGS.bench_main.cpp                    :=
bench_FLAGS.baselines/onednn_bf16.cpp         :=
bench_FLAGS.baselines/onednn_s8.cpp           :=
bench_FLAGS.baselines/onednn_sgemm.cpp        :=
bench_FLAGS.baselines/openblas_sgemm.cpp      :=
bench_FLAGS.cpu/bench_binary.cpp              :=
bench_FLAGS.cpu/conv_baseline.cpp             :=
bench_FLAGS.cpu/bench_gemm_bf16.cpp           :=
bench_FLAGS.cpu/bench_gemm_f16.cpp            :=
bench_FLAGS.cpu/bench_gemm_f32.cpp            :=
bench_FLAGS.cpu/bench_gemm_s8.cpp             :=
bench_FLAGS.cpu/bench_peak.cpp                :=
bench_FLAGS.cpu/bench_sparse.cpp              :=
bench_FLAGS.cpu/bench_sparse_eigen_avx512.cpp := -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512dq
bench_FLAGS.cpu/peak_fma_avx2.cpp             := -mavx2 -mfma -mf16c
bench_FLAGS.cpu/peak_fma_avx512.cpp           := -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512dq

bench_HDRS := \
  bench/bench_common.h \
  bench/shapes.h \
  bench/baselines/onednn_common.h \
  bench/cpu/conv_baseline.h \
  bench/cpu/packed_gemm_bench.h \
  bench/cpu/peak_fma.h

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
