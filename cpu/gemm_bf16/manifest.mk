# Build manifest of cpu/gemm_bf16/: what to copy and how to compile it (README: "Copying one kernel").
# Read by the Makefile (libik.a is built from the manifests) and by `make copy-check`.
#   <f>_SRCS          every source of the folder
#   <f>_FLAGS.<file>  the ISA flags of that source and of no other (empty: baseline x86-64;
#                     the dispatcher picks the ISA path at run time from CPUID)
#   <f>_HDRS          every header of the folder
#   <f>_COMMON        the files of common/ the family needs to compile and link on its own,
#                     headers and sources, as the #include graph gives them (checked by
#                     tools/check_manifests.py), plus common/dispatch.*, plus common/manifest.mk
#                     (the flags of those sources)
#   <f>_REFERENCE     the files of reference/ it needs (none: kernels never include the oracle)
#   <f>_NEEDS         the other families whose headers it includes (none)
IK_MANIFESTS += gemm_bf16
gemm_bf16_DIR := cpu/gemm_bf16

gemm_bf16_SRCS := \
  cpu/gemm_bf16/gemm_bf16.cpp \
  cpu/gemm_bf16/bf16gemm_ukernel_scalar.cpp \
  cpu/gemm_bf16/bf16gemm_ukernel_avx2.cpp \
  cpu/gemm_bf16/widen_ukernel_avx512.cpp \
  cpu/gemm_bf16/bf16gemm_ukernel_avx512bf16.cpp \
  cpu/gemm_bf16/bf16gemm_ukernel_amx_avx512bf16.cpp

gemm_bf16_FLAGS.gemm_bf16.cpp                       :=
gemm_bf16_FLAGS.bf16gemm_ukernel_scalar.cpp         :=
gemm_bf16_FLAGS.bf16gemm_ukernel_avx2.cpp           := -mavx2 -mfma -mf16c
gemm_bf16_FLAGS.widen_ukernel_avx512.cpp            := -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512dq
gemm_bf16_FLAGS.bf16gemm_ukernel_avx512bf16.cpp     := -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512bf16
gemm_bf16_FLAGS.bf16gemm_ukernel_amx_avx512bf16.cpp := -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512bf16 -mamx-tile -mamx-bf16

gemm_bf16_HDRS := \
  cpu/gemm_bf16/gemm_bf16.h

gemm_bf16_COMMON := \
  common/manifest.mk \
  common/aligned_buffer.h \
  common/blas_types.h \
  common/amx_tile.h \
  common/cpu_features.cpp \
  common/cpu_features.h \
  common/dispatch.cpp \
  common/dispatch.h \
  common/error.h \
  common/gemm_driver.h \
  common/gemm_widen_ukernel_avx2.h \
  common/gemm_widen_ukernel_avx512.h \
  common/gemm_widen_ukernel_scalar.h \
  common/half.h \
  common/half_convert.cpp \
  common/half_convert.h \
  common/half_convert_avx2.cpp \
  common/half_convert_avx512.cpp \
  common/matrix.h

gemm_bf16_REFERENCE :=
gemm_bf16_NEEDS     :=
