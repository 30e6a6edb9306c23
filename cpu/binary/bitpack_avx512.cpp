// bitpack_sign_avx512: sign binarization of one row, 16 floats per compare-into-mask.
//
//   dst[w] bit b = (x[64w + b] >= 0), padding bits 0 (layout: cpu/binary/binary.h)
//
// Technique: vcmpps k, zmm, zero, GE_OQ writes 16 result bits straight into an opmask (Intel
// SDM Vol. 1 §15.6.1), and four masks concatenate into the 64-bit word (kunpckwd / kunpckdq),
// no movmsk needed. The tail uses masked loads and a compare under the load mask, so the
// padding bits are zero by construction (a zero-filled lane would otherwise compare >= 0).
// NaN compares false (ordered predicate) -> -1, as in the scalar x >= 0.
// Test: make test ARGS='-tc=binary:*pack*'
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include "cpu/binary/binary.h"

namespace ik::cpu::detail {
namespace {

void bitpack_row_avx512(index_t k, const float* x, std::uint64_t* dst, float* sum_abs) {
  const __m512 zero = _mm512_setzero_ps();
  __m512 acc = _mm512_setzero_ps();
  const index_t full = k / 64;
  for (index_t w = 0; w < full; ++w) {
    const float* p = x + w * 64;
    const __m512 v0 = _mm512_loadu_ps(p), v1 = _mm512_loadu_ps(p + 16);
    const __m512 v2 = _mm512_loadu_ps(p + 32), v3 = _mm512_loadu_ps(p + 48);
    const __mmask16 m0 = _mm512_cmp_ps_mask(v0, zero, _CMP_GE_OQ);
    const __mmask16 m1 = _mm512_cmp_ps_mask(v1, zero, _CMP_GE_OQ);
    const __mmask16 m2 = _mm512_cmp_ps_mask(v2, zero, _CMP_GE_OQ);
    const __mmask16 m3 = _mm512_cmp_ps_mask(v3, zero, _CMP_GE_OQ);
    const __mmask32 lo = _mm512_kunpackw(m1, m0), hi = _mm512_kunpackw(m3, m2);
    dst[w] = _cvtmask64_u64(_mm512_kunpackd(hi, lo));
    if (sum_abs)
      acc = _mm512_add_ps(_mm512_add_ps(acc, _mm512_abs_ps(v0)),
                          _mm512_add_ps(_mm512_add_ps(_mm512_abs_ps(v1), _mm512_abs_ps(v2)), _mm512_abs_ps(v3)));
  }
  const index_t rem = k - full * 64;
  if (rem > 0) {
    std::uint64_t word = 0;
    for (int q = 0; q * 16 < rem; ++q) {
      const index_t left = rem - q * 16;
      const __mmask16 lm = left >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1);
      const __m512 v = _mm512_maskz_loadu_ps(lm, x + full * 64 + q * 16);
      word |= std::uint64_t(_mm512_mask_cmp_ps_mask(lm, v, zero, _CMP_GE_OQ)) << (16 * q);
      if (sum_abs) acc = _mm512_add_ps(acc, _mm512_abs_ps(v));
    }
    dst[full] = word;
  }
  if (sum_abs) *sum_abs = _mm512_reduce_add_ps(acc);
}

}  // namespace

constexpr BitpackKernel bitpack_kernel_avx512 = [] {
  auto k = entry<BitpackKernel>("bitpack_sign_avx512", Isa::avx512, feature::avx512_bundle);
  k.row = bitpack_row_avx512;
  return k;
}();

}  // namespace ik::cpu::detail
