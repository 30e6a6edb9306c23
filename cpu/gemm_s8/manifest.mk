# Build manifest of cpu/gemm_s8/: what to copy and how to compile it (README: "Copying one kernel").
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
IK_MANIFESTS += gemm_s8
gemm_s8_DIR := cpu/gemm_s8

gemm_s8_SRCS := \
  cpu/gemm_s8/gemm_s8.cpp \
  cpu/gemm_s8/quantize.cpp \
  cpu/gemm_s8/gemm_s8_ukernel_scalar.cpp \
  cpu/gemm_s8/gemm_s8_ukernel_avx2.cpp \
  cpu/gemm_s8/gemm_s8_ukernel_avx2vnni.cpp \
  cpu/gemm_s8/gemm_s8_ukernel_avx512vnni.cpp \
  cpu/gemm_s8/gemm_s8_ukernel_amx_avx512vnni.cpp

gemm_s8_FLAGS.gemm_s8.cpp                        :=
gemm_s8_FLAGS.quantize.cpp                       :=
gemm_s8_FLAGS.gemm_s8_ukernel_scalar.cpp         :=
gemm_s8_FLAGS.gemm_s8_ukernel_avx2.cpp           := -mavx2 -mfma -mf16c
gemm_s8_FLAGS.gemm_s8_ukernel_avx2vnni.cpp       := -mavx2 -mfma -mf16c -mavxvnni
gemm_s8_FLAGS.gemm_s8_ukernel_avx512vnni.cpp     := -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512vnni
gemm_s8_FLAGS.gemm_s8_ukernel_amx_avx512vnni.cpp := -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512vnni -mamx-tile -mamx-int8

gemm_s8_HDRS := \
  cpu/gemm_s8/gemm_s8.h \
  cpu/gemm_s8/quantize.h \
  cpu/gemm_s8/s8_epilogue_avx2.h \
  cpu/gemm_s8/s8_epilogue_avx512.h

gemm_s8_COMMON := \
  common/manifest.mk \
  common/aligned_buffer.h \
  common/amx_tile.h \
  common/blas_types.h \
  common/cpu_features.cpp \
  common/cpu_features.h \
  common/dispatch.cpp \
  common/dispatch.h \
  common/error.h \
  common/gemm_driver.h \
  common/matrix.h

gemm_s8_REFERENCE :=
gemm_s8_NEEDS     :=
