# Build manifest of cpu/gemm_f16/: what to copy and how to compile it (README: "Copying one kernel").
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
IK_MANIFESTS += gemm_f16
gemm_f16_DIR := cpu/gemm_f16

gemm_f16_SRCS := \
  cpu/gemm_f16/gemm_f16.cpp \
  cpu/gemm_f16/hgemm_ukernel_scalar.cpp \
  cpu/gemm_f16/hgemm_ukernel_avx2.cpp \
  cpu/gemm_f16/hgemm_ukernel_avx512.cpp

gemm_f16_FLAGS.gemm_f16.cpp             :=
gemm_f16_FLAGS.hgemm_ukernel_scalar.cpp :=
gemm_f16_FLAGS.hgemm_ukernel_avx2.cpp   := -mavx2 -mfma -mf16c
gemm_f16_FLAGS.hgemm_ukernel_avx512.cpp := -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512dq

gemm_f16_HDRS := \
  cpu/gemm_f16/gemm_f16.h

gemm_f16_COMMON := \
  common/manifest.mk \
  common/aligned_buffer.h \
  common/blas_types.h \
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

gemm_f16_REFERENCE :=
gemm_f16_NEEDS     :=
