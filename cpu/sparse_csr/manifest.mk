# Build manifest of cpu/sparse_csr/: what to copy and how to compile it (README: "Copying one kernel").
# Read by the Makefile (libik.a is built from the manifests) and by `make copy-check`; the
# format, and the flag bundles and common files named below, are in common/manifest.mk.
IK_MANIFESTS += sparse_csr
sparse_csr_DIR := cpu/sparse_csr

sparse_csr_SRCS := $(addprefix cpu/sparse_csr/, \
  sparse_csr.cpp spmm_csr_scalar.cpp spmm_csr_avx2.cpp spmm_csr_avx512.cpp)

sparse_csr_FLAGS.spmm_csr_avx2.cpp   := $(IK_FLAGS_AVX2)
sparse_csr_FLAGS.spmm_csr_avx512.cpp := $(IK_FLAGS_AVX512)

sparse_csr_HDRS := $(addprefix cpu/sparse_csr/,sparse_csr.h sparse_csr_internal.h)

sparse_csr_COMMON := $(IK_COMMON_CORE)

sparse_csr_REFERENCE :=
sparse_csr_NEEDS     :=
