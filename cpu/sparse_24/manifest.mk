# Build manifest of cpu/sparse_24/: what to copy and how to compile it (README: "Copying one kernel").
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
IK_MANIFESTS += sparse_24
sparse_24_DIR := cpu/sparse_24

sparse_24_SRCS := \
  cpu/sparse_24/sparse_24.cpp \
  cpu/sparse_24/gemm_sp24_scalar.cpp \
  cpu/sparse_24/gemm_sp24_avx2.cpp \
  cpu/sparse_24/gemm_sp24_avx512.cpp

sparse_24_FLAGS.sparse_24.cpp        :=
sparse_24_FLAGS.gemm_sp24_scalar.cpp :=
sparse_24_FLAGS.gemm_sp24_avx2.cpp   := -mavx2 -mfma -mf16c
sparse_24_FLAGS.gemm_sp24_avx512.cpp := -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512dq

sparse_24_HDRS := \
  cpu/sparse_24/sparse_24.h \
  cpu/sparse_24/sparse_24_internal.h

sparse_24_COMMON := \
  common/manifest.mk \
  common/aligned_buffer.h \
  common/cpu_features.cpp \
  common/cpu_features.h \
  common/dispatch.cpp \
  common/dispatch.h \
  common/error.h \
  common/matrix.h

sparse_24_REFERENCE :=
sparse_24_NEEDS     :=
