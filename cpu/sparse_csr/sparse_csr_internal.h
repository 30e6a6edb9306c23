// Internal to cpu/sparse_csr: the per-ISA kernel tables (defined in spmm_csr_<isa>.cpp).
#pragma once
#include "cpu/sparse_csr/sparse_csr.h"

namespace ik::cpu::detail {
SpmmCsrKernel make_spmm_csr_kernel_scalar();
SpmmCsrKernel make_spmm_csr_kernel_avx2();
SpmmCsrKernel make_spmm_csr_kernel_avx512();
}  // namespace ik::cpu::detail
