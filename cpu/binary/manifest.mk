# Build manifest of cpu/binary/: what to copy and how to compile it (README: "Copying one kernel").
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
IK_MANIFESTS += binary
binary_DIR := cpu/binary

binary_SRCS := \
  cpu/binary/binary.cpp \
  cpu/binary/bconv.cpp \
  cpu/binary/bitpack_scalar.cpp \
  cpu/binary/bitpack_avx2.cpp \
  cpu/binary/bitpack_avx512.cpp \
  cpu/binary/xnor_gemm_scalar.cpp \
  cpu/binary/xnor_gemm_avx2.cpp \
  cpu/binary/xnor_gemm_avx512vpopcnt.cpp \
  cpu/binary/binary_gemv_scalar.cpp \
  cpu/binary/binary_gemv_avx2.cpp \
  cpu/binary/binary_gemv_avx512.cpp

binary_FLAGS.binary.cpp                  :=
binary_FLAGS.bconv.cpp                   :=
binary_FLAGS.bitpack_scalar.cpp          :=
binary_FLAGS.bitpack_avx2.cpp            := -mavx2 -mfma -mf16c
binary_FLAGS.bitpack_avx512.cpp          := -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512dq
binary_FLAGS.xnor_gemm_scalar.cpp        :=
binary_FLAGS.xnor_gemm_avx2.cpp          := -mavx2 -mfma -mf16c
binary_FLAGS.xnor_gemm_avx512vpopcnt.cpp := -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512vpopcntdq
binary_FLAGS.binary_gemv_scalar.cpp      :=
binary_FLAGS.binary_gemv_avx2.cpp        := -mavx2 -mfma -mf16c
binary_FLAGS.binary_gemv_avx512.cpp      := -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512dq

binary_HDRS := \
  cpu/binary/binary.h \
  cpu/binary/binary_internal.h

binary_COMMON := \
  common/manifest.mk \
  common/aligned_buffer.h \
  common/cpu_features.cpp \
  common/cpu_features.h \
  common/dispatch.cpp \
  common/dispatch.h \
  common/error.h \
  common/matrix.h

binary_REFERENCE :=
binary_NEEDS     :=
