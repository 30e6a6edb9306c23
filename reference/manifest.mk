# Build manifest of reference/ (the scalar oracle the tests compare against): every source with
# its ISA flags (none: no intrinsics here), every header, and the files of common/ it needs.
# Read by the Makefile and `make copy-check`; the format is described in common/manifest.mk.
IK_MANIFESTS += reference
reference_DIR := reference

reference_SRCS := \
  reference/binary.cpp \
  reference/gemm_f32.cpp \
  reference/gemm_s8.cpp \
  reference/sparse.cpp

reference_FLAGS.binary.cpp   :=
reference_FLAGS.gemm_f32.cpp :=
reference_FLAGS.gemm_s8.cpp  :=
reference_FLAGS.sparse.cpp   :=

reference_HDRS := \
  reference/binary.h \
  reference/gemm_f32.h \
  reference/gemm_s8.h \
  reference/sparse.h

reference_COMMON := \
  common/matrix.h

reference_REFERENCE :=
reference_NEEDS     :=
