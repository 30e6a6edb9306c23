# Build manifest of common/: every source with its ISA flags, every header.
# Read by the Makefile (make includes it), by `make copy-check`, and by you when you copy a kernel:
# a family's manifest (cpu/<family>/manifest.mk) names the files of common/ it needs, and the
# flags of those files are here. Only the file listed gets its flags; the rest is baseline x86-64.
IK_MANIFESTS += common
common_DIR := common

common_SRCS := \
  common/cpu_features.cpp \
  common/dispatch.cpp \
  common/half_convert.cpp \
  common/half_convert_avx2.cpp \
  common/half_convert_avx512.cpp

common_FLAGS.cpu_features.cpp       :=
common_FLAGS.dispatch.cpp           :=
common_FLAGS.half_convert.cpp       :=
common_FLAGS.half_convert_avx2.cpp  := -mavx2 -mfma -mf16c
common_FLAGS.half_convert_avx512.cpp := -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512dq

common_HDRS := \
  common/aligned_buffer.h \
  common/amx_tile.h \
  common/blas_types.h \
  common/cpu_features.h \
  common/dispatch.h \
  common/error.h \
  common/gemm_driver.h \
  common/gemm_widen_ukernel_avx2.h \
  common/gemm_widen_ukernel_avx512.h \
  common/gemm_widen_ukernel_scalar.h \
  common/half.h \
  common/half_convert.h \
  common/matrix.h \
  common/random.h

common_COMMON    :=
common_REFERENCE :=
common_NEEDS     :=
