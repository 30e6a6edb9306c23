# Build manifest of cpu/gemm_f32/: what to copy and how to compile it (README: "Copying one kernel").
# Read by the Makefile (libik.a is built from the manifests) and by `make copy-check`; the
# format, and the flag bundles and common files named below, are in common/manifest.mk.
IK_MANIFESTS += gemm_f32
gemm_f32_DIR := cpu/gemm_f32

gemm_f32_SRCS := $(addprefix cpu/gemm_f32/, \
  gemm_f32.cpp sgemm_ladder.cpp sgemm_ukernel_scalar.cpp sgemm_ukernel_avx2.cpp \
  sgemm_ukernel_avx512.cpp cblas_sgemm.cpp)

gemm_f32_FLAGS.sgemm_ukernel_avx2.cpp   := $(IK_FLAGS_AVX2)
gemm_f32_FLAGS.sgemm_ukernel_avx512.cpp := $(IK_FLAGS_AVX512)
gemm_f32_HDRS := $(addprefix cpu/gemm_f32/,gemm_f32.h sgemm_internal.h)

gemm_f32_COMMON := $(IK_COMMON_CORE) \
  common/blas_types.h \
  common/gemm_driver.h

gemm_f32_REFERENCE :=
gemm_f32_NEEDS     :=

# Of the sources above, these go into build/libik_cblas.a instead of libik.a: cblas_sgemm.cpp
# exports a cblas_sgemm, so only a program that wants this sgemm in place of a BLAS links it.
gemm_f32_CBLAS_SRCS := cpu/gemm_f32/cblas_sgemm.cpp
