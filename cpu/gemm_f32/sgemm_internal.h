// Internal to cpu/gemm_f32: each ISA source file builds its registry entry. Compiled with that
// file's ISA flags, so nothing here may be inlined into code that runs before dispatch.
#pragma once
#include "cpu/gemm_f32/gemm_f32.h"

namespace ik::cpu::detail {

SgemmKernel make_sgemm_kernel_scalar();
SgemmKernel make_sgemm_kernel_avx2();
SgemmKernel make_sgemm_kernel_avx512();

}  // namespace ik::cpu::detail
