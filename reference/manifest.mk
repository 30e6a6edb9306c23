# Build manifest of reference/ (the scalar oracle the tests compare against): every source with
# its ISA flags (none: no intrinsics here), every header, and the files of common/ it needs.
# Read by the Makefile and `make copy-check`; the format is described in common/manifest.mk.
IK_MANIFESTS += reference
reference_DIR := reference

reference_SRCS := $(addprefix reference/,binary.cpp gemm_f32.cpp gemm_s8.cpp sparse.cpp)

reference_HDRS := $(addprefix reference/,binary.h gemm_f32.h gemm_s8.h sparse.h)

reference_COMMON := \
  common/matrix.h

reference_REFERENCE :=
reference_NEEDS     :=
