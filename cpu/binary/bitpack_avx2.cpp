// bitpack_sign_avx2: sign binarization of one row, 8 floats per compare.
//
//   dst[w] bit b = (x[64w + b] >= 0), padding bits 0 (layout: cpu/binary/binary.h)
//
// Technique: vcmpps with predicate GE_OQ (ordered: NaN compares false, so NaN -> -1 exactly as
// the scalar x >= 0) turns 8 floats into 8 all-ones/all-zero lanes, vmovmskps gathers their
// sign bits into 8 integer bits (Intel SDM Vol. 2, MOVMSKPS). Eight of them make a word.
// The tail (k % 64) goes through the scalar loop so padding bits are never set.
// sum_abs: 8 lane accumulators (|x| by clearing the sign bit), reduced at the end.
// Test: make test ARGS='-tc=binary:*pack*'
#include <immintrin.h>

#include <cmath>

#include "cpu/binary/binary.h"

namespace ik::cpu::detail {
namespace {

void bitpack_row_avx2(index_t k, const float* x, std::uint64_t* dst, float* sum_abs) {
  const __m256 zero = _mm256_setzero_ps();
  const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  __m256 acc = _mm256_setzero_ps();
  const index_t full = k / 64;
  for (index_t w = 0; w < full; ++w) {
    std::uint64_t word = 0;
    for (int q = 0; q < 8; ++q) {
      const __m256 v = _mm256_loadu_ps(x + w * 64 + q * 8);
      word |= std::uint64_t(unsigned(_mm256_movemask_ps(_mm256_cmp_ps(v, zero, _CMP_GE_OQ)))) << (8 * q);
      if (sum_abs) acc = _mm256_add_ps(acc, _mm256_and_ps(v, absmask));
    }
    dst[w] = word;
  }
  float s = 0.0f;
  if (sum_abs) {
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, acc);
    for (float l : lanes) s += l;
  }
  if (full * 64 < k) {
    std::uint64_t word = 0;
    for (index_t b = 0; full * 64 + b < k; ++b) {
      const float v = x[full * 64 + b];
      word |= std::uint64_t{v >= 0.0f} << b;
      s += std::fabs(v);
    }
    dst[full] = word;
  }
  if (sum_abs) *sum_abs = s;
}

}  // namespace

constexpr BitpackKernel bitpack_kernel_avx2 = [] {
  auto k = entry<BitpackKernel>("bitpack_sign_avx2", Isa::avx2, feature::avx2_bundle);
  k.row = bitpack_row_avx2;
  return k;
}();

}  // namespace ik::cpu::detail
