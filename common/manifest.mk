# Build manifest of common/: every source with its ISA flags, every header.
# Read by the Makefile (make includes it), by `make copy-check`, and by you when you copy a kernel:
# a family's manifest (cpu/<family>/manifest.mk) names the files of common/ it needs, and the
# flags of those files are here. Only the file listed gets its flags; the rest is baseline x86-64.
#
# The format of every manifest (cpu/<family>/manifest.mk, reference/, bench/, this one):
#   <f>_SRCS          every source of the folder
#   <f>_FLAGS.<file>  the ISA flags of that source and of no other; a source without one is
#                     baseline x86-64 (the dispatcher picks the ISA path at run time from CPUID)
#   <f>_HDRS          every header of the folder
#   <f>_COMMON        the files of common/ the family needs to compile and link on its own,
#                     headers and sources, as the #include graph gives them (checked by
#                     tools/check_manifests.py), plus common/dispatch.*, plus common/manifest.mk
#                     (the flags of those sources)
#   <f>_REFERENCE     the files of reference/ it needs (none: kernels never include the oracle)
#   <f>_NEEDS         the other families whose headers it includes (none)
#
# The ISA flag bundles (the feature bits common/cpu_features.h calls feature::avx2_bundle and
# feature::avx512_bundle; a file adds the extensions its registry entry requires), and the
# common files every family needs (the dispatcher, CPU features, errors, buffers, views).
IK_FLAGS_AVX2   := -mavx2 -mfma -mf16c
IK_FLAGS_AVX512 := $(IK_FLAGS_AVX2) -mavx512f -mavx512bw -mavx512vl -mavx512dq
IK_COMMON_CORE  := common/manifest.mk common/aligned_buffer.h common/cpu_features.cpp common/cpu_features.h \
                   common/dispatch.cpp common/dispatch.h common/error.h common/matrix.h

IK_MANIFESTS += common
common_DIR := common

common_SRCS := $(addprefix common/, \
  cpu_features.cpp dispatch.cpp half_convert.cpp half_convert_avx2.cpp half_convert_avx512.cpp)

common_FLAGS.half_convert_avx2.cpp  := $(IK_FLAGS_AVX2)
common_FLAGS.half_convert_avx512.cpp := $(IK_FLAGS_AVX512)

common_HDRS := $(addprefix common/, \
  aligned_buffer.h amx_tile.h blas_types.h cpu_features.h dispatch.h error.h gemm_driver.h \
  gemm_widen_ukernel_avx2.h gemm_widen_ukernel_avx512.h gemm_widen_ukernel_scalar.h half.h \
  half_convert.h matrix.h random.h)

common_COMMON    :=
common_REFERENCE :=
common_NEEDS     :=
