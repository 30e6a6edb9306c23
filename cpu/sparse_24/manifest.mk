# Build manifest of cpu/sparse_24/: what to copy and how to compile it (README: "Copying one kernel").
# Read by the Makefile (libik.a is built from the manifests) and by `make copy-check`; the
# format, and the flag bundles and common files named below, are in common/manifest.mk.
IK_MANIFESTS += sparse_24
sparse_24_DIR := cpu/sparse_24

sparse_24_SRCS := $(addprefix cpu/sparse_24/, \
  sparse_24.cpp gemm_sp24_scalar.cpp gemm_sp24_avx2.cpp gemm_sp24_avx512.cpp)

sparse_24_FLAGS.gemm_sp24_avx2.cpp   := $(IK_FLAGS_AVX2)
sparse_24_FLAGS.gemm_sp24_avx512.cpp := $(IK_FLAGS_AVX512)

sparse_24_HDRS := $(addprefix cpu/sparse_24/,sparse_24.h sparse_24_internal.h)

sparse_24_COMMON := $(IK_COMMON_CORE)

sparse_24_REFERENCE :=
sparse_24_NEEDS     :=
