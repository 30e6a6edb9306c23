# Build manifest of cpu/binary/: what to copy and how to compile it (README: "Copying one kernel").
# Read by the Makefile (libik.a is built from the manifests) and by `make copy-check`; the
# format, and the flag bundles and common files named below, are in common/manifest.mk.
IK_MANIFESTS += binary
binary_DIR := cpu/binary

binary_SRCS := $(addprefix cpu/binary/, \
  binary.cpp bconv.cpp bitpack_scalar.cpp bitpack_avx2.cpp bitpack_avx512.cpp xnor_gemm_scalar.cpp \
  xnor_gemm_avx2.cpp xnor_gemm_avx512vpopcnt.cpp binary_gemv_scalar.cpp binary_gemv_avx2.cpp \
  binary_gemv_avx512.cpp)

binary_FLAGS.bitpack_avx2.cpp            := $(IK_FLAGS_AVX2)
binary_FLAGS.bitpack_avx512.cpp          := $(IK_FLAGS_AVX512)
binary_FLAGS.xnor_gemm_avx2.cpp          := $(IK_FLAGS_AVX2)
binary_FLAGS.xnor_gemm_avx512vpopcnt.cpp := $(IK_FLAGS_AVX512) -mavx512vpopcntdq
binary_FLAGS.binary_gemv_avx2.cpp        := $(IK_FLAGS_AVX2)
binary_FLAGS.binary_gemv_avx512.cpp      := $(IK_FLAGS_AVX512)

binary_HDRS := $(addprefix cpu/binary/,binary.h binary_internal.h)

binary_COMMON := $(IK_COMMON_CORE)

binary_REFERENCE :=
binary_NEEDS     :=
