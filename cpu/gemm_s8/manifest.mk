# Build manifest of cpu/gemm_s8/: what to copy and how to compile it (README: "Copying one kernel").
# Read by the Makefile (libik.a is built from the manifests) and by `make copy-check`; the
# format, and the flag bundles and common files named below, are in common/manifest.mk.
IK_MANIFESTS += gemm_s8
gemm_s8_DIR := cpu/gemm_s8

gemm_s8_SRCS := $(addprefix cpu/gemm_s8/, \
  gemm_s8.cpp quantize.cpp gemm_s8_ukernel_scalar.cpp gemm_s8_ukernel_avx2.cpp \
  gemm_s8_ukernel_avx2vnni.cpp gemm_s8_ukernel_avx512vnni.cpp gemm_s8_ukernel_amx_avx512vnni.cpp)

gemm_s8_FLAGS.gemm_s8_ukernel_avx2.cpp           := $(IK_FLAGS_AVX2)
gemm_s8_FLAGS.gemm_s8_ukernel_avx2vnni.cpp       := $(IK_FLAGS_AVX2) -mavxvnni
gemm_s8_FLAGS.gemm_s8_ukernel_avx512vnni.cpp     := $(IK_FLAGS_AVX512) -mavx512vnni
gemm_s8_FLAGS.gemm_s8_ukernel_amx_avx512vnni.cpp := $(IK_FLAGS_AVX512) -mavx512vnni -mamx-tile -mamx-int8

gemm_s8_HDRS := $(addprefix cpu/gemm_s8/, \
  gemm_s8.h quantize.h s8_epilogue_avx2.h s8_epilogue_avx512.h)

gemm_s8_COMMON := $(IK_COMMON_CORE) \
  common/amx_tile.h \
  common/blas_types.h \
  common/gemm_driver.h

gemm_s8_REFERENCE :=
gemm_s8_NEEDS     :=
