// Internal to cpu/sparse_24: per-ISA kernel tables (defined in gemm_sp24_<isa>.cpp) and the
// metadata helpers every variant shares.
#pragma once
#include "cpu/sparse_24/sparse_24.h"

namespace ik::cpu::detail {
// The registry entries, constants defined in the ISA files (common/dispatch.h).
extern const Sp24Kernel sp24_kernel_scalar, sp24_kernel_avx2, sp24_kernel_avx512;

// The 4 metadata bits of group g of a row: pos0 in bits 0-1, pos1 in bits 2-3.
inline unsigned sp24_group_bits(const std::uint32_t* meta_row, index_t g) {
  return (meta_row[g / 8] >> (4 * (g % 8))) & 0xFu;
}
}  // namespace ik::cpu::detail
