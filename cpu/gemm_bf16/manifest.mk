# Build manifest of cpu/gemm_bf16/: what to copy and how to compile it (README: "Copying one kernel").
# Read by the Makefile (libik.a is built from the manifests) and by `make copy-check`; the
# format, and the flag bundles and common files named below, are in common/manifest.mk.
IK_MANIFESTS += gemm_bf16
gemm_bf16_DIR := cpu/gemm_bf16

gemm_bf16_SRCS := $(addprefix cpu/gemm_bf16/, \
  gemm_bf16.cpp bf16gemm_ukernel_scalar.cpp bf16gemm_ukernel_avx2.cpp widen_ukernel_avx512.cpp \
  bf16gemm_ukernel_avx512bf16.cpp bf16gemm_ukernel_amx_avx512bf16.cpp)

gemm_bf16_FLAGS.bf16gemm_ukernel_avx2.cpp           := $(IK_FLAGS_AVX2)
gemm_bf16_FLAGS.widen_ukernel_avx512.cpp            := $(IK_FLAGS_AVX512)
gemm_bf16_FLAGS.bf16gemm_ukernel_avx512bf16.cpp     := $(IK_FLAGS_AVX512) -mavx512bf16
gemm_bf16_FLAGS.bf16gemm_ukernel_amx_avx512bf16.cpp := $(IK_FLAGS_AVX512) -mavx512bf16 -mamx-tile -mamx-bf16

gemm_bf16_HDRS := $(addprefix cpu/gemm_bf16/,gemm_bf16.h)

gemm_bf16_COMMON := $(IK_COMMON_CORE) \
  common/blas_types.h \
  common/amx_tile.h \
  common/gemm_driver.h \
  common/gemm_widen_ukernel_avx2.h \
  common/gemm_widen_ukernel_avx512.h \
  common/gemm_widen_ukernel_scalar.h \
  common/half.h \
  common/half_convert.cpp \
  common/half_convert.h \
  common/half_convert_avx2.cpp \
  common/half_convert_avx512.cpp

gemm_bf16_REFERENCE :=
gemm_bf16_NEEDS     :=
