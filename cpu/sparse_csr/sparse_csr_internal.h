// Internal to cpu/sparse_csr: the per-ISA kernel tables (defined in spmm_csr_<isa>.cpp).
#pragma once
#include "cpu/sparse_csr/sparse_csr.h"

namespace ik::cpu::detail {
// The registry entries, constants defined in the ISA files (common/dispatch.h).
extern const SpmmCsrKernel spmm_csr_kernel_scalar, spmm_csr_kernel_avx2, spmm_csr_kernel_avx512;
}  // namespace ik::cpu::detail
