# Build manifest of cpu/gemm_f16/: what to copy and how to compile it (README: "Copying one kernel").
# Read by the Makefile (libik.a is built from the manifests) and by `make copy-check`; the
# format, and the flag bundles and common files named below, are in common/manifest.mk.
IK_MANIFESTS += gemm_f16
gemm_f16_DIR := cpu/gemm_f16

gemm_f16_SRCS := $(addprefix cpu/gemm_f16/, \
  gemm_f16.cpp hgemm_ukernel_scalar.cpp hgemm_ukernel_avx2.cpp hgemm_ukernel_avx512.cpp)

gemm_f16_FLAGS.hgemm_ukernel_avx2.cpp   := $(IK_FLAGS_AVX2)
gemm_f16_FLAGS.hgemm_ukernel_avx512.cpp := $(IK_FLAGS_AVX512)

gemm_f16_HDRS := $(addprefix cpu/gemm_f16/,gemm_f16.h)

gemm_f16_COMMON := $(IK_COMMON_CORE) \
  common/blas_types.h \
  common/gemm_driver.h \
  common/gemm_widen_ukernel_avx2.h \
  common/gemm_widen_ukernel_avx512.h \
  common/gemm_widen_ukernel_scalar.h \
  common/half.h \
  common/half_convert.cpp \
  common/half_convert.h \
  common/half_convert_avx2.cpp \
  common/half_convert_avx512.cpp

gemm_f16_REFERENCE :=
gemm_f16_NEEDS     :=
