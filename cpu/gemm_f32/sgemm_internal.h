// Internal to cpu/gemm_f32: each ISA source file defines its registry entry as a constant
// (constexpr: initialized at compile time, so no code compiled with that file's ISA flags runs
// when gemm_f32.cpp copies it into the registry, whatever CPU this is).
#pragma once
#include "cpu/gemm_f32/gemm_f32.h"

namespace ik::cpu::detail {

extern const SgemmKernel sgemm_kernel_scalar;
extern const SgemmKernel sgemm_kernel_avx2;
extern const SgemmKernel sgemm_kernel_avx512;

}  // namespace ik::cpu::detail
