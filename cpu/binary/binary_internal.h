// Internal plumbing shared by binary.cpp and bconv.cpp (not part of the public API).
#pragma once
#include "cpu/binary/binary.h"

namespace ik::cpu::detail {

const BitpackKernel& resolve_bitpack(const char* where, const BinaryOptions& opt);
const XnorKernel& resolve_xnor(const char* where, const BinaryOptions& opt);

// The validated XNOR GEMM over MR x NR tiles, OpenMP over tiles. A has B.words() words per row
// (stride lda); kbits = B.K(). Exactly one of c32 / cf is non-null.
void xnor_run(const XnorKernel& k, index_t M, const std::uint64_t* A, index_t lda,
              const BinaryPackedWeights& B, std::int32_t* c32, float* cf, index_t ldc,
              const float* row_scale, const std::int32_t* const* row_offset, int threads);

// Packs rows in parallel with the given kernel; sum_abs (optional) per row.
void bitpack_run(const BitpackKernel& k, index_t rows, index_t K, const float* x, index_t ldx,
                 std::uint64_t* dst, index_t ld_words, float* sum_abs, int threads);

}  // namespace ik::cpu::detail
